"""The exception tree: every failure says whether a retry may help, none defaults to it."""

from __future__ import annotations

import pytest

from worker.errors import (
    BlockedTargetError,
    EditwatchError,
    FetchError,
    PermanentFetchError,
    TransientFetchError,
)


def test_a_bare_fetch_error_cannot_be_raised() -> None:
    """FetchError is caught, never raised: the raiser must decide transient or permanent."""
    with pytest.raises(TypeError, match="TransientFetchError or PermanentFetchError"):
        FetchError("x", url="https://example.org/")


@pytest.mark.parametrize(
    ("error", "transient"),
    [(TransientFetchError, True), (PermanentFetchError, False), (BlockedTargetError, False)],
)
def test_each_fetch_failure_says_whether_retrying_helps(
    error: type[FetchError], transient: bool
) -> None:
    """Transient failures are retried, permanent and blocked ones are not; all are FetchErrors."""
    raised = error("boom", url="https://example.org/", status=503, retry_after=5.0)
    assert raised.transient is transient and isinstance(raised, FetchError)
    assert isinstance(raised, EditwatchError) and (raised.status, raised.retry_after) == (503, 5.0)

"""The one retry policy: which HTTP answers are worth another try, and how long to wait.

Why one module: page fetches (:mod:`worker.fetch`), rescheduling after failed checks
(:mod:`worker.schedule`) and alert deliveries (:mod:`worker.pipeline.delivery`) all retry.
Two copies had drifted (one retried 425, the other not; one jittered over ``[c/2, c]`` while
calling it full jitter), so both the status list and the backoff are defined here, once.
"""

from __future__ import annotations

import random

__all__ = ["RETRYABLE_CLIENT_STATUSES", "backoff_delay", "is_retryable_status", "retry_delay"]

# Every 5xx is retryable too; any other 4xx means the request itself is wrong.
RETRYABLE_CLIENT_STATUSES = frozenset({408, 425, 429})


def is_retryable_status(status: int) -> bool:
    """408 Request Timeout, 425 Too Early, 429 Too Many Requests and every 5xx may heal."""
    return status >= 500 or status in RETRYABLE_CLIENT_STATUSES


def backoff_delay(
    attempt: int, *, base: float, cap: float, rng: random.Random | None = None
) -> float:
    """Exponential backoff with full jitter: uniform in ``[0, min(cap, base * 2^(attempt-1))]``.

    Full jitter (AWS's name for it: the whole interval, not its upper half) keeps many
    retries of one failing site or receiver from coming back in lock-step.
    """
    ceiling = min(cap, base * 2.0 ** max(attempt - 1, 0))
    uniform = rng.uniform if rng is not None else random.uniform
    return uniform(0.0, ceiling)


def retry_delay(
    attempt: int,
    *,
    base: float,
    cap: float,
    retry_after: float | None = None,
    rng: random.Random | None = None,
) -> float:
    """The wait before attempt ``attempt + 1``: the server's ``Retry-After`` when it sent one
    (capped at ``cap``), else :func:`backoff_delay`."""
    if retry_after is not None:
        return min(max(retry_after, 0.0), cap)
    return backoff_delay(attempt, base=base, cap=cap, rng=rng)

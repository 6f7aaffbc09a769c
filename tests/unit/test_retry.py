"""The one retry policy: retryable statuses, full-jitter backoff and Retry-After."""

from __future__ import annotations

import random

import pytest

from worker.config import NotifySettings
from worker.retry import backoff_delay, is_retryable_status, retry_delay

HOURS = 3600.0


@pytest.mark.parametrize(
    ("status", "retryable"),
    [(408, True), (425, True), (429, True), (500, True), (503, True), (599, True),
     (400, False), (401, False), (404, False), (410, False), (422, False)],
)  # fmt: skip
def test_only_statuses_that_may_heal_are_retryable(status: int, retryable: bool) -> None:
    """Timeouts, Too Early, rate limits and 5xx are retried; other 4xx are the request's fault."""
    assert is_retryable_status(status) is retryable


def test_backoff_uses_the_whole_interval_below_the_ceiling() -> None:
    """Full jitter: waits spread over [0, ceiling], not only its upper half."""
    rng = random.Random(11)
    waits = [backoff_delay(3, base=10.0, cap=1e9, rng=rng) for _ in range(2000)]
    assert max(waits) <= 40.0
    assert min(waits) < 4.0  # a [c/2, c] "jitter" never goes below 20
    assert 18.0 < sum(waits) / len(waits) < 22.0


def test_backoff_never_exceeds_the_cap() -> None:
    """However many attempts, a wait stays under the configured maximum."""
    rng = random.Random(5)
    assert all(backoff_delay(n, base=180.0, cap=7200.0, rng=rng) <= 7200.0 for n in range(1, 60))


def test_retry_after_replaces_the_backoff_but_is_capped() -> None:
    """A server's Retry-After is honoured exactly, up to the cap, and never negative."""
    assert retry_delay(1, base=180.0, cap=7200.0, retry_after=42.0) == 42.0
    assert retry_delay(1, base=180.0, cap=7200.0, retry_after=1e6) == 7200.0
    assert retry_delay(1, base=180.0, cap=7200.0, retry_after=-5.0) == 0.0


def test_default_alert_retries_span_at_most_five_hours() -> None:
    """8 attempts with the default backoff end within 5.2 hours, about 2.6 h on average."""
    settings = NotifySettings()
    assert settings.max_attempts == 8
    rng = random.Random(1234)
    spans = [
        sum(
            retry_delay(n, base=settings.backoff, cap=settings.backoff_max, rng=rng)
            for n in range(1, settings.max_attempts)
        )
        for _ in range(2000)
    ]
    assert max(spans) < 5.2 * HOURS
    assert 2.4 * HOURS < sum(spans) / len(spans) < 2.8 * HOURS

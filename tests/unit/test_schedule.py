"""The scheduling policy: fixed intervals, the news-lifecycle ladder, jitter and retries."""

from __future__ import annotations

import multiprocessing
import random
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from worker import schedule
from worker.retry import backoff_delay
from worker.schedule import DAY, HOUR, MINUTE, SchedulePolicy

LADDER_CASES = [
    (0.0, 15 * MINUTE),
    (-30.0, 15 * MINUTE),
    (2 * HOUR + 59 * MINUTE, 15 * MINUTE),
    (3 * HOUR, 1 * HOUR),
    (23 * HOUR, 1 * HOUR),
    (1 * DAY, 3 * HOUR),
    (6.9 * DAY, 3 * HOUR),
    (7 * DAY, 3 * DAY),
    (29 * DAY, 3 * DAY),
    (30 * DAY, 30 * DAY),
    (364 * DAY, 30 * DAY),
    (365 * DAY, None),
    (10 * 365 * DAY, None),
]


@pytest.mark.parametrize(("since_change", "expected"), LADDER_CASES)
def test_decay_interval_follows_the_newsdiffs_ladder(
    since_change: float, expected: float | None
) -> None:
    """A fresh article is checked every 15 min, a month-old one monthly, a year-old one never."""
    assert schedule.decay_interval(since_change) == expected


def test_custom_ladder_is_used() -> None:
    """A configured ladder replaces the default one, including where checking stops."""
    ladder = ((60.0, 5.0), (120.0, 10.0))
    assert schedule.decay_interval(30.0, ladder) == 5.0
    assert schedule.decay_interval(90.0, ladder) == 10.0
    assert schedule.decay_interval(120.0, ladder) is None


@given(
    now=st.floats(0, 2e9),
    interval=st.floats(1, 1e7),
    seed=st.integers(0, 2**32),
)
def test_next_due_stays_within_ten_percent(now: float, interval: float, seed: int) -> None:
    """Jitter spreads checks by at most +-10 % of the interval and never schedules in the past."""
    due = schedule.next_due(now, interval, rng=random.Random(seed))
    assert due > now
    assert interval * 0.9 - 1e-6 <= due - now <= interval * 1.1 + 1e-6


def test_jitter_actually_spreads_checks() -> None:
    """Watches with the same interval do not all come due at the same instant."""
    rng = random.Random(1)
    dues = {round(schedule.next_due(0.0, 3600.0, rng=rng)) for _ in range(50)}
    assert len(dues) > 40


def _jitter_in_child(_: int) -> float:
    return schedule.next_due(0.0, 3600.0)


def test_forked_pool_processes_draw_different_jitter() -> None:
    """Without an ``rng`` the shared generator is used; each forked process (a Celery pool
    process) must draw its own jitter, or their watches would come due together."""
    random.random()  # the parent's generator has state the children would inherit
    with multiprocessing.get_context("fork").Pool(3, maxtasksperchild=1) as pool:
        dues = pool.map(_jitter_in_child, range(3), chunksize=1)
    assert len(set(dues)) == 3 and all(3240 <= d <= 3960 for d in dues)


def test_plan_next_uses_override_before_the_ladder() -> None:
    """A watch's own interval wins over the decay ladder, even for a year-old article."""
    policy = SchedulePolicy(mode="decay", jitter=0.0)
    assert schedule.plan_next(100.0, policy, override=42.0, since_change=400 * DAY) == 142.0


def test_plan_next_fixed_mode_ignores_age() -> None:
    """In fixed mode the default interval applies whatever the article's age."""
    policy = SchedulePolicy(mode="fixed", default_interval=600.0, jitter=0.0)
    assert schedule.plan_next(0.0, policy, since_change=400 * DAY) == 600.0


def test_plan_next_decay_stops_for_old_articles_and_boosts_after_an_edit() -> None:
    """Decay stops checking a stale article; an edit (age 0) puts it back on 15-minute checks."""
    policy = SchedulePolicy(mode="decay", jitter=0.0)
    assert schedule.plan_next(0.0, policy, since_change=2 * 365 * DAY) is None
    assert schedule.plan_next(0.0, policy, since_change=10 * DAY) == 3 * DAY
    assert schedule.plan_next(0.0, policy, since_change=0.0) == 15 * MINUTE


def test_plan_next_new_watch_gets_fastest_step() -> None:
    """A watch never checked before (no change age yet) starts at the fastest step."""
    policy = SchedulePolicy(jitter=0.0)
    assert schedule.plan_next(0.0, policy, since_change=None) == 15 * MINUTE


def test_retry_due_honours_retry_after_with_a_cap() -> None:
    """A server's Retry-After is obeyed, but never for longer than 6 hours."""
    assert schedule.retry_due(0.0, 3600.0, 1, retry_after=120.0) == 120.0
    assert schedule.retry_due(0.0, 3600.0, 1, retry_after=10 * DAY) == 6 * HOUR


@given(failures=st.integers(1, 40), interval=st.floats(1, 1e6), seed=st.integers(0, 2**32))
def test_retry_backoff_is_bounded(failures: int, interval: float, seed: int) -> None:
    """Backoff never waits longer than the exponential ceiling nor the watch's interval."""
    delay = schedule.retry_due(0.0, interval, failures, rng=random.Random(seed))
    ceiling = min(interval, schedule.RETRY_BASE * 2.0 ** (failures - 1))
    assert schedule.MIN_INTERVAL <= delay <= max(ceiling, schedule.MIN_INTERVAL)


def test_backoff_grows_with_failures_and_is_jittered() -> None:
    """More failures wait longer on average, and retries of many watches are spread out."""
    rng = random.Random(7)
    first = [backoff_delay(1, base=schedule.RETRY_BASE, cap=1e9, rng=rng) for _ in range(200)]
    sixth = [backoff_delay(6, base=schedule.RETRY_BASE, cap=1e9, rng=rng) for _ in range(200)]
    assert sum(sixth) / 200 > 10 * sum(first) / 200
    assert len({round(d) for d in sixth}) > 100


def test_decay_clock_runs_from_the_last_change_not_the_version_first_seen() -> None:
    """A revert to a version first seen months ago counts as 'just changed' for the ladder."""
    now = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    reverted_at = now - timedelta(minutes=10)
    since = schedule.since_change(now, reverted_at)
    assert since == 600
    assert schedule.decay_interval(since) == schedule.decay_interval(0)
    assert schedule.since_change(now, None) == 0.0

"""Pure scheduling policy: when is a watch next due.

No I/O here: the Redis due-queue (``worker.schedule.duequeue``) stores the times this module
computes,
so the policy can be tested with plain numbers and changed without touching Redis code.

Two modes:

* ``fixed``: every ``interval`` seconds (the watch's own, else the default), +-10 % jitter.
* ``decay``: the interval follows the news lifecycle. Articles are edited most in their first
  hours and almost never after a month, so the interval grows with the time since the article
  last *really* changed (NewsDiffs' ladder, :data:`DEFAULT_LADDER`) and checking stops after a
  year. A detected edit resets the clock to zero, i.e. back to the fastest step: articles that
  changed once often change again (the "boost"). The clock starts at the watch's
  ``last_changed_at`` (every new state, and every return to an older one), never at the current
  version's ``first_seen``: a revert reuses a version first seen on day 0.

A watch's own ``interval`` always wins over the ladder: the user asked for it.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from worker.config import DEFAULT_LADDER
from worker.retry import backoff_delay

__all__ = [
    "DEFAULT_LADDER",
    "SchedulePolicy",
    "decay_interval",
    "interval_for",
    "next_due",
    "plan_next",
    "retry_due",
    "since_change",
]

JITTER = 0.10  # +-10 % spreads checks of watches configured together over time
MIN_INTERVAL = 1.0
MINUTE = 60.0
HOUR = 60 * MINUTE
DAY = 24 * HOUR

ScheduleMode = Literal["fixed", "decay"]
Ladder = Sequence[tuple[float, float]]

# Retries after a failed check: exponential from RETRY_BASE, never beyond the watch's interval.
RETRY_BASE = 30.0
RETRY_AFTER_CAP = 6 * HOUR  # a server may ask us to wait, but not for days


@dataclass(frozen=True, slots=True)
class SchedulePolicy:
    """How a watch without its own interval is scheduled (built from settings by the caller)."""

    mode: ScheduleMode = "decay"
    default_interval: float = HOUR  # used by ``fixed`` mode
    ladder: Ladder = DEFAULT_LADDER
    jitter: float = JITTER


def decay_interval(since_change: float, ladder: Ladder = DEFAULT_LADDER) -> float | None:
    """The interval for an article last changed ``since_change`` seconds ago; None = stop.

    A negative age (clock skew between the store and Redis) counts as "just changed".
    """
    age = max(0.0, since_change)
    for younger_than, interval in ladder:
        if age < younger_than:
            return interval
    return None


def since_change(now: datetime, last_changed_at: datetime | None) -> float:
    """Seconds since the article last changed state; 0 (brand new) when it never did."""
    return (now - last_changed_at).total_seconds() if last_changed_at else 0.0


def jittered(interval: float, jitter: float = JITTER, rng: random.Random | None = None) -> float:
    """``interval`` moved by up to +-``jitter`` of itself, never below :data:`MIN_INTERVAL`.

    Without ``rng``, the ``random`` module's shared generator: seeding a new ``Random()`` for
    every check cost 8.5 us of CPU, the draw 0.1 us. Python reseeds that generator in a
    forked child, so pool processes do not draw the same jitter.
    """
    spread = interval * jitter
    uniform = rng.uniform if rng is not None else random.uniform
    offset = uniform(-spread, spread) if spread else 0.0
    return max(MIN_INTERVAL, interval + offset)


def next_due(
    now: float, interval: float, *, jitter: float = JITTER, rng: random.Random | None = None
) -> float:
    """The next check time for a watch checked at ``now`` with the given interval (seconds)."""
    return now + jittered(interval, jitter, rng)


def interval_for(
    policy: SchedulePolicy, *, override: float | None, since_change: float | None
) -> float | None:
    """The un-jittered interval for one watch; None means the watch is done (stop checking).

    ``since_change`` is seconds since the article's last real change (or since it was first
    seen, when it never changed); None (never checked) counts as brand new.
    """
    if override is not None:
        return override
    if policy.mode == "fixed":
        return policy.default_interval
    return decay_interval(since_change or 0.0, policy.ladder)


def plan_next(
    now: float,
    policy: SchedulePolicy,
    *,
    override: float | None = None,
    since_change: float | None = None,
    rng: random.Random | None = None,
) -> float | None:
    """When to check a watch next after a successful check at ``now``; None = stop checking.

    Pass ``since_change=0`` after a detected edit to boost the watch back to the fastest step.
    """
    interval = interval_for(policy, override=override, since_change=since_change)
    if interval is None:
        return None
    return now + jittered(interval, policy.jitter, rng)


def retry_due(
    now: float,
    interval: float,
    failures: int,
    *,
    retry_after: float | None = None,
    rng: random.Random | None = None,
) -> float:
    """After a failed check: honour ``Retry-After`` (capped at 6 h), else back off with jitter.

    The backoff never exceeds the watch's normal interval: a failing watch is retried at
    least as often as a healthy one would be checked.
    """
    if retry_after is not None:
        return now + max(MIN_INTERVAL, min(retry_after, RETRY_AFTER_CAP))
    cap = max(interval, MIN_INTERVAL)
    return now + max(MIN_INTERVAL, backoff_delay(failures, base=RETRY_BASE, cap=cap, rng=rng))

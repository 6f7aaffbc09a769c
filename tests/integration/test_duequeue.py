"""The Redis due-queue against a real Redis: order, claims, leases, membership sync."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

import pytest
import redis

from tests.waiting import wait_for
from worker.schedule.duequeue import PARKED, DueQueue, ids_version

# A dispatcher in its own process: claims until the queue is drained, prints what it got.
DISPATCHER = """
import json, sys, redis
from worker.schedule.duequeue import DueQueue
queue = DueQueue(redis.Redis.from_url(sys.argv[1]), key=sys.argv[2])
print("ready", flush=True)
sys.stdin.readline()
claimed, empty = [], 0
while empty < 3:
    got = queue.claim(int(sys.argv[3]), 600)
    claimed += got
    empty = 0 if got else empty + 1
print(json.dumps(claimed), flush=True)
"""

# A worker that claims one watch and then hangs forever (the test kills it).
DOOMED_WORKER = """
import sys, redis, threading
from worker.schedule.duequeue import DueQueue
queue = DueQueue(redis.Redis.from_url(sys.argv[1]), key=sys.argv[2])
print(queue.claim(1, float(sys.argv[3])), flush=True)
threading.Event().wait()
"""


@pytest.fixture
def queue(redis_client: redis.Redis) -> DueQueue:
    return DueQueue(redis_client, key="test:due")


def test_claims_come_in_due_order_and_only_when_due(queue: DueQueue) -> None:
    """The most overdue watches are checked first; watches due later are not claimed yet."""
    now = queue.now()
    queue.add([3], due=now - 30)
    queue.add([1], due=now - 10)
    queue.add([2], due=now - 20)
    queue.add([4], due=now + 3600)
    assert queue.claim(2, lease=60) == [3, 2]
    assert queue.claim(10, lease=60) == [1]
    assert queue.claim(10, lease=60) == []


def test_claim_moves_the_due_time_forward_by_the_lease(queue: DueQueue) -> None:
    """A claimed watch is not claimable again until its lease runs out."""
    queue.add([7], due=queue.now() - 5)
    [(watch_id, was_due)] = queue.claim_with_due(10, lease=120)
    assert watch_id == 7
    assert was_due < queue.now()
    lease_end = queue.due_at(7)
    assert lease_end is not None
    assert 110 < lease_end - queue.now() <= 120


def test_claim_of_a_large_batch_is_one_call(queue: DueQueue) -> None:
    """Batches larger than one Lua unpack() are claimed whole, each id exactly once."""
    queue.add(range(10_000), due=queue.now() - 1)
    claimed = queue.claim(9_000, lease=60)
    assert len(claimed) == len(set(claimed)) == 9_000
    assert len(queue.claim(9_000, lease=60)) == 1_000
    assert queue.claim(9_000, lease=60) == []


def test_reschedule_only_touches_ids_still_queued(queue: DueQueue) -> None:
    """A check finishing after its watch was removed from config does not bring it back."""
    queue.add([1, 2])
    queue.remove([2])
    queue.reschedule({1: 1000.0, 2: 2000.0})
    assert queue.due_at(1) == 1000.0
    assert queue.due_at(2) is None


def test_sync_adds_new_removes_old_and_keeps_due_times(queue: DueQueue) -> None:
    """Editing the watch list adds and drops watches without rescheduling the others."""
    assert queue.sync([1, 2, 3]) == (3, 0)
    queue.reschedule({1: 5000.0, 2: 6000.0})
    queue.park([3])
    assert queue.sync([1, 3, 4]) == (1, 1)
    assert queue.due_at(1) == 5000.0
    assert queue.due_at(2) is None
    assert queue.due_at(3) == PARKED
    fresh = queue.due_at(4)
    assert fresh is not None
    assert abs(fresh - queue.now()) < 5
    assert queue.size() == 3


def test_sync_to_nothing_empties_the_queue(queue: DueQueue) -> None:
    """Removing every watch from config removes every watch from the queue."""
    queue.sync([1, 2])
    assert queue.sync([]) == (0, 2)
    assert queue.size() == 0


def test_sync_with_an_unchanged_version_is_skipped(queue: DueQueue) -> None:
    """Beat ticks with an unchanged config do not resend the watch ids."""
    ids = [1, 2, 3]
    version = ids_version(ids)
    assert version == ids_version([3, 2, 1, 1])
    assert queue.sync(ids, version=version) == (3, 0)
    queue.remove([2])
    assert queue.sync(ids, version=version) == (0, 0)  # skipped: same version
    assert queue.sync([1, 2, 3, 4], version=ids_version([1, 2, 3, 4])) == (2, 0)
    assert queue.synced_version() == ids_version([1, 2, 3, 4])


def test_sync_leaves_no_temporary_keys(queue: DueQueue, redis_client: redis.Redis) -> None:
    """Syncing does not leak scratch keys into Redis."""
    queue.sync(range(25_000))
    queue.sync(range(10, 30_000))
    assert set(redis_client.keys("test:*")) == {b"test:due"}
    assert queue.size() == 29_990
    assert redis_client.ttl("test:due") == -1  # the queue itself never expires


def test_parked_watches_are_never_claimed(queue: DueQueue) -> None:
    """A watch whose schedule says stop stays queued but is never checked again."""
    queue.add([1, 2], due=queue.now() - 1)
    queue.park([1])
    assert queue.claim(10, lease=60) == [2]
    assert queue.due_count() == 0


def _start(code: str, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", code, *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )


@pytest.mark.slow
def test_two_racing_dispatchers_never_claim_one_watch_twice(
    queue: DueQueue, redis_url: str
) -> None:
    """Two dispatcher processes claiming at once dispatch every due watch exactly once."""
    total = 20_000
    queue.add(range(total), due=queue.now() - 1)
    procs = [_start(DISPATCHER, redis_url, queue.key, "50") for _ in range(2)]
    for proc in procs:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "ready"
    for proc in procs:  # release both at once
        assert proc.stdin is not None
        proc.stdin.write("go\n")
        proc.stdin.flush()
    results = [json.loads(proc.communicate(timeout=60)[0]) for proc in procs]
    assert all(results), "both dispatchers should have claimed something"
    claimed = results[0] + results[1]
    assert len(claimed) == total
    assert set(claimed) == set(range(total))


@pytest.mark.slow
def test_a_worker_killed_after_claiming_loses_no_watch(queue: DueQueue, redis_url: str) -> None:
    """A watch claimed by a worker that died is claimed again once its lease ends."""
    queue.add([42], due=queue.now() - 1)
    worker = _start(DOOMED_WORKER, redis_url, queue.key, "1.5")
    assert worker.stdout is not None
    assert worker.stdout.readline().strip() == "[42]"
    worker.send_signal(signal.SIGKILL)
    worker.communicate(timeout=10)
    claimed_at = time.monotonic()
    assert queue.claim(10, lease=60) == []  # still leased to the dead worker
    assert wait_for(lambda: queue.claim(10, lease=60), timeout=10, interval=0.05) == [42]
    assert time.monotonic() - claimed_at > 1.0

"""The due-queue: a Redis sorted set of watch ids scored by the time each is next due.

Why not one Celery beat entry per URL: beat walks every entry on every tick, which collapses
long before 100,000 watches. Here one beat tick claims what is due with a single Lua script,
and each claimed id's score moves forward by a lease, so a worker that dies after claiming
never loses the watch: it simply comes due again when the lease ends. Time is Redis ``TIME``,
so workers with skewed clocks still agree.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, cast

import redis

DEFAULT_KEY = "editwatch:due"

# KEYS[1] = the sorted set; ARGV = batch size, lease seconds. Returns the claimed ids.
_CLAIM = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[1]))
local lease_end = now + tonumber(ARGV[2])
for _, id in ipairs(ids) do
  redis.call('ZADD', KEYS[1], 'XX', lease_end, id)
end
return ids
"""


class DueQueue:
    """Watch ids by due time, shared by every dispatcher and worker through Redis."""

    def __init__(self, client: redis.Redis, key: str = DEFAULT_KEY) -> None:
        self.client = client
        self.key = key
        self._claim = client.register_script(_CLAIM)

    def now(self) -> float:
        """Redis server time in seconds: one clock for the whole cluster."""
        seconds, micros = self.client.time()
        return seconds + micros / 1_000_000

    def sync(self, watch_ids: Iterable[int]) -> tuple[int, int]:
        """Make the queue hold exactly ``watch_ids``: new ones due now, missing ones removed.

        Returns (added, removed). Existing ids keep their due time, so a config reload never
        makes every watch due at once.
        """
        wanted = {str(i) for i in watch_ids}
        present = {m.decode() for m in cast(list[bytes], self.client.zrange(self.key, 0, -1))}
        stale = present - wanted
        fresh = wanted - present
        pipe = self.client.pipeline()
        if stale:
            pipe.zrem(self.key, *stale)
        if fresh:
            now = self.now()
            pipe.zadd(self.key, dict.fromkeys(fresh, now), nx=True)
        pipe.execute()
        return len(fresh), len(stale)

    def claim(self, batch: int, lease: float) -> list[int]:
        """Claim up to ``batch`` due ids, pushing each forward by ``lease`` seconds."""
        ids = cast(list[bytes], self._claim(keys=[self.key], args=[batch, lease]))
        return [int(i) for i in ids]

    def reschedule(self, due: Mapping[int, float]) -> None:
        """Set the real next due times after checks complete (only for ids still queued)."""
        if due:
            mapping: Any = {str(k): v for k, v in due.items()}
            self.client.zadd(self.key, mapping, xx=True)

    def due_at(self, watch_id: int) -> float | None:
        score = self.client.zscore(self.key, str(watch_id))
        return None if score is None else float(score)

    def size(self) -> int:
        return int(self.client.zcard(self.key))

    def clear(self) -> None:
        self.client.delete(self.key)

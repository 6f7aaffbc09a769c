"""The due-queue: a Redis sorted set of watch ids scored by the time each is next due.

Why not one Celery beat entry per URL: beat walks every entry on every tick, which collapses
long before 100,000 watches. Here one beat tick claims what is due with a single Lua script,
and each claimed id's score moves forward by a lease, so a worker that dies after claiming
never loses the watch: it simply comes due again when the lease ends. Time is Redis ``TIME``,
so workers with skewed clocks still agree.

Membership follows the configuration through :meth:`DueQueue.sync`. With a million watches
the set difference is computed inside Redis (the wanted ids are written to a temporary set,
``ZDIFFSTORE`` finds what to add and remove, and only those are written), and a ``version``
string lets every dispatcher skip the whole sync when the configuration has not changed since
the last one.

A watch whose schedule says "stop checking" is *parked* (score ``+inf``) rather than removed,
so the next sync does not mistake it for a new watch and make it due again.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable, Mapping
from typing import Any, cast

import redis

DEFAULT_KEY = "editwatch:due"
PARKED = float("inf")
SYNC_CHUNK = 10_000  # ids per ZADD while writing the wanted set
CLAIM_UNPACK = 1_000  # ids per ZADD/ZREM inside Lua (unpack() is limited by the Lua C stack)

# KEYS[1] = the sorted set; ARGV = batch size, lease seconds, ids per ZADD.
# Returns a flat list id, due, id, due... of the claimed ids with the score they had.
_CLAIM = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local found = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'WITHSCORES',
                         'LIMIT', 0, tonumber(ARGV[1]))
local lease_end = now + tonumber(ARGV[2])
local step = tonumber(ARGV[3])
local args = {}
for i = 1, #found, 2 do
  args[#args + 1] = lease_end
  args[#args + 1] = found[i]
  if #args >= 2 * step then
    redis.call('ZADD', KEYS[1], 'XX', unpack(args))
    args = {}
  end
end
if #args > 0 then
  redis.call('ZADD', KEYS[1], 'XX', unpack(args))
end
return found
"""

# KEYS = queue, wanted (temporary, scored "now"), fresh and stale (temporary), version key.
# ARGV = version ('' for none), ids per command. Returns {added, removed}.
# Wanted ids already queued keep their score; new ones are due "now"; the rest are removed.
# Cost is two O(N) set differences plus O(changes) writes: the queue itself is never rewritten.
_SYNC = """
local step = tonumber(ARGV[2])
local added, removed = 0, 0
if redis.call('EXISTS', KEYS[1]) == 0 then
  added = redis.call('ZCARD', KEYS[2])
  if added > 0 then
    redis.call('RENAME', KEYS[2], KEYS[1])
    redis.call('PERSIST', KEYS[1])  -- the scratch set had a safety TTL
  end
else
  added = redis.call('ZDIFFSTORE', KEYS[3], 2, KEYS[2], KEYS[1])
  removed = redis.call('ZDIFFSTORE', KEYS[4], 2, KEYS[1], KEYS[2])
  for i = 0, added - 1, step do
    local part = redis.call('ZRANGE', KEYS[3], i, i + step - 1, 'WITHSCORES')
    local args = {}
    for j = 1, #part, 2 do
      args[#args + 1] = part[j + 1]
      args[#args + 1] = part[j]
    end
    redis.call('ZADD', KEYS[1], 'NX', unpack(args))
  end
  for i = 0, removed - 1, step do
    redis.call('ZREM', KEYS[1], unpack(redis.call('ZRANGE', KEYS[4], i, i + step - 1)))
  end
end
redis.call('DEL', KEYS[2], KEYS[3], KEYS[4])
if ARGV[1] ~= '' then
  redis.call('SET', KEYS[5], ARGV[1])
end
return {added, removed}
"""


def ids_version(watch_ids: Iterable[int]) -> str:
    """A short digest of a set of ids: equal sets give equal versions on every dispatcher."""
    digest = hashlib.blake2b(digest_size=16)
    for watch_id in sorted(set(watch_ids)):
        digest.update(watch_id.to_bytes(8, "big", signed=True))
    return digest.hexdigest()


class DueQueue:
    """Watch ids by due time, shared by every dispatcher and worker through Redis."""

    def __init__(self, client: redis.Redis, key: str = DEFAULT_KEY) -> None:
        self.client = client
        self.key = key
        self.version_key = f"{key}:version"
        self._claim = client.register_script(_CLAIM)
        self._sync = client.register_script(_SYNC)

    def now(self) -> float:
        """Redis server time in seconds: one clock for the whole cluster."""
        seconds, micros = self.client.time()
        return seconds + micros / 1_000_000

    def sync(self, watch_ids: Iterable[int], *, version: str | None = None) -> tuple[int, int]:
        """Make the queue hold exactly ``watch_ids``: new ones due now, missing ones removed.

        Returns (added, removed). Existing ids keep their due time (parked ones stay parked),
        so a config reload never makes every watch due at once. With ``version`` (for example
        :func:`ids_version` of the ids, or a hash of the config), a sync whose version matches
        the last one is skipped without sending any id: the cheap path for every beat tick.
        """
        if version is not None and self.synced_version() == version:
            return 0, 0
        scratch = f"{self.key}:sync:{uuid.uuid4().hex}"
        keys = [self.key, scratch, f"{scratch}:fresh", f"{scratch}:stale", self.version_key]
        try:
            self._write_set(scratch, watch_ids)
            added, removed = cast(
                list[int], self._sync(keys=keys, args=[version or "", CLAIM_UNPACK])
            )
        finally:
            self.client.delete(*keys[1:4])
        return int(added), int(removed)

    def _write_set(self, key: str, watch_ids: Iterable[int]) -> None:
        """Write ids into a temporary sorted set (scored ``now``), a chunk per round trip, so
        100,000 ids never sit in one pipeline's buffer (a dispatcher's memory peak)."""
        now = self.now()
        chunk: dict[str, float] = {}
        for watch_id in watch_ids:
            chunk[str(watch_id)] = now
            if len(chunk) >= SYNC_CHUNK:
                self._add_chunk(key, chunk)
                chunk = {}
        if chunk:
            self._add_chunk(key, chunk)

    def _add_chunk(self, key: str, chunk: dict[str, float]) -> None:
        pipe = self.client.pipeline(transaction=False)
        pipe.zadd(key, cast(Any, chunk))
        pipe.expire(key, 600)  # never left behind by a crashed dispatcher
        pipe.execute()

    def synced_version(self) -> str | None:
        """The ``version`` passed to the last sync that had one."""
        value = cast(bytes | None, self.client.get(self.version_key))
        return None if value is None else value.decode()

    def claim(self, batch: int, lease: float) -> list[int]:
        """Claim up to ``batch`` due ids, pushing each forward by ``lease`` seconds."""
        return [watch_id for watch_id, _ in self.claim_with_due(batch, lease)]

    def claim_with_due(self, batch: int, lease: float) -> list[tuple[int, float]]:
        """Like :meth:`claim`, with the time each id was due (to log dispatch lag)."""
        flat = cast(list[bytes], self._claim(keys=[self.key], args=[batch, lease, CLAIM_UNPACK]))
        return [(int(flat[i]), float(flat[i + 1])) for i in range(0, len(flat), 2)]

    def reschedule(self, due: Mapping[int, float]) -> None:
        """Set the real next due times after checks complete (only for ids still queued).

        A time of :data:`PARKED` (``inf``) means "stop checking" (see :meth:`park`).
        """
        if due:
            mapping: Any = {str(k): v for k, v in due.items()}
            self.client.zadd(self.key, mapping, xx=True)

    def bring_forward(self, watch_ids: Iterable[int], due: float) -> int:
        """Make queued ids due at ``due`` unless they are due sooner already; how many moved.

        Parked ids (``+inf``) are brought back too: a source says the article changed.
        """
        mapping: Any = {str(i): due for i in watch_ids}
        if not mapping:
            return 0
        return cast(int, self.client.zadd(self.key, mapping, xx=True, lt=True, ch=True))

    def park(self, watch_ids: Iterable[int]) -> None:
        """Stop checking these ids but keep them queued, so a sync does not re-add them."""
        self.reschedule(dict.fromkeys(watch_ids, PARKED))

    def add(self, watch_ids: Iterable[int], due: float | None = None) -> int:
        """Queue new ids (due at ``due``, default now); ids already queued keep their time."""
        when = self.now() if due is None else due
        mapping: Any = {str(i): when for i in watch_ids}
        return cast(int, self.client.zadd(self.key, mapping, nx=True)) if mapping else 0

    def remove(self, watch_ids: Iterable[int]) -> int:
        """Take ids out of the queue (a watch deleted from config or the database)."""
        members = [str(i) for i in watch_ids]
        return int(self.client.zrem(self.key, *members)) if members else 0

    def due_at(self, watch_id: int) -> float | None:
        score = self.client.zscore(self.key, str(watch_id))
        return None if score is None else float(score)

    def due_count(self) -> int:
        """How many ids are due right now (a backlog gauge for metrics)."""
        return int(self.client.zcount(self.key, "-inf", self.now()))

    def oldest(self) -> tuple[int, float] | None:
        """The id due longest ago and its due time (``None`` for an empty queue)."""
        first = cast(list[tuple[bytes, float]], self.client.zrange(self.key, 0, 0, withscores=True))
        return (int(first[0][0]), float(first[0][1])) if first else None

    def size(self) -> int:
        return int(self.client.zcard(self.key))

    def clear(self) -> None:
        self.client.delete(self.key, self.version_key)

"""Thin, named Celery tasks around the pipeline.

Each task only resolves ids to values, calls a pipeline function and enqueues follow-up tasks;
the logic lives in ``worker.pipeline`` where ``editwatch check`` runs it without Celery. Every
task is idempotent: a redelivered check stores no second version (same fingerprint) and a
redelivered delivery sends nothing (the outbox claim fails).

Per worker process there is one ``Runtime``: settings, the store, one event loop and one
``httpx.AsyncClient`` on it, reused by every task the process runs.
"""

from __future__ import annotations

import asyncio
import functools
import gc
import hashlib
import json
import os
import socket
import sys
import threading
import time
from array import array
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence, Set
from dataclasses import dataclass, field
from datetime import timedelta
from functools import wraps
from itertools import chain, pairwise, zip_longest
from operator import attrgetter
from typing import Any, ParamSpec, TypeVar
from urllib.parse import urlsplit

import redis
from celery import Task
from celery.signals import beat_init, worker_init, worker_process_init, worker_ready

# The extractor, which worker.extract imports only on a first page read: here, in the main
# process, so the pool processes forked from it share it compiled instead of each compiling it.
import worker.extract.document  # noqa: F401
from worker import pipeline, schedule
from worker.app import DEFAULT_BROKER, app, settings_from_env, startup_settings, startup_stamp
from worker.config import ConfigStamp, Settings, config_stamp
from worker.errors import ConfigError
from worker.fetch import Client, make_client
from worker.fetch.hostlimits import HostLimiter, shared_politeness
from worker.fetch.robots import RobotsCache
from worker.logs import bound, get_logger
from worker.models import CheckResult, Watch
from worker.notify import Channel, build_channels
from worker.pipeline import delivery, health
from worker.pipeline.delivery import channel_context
from worker.schedule.duequeue import PARKED, DueQueue, ids_version
from worker.schedule.signals import SignalBoost
from worker.store import Store, WatchState

log = get_logger(__name__)
P = ParamSpec("P")
R = TypeVar("R")


class Targets(Mapping[int, pipeline.Target]):
    """Every target by id, held as one sorted array of ids beside a tuple of their watches.

    A pool process keeps all 100,000 of them between tasks; as a dict of ``Target`` objects
    (a dict entry, an int and a ``Target`` each) they were some 13 MB of its peak, as two flat
    arrays about 1.6 MB. A ``Target`` is made when one is looked up (a batch's 25, not all).
    """

    def __init__(self, targets: Iterable[pipeline.Target] = ()) -> None:
        self._ids = array("q")
        watches: list[Watch] = []
        for target in sorted(targets, key=attrgetter("id")):  # stable: the last of an id wins
            if self._ids and self._ids[-1] == target.id:
                watches[-1] = target.watch
                continue
            self._ids.append(target.id)
            watches.append(target.watch)
        self._watches = tuple(watches)

    @classmethod
    def of_config(
        cls,
        ids: array[int],
        watches: tuple[Watch, ...],
        more: Sequence[pipeline.Target] = (),
        left_out: Set[int] = frozenset(),
    ) -> Targets:
        """``watches[i]`` under ``ids[i]``, with ``more`` (feed-discovered) and without the ids
        ``left_out`` (merged). When the ids ascend in config order (watches are registered in
        that order, so they usually do) the index is the array and the config's own tuple: no
        ``Target`` per watch and no sorted copy (some 6 MB of a pool process's peak at
        100,000 watches)."""
        ascending = all(a < b for a, b in pairwise(ids))
        if ascending and not more and left_out.isdisjoint(ids):
            index = cls()
            index._ids, index._watches = ids, watches
            return index
        pairs = (pipeline.Target(i, w) for i, w in zip(ids, watches, strict=True))
        return cls(t for t in chain(pairs, more) if t.id not in left_out)

    def _position(self, watch_id: object) -> int:
        """Where ``watch_id`` is in the arrays, or -1."""
        if not isinstance(watch_id, int):
            return -1
        at = bisect_left(self._ids, watch_id)
        return at if at < len(self._ids) and self._ids[at] == watch_id else -1

    def __getitem__(self, watch_id: int) -> pipeline.Target:
        at = self._position(watch_id)
        if at < 0:
            raise KeyError(watch_id)
        return pipeline.Target(watch_id, self._watches[at])

    def __contains__(self, watch_id: object) -> bool:
        return self._position(watch_id) >= 0

    def __iter__(self) -> Iterator[int]:
        return iter(self._ids)

    def __len__(self) -> int:
        return len(self._ids)

    def sorted_ids(self) -> Sequence[int]:
        """The ids in ascending order (the array itself, not a list of 100,000 ints)."""
        return self._ids

    def with_new(self, new: Iterable[pipeline.Target]) -> Targets:
        """These targets and ``new`` ones (feed-discovered since): a new index."""
        kept = (pipeline.Target(i, w) for i, w in zip(self._ids, self._watches, strict=True))
        return Targets([*kept, *new])


@dataclass
class Runtime:
    """What one worker process keeps between tasks."""

    settings: Settings
    store: Store
    redis: redis.Redis
    queue: DueQueue
    channels: dict[str, Channel]
    loop: asyncio.AbstractEventLoop = field(default_factory=asyncio.new_event_loop)
    client: Client | None = None
    pid: int = field(default_factory=os.getpid)
    config_stamp: ConfigStamp = ()
    known: Targets = field(default_factory=Targets)
    known_at: float = float("-inf")
    registered: bool = False  # the config's watches are in the store: once per config load
    generation: int = 0  # bumped whenever ``known`` changes: what dispatch caches by
    _dispatch: tuple[int, Sequence[int], str] | None = None
    _by_url: tuple[int, dict[str, int]] | None = None
    politeness: tuple[RobotsCache, HostLimiter] | None = None  # built on first use

    def targets(self, need: Iterable[int] = ()) -> Targets:
        """Every watch (feed-discovered ones too) by id, without re-reading them per check.

        Built once per config load; after that only watches that feeds discovered since are
        looked up (ids above the last one known), every ``schedule.reload`` seconds or when
        a check names an id not seen yet: the cost does not grow with the watch count.
        """
        if not self.registered:  # registers them; its url -> id map is gone before the index
            watches = self.settings.watches
            ids = pipeline.configured_ids(self.store, watches)
            more = pipeline.discovered_targets(self.store, watches)
            merged = self.store.merged_watch_ids()
            self.registered = True
            self._replace_known(Targets.of_config(ids, watches, more, merged))
            return self.known
        stale = time.monotonic() - self.known_at > self.settings.schedule.reload
        if stale or any(i not in self.known for i in need):
            held = self.known.sorted_ids()  # ascending: the last is the highest, no scan
            after = (held[-1] if held else 0) - pipeline.DISCOVERY_SLACK
            fresh = pipeline.discovered_targets(self.store, self.settings.watches, after)
            new = {t.id: t for t in fresh if t.id not in self.known}
            self.known_at = time.monotonic()
            if new:
                self._replace_known(self.known.with_new(new.values()))
        return self.known

    def forget_targets(self) -> None:
        """When the config files change: drop the targets before the new config is read (at
        100,000 watches the old targets beside the parse, or beside the new targets, are what
        raises a pool process's peak). An edit that does not validate, or changes nothing,
        costs one rebuild of the same targets on the next :meth:`targets`."""
        self.known, self.registered, self._dispatch, self._by_url = Targets(), False, None, None
        self.known_at = float("-inf")

    def _replace_known(self, known: Targets) -> None:
        self.known, self.known_at = known, time.monotonic()
        self.generation += 1

    def dispatch_view(self) -> tuple[Sequence[int], str]:
        """Sorted ids and their digest, computed once per change of the targets (not on every
        beat tick: at 100,000 watches that was tens of ms a tick)."""
        targets = self.targets()
        if self._dispatch is None or self._dispatch[0] != self.generation:
            ids = targets.sorted_ids()
            self._dispatch = (self.generation, ids, ids_version(ids))
        return self._dispatch[1], self._dispatch[2]

    def ids_by_url(self) -> dict[str, int]:
        """URL -> id of every target, computed once per change of the targets."""
        targets = self.targets()
        if self._by_url is None or self._by_url[0] != self.generation:
            self._by_url = (self.generation, {t.watch.url: i for i, t in targets.items()})
        return self._by_url[1]

    def close(self) -> None:
        """Give everything back: the HTTP client, the limiter's async Redis links (parked
        tasks on the loop close them when cancelled), the loop and the store."""
        if self.client is not None:
            self.loop.run_until_complete(self.client.aclose())
            self.client = None
        pending = asyncio.all_tasks(self.loop)
        for task in pending:
            task.cancel()
        if pending:
            self.loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        self.loop.close()
        self.store.close()

    def context(self) -> pipeline.Context:
        """The pipeline context: one HTTP client per process, politeness shared via Redis.

        The robots.txt cache and the limiter live as long as the settings do, so a site's
        robots.txt is read from Redis (and parsed) once a minute per process
        (``robots.LOCAL_TTL``), not once per batch, and a pause seen is not asked again.
        """
        if self.client is None:
            self.client = make_client(self.settings.fetch)
        robots, gate = self._politeness()
        return pipeline.Context(self.settings, self.store, self.client, robots=robots, gate=gate)

    def limiter(self) -> HostLimiter:
        """The host limiter checks acquire slots from (its limits size the batches)."""
        return self._politeness()[1]

    def _politeness(self) -> tuple[RobotsCache, HostLimiter]:
        if self.politeness is None:
            self.politeness = shared_politeness(self.redis, self.settings)
        return self.politeness


_runtime: Runtime | None = None


def build_runtime(settings: Settings, stamp: ConfigStamp) -> Runtime:
    """Open the store, the due-queue and the channels described by ``settings``, read from
    the files as ``stamp`` found them (taken before the read, so an edit made during it is
    seen by the next :func:`reload_if_changed`)."""
    client = redis.Redis.from_url(settings.broker_url or DEFAULT_BROKER)
    return Runtime(
        settings=settings,
        store=Store.open(
            settings.data_dir, settings.database_url, auto_upgrade=settings.db.auto_upgrade
        ),
        redis=client,
        queue=DueQueue(client, key=f"{settings.redis_prefix}:due"),
        channels=build_channels(settings.channels, channel_context(settings)),
        config_stamp=stamp,
    )


def runtime() -> Runtime:
    """This process's runtime, built on first use (after the prefork pool forked).

    A pool process started while the config files are broken runs on the configuration the
    worker started with (and the next :func:`reload_if_changed` reports the breakage).
    """
    global _runtime
    if _runtime is None or _runtime.pid != os.getpid():
        _runtime = build_runtime(*_current_settings())
    return _runtime


def _current_settings() -> tuple[Settings, ConfigStamp]:
    """The configuration this process started with (inherited from the worker's main process
    by fork, not parsed again) while the files are as they were then, else a fresh read; and
    the stamp of the files that configuration was read from.

    A pool process with 100,000 watches would otherwise hold a second copy of them. When the
    fresh read fails, the startup configuration runs with an empty stamp, so the next
    :func:`reload_if_changed` reports the breakage.
    """
    started = startup_settings()
    stamp = config_stamp(started.config_dir)  # before the read: a later edit is seen later
    if stamp == startup_stamp():
        return started, stamp
    try:
        return settings_from_env(), stamp
    except ConfigError:
        return started, ()


def reload_if_changed() -> Runtime:
    """Pick up edited YAML (watches added or removed) without restarting the worker.

    The files' modification times, sizes and inodes are compared on every call (a few
    ``stat`` calls); the configuration is re-read only when one of them changed, so a pool
    process never parses a large ``watches.yaml`` it has already read. A SIGHUP makes Celery
    restart the worker, which reloads everything too.

    An edit that does not validate never stops checking: the last good configuration stays
    in force, the error is logged once per broken state of the files (across all workers),
    the operator channels hear of it, and ``editwatch status`` shows it until it is fixed.
    """
    current = runtime()
    stamp = config_stamp(current.settings.config_dir)
    if stamp == current.config_stamp:
        return current
    current.config_stamp = stamp
    current.forget_targets()  # before the new watches are read, not after (see its docstring)
    try:
        fresh = settings_from_env(previous=current.settings.watches)
    except ConfigError as exc:
        config_broken(current, stamp, str(exc))
        return current
    config_fixed(current)
    if fresh != current.settings:
        log.info("config_reloaded", watches=len(fresh.watches))
        current.settings = fresh
        current.channels = build_channels(fresh.channels, channel_context(fresh))
        current.politeness = None  # built again from the new politeness settings
        settle_heap()
    return current


def config_broken(rt: Runtime, stamp: ConfigStamp, problem: str) -> None:
    """Keep the last good config; say so once per distinct broken state of the files."""
    digest = hashlib.sha256(repr((stamp, problem)).encode()).hexdigest()[:16]
    prefix = rt.settings.redis_prefix
    previous = rt.redis.get(health.config_error_key(prefix))
    if previous is None or json.loads(previous).get("digest") != digest:
        record = {"error": problem, "digest": digest, "since": time.time()}
        rt.redis.set(health.config_error_key(prefix), json.dumps(record))
    if not rt.redis.set(f"{health.config_error_key(prefix)}:{digest}", 1, nx=True, ex=7 * 86400):
        return  # another process (or an earlier tick) reported this very state already
    log.error(
        "config_invalid",
        error=problem,
        action="checking goes on with the last good configuration; fix the file, it is "
        "picked up on the next tick",
    )
    for notification_id in health.config_invalid(rt.store, rt.settings.operator, problem, digest):
        deliver.delay(notification_id)


def config_fixed(rt: Runtime) -> None:
    """The files validate again: clear the error ``status`` shows."""
    if rt.redis.delete(health.config_error_key(rt.settings.redis_prefix)):
        log.info("config_valid_again", watches=len(rt.settings.watches))


def logged_task(func: Callable[P, R]) -> Callable[P, R]:
    """Bind the Celery task id to every log line the task writes."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        task_id = getattr(getattr(args[0], "request", None), "id", None) if args else None
        with bound(task=func.__name__, task_id=task_id):
            return func(*args, **kwargs)

    return wrapper


@app.task(name="editwatch.dispatch_due", bind=True)
@logged_task
def dispatch_due(self: Task[Any, Any]) -> int:
    """Beat tick: sync watches into the queue, claim due ones, enqueue checks by host."""
    rt = reload_if_changed()
    ids, version = rt.dispatch_view()
    rt.queue.sync(ids, version=version)
    claimed = rt.queue.claim(rt.settings.schedule.claim_batch, rt.settings.schedule.lease)
    known = rt.targets()
    urls = {i: known[i].watch.url for i in claimed if i in known}
    limiter, wait = rt.limiter(), rt.settings.politeness.max_wait
    share = functools.partial(host_share, limiter, wait)
    batches = group_by_host(claimed, urls, rt.settings.schedule.batch_size, share)
    for batch in interleave_hosts(batches, urls):
        check_batch.delay(batch)
    summarize_dispatch(rt, len(claimed), len(batches))
    return len(claimed)


def interleave_hosts(batches: list[list[int]], urls: Mapping[int, str]) -> list[list[int]]:
    """The batches in turn by host (the host of a batch's first watch): A1, B1, A2, B2, ...

    Pool processes take tasks in queue order. Host by host (A1, A2, B1, ...), two processes
    would start on the same host and share its slots, one waiting while the other holds
    them, where in turn each works a host of its own.
    """
    by_host: dict[str, list[list[int]]] = defaultdict(list)
    for batch in batches:
        by_host[_batch_host(urls, batch[0])].append(batch)
    turns = zip_longest(*by_host.values())
    return [batch for turn in turns for batch in turn if batch is not None]


def _batch_host(urls: Mapping[int, str], watch_id: int) -> str:
    """The host a watch's checks are batched under ("" for an unknown or host-less URL)."""
    return urlsplit(urls.get(watch_id, "")).hostname or ""


SUMMARY_EVERY = 60  # seconds: one dispatch_summary line a minute instead of one per tick


def summarize_dispatch(rt: Runtime, watches: int, batches: int) -> None:
    """Count this tick; once a minute (across all workers) log one ``dispatch_summary``."""
    prefix = rt.settings.redis_prefix
    window = health.dispatch_key(prefix, "window")
    pipe = rt.redis.pipeline()
    pipe.set(health.dispatch_key(prefix, "last"), time.time())
    pipe.hincrby(window, "ticks", 1)
    pipe.hincrby(window, "watches", watches)
    pipe.hincrby(window, "batches", batches)
    pipe.execute()
    if not rt.redis.set(health.dispatch_key(prefix, "lock"), 1, nx=True, ex=SUMMARY_EVERY):
        return
    pipe = rt.redis.pipeline()
    pipe.hgetall(window)
    pipe.delete(window)
    counts, _ = pipe.execute()
    totals = {k.decode(): int(v) for k, v in counts.items()}
    log.info("dispatch_summary", seconds=SUMMARY_EVERY, due=rt.queue.due_count(), **totals)


def group_by_host(
    ids: Sequence[int],
    urls: dict[int, str],
    size: int,
    share: Callable[[str], int] | None = None,
) -> list[list[int]]:
    """Batches of at most ``size`` ids, grouped by host so a task reuses its connections;
    hosts with only a few due watches share a batch, so no task carries one or two checks
    (Celery costs some 1.6 ms of CPU a task, worker, pool and Redis counted: 0.016 ms a
    check in a batch of 100, 1.6 ms alone).

    ``share(host)`` caps one host's checks in a batch (:func:`host_share`): a batch holds no
    more of a host than it can serve while they wait, so a task is not mostly deferrals and
    does not hold a pool process on one slow host.
    """
    by_host: dict[str, list[int]] = defaultdict(list)
    for watch_id in ids:
        by_host[_batch_host(urls, watch_id)].append(watch_id)
    batches: list[list[int]] = []
    last_hosts: set[str] = set()  # the hosts in the last batch, which small groups join
    for host, group in by_host.items():
        step = max(1, min(size, share(host) if share else size))
        for start in range(0, len(group), step):
            part = group[start : start + step]
            if batches and host not in last_hosts and len(batches[-1]) + len(part) <= size:
                batches[-1].extend(part)
                last_hosts.add(host)
            else:
                batches.append(part)
                last_hosts = {host}
    return batches


def host_share(limiter: HostLimiter, max_wait: float, host: str) -> int:
    """How many checks of ``host`` one batch takes: what the host serves while a check waits
    for its slot (``politeness.max_wait`` over its ``min_gap``), at least its ``max_in_flight``;
    a host without a gap has no such cap."""
    limit = limiter.limit_for(host)
    if limit.min_gap <= 0:
        return sys.maxsize
    return max(limit.max_in_flight, int(max_wait / limit.min_gap))


@app.task(name="editwatch.check_batch", bind=True)
@logged_task
def check_batch(self: Task[Any, Any], watch_ids: list[int]) -> int:
    """Check a batch of watches concurrently, then set their next due times."""
    rt = reload_if_changed()
    known = rt.targets(need=watch_ids)
    targets = [known[i] for i in watch_ids if i in known]  # gone from config: dropped
    results = rt.loop.run_until_complete(pipeline.check_many(targets, rt.context()))
    wanted = [t.id for t, r in zip(targets, results, strict=True) if needs_facts(t, r)]
    now, facts = rt.queue.now(), rt.store.watch_states(wanted) if wanted else {}
    rt.queue.reschedule(
        {
            t.id: next_due_for(t, r, now, rt, facts.get(t.id))
            for t, r in zip(targets, results, strict=True)
        }
    )
    boost_signalled(rt, results)
    checked = [(t.id, t.watch.url) for t in targets]
    events = health.after_check_round(rt.store, rt.settings, checked)
    for notification_id in [i for r in results for i in r.notifications] + list(events):
        deliver.delay(notification_id)
    return len(results)


def boost_signalled(rt: Runtime, results: Sequence[CheckResult]) -> list[int]:
    """Articles whose sitemap ``lastmod`` or feed ``updated`` moved are due at the next tick,
    and so are those whose page's own ``dateModified`` moved later while the text did not."""
    signals = [signal for result in results for signal in result.signals]
    pages = [(r.url, r.modified) for r in results if r.modified]
    if not signals and not pages:
        return []
    ids = rt.ids_by_url()
    boosted = signal_boost(rt).apply(signals, ids, rt.queue) if signals else []
    if pages:
        same_text = {r.url for r in results if same_text_as_before(r)}
        boosted += signal_boost(rt, "page").apply_page(pages, same_text, ids, rt.queue)
    if boosted:
        log.info("signal_boosted", watches=len(boosted))
    return boosted


def same_text_as_before(result: CheckResult) -> bool:
    """The check found the article's text as it was: unchanged, or only its dates moved (a
    bumped ``dateModified`` alone is a minor ``dates`` change)."""
    if result.outcome == "unchanged":
        return True
    return result.outcome == "changed" and set(result.kinds) <= {"dates"}


def signal_boost(rt: Runtime, kind: str = "") -> SignalBoost:
    """The signal store for sources (``kind=""``) or pages' own dates (``"page"``)."""
    feeds = rt.settings.feeds
    return SignalBoost(
        rt.redis,
        rt.settings.redis_prefix,
        budget=feeds.signal_budget,
        window=feeds.signal_window,
        kind=kind,
    )


def next_due_for(
    target: pipeline.Target,
    result: CheckResult,
    now: float,
    rt: Runtime,
    facts: WatchState | None = None,
) -> float:
    """The next check time: backoff after errors, else the watch's fixed or decaying interval.

    ``facts`` (the watch's streak and last change) are read for the whole batch at once by
    :func:`check_batch` (for the watches that need them: :func:`needs_facts`); without them
    they are read for this watch alone.
    """
    watch, settings = target.watch, rt.settings
    if result.outcome == "deferred":
        return now + max(result.retry_in or 1.0, 1.0)
    if not needs_facts(target, result):  # a fixed interval: no streak, no last change
        return schedule.next_due(now, watch.interval, jitter=settings.schedule.jitter)
    if facts is None:
        facts = rt.store.watch_states([target.id]).get(target.id)
    if result.outcome == "error":
        failures = facts.consecutive_failures if facts else 1
        return schedule.retry_due(now, watch.interval, failures, retry_after=result.retry_in)
    since = schedule.since_change(pipeline.utcnow(), facts.last_changed_at if facts else None)
    policy = schedule.SchedulePolicy(
        mode="decay",
        default_interval=watch.interval,
        ladder=tuple((s.younger_than, s.every) for s in settings.schedule.ladder),
        jitter=settings.schedule.jitter,
    )
    planned = schedule.plan_next(now, policy, since_change=since)
    return PARKED if planned is None else planned


def needs_facts(target: pipeline.Target, result: CheckResult) -> bool:
    """Does the next due time depend on the watch's stored facts: after an error (the failure
    streak), or on a decaying schedule (the last change)? A fixed interval does not, so
    :func:`check_batch` reads no facts for it."""
    if result.outcome == "deferred":
        return False
    fixed = target.watch.is_source or target.watch.schedule == "fixed"
    return result.outcome == "error" or not fixed


@app.task(name="editwatch.canary", bind=True)
@logged_task
def canary(self: Task[Any, Any]) -> float:
    """Proof that workers still consume: beat sends it every 20 s, ``status`` reads its age.

    A worker can stay alive (its heartbeat fresh) yet stop taking tasks after a Redis
    reconnect (celery#8091); only a task that really ran shows that it still works.
    """
    rt = runtime()
    now = time.time()
    rt.redis.set(health.canary_key(rt.settings.redis_prefix), now, ex=24 * 3600)
    return now


def start_heartbeat(role: str, settings: Settings) -> threading.Thread:
    """Refresh ``{prefix}:heartbeat:{role}:{host.pid}`` every 10 s from a daemon thread."""
    name = f"{socket.gethostname()}.{os.getpid()}"
    key = health.heartbeat_key(settings.redis_prefix, role, name)
    client = redis.Redis.from_url(settings.broker_url or DEFAULT_BROKER, socket_timeout=5)

    def beat() -> None:
        while True:
            try:
                value = json.dumps({"role": role, "name": name, "at": time.time()})
                client.set(key, value, ex=health.HEARTBEAT_TTL)
            except redis.RedisError:
                pass  # Redis is away: the key expires, which is exactly what status should see
            time.sleep(health.HEARTBEAT_EVERY)

    thread = threading.Thread(target=beat, name=f"editwatch-heartbeat-{role}", daemon=True)
    thread.start()
    return thread


def settle_heap() -> None:
    """Take what this process has built so far out of the garbage collector's view.

    A worker process keeps its configuration (every watch), the compiled extractor, Celery
    and the store for its whole life; each full collection walked all of them again: in a
    pool process one took 75-90 ms, some 13 % of its CPU in a 304 pass (0.08 ms a check).
    Frozen (``gc.freeze``) they are still freed by reference counting, only never scanned;
    in the main process before the pool forks, the children also share those pages instead
    of copying each one a collection writes to. After a config reload the new objects are
    frozen too, the old ones are never let back in: unfreezing made every pool process scan
    and copy all it inherited (37 MB of private memory a process, 72 ms, per reload); the
    cost is that reference cycles among the old configuration's objects are never collected
    (a reload is rare: it follows an edit of the files).
    """
    gc.collect()
    gc.freeze()


@worker_init.connect
@worker_process_init.connect
@beat_init.connect
def _settle_heap(**_: Any) -> None:
    """Before the pool forks (main), in each pool process, and in beat."""
    settle_heap()


@worker_ready.connect
def _worker_heartbeat(**_: Any) -> None:
    start_heartbeat("worker", startup_settings())


@beat_init.connect
def _beat_heartbeat(**_: Any) -> None:
    start_heartbeat("beat", startup_settings())


@app.task(name="editwatch.deliver", bind=True)
@logged_task
def deliver(self: Task[Any, Any], notification_id: int) -> str:
    """Send one outbox row; a retry is re-enqueued with its backoff as countdown.

    Idempotent: a redelivered task finds the row claimed or sent and sends nothing.
    """
    rt = runtime()
    routing = delivery.Routing.from_settings(rt.settings)
    outcome = delivery.deliver(rt.store, rt.channels, notification_id, rt.settings.notify, routing)
    if outcome.state in ("retry", "deferred"):
        self.apply_async((notification_id,), countdown=outcome.delay)
    return outcome.state


@app.task(name="editwatch.sweep_outbox", bind=True)
@logged_task
def sweep_outbox(self: Task[Any, Any]) -> int:
    """Safety net and clock: revive rows stuck in ``sending`` by a dead worker, release bursts
    and merge digests whose window closed, and enqueue every due row (operator events too)."""
    rt = runtime()
    now = pipeline.utcnow()
    revived = rt.store.requeue_stale(now - timedelta(seconds=rt.settings.notify.stale_after))
    pipeline.release_debounced(rt.store, rt.settings)
    digests = delivery.flush_digests(rt.store, delivery.Routing.from_settings(rt.settings), now)
    due = rt.store.due_notifications(pipeline.utcnow(), 1000)
    for notification_id in due:
        deliver.delay(notification_id)
    if revived or due or digests:
        log.info("outbox_swept", revived=revived, digests=len(digests), enqueued=len(due))
    return len(due)


@app.task(name="editwatch.prune_raw_html", bind=True)
@logged_task
def prune_raw_html(self: Task[Any, Any]) -> int:
    """Hourly: drop raw HTML older than ``retention.raw_html`` (0 keeps it forever)."""
    rt = runtime()
    keep = rt.settings.retention.raw_html
    if keep <= 0:
        return 0
    report = rt.store.prune_raw_html(keep, apply=True)
    if report.versions:
        log.info("raw_html_pruned", versions=report.versions, bytes=report.bytes)
    return report.versions

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
import os
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from functools import wraps
from typing import Any, ParamSpec, TypeVar
from urllib.parse import urlsplit

import httpx
import redis
from celery import Task

from worker import delivery, pipeline, schedule
from worker.app import app, settings_from_env
from worker.config import Settings
from worker.duequeue import DueQueue
from worker.fetch import make_client
from worker.logs import bound, get_logger
from worker.models import CheckResult
from worker.notify import Channel, ChannelContext, build_channels
from worker.store import Store

log = get_logger(__name__)
P = ParamSpec("P")
R = TypeVar("R")
STALE_SENDING = timedelta(minutes=10)


@dataclass
class Runtime:
    """What one worker process keeps between tasks."""

    settings: Settings
    store: Store
    queue: DueQueue
    channels: dict[str, Channel]
    loop: asyncio.AbstractEventLoop = field(default_factory=asyncio.new_event_loop)
    client: httpx.AsyncClient | None = None
    pid: int = field(default_factory=os.getpid)

    def http(self) -> httpx.AsyncClient:
        if self.client is None:
            self.client = make_client(self.settings.fetch)
        return self.client


_runtime: Runtime | None = None


def build_runtime(settings: Settings) -> Runtime:
    """Open the store, the due-queue and the channels described by ``settings``."""
    broker = settings.broker_url or "redis://127.0.0.1:6379/0"
    context = ChannelContext(
        data_dir=settings.data_dir,
        allow_private_networks=settings.fetch.allow_private_networks,
        user_agent=settings.fetch.user_agent,
        timeout=settings.notify.timeout,
    )
    return Runtime(
        settings=settings,
        store=Store.open(settings.data_dir, settings.database_url),
        queue=DueQueue(redis.Redis.from_url(broker), key=f"{settings.redis_prefix}:due"),
        channels=build_channels(settings.channels, context),
    )


def runtime() -> Runtime:
    """This process's runtime, built on first use (after the prefork pool forked)."""
    global _runtime
    if _runtime is None or _runtime.pid != os.getpid():
        _runtime = build_runtime(settings_from_env())
    return _runtime


def reload_if_changed() -> Runtime:
    """Pick up edited YAML (watches added or removed) without restarting the worker."""
    global _runtime
    current = runtime()
    fresh = settings_from_env()
    if fresh != current.settings:
        log.info("config_reloaded", watches=len(fresh.watches))
        current.settings = fresh
        context = ChannelContext(
            fresh.data_dir, fresh.fetch.allow_private_networks, fresh.fetch.user_agent
        )
        current.channels = build_channels(fresh.channels, context)
    return current


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
    """Beat tick: sync config into the queue, claim due watches, enqueue checks by host."""
    rt = reload_if_changed()
    targets = pipeline.targets_for(rt.store, rt.settings.watches)
    rt.queue.sync(t.id for t in targets)
    claimed = rt.queue.claim(rt.settings.schedule.batch_size * 4, rt.settings.schedule.lease)
    urls = {t.id: t.watch.url for t in targets}
    for batch in group_by_host(claimed, urls, rt.settings.schedule.batch_size):
        check_batch.delay(batch)
    if claimed:
        log.info("dispatched", watches=len(claimed))
    return len(claimed)


def group_by_host(ids: Sequence[int], urls: dict[int, str], size: int) -> list[list[int]]:
    """Batches of at most ``size`` ids, each batch one host, so a task reuses its connections."""
    by_host: dict[str, list[int]] = defaultdict(list)
    for watch_id in ids:
        by_host[urlsplit(urls.get(watch_id, "")).hostname or ""].append(watch_id)
    return [group[i : i + size] for group in by_host.values() for i in range(0, len(group), size)]


@app.task(name="editwatch.check_batch", bind=True)
@logged_task
def check_batch(self: Task[Any, Any], watch_ids: list[int]) -> int:
    """Check a batch of watches concurrently, then set their next due times."""
    rt = reload_if_changed()
    targets = pipeline.targets_for(rt.store, rt.settings.watches)
    wanted = [t for t in targets if t.id in set(watch_ids)]
    results = rt.loop.run_until_complete(
        pipeline.check_many(wanted, rt.settings, rt.store, rt.http())
    )
    now = rt.queue.now()
    rt.queue.reschedule(
        {t.id: next_due_for(t, r, now) for t, r in zip(wanted, results, strict=True)}
    )
    for result in results:
        for notification_id in result.notifications:
            deliver.delay(notification_id)
    return len(results)


def next_due_for(target: pipeline.Target, result: CheckResult, now: float) -> float:
    if result.outcome == "error":
        return schedule.retry_due(now, target.watch.interval, failures=1)
    return schedule.next_due(now, target.watch.interval)


@app.task(name="editwatch.deliver", bind=True)
@logged_task
def deliver(self: Task[Any, Any], notification_id: int) -> str:
    """Send one outbox row; a retry is re-enqueued with its backoff as countdown."""
    rt = runtime()
    outcome = delivery.deliver(rt.store, rt.channels, notification_id, rt.settings.notify)
    if outcome.state == "retry":
        self.apply_async((notification_id,), countdown=outcome.delay)
    return outcome.state


@app.task(name="editwatch.sweep_outbox", bind=True)
@logged_task
def sweep_outbox(self: Task[Any, Any]) -> int:
    """Safety net: re-enqueue due rows and rows stuck in ``sending`` by a dead worker."""
    rt = runtime()
    revived = rt.store.requeue_stale(pipeline.utcnow() - STALE_SENDING)
    due = rt.store.due_notifications(pipeline.utcnow(), 1000)
    for notification_id in due:
        deliver.delay(notification_id)
    if revived or due:
        log.info("outbox_swept", revived=revived, enqueued=len(due))
    return len(due)

"""``editwatch status``: is editwatch working right now, and if not, what is wrong.

Why: editwatch runs unattended, and its failures are quiet (a worker that stopped consuming
after a Redis reconnect, celery#8091, still looks alive). ``status`` reads what the running
processes leave behind: heartbeat keys each worker and beat refresh every 10 s, the time the
canary task last ran (beat sends it every 20 s; older than 60 s means nothing consumes), the
due-queue backlog, the last check of every watch, the outbox, the configuration error workers
are running despite, and whether Redis and the database answer. ``--check`` turns it into a
health check: exit 0 when healthy, 1 when something is wrong (each problem on stderr).
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Annotated, Any

import redis
import typer
from rich.table import Table

from worker import logs
from worker.cli.common import count, err, options_of, out, plain, say, shown_time
from worker.clock import utcnow
from worker.config import Settings, inspect_config
from worker.embedded import SOCKET_NAME
from worker.errors import EditwatchError
from worker.extract import selector_problem
from worker.pipeline import health
from worker.schedule.duequeue import DueQueue
from worker.store import Store

RECENT = timedelta(hours=1)


@dataclass
class Health:
    """What ``status`` found; ``problems`` is what ``--check`` fails on."""

    redis: str = "unknown"
    database: str = "unknown"
    workers: list[str] = field(default_factory=list)
    beats: list[str] = field(default_factory=list)
    canary_age: float | None = None
    due_backlog: int | None = None
    oldest_overdue: dict[str, Any] | None = None
    checked_last_hour: int = 0
    erroring_last_hour: int = 0
    alerts_pending: int = 0
    alerts_dead: int = 0
    config_error: str | None = None
    problems: list[str] = field(default_factory=list)
    roles: dict[str, list[str]] = field(default_factory=dict)  # problem -> roles it fails

    def problem(self, text: str, *roles: str) -> None:
        """Note a problem; ``--check --role R`` fails on it when R is among ``roles``."""
        self.problems.append(text)
        self.roles[text] = list(roles or ROLES)

    def failing(self, role: str) -> list[str]:
        return [p for p in self.problems if role == "all" or role in self.roles[p]]


ROLES = ("worker", "beat")


class Role(StrEnum):
    """Which process a healthcheck runs for (``--role``)."""

    all = "all"
    worker = "worker"
    beat = "beat"


def status(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object.")] = False,
    check: Annotated[
        bool, typer.Option("--check", help="Exit 1 unless healthy (for container healthchecks).")
    ] = False,
    role: Annotated[
        Role,
        typer.Option(help="With --check: only what this kind of process needs (compose)."),
    ] = Role.all,
) -> None:
    """Workers, beat, canary, backlog, recent checks, alerts, config and backend health.

    Works while watches.yaml is broken (workers then run on their last good config); only a
    broken editwatch.yaml (no Redis or database to ask) exits 2.
    """
    found = Health()
    settings = _settings(ctx, found)
    _read_store(settings, found)
    client = _redis_for(settings, found)
    if client is not None:
        _read_redis(client, settings, found)
    if as_json:
        sys.stdout.write(json.dumps(asdict(found)) + "\n")
    elif not check:
        _print(found)
    if check:
        failing = found.failing(role.value)
        for problem in failing:
            say(f"unhealthy: {problem}", stderr=True)
        raise typer.Exit(1 if failing else 0)


def _redis_for(settings: Settings, found: Health) -> redis.Redis | None:
    """The configured Redis, else the embedded one of a `run` on this data dir."""
    if settings.broker_url:
        client = redis.Redis.from_url(settings.broker_url, socket_connect_timeout=2)
        where = settings.broker_url.rpartition("@")[2]
    else:
        socket = settings.data_dir / SOCKET_NAME
        client = redis.Redis(unix_socket_path=str(socket), socket_connect_timeout=2)
        where = f"embedded ({socket})"
    try:
        client.ping()
    except (redis.RedisError, OSError) as exc:
        found.redis = f"down: {where}: {exc}"
        found.problem(f"Redis does not answer ({where}); is `editwatch run` going?")
        return None
    found.redis = f"ok: {where}"
    return client


def _read_redis(client: redis.Redis, settings: Settings, found: Health) -> None:
    prefix = settings.redis_prefix
    found.workers = _heartbeats(client, prefix, "worker")
    found.beats = _heartbeats(client, prefix, "beat")
    if not found.workers:
        found.problem("no worker heartbeat in the last 30 s: no worker is running", "worker")
    if not found.beats:
        found.problem("no beat heartbeat in the last 30 s: nothing schedules checks", "beat")
    ran = client.get(health.canary_key(prefix))
    found.canary_age = None if ran is None else max(0.0, time.time() - float(ran))
    if found.canary_age is None or found.canary_age > health.CANARY_MAX_AGE:
        found.problem(
            f"the canary task has not run for over {health.CANARY_MAX_AGE:g} s: workers are "
            "not consuming tasks (restart them; celery#8091)",
            *(("worker",) if found.beats else ()),  # without beat nobody sends it: beat's fault
            "all",
        )
    _read_queue(DueQueue(client, key=f"{prefix}:due"), found)
    broken = client.get(health.config_error_key(prefix))
    if broken is not None and found.config_error is None:
        found.config_error = str(json.loads(broken).get("error", ""))
        found.problem("workers run on the last good config; the files do not validate", "worker")


def _heartbeats(client: redis.Redis, prefix: str, role: str) -> list[str]:
    keys = sorted(client.scan_iter(match=health.heartbeat_key(prefix, role, "*"), count=100))
    return [key.decode().rsplit(":", 1)[1] for key in keys]


def _read_queue(queue: DueQueue, found: Health) -> None:
    now = queue.now()
    found.due_backlog = queue.due_count()
    oldest = queue.oldest()
    if oldest is not None and oldest[1] < now:
        found.oldest_overdue = {"watch_id": oldest[0], "overdue_seconds": round(now - oldest[1])}


def _read_store(settings: Settings, found: Health) -> None:
    try:
        with Store.open(settings.data_dir, settings.database_url) as store:
            since = utcnow() - RECENT
            recent = [
                w
                for w in store.list_watches()
                if w.last_checked_at and _aware(w.last_checked_at) >= since
            ]
            found.checked_last_hour = len(recent)
            found.erroring_last_hour = sum(1 for w in recent if w.last_outcome == "error")
            found.alerts_pending = len(store.notifications("pending"))
            found.alerts_dead = len(store.notifications("dead"))
    except EditwatchError as exc:
        found.database = f"down: {exc}"
        found.problem(f"the database does not answer: {exc}", "worker")
        return
    found.database = "ok"


def _aware(when: datetime) -> datetime:
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _settings(ctx: typer.Context, found: Health) -> Settings:
    """The settings to ask Redis and the database with, and the files' errors if any."""
    config_dir, data_dir = options_of(ctx)
    report = inspect_config(config_dir, data_dir, selector_check=selector_problem)
    settings = report.settings or report.base
    if settings is None:
        err.print("[bold red]configuration error[/]")
        for line in report.errors:
            say(line, stderr=True)
        raise typer.Exit(2)
    if report.errors:
        found.config_error = "\n".join(report.errors)
        found.problem("the config files do not validate (see `editwatch validate`)", "worker")
    logs.configure(settings.log.format, settings.log.level)
    return settings


def _rows(found: Health) -> list[tuple[str, str]]:
    age = "never" if found.canary_age is None else f"{found.canary_age:.0f} s ago"
    backlog = "unknown" if found.due_backlog is None else count(found.due_backlog, "watch")
    overdue = "none"
    if found.oldest_overdue:
        overdue = "watch {watch_id}, {overdue_seconds} s".format(**found.oldest_overdue)
    checked = count(found.checked_last_hour, "watch")
    return [
        ("redis", found.redis),
        ("database", found.database),
        ("workers", ", ".join(found.workers) or "none"),
        ("beat", ", ".join(found.beats) or "none"),
        ("canary", age),
        ("due backlog", backlog),
        ("oldest overdue", overdue),
        ("last hour", f"{checked} checked, {found.erroring_last_hour} erroring"),
        ("alerts", f"{found.alerts_pending} pending, {found.alerts_dead} dead"),
        ("config", found.config_error or "ok"),
    ]


def _print(found: Health) -> None:
    table = Table(title="editwatch status", show_header=False)
    table.add_column("what")
    table.add_column("state", overflow="fold")
    for name, value in _rows(found):
        table.add_row(name, plain(value))
    out.print(table)
    for problem in found.problems:
        say(f"problem: {problem}", stderr=True)
    say(f"as of {shown_time(utcnow())} UTC")

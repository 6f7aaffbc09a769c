"""The Celery app: broker, queues, routes, reliability settings and the beat schedule.

Why these settings: a check or a delivery must survive a worker dying mid-task, so tasks are
acknowledged late and re-queued when their worker is lost (every task is idempotent), each
worker prefetches one message so a slow site cannot hoard work, and there is no result backend
because the database is where results live. Beat has three fixed entries whatever the number of
watches: one tick dispatches what is due in the Redis due-queue, one sweeps the outbox, one
(hourly) drops raw HTML past ``retention.raw_html``.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import Any

from celery import Celery
from celery.signals import beat_init, setup_logging, worker_init
from kombu import Exchange, Queue

from worker import logs
from worker.config import ConfigStamp, Settings, config_stamp, load_settings
from worker.errors import ConfigError, StoreError
from worker.extract import selector_problem
from worker.models import Watch
from worker.pipeline.health import CANARY_EVERY
from worker.store import SchemaOutOfDate, Store

DEFAULT_BROKER = "redis://127.0.0.1:6379/0"
PRUNE_EVERY_S = 3600.0  # retention.raw_html is days; an hourly pass keeps each one short
QUEUES = ("editwatch.control", "editwatch.checks", "editwatch.notify")
ROUTES = {
    "editwatch.dispatch_due": "editwatch.control",
    "editwatch.sweep_outbox": "editwatch.control",
    "editwatch.prune_raw_html": "editwatch.control",
    "editwatch.canary": "editwatch.control",
    "editwatch.check_batch": "editwatch.checks",
    "editwatch.deliver": "editwatch.notify",
}


def settings_from_env(previous: Sequence[Watch] = ()) -> Settings:
    """Settings for worker processes: the CLI passes its --config/--data through the env.

    ``previous``: the watches of the configuration a reload replaces (kept, not copied).
    """
    return load_settings(
        config_dir_from_env(),
        os.environ.get("EDITWATCH_DATA_DIR"),
        selector_check=selector_problem,
        previous=previous,
    )


def config_dir_from_env() -> str:
    return os.environ.get("EDITWATCH_CONFIG_DIR", "config")


def kombu_url(url: str) -> str:
    """redis-py's ``unix:///path`` spelling becomes kombu's ``redis+socket:///path``."""
    return "redis+socket://" + url.removeprefix("unix://") if url.startswith("unix://") else url


def celery_config(settings: Settings) -> dict[str, Any]:
    broker = settings.broker_url or DEFAULT_BROKER
    return {
        "broker_url": kombu_url(broker),
        "broker_connection_retry_on_startup": True,
        "broker_transport_options": {"visibility_timeout": 3600},
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        "task_soft_time_limit": 240,
        "task_time_limit": 300,
        "task_ignore_result": True,
        "result_backend": None,
        "task_serializer": "json",
        "accept_content": ["json"],
        # Each queue gets its own exchange and key: with one shared default binding a message
        # would be copied into every queue and run once per queue.
        "task_queues": [
            Queue(name, Exchange(name, type="direct"), routing_key=name) for name in QUEUES
        ],
        "task_default_queue": "editwatch.control",
        "task_routes": {name: {"queue": queue} for name, queue in ROUTES.items()},
        "worker_hijack_root_logger": False,
        "beat_schedule_filename": str(settings.data_dir / "celerybeat-schedule"),
        "beat_schedule": {
            "dispatch-due": {"task": "editwatch.dispatch_due", "schedule": settings.schedule.tick},
            "sweep-outbox": {
                "task": "editwatch.sweep_outbox",
                "schedule": settings.notify.sweep_interval,
            },
            "prune-raw-html": {"task": "editwatch.prune_raw_html", "schedule": PRUNE_EVERY_S},
            "canary": {"task": "editwatch.canary", "schedule": CANARY_EVERY},
        },
        "timezone": "UTC",
    }


def create_app(settings: Settings) -> Celery:
    """Build the Celery app from settings (a factory, so tests can build their own)."""
    celery = Celery("editwatch", include=["worker.tasks"])
    celery.conf.update(celery_config(settings))
    return celery


@setup_logging.connect
def _configure_logging(**_: Any) -> None:
    """Celery's own logging goes through structlog's set-up instead of Celery's."""
    log_settings = startup_settings().log  # read once at import: not a second 100k-watch parse
    logs.configure(log_settings.format, log_settings.level)


@worker_init.connect
@beat_init.connect
def _refuse_an_old_schema(**_: Any) -> None:
    """Workers and beat do not start on an out-of-date schema (``db.auto_upgrade`` upgrades it).

    Checked once in the main process, before any task runs, so the operator sees one clear
    message naming ``editwatch db upgrade`` instead of every task failing. A database that
    does not answer yet is left to the tasks' own retries, as before.
    """
    settings = startup_settings()
    try:
        Store.open(
            settings.data_dir, settings.database_url, auto_upgrade=settings.db.auto_upgrade
        ).close()
    except SchemaOutOfDate as exc:
        sys.stderr.write(f"editwatch: {exc}\n")
        raise SystemExit(2) from None
    except StoreError as exc:
        sys.stderr.write(f"editwatch: database not ready at start ({exc}); tasks will retry\n")


def _load_or_exit() -> Settings:
    try:
        return settings_from_env()
    except ConfigError as exc:
        sys.stderr.write(f"editwatch: configuration error\n{exc}\n")
        raise SystemExit(2) from None


_STARTUP_STAMP = config_stamp(config_dir_from_env())  # before reading: an edit now is seen
_STARTUP = _load_or_exit()


def startup_settings() -> Settings:
    """The configuration this process started with: the last good one it knows for sure."""
    return _STARTUP


def startup_stamp() -> ConfigStamp:
    """The config files' stamp when :func:`startup_settings` was read."""
    return _STARTUP_STAMP


app = create_app(_STARTUP)

"""structlog set-up: JSON lines off a tty (containers, files), console rendering on a tty.

Why: operators grep and ship container logs as JSON, while a person at a terminal wants colour.
Every line of a check carries ``watch``, ``url`` and ``check_id`` through structlog's contextvars,
so one check can be followed across stages without passing a logger around.
"""

from __future__ import annotations

import contextvars
import logging
import sys
from collections.abc import Mapping
from typing import Any, TextIO

import structlog

from worker.textutil import strip_controls

_LEVELS = {"debug": logging.DEBUG, "info": logging.INFO, "warning": logging.WARNING}
_LEVELS["error"] = logging.ERROR
_threshold = logging.NOTSET  # until configure(): structlog's default logs every level
QUIET_LIBRARIES = ("httpx", "httpcore")
# Celery's loggers that write a line per beat tick and per task ("Scheduler: Sending due task",
# "Task ... received", "Task ... succeeded"): about 300k lines a day at one tick a second, which
# buries every warning. They speak only at ``log.level: debug``; ``dispatch_summary`` (once a
# minute) and ``check_done`` (once a check) say what happened instead.
CELERY_PER_TASK_LOGGERS = ("celery.beat", "celery.worker.strategy", "celery.app.trace")


class _CurrentStderr:
    """Writes to whatever ``sys.stderr`` is *now*, so a swapped or closed stream is never kept."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()

    def isatty(self) -> bool:
        return sys.stderr.isatty()


def configure(fmt: str = "auto", level: str = "info", stream: TextIO | None = None) -> None:
    """Configure structlog and the stdlib root logger once per process.

    ``fmt`` is ``auto`` (console on a tty, JSON otherwise), ``json`` or ``console``.
    """
    global _threshold
    _threshold = _LEVELS.get(level, logging.INFO)
    target: Any = stream or _CurrentStderr()
    use_console = fmt == "console" or (fmt == "auto" and target.isatty())
    renderer: Any = (
        structlog.dev.ConsoleRenderer() if use_console else structlog.processors.JSONRenderer()
    )
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    if use_console:
        shared.append(_plain_values)  # JSON escapes control characters itself
    else:
        shared.append(structlog.processors.format_exc_info)
    structlog.configure(
        processors=[*shared, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(_LEVELS.get(level, logging.INFO)),
        logger_factory=structlog.PrintLoggerFactory(target),
        cache_logger_on_first_use=False,
    )
    numeric = _LEVELS.get(level, logging.INFO)
    _route_stdlib(target, shared, renderer, numeric)
    for noisy in QUIET_LIBRARIES:  # one line per request would drown the per-check summary
        logging.getLogger(noisy).setLevel(logging.WARNING)
    for chatty in CELERY_PER_TASK_LOGGERS:
        logging.getLogger(chatty).setLevel(numeric if numeric <= logging.DEBUG else logging.WARNING)
    logging.getLogger("celery").setLevel(numeric)  # the rest of Celery follows log.level


def _plain_values(_logger: Any, _method: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    """Strip control and bidi characters from every text value before it reaches a terminal:
    log lines carry headlines, URLs and server errors, and an ``ESC ]`` sequence in one would
    act on the operator's terminal (a window title, a hyperlink)."""
    return {k: strip_controls(v) if isinstance(v, str) else v for k, v in event_dict.items()}


def _route_stdlib(target: Any, shared: list[Any], renderer: Any, level: int) -> None:
    """Celery's and other libraries' stdlib log records get the same rendering as ours."""
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[structlog.stdlib.add_logger_name, *shared],
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
    )
    handler = logging.StreamHandler(target)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)


def enabled(level: str) -> bool:
    """Would a line at ``level`` be written? Lets a caller skip building a line's values when
    the level is filtered (a per-check ``debug`` call through structlog's proxy still binds a
    logger, some 2 us, before the filter drops it)."""
    return _LEVELS.get(level, logging.INFO) >= _threshold


def get_logger(name: str) -> Any:
    """A structlog logger tagged with the module name."""
    return structlog.get_logger(logger_name=name)


def bound(**values: Any) -> _Bound:
    """Bind context (watch, url, check id, task id) for every log line inside the block."""
    return _Bound(values)


class _Bound:
    """The block of :func:`bound`. On the way out each variable is reset with the token its
    binding returned, so an outer binding of the same key comes back and a key bound only here
    is gone: what structlog's ``bound_contextvars`` does, at about 2 us a check instead of 4.5
    (no generator, and no read of the whole context to save what it overwrites). Enter and
    leave it in one context (one task, one thread), as every ``with`` block does.
    """

    __slots__ = ("_tokens", "_values")

    def __init__(self, values: dict[str, Any]) -> None:
        self._values = values
        self._tokens: Mapping[str, contextvars.Token[Any]] = {}

    def __enter__(self) -> None:
        self._tokens = structlog.contextvars.bind_contextvars(**self._values)

    def __exit__(self, *exc: object) -> None:
        structlog.contextvars.reset_contextvars(**self._tokens)

"""Log set-up: Celery's per-tick chatter is off by default and log.level governs Celery too."""

from __future__ import annotations

import io
import logging

import pytest

from worker import logs


@pytest.fixture(autouse=True)
def _restore_levels() -> object:
    names = ("celery", *logs.CELERY_PER_TASK_LOGGERS)
    saved = {name: logging.getLogger(name).level for name in names}
    yield None
    for name, level in saved.items():
        logging.getLogger(name).setLevel(level)
    logs.configure()


def _emit(level: str, logger: str, message: str) -> str:
    stream = io.StringIO()
    logs.configure("json", level, stream=stream)
    logging.getLogger(logger).info(message)
    logging.getLogger(logger).warning(message + " (warning)")
    return stream.getvalue()


@pytest.mark.parametrize("logger", logs.CELERY_PER_TASK_LOGGERS)
def test_celery_per_task_info_lines_are_off_at_info(logger: str) -> None:
    """ "Sending due task" / "received" / "succeeded" at INFO do not appear; warnings do."""
    text = _emit("info", logger, "Task x received")
    assert "Task x received (warning)" in text and '"Task x received"' not in text


def test_debug_brings_celery_per_task_lines_back() -> None:
    """At log.level debug the per-task lines are shown again."""
    assert '"Scheduler: Sending due task"' in _emit(
        "debug", "celery.beat", "Scheduler: Sending due task"
    )


def test_log_level_governs_the_rest_of_celery() -> None:
    """log.level: warning silences Celery's other INFO lines too."""
    text = _emit("warning", "celery.worker.consumer", "Connected to redis")
    assert '"Connected to redis"' not in text and "Connected to redis (warning)" in text

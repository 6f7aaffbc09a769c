"""Log set-up: Celery's per-tick chatter is off by default and log.level governs Celery too."""

from __future__ import annotations

import io
import json
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


HOSTILE = "Budget \x1b]0;pwned\x07passes \x1b]8;;http://evil.example/\x1b\\here\u202e"


@pytest.mark.parametrize("fmt", ["console", "json"])
def test_page_text_in_a_log_line_cannot_drive_the_terminal(fmt: str) -> None:
    """A headline holding a window-title or hyperlink sequence is logged as plain text."""
    stream = io.StringIO()
    logs.configure(fmt, "info", stream=stream)
    logs.get_logger("worker.test").warning("article_changed", headline=HOSTILE)
    logging.getLogger("celery.test").warning("reason: %s", HOSTILE)  # stdlib records too
    shown = stream.getvalue()
    assert "\x1b]" not in shown and "\x07" not in shown and "\u202e" not in shown
    assert shown.count("Budget") == 2 and "pwned" in shown


def test_bound_context_is_on_lines_inside_and_restored_after() -> None:
    """Lines inside a block carry its keys; leaving an inner block brings the outer value back
    and drops a key only the inner block bound, even when the block raised."""
    stream = io.StringIO()
    logs.configure("json", "info", stream=stream)
    log = logs.get_logger("test")
    with logs.bound(watch="outer"):
        with pytest.raises(RuntimeError), logs.bound(watch="inner", check_id="c1"):
            log.info("inside")
            raise RuntimeError("boom")
        log.info("after_inner")
    log.info("after_outer")
    inside, after_inner, after_outer = (json.loads(x) for x in stream.getvalue().splitlines())
    assert (inside["watch"], inside["check_id"]) == ("inner", "c1")
    assert after_inner["watch"] == "outer" and "check_id" not in after_inner
    assert "watch" not in after_outer and "check_id" not in after_outer

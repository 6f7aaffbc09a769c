"""A batch of checks through the real pipeline (local server, SQLite): what it logs, how many
event-loop tasks it runs, and what an unchanged or 304 check writes."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from structlog.testing import capture_logs

from tests.configs import write_config
from tests.httpserver import Handler, LocalHTTPServer, RecordedRequest, Response
from worker import logs, pipeline
from worker.config import Settings, load_settings
from worker.fetch import make_client
from worker.models import CheckResult
from worker.store import Store

PAGE = (
    "<html><head><title>Story</title></head><body><article><h1>A headline</h1>"
    + "".join(f"<p>Paragraph {i} of the story, long enough to be body text.</p>" for i in range(6))
    + "</article></body></html>"
)
HEADERS = {"Content-Type": "text/html; charset=utf-8", "ETag": '"v1"'}


def serve_pages(server: LocalHTTPServer, count: int) -> list[dict[str, Any]]:
    """``count`` article pages with an ETag: a second check of each is a 304."""
    watches = []
    for i in range(count):
        server.route(f"/story/{i}", handler=_conditional(PAGE.replace("A headline", f"H {i}")))
        watches.append({"url": server.url(f"/story/{i}"), "name": f"story-{i}"})
    return watches


def _conditional(body: str) -> Handler:
    def answer(request: RecordedRequest) -> Response:
        if request.headers.get("If-None-Match") == '"v1"':
            return Response(304, {"ETag": '"v1"'})
        return Response(200, HEADERS, body.encode())

    return answer


def settings_for(tmp_path: Path, watches: Sequence[dict[str, Any]], **log: Any) -> Settings:
    extra = {"fetch": {"allow_private_networks": True, "concurrency": 2}, "log": log}
    return load_settings(write_config(tmp_path / "config", watches, extra=extra), tmp_path / "d")


def run_checks(
    settings: Settings, rounds: int, on_done: Any = None
) -> tuple[Store, list[list[CheckResult]]]:
    """Check every watch ``rounds`` times, each round as one batch; the store and results."""
    store = Store.open(settings.data_dir)

    async def run() -> list[list[CheckResult]]:
        async with make_client(settings.fetch) as client:
            context = pipeline.Context(settings, store, client, gate=pipeline.LocalGate(2))
            targets = pipeline.targets_for(store, settings.watches)
            return [await pipeline.check_many(targets, context, on_done) for _ in range(rounds)]

    return store, asyncio.run(run())


@pytest.fixture
def info_logs() -> Iterator[None]:
    """Logging as a worker sets it up (level info), restored after the test."""
    logs.configure("json", "info")
    yield None
    logs.configure()


def test_a_batch_runs_one_task_per_lane_not_one_per_check(
    http_server: LocalHTTPServer, tmp_path: Path
) -> None:
    """Ten checks at ``fetch.concurrency: 2`` run in two event-loop tasks besides the caller."""
    settings = settings_for(tmp_path, serve_pages(http_server, 10))
    alive: list[int] = []
    store, (results,) = run_checks(settings, 1, lambda _: alive.append(len(asyncio.all_tasks())))
    store.close()
    assert [r.outcome for r in results] == ["new"] * 10
    assert max(alive) <= 3  # the caller's task and two lanes


def test_checks_that_found_nothing_new_log_one_line_per_batch(
    http_server: LocalHTTPServer, tmp_path: Path, info_logs: None
) -> None:
    """By default a 304 check has no ``check_done`` line at info; the batch counts it."""
    settings = settings_for(tmp_path, serve_pages(http_server, 4))
    with capture_logs() as captured:
        store, (_, second) = run_checks(settings, 2)
    store.close()
    assert [r.outcome for r in second] == ["not_modified"] * 4
    done = [e for e in captured if e["event"] == "check_done"]
    assert [e["outcome"] for e in done] == ["new"] * 4  # the first round's, not the 304s
    batches = [e for e in captured if e["event"] == "checks_done"]
    assert [(e["checks"], e.get("new"), e.get("not_modified")) for e in batches] == [
        (4, 4, None),
        (4, None, 4),
    ]


def test_every_check_logs_its_own_line_when_configured(
    http_server: LocalHTTPServer, tmp_path: Path, info_logs: None
) -> None:
    """``log.every_check: true``: each 304 check logs ``check_done`` at info, as before."""
    settings = settings_for(tmp_path, serve_pages(http_server, 3), every_check=True)
    with capture_logs() as captured:
        store, _ = run_checks(settings, 2)
    store.close()
    done = [(e["outcome"], e["log_level"]) for e in captured if e["event"] == "check_done"]
    assert done == [("new", "info")] * 3 + [("not_modified", "info")] * 3
    assert not [e for e in captured if e["event"] == "checks_done"]

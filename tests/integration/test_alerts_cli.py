"""`editwatch alerts`: list alerts, show dead ones with their error, send them again."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from tests.configs import write_config
from tests.httpserver import LocalHTTPServer
from tests.integration.test_digest import queue_change
from worker.cli import cli
from worker.config import NotifySettings, load_settings
from worker.notify import ChannelContext, build_channels
from worker.pipeline import delivery
from worker.store import Store


@pytest.fixture
def setup(tmp_path: Path, http_server: LocalHTTPServer) -> tuple[Path, Path, list[int]]:
    """Three alerts to a webhook that answered 400: one sent, two dead."""
    http_server.route("/hook", status=204)
    config = write_config(
        tmp_path / "config",
        [],
        channels={"hook": {"type": "webhook", "url": http_server.url("/hook")}},
        defaults={"interval": "1h", "channels": ["hook"]},
    )
    data = tmp_path / "data"
    settings = load_settings(config, data)
    channels = build_channels(settings.channels, ChannelContext(data, True))
    ids = []
    with Store.open(data) as store:
        for i, status in enumerate((204, 400, 400)):
            http_server.route("/hook", status=status, body=b"bad request")
            (nid,) = queue_change(store, f"https://example.org/s{i}", ["hook"])
            delivery.deliver(store, channels, nid, NotifySettings())
            ids.append(nid)
    return config, data, ids


def run(config: Path, data: Path, *args: str) -> Result:
    return CliRunner(env={"COLUMNS": "250"}).invoke(
        cli, ["--config", str(config), "--data", str(data), "alerts", *args]
    )


def lines(result: Result) -> list[dict[str, Any]]:
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_alerts_lists_latest_first_with_state_and_attempts(
    setup: tuple[Path, Path, list[int]],
) -> None:
    """`alerts --json` prints one object per alert, newest first, with watch, state, attempts."""
    config, data, ids = setup
    result = run(config, data, "--json")
    assert result.exit_code == 0, result.output
    rows = lines(result)
    assert [r["id"] for r in rows] == ids[::-1]
    assert [(r["watch"], r["state"], r["attempts"]) for r in rows] == [
        ("s2", "dead", 1), ("s1", "dead", 1), ("s0", "sent", 1)
    ]  # fmt: skip
    table = run(config, data)
    assert table.exit_code == 0 and "dead" in table.stdout and "s0" in table.stdout


def test_alerts_failed_shows_only_dead_rows_with_their_error(
    setup: tuple[Path, Path, list[int]],
) -> None:
    """`alerts --failed` lists dead alerts and why they died."""
    config, data, ids = setup
    rows = lines(run(config, data, "--failed", "--json"))
    assert [r["id"] for r in rows] == [ids[2], ids[1]]
    assert all("400" in r["last_error"] for r in rows)
    assert "400 Bad Request" in run(config, data, "--failed").stdout


def test_retry_hands_the_alert_back_to_the_worker_without_sending(
    setup: tuple[Path, Path, list[int]], http_server: LocalHTTPServer
) -> None:
    """`alerts retry ID` makes that dead alert pending (attempts 0) and sends nothing itself,
    so the worker delivers it with the worker's environment; the other stays dead."""
    config, data, ids = setup
    before = http_server.count("/hook")
    result = run(config, data, "retry", str(ids[1]))
    assert result.exit_code == 0, result.output
    assert "requeued 1 alert as pending" in result.stdout and "worker" in result.stdout
    assert http_server.count("/hook") == before
    rows = {r["id"]: r for r in lines(run(config, data, "--json"))}
    assert (rows[ids[1]]["state"], rows[ids[1]]["attempts"]) == ("pending", 0)
    assert rows[ids[2]]["state"] == "dead"


def test_retry_now_sends_from_this_shell_and_says_so(
    setup: tuple[Path, Path, list[int]], http_server: LocalHTTPServer
) -> None:
    """`alerts retry --now ID` sends it at once and says whose environment it used."""
    config, data, ids = setup
    http_server.route("/hook", status=204)
    result = run(config, data, "retry", "--now", str(ids[1]))
    assert result.exit_code == 0, result.output
    assert f"#{ids[1]} sent" in result.stdout
    assert "this shell's environment" in result.stderr
    assert [r["id"] for r in lines(run(config, data, "--failed", "--json"))] == [ids[2]]
    last = http_server.requests("/hook")[-1]
    assert last.headers["Idempotency-Key"] == f"editwatch-{ids[1]}"


def test_retry_now_all_resends_every_dead_alert(
    setup: tuple[Path, Path, list[int]], http_server: LocalHTTPServer
) -> None:
    """`alerts retry --now --all` empties the dead list; a failing resend exits 1, dead again."""
    config, data, _ = setup
    before = http_server.count("/hook")
    assert run(config, data, "retry", "--now", "--all").exit_code == 1  # still 400
    assert len(lines(run(config, data, "--failed", "--json"))) == 2
    http_server.route("/hook", status=204)
    assert run(config, data, "retry", "--now", "--all").exit_code == 0
    assert lines(run(config, data, "--failed", "--json")) == []
    assert http_server.count("/hook") == before + 4


def test_retry_needs_ids_or_all(setup: tuple[Path, Path, list[int]]) -> None:
    """`alerts retry` alone, or an id that is not dead, is refused."""
    config, data, ids = setup
    assert run(config, data, "retry").exit_code == 2
    result = run(config, data, "retry", str(ids[0]))  # sent, not dead
    assert result.exit_code == 1 and "not dead" in result.stderr

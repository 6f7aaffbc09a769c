"""`editwatch check` end to end: local server -> pipeline -> SQLite -> outbox -> file alerts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.configs import write_config
from tests.httpserver import LocalHTTPServer
from tests.pages import BODY, article_page
from worker.cli import cli

HTML = {"Content-Type": "text/html; charset=utf-8"}


def run_check(config: Path, data: Path, *args: str, expect: int = 0) -> list[dict[str, object]]:
    """Run `editwatch check --json` in-process and parse its one-object-per-line output."""
    result = CliRunner().invoke(
        cli, ["--config", str(config), "--data", str(data), "check", "--json", *args]
    )
    assert result.exit_code == expect, result.output
    return [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]


def alerts(data: Path) -> list[dict[str, object]]:
    path = data / "alerts.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines()]


@pytest.fixture
def site(http_server: LocalHTTPServer) -> LocalHTTPServer:
    http_server.route("/story", body=article_page("Council approves budget", BODY), headers=HTML)
    return http_server


@pytest.fixture
def config(tmp_path: Path, site: LocalHTTPServer) -> Path:
    return write_config(tmp_path / "config", [{"url": site.url("/story"), "name": "story"}])


def test_first_check_stores_a_new_version_without_alert(config: Path, tmp_path: Path) -> None:
    """The first check of a watch records version 1 and sends no alert."""
    (row,) = run_check(config, tmp_path / "data")
    assert row["outcome"] == "new" and row["version"] == 1 and row["error"] is None
    assert alerts(tmp_path / "data") == []


def test_noise_only_rerender_is_no_change(
    config: Path, tmp_path: Path, site: LocalHTTPServer
) -> None:
    """New share counts, relative time, nonces and related links are not an edit."""
    run_check(config, tmp_path / "data")
    site.route("/story", body=article_page("Council approves budget", BODY, noise=9), headers=HTML)
    (row,) = run_check(config, tmp_path / "data")
    assert row["outcome"] == "unchanged" and row["version"] == 1
    assert alerts(tmp_path / "data") == []


def test_same_state_twice_makes_one_version(config: Path, tmp_path: Path) -> None:
    """Checking an unchanged page again keeps a single stored version."""
    run_check(config, tmp_path / "data")
    (row,) = run_check(config, tmp_path / "data")
    assert row == {**row, "outcome": "unchanged", "version": 1}


def test_headline_rewrite_alerts_with_kind_headline(
    config: Path, tmp_path: Path, site: LocalHTTPServer
) -> None:
    """A rewritten headline gives a change of kind `headline` and one alert naming both."""
    run_check(config, tmp_path / "data")
    site.route("/story", body=article_page("Council passes budget", BODY, noise=2), headers=HTML)
    (row,) = run_check(config, tmp_path / "data")
    assert row["outcome"] == "changed" and row["version"] == 2
    assert "headline" in row["kinds"]  # type: ignore[operator]
    (alert,) = alerts(tmp_path / "data")
    assert alert["old_headline"] == "Council approves budget"
    assert alert["new_headline"] == "Council passes budget"
    assert alert["old_version"] == 1 and alert["new_version"] == 2
    assert alert["watch"] == "story" and "headline" in alert["kinds"]  # type: ignore[operator]


def test_paragraph_edit_alerts_with_kind_body(
    config: Path, tmp_path: Path, site: LocalHTTPServer
) -> None:
    """Editing one body paragraph gives a change of kind `body` with a word-level diff."""
    run_check(config, tmp_path / "data")
    edited = (*BODY[:2], BODY[2].replace("optimistic", "wildly optimistic"), BODY[3])
    site.route("/story", body=article_page("Council approves budget", edited), headers=HTML)
    (row,) = run_check(config, tmp_path / "data")
    assert row["outcome"] == "changed"
    assert "body" in row["kinds"] and "headline" not in row["kinds"]  # type: ignore[operator]
    (alert,) = alerts(tmp_path / "data")
    assert "wildly" in json.dumps(alert["diff"])


def test_failing_sites_do_not_stop_the_others(tmp_path: Path, site: LocalHTTPServer) -> None:
    """A 500, a 404 and an unreachable host are reported per watch; the good one is checked."""
    site.route("/broken", status=500, body=b"oops", headers=HTML)
    config = write_config(
        tmp_path / "config",
        [
            {"url": site.url("/broken"), "name": "broken"},
            {"url": site.url("/gone"), "name": "gone"},
            {"url": "http://127.0.0.1:9/nothing-listens-here", "name": "unreachable"},
            {"url": site.url("/story"), "name": "good"},
        ],
    )
    rows = {r["watch"]: r for r in run_check(config, tmp_path / "data", expect=1)}
    assert rows["good"]["outcome"] == "new"
    assert rows["broken"]["outcome"] == "error" and "500" in str(rows["broken"]["error"])
    assert rows["gone"]["outcome"] == "error" and "404" in str(rows["gone"]["error"])
    assert rows["unreachable"]["outcome"] == "error"
    assert "127.0.0.1:9" in str(rows["unreachable"]["error"])


def test_bad_config_names_file_field_and_problem(tmp_path: Path) -> None:
    """A wrong URL scheme and a bad interval are both reported with file and path; exit 2."""
    config = write_config(
        tmp_path / "config",
        [
            {"url": "https://example.org/a"},
            {"url": "ftp://x"},
            {"url": "https://e.org/b", "interval": "5 minutes"},
        ],
    )
    result = CliRunner().invoke(cli, ["--config", str(config), "check"])
    assert result.exit_code == 2
    assert "watches.yaml: watches[1].url: 'ftp://x' is not an http(s) URL" in result.output
    assert "watches[2].interval: '5 minutes' is not a duration" in result.output


def test_private_targets_refused_unless_allowed(tmp_path: Path, site: LocalHTTPServer) -> None:
    """With the default guard, a watch on 127.0.0.1 is refused with a hint how to allow it."""
    config = write_config(
        tmp_path / "config",
        [{"url": site.url("/story"), "name": "local"}],
        extra={"fetch": {"allow_private_networks": False}},
    )
    (row,) = run_check(config, tmp_path / "data", expect=1)
    assert row["outcome"] == "error"
    assert "allow_private_networks" in str(row["error"])
    assert site.count("/story") == 0


def odd_page(title: str, promo: str) -> bytes:
    """A page whose real headline is not in <h1> and whose body holds a changing promo."""
    body = "".join(f"<p>{p}</p>" for p in BODY)
    return (
        f"<html><body><h1>The Daily Test</h1><h2 class='story-title'>{title}</h2>"
        f"<div class='story'>{body}<div class='promo'><p>{promo}</p></div></div></body></html>"
    ).encode()


def test_watch_selectors_pick_headline_and_drop_blocks(
    http_server: LocalHTTPServer, tmp_path: Path
) -> None:
    """`selectors` from watches.yaml choose the headline and exclude a noisy block."""
    http_server.route(
        "/odd", body=odd_page("Council approves budget", "Subscribe now!"), headers=HTML
    )
    selectors = {"headline": "h2.story-title", "body": "div.story", "exclude": ["div.promo"]}
    config = write_config(
        tmp_path / "config",
        [{"url": http_server.url("/odd"), "name": "odd", "selectors": selectors}],
    )
    run_check(config, tmp_path / "data")
    http_server.route(
        "/odd", body=odd_page("Council approves budget", "Half price today!"), headers=HTML
    )
    (row,) = run_check(config, tmp_path / "data")
    assert row["outcome"] == "unchanged"  # the promo is excluded
    http_server.route(
        "/odd", body=odd_page("Council rejects budget", "Half price today!"), headers=HTML
    )
    (row,) = run_check(config, tmp_path / "data")
    assert row["outcome"] == "changed" and "headline" in row["kinds"]  # type: ignore[operator]
    (alert,) = alerts(tmp_path / "data")
    assert alert["new_headline"] == "Council rejects budget"

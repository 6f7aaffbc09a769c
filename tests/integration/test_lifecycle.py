"""An article's life through `editwatch check`: removal and restoration, returns to an older
version, and the alert policy (every change stored, only some alerted)."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from tests.configs import write_config
from tests.httpserver import LocalHTTPServer
from tests.pages import BODY, article_page
from tests.waiting import wait_for
from worker.cli import cli

HTML = {"Content-Type": "text/html; charset=utf-8"}


def check(config: Path, data: Path, expect: int = 0) -> dict[str, object]:
    result = CliRunner().invoke(
        cli, ["--config", str(config), "--data", str(data), "check", "--json"]
    )
    assert result.exit_code == expect, result.output
    (row,) = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    return row  # type: ignore[no-any-return]


def alerts(data: Path) -> list[dict[str, object]]:
    path = data / "alerts.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def setup(http_server: LocalHTTPServer, tmp_path: Path, **watch: object) -> Path:
    http_server.route("/story", body=article_page("Budget passes", BODY), headers=HTML)
    return write_config(
        tmp_path / "config", [{"url": http_server.url("/story"), "name": "story", **watch}]
    )


def test_takedown_and_restoration(http_server: LocalHTTPServer, tmp_path: Path) -> None:
    """404 after a live version is `removed`, repeated 404s are not; coming back is `restored`."""
    config, data = setup(http_server, tmp_path), tmp_path / "data"
    assert check(config, data)["outcome"] == "new"
    http_server.route("/story", status=404, body=b"<h1>Not found</h1>", headers=HTML)
    removed = check(config, data)
    assert removed["outcome"] == "changed" and removed["kinds"] == ["removed"]
    assert check(config, data)["outcome"] == "unchanged"
    http_server.route("/story", body=article_page("Budget passes", BODY, noise=3), headers=HTML)
    restored = check(config, data)
    assert restored["outcome"] == "changed" and "restored" in restored["kinds"]  # type: ignore[operator]
    assert [a["kinds"] for a in alerts(data)] == [["removed"], ["restored"]]


def test_redirect_to_section_front_is_a_removal(
    http_server: LocalHTTPServer, tmp_path: Path
) -> None:
    """An article URL that starts redirecting to /world/ was taken down."""
    http_server.route("/world/2026/story", body=article_page("Budget passes", BODY), headers=HTML)
    config = write_config(
        tmp_path / "config", [{"url": http_server.url("/world/2026/story"), "name": "story"}]
    )
    data = tmp_path / "data"
    check(config, data)
    http_server.route("/world/", body=article_page("World news", ("Front page.",)), headers=HTML)
    http_server.redirect("/world/2026/story", "/world/", status=301)
    row = check(config, data)
    assert row["outcome"] == "changed" and row["kinds"] == ["removed"]


def test_return_to_an_older_state_reuses_its_version(
    http_server: LocalHTTPServer, tmp_path: Path
) -> None:
    """A -> B -> A: the third state is version 1 again, not a new version 3."""
    config, data = setup(http_server, tmp_path), tmp_path / "data"
    check(config, data)
    http_server.route("/story", body=article_page("Budget fails", BODY), headers=HTML)
    assert check(config, data)["version"] == 2
    http_server.route("/story", body=article_page("Budget passes", BODY), headers=HTML)
    back = check(config, data)
    assert back["outcome"] == "changed" and back["version"] == 1


def test_minor_changes_are_stored_but_not_alerted(
    http_server: LocalHTTPServer, tmp_path: Path
) -> None:
    """A one-letter typo fix makes version 2 but, by default, no alert."""
    config, data = setup(http_server, tmp_path), tmp_path / "data"
    typo = (*BODY[:3], BODY[3].replace("office", "offfice"))
    http_server.route("/story", body=article_page("Budget passes", typo), headers=HTML)
    check(config, data)
    http_server.route("/story", body=article_page("Budget passes", BODY), headers=HTML)
    row = check(config, data)
    assert row["outcome"] == "changed" and row["version"] == 2
    assert alerts(data) == []


def test_alert_on_limits_alerts_to_chosen_kinds(
    http_server: LocalHTTPServer, tmp_path: Path
) -> None:
    """With `alert_on: [headline]` a paragraph edit is stored silently, a headline edit alerts."""
    config, data = setup(http_server, tmp_path, alert_on=["headline"]), tmp_path / "data"
    check(config, data)
    edited = (BODY[0], "An entirely new second paragraph about something else.", *BODY[2:])
    http_server.route("/story", body=article_page("Budget passes", edited), headers=HTML)
    assert check(config, data)["outcome"] == "changed"
    assert alerts(data) == []
    http_server.route("/story", body=article_page("Budget collapses", edited), headers=HTML)
    check(config, data)
    assert [a["new_headline"] for a in alerts(data)] == ["Budget collapses"]


def test_alternating_headlines_are_one_ab_test(
    http_server: LocalHTTPServer, tmp_path: Path
) -> None:
    """Headlines A, B, A, B, A: reported once as an A/B test with both variants, then quiet."""
    config, data = setup(http_server, tmp_path), tmp_path / "data"
    kinds = []
    for headline in (
        "Budget passes",
        "Budget fails",
        "Budget passes",
        "Budget fails",
        "Budget passes",
    ):
        http_server.route("/story", body=article_page(headline, BODY), headers=HTML)
        kinds.append(check(config, data)["kinds"])
    assert "ab_test" in kinds[3] and "ab_test_repeat" in kinds[4]  # type: ignore[operator]
    sent = alerts(data)
    assert len(sent) == 3  # B, back to A, then the A/B test itself; the repeat is stored only
    assert "headline A/B test: 'Budget passes' / 'Budget fails'" in sent[-1]["diff"]["details"]  # type: ignore[index]


def test_burst_of_edits_makes_one_cumulative_alert(
    http_server: LocalHTTPServer, tmp_path: Path
) -> None:
    """First edit alerts at once; two more inside the window come later as one alert old->newest."""
    # 5 s: the three checks of the burst must fit in one window on a loaded machine too (a 2 s
    # window was missed at load 9, where each in-process check took most of a second).
    config, data = setup(http_server, tmp_path, debounce="5s"), tmp_path / "data"
    check(config, data)
    for headline in ("Budget fails", "Budget stalls", "Budget collapses"):
        http_server.route("/story", body=article_page(headline, BODY), headers=HTML)
        check(config, data)
    assert [a["new_headline"] for a in alerts(data)] == ["Budget fails"]

    def released() -> bool:
        check(config, data)  # `editwatch check` releases bursts whose window closed
        return len(alerts(data)) >= 2

    wait_for(released, timeout=15, interval=0.5)
    burst = alerts(data)[1]
    assert (burst["old_headline"], burst["new_headline"]) == ("Budget fails", "Budget collapses")
    assert burst["debounced"] == 2 and burst["old_version"] == 2 and burst["new_version"] == 4
    assert len(alerts(data)) == 2


def test_a_page_that_loses_its_article_text_is_an_error_not_an_edit(
    http_server: LocalHTTPServer, tmp_path: Path
) -> None:
    """A redesign that breaks extraction alerts nobody and keeps the last good version."""
    config, data = setup(http_server, tmp_path), tmp_path / "data"
    check(config, data)
    shell = b"<html><head><title>x</title></head><body><div id='app'></div></body></html>"
    http_server.route("/story", body=shell, headers=HTML)
    row = check(config, data, expect=1)
    assert row["outcome"] == "error" and row["version"] == 1
    assert "no article text found" in str(row["error"]) and "config/sites" in str(row["error"])
    assert alerts(data) == []
    http_server.route("/story", body=article_page("Budget passes", BODY, noise=5), headers=HTML)
    assert check(config, data)["outcome"] == "unchanged"


def test_operators_hear_when_a_site_stops_yielding_articles(
    http_server: LocalHTTPServer, tmp_path: Path
) -> None:
    """Three articles of one site turning into empty shells raise one extraction_empty event."""
    paths = [f"/news/{i}" for i in range(3)]
    for i, path in enumerate(paths):
        http_server.route(path, body=article_page(f"Story {i}", BODY), headers=HTML)
    config = write_config(
        tmp_path / "config",
        [{"url": http_server.url(p), "name": f"s{i}"} for i, p in enumerate(paths)],
        channels={"archive": {"type": "file", "path": "alerts.jsonl"},
                  "ops": {"type": "file", "path": "ops.jsonl"}},
        extra={"operator": ["ops"]},
    )  # fmt: skip
    data = tmp_path / "data"
    CliRunner().invoke(cli, ["--config", str(config), "--data", str(data), "check"])
    shell = b"<html><head><title>x</title></head><body><div id='app'></div></body></html>"
    for path in paths:
        http_server.route(path, body=shell, headers=HTML)
    CliRunner().invoke(cli, ["--config", str(config), "--data", str(data), "check"])
    events = [json.loads(line) for line in (data / "ops.jsonl").read_text().splitlines()]
    assert [e["event"] for e in events] == ["extraction_empty"]
    assert alerts(data) == []

"""Page mode and media kinds through the real pipeline: local server -> check -> SQLite -> alert.

The pages are the hand-made pairs of bench/data/pages (cases.yaml): the first capture is
served, checked, then replaced by the second and checked again, as a watch would see them.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bench.pages import Case, load_cases
from tests.configs import write_config
from tests.httpserver import LocalHTTPServer
from worker.cli import cli

HTML = {"Content-Type": "text/html; charset=utf-8"}
CASES = {case.name: case for case in load_cases()}


def editwatch(config: Path, data: Path, *args: str) -> str:
    result = CliRunner().invoke(cli, ["--config", str(config), "--data", str(data), *args])
    assert result.exit_code == 0, result.output
    return result.stdout


def check_pair(
    case: Case, server: LocalHTTPServer, tmp_path: Path, **watch: object
) -> tuple[dict[str, object], list[dict[str, object]], Path, Path]:
    """Serve and check the first capture, then the second: (row, alerts, config, data)."""
    old, new = case.pages()
    server.route("/page", body=old.encode(), headers=HTML)
    config = write_config(
        tmp_path / "config",
        [{"url": server.url("/page"), "name": "page", "mode": case.mode, **watch}],
    )
    data = tmp_path / "data"
    (first,) = _rows(editwatch(config, data, "check", "--json"))
    assert first["outcome"] == "new"
    server.route("/page", body=new.encode(), headers=HTML)
    (row,) = _rows(editwatch(config, data, "check", "--json"))
    path = data / "alerts.jsonl"
    alerts = [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []
    return row, alerts, config, data


def _rows(out: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


@pytest.mark.parametrize(
    ("name", "kind", "sentence"),
    [
        ("gov dataset link removed", "link", "link to air-quality-2026.csv"),
        (
            "gov hero image removed",
            "image",
            "lead image removed: 'Morning haze over the city skyline'",
        ),
        ("article source link removed", "link", "link to remediation-of-unsafe-cladding-2026.pdf"),
        ("wordpress video embed removed", "embed", "embedded video removed"),
    ],
)
def test_a_real_change_alerts_with_its_kind_in_words(
    name: str, kind: str, sentence: str, http_server: LocalHTTPServer, tmp_path: Path
) -> None:
    """A removed dataset link, hero image, source link or video: a new version and an alert."""
    row, alerts, _, _ = check_pair(CASES[name], http_server, tmp_path)
    assert row["outcome"] == "changed" and row["version"] == 2
    assert kind in row["kinds"]  # type: ignore[operator]
    (alert,) = alerts
    assert alert["significance"] in ("moderate", "major")
    assert any(sentence in line for line in alert["diff"]["details"])  # type: ignore[index]


@pytest.mark.parametrize(
    "name",
    [
        "gov noise - counter, timestamp, footer, teaser, cache busters",
        "documents noise - session ids, counters, stamps, promo",
        "article noise - most read, shares, CDN host and renditions",
    ],
)
def test_noise_only_recapture_is_unchanged(
    name: str, http_server: LocalHTTPServer, tmp_path: Path
) -> None:
    """Counters, stamps, rotated teasers, session ids and renditions store nothing new."""
    row, alerts, _, _ = check_pair(CASES[name], http_server, tmp_path)
    assert row["outcome"] == "unchanged" and row["version"] == 1
    assert alerts == []


def test_stored_versions_keep_media_for_later_diffs(
    http_server: LocalHTTPServer, tmp_path: Path
) -> None:
    """`editwatch diff` recomputed from the store still names the swapped lead photo."""
    row, _, config, data = check_pair(CASES["article lead photo swapped"], http_server, tmp_path)
    assert row["outcome"] == "changed"
    out = editwatch(config, data, "diff", "page")
    assert "lead image swapped: (tower-crane.jpg) -> (residents-protest.jpg)" in out


def test_watch_mode_article_reads_a_page_as_an_article(
    http_server: LocalHTTPServer, tmp_path: Path
) -> None:
    """`mode: article` on a list of documents still catches a withdrawn paper's link."""
    case = CASES["documents one paper withdrawn"]
    row, alerts, _, _ = check_pair(case, http_server, tmp_path, mode="article")
    assert row["outcome"] == "changed" and "link" in row["kinds"]  # type: ignore[operator]
    assert len(alerts) == 1

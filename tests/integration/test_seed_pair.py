"""The captures editwatch was born from: only the Vox caption removal is an edit."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.configs import write_config
from worker.cli import cli
from worker.demo.site import ARTICLE_SLUGS, DemoSite

VOX_SLUG = "why-russia-just-sent-troops-to-venezuela"


@pytest.fixture
def site() -> Iterator[DemoSite]:
    with DemoSite() as demo:
        yield demo


def check(config: Path, data: Path) -> dict[str, dict[str, object]]:
    result = CliRunner().invoke(
        cli, ["--config", str(config), "--data", str(data), "check", "--json"]
    )
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    return {str(row["watch"]): row for row in rows}


def test_second_capture_alerts_once_for_the_vox_caption(site: DemoSite, tmp_path: Path) -> None:
    """Capture 1 then capture 2: one change, on Vox, of kind caption; the others unchanged."""
    config = write_config(
        tmp_path / "config", [{"url": site.url_for(s), "name": s} for s in ARTICLE_SLUGS]
    )
    first = check(config, tmp_path / "data")
    assert {row["outcome"] for row in first.values()} == {"new"}
    site.capture = 2
    second = check(config, tmp_path / "data")
    changed = {name: row for name, row in second.items() if row["outcome"] == "changed"}
    vox = VOX_SLUG
    assert list(changed) == [vox], second
    assert "caption" in changed[vox]["kinds"]  # type: ignore[operator]
    assert "headline" not in changed[vox]["kinds"]  # type: ignore[operator]
    assert all(row["outcome"] == "unchanged" for n, row in second.items() if n != vox)
    alerts = (tmp_path / "data" / "alerts.jsonl").read_text().splitlines()
    assert len(alerts) == 1
    assert "Russian Air Force personnel" in alerts[0]


@pytest.mark.postgres
def test_seed_pair_on_postgresql(site: DemoSite, tmp_path: Path, pg_url: str) -> None:
    """The same seed scenario with versions in PostgreSQL (DATABASE_URL in editwatch.yaml)."""
    config = write_config(
        tmp_path / "config",
        [{"url": site.url_for(s), "name": s} for s in ARTICLE_SLUGS],
        extra={"database_url": pg_url},
    )
    assert {r["outcome"] for r in check(config, tmp_path / "data").values()} == {"new"}
    site.capture = 2
    second = check(config, tmp_path / "data")
    assert [n for n, r in second.items() if r["outcome"] == "changed"] == [VOX_SLUG]
    assert not (tmp_path / "data" / "editwatch.db").exists()  # nothing went to SQLite

"""retention.raw_html and `db stats` / `db prune`: old pages go, text, hashes and diffs stay."""

from __future__ import annotations

import json
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.configs import write_config
from worker.cli import cli
from worker.config import load_settings
from worker.errors import ConfigError
from worker.models import Article, Watch
from worker.store import NewChange, Store
from worker.store.rows import RAW_HTML_COMPRESSION_LEVEL

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
DAY = 86400.0


def page(n: int) -> bytes:
    return f"<html><body><h1>Version {n}</h1><p>{'text ' * (50 * n)}</p></body></html>".encode()


def fill(store: Store, url: str, ages_days: list[int]) -> int:
    """One watch whose versions were last seen ``ages_days`` ago (oldest first); last is current."""
    watch_id = store.sync_watches([Watch(url=url, name=url, interval=60)])[url]
    for n, age in enumerate(ages_days, start=1):
        store.save_state(
            watch_id,
            article=Article(headline=f"Version {n}", paragraphs=(f"Body {n}.",)),
            fingerprint=f"{url}-{n}",
            raw_html=page(n),
            extractor_version="1.1",
            seen_at=NOW - timedelta(days=age),
            change=None if n == 1 else NewChange(("headline",), "major", False, {"n": n}),
        )
    return watch_id


def test_prune_dry_run_counts_old_pages_and_changes_nothing(store: Store) -> None:
    """A dry run reports the superseded versions past retention and their bytes; all pages stay."""
    watch_id = fill(store, "http://a.test/1", [200, 120, 100, 1])
    expected = sum(len(zlib.compress(page(n), RAW_HTML_COMPRESSION_LEVEL)) for n in (1, 2, 3))
    report = store.prune_raw_html(90 * DAY, apply=False, now=NOW)
    assert (report.versions, report.bytes, report.applied) == (3, expected, False)
    assert all(store.raw_html(v.id) is not None for v in store.versions(watch_id))


def test_prune_drops_only_old_superseded_pages_and_keeps_text_and_diffs(store: Store) -> None:
    """After --apply old pages are gone; articles, fingerprints and changes are untouched."""
    watch_id = fill(store, "http://a.test/1", [200, 120, 10, 1])
    before = (store.versions(watch_id), store.changes(watch_id))
    report = store.prune_raw_html(90 * DAY, apply=True, now=NOW)
    assert report.versions == 2
    pages = [store.raw_html(v.id) for v in store.versions(watch_id)]
    assert pages[:2] == [None, None]
    assert pages[2] == page(3) and pages[3] == page(4)
    assert (store.versions(watch_id), store.changes(watch_id)) == before
    assert store.prune_raw_html(90 * DAY, apply=True, now=NOW).versions == 0


def test_current_version_keeps_its_page_however_old(store: Store) -> None:
    """A watch whose only state is a year old keeps that page: it is what the site serves."""
    watch_id = fill(store, "http://a.test/old", [365])
    assert store.prune_raw_html(DAY, apply=True, now=NOW).versions == 0
    (only,) = store.versions(watch_id)
    assert store.raw_html(only.id) == page(1)


def test_stats_count_rows_and_rank_watches_by_payload(store: Store) -> None:
    """db stats: row counts per table, dropped pages, and the biggest watch listed first."""
    small = fill(store, "http://a.test/small", [5])
    big = fill(store, "http://a.test/big", [300, 200, 1])
    store.prune_raw_html(90 * DAY, apply=True, now=NOW)
    report = store.storage_stats(top=10)
    rows = {table.name: table.rows for table in report.tables}
    assert rows["watches"] == 2 and rows["versions"] == 4 and rows["changes"] == 2
    assert (report.raw_html_kept, report.raw_html_dropped) == (2, 2)
    assert [w.watch_id for w in report.top_watches] == [big, small]
    assert report.top_watches[0].versions == 3
    assert all(table.bytes and table.bytes > 0 for table in report.tables)
    assert (report.per_row("versions") or 0) > 0


def test_db_prune_command_is_a_dry_run_unless_applied(tmp_path: Path) -> None:
    """`db prune` only reports; `db prune --apply` drops; `db stats --json` sees the result."""
    config = write_config(tmp_path / "config", [], extra={"retention": {"raw_html": "30d"}})
    data = tmp_path / "data"
    with Store.open(data) as store:
        fill(store, "http://a.test/1", [400, 300, 0])

    def run(*args: str) -> str:
        result = CliRunner().invoke(cli, ["--config", str(config), "--data", str(data), *args])
        assert result.exit_code == 0, result.output
        return " ".join(result.stdout.split())

    assert "would drop raw HTML of 2 versions" in run("db", "prune")
    assert json.loads(run("db", "stats", "--json"))["raw_html_dropped"] == 0
    assert "dropped raw HTML of 2 versions" in run("db", "prune", "--apply")
    assert json.loads(run("db", "stats", "--json"))["raw_html_dropped"] == 2


def test_retention_and_db_settings_default_and_validate(tmp_path: Path) -> None:
    """retention.raw_html defaults to 90 days; a bad value is an error naming the field."""
    settings = load_settings(write_config(tmp_path / "ok", []), env={})
    assert settings.retention.raw_html == 90 * DAY and settings.db.auto_upgrade is False
    bad = write_config(tmp_path / "bad", [], extra={"retention": {"raw_html": "forever"}})
    with pytest.raises(ConfigError, match=r"retention\.raw_html.*not a duration"):
        load_settings(bad, env={})
    assert load_settings(bad.parent / "ok", env={"EDITWATCH_DB_AUTO_UPGRADE": "1"}).db.auto_upgrade

"""The viewer's read-only queries on SQLite and PostgreSQL, over data `editwatch check` stored."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.configs import write_config
from tests.httpserver import LocalHTTPServer
from tests.pages import BODY, article_page
from worker.cli import cli
from worker.store import Store
from worker.store.queries import ViewQueries

HTML = {"Content-Type": "text/html; charset=utf-8"}
pytestmark = pytest.mark.slow


@pytest.fixture
def checked(store_url: str, http_server: LocalHTTPServer, tmp_path: Path) -> Iterator[ViewQueries]:
    """Two articles checked twice by `editwatch check`; one had its headline rewritten."""
    http_server.route("/a", body=article_page("Rates held at 4%_ for now", BODY), headers=HTML)
    http_server.route("/b", body=article_page("Storm nears the coast", BODY), headers=HTML)
    watches = [{"url": http_server.url("/a"), "name": "rates"},
               {"url": http_server.url("/b"), "name": "storm"}]  # fmt: skip
    config = write_config(tmp_path / "config", watches, extra={"database_url": store_url})
    args = ["--config", str(config), "--data", str(tmp_path / "data"), "check", "--no-notify"]
    assert CliRunner().invoke(cli, args).exit_code == 0
    http_server.route("/a", body=article_page("Rates cut to 3.5% after all", BODY), headers=HTML)
    assert CliRunner().invoke(cli, args).exit_code == 0
    store = Store(store_url)
    yield ViewQueries(store)
    store.close()


def test_search_finds_headlines_and_urls_literally(checked: ViewQueries) -> None:
    """A search matches the current headline (any case) or URL; % and _ are literal."""
    now = datetime.now(UTC)
    assert [w.name for w in checked.watch_page(now=now, search="RATES CUT").watches] == ["rates"]
    assert checked.watch_page(now=now, search="4%_").total == 0  # only the old headline had it
    assert checked.watch_page(now=now, search="/b").total == 1
    assert checked.watch_page(now=now, site="127.0.0.1").total == 2
    assert checked.watch_page(now=now, site="example.org").total == 0


def test_watch_summaries_count_versions_and_recent_changes(checked: ViewQueries) -> None:
    """The rewritten article has two versions and one change today; the other none."""
    page = checked.watch_page(now=datetime.now(UTC))
    summary = {w.name: w for w in page.watches}
    assert (summary["rates"].version_count, summary["rates"].changes_24h) == (2, 1)
    assert summary["rates"].headline == "Rates cut to 3.5% after all"
    assert (summary["storm"].version_count, summary["storm"].changes_7d) == (1, 0)
    assert summary["rates"].last_change_at is not None
    assert summary["rates"].last_change_at.tzinfo is not None


def test_changes_filter_by_kind_and_time_with_both_headlines(checked: ViewQueries) -> None:
    """A change names both headlines; kind and since filter it in or out."""
    (change,) = checked.change_list(kind="headline")
    assert (change.old_headline, change.new_headline) == (
        "Rates held at 4%_ for now",
        "Rates cut to 3.5% after all",
    )
    assert checked.change_list(kind="caption") == []
    assert checked.change_list(since=datetime.now(UTC) + timedelta(hours=1)) == []
    assert checked.change_between(change.watch_id, 1, 2) == change


def test_check_counts_cover_every_watch(checked: ViewQueries) -> None:
    """Each watch has its two checks of the day and no failures."""
    counts = checked.check_counts(datetime.now(UTC) - timedelta(days=1))
    assert sorted((c.checks, c.errors) for c in counts) == [(2, 0), (2, 0)]

"""Live blogs through `editwatch check`: a local site whose live blog grows, is edited and is
capped; a page that becomes a live blog and stops being one; the `liveblog_entry` opt-in."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from tests.configs import write_config
from tests.httpserver import LocalHTTPServer, RecordedRequest, Response
from tests.pages import BODY, LIVE_ENTRIES, MORE_ENTRIES, Entry, article_page, liveblog_page
from tests.waiting import wait_for
from worker.cli import cli
from worker.config import load_settings
from worker.store import Store
from worker.store.sql import database_url_for

HTML = {"Content-Type": "text/html; charset=utf-8"}
PATH = "/news/live/election-day"
HEADLINE = "Election day: follow it live"


def check(config: Path, data: Path) -> dict[str, Any]:
    result = CliRunner().invoke(
        cli, ["--config", str(config), "--data", str(data), "check", "--json"]
    )
    assert result.exit_code == 0, result.output
    (row,) = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    return row  # type: ignore[no-any-return]


def alerts(data: Path) -> list[dict[str, Any]]:
    path = data / "alerts.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def serve(http_server: LocalHTTPServer, entries: tuple[Entry, ...], **page: Any) -> None:
    http_server.route(PATH, body=liveblog_page(HEADLINE, entries, **page), headers=HTML)


def configure(
    http_server: LocalHTTPServer,
    tmp_path: Path,
    path: str = PATH,
    min_interval: str = "0s",
    database_url: str | None = None,
    **watch: Any,
) -> tuple[Path, Path]:
    """(config dir, data dir) watching ``path`` as "election" with the given cap."""
    extra: dict[str, Any] = {"liveblog": {"min_interval": min_interval}}
    if database_url:
        extra["database_url"] = database_url
    config = write_config(
        tmp_path / "config",
        [{"url": http_server.url(path), "name": "election", **watch}],
        extra=extra,
    )
    return config, tmp_path / "data"


def setup(http_server: LocalHTTPServer, tmp_path: Path, **options: Any) -> tuple[Path, Path]:
    serve(http_server, LIVE_ENTRIES)
    return configure(http_server, tmp_path, **options)


def stored_entries(config: Path, data: Path) -> list[list[str]]:
    """The entry keys of every stored version, oldest version first."""
    settings = load_settings(config, data)
    with Store(database_url_for(settings.data_dir, settings.database_url)) as store:
        (watch,) = store.list_watches()
        return [[e.key for e in v.article.entries] for v in store.versions(watch.id)]


def last_check_detail(config: Path, data: Path) -> str:
    """Why the last check stored nothing, as `history --verbose` shows it."""
    settings = load_settings(config, data)
    with Store(database_url_for(settings.data_dir, settings.database_url)) as store:
        (watch,) = store.list_watches()
        return store.checks(watch.id, 1)[0].detail or ""


def edited(entries: tuple[Entry, ...], key: str, old: str, new: str) -> tuple[Entry, ...]:
    return tuple((k, t, h, x.replace(old, new) if k == key else x) for k, t, h, x in entries)


def test_new_entries_are_stored_quietly_edits_and_deletions_alert(
    http_server: LocalHTTPServer, tmp_path: Path, store_url: str
) -> None:
    """Appended entries make versions and no alert; editing one earlier entry and deleting
    another make two `liveblog_edit` alerts that name the entries' times (either backend)."""
    config, data = setup(http_server, tmp_path, database_url=store_url)
    assert check(config, data)["outcome"] == "new"
    serve(http_server, LIVE_ENTRIES + MORE_ENTRIES[:1], noise=1)
    first = check(config, data)
    serve(http_server, LIVE_ENTRIES + MORE_ENTRIES, noise=2)
    second = check(config, data)
    assert [first["kinds"], second["kinds"]] == [["liveblog_entry"], ["liveblog_entry"]]
    assert [first["version"], second["version"]] == [2, 3]
    assert alerts(data) == []
    grown = LIVE_ENTRIES + MORE_ENTRIES
    serve(http_server, edited(grown, "post-2", "was steady", "was very low"), noise=3)
    assert check(config, data)["kinds"] == ["liveblog_edit"]
    gone = tuple(
        e for e in edited(grown, "post-2", "was steady", "was very low") if e[0] != "post-3"
    )
    serve(http_server, gone, noise=4)
    assert check(config, data)["kinds"] == ["liveblog_edit"]
    summaries = [a["diff"]["summary"] for a in alerts(data)]
    assert summaries == [
        f"Live blog entry 2026-12-01 09:30 UTC edited: {HEADLINE}",
        f"Live blog entry 2026-12-01 10:05 UTC deleted: {HEADLINE}",
    ]
    (block,) = alerts(data)[0]["diff"]["fields"][0]["blocks"]  # one entry, not the whole body
    assert block["label"] == "2026-12-01T09:30:00Z" and "very low" in block["new"]


def test_json_ld_live_blog_appended_oldest_first(
    http_server: LocalHTTPServer, tmp_path: Path
) -> None:
    """A `LiveBlogPosting` in `@graph` at a path with no live hint, entries oldest first: the
    JSON-LD entries are read, appended ones are updates, an edit is `liveblog_edit`."""
    page = {"json_ld": True, "newest_first": False}
    http_server.route("/2026/12/01/election", body=liveblog_page(HEADLINE, LIVE_ENTRIES, **page))
    config, data = configure(http_server, tmp_path, "/2026/12/01/election")
    check(config, data)
    grown = LIVE_ENTRIES + MORE_ENTRIES
    http_server.route("/2026/12/01/election", body=liveblog_page(HEADLINE, grown, **page))
    assert check(config, data)["kinds"] == ["liveblog_entry"]
    fixed = edited(grown, "post-6", "31 percent", "35 percent")
    http_server.route("/2026/12/01/election", body=liveblog_page(HEADLINE, fixed, **page))
    row = check(config, data)
    assert "liveblog_edit" in row["kinds"] and "figures" in row["kinds"]
    assert [a["diff"]["summary"] for a in alerts(data)] == [
        f"Live blog entry 2026-12-01 11:50 UTC edited: {HEADLINE}"
    ]
    assert stored_entries(config, data)[-1][-1] == "#post-6"


def test_updates_are_capped_and_nothing_is_lost(
    http_server: LocalHTTPServer, tmp_path: Path, store_url: str
) -> None:
    """Within `liveblog.min_interval` new entries are not stored (the check says why); an
    earlier entry's edit is stored at once with every entry that waited; after the interval
    the next update is stored (either backend)."""
    config, data = setup(http_server, tmp_path, min_interval="30m", database_url=store_url)
    check(config, data)
    for count in (1, 2):
        serve(http_server, LIVE_ENTRIES + MORE_ENTRIES[:count], noise=count)
        held = check(config, data)
        assert held["outcome"] == "unchanged" and held["version"] == 1
    assert len(stored_entries(config, data)) == 1
    assert "2 new entries not stored yet" in last_check_detail(config, data)  # history -v
    waited = edited(LIVE_ENTRIES + MORE_ENTRIES[:2], "post-1", "short queues", "long queues")
    serve(http_server, waited, noise=3)
    row = check(config, data)
    assert row["version"] == 2 and row["kinds"] == ["liveblog_edit", "liveblog_entry"]
    assert stored_entries(config, data)[-1] == ["post-5", "post-4", "post-3", "post-2", "post-1"]
    assert [a["diff"]["summary"] for a in alerts(data)] == [
        f"Live blog entry 2026-12-01 09:00 UTC edited: {HEADLINE}"
    ]
    serve(http_server, waited + MORE_ENTRIES[2:], noise=4)
    assert check(config, data)["outcome"] == "unchanged"
    configure(http_server, tmp_path, min_interval="2s", database_url=store_url)
    released = wait_for(lambda: (r := check(config, data))["outcome"] == "changed" and r, 15)
    assert released["version"] == 3 and released["kinds"] == ["liveblog_entry"]
    assert stored_entries(config, data)[-1][0] == "post-6"


def test_held_update_is_fetched_in_full_next_time(
    http_server: LocalHTTPServer, tmp_path: Path
) -> None:
    """A server that answers 304 to the held page's ETag is never sent it: the entries that
    waited are not hidden behind a Not Modified."""
    config, data = setup(http_server, tmp_path, min_interval="1h")
    body = liveblog_page(HEADLINE, LIVE_ENTRIES + MORE_ENTRIES, noise=1)

    def etagged(request: RecordedRequest) -> Response:
        if request.headers.get("If-None-Match") == '"grown"':
            return Response(304, headers={"ETag": '"grown"'})
        return Response(200, headers={**HTML, "ETag": '"grown"'}, body=body)

    check(config, data)
    http_server.route(PATH, handler=etagged)
    assert check(config, data)["outcome"] == "unchanged"
    assert check(config, data)["outcome"] == "unchanged"  # full page again, still held
    assert all(r.headers.get("If-None-Match") is None for r in http_server.requests(PATH))


def test_page_becomes_a_live_blog_and_stops_being_one(
    http_server: LocalHTTPServer, tmp_path: Path
) -> None:
    """An article that turns into a live blog is one change saying so; its entries are then
    updates; when it is a plain article again, that is an edit (and alerts)."""
    http_server.route("/news/election", body=article_page(HEADLINE, BODY), headers=HTML)
    config, data = configure(http_server, tmp_path, "/news/election")
    check(config, data)
    six = LIVE_ENTRIES + MORE_ENTRIES
    http_server.route("/news/election", body=liveblog_page(HEADLINE, six[:5]), headers=HTML)
    became = check(config, data)
    assert became["outcome"] == "changed" and "liveblog_entry" in became["kinds"]
    assert "paragraph_added" in became["kinds"]
    http_server.route("/news/election", body=liveblog_page(HEADLINE, six), headers=HTML)
    assert check(config, data)["kinds"] == ["liveblog_entry"]
    http_server.route("/news/election", body=article_page(HEADLINE, BODY), headers=HTML)
    ended = check(config, data)
    assert "liveblog_edit" in ended["kinds"] and ended["version"] == 1  # back to the article
    became_alert, ended_alert = alerts(data)
    assert "the page is now a live blog (5 entries)" in became_alert["diff"]["details"]
    assert ended_alert["diff"]["summary"] == f"No longer a live blog: {HEADLINE}"


def test_alert_on_liveblog_entry_opts_in(http_server: LocalHTTPServer, tmp_path: Path) -> None:
    """`alert_on: [liveblog_entry]` alerts on every stored update, naming how many entries."""
    config, data = setup(http_server, tmp_path, alert_on=["liveblog_entry"])
    check(config, data)
    serve(http_server, LIVE_ENTRIES + MORE_ENTRIES, noise=1)
    assert check(config, data)["kinds"] == ["liveblog_entry"]
    (alert,) = alerts(data)
    assert alert["diff"]["summary"] == f"Live blog updated (3 new entries): {HEADLINE}"
    assert [b["label"] for b in alert["diff"]["fields"][0]["blocks"]] == [
        "2026-12-01T11:50:00Z",
        "2026-12-01T11:15:00Z",
        "2026-12-01T10:40:00Z",
    ]

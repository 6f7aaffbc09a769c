"""Extractor upgrades through `editwatch check` against a local site (either backend): a state
stored by an older release, which read the page differently, is read again from its stored
page, so the first check after an upgrade alerts only on what the newsroom changed.

The older release is the real extractor plus the one thing it did differently (it read a
photo caption as a paragraph), under an older EXTRACTOR_VERSION: configuration, not the thing
under test.
"""

from __future__ import annotations

import asyncio
import html
import json
import os
import re
import signal
import subprocess
import sys
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from tests.configs import write_config
from tests.httpserver import LocalHTTPServer
from tests.pages import BODY, article_page
from tests.waiting import wait_for
from tests.webdata import WebStore
from tests.webdata import serve as serve_viewer
from worker import pipeline
from worker.cli import cli
from worker.config import load_settings
from worker.extract import EXTRACTOR_VERSION
from worker.fetch import make_client
from worker.models import Article, Capture, CheckResult, Watch
from worker.normalize import fingerprint
from worker.pipeline import check as check_module
from worker.pipeline import identity, record, reread
from worker.pipeline.context import Target
from worker.store import NewChange, Store
from worker.store.schema import evidence, version_pages, versions
from worker.store.sql import database_url_for
from worker.web import Access

HTML = {"Content-Type": "text/html; charset=utf-8"}
PATH = "/2026/11/council-budget"
OLD_RELEASE = "editwatch-extract/1.1"
WIDGET = "Council members during the vote in the city hall chamber on Tuesday evening."
EDITED = (BODY[0], BODY[1].replace("two new libraries", "one new library"), *BODY[2:])


def run(config: Path, data: Path, *args: str) -> str:
    result = CliRunner().invoke(cli, ["--config", str(config), "--data", str(data), *args])
    assert result.exit_code == 0, result.output
    return result.stdout


def check(config: Path, data: Path) -> dict[str, Any]:
    (row,) = [json.loads(line) for line in run(config, data, "check", "--json").splitlines()]
    return row  # type: ignore[no-any-return]


def alerts(data: Path) -> list[dict[str, Any]]:
    path = data / "alerts.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


@pytest.fixture
def site(
    http_server: LocalHTTPServer, tmp_path: Path, store_url: str
) -> Iterator[tuple[Path, Path]]:
    """(config, data) of one watch whose page was first checked by the older release."""
    http_server.route(PATH, body=article_page("Budget passes", BODY), headers=HTML)
    yield from checked_by_the_old_release(http_server, tmp_path, store_url)


def checked_by_the_old_release(
    http_server: LocalHTTPServer, tmp_path: Path, store_url: str
) -> Iterator[tuple[Path, Path]]:
    """(config, data) of one watch on PATH (as served now), checked by the older release."""
    config = write_config(
        tmp_path / "config",
        [{"url": http_server.url(PATH), "name": "budget"}],
        extra={"database_url": store_url},
    )
    data = tmp_path / "data"
    old_release_check(config, data)
    yield config, data


def open_store(config: Path, data: Path) -> Store:
    settings = load_settings(config, data)
    return Store(database_url_for(settings.data_dir, settings.database_url))


def test_unchanged_page_after_an_upgrade_is_no_edit(
    http_server: LocalHTTPServer, site: tuple[Path, Path]
) -> None:
    """The same page after the upgrade: no alert, the re-read stored as v2 marked as v1's
    page read again (not a change, in the evidence chain), the schedule's last change
    untouched; then unchanged."""
    config, data = site
    with open_store(config, data) as store:
        (before,) = store.list_watches()
    http_server.route(PATH, body=article_page("Budget passes", BODY, noise=1), headers=HTML)
    first = check(config, data)
    assert (first["outcome"], first["version"]) == ("unchanged", 2)
    with open_store(config, data) as store:
        stored = store.versions(before.id)[1]
    assert stored.last_seen >= stored.first_seen  # its check started earlier: not moved back
    assert (check(config, data)["outcome"], alerts(data)) == ("unchanged", [])
    with open_store(config, data) as store:
        (watch,) = store.list_watches()
        old, reread = store.versions(watch.id)
        assert store.changes(watch.id) == []
        pages = [store.raw_html(v.id) for v in (old, reread)]
        _, problems = store.verify_evidence(watch.id)
    assert (old.extractor_version, old.reread_of) == (OLD_RELEASE, None)
    assert (reread.extractor_version, reread.reread_of) == (EXTRACTOR_VERSION, 1)
    assert WIDGET in old.article.paragraphs and WIDGET not in reread.article.paragraphs
    assert pages[0] == pages[1]  # the re-read is of v1's page, as fetched then
    assert watch.last_changed_at == before.last_changed_at
    assert problems == []  # the re-read is in the evidence chain, vouched by v1's fetch


def test_edit_after_an_upgrade_alerts_with_only_the_edit(
    http_server: LocalHTTPServer, site: tuple[Path, Path]
) -> None:
    """An edited page after the upgrade: one alert, from the re-read (v2) to the edit (v3),
    whose diff names the newsroom's words and not the line the old release read."""
    config, data = site
    http_server.route(PATH, body=article_page("Budget passes", EDITED, noise=1), headers=HTML)
    result = check(config, data)
    assert (result["outcome"], result["version"]) == ("changed", 3)
    (alert,) = alerts(data)
    assert (alert["old_version"], alert["new_version"]) == (2, 3)
    diff = json.dumps(alert["diff"])
    assert "one new library" in diff and "two new libraries" in diff
    assert "city hall chamber" not in diff
    assert "city hall chamber" not in run(config, data, "diff", "budget")


def test_a_check_behind_another_workers_edit_marks_that_edit_seen(
    http_server: LocalHTTPServer, site: tuple[Path, Path]
) -> None:
    """Worker B read v1 (older release) as current; worker A then checks the edited page (the
    re-read v2, the edit v3). B's fetch finds the same edit: its re-read of v1 stores nothing,
    it compares with A's v3 and is unchanged, so v3's ``last_seen`` is B's check, not A's."""
    config, data = site
    http_server.route(PATH, body=article_page("Budget passes", EDITED, noise=1), headers=HTML)
    settings = load_settings(config, data)
    with open_store(config, data) as store:
        (target,) = pipeline.targets_for(store, settings.watches)
        behind = check_module.CheckBatch.read(store, [target])  # B: v1 current
        assert check(config, data)["version"] == 3  # A
        a_saw = store.versions(target.id)[2].last_seen

        async def worker_b() -> CheckResult:
            async with make_client(settings.fetch) as client:
                context = pipeline.Context(settings, store, client, gate=pipeline.LocalGate(2))
                return await pipeline.check_watch(target, context, behind)

        result = asyncio.run(worker_b())
        store.record_checks(behind.rows)
        (b_check, *_) = store.checks(target.id)
        edit = store.versions(target.id)[2]
    assert (result.outcome, result.version, edit.number) == ("unchanged", 3, 3)
    assert edit.last_seen == b_check.started_at > a_saw


def test_pruned_page_alerts_saying_the_extractor_changed(
    http_server: LocalHTTPServer, site: tuple[Path, Path]
) -> None:
    """v1 has no stored page (as after an import without pages, or a return to a state whose
    page retention dropped), so it cannot be read again: the difference is alerted, and the
    alert says the extractor changed since v1 and part of it may be editwatch's."""
    config, data = site
    settings = load_settings(config, data)
    engine = sa.create_engine(database_url_for(settings.data_dir, settings.database_url))
    with engine.begin() as connection:
        connection.execute(version_pages.delete())
    engine.dispose()
    http_server.route(PATH, body=article_page("Budget passes", BODY, noise=1), headers=HTML)
    assert check(config, data)["outcome"] == "changed"
    (alert,) = alerts(data)
    (note, *_) = alert["diff"]["details"]
    assert f"extractor changed since v1 was stored ({OLD_RELEASE} -> {EXTRACTOR_VERSION})" in note
    assert "not an edit" in note
    across = f"v1 and v2 were read by different extractors ({OLD_RELEASE} -> {EXTRACTOR_VERSION})"
    assert across in " ".join(run(config, data, "diff", "budget").split())  # the CLI says so too


def test_history_diff_web_and_api_show_the_reread_as_no_edit(
    http_server: LocalHTTPServer, site: tuple[Path, Path]
) -> None:
    """After a re-read, `history`, `diff`, the timeline, the diff page, the API and the Atom
    feed all say v2 is v1's page read again: no change, no alert, no feed entry, no diff."""
    config, data = site
    http_server.route(PATH, body=article_page("Budget passes", BODY, noise=1), headers=HTML)
    check(config, data)
    rows = [
        json.loads(line) for line in run(config, data, "history", "budget", "--json").splitlines()
    ]
    said = f"v2 is v1's page read again by {EXTRACTOR_VERSION}: an extractor re-read, not an edit"
    assert [(r["version"], r["from_version"], r["kinds"], r["reread_of"]) for r in rows] == [
        (1, None, [], None),
        (2, 1, [], 1),
    ]
    assert "extractor re-read, not an edit" in " ".join(
        run(config, data, "history", "budget").split()
    )
    assert run(config, data, "diff", "budget").strip() == said
    stored = WebStore(config, data, load_settings(config, data), "")
    with serve_viewer(stored, Access(token=None, loopback=True)) as base:
        (watch,) = httpx.get(f"{base}/api/v1/watches").json()["watches"]
        api = f"{base}/api/v1/watches/{watch['id']}"
        listed = httpx.get(f"{api}/versions").json()
        diff = httpx.get(f"{api}/diff").json()
        timeline = httpx.get(f"{base}/w/{watch['id']}").text
        diff_page = httpx.get(f"{base}/w/{watch['id']}/diff/1/2").text
        version_page = httpx.get(f"{base}/w/{watch['id']}/v/2").text
        feed = httpx.get(f"{base}/feeds/watch/{watch['id']}.atom").text
    assert [v["reread_of"] for v in listed] == [None, 1]
    assert (diff["changed"], diff["reread"]) == (False, said)
    assert said in html.unescape(timeline) and said in html.unescape(diff_page)
    assert "city hall chamber" not in diff_page.split("Every field")[0]
    assert "an extractor re-read, not an edit" in version_page
    assert "<entry>" not in feed


def read_with_the_site_name(
    http_server: LocalHTTPServer, tmp_path: Path, store_url: str
) -> tuple[Path, Path]:
    """A watch whose v1 the older release read with the site's name in the headline."""
    http_server.route(PATH, body=article_page("Budget passes", BODY), headers=HTML)
    config = write_config(
        tmp_path / "config",
        [{"url": http_server.url(PATH), "name": "budget"}],
        extra={"database_url": store_url},
    )
    data = tmp_path / "data"
    old_release_check(config, data, headline="Budget passes | City Desk")
    return config, data


def test_a_reread_headline_is_no_headline_change_but_the_next_edit_is_from_it(
    http_server: LocalHTTPServer, tmp_path: Path, store_url: str
) -> None:
    """The older release read the headline with the site's name (v1). After the upgrade a body
    edit is checked: v1 read again (v2, headline without the name) and the edit (v3). The
    timeline's headline list shows v2 as a re-read note, not a headline change, lists nothing
    for v3 (it kept v2's headline), and lists the real rewrite (v4); no alert, feed entry or
    API change claims a headline change before v4."""
    config, data = read_with_the_site_name(http_server, tmp_path, store_url)
    http_server.route(PATH, body=article_page("Budget passes", EDITED, noise=1), headers=HTML)
    assert check(config, data)["version"] == 3
    http_server.route(PATH, body=article_page("Budget approved", EDITED), headers=HTML)
    assert check(config, data)["version"] == 4
    assert [(a["new_version"], "headline" in a["kinds"]) for a in alerts(data)] == [
        (3, False),
        (4, True),
    ]
    stored = WebStore(config, data, load_settings(config, data), "")
    with serve_viewer(stored, Access(token=None, loopback=True)) as base:
        (watch,) = httpx.get(f"{base}/api/v1/watches").json()["watches"]
        timeline = httpx.get(f"{base}/w/{watch['id']}").text
        retitled = httpx.get(f"{base}/api/v1/changes", params={"kind": "headline"}).json()
        feed = httpx.get(f"{base}/feeds/watch/{watch['id']}.atom").text
    listed = timeline.split("<h2>Headlines</h2>")[1].split("</ol>")[0]
    items = [" ".join(html.unescape(re.sub(r"<[^>]+>", " ", li)).split()) for li in
             re.findall(r"<li.*?</li>", listed, re.S)]  # fmt: skip
    said = f"v2 is v1's page read again by {EXTRACTOR_VERSION}: an extractor re-read, not an edit"
    assert [item.split(" ", 3)[3] for item in items] == [  # past the date and time
        "v1 Budget passes | City Desk",
        f"v2 Budget passes {said}; the headline as this release reads it",
        "v4 Budget approved",
    ]
    assert '<li class="reread">' in listed
    assert [(c["old_headline"], c["new_headline"]) for c in retitled["changes"]] == [
        ("Budget passes", "Budget approved")
    ]
    assert feed.count("<entry>") == 2 and "City Desk" not in feed


def test_a_restoration_read_by_the_new_release_lists_no_headline_change(
    http_server: LocalHTTPServer, tmp_path: Path, store_url: str
) -> None:
    """The older release read the headline with the site's name (v1); the page is then
    removed (v2) and comes back byte for byte (v3), read by this release. The restoration is
    compared with v1's page read again, so it records no headline change, and the timeline's
    headline list claims none either: the newsroom never retitled the story."""
    config, data = read_with_the_site_name(http_server, tmp_path, store_url)
    http_server.route(PATH, body="gone", status=404)
    check(config, data)
    http_server.route(PATH, body=article_page("Budget passes", BODY), headers=HTML)
    check(config, data)
    assert not any("headline" in a["kinds"] for a in alerts(data))
    stored = WebStore(config, data, load_settings(config, data), "")
    with serve_viewer(stored, Access(token=None, loopback=True)) as base:
        (watch,) = httpx.get(f"{base}/api/v1/watches").json()["watches"]
        timeline = httpx.get(f"{base}/w/{watch['id']}").text
    listed = timeline.split("<h2>Headlines</h2>")[1].split("</ol>")[0]
    items = [" ".join(html.unescape(re.sub(r"<[^>]+>", " ", li)).split()) for li in
             re.findall(r"<li.*?</li>", listed, re.S)]  # fmt: skip
    assert [item.split(" ", 3)[3] for item in items] == ["v1 Budget passes | City Desk"]


def test_diff_json_and_diffs_across_extractors_say_what_they_are(
    http_server: LocalHTTPServer, site: tuple[Path, Path]
) -> None:
    """`diff --format json` of the re-read pair is the API's JSON with its note; the note is
    printed as plain text (the extractor name comes from the database); a diff from v1 (the
    older release) to the edit v3, in the CLI and the API, says first that two extractors
    read them."""
    config, data = site
    http_server.route(PATH, body=article_page("Budget passes", EDITED, noise=1), headers=HTML)
    assert check(config, data)["version"] == 3
    said = f"v2 is v1's page read again by {EXTRACTOR_VERSION}: an extractor re-read, not an edit"
    pair = json.loads(run(config, data, "diff", "budget", "--to", "2", "--format", "json"))
    assert (pair["changed"], pair["reread"], pair["meta"]["new_version"]) == (False, said, 2)
    across = f"v1 and v3 were read by different extractors ({OLD_RELEASE} -> {EXTRACTOR_VERSION})"
    assert across in " ".join(
        run(config, data, "diff", "budget", "--from", "1", "--to", "3").split()
    )
    assert across not in run(config, data, "diff", "budget")  # v2 -> v3: the alert's own diff
    stored = WebStore(config, data, load_settings(config, data), "")
    with serve_viewer(stored, Access(token=None, loopback=True)) as base:
        (watch,) = httpx.get(f"{base}/api/v1/watches").json()["watches"]
        api = httpx.get(f"{base}/api/v1/watches/{watch['id']}/diff?from=1&to=3").json()
    assert api["details"][0].startswith(across)
    settings = load_settings(config, data)
    engine = sa.create_engine(database_url_for(settings.data_dir, settings.database_url))
    with engine.begin() as connection:
        rename = versions.update().where(versions.c.number == 2)
        connection.execute(rename.values(extractor_version="[bold]x[/bold]\x1b[2J"))
    engine.dispose()
    shown = run(config, data, "diff", "budget", "--to", "2")
    assert "read again by [bold]x[/bold][2J" in shown and "\x1b" not in shown


def test_the_stored_page_is_decoded_as_its_answer_said(
    http_server: LocalHTTPServer, tmp_path: Path, store_url: str
) -> None:
    """A windows-1252 page whose header names its charset (its <meta> wrongly says UTF-8) is
    read again in windows-1252, so the unchanged page is unchanged, not a mojibake edit."""
    latin = ("Le café du conseil a voté le budget à l'unanimité mardi soir.", *BODY[1:])
    page = article_page("Budget passé", latin).decode("utf-8").encode("cp1252")
    headers = {"Content-Type": "text/html; charset=windows-1252"}
    http_server.route(PATH, body=page, headers=headers)
    config, data = next(checked_by_the_old_release(http_server, tmp_path, store_url))
    assert (check(config, data)["outcome"], alerts(data)) == ("unchanged", [])


def test_a_restoration_after_an_upgrade_alerts_no_extractor_difference(
    http_server: LocalHTTPServer, site: tuple[Path, Path]
) -> None:
    """v1 (older release), then the page answers 404 under this release (removed, v2), then
    it returns unchanged: the restoration is compared with v1's page read again, so its
    alert names no line the old release read."""
    config, data = site
    http_server.route(PATH, status=404, body=b"gone")
    assert check(config, data)["kinds"] == ["removed"]
    http_server.route(PATH, body=article_page("Budget passes", BODY, noise=1), headers=HTML)
    assert check(config, data)["kinds"] == ["restored"]
    _, restored = alerts(data)
    assert "city hall chamber" not in json.dumps(restored)


def test_verify_names_a_real_edit_marked_as_a_reread(
    http_server: LocalHTTPServer, site: tuple[Path, Path]
) -> None:
    """``reread_of`` is not in the hashed evidence; set on the edit (v3) it would show the edit
    as "not an edit". Verify names it: its page is not v2's, the re-read v2's is v1's."""
    config, data = site
    http_server.route(PATH, body=article_page("Budget passes", EDITED, noise=1), headers=HTML)
    assert check(config, data)["version"] == 3
    with open_store(config, data) as store:
        (watch,) = store.list_watches()
        assert store.verify_evidence(watch.id)[1] == []
    settings = load_settings(config, data)
    engine = sa.create_engine(database_url_for(settings.data_dir, settings.database_url))
    with engine.begin() as connection:
        connection.execute(versions.update().where(versions.c.number == 3).values(reread_of=2))
    engine.dispose()
    with open_store(config, data) as store:
        (problem,) = store.verify_evidence(watch.id)[1]
    assert (problem.number, problem.message) == (
        3,
        "is marked a re-read of version 2 but its page is not",
    )


def test_a_reread_of_a_page_without_evidence_makes_none_up(store: Store) -> None:
    """A state stored without an evidence record (an import, a state from before evidence)
    read again: the re-read has no record either (none with no status, no headers and the
    first-seen time as its fetch), and the evidence verifies."""
    target = stored_by_the_old_release(store, (WIDE, b"<p>one</p>"))
    current = store.current_version(target.id)
    assert current is not None
    assert reread.baseline(target, current, lambda html, url: PLAIN, store).reread_from == 1
    assert store.evidence(target.id) == []
    assert store.verify_evidence(target.id)[1] == []


def test_a_page_whose_charset_is_unknown_is_not_read_again(
    http_server: LocalHTTPServer, tmp_path: Path, store_url: str
) -> None:
    """The windows-1252 page, its charset named only by the answer's header, stored without
    an evidence record (an imported export, a state from before evidence): decoding it as
    UTF-8 would store a garbled re-read and alert every accented word. It is not read again:
    the difference is alerted with the note that the old page could not be read again."""
    latin = ("Le café du conseil a voté le budget à l'unanimité mardi soir.", *BODY[1:])
    page = article_page("Budget passé", latin).decode("utf-8").encode("cp1252")
    page = page.replace(b'<meta charset="utf-8">', b"")
    http_server.route(PATH, body=page, headers={"Content-Type": "text/html; charset=windows-1252"})
    config, data = next(checked_by_the_old_release(http_server, tmp_path, store_url))
    settings = load_settings(config, data)
    engine = sa.create_engine(database_url_for(settings.data_dir, settings.database_url))
    with engine.begin() as connection:
        connection.execute(evidence.delete())
    engine.dispose()
    assert check(config, data)["outcome"] == "changed"
    (alert,) = alerts(data)
    (note, *_) = alert["diff"]["details"]
    assert "has no record of its charset" in note
    assert "\ufffd" not in json.dumps(alert, ensure_ascii=False)  # no mojibake read
    with open_store(config, data) as store:
        (watch,) = store.list_watches()
        assert [v.reread_of for v in store.versions(watch.id)] == [None, None]


@pytest.mark.slow
def test_the_celery_worker_reads_the_old_state_again_too(
    http_server: LocalHTTPServer, tmp_path: Path, redis_url: str
) -> None:
    """A state stored by the older release, then a real Celery worker (this release): its
    checks alert nothing on the unchanged page; an edit reaches the webhook once, from the
    re-read v2 to v3, with only the newsroom's words in its diff."""
    http_server.route(PATH, body=article_page("Budget passes", BODY), headers=HTML)
    http_server.route("/hook", status=204)
    config = write_config(
        tmp_path / "config",
        [{"url": http_server.url(PATH), "name": "budget", "interval": "1s"}],
        channels={"hook": {"type": "webhook", "url": http_server.url("/hook")}},
        defaults={"interval": "1h", "channels": ["hook"]},
        extra={"schedule": {"tick": "0.5s"}},
    )
    data = tmp_path / "data"
    old_release_check(config, data)
    with celery_worker(config, data, redis_url, tmp_path / "worker.log"):
        wait_for(lambda: http_server.count(PATH) >= 3, timeout=60)  # read again, rechecked
        assert http_server.count("/hook") == 0
        http_server.route(PATH, body=article_page("Budget passes", EDITED, noise=2), headers=HTML)
        wait_for(lambda: http_server.count("/hook") >= 1, timeout=60)
    (request,) = http_server.requests("/hook")
    payload = json.loads(request.body)
    assert (payload["old_version"], payload["new_version"]) == (2, 3)
    assert "one new library" in request.body.decode() and "city hall" not in request.body.decode()


def old_release_check(config: Path, data: Path, *, headline: str | None = None) -> None:
    """One `editwatch check` by the older release (see the module docstring); with a
    ``headline``, that release also read the page's headline as that."""
    real = check_module.extract_article

    def old_release(*args: Any, **kwargs: Any) -> Article:
        article = real(*args, **kwargs)
        article = replace(article, paragraphs=(*article.paragraphs, WIDGET))
        return article if headline is None else replace(article, headline=headline)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(check_module, "extract_article", old_release)
        patch.setattr(record, "EXTRACTOR_VERSION", OLD_RELEASE)
        assert check(config, data)["outcome"] == "new"


@contextmanager
def celery_worker(config: Path, data: Path, redis_url: str, log_path: Path) -> Iterator[None]:
    """`celery -A worker.app worker --beat` on ``config`` and ``data`` while the block runs."""
    env = {
        **os.environ,
        "EDITWATCH_CONFIG_DIR": str(config),
        "EDITWATCH_DATA_DIR": str(data),
        "EDITWATCH_BROKER_URL": redis_url,
        "EDITWATCH_LOG_FORMAT": "json",
    }
    command = [sys.executable, "-m", "celery", "-A", "worker.app", "worker", "--beat"]
    command += ["--concurrency=2", f"--schedule={data / 'beat'}", "--loglevel=INFO"]
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        yield
        assert process.poll() is None, log_path.read_text()
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def stored_by_the_old_release(store: Store, *pages: tuple[Article, bytes]) -> Target:
    """A watch whose states (article, page) were stored in turn by the older release."""
    watch = Watch(url=f"http://news.test{PATH}", name="budget", interval=60)
    target = Target(store.sync_watches([watch])[watch.url], watch)
    for n, (article, page) in enumerate(pages):
        store.save_state(
            target.id,
            article=article,
            fingerprint=state_print(article, watch.url),
            raw_html=page,
            extractor_version=OLD_RELEASE,
            seen_at=datetime(2026, 11, 20, 8 + n, tzinfo=UTC),
            change=NewChange(("body",), "minor", False, {}) if n else None,
        )
    return target


def state_print(article: Article, url: str) -> str:
    return identity.state_fingerprint(fingerprint(article), article.canonical_url, url)


PLAIN = Article(headline="Budget passes", paragraphs=BODY, canonical_url=f"http://news.test{PATH}")
WIDE = replace(PLAIN, paragraphs=(*BODY, WIDGET))


def test_a_reread_that_reads_as_an_older_state_does_not_move_current_back(store: Store) -> None:
    """v2's page read by this release reads as v1: nothing is stored and ``current`` stays
    v2 (reusing v1 would move it back and call v1 a re-read); v2's reading is compared with,
    saying so, and no re-read is claimed."""
    target = stored_by_the_old_release(store, (PLAIN, b"<p>one</p>"), (WIDE, b"<p>two</p>"))
    current = store.current_version(target.id)
    assert current is not None
    base = reread.baseline(target, current, lambda html, url: PLAIN, store)
    assert store.current_version(target.id) == current
    assert [v.reread_of for v in store.versions(target.id)] == [None, None]
    assert (base.current.number, base.current.article, base.reread_from) == (2, PLAIN, None)
    assert "reads as an older stored state (as v1)" in base.unchanged_why()
    assert "stored as" not in base.unchanged_why()


def test_a_page_that_reads_as_an_older_state_is_read_again_once(store: Store) -> None:
    """Nothing is stored for such a page, so the next checks would read it again every time (a
    second extraction and a write lock per check): the process remembers the reading."""
    target = stored_by_the_old_release(store, (PLAIN, b"<p>one</p>"), (WIDE, b"<p>two</p>"))
    current = store.current_version(target.id)
    assert current is not None
    reads: list[str | bytes] = []

    def counted(html: str | bytes, url: str) -> Article:
        reads.append(html)
        return PLAIN

    first = reread.baseline(target, current, counted, store)
    again = reread.baseline(target, current, counted, store)
    assert reads == [b"<p>two</p>".decode()] and again == first and again.known


def test_a_reread_from_a_stale_current_stores_nothing(store: Store) -> None:
    """Two workers read v1 (older release) as current; A stores the re-read (v2) and an edit
    (v3); B's re-read of v1 then stores nothing, leaves v3 current and compares with v3."""
    target = stored_by_the_old_release(store, (WIDE, b"<p>one</p>"))
    stale = store.current_version(target.id)
    assert stale is not None
    assert reread.baseline(target, stale, lambda html, url: PLAIN, store).reread_from == 1
    edited = replace(PLAIN, paragraphs=EDITED)
    store.save_state(
        target.id,
        article=edited,
        fingerprint=state_print(edited, target.watch.url),
        raw_html=b"<p>three</p>",
        extractor_version=EXTRACTOR_VERSION,
        seen_at=datetime(2026, 11, 21, tzinfo=UTC),
        change=NewChange(("body",), "minor", False, {}),
    )
    base = reread.baseline(target, stale, lambda html, url: PLAIN, store)
    now = store.current_version(target.id)
    assert now is not None and (now.number, base.current.number) == (3, 3)
    assert len(store.versions(target.id)) == 3


def back_to_a_page_older_than_its_evidence(store: Store) -> Target:
    """v1 stored before evidence (no record), v2 with one; then the page returns to v1's."""
    target = stored_by_the_old_release(store, (WIDE, b"<p>one</p>"))
    second = replace(WIDE, headline="Budget fails")
    capture = Capture(url=target.watch.url, final_url=target.watch.url, status=200,
                      fetched_at=datetime(2026, 11, 20, 9, tzinfo=UTC))  # fmt: skip
    for article, page, when in ((second, b"<p>two</p>", 9), (WIDE, b"<p>one</p>", 10)):
        store.save_state(
            target.id,
            article=article,
            fingerprint=state_print(article, target.watch.url),
            raw_html=page,
            extractor_version=OLD_RELEASE,
            seen_at=datetime(2026, 11, 20, when, tzinfo=UTC),
            change=NewChange(("headline",), "major", False, {}),
            capture=replace(capture, fetched_at=datetime(2026, 11, 20, when, tzinfo=UTC)),
        )
    return target


def test_verify_passes_a_reread_of_a_page_older_than_its_evidence(store: Store) -> None:
    """v1 has no evidence record (stored before evidence), v2 has one; the page returns to v1's
    state, and this release re-reads v1's page (v3, no record, as v1 has none): verify passes
    it. The same version without v1's page would be an insertion, and is named."""
    target = back_to_a_page_older_than_its_evidence(store)
    current = store.current_version(target.id)
    assert current is not None and current.number == 1
    assert reread.baseline(target, current, lambda html, url: PLAIN, store).reread_from == 1
    assert store.verify_evidence(target.id)[1] == []
    (reread_version,) = [v for v in store.versions(target.id) if v.reread_of]
    engine = sa.create_engine(store.url)  # tampering behind the store's back
    with engine.begin() as connection:
        connection.execute(
            version_pages.update()
            .where(version_pages.c.version_id == reread_version.id)
            .values(raw_html=zlib.compress(b"<p>forged</p>"))
        )
    engine.dispose()
    (problem,) = store.verify_evidence(target.id)[1]
    assert (problem.number, problem.message) == (3, "has no evidence record (it was inserted)")


def test_verify_passes_that_reread_after_retention_dropped_its_source_page(store: Store) -> None:
    """The same history, then retention drops the pages of versions no longer current (v1 and
    v2; the re-read v3 is current): with no bytes left to compare, verify still finds nothing
    inserted, as it does for any pruned page."""
    target = back_to_a_page_older_than_its_evidence(store)
    current = store.current_version(target.id)
    assert current is not None
    assert reread.baseline(target, current, lambda html, url: PLAIN, store).reread_from == 1
    report = store.prune_raw_html(0.0, apply=True, now=datetime(2027, 1, 1, tzinfo=UTC))
    assert report.versions == 2
    (reread_version,) = [v for v in store.versions(target.id) if v.reread_of]
    assert store.raw_html(reread_version.id) is not None
    assert store.verify_evidence(target.id)[1] == []

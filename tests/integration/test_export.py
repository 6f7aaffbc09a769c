"""`editwatch export` / `import`: the history leaves and comes back identical; NewsEdits rows."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.configs import write_config
from worker.cli import cli
from worker.diff import compare
from worker.errors import StoreError
from worker.models import Article, Validators, Watch
from worker.store import NewAlert, NewChange, Store
from worker.store.export import ExportFilter

T0 = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
FIRST = Article(
    headline="Mayor resigns",
    byline="By Ann Lee",
    paragraphs=("The mayor resigned on Monday. She gave no reason.", "Council meets Friday."),
)
SECOND = Article(
    headline="Mayor resigns amid inquiry",
    byline="By Ann Lee",
    paragraphs=(
        "The mayor resigned on Monday. She gave no reason for leaving.",
        "An inquiry opened last week.",
    ),
)


def record(store: Store, url: str, states: list[Article], start: datetime) -> int:
    """A watch with these states in order, a check for each, and a change between each two."""
    watch_id = store.sync_watches([Watch(url=url, name=url.rsplit("/", 1)[-1], interval=60)])[url]
    for n, article in enumerate(states):
        when = start + timedelta(hours=n)
        previous = store.current_version(watch_id)
        change = None
        if previous is not None:
            found = compare(previous.article, article)
            assert found is not None
            change = NewChange(found.kinds, found.significance, False, {"n": n, "ü": "é"})
        store.save_state(
            watch_id, article=article, fingerprint=f"{url}#{n}",
            raw_html=f"<html><h1>{article.headline}</h1></html>".encode(),
            extractor_version="1.1", seen_at=when, change=change,
            alert=NewAlert({"n": n}, ("hook",), None) if change else None,
        )  # fmt: skip
        store.record_check(
            watch_id, started_at=when, duration_ms=10.0 + n, status=200, nbytes=100 + n,
            outcome="changed" if change else "new", error=None,
            validators=Validators(etag=f'"{n}"', last_modified="Fri, 20 Nov 2026 08:00:00 GMT"),
        )  # fmt: skip
    return watch_id


@pytest.fixture
def filled(store: Store) -> Store:
    record(store, "http://news.test/mayor", [FIRST, SECOND], T0)
    record(store, "http://news.test/other", [FIRST], T0 + timedelta(days=3))
    return store


def test_export_then_import_reproduces_every_line(filled: Store, tmp_path: Path) -> None:
    """Exporting, importing into an empty database and exporting again gives the same lines."""
    lines = list(filled.export_lines(ExportFilter(raw_html=True)))
    with Store(f"sqlite:///{tmp_path / 'copy.db'}") as copy:
        counts = copy.import_lines(lines, "export.jsonl")
        assert (counts.watch, counts.version, counts.change, counts.check) == (2, 3, 1, 3)
        assert list(copy.export_lines(ExportFilter(raw_html=True))) == lines
        watch = copy.get_watch_by_url_or_name("http://news.test/mayor")
        assert watch is not None and watch.current_version == 2
        assert [v.article for v in copy.versions(watch.id)] == [FIRST, SECOND]
        newest = copy.current_version(watch.id)
        assert newest is not None
        assert copy.raw_html(newest.id) == b"<html><h1>Mayor resigns amid inquiry</h1></html>"


def test_an_export_from_before_reread_of_imports_with_it_null(
    filled: Store, tmp_path: Path
) -> None:
    """An export written under schema 0005 has no ``reread_of`` (added by 0006): it imports,
    the versions are no re-reads, and exporting again gives the lines with it (null). The
    same line under a 0006 header is still refused as missing a field."""
    lines = [json.loads(line) for line in filled.export_lines(ExportFilter())]
    old = [{**r, "schema": "0005"} if r["type"] == "header" else dict(r) for r in lines]
    for r in old:
        if r["type"] == "version":
            del r["reread_of"]
    with Store(f"sqlite:///{tmp_path / 'old.db'}") as copy:
        assert copy.import_lines([json.dumps(r) for r in old], "old.jsonl").version == 3
        again = [json.loads(line) for line in copy.export_lines(ExportFilter())]
        assert again[1:] == lines[1:]
        watch = copy.get_watch_by_url_or_name("http://news.test/mayor")
        assert watch is not None
        assert [v.reread_of for v in copy.versions(watch.id)] == [None, None]
    headed = [json.dumps(lines[0]), *(json.dumps(r) for r in old[1:])]
    with (
        Store(f"sqlite:///{tmp_path / 'new.db'}") as copy,
        pytest.raises(StoreError, match=r"missing \['reread_of'\]"),
    ):
        copy.import_lines(headed, "new.jsonl")


@pytest.mark.postgres
def test_import_into_postgres_continues_ids_after_the_imported_rows(
    sqlite_store: Store, pg_url: str
) -> None:
    """A SQLite history imported into PostgreSQL exports the same; new rows get fresh ids."""
    record(sqlite_store, "http://news.test/mayor", [FIRST, SECOND], T0)
    record(sqlite_store, "http://news.test/other", [FIRST], T0)
    lines = list(sqlite_store.export_lines(ExportFilter()))
    with Store(pg_url) as copy:
        copy.import_lines(lines, "export.jsonl")
        assert list(copy.export_lines(ExportFilter())) == lines
        added = copy.sync_watches([Watch(url="http://news.test/new", name="new", interval=60)])
        assert added["http://news.test/new"] == 3


def test_export_records_hashes_headers_and_optional_pages(filled: Store) -> None:
    """Versions carry fingerprint and article; watches their ETag; pages only when asked."""
    plain = [json.loads(line) for line in filled.export_lines(ExportFilter())]
    header, *records = plain
    assert header["format"] == "editwatch-export"
    versions = [r for r in records if r["type"] == "version"]
    assert versions[1]["fingerprint"] == "http://news.test/mayor#1"
    assert versions[1]["article"]["headline"] == SECOND.headline
    assert all(v["raw_html"] is None for v in versions)
    watch = next(r for r in records if r["type"] == "watch")
    assert watch["etag"] == '"1"' and watch["last_modified"].startswith("Fri")
    full = [json.loads(line) for line in filled.export_lines(ExportFilter(raw_html=True))]
    assert all(r["raw_html"] for r in full if r["type"] == "version")


def test_since_and_watch_filters_keep_the_file_importable(filled: Store, tmp_path: Path) -> None:
    """--since keeps the old version a recent change points at, so the import succeeds."""
    mayor = filled.get_watch_by_url_or_name("http://news.test/mayor")
    assert mayor is not None
    chosen = ExportFilter(watch_ids=[mayor.id], since=T0 + timedelta(minutes=30))
    lines = list(filled.export_lines(chosen))
    kinds = [json.loads(line)["type"] for line in lines]
    assert kinds.count("watch") == 1 and kinds.count("change") == 1
    assert kinds.count("version") == 2 and kinds.count("check") == 1
    with Store(f"sqlite:///{tmp_path / 'part.db'}") as copy:
        copy.import_lines(lines, "part.jsonl")
        assert len(copy.changes(mayor.id)) == 1


def test_import_refuses_a_database_with_watches_and_names_bad_lines(
    filled: Store, tmp_path: Path
) -> None:
    """Import never merges into existing data, and a broken line is reported by number."""
    lines = list(filled.export_lines(ExportFilter()))
    with pytest.raises(StoreError, match="already holds watches"):
        filled.import_lines(lines, "again.jsonl")
    with Store(f"sqlite:///{tmp_path / 'bad.db'}") as copy:
        broken = [*lines[:3], '{"type": "version", "id": 99}', *lines[3:]]
        with pytest.raises(StoreError, match=r"bad.jsonl:4: version record has missing"):
            copy.import_lines(broken, "bad.jsonl")
        assert copy.list_watches() == []  # all or nothing
        with pytest.raises(StoreError, match="header"):
            copy.import_lines(lines[1:], "headless.jsonl")


def test_cli_round_trip_and_newsedits_rows(tmp_path: Path) -> None:
    """The commands: export to a file, import into a new data dir; newsedits labels an edit."""
    config = write_config(tmp_path / "config", [])
    data, copy = tmp_path / "data", tmp_path / "copy"
    with Store.open(data) as store:
        record(store, "http://news.test/mayor", [FIRST, SECOND], T0)

    def run(data_dir: Path, *args: str) -> str:
        result = CliRunner().invoke(cli, ["--config", str(config), "--data", str(data_dir), *args])
        assert result.exit_code == 0, result.output
        return result.stdout

    dump = tmp_path / "history.jsonl"
    run(data, "export", "--raw-html", "-o", str(dump))
    run(copy, "import", str(dump))
    assert run(copy, "export", "--raw-html") == dump.read_text()
    rows = [json.loads(line) for line in run(data, "export", "--format", "newsedits").splitlines()]
    labels = {(r["sent_idx_old"], r["sent_idx_new"]): r["label"] for r in rows}
    assert labels[(-1, -1)] == "edited"  # the headline
    assert labels[(0, 0)] == "unchanged"
    assert labels[(1, 1)] == "edited"  # "She gave no reason" -> "... for leaving."
    assert labels[(2, None)] == "deleted" and labels[(None, 2)] == "added"
    assert {(r["version_old"], r["version_new"]) for r in rows} == {(1, 2)}

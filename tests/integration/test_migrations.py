"""Schema migrations: a database made by editwatch 0.x upgrades with every row kept, an old
schema is refused with the command that fixes it, and the models agree with the revisions."""

from __future__ import annotations

import multiprocessing
import shutil
import subprocess
import sys
import zlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.pool import NullPool
from sqlalchemy.schema import CreateTable

from tests.db_fixtures import drain
from tests.legacy_db import alembic_revision, build_legacy, snapshot
from worker.models import Article
from worker.store import Store, migrate
from worker.store.engine import create_store_engine
from worker.store.migrate import SchemaOutOfDate

LEGACY_COUNTS = {"watches": 3, "checks": 4, "versions": 3, "changes": 1, "notifications": 3}


def engine_for(url: str) -> sa.Engine:
    return create_store_engine(url)


def test_legacy_fixture_has_rows_of_every_table(store_url: str) -> None:
    """The 0.x fixture really holds watches, checks, versions, changes and notifications."""
    build_legacy(store_url)
    counts = {table: len(rows) for table, rows in snapshot(store_url).items()}
    assert counts == LEGACY_COUNTS
    assert alembic_revision(store_url) is None


def test_opening_a_legacy_database_is_refused_naming_the_command(store_url: str) -> None:
    """Opening a 0.x database fails with `editwatch db upgrade` in the message; nothing changes."""
    build_legacy(store_url)
    before = snapshot(store_url)
    with pytest.raises(SchemaOutOfDate, match="editwatch db upgrade") as refused:
        Store(store_url)
    assert "before migrations" in str(refused.value)
    assert snapshot(store_url) == before
    assert alembic_revision(store_url) is None


def test_upgrade_keeps_every_row_of_a_legacy_database(store_url: str) -> None:
    """db upgrade on a 0.x database reaches the head revision with every row and value kept."""
    build_legacy(store_url)
    before = snapshot(store_url)
    engine = engine_for(store_url)
    was, now = migrate.upgrade(engine)
    engine.dispose()
    assert (was.state, now.state, now.current) == ("legacy", "current", migrate.head())
    assert old_columns(snapshot(store_url), before) == before


def old_columns(
    after: dict[str, list[dict[str, Any]]], before: dict[str, list[dict[str, Any]]]
) -> dict[str, list[dict[str, Any]]]:
    """The rows of ``after`` with only the columns ``before`` had (later revisions add some)."""
    return {
        table: [{key: row[key] for key in (before[table] or [{}])[0]} for row in rows]
        for table, rows in after.items()
    }


def test_upgrade_fills_what_later_revisions_add(store_url: str) -> None:
    """A 0.x removal becomes a removed state, last_changed_at is the current version's first
    sighting, and an outbox row left 'debounced' is held for its burst."""
    build_legacy(store_url)
    engine = engine_for(store_url)
    with engine.begin() as connection:
        connection.execute(sa.text("UPDATE notifications SET state = 'debounced' WHERE id = 1"))
        connection.execute(sa.text("UPDATE versions SET fingerprint = 'removed:404' WHERE id = 1"))
    migrate.upgrade(engine)
    with engine.connect() as connection:
        states = dict(connection.execute(sa.text("SELECT id, state FROM versions")).all())
        held = connection.scalar(sa.text("SELECT state FROM notifications WHERE id = 1"))
        stamps = connection.execute(
            sa.text(
                "SELECT w.last_changed_at, v.first_seen FROM watches w"
                " JOIN versions v ON v.id = w.current_version_id"
            )
        ).all()
    engine.dispose()
    assert states[1] == "removed" and set(states.values()) <= {"live", "removed"}
    assert list(states.values()).count("removed") == 1
    assert held == "held"
    assert stamps and all(changed == seen for changed, seen in stamps)


def test_upgraded_legacy_database_works_as_a_store(store_url: str) -> None:
    """After the upgrade, old versions, pages and changes read back and new states save."""
    build_legacy(store_url)
    engine = engine_for(store_url)
    migrate.upgrade(engine)
    engine.dispose()
    with Store(store_url) as store:
        watch = store.get_watch_by_url_or_name("story a")
        assert watch is not None and watch.version_count == 2
        first, second = store.versions(watch.id)
        assert (first.article.headline, second.article.headline) == ("First", "First, updated")
        page = store.raw_html(second.id)
        assert page is not None and b"First, updated" in page
        assert [c.new_version for c in store.changes(watch.id)] == [2]
        saved = store.save_state(
            watch.id,
            article=Article(headline="Third", paragraphs=("New.",)),
            fingerprint="fp-new",
            raw_html=b"<p>third</p>",
            extractor_version="1.1",
            seen_at=datetime(2026, 12, 1, tzinfo=UTC),
            change=None,
        )
        assert saved.version_number == 3 and saved.version_id > second.id


def test_auto_upgrade_upgrades_on_open(store_url: str) -> None:
    """With auto_upgrade the store upgrades a 0.x database itself and keeps its rows."""
    build_legacy(store_url)
    before = snapshot(store_url)
    with Store(store_url, auto_upgrade=True) as store:
        assert len(store.list_watches()) == LEGACY_COUNTS["watches"]
    assert alembic_revision(store_url) == migrate.head()
    assert old_columns(snapshot(store_url), before) == before


def test_a_revision_from_a_newer_release_is_refused(store_url: str) -> None:
    """A database stamped by a newer editwatch is not touched, even with auto_upgrade."""
    Store(store_url).close()
    engine = sa.create_engine(store_url, poolclass=NullPool)
    with engine.begin() as connection:
        connection.execute(sa.text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    with pytest.raises(SchemaOutOfDate, match="newer editwatch"):
        Store(store_url, auto_upgrade=True)
    assert alembic_revision(store_url) == "9999"


def test_new_database_is_created_at_the_head_revision(store_url: str) -> None:
    """An empty database gets the tables and the head stamp on first open."""
    Store(store_url).close()
    assert alembic_revision(store_url) == migrate.head()


def test_head_read_from_file_names_is_alembics_head() -> None:
    """The head an open checks without Alembic is the one Alembic's script directory finds."""
    migrate.scripts.cache_clear()
    assert migrate.head_on_disk() == migrate.head()


def test_opening_a_current_database_does_not_import_alembic(store_url: str) -> None:
    """Every worker opens the store: creating the tables on a new database, or opening one at
    the head revision, costs no Alembic import (~8 MB in each pool process)."""
    script = (
        "import sys\n"
        "from worker.store import Store\n"
        f"Store({store_url!r}).close()\n"
        f"Store({store_url!r}).close()\n"
        "assert 'alembic' not in sys.modules\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert alembic_revision(store_url) == migrate.head()


def test_new_database_version_table_is_the_one_alembic_stamps(store_url: str) -> None:
    """A new database's ``alembic_version`` (written without Alembic) is the table Alembic's
    stamp would create on this backend, and Alembic reads the head revision from it."""
    from alembic.runtime.migration import MigrationContext

    Store(store_url).close()
    engine = sa.create_engine(store_url, poolclass=NullPool)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection)
        theirs = context.impl.version_table_impl(
            version_table="alembic_version", version_table_schema=None, version_table_pk=True
        )
        assert context.get_current_revision() == migrate.head()
    engine.dispose()

    def ddl(table: sa.Table) -> str:
        return str(CreateTable(table).compile(dialect=engine.dialect))

    assert ddl(migrate.VERSION_TABLE) == ddl(theirs)


def test_models_agree_with_the_latest_revision(store_url: str) -> None:
    """Running every revision yields exactly the models: autogenerate finds nothing to add."""
    engine = engine_for(store_url)
    migrate.run_all_revisions(engine)
    assert migrate.differences(engine) == []
    engine.dispose()


def test_upgraded_legacy_schema_matches_the_models(store_url: str) -> None:
    """A 0.x database after upgrade has the very schema a new database has."""
    build_legacy(store_url)
    engine = engine_for(store_url)
    migrate.upgrade(engine)
    assert migrate.differences(engine) == []
    engine.dispose()


def test_sqlite_table_rebuild_keeps_child_rows(sqlite_url: str) -> None:
    """The SQLite batch rebuild of versions (revision 0002) keeps the changes pointing at it."""
    build_legacy(sqlite_url)
    engine = engine_for(sqlite_url)
    migrate.upgrade(engine)
    with engine.connect() as connection:
        ddl = connection.scalar(sa.text("SELECT sql FROM sqlite_master WHERE name='versions'"))
        orphans = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    engine.dispose()
    assert "raw_html BLOB NOT NULL" not in str(ddl)
    assert orphans == []
    assert len(snapshot(sqlite_url)["changes"]) == LEGACY_COUNTS["changes"]


def test_legacy_pages_are_still_compressed_html(store_url: str) -> None:
    """The raw pages of 0.x versions survive the upgrade byte for byte."""
    build_legacy(store_url)
    pages = [row["raw_html"] for row in snapshot(store_url)["versions"]]
    engine = engine_for(store_url)
    migrate.upgrade(engine)
    engine.dispose()
    after = [row["raw_html"] for row in snapshot(store_url)["versions"]]
    assert after == pages
    assert all(zlib.decompress(page).startswith(b"<html>") for page in after)


def test_legacy_pages_move_to_their_table_and_prune_as_before(store_url: str) -> None:
    """Revision 0007: each 0.x page is a version_pages row (the blob as it was), read through
    the store, and retention drops the superseded one's; the prefix index of checks is gone."""
    build_legacy(store_url)
    raw = sa.create_engine(store_url, poolclass=NullPool)
    with raw.connect() as connection:
        blobs = dict(connection.execute(sa.text("SELECT id, raw_html FROM versions")).all())
    migrate.upgrade(raw)
    with raw.connect() as connection:
        moved = dict(connection.execute(sa.text("SELECT * FROM version_pages")).all())
        inspector = sa.inspect(connection)
        columns = {column["name"] for column in inspector.get_columns("versions")}
        indexes = {index["name"] for index in inspector.get_indexes("checks")}
    raw.dispose()
    assert moved == blobs and "raw_html" not in columns
    assert "ix_checks_watch_started" not in indexes
    with Store(store_url) as store:
        assert all(store.raw_html(i) == zlib.decompress(blob) for i, blob in blobs.items())
        later = datetime(2026, 12, 15, tzinfo=UTC)
        dry = store.prune_raw_html(30 * 86400.0, apply=False, now=later)
        assert (dry.versions, dry.bytes) == (1, len(blobs[1]))
        store.prune_raw_html(30 * 86400.0, apply=True, now=later)
        assert [store.raw_html(i) is None for i in sorted(blobs)] == [True, False, False]
        report = store.storage_stats()
    assert (report.raw_html_kept, report.raw_html_dropped) == (2, 1)


PROCESSES = 4
PROCESS_TIMEOUT_S = 90


def open_with_auto_upgrade(url: str, barrier: Any, results: Any) -> None:
    """Child-process body: wait for the others, then open the legacy database with upgrade."""
    barrier.wait(PROCESS_TIMEOUT_S)
    try:
        with Store(url, auto_upgrade=True) as store:
            results.put(("ok", len(store.list_watches())))
    except Exception as error:  # reported to the parent, which fails the test with it
        results.put(("error", repr(error)))


@pytest.mark.slow
def test_workers_starting_together_upgrade_once_and_all_start(store_url: str) -> None:
    """Four processes auto-upgrading one 0.x database at once all start; no row is lost."""
    build_legacy(store_url)
    before = snapshot(store_url)
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(PROCESSES), context.Queue()
    children = [
        context.Process(target=open_with_auto_upgrade, args=(store_url, barrier, results))
        for _ in range(PROCESSES)
    ]
    for child in children:
        child.start()
    outcomes = drain(results, PROCESSES, PROCESS_TIMEOUT_S)
    for child in children:
        child.join(PROCESS_TIMEOUT_S)
    assert outcomes == [("ok", LEGACY_COUNTS["watches"])] * PROCESSES
    assert alembic_revision(store_url) == migrate.head()
    assert old_columns(snapshot(store_url), before) == before


def test_db_revision_drafts_the_next_numbered_revision(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`db revision` on unchanged models drafts revision head+1 with nothing to do."""
    copy = tmp_path / "migrations"
    shutil.copytree(migrate.MIGRATIONS_DIR, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(migrate, "MIGRATIONS_DIR", copy)
    migrate.scripts.cache_clear()
    try:
        before = migrate.head()
        path = migrate.new_revision("nothing yet", tmp_path)
        assert path.parent == copy / "versions"
        assert path.name == f"{int(before) + 1:04d}_nothing_yet.py"
        text = path.read_text()
        assert f"down_revision = {before!r}" in text and "pass" in text
        assert migrate.head() == f"{int(before) + 1:04d}"
    finally:
        migrate.scripts.cache_clear()


def test_upgrade_records_each_watchs_own_address(store_url: str) -> None:
    """Revision 0004: every 0.x watch holds its own URL as an address (so a feed listing it
    starts no second watch), with no current address yet and nothing merged."""
    build_legacy(store_url)
    engine = engine_for(store_url)
    migrate.upgrade(engine)
    engine.dispose()
    with Store(store_url) as store:
        watches = store.list_watches()
        assert {store.address_owner(w.url) for w in watches} == {w.id for w in watches}
        assert [(w.canonical_url, w.merged_into) for w in watches] == [(None, None)] * 3
        assert store.merged_watch_ids() == set()


def test_upgrade_marks_no_old_version_as_a_reread(store_url: str) -> None:
    """Revision 0006: every 0.x version was read from its own fetch (``reread_of`` NULL), and
    a re-read of one saves against the upgraded schema without counting as a change."""
    build_legacy(store_url)
    engine = engine_for(store_url)
    migrate.upgrade(engine)
    engine.dispose()
    with Store(store_url) as store:
        watch = store.get_watch_by_url_or_name("story a")
        assert watch is not None
        stored = store.versions(watch.id)
        assert [v.reread_of for v in stored] == [None] * len(stored)
        current = store.current_version(watch.id)
        assert current is not None
        number = store.save_reread(
            watch.id,
            current,
            article=Article(headline="First, updated", paragraphs=("Read again.",)),
            fingerprint="fp-reread",
            extractor_version="editwatch-extract/1.3",
            seen_at=datetime(2026, 12, 1, tzinfo=UTC),
            page=(store.raw_html(current.id) or b"", None),
        )
        again = store.get_watch(watch.id)
        reread = store.version(watch.id, number) if number is not None else None
    assert reread is not None and reread.reread_of == current.number
    assert again is not None and again.last_changed_at == watch.last_changed_at

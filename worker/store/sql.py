"""The :class:`Store`: every read and write editwatch makes, on SQLite or PostgreSQL.

Each public method is one transaction. The important one is :meth:`Store.save_state`: a new
article state, the change it represents and the outbox rows announcing it commit together or
not at all, so a crash can never leave an alert without its change or a change without its
alerts. Concurrency is settled by the database (row locks, unique constraints, conditional
UPDATEs), never by Python locks, so any number of workers and CLIs can share one database.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from itertools import islice
from pathlib import Path
from types import TracebackType
from typing import Any

import sqlalchemy as sa
from sqlalchemy import exc
from sqlalchemy.engine import Connection

from worker.clock import utcnow
from worker.errors import StoreError
from worker.models import Article, Capture, Notification, Validators, Version, VersionState, Watch
from worker.store import addresses, export, migrate, outbox, retention, rows, stats
from worker.store import evidence as evidence_rows
from worker.store.engine import (
    create_store_engine,
    describe_url,
    inserted_id,
    sqlite_url_for,
    transaction,
)
from worker.store.records import (
    ArticleAddress,
    ChangeRecord,
    CheckRecord,
    CheckRow,
    CheckState,
    HeadlineHistory,
    NewAlert,
    NewChange,
    SavedState,
    WatchRecord,
    WatchState,
)
from worker.store.schema import OUTCOMES, changes, checks, versions, watches
from worker.urls import identity_key

DEFAULT_DUE_LIMIT = 100
HEADLINE_HISTORY = 200  # changes an A/B test may span; a longer alternation is still caught


IN_CHUNK = 500  # ids per IN (...) list: well under every backend's parameter limit


def _chunks(ids: Sequence[int]) -> Iterator[list[int]]:
    unique = list(dict.fromkeys(ids))
    for start in range(0, len(unique), IN_CHUNK):
        yield unique[start : start + IN_CHUNK]


def _known_ids(
    connection: Connection, configured: Sequence[Watch]
) -> tuple[dict[str, int], list[tuple[int, str]]]:
    """url -> id of the known ones of ``configured``, and (id, name) of those stored under
    another name (a URL listed twice takes its last name, as the later update wins); read in
    chunks, so 100,000 URLs never make one huge statement, and straight from the watches, so
    no second map of every URL to its name is built beside this one."""
    ids: dict[str, int] = {}
    renamed: list[tuple[int, str]] = []
    query = sa.select(watches.c.id, watches.c.url, watches.c.name)
    for start in range(0, len(configured), IN_CHUNK):
        chunk = configured[start : start + IN_CHUNK]
        urls = [watch.url for watch in chunk]
        found = {row.url: row for row in connection.execute(query.where(watches.c.url.in_(urls)))}
        for watch in chunk:  # keyed by the config's own strings, not a second copy of each URL
            row = found.get(watch.url)
            if row is not None:
                ids[watch.url] = row.id
                if row.name != watch.name:
                    renamed.append((row.id, watch.name))
    return ids, renamed


def _batches(items: Iterable[tuple[str, str]], size: int) -> Iterator[list[tuple[str, str]]]:
    """``items`` in lists of at most ``size``, taken lazily from the iterator."""
    iterator = iter(items)
    while part := list(islice(iterator, size)):
        yield part


def _register_part(
    connection: Connection,
    part: Sequence[tuple[str, str]],
    source: str | None,
    now: datetime,
    ids: dict[str, int],
) -> None:
    """Insert one chunk of new (url, name) watches and their own addresses; their ids go
    into ``ids``. A chunk at a time, in the caller's transaction: 100,000 new watches never
    sit as rows, parameters and address values all at once (a pool process's memory peak)."""
    new_ids = rows.insert_watches(connection, part, source, now)
    ids.update(zip((url for url, _ in part), new_ids, strict=True))
    addresses.claim_own(connection, zip(new_ids, (url for url, _ in part), strict=True), now)


def _known_outcomes(batch: Sequence[CheckRow]) -> None:
    for row in batch:
        if row.outcome not in OUTCOMES:
            raise StoreError(f"unknown check outcome {row.outcome!r}; one of {OUTCOMES}")


def database_url_for(data_dir: Path, database_url: str | None = None) -> str:
    """``database_url`` when given, else the SQLite file in ``data_dir`` (directory created)."""
    if database_url:
        return database_url
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise StoreError(f"cannot create data directory {data_dir}: {error}") from error
    return sqlite_url_for(data_dir)


class Store:
    """editwatch's database: watches, versions, checks, changes and the notification outbox."""

    def __init__(self, url: str, *, auto_upgrade: bool = False) -> None:
        """Open ``url``; an empty database is created, an old one refused unless ``auto_upgrade``.

        See :func:`worker.store.migrate.ensure_current`: a refusal raises ``SchemaOutOfDate``
        naming ``editwatch db upgrade`` and changes nothing.
        """
        self.url = describe_url(url)
        self._engine = create_store_engine(url)
        try:
            migrate.ensure_current(self._engine, auto_upgrade=auto_upgrade)
        except StoreError:
            self._engine.dispose()
            raise

    @classmethod
    def open(
        cls, data_dir: Path, database_url: str | None = None, *, auto_upgrade: bool = False
    ) -> Store:
        """``database_url`` when given, else ``editwatch.db`` in ``data_dir`` (created)."""
        if database_url:
            return cls(database_url, auto_upgrade=auto_upgrade)
        return cls(database_url_for(data_dir), auto_upgrade=auto_upgrade)

    @property
    def backend(self) -> str:
        """``sqlite`` or ``postgresql`` (or whatever SQLAlchemy dialect the URL named)."""
        return self._engine.dialect.name

    def close(self) -> None:
        self._engine.dispose()

    # --- upkeep (worker/store/retention.py, stats.py) ------------------------------------

    def prune_raw_html(
        self, older_than: float, *, apply: bool, now: datetime | None = None
    ) -> retention.PruneReport:
        """Drop (with ``apply``; else only measure) raw HTML of versions gone stale."""
        return retention.prune_raw_html(self._engine, older_than, now or utcnow(), apply)

    def export_lines(self, chosen: export.ExportFilter) -> Iterator[str]:
        """The history as JSON lines (see :mod:`worker.store.export`)."""
        return export.export_lines(self._engine, chosen, migrate.head())

    def import_lines(self, lines: Iterable[str], source: str) -> export.ImportCounts:
        """Load an export into this (empty) database, all or nothing."""
        return export.import_lines(self._engine, lines, source)

    def storage_stats(self, top: int = stats.TOP_WATCHES) -> stats.DbStats:
        """Rows and bytes per table, and the ``top`` watches by stored payload."""
        return stats.collect(self._engine, top)

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def _read(self, action: str) -> AbstractContextManager[Connection]:
        return transaction(self._engine, write=False, action=action)

    def _write(self, action: str) -> AbstractContextManager[Connection]:
        return transaction(self._engine, write=True, action=action)

    # --- watches ---------------------------------------------------------------------------

    def sync_watches(self, watches: Sequence[Watch], source: str | None = None) -> dict[str, int]:
        """Insert new URLs, rename known ones; return url -> id.

        Watches missing from ``watches`` are kept: their history outlives the config entry.
        ``source`` (the feed that found them) is recorded when a watch is first inserted.
        """
        try:
            return self._sync_watches_once(watches, source)
        except StoreError as error:
            if not isinstance(error.__cause__, exc.IntegrityError):
                raise
            # Another process inserted one of these URLs at the same moment: now it exists.
            return self._sync_watches_once(watches, source)

    def _sync_watches_once(self, configured: Sequence[Watch], source: str | None) -> dict[str, int]:
        """Read first: a config whose watches are all known as named takes no write lock
        (every pool process registers its config once, and usually nothing is new)."""
        with self._read("reading watches") as connection:
            ids, renamed = _known_ids(connection, configured)
        if not renamed and all(watch.url in ids for watch in configured):
            return ids
        del ids, renamed  # read again under the write lock: one url -> id map at a time
        now = utcnow()
        with self._write("syncing watches") as connection:
            ids, renamed = _known_ids(connection, configured)
            new = {w.url: w.name for w in configured if w.url not in ids}  # once each, last name
            for part in _batches(new.items(), rows.INSERT_CHUNK):
                _register_part(connection, part, source, now, ids)
            for watch_id, name in renamed:
                connection.execute(
                    watches.update().where(watches.c.id == watch_id).values(name=name)
                )
            return ids

    def discovered_watches(
        self, sources: Sequence[str], after_id: int = 0
    ) -> list[tuple[int, str, str, str]]:
        """(id, url, name, source) of watches found by these feeds, with an id above
        ``after_id``: a worker asks for the new ones only, whatever the table's size."""
        if not sources:
            return []
        query = (
            sa.select(watches.c.id, watches.c.url, watches.c.name, watches.c.source)
            .where(watches.c.id > after_id, watches.c.source.in_(list(sources)))
            .order_by(watches.c.id)
        )
        with self._read("listing discovered watches") as connection:
            return [(r.id, r.url, r.name, r.source) for r in connection.execute(query)]

    def known_urls(self, urls: Sequence[str]) -> set[str]:
        """Which of ``urls`` are watched already (a feed's items, checked in one query)."""
        found: set[str] = set()
        with self._read("finding known urls") as connection:
            for start in range(0, len(urls), IN_CHUNK):
                chunk = list(urls[start : start + IN_CHUNK])
                found |= set(
                    connection.scalars(sa.select(watches.c.url).where(watches.c.url.in_(chunk)))
                )
        return found

    def watch_ids(self) -> list[int]:
        with self._read("listing watch ids") as connection:
            return list(connection.scalars(sa.select(watches.c.id).order_by(watches.c.id)))

    def get_watch(self, watch_id: int) -> WatchRecord | None:
        with self._read("reading a watch") as connection:
            row = (
                connection.execute(rows.watch_records().where(watches.c.id == watch_id))
                .mappings()
                .first()
            )
        return None if row is None else rows.watch_record(row)

    def get_watch_by_url_or_name(self, key: str) -> WatchRecord | None:
        """The watch with this exact URL, else the one with this name; ambiguity is an error."""
        with self._read("finding a watch") as connection:
            by_url = (
                connection.execute(rows.watch_records().where(watches.c.url == key))
                .mappings()
                .first()
            )
            if by_url is not None:
                return rows.watch_record(by_url)
            by_name = connection.execute(rows.watch_records().where(watches.c.name == key))
            named = list(by_name.mappings())
            owner = None if named else addresses.owner_of(connection, identity_key(key))
        if len(named) > 1:
            raise StoreError(f"{len(named)} watches are named {key!r}; give the URL instead")
        if named:
            return rows.watch_record(named[0])
        return None if owner is None else self.get_watch(owner)  # an address it moved to

    def list_watches(self) -> list[WatchRecord]:
        with self._read("listing watches") as connection:
            return [
                rows.watch_record(row)
                for row in connection.execute(rows.watch_records()).mappings()
            ]

    # --- one article under several addresses (worker/store/addresses.py) ------------------

    def article_address(self, watch_id: int) -> ArticleAddress:
        """The watch's current article address, and the watch it was merged into, if any."""
        with self._read("reading an article's address") as connection:
            return addresses.address_of(connection, watch_id)

    def address_owner(self, url: str) -> int | None:
        """The watch whose article was seen at ``url`` (any spelling of it), else None."""
        with self._read("finding an article's watch") as connection:
            return addresses.owner_of(connection, identity_key(url))

    def address_owners(self, urls: Sequence[str]) -> dict[str, tuple[int, str]]:
        """identity key -> (watch id, watch URL) for those of ``urls`` (in any spelling) that
        some watch's article was seen at; a query per ``IN_CHUNK`` keys."""
        keys = [key for key in dict.fromkeys(identity_key(url) for url in urls) if key]
        found: dict[str, tuple[int, str]] = {}
        with self._read("finding article addresses") as connection:
            for start in range(0, len(keys), IN_CHUNK):
                found |= addresses.owners_of(connection, keys[start : start + IN_CHUNK])
        return found

    def merged_watch_ids(self) -> set[int]:
        """Watches that follow an article another watch follows: they are not checked."""
        with self._read("listing merged watches") as connection:
            return addresses.merged_ids(connection)

    def note_address(self, watch_id: int, current: str, seen: Sequence[str]) -> None:
        """The article's current address is ``current``; it was also seen at ``seen`` (the
        requested URL, redirect targets). Keys another watch holds stay with it."""
        pairs = [(identity_key(url), url) for url in (current, *seen)]
        with self._write("recording an article's address") as connection:
            connection.execute(
                watches.update()
                .where(watches.c.id == watch_id, watches.c.canonical_url.is_distinct_from(current))
                .values(canonical_url=current)
            )
            addresses.claim(connection, watch_id, pairs, utcnow())

    def merge_watches(self, retired: int, into: int) -> bool:
        """Stop checking ``retired``: ``into`` follows its article (its addresses move there).

        False when ``retired`` was merged already (another process got there first).
        """
        if retired == into:
            return False
        with self._write("merging two watches of one article") as connection:
            return addresses.merge(connection, retired, into)

    def validators(self, watch_id: int) -> Validators:
        """The ETag / Last-Modified to send with the next fetch; empty for unknown watches."""
        with self._read("reading validators") as connection:
            row = connection.execute(
                sa.select(watches.c.etag, watches.c.last_modified).where(watches.c.id == watch_id)
            ).first()
        if row is None:
            return Validators()
        return Validators(etag=row.etag, last_modified=row.last_modified)

    # --- versions --------------------------------------------------------------------------

    def current_version(self, watch_id: int) -> Version | None:
        query = sa.select(*rows.VERSION_COLUMNS).join(
            watches, watches.c.current_version_id == versions.c.id
        )
        with self._read("reading the current version") as connection:
            row = connection.execute(query.where(watches.c.id == watch_id)).mappings().first()
        return None if row is None else rows.version(row)

    def recent_versions(self, watch_id: int, k: int) -> list[Version]:
        """The ``k`` latest distinct states, newest first (for "is this an old state?")."""
        query = rows.versions_of(watch_id).order_by(versions.c.number.desc()).limit(k)
        return self._versions(query, "reading recent versions")

    def versions(self, watch_id: int) -> list[Version]:
        """Every stored state of a watch, oldest first."""
        return self._versions(
            rows.versions_of(watch_id).order_by(versions.c.number), "listing versions"
        )

    def version(self, watch_id: int, number: int) -> Version | None:
        found = self._versions(
            rows.versions_of(watch_id).where(versions.c.number == number), "reading a version"
        )
        return found[0] if found else None

    def find_version(self, watch_id: int, fingerprint: str) -> Version | None:
        found = self._versions(
            rows.versions_of(watch_id).where(versions.c.fingerprint == fingerprint),
            "finding a version",
        )
        return found[0] if found else None

    def raw_html(self, version_id: int) -> bytes | None:
        """The page as fetched when this state was first seen (for re-extraction)."""
        with self._read("reading raw html") as connection:
            return rows.page_of(connection, version_id)

    def stored_page(self, version_id: int) -> tuple[bytes, Capture | None] | None:
        """A version's page as fetched and how it was fetched (its evidence, when it has
        one), to read it again with a newer extractor; ``None`` once retention dropped it."""
        with self._read("reading a stored page") as connection:
            page = rows.page_of(connection, version_id)
            if page is None:
                return None
            return page, evidence_rows.capture_of(connection, version_id)

    def _versions(self, query: sa.Select[Any], action: str) -> list[Version]:
        with self._read(action) as connection:
            return [rows.version(row) for row in connection.execute(query).mappings()]

    def touch_version(self, version_id: int, seen_at: datetime) -> None:
        """The same state was seen again: remember when, without storing anything new."""
        with self._write("touching a version") as connection:
            result = connection.execute(
                versions.update().where(versions.c.id == version_id).values(last_seen=seen_at)
            )
            if result.rowcount != 1:
                raise StoreError(f"no version with id {version_id}")

    # --- checks ----------------------------------------------------------------------------

    def record_check(
        self,
        watch_id: int,
        *,
        started_at: datetime,
        duration_ms: float,
        status: int | None,
        nbytes: int,
        outcome: str,
        error: str | None,
        validators: Validators | None,
        detail: str | None = None,
    ) -> int:
        """Log one check and update the watch's last-check summary and failure streak."""
        row = CheckRow(
            watch_id, started_at, duration_ms, status, nbytes, outcome, error, validators, detail
        )
        _known_outcomes([row])
        with self._write("recording a check") as connection:
            rows.summarize_checks(connection, [row])
            return inserted_id(rows.insert_checks(connection, [row]))

    def record_checks(self, batch: Sequence[CheckRow]) -> None:
        """Log a batch of checks in one transaction: rows, watch summaries, states seen again.

        What a check found that must commit with its alerts (a new state, a change, outbox
        rows) was saved by :meth:`save_state` already; this is the bookkeeping of every check,
        a few ``executemany`` statements per batch instead of two or three transactions each.
        """
        if not batch:
            return
        _known_outcomes(batch)
        seen = [(r.seen_version_id, r.started_at) for r in batch if r.seen_version_id]
        with self._write("recording checks") as connection:
            rows.summarize_checks(connection, batch)
            rows.insert_checks(connection, batch)
            rows.touch_versions(connection, [(int(i), at) for i, at in seen])

    def check_states(self, watch_ids: Sequence[int]) -> dict[int, CheckState]:
        """Current version and validators of each watch, in one query per chunk of ids."""
        found: dict[int, CheckState] = {}
        with self._read("reading check states") as connection:
            for chunk in _chunks(watch_ids):
                keys = addresses.keys_held(connection, chunk)
                for row in connection.execute(rows.CHECK_STATES, {"ids": chunk}):
                    found[row[0]] = rows.check_state(row, keys.get(row[0], frozenset()))
        return found

    def watch_states(self, watch_ids: Sequence[int]) -> dict[int, WatchState]:
        """Failure streak, last error and last change of each watch, in one query per chunk."""
        found: dict[int, WatchState] = {}
        with self._read("reading watch states") as connection:
            for chunk in _chunks(watch_ids):
                for row in connection.execute(rows.WATCH_STATES, {"ids": chunk}):
                    found[row[0]] = WatchState(*row)
        return found

    def checks(self, watch_id: int, limit: int | None = None) -> list[CheckRecord]:
        """The latest checks of a watch, newest first."""
        query = (
            sa.select(checks)
            .where(checks.c.watch_id == watch_id)
            .order_by(checks.c.started_at.desc(), checks.c.id.desc())
            .limit(limit)
        )
        with self._read("listing checks") as connection:
            return [rows.check_record(row) for row in connection.execute(query).mappings()]

    # --- states and changes ----------------------------------------------------------------

    def save_state(
        self,
        watch_id: int,
        *,
        article: Article,
        fingerprint: str,
        raw_html: bytes,
        extractor_version: str,
        seen_at: datetime,
        change: NewChange | None,
        alert: NewAlert | None = None,
        state: VersionState = "live",
        capture: Capture | None = None,
    ) -> SavedState:
        """Store a state (reusing an identical older one), its change and its outbox rows.

        Saving is only called for a state other than the current one, so it also sets the
        watch's ``last_changed_at`` (a return to an older version is a change of state too).
        All in one transaction: if anything fails, nothing is written. The watch row is locked
        first, so concurrent saves for one watch queue up instead of racing for the next
        version number. ``alert`` is queued only with a ``change``. A new version with a
        ``capture`` gets its evidence record, chained to the watch's previous one, in the
        same transaction. (A re-read of a stored page is :meth:`save_reread`.)
        """
        article_json = rows.dumps(article.to_dict(), "article")
        with self._write("saving an article state") as connection:
            previous_id = rows.lock_watch(connection, watch_id)
            version_id, number, is_new = _put_state(
                connection,
                watch_id,
                _StateRow(article_json, fingerprint, raw_html, extractor_version, seen_at),
                capture,
                state=state,
            )
            if change is None:
                return SavedState(version_id, number, is_new)
            change_id = rows.insert_change(
                connection, watch_id, previous_id, version_id, change, seen_at
            )
            if alert is None:
                return SavedState(version_id, number, is_new, change_id)
            payloads = [(channel, alert.payload) for channel in dict.fromkeys(alert.channels)]
            ids = outbox.queue(
                connection, change_id, payloads, seen_at, hold_until=alert.hold_until
            )
            return SavedState(version_id, number, is_new, change_id, ids)

    def save_reread(
        self,
        watch_id: int,
        of: Version,
        *,
        article: Article,
        fingerprint: str,
        extractor_version: str,
        seen_at: datetime,
        page: tuple[bytes, Capture | None],
    ) -> int | None:
        """Store ``of``'s page read again by a newer extractor as the current state: the new
        version's number, or ``None`` when nothing was saved.

        Nothing is saved when ``of`` is no longer current once the watch is locked (another
        worker moved on: its re-read or edit is the state to compare with) or when an older
        version already has this fingerprint: reusing it would move ``current`` back to a state
        the newsroom left, as if it were this page's re-read. The evidence record is the one of
        ``of``'s fetch (same bytes); a page without one gets none.
        """
        raw_html, capture = page
        article_json = rows.dumps(article.to_dict(), "article")
        with self._write("saving an extractor re-read") as connection:
            if rows.lock_watch(connection, watch_id) != of.id:
                return None
            if rows.has_fingerprint(connection, watch_id, fingerprint):
                return None
            row = _StateRow(article_json, fingerprint, raw_html, extractor_version, seen_at)
            return _put_state(connection, watch_id, row, capture, reread_of=of.number)[1]

    def headline_history(self, watch_id: int, limit: int = HEADLINE_HISTORY) -> HeadlineHistory:
        """What headline A/B detection needs, read without loading any article: the headline
        after each recent change (oldest first) and whether an A/B test was reported before."""
        with self._read("reading headline history") as connection:
            headlines, reported = rows.headline_history(connection, watch_id, self.backend, limit)
        return HeadlineHistory(tuple(headlines), reported)

    def changes(self, watch_id: int) -> list[ChangeRecord]:
        """Every recorded change of a watch, oldest first."""
        query = rows.change_records().where(changes.c.watch_id == watch_id).order_by(changes.c.id)
        with self._read("listing changes") as connection:
            return [rows.change_record(row) for row in connection.execute(query).mappings()]

    def change(self, change_id: int) -> ChangeRecord | None:
        """One recorded change by its id (the ``change_id`` of history and alert payloads)."""
        query = rows.change_records().where(changes.c.id == change_id)
        with self._read("reading a change") as connection:
            row = connection.execute(query).mappings().first()
        return None if row is None else rows.change_record(row)

    # --- evidence ---------------------------------------------------------------------------

    def evidence(self, watch_id: int | None = None) -> list[evidence_rows.EvidenceRecord]:
        """Evidence records (of one watch, or all), per watch in version order."""
        with self._read("reading evidence") as connection:
            return evidence_rows.records(connection, watch_id)

    def verify_evidence(
        self, watch_id: int | None = None
    ) -> tuple[list[evidence_rows.EvidenceRecord], list[evidence_rows.Problem]]:
        """Every evidence record checked against its chain and the stored state it vouches for."""
        with self._read("verifying evidence") as connection:
            found = evidence_rows.records(connection, watch_id)
            ids = [watch_id] if watch_id is not None else self._watch_ids(connection)
            problems = []
            for wid in ids:
                chain = [r for r in found if r.watch_id == wid]
                stored = evidence_rows.stored_contents(connection, wid)
                sources = evidence_rows.reread_sources(connection, wid)
                problems += list(evidence_rows.verify_chain(chain, stored, sources))
                problems += list(evidence_rows.verify_rereads(wid, chain, sources))
        return found, problems

    def captures(
        self, watch_id: int | None = None
    ) -> Iterator[tuple[evidence_rows.EvidenceRecord, bytes]]:
        """Each evidence record with the page bytes it vouches for (for WARC export)."""
        for record in self.evidence(watch_id):
            yield record, self.raw_html(record.version_id) or b""

    @staticmethod
    def _watch_ids(connection: Connection) -> list[int]:
        return list(connection.scalars(sa.select(watches.c.id).order_by(watches.c.id)))

    # --- outbox ----------------------------------------------------------------------------

    def claim_notification(self, notification_id: int, now: datetime) -> Notification | None:
        """Take a due row for delivery; ``None`` if another worker got it or it is not due."""
        with self._write("claiming a notification") as connection:
            return outbox.claim(connection, notification_id, now)

    def burst_marks(self, watch_id: int, now: datetime) -> tuple[datetime | None, datetime | None]:
        """When the watch last alerted, and when its held burst goes out."""
        with self._read("reading the alert window of a watch") as connection:
            return outbox.burst_marks(connection, watch_id, now)

    def due_bursts(
        self, now: datetime, skip_channels: Sequence[str] = ()
    ) -> list[tuple[int, str, list[int]]]:
        """Bursts whose window closed: (watch id, channel, row ids oldest first); the held rows
        of ``skip_channels`` (digest channels) are merged per channel instead."""
        with self._read("listing held bursts") as connection:
            return outbox.due_bursts(connection, now, skip_channels)

    def release_burst(
        self,
        keep: int | None,
        payload: dict[str, Any] | None,
        merged: Sequence[int],
        now: datetime,
    ) -> bool:
        """Turn a burst into one pending cumulative alert; False if another worker did."""
        try:
            with self._write("releasing a burst of notifications") as connection:
                outbox.release_burst(connection, keep, payload, merged, now)
        except outbox.MergeRaced:
            return False
        return True

    def hold_notification(self, notification_id: int, now: datetime) -> bool:
        """Park a claimed row of a digest channel until the channel's window closes."""
        with self._write("holding a notification for a digest") as connection:
            return outbox.hold(connection, notification_id, now)

    def mark_sent(self, notification_id: int, now: datetime) -> bool:
        """Settle a delivered row, and the rows merged into it when it is a digest."""
        with self._write("marking a notification sent") as connection:
            return outbox.mark_sent(connection, notification_id, now)

    def mark_retry(self, notification_id: int, error: str, next_attempt_at: datetime) -> bool:
        with self._write("rescheduling a notification") as connection:
            return outbox.mark_retry(connection, notification_id, error, next_attempt_at, utcnow())

    def mark_dead(
        self,
        notification_id: int,
        error: str,
        events: Sequence[tuple[str, dict[str, Any]]] = (),
    ) -> bool:
        """Give up on a claimed row; queue ``events`` (operator alerts) in the same commit."""
        with self._write("marking a notification dead") as connection:
            now = utcnow()
            dead = outbox.mark_dead(connection, notification_id, error, now)
            if dead and events:
                outbox.queue_event(connection, None, events, now)
            return dead

    def queue_event(
        self, dedupe_key: str | None, payloads: Sequence[tuple[str, dict[str, Any]]]
    ) -> tuple[int, ...]:
        """Queue an operator event once per ``(dedupe_key, channel)``; ids of the new rows."""
        try:
            with self._write("queueing an operator event") as connection:
                return outbox.queue_event(connection, dedupe_key, payloads, utcnow())
        except StoreError as error:
            if isinstance(error.__cause__, exc.IntegrityError):
                return ()  # another worker queued the same event at the same moment
            raise

    def defer_notification(self, notification_id: int, reason: str, until: datetime) -> bool:
        """Put a claimed row back until ``until`` without spending an attempt (a rate cap)."""
        with self._write("deferring a notification") as connection:
            return outbox.defer(connection, notification_id, reason, until, utcnow())

    def sent_since(self, channel: str, since: datetime) -> list[datetime]:
        """When the rows ``channel`` delivered after ``since`` went out, oldest first."""
        with self._read("counting a channel's recent posts") as connection:
            return outbox.sent_since(connection, channel, since)

    def thread_post(self, channel: str, change_id: int) -> str | None:
        """The id of ``channel``'s last post about the article of ``change_id``."""
        with self._read("reading an article's last post") as connection:
            return outbox.thread_post(connection, channel, change_id)

    def remember_post(self, channel: str, change_id: int, post_id: str) -> None:
        """Record ``post_id`` as the article's latest post on ``channel``."""
        with self._write("recording a post") as connection:
            outbox.remember_post(connection, channel, change_id, post_id, utcnow())

    def due_notifications(self, now: datetime, limit: int = DEFAULT_DUE_LIMIT) -> list[int]:
        with self._read("listing due notifications") as connection:
            return outbox.due(connection, now, limit)

    def held_channels(self) -> dict[str, datetime]:
        """Digest channels holding rows, with when the oldest of them was queued."""
        with self._read("listing held notifications") as connection:
            return outbox.held_channels(connection)

    def merge_held(self, channel: str, build: outbox.DigestBuilder) -> int | None:
        """Merge a channel's held rows into one pending digest row; ``None`` if none (or raced)."""
        try:
            with self._write("merging held notifications") as connection:
                return outbox.merge_held(connection, channel, build, utcnow())
        except outbox.MergeRaced:
            return None

    def requeue_stale(self, older_than: datetime) -> int:
        """Rows a dead worker left in ``sending`` go back to ``pending``; returns how many."""
        with self._write("requeueing stale notifications") as connection:
            return outbox.requeue_stale(connection, older_than, utcnow())

    def notifications(
        self, state: str | None = None, limit: int | None = None, newest_first: bool = False
    ) -> list[Notification]:
        with self._read("listing notifications") as connection:
            return outbox.listing(connection, state, limit, newest_first)

    def get_notification(self, notification_id: int) -> Notification | None:
        with self._read("reading a notification") as connection:
            return outbox.get(connection, notification_id)

    def reset_dead(self, ids: Sequence[int] | None = None) -> int:
        """Dead rows (these, or all) become pending with attempts reset; returns how many."""
        with self._write("resetting dead notifications") as connection:
            return outbox.reset_dead(connection, ids, utcnow())


@dataclass(frozen=True, slots=True)
class _StateRow:
    """What a stored state's version row and evidence record are made of."""

    article_json: str
    fingerprint: str
    raw_html: bytes
    extractor_version: str
    seen_at: datetime


def _put_state(
    connection: Connection,
    watch_id: int,
    row: _StateRow,
    capture: Capture | None,
    *,
    state: VersionState = "live",
    reread_of: int | None = None,
) -> tuple[int, int, bool]:
    """Store ``row`` as the watch's current state (reusing an identical older version), with
    the evidence record of ``capture`` for a new version: ``(version id, number, is new)``.
    One home for :meth:`Store.save_state` and :meth:`Store.save_reread`, under their lock."""
    version_id, number, is_new = rows.store_version(
        connection,
        watch_id,
        article_json=row.article_json,
        fingerprint=row.fingerprint,
        raw_html=row.raw_html,
        extractor_version=row.extractor_version,
        seen_at=row.seen_at,
        state=state,
        reread_of=reread_of,
    )
    if is_new and capture is not None:
        evidence_rows.insert(
            connection,
            watch_id=watch_id,
            version_id=version_id,
            number=number,
            fingerprint=row.fingerprint,
            raw_html=row.raw_html,
            article_json=row.article_json,
            extractor_version=row.extractor_version,
            capture=capture,
        )
    rows.make_current(connection, watch_id, version_id, row.seen_at, reread=reread_of is not None)
    return version_id, number, is_new

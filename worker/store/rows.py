"""The SQL statements behind :class:`~worker.store.sql.Store` and row -> value conversions.

Each function takes an open connection and runs inside the caller's transaction, so the store
can compose them (lock, insert version, insert change, queue notifications) into one commit.
"""

from __future__ import annotations

import functools
import json
import zlib
from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping

from worker.errors import StoreError
from worker.models import Validators, Version, VersionState
from worker.store.engine import inserted_id, postgresql_dialect
from worker.store.records import (
    ArticleAddress,
    ChangeRecord,
    CheckRecord,
    CheckRow,
    CheckState,
    NewChange,
    WatchRecord,
)
from worker.store.schema import changes, checks, version_pages, versions, watches

# zlib level of a stored page: 4, not the default 6, because compressing is most of a new
# state's CPU (150 real pages of 245 KB: 4.4 ms each at 6, 2.5 ms at 4, for 5 % more bytes;
# level 1 was 1.6 ms for 19 % more). Any level reads back with zlib.decompress, byte for byte.
RAW_HTML_COMPRESSION_LEVEL = 4
INSERT_CHUNK = 1000  # rows per bulk INSERT
VERSION_COLUMNS = tuple(versions.c)
"""Every column of a version (its compressed page lives apart, in ``version_pages``)."""
VERSION_FIELDS = tuple(column.name for column in VERSION_COLUMNS)

# The statements every check batch runs are built once: building a SQLAlchemy statement and
# its cache key costs more than running it on SQLite (a built one keeps its key memoized).
_CURRENT = versions.alias("current")
WATCH_ID_IN = watches.c.id.in_(sa.bindparam("ids", expanding=True))
CHECK_STATES = (
    sa.select(
        watches.c.id,
        watches.c.etag,
        watches.c.last_modified,
        watches.c.canonical_url,
        watches.c.merged_into,
        *(_CURRENT.c[name].label(f"v_{name}") for name in VERSION_FIELDS),
    )
    .select_from(watches.outerjoin(_CURRENT, _CURRENT.c.id == watches.c.current_version_id))
    .where(WATCH_ID_IN)
)
"""Each watch of ``ids`` with its validators, address and current version, in one query."""
CHECK_STATE_WATCH_COLUMNS = 5  # the leading watch columns of a CHECK_STATES row
_CHANGED = sa.func.coalesce(watches.c.last_changed_at, _CURRENT.c.first_seen)
WATCH_STATES = (
    sa.select(
        watches.c.id,
        watches.c.name,
        watches.c.url,
        watches.c.consecutive_failures,
        watches.c.last_error,
        sa.type_coerce(_CHANGED, watches.c.last_changed_at.type).label("changed"),
    )
    .select_from(watches.outerjoin(_CURRENT, _CURRENT.c.id == watches.c.current_version_id))
    .where(WATCH_ID_IN)
)
"""Failure streak, last error and last change (else the current state's first sighting)."""
INSERT_CHECK = checks.insert()
_SEEN_AT = sa.bindparam("b_seen", type_=versions.c.last_seen.type)
TOUCH_VERSION = (
    versions.update()
    .where(versions.c.id == sa.bindparam("b_id"))
    .values(
        last_seen=sa.case((versions.c.last_seen < _SEEN_AT, _SEEN_AT), else_=versions.c.last_seen)
    )
)
"""``last_seen`` moves forward only: a check that started before another stored (or saw)
the state must not make history say it was last seen earlier than it was."""


def dumps(value: Any, what: str, *, sort_keys: bool = True) -> str:
    """JSON for a text column; sorted keys so equal values store as equal text (payloads keep
    their order: an operator event lists its details as given)."""
    try:
        return json.dumps(value, sort_keys=sort_keys)
    except (TypeError, ValueError) as error:
        raise StoreError(f"{what} is not JSON-serialisable: {error}") from error


def insert_watches(
    connection: Connection, new: Sequence[tuple[str, str]], source: str | None, now: datetime
) -> list[int]:
    """Insert (url, name) watches in bulk statements of ``INSERT_CHUNK`` rows (100,000 rows'
    parameters at once were a worker's memory peak); their ids, in the order given."""
    statement = watches.insert().returning(watches.c.id, sort_by_parameter_order=True)
    ids: list[int] = []
    for start in range(0, len(new), INSERT_CHUNK):
        values = [
            {"url": u, "name": n, "source": source, "created_at": now, "consecutive_failures": 0}
            for u, n in new[start : start + INSERT_CHUNK]
        ]
        ids += [row.id for row in connection.execute(statement, values)]
    return ids


def update_existing_watch(connection: Connection, watch_id: int, values: dict[str, Any]) -> None:
    result = connection.execute(watches.update().where(watches.c.id == watch_id).values(values))
    if result.rowcount != 1:
        raise StoreError(f"no watch with id {watch_id}")


def insert_checks(connection: Connection, batch: Sequence[CheckRow]) -> sa.CursorResult[Any]:
    """The check rows, in one statement (``executemany`` for a batch)."""
    values = [
        {
            "watch_id": row.watch_id,
            "started_at": row.started_at,
            "duration_ms": row.duration_ms,
            "status": row.status,
            "bytes": row.nbytes,
            "outcome": row.outcome,
            "error": row.error,
            "detail": row.detail,
        }
        for row in batch
    ]
    return connection.execute(INSERT_CHECK, values[0] if len(values) == 1 else values)


def summarize_checks(connection: Connection, batch: Sequence[CheckRow]) -> None:
    """Each watch's last-check summary and failure streak: at most four statements a batch.

    Rows are grouped by (failed, has validators), the shapes of the UPDATE; a watch that
    appears twice in one batch is updated row by row, so its streak counts in order.
    """
    if len({row.watch_id for row in batch}) < len(batch):
        for row in batch:
            summarize_checks(connection, [row])
        return
    groups: dict[tuple[bool, bool], list[dict[str, Any]]] = defaultdict(list)
    for row in batch:
        params = {"b_id": row.watch_id, "b_at": row.started_at, "b_outcome": row.outcome}
        params["b_error"] = row.error
        if row.validators is not None:
            params |= {"b_etag": row.validators.etag, "b_lm": row.validators.last_modified}
        groups[(row.outcome == "error", row.validators is not None)].append(params)
    for shape, params_list in groups.items():
        result = connection.execute(SUMMARY_UPDATES[shape], params_list)
        if result.rowcount not in (-1, len(params_list)):
            _refuse_unknown_watches(connection, [p["b_id"] for p in params_list])


def _summary_update(failed: bool, with_validators: bool) -> sa.Update:
    streak = watches.c.consecutive_failures + 1 if failed else sa.literal(0)
    values: dict[str, Any] = {
        "last_checked_at": sa.bindparam("b_at", type_=watches.c.last_checked_at.type),
        "last_outcome": sa.bindparam("b_outcome"),
        "last_error": sa.bindparam("b_error"),
        "consecutive_failures": streak,
    }
    if with_validators:
        values |= {"etag": sa.bindparam("b_etag"), "last_modified": sa.bindparam("b_lm")}
    return watches.update().where(watches.c.id == sa.bindparam("b_id")).values(values)


SUMMARY_UPDATES = {
    (failed, with_validators): _summary_update(failed, with_validators)
    for failed in (False, True)
    for with_validators in (False, True)
}
"""The four shapes of the summary UPDATE, by (failed, with validators), built once."""


def _refuse_unknown_watches(connection: Connection, ids: Sequence[int]) -> None:
    known = set(connection.scalars(sa.select(watches.c.id).where(watches.c.id.in_(ids))))
    missing = [i for i in ids if i not in known]
    if missing:
        raise StoreError(f"no watch with id {missing[0]}")


def touch_versions(connection: Connection, seen: Sequence[tuple[int, datetime]]) -> None:
    """``last_seen`` of states seen again, one statement for the batch."""
    if not seen:
        return
    connection.execute(TOUCH_VERSION, [{"b_id": i, "b_seen": at} for i, at in seen])


# The statements of a new state (worker/store/sql.py save_state), built once like the batch's.
LOCK_WATCH = (
    sa.select(watches.c.current_version_id)
    .where(watches.c.id == sa.bindparam("watch_id"))
    .with_for_update()
)
VERSION_BY_FINGERPRINT = sa.select(versions.c.id, versions.c.number).where(
    versions.c.watch_id == sa.bindparam("watch_id"),
    versions.c.fingerprint == sa.bindparam("fingerprint"),
)
HIGHEST_NUMBER = sa.select(sa.func.max(versions.c.number)).where(
    versions.c.watch_id == sa.bindparam("watch_id")
)
INSERT_VERSION = versions.insert()
INSERT_PAGE = version_pages.insert()
PAGE_OF = sa.select(version_pages.c.raw_html).where(
    version_pages.c.version_id == sa.bindparam("version_id")
)
"""A version's compressed page, or no row once retention dropped it."""
INSERT_CHANGE = changes.insert()
MAKE_CURRENT = (
    watches.update()
    .where(watches.c.id == sa.bindparam("watch_id"))
    .values(
        current_version_id=sa.bindparam("version_id"),
        last_changed_at=sa.bindparam("seen_at", type_=watches.c.last_changed_at.type),
    )
)
# A re-read (the same page read by a newer extractor) is no change of state: the decay
# schedule keeps counting from the last real one.
MAKE_CURRENT_REREAD = (
    watches.update()
    .where(watches.c.id == sa.bindparam("watch_id"))
    .values(current_version_id=sa.bindparam("version_id"))
)


def lock_watch(connection: Connection, watch_id: int) -> int | None:
    """Lock the watch row for this transaction; return its current version id."""
    row = connection.execute(LOCK_WATCH, {"watch_id": watch_id}).first()
    if row is None:
        raise StoreError(f"no watch with id {watch_id}")
    current: int | None = row.current_version_id
    return current


def make_current(
    connection: Connection, watch_id: int, version_id: int, seen_at: datetime, *, reread: bool
) -> None:
    """The watch's current state is now ``version_id``, a change of state at ``seen_at``
    (unless it is a ``reread``: the same page read again, see :data:`MAKE_CURRENT_REREAD`)."""
    if reread:
        connection.execute(MAKE_CURRENT_REREAD, {"watch_id": watch_id, "version_id": version_id})
        return
    params = {"watch_id": watch_id, "version_id": version_id, "seen_at": seen_at}
    connection.execute(MAKE_CURRENT, params)


def has_fingerprint(connection: Connection, watch_id: int, fingerprint: str) -> bool:
    """Is a version of this watch stored with ``fingerprint``?"""
    found = connection.execute(
        VERSION_BY_FINGERPRINT, {"watch_id": watch_id, "fingerprint": fingerprint}
    ).first()
    return found is not None


def store_version(
    connection: Connection,
    watch_id: int,
    *,
    article_json: str,
    fingerprint: str,
    raw_html: bytes,
    extractor_version: str,
    seen_at: datetime,
    state: VersionState = "live",
    reread_of: int | None = None,
) -> tuple[int, int, bool]:
    """Reuse the version with this fingerprint or add the next one: (id, number, is_new).

    ``article_json`` is the article as :func:`dumps` writes it (the evidence hashes the same
    text, so it is serialised once).
    """
    existing = connection.execute(
        VERSION_BY_FINGERPRINT, {"watch_id": watch_id, "fingerprint": fingerprint}
    ).first()
    if existing is not None:
        connection.execute(TOUCH_VERSION, {"b_id": existing.id, "b_seen": seen_at})
        return existing.id, existing.number, False
    highest: int | None = connection.scalar(HIGHEST_NUMBER, {"watch_id": watch_id})
    number = (highest or 0) + 1
    values = {
        "watch_id": watch_id,
        "number": number,
        "fingerprint": fingerprint,
        "article": article_json,
        "extractor_version": extractor_version,
        "first_seen": seen_at,
        "last_seen": seen_at,
        "state": state,
        "reread_of": reread_of,
    }
    version_id = inserted_id(connection.execute(INSERT_VERSION, values))
    page = zlib.compress(raw_html, RAW_HTML_COMPRESSION_LEVEL)
    connection.execute(INSERT_PAGE, {"version_id": version_id, "raw_html": page})
    return version_id, number, True


def page_of(connection: Connection, version_id: int) -> bytes | None:
    """A version's page as fetched, or ``None`` once retention dropped it."""
    blob: bytes | None = connection.scalar(PAGE_OF, {"version_id": version_id})
    return None if blob is None else zlib.decompress(blob)


def insert_change(
    connection: Connection,
    watch_id: int,
    old_version_id: int | None,
    new_version_id: int,
    change: NewChange,
    detected_at: datetime,
) -> int:
    values = {
        "watch_id": watch_id,
        "old_version_id": old_version_id,
        "new_version_id": new_version_id,
        "kinds": dumps(list(change.kinds), "change kinds"),
        "significance": change.significance,
        "silent": change.silent,
        "diff": dumps(change.diff, "change diff"),
        "detected_at": detected_at,
    }
    return inserted_id(connection.execute(INSERT_CHANGE, values))


def watch_records() -> sa.Select[Any]:
    """Watches with their current version number and version count, in id order."""
    counts = (
        sa.select(versions.c.watch_id, sa.func.count().label("version_count"))
        .group_by(versions.c.watch_id)
        .subquery()
    )
    current = versions.alias("current_version")
    return (
        sa.select(
            watches,
            current.c.number.label("current_number"),
            sa.func.coalesce(counts.c.version_count, 0).label("version_count"),
        )
        .select_from(
            watches.outerjoin(current, current.c.id == watches.c.current_version_id).outerjoin(
                counts, counts.c.watch_id == watches.c.id
            )
        )
        .order_by(watches.c.id)
    )


def change_records() -> sa.Select[Any]:
    """Changes with the *numbers* of their old and new versions."""
    old = versions.alias("old_version")
    new = versions.alias("new_version")
    return sa.select(
        changes, old.c.number.label("old_number"), new.c.number.label("new_number")
    ).select_from(
        changes.outerjoin(old, old.c.id == changes.c.old_version_id).join(
            new, new.c.id == changes.c.new_version_id
        )
    )


def versions_of(watch_id: int) -> sa.Select[Any]:
    return sa.select(*VERSION_COLUMNS).where(versions.c.watch_id == watch_id)


def watch_record(row: RowMapping) -> WatchRecord:
    return WatchRecord(
        id=row["id"],
        url=row["url"],
        name=row["name"],
        source=row["source"],
        created_at=row["created_at"],
        last_checked_at=row["last_checked_at"],
        last_outcome=row["last_outcome"],
        last_error=row["last_error"],
        consecutive_failures=row["consecutive_failures"],
        current_version=row["current_number"],
        version_count=row["version_count"],
        last_changed_at=row["last_changed_at"],
        canonical_url=row["canonical_url"],
        merged_into=row["merged_into"],
    )


def version(row: Mapping[Any, Any]) -> Version:
    return Version(
        id=row["id"],
        watch_id=row["watch_id"],
        number=row["number"],
        fingerprint=row["fingerprint"],
        stored=row["article"],  # decoded on first use (Version.article)
        first_seen=row["first_seen"],
        last_seen=row["last_seen"],
        extractor_version=row["extractor_version"],
        state=row["state"],
        reread_of=row["reread_of"],
    )


def check_state(row: Sequence[Any], keys: frozenset[str] = frozenset()) -> CheckState:
    """A :class:`CheckState` from a :data:`CHECK_STATES` row, read by position (a batch reads
    one per check: no name look-ups, no dict per row)."""
    _, etag, last_modified, canonical_url, merged_into = row[:CHECK_STATE_WATCH_COLUMNS]
    validators = Validators(etag=etag, last_modified=last_modified)
    address = ArticleAddress(canonical_url, merged_into, keys)
    values = row[CHECK_STATE_WATCH_COLUMNS:]
    if values[0] is None:
        return CheckState(None, validators, address)
    return CheckState(version(dict(zip(VERSION_FIELDS, values, strict=True))), validators, address)


def check_record(row: RowMapping) -> CheckRecord:
    return CheckRecord(
        id=row["id"],
        watch_id=row["watch_id"],
        started_at=row["started_at"],
        duration_ms=row["duration_ms"],
        status=row["status"],
        nbytes=row["bytes"],
        outcome=row["outcome"],
        error=row["error"],
        detail=row["detail"],
    )


def change_record(row: RowMapping) -> ChangeRecord:
    return ChangeRecord(
        id=row["id"],
        watch_id=row["watch_id"],
        old_version=row["old_number"],
        new_version=row["new_number"],
        kinds=tuple(json.loads(row["kinds"])),
        significance=row["significance"],
        silent=row["silent"],
        diff=json.loads(row["diff"]),
        detected_at=row["detected_at"],
    )


def headline_of(dialect: str) -> sa.ColumnElement[Any]:
    """A version's headline read inside the database, so listings never load whole articles."""
    if dialect == "postgresql":
        jsonb = postgresql_dialect().JSONB
        headline: sa.ColumnElement[Any] = sa.cast(versions.c.article, jsonb)["headline"].astext
        return headline
    return sa.func.json_extract(versions.c.article, "$.headline")


@functools.cache
def _headline_statements(dialect: str, limit: int) -> tuple[sa.Select[Any], ...]:
    """The three statements of :func:`headline_history`, built once per dialect (a change of
    the headline runs them; building them and their cache keys cost three times running them
    on SQLite, some 1 ms a call)."""
    headline = headline_of(dialect)
    watch_id: sa.BindParameter[Any] = sa.bindparam("watch_id")
    after_changes = (
        sa.select(headline)
        .select_from(changes.join(versions, versions.c.id == changes.c.new_version_id))
        .where(changes.c.watch_id == watch_id)
        .order_by(changes.c.id.desc())
        .limit(limit)
    )
    first = sa.select(headline).where(versions.c.watch_id == watch_id, versions.c.number == 1)
    reported = (
        sa.select(sa.func.count())
        .select_from(changes)
        .where(changes.c.watch_id == watch_id, changes.c.kinds.like('%"ab_test"%'))
    )
    return after_changes, first, reported


def headline_history(
    connection: Connection, watch_id: int, dialect: str, limit: int
) -> tuple[list[str], bool]:
    """The headline after each of the last ``limit`` changes, oldest first, led by the first
    version's when the history is that short; and whether any change was an A/B test."""
    after_changes, first, reported_query = _headline_statements(dialect, limit)
    params = {"watch_id": watch_id}
    headlines = [str(h or "") for h in connection.scalars(after_changes, params)][::-1]
    if len(headlines) < limit:
        headlines.insert(0, str(connection.scalar(first, params) or ""))
    reported = connection.scalar(reported_query, params)
    return headlines, bool(reported)

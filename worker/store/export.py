"""``editwatch export`` / ``import``: the history as JSON lines, and back, row for row.

One JSON object per line, ``type`` first: a ``header``, then every ``watch``, ``version``,
``change`` and ``check``, in id order. Every column is written, so an import into an empty
database reproduces the rows (ids included) and exporting that database again gives the same
lines. Values are plain JSON: times in ISO 8601 UTC, the article and the diff as objects, and
the raw page, when asked for, as base64 of the HTML as fetched (it is stored compressed).
Without ``raw_html`` the imported versions have no page, like versions past retention.
A version record carries its page as its ``raw_html`` field, as before pages moved to their own
table (``version_pages``), so exports of either layout import into the other.

The notification outbox is not exported: it is delivery state, not history.

Filters keep the file self-consistent: ``watch_ids`` limits everything to those watches; with
``since`` versions last seen, changes detected and checks started at or after it are written,
plus the older versions those changes point at.
"""

from __future__ import annotations

import base64
import json
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from worker.errors import StoreError
from worker.store.engine import transaction
from worker.store.rows import RAW_HTML_COMPRESSION_LEVEL
from worker.store.schema import (
    VERSIONS_WITH_PAGES,
    UTCDateTime,
    changes,
    checks,
    version_pages,
    versions,
    watches,
)

FORMAT = "editwatch-export"
FORMAT_VERSION = 1
TABLES = {"watch": watches, "version": versions, "change": changes, "check": checks}
JSON_COLUMNS = {("version", "article"), ("change", "kinds"), ("change", "diff")}
INSERT_BATCH = 500
WRITE_ORDER = {**TABLES, "page": version_pages}  # parents first: a page after its version
PAGE_AFTER = "article"  # where a version record's raw_html field sits (its old column place)
# Nullable columns added after the first export format, with the revision that added them: an
# export whose header names an older schema has none, and imports them as NULL (their default).
ADDED_IN = {("version", "reread_of"): "0006"}


@dataclass(frozen=True, slots=True)
class ExportFilter:
    watch_ids: Sequence[int] | None = None
    since: datetime | None = None
    raw_html: bool = False


def export_lines(engine: Engine, chosen: ExportFilter, schema: str) -> Iterator[str]:
    """The export, one JSON text per line (without newlines), streamed from one snapshot."""
    header = {"type": "header", "format": FORMAT, "version": FORMAT_VERSION, "schema": schema}
    yield _line(header)
    with transaction(engine, write=False, action="exporting") as connection:
        for kind, query in _queries(chosen):
            for row in connection.execute(query).mappings():
                yield _line({"type": kind, **_encode(kind, dict(row), chosen.raw_html)})


def _queries(chosen: ExportFilter) -> list[tuple[str, sa.Select[Any]]]:
    def of(table: sa.Table) -> sa.Select[Any]:
        query = sa.select(table).order_by(table.c.id)
        if chosen.watch_ids is not None:
            column = table.c.id if table is watches else table.c.watch_id
            query = query.where(column.in_(list(chosen.watch_ids)))
        return query

    version_query = _with_pages(of(versions), chosen.raw_html)
    change_query, check_query = of(changes), of(checks)
    if chosen.since is not None:
        since = chosen.since
        change_query = change_query.where(changes.c.detected_at >= since)
        pointed = sa.select(changes.c.old_version_id).where(
            changes.c.detected_at >= since, changes.c.old_version_id.is_not(None)
        )
        version_query = version_query.where(
            sa.or_(versions.c.last_seen >= since, versions.c.id.in_(pointed))
        )
        check_query = check_query.where(checks.c.started_at >= since)
    return [("watch", of(watches)), ("version", version_query), ("change", change_query),
            ("check", check_query)]  # fmt: skip


def _with_pages(query: sa.Select[Any], with_html: bool) -> sa.Select[Any]:
    """Versions with their compressed page (NULL when none is kept) in the record's field;
    without ``with_html`` the field is NULL and no page is read."""
    page = version_pages.c.raw_html if with_html else sa.null().label("raw_html")
    columns: list[sa.ColumnElement[Any]] = []
    for column in versions.c:
        columns.append(column)
        if column.name == PAGE_AFTER:
            columns.append(page)
    query = query.with_only_columns(*columns)
    if not with_html:
        return query
    joined = VERSIONS_WITH_PAGES
    return query.select_from(joined)


def _encode(kind: str, row: dict[str, Any], with_html: bool) -> dict[str, Any]:
    table = TABLES[kind]
    out: dict[str, Any] = {}
    for name, value in row.items():
        if (kind, name) in JSON_COLUMNS:
            out[name] = json.loads(value)
        elif kind == "version" and name == "raw_html":
            out[name] = _page_out(value) if with_html else None
        elif isinstance(table.c[name].type, UTCDateTime) and value is not None:
            out[name] = value.isoformat()
        else:
            out[name] = value
    return out


def _page_out(blob: bytes | None) -> str | None:
    return None if blob is None else base64.b64encode(zlib.decompress(blob)).decode("ascii")


def _line(record: dict[str, Any]) -> str:
    return json.dumps(record, ensure_ascii=False, sort_keys=False)


# --- import ------------------------------------------------------------------------------


@dataclass
class ImportCounts:
    watch: int = 0
    version: int = 0
    change: int = 0
    check: int = 0


def import_lines(engine: Engine, lines: Iterable[str], source: str) -> ImportCounts:
    """Load an export into an empty database, in one transaction (all or nothing)."""
    counts = ImportCounts()
    with transaction(engine, write=True, action=f"importing {source}") as connection:
        if connection.scalar(sa.select(sa.func.count()).select_from(watches)):
            raise StoreError(
                f"cannot import {source}: the database already holds watches; "
                "import into an empty database (a new DATABASE_URL or --data)"
            )
        current: dict[int, int | None] = {}
        pending: dict[str, list[dict[str, Any]]] = {kind: [] for kind in WRITE_ORDER}
        for number, schema, record in _records(lines, source):
            kind = record.pop("type")
            row = _decode(kind, record, f"{source}:{number}", schema)
            if kind == "watch":
                current[row["id"]] = row.pop("current_version_id")
            if kind == "version":
                _pend_page(pending, row["id"], row.pop("raw_html"))
            pending[kind].append(row)
            setattr(counts, kind, getattr(counts, kind) + 1)
            _flush_full(connection, pending)
        _flush(connection, pending)
        _restore_current_versions(connection, current)
        _advance_sequences(connection)
    return counts


def _pend_page(pending: dict[str, list[dict[str, Any]]], version_id: int, page: Any) -> None:
    if page is not None:
        pending["page"].append({"version_id": version_id, "raw_html": page})


def _records(lines: Iterable[str], source: str) -> Iterator[tuple[int, str, dict[str, Any]]]:
    """``(line number, the header's schema revision, record)`` of every row record."""
    schema: str | None = None
    for number, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        try:
            record = json.loads(text)
        except json.JSONDecodeError as error:
            raise StoreError(f"{source}:{number}: not JSON ({error.msg})") from None
        kind = record.get("type") if isinstance(record, dict) else None
        if kind == "header":
            _check_header(record, f"{source}:{number}")
            schema = str(record.get("schema") or "")
        elif schema is None:
            raise StoreError(f"{source}:{number}: expected the editwatch export header first")
        elif kind not in TABLES:
            raise StoreError(f"{source}:{number}: unknown record type {kind!r}")
        else:
            yield number, schema, record


def _check_header(record: dict[str, Any], where: str) -> None:
    if record.get("format") != FORMAT or record.get("version") != FORMAT_VERSION:
        raise StoreError(
            f"{where}: not an {FORMAT} file of version {FORMAT_VERSION} "
            f"(format={record.get('format')!r}, version={record.get('version')!r})"
        )


def _decode(kind: str, record: dict[str, Any], where: str, schema: str) -> dict[str, Any]:
    for (added_kind, name), revision in ADDED_IN.items():
        if added_kind == kind and name not in record and schema < revision:
            record[name] = None  # exported before the column existed
    fields = _fields(kind)
    missing = [name for name in fields if name not in record]
    unknown = sorted(set(record) - set(fields))
    if missing or unknown:
        raise StoreError(f"{where}: {kind} record has missing {missing} / unknown {unknown} fields")
    return {name: _value(kind, name, value, where) for name, value in record.items()}


def _fields(kind: str) -> list[str]:
    """The fields of a record: its table's columns, and a version's page."""
    names = list(TABLES[kind].c.keys())
    return [*names, "raw_html"] if kind == "version" else names


def _value(kind: str, name: str, value: Any, where: str) -> Any:
    try:
        if (kind, name) in JSON_COLUMNS:
            return json.dumps(value, sort_keys=True)
        if kind == "version" and name == "raw_html":
            return _page_in(value)
        if isinstance(TABLES[kind].c[name].type, UTCDateTime) and value is not None:
            return datetime.fromisoformat(value)
    except (TypeError, ValueError) as error:
        raise StoreError(f"{where}: {kind}.{name}: {error}") from None
    return value


def _page_in(text: str | None) -> bytes | None:
    if text is None:
        return None
    return zlib.compress(base64.b64decode(text, validate=True), RAW_HTML_COMPRESSION_LEVEL)


def _flush_full(connection: Connection, pending: dict[str, list[dict[str, Any]]]) -> None:
    if any(len(rows) >= INSERT_BATCH for rows in pending.values()):
        _flush(connection, pending)


def _flush(connection: Connection, pending: dict[str, list[dict[str, Any]]]) -> None:
    """Insert buffered rows parents first, so foreign keys always find their rows."""
    for kind, table in WRITE_ORDER.items():
        if pending[kind]:
            connection.execute(table.insert(), pending[kind])
            pending[kind].clear()


def _restore_current_versions(connection: Connection, current: dict[int, int | None]) -> None:
    for watch_id, version_id in current.items():
        if version_id is not None:
            connection.execute(
                watches.update()
                .where(watches.c.id == watch_id)
                .values(current_version_id=version_id)
            )


def _advance_sequences(connection: Connection) -> None:
    """Explicit ids do not move PostgreSQL's serial sequences; move them past the rows."""
    if connection.dialect.name != "postgresql":
        return
    for table in TABLES.values():
        connection.execute(
            sa.text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                f"(SELECT coalesce(max(id), 0) + 1 FROM {table.name}), false)"
            )
        )

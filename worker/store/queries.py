"""Read-only questions the web viewer and the JSON API ask, answered in a few indexed queries.

Why a module of its own: the viewer lists 10,000 watches and pages through 200,000 versions, so
it cannot afford the per-watch round trips the pipeline's methods make (``versions()`` loads
every article). These queries aggregate in SQL, touch only the rows of the page being shown,
read the headline out of the stored article JSON instead of decoding whole articles, and never
load raw HTML. They write nothing; the indexes they need are part of the schema
(``worker.store.schema``, migration 0003).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping

from worker.models import Notification
from worker.store import outbox
from worker.store.schema import UTCDateTime, changes, checks, notifications, versions, watches
from worker.store.sql import Store

DAY = timedelta(days=1)
WEEK = timedelta(days=7)
LIKE_ESCAPE = "\\"

JSON_ESCAPED = frozenset('"\\')  # characters json.dumps writes differently from the text


@dataclass(frozen=True, slots=True)
class WatchSummary:
    """One line of the watch list: identity, last check, current headline, recent activity."""

    id: int
    url: str
    name: str
    source: str | None
    last_checked_at: datetime | None
    last_outcome: str | None
    last_error: str | None
    consecutive_failures: int
    current_version: int | None
    version_count: int
    headline: str
    changes_24h: int
    changes_7d: int
    last_change_at: datetime | None
    first_seen: datetime | None
    canonical_url: str | None = None  # the article's current address (a slug change moves it)


@dataclass(frozen=True, slots=True)
class WatchPage:
    """A page of the watch list and how many watches match the filters in all."""

    watches: tuple[WatchSummary, ...]
    total: int


@dataclass(frozen=True, slots=True)
class ChangeSummary:
    """A recorded change with the names a reader needs: watch, versions and both headlines."""

    id: int
    watch_id: int
    watch: str
    url: str
    old_version: int | None
    new_version: int
    old_headline: str
    new_headline: str
    kinds: tuple[str, ...]
    significance: str
    silent: bool
    detected_at: datetime
    diff: dict[str, Any]


@dataclass(frozen=True, slots=True)
class VersionSummary:
    """A stored state without its article body or page: number, times, headline."""

    number: int
    fingerprint: str
    headline: str
    first_seen: datetime
    last_seen: datetime
    extractor_version: str
    reread_of: int | None = None  # an older version's page read again: no edit


@dataclass(frozen=True, slots=True)
class CheckCounts:
    """Checks of one watch since a moment: how many, and how many failed."""

    watch_id: int
    url: str
    consecutive_failures: int
    checks: int
    errors: int


@dataclass(frozen=True, slots=True)
class AlertState:
    """Where one alert for one change stands on one channel."""

    change_id: int
    channel: str
    state: str
    attempts: int
    last_error: str | None


class ViewQueries:
    """The viewer's read-only queries over one :class:`Store`."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def _read(self, action: str) -> Any:
        return self._store._read(action)

    def _headline(self, column: sa.ColumnElement[Any]) -> sa.ColumnElement[str]:
        """The ``headline`` of a stored article JSON, read in SQL without decoding the rest."""
        if self._store.backend == "postgresql":
            return sa.func.coalesce(
                sa.func.json_extract_path_text(sa.cast(column, sa.JSON), "headline"), ""
            )
        return sa.func.coalesce(sa.func.json_extract(column, "$.headline"), "")

    # --- watches ---------------------------------------------------------------------------

    def watch_page(
        self,
        *,
        now: datetime,
        urls: Collection[str] | None = None,
        sources: Collection[str] | None = None,
        site: str | None = None,
        search: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> WatchPage:
        """Watches matching every filter given, by name.

        ``urls`` (and ``sources``, feeds whose discoveries count too) restrict to a tag's
        watches; ``site`` to one host; ``search`` to URLs, names and headlines holding it.
        """
        current = versions.alias("current_version")
        headline = self._headline(current.c.article).label("headline")
        matching = sa.select(watches.c.id, watches.c.url, watches.c.source)
        if search:
            matching = matching.select_from(
                watches.outerjoin(current, current.c.id == watches.c.current_version_id)
            ).where(self._search(current, search.strip()))
        wanted = _wanted(urls, sources, site)
        with self._read("listing watches for the viewer") as connection:
            # One pass over (id, url, source) of the matches gives the total and the page; tag
            # and site are tested here, as thousands of URLs in an IN list or eight LIKEs per
            # row would cost the database far more than a set lookup costs Python.
            found_ids = connection.execute(matching.order_by(watches.c.name, watches.c.id))
            ids = [row.id for row in found_ids if wanted(row.url, row.source)]
            chosen = ids[offset : offset + limit]
            page = (
                sa.select(watches, current.c.number.label("current_number"), headline)
                .select_from(
                    watches.outerjoin(current, current.c.id == watches.c.current_version_id)
                )
                .where(watches.c.id.in_(chosen))
            )
            found = {row["id"]: row for row in connection.execute(page).mappings()}
            stats = _activity(connection, chosen, now)
        rows = [found[i] for i in chosen if i in found]
        return WatchPage(tuple(_summary(row, stats) for row in rows), len(ids))

    def _search(self, current: Any, text: str) -> sa.ColumnElement[bool]:
        """URL, name or current headline holds ``text`` (any case).

        Reading the headline out of JSON is the costly part, so rows whose stored article
        does not hold the text at all are dropped first by a plain substring match (only when
        the text is stored verbatim in JSON: ASCII without quotes or backslashes).
        """
        pattern = f"%{_escape_like(text)}%"
        in_headline: sa.ColumnElement[bool] = self._headline(current.c.article).ilike(
            pattern, escape=LIKE_ESCAPE
        )
        if text.isascii() and text.isprintable() and not JSON_ESCAPED & set(text):
            in_article = (
                current.c.article.like(pattern, escape=LIKE_ESCAPE)
                if self._store.backend == "sqlite"  # SQLite's LIKE ignores ASCII case already
                else current.c.article.ilike(pattern, escape=LIKE_ESCAPE)
            )
            in_headline = sa.and_(in_article, in_headline)
        return sa.or_(
            watches.c.url.ilike(pattern, escape=LIKE_ESCAPE),
            watches.c.name.ilike(pattern, escape=LIKE_ESCAPE),
            in_headline,
        )

    def watch_summary(self, watch_id: int, now: datetime) -> WatchSummary | None:
        """One watch as the watch list shows it; ``None`` when there is no such watch."""
        current = versions.alias("current_version")
        query = (
            sa.select(
                watches,
                current.c.number.label("current_number"),
                self._headline(current.c.article).label("headline"),
            )
            .select_from(watches.outerjoin(current, current.c.id == watches.c.current_version_id))
            .where(watches.c.id == watch_id)
        )
        with self._read("reading a watch for the viewer") as connection:
            row = connection.execute(query).mappings().first()
            if row is None:
                return None
            stats = _activity(connection, [watch_id], now)
        return _summary(row, stats)

    def check_counts(self, since: datetime) -> list[CheckCounts]:
        """Every watch with its checks and failed checks since ``since`` (for site health)."""
        recent = (
            sa.select(
                checks.c.watch_id,
                sa.func.count().label("checks"),
                sa.func.sum(sa.case((checks.c.outcome == "error", 1), else_=0)).label("errors"),
            )
            .where(checks.c.started_at >= since)
            .group_by(checks.c.watch_id)
        )
        every = sa.select(watches.c.id, watches.c.url, watches.c.consecutive_failures)
        with self._read("counting recent checks") as connection:
            counted = {row.watch_id: (row.checks, row.errors) for row in connection.execute(recent)}
            return [
                CheckCounts(row.id, row.url, row.consecutive_failures, *counted.get(row.id, (0, 0)))
                for row in connection.execute(every)
            ]

    # --- versions and changes --------------------------------------------------------------

    def version_list(self, watch_id: int) -> list[VersionSummary]:
        """Every state of a watch, oldest first, without article bodies."""
        query = (
            sa.select(
                versions.c.number,
                versions.c.fingerprint,
                self._headline(versions.c.article).label("headline"),
                versions.c.first_seen,
                versions.c.last_seen,
                versions.c.extractor_version,
                versions.c.reread_of,
            )
            .where(versions.c.watch_id == watch_id)
            .order_by(versions.c.number)
        )
        with self._read("listing versions for the viewer") as connection:
            return [VersionSummary(**row) for row in connection.execute(query).mappings()]

    def version_id(self, watch_id: int, number: int) -> int | None:
        """The row id of version ``number`` (to fetch its raw page)."""
        with self._read("finding a version") as connection:
            found: int | None = connection.scalar(
                sa.select(versions.c.id).where(
                    versions.c.watch_id == watch_id, versions.c.number == number
                )
            )
        return found

    def change_list(
        self,
        *,
        watch_ids: Collection[int] | None = None,
        tagged: tuple[Collection[str], Collection[str]] | None = None,
        since: datetime | None = None,
        kind: str | None = None,
        before_id: int | None = None,
        limit: int | None = 50,
        newest_first: bool = True,
    ) -> list[ChangeSummary]:
        """Changes matching the filters, newest first; page on with ``before_id`` (an id).

        ``tagged`` is (watch URLs, feed URLs): the watches of a tag and what its feeds found.
        """
        query = self._changes_query()
        if watch_ids is not None:
            query = query.where(changes.c.watch_id.in_(list(watch_ids)))
        if tagged is not None:
            query = query.where(
                sa.or_(watches.c.url.in_(list(tagged[0])), watches.c.source.in_(list(tagged[1])))
            )
        if since is not None:
            query = query.where(changes.c.detected_at >= since)
        if kind:
            pattern = f'%"{_escape_like(kind)}"%'
            query = query.where(changes.c.kinds.like(pattern, escape=LIKE_ESCAPE))
        if before_id is not None:
            query = query.where(changes.c.id < before_id)
        order = changes.c.id.desc() if newest_first else changes.c.id
        with self._read("listing changes for the viewer") as connection:
            rows = connection.execute(query.order_by(order).limit(limit)).mappings()
            return [_change_summary(row) for row in rows]

    def change_between(self, watch_id: int, old: int, new: int) -> ChangeSummary | None:
        """The recorded change from version ``old`` straight to ``new``, if there is one."""
        old_version = versions.alias("old_version")
        new_version = versions.alias("new_version")
        query = (
            self._changes_query(old_version, new_version)
            .where(
                changes.c.watch_id == watch_id,
                old_version.c.number == old,
                new_version.c.number == new,
            )
            .order_by(changes.c.id.desc())
            .limit(1)
        )
        with self._read("reading a change") as connection:
            row = connection.execute(query).mappings().first()
        return None if row is None else _change_summary(row)

    def _changes_query(self, old: Any = None, new: Any = None) -> sa.Select[Any]:
        """Changes joined with their watch and both versions' numbers and headlines."""
        old = versions.alias("old_version") if old is None else old
        new = versions.alias("new_version") if new is None else new
        return sa.select(
            changes,
            watches.c.name.label("watch_name"),
            watches.c.url.label("watch_url"),
            old.c.number.label("old_number"),
            new.c.number.label("new_number"),
            self._headline(old.c.article).label("old_headline"),
            self._headline(new.c.article).label("new_headline"),
        ).select_from(
            changes.join(watches, watches.c.id == changes.c.watch_id)
            .outerjoin(old, old.c.id == changes.c.old_version_id)
            .join(new, new.c.id == changes.c.new_version_id)
        )

    # --- alerts ----------------------------------------------------------------------------

    def alert_states(self, change_ids: Sequence[int]) -> list[AlertState]:
        """Every outbox row of these changes, one per channel."""
        if not change_ids:
            return []
        query = (
            sa.select(
                notifications.c.change_id,
                notifications.c.channel,
                notifications.c.state,
                notifications.c.attempts,
                notifications.c.last_error,
            )
            .where(notifications.c.change_id.in_(list(change_ids)))
            .order_by(notifications.c.id)
        )
        with self._read("reading alert states") as connection:
            return [AlertState(**row) for row in connection.execute(query).mappings()]

    def alert_page(
        self, *, state: str | None = None, before_id: int | None = None, limit: int = 100
    ) -> list[Notification]:
        """Outbox rows newest first, in one state if given; page on with ``before_id``."""
        with self._read("listing alerts for the viewer") as connection:
            query = outbox._with_change().order_by(notifications.c.id.desc()).limit(limit)
            if state is not None:
                query = query.where(notifications.c.state == state)
            if before_id is not None:
                query = query.where(notifications.c.id < before_id)
            return [outbox._notification(row) for row in connection.execute(query).mappings()]


def _escape_like(text: str) -> str:
    """``text`` matched literally by LIKE: its own ``%``, ``_`` and backslashes escaped."""
    return (
        text.replace(LIKE_ESCAPE, LIKE_ESCAPE * 2)
        .replace("%", LIKE_ESCAPE + "%")
        .replace("_", LIKE_ESCAPE + "_")
    )


def _wanted(
    urls: Collection[str] | None, sources: Collection[str] | None, site: str | None
) -> Callable[[str, str | None], bool]:
    """The tag and site test for one watch's (url, source)."""
    url_set = None if urls is None else set(urls)
    source_set = set(sources or ())
    host = site.strip().lower().removeprefix("www.") if site else None

    def wanted(url: str, source: str | None) -> bool:
        if url_set is not None and url not in url_set and source not in source_set:
            return False
        return host is None or site_of(url) == host

    return wanted


@lru_cache(maxsize=1 << 17)
def site_of(url: str) -> str:
    """The site a URL belongs to: its host, without a leading ``www.`` (cached: watch URLs
    do not change, and the watch list tests every one of them)."""
    return (urlsplit(url).hostname or "").lower().removeprefix("www.")


def _activity(
    connection: Connection, watch_ids: Sequence[int], now: datetime
) -> dict[int, tuple[int, int, int, datetime | None, datetime | None]]:
    """Per watch: (versions, changes in 24 h, changes in 7 d, last change, first seen)."""
    if not watch_ids:
        return {}
    ids = list(watch_ids)
    recent = sa.case((changes.c.detected_at >= now - DAY, 1), else_=0)
    week = sa.case((changes.c.detected_at >= now - WEEK, 1), else_=0)
    change_rows = connection.execute(
        sa.select(
            changes.c.watch_id,
            sa.func.sum(recent),
            sa.func.sum(week),
            sa.type_coerce(sa.func.max(changes.c.detected_at), UTCDateTime),
        )
        .where(changes.c.watch_id.in_(ids))
        .group_by(changes.c.watch_id)
    ).all()
    version_rows = connection.execute(
        sa.select(
            versions.c.watch_id,
            sa.func.count(),
            sa.type_coerce(sa.func.min(versions.c.first_seen), UTCDateTime),
        )
        .where(versions.c.watch_id.in_(ids))
        .group_by(versions.c.watch_id)
    ).all()
    by_change = {row[0]: (int(row[1] or 0), int(row[2] or 0), row[3]) for row in change_rows}
    by_version = {row[0]: (int(row[1]), row[2]) for row in version_rows}
    out: dict[int, tuple[int, int, int, datetime | None, datetime | None]] = {}
    for watch_id in ids:
        day, seven, last = by_change.get(watch_id, (0, 0, None))
        count, first = by_version.get(watch_id, (0, None))
        out[watch_id] = (count, day, seven, last, first)
    return out


def _summary(
    row: RowMapping, stats: dict[int, tuple[int, int, int, datetime | None, datetime | None]]
) -> WatchSummary:
    count, day, week, last_change, first_seen = stats.get(row["id"], (0, 0, 0, None, None))
    return WatchSummary(
        id=row["id"],
        url=row["url"],
        name=row["name"],
        source=row["source"],
        last_checked_at=row["last_checked_at"],
        last_outcome=row["last_outcome"],
        last_error=row["last_error"],
        consecutive_failures=row["consecutive_failures"],
        current_version=row["current_number"],
        version_count=count,
        headline=row["headline"] or "",
        changes_24h=day,
        changes_7d=week,
        last_change_at=last_change,
        first_seen=first_seen,
        canonical_url=row["canonical_url"],
    )


def _change_summary(row: RowMapping) -> ChangeSummary:
    return ChangeSummary(
        id=row["id"],
        watch_id=row["watch_id"],
        watch=row["watch_name"],
        url=row["watch_url"],
        old_version=row["old_number"],
        new_version=row["new_number"],
        old_headline=row["old_headline"] or "",
        new_headline=row["new_headline"] or "",
        kinds=tuple(json.loads(row["kinds"])),
        significance=row["significance"],
        silent=bool(row["silent"]),
        detected_at=row["detected_at"],
        diff=json.loads(row["diff"]),
    )

"""The addresses an article was seen under, and watches merged because they follow one article.

Each row of ``watch_urls`` says "this identity key (:func:`worker.urls.identity_key`) is this
watch's article". The key is unique, so two processes seeing one article under two URLs
cannot both claim it: the second insert is a no-op (``ON CONFLICT DO NOTHING``) and that
process finds the owner instead. A merged watch points at the one that carries on
(``watches.merged_into``); its own versions stay with it, so no hash chain is rewritten.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from worker.store.engine import conflict_insert
from worker.store.records import ArticleAddress
from worker.store.schema import watch_urls, watches
from worker.urls import identity_key

MERGE_HOPS = 8  # a chain of merges longer than this is a bug, not a history to follow
KEYS_HELD = sa.select(watch_urls.c.watch_id, watch_urls.c.url_key).where(
    watch_urls.c.watch_id.in_(sa.bindparam("ids", expanding=True))
)  # built once: every check batch runs it


def address_of(connection: Connection, watch_id: int) -> ArticleAddress:
    row = connection.execute(
        sa.select(watches.c.canonical_url, watches.c.merged_into).where(watches.c.id == watch_id)
    ).first()
    if row is None:
        return ArticleAddress(None, None)
    return ArticleAddress(row.canonical_url, row.merged_into)


def keys_held(connection: Connection, watch_ids: Sequence[int]) -> dict[int, frozenset[str]]:
    """The identity keys each of ``watch_ids`` holds, in one query: a check whose article is at
    an address its own watch holds needs no look-up of the address's owner."""
    held: dict[int, set[str]] = {}
    for watch_id, key in connection.execute(KEYS_HELD, {"ids": list(watch_ids)}):
        held.setdefault(watch_id, set()).add(key)
    return {watch_id: frozenset(keys) for watch_id, keys in held.items()}


def owner_of(connection: Connection, key: str) -> int | None:
    """The watch following the article known by ``key``: merges are followed to the end."""
    owner: int | None = connection.scalar(
        sa.select(watch_urls.c.watch_id).where(watch_urls.c.url_key == key)
    )
    for _ in range(MERGE_HOPS):
        if owner is None:
            return None
        onward: int | None = connection.scalar(
            sa.select(watches.c.merged_into).where(watches.c.id == owner)
        )
        if onward is None:
            return owner
        owner = onward
    return owner


def claim(
    connection: Connection, watch_id: int, addresses: Iterable[tuple[str, str]], now: datetime
) -> None:
    """Record (key, url) pairs as this watch's; a key another watch holds stays with it."""
    values = [
        {"watch_id": watch_id, "url_key": key, "url": url, "first_seen": now}
        for key, url in dict(addresses).items()
        if key
    ]
    if values:
        connection.execute(_insert_ignoring_known(connection), values)


def claim_own(connection: Connection, owned: Iterable[tuple[int, str]], now: datetime) -> None:
    """New watches' own URLs as their first addresses: one statement for the batch given
    (registration passes a chunk at a time, see ``Store.sync_watches``)."""
    values = [
        {"watch_id": watch_id, "url_key": key, "url": url, "first_seen": now}
        for watch_id, url in owned
        if (key := identity_key(url))
    ]
    if values:
        connection.execute(_insert_ignoring_known(connection), values)


def _insert_ignoring_known(connection: Connection) -> Any:
    return conflict_insert(connection, watch_urls).on_conflict_do_nothing(
        index_elements=["url_key"]
    )


def merge(connection: Connection, retired: int, into: int) -> bool:
    """``retired`` follows the article ``into`` follows: it stops, its addresses move over."""
    result = connection.execute(
        watches.update()
        .where(watches.c.id == retired, watches.c.merged_into.is_(None))
        .values(merged_into=into)
    )
    if result.rowcount != 1:
        return False
    connection.execute(
        watch_urls.update().where(watch_urls.c.watch_id == retired).values(watch_id=into)
    )
    return True


def merged_ids(connection: Connection) -> set[int]:
    return set(
        connection.scalars(sa.select(watches.c.id).where(watches.c.merged_into.is_not(None)))
    )


def owners_of(connection: Connection, keys: Sequence[str]) -> dict[str, tuple[int, str]]:
    """Those of ``keys`` some watch holds -> (that watch's id, its URL): a feed's items are
    looked up in one query, whatever the number of watches."""
    query = (
        sa.select(watch_urls.c.url_key, watches.c.id, watches.c.url)
        .join(watches, watches.c.id == watch_urls.c.watch_id)
        .where(watch_urls.c.url_key.in_(list(keys)))
    )
    return {row.url_key: (row.id, row.url) for row in connection.execute(query)}

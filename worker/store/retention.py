"""Retention: drop the raw HTML of superseded versions once it is old; keep everything else.

Raw pages are by far the largest thing editwatch stores (changedetection.io users report
hundreds of GB of snapshots), and they are needed only to re-extract a version with a newer
extractor. So after ``retention.raw_html`` a version that is no longer its watch's current
state loses its page (its ``version_pages`` row is deleted), while its extracted article,
fingerprint, times and every change row stay: history, diffs, alerts and exports are unaffected.

A version's age is its ``last_seen``: a state the site keeps serving is not old. Pages are
dropped in batches of :data:`BATCH` rows, one short transaction each, so workers are never
blocked for long. SQLite reuses the freed pages; ``VACUUM`` gives them back to the disk.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from worker.store.engine import transaction
from worker.store.schema import version_pages, versions, watches

BATCH = 500


@dataclass(frozen=True, slots=True)
class PruneReport:
    """What a prune found (dry run) or did: versions and compressed bytes of raw HTML."""

    cutoff: datetime
    versions: int
    bytes: int
    applied: bool


def prunable(cutoff: datetime) -> sa.Select[tuple[int]]:
    """Ids of versions whose page may go: not current, not seen since ``cutoff``, page kept."""
    current = sa.select(watches.c.current_version_id).where(
        watches.c.current_version_id.is_not(None)
    )
    return (
        sa.select(version_pages.c.version_id)
        .join(versions, versions.c.id == version_pages.c.version_id)
        .where(versions.c.last_seen < cutoff, versions.c.id.not_in(current))
    )


def measure(connection: Connection, cutoff: datetime) -> tuple[int, int]:
    """(versions, bytes of compressed HTML) that a prune at ``cutoff`` would drop."""
    size = sa.func.coalesce(sa.func.sum(sa.func.length(version_pages.c.raw_html)), 0)
    query = sa.select(sa.func.count(), size).where(version_pages.c.version_id.in_(prunable(cutoff)))
    count, size = connection.execute(query).one()
    return int(count), int(size)


def prune_raw_html(engine: Engine, older_than: float, now: datetime, apply: bool) -> PruneReport:
    """Report, and with ``apply`` drop, the raw HTML older than ``older_than`` seconds."""
    cutoff = now - timedelta(seconds=older_than)
    with transaction(engine, write=False, action="measuring prunable raw html") as connection:
        count, size = measure(connection, cutoff)
    if apply:
        _drop_in_batches(engine, cutoff)
    return PruneReport(cutoff, count, size, apply)


def _drop_in_batches(engine: Engine, cutoff: datetime) -> None:
    while True:
        with transaction(engine, write=True, action="dropping old raw html") as connection:
            batch = prunable(cutoff).order_by(version_pages.c.version_id).limit(BATCH)
            ids = list(connection.scalars(batch))
            if not ids:
                return
            connection.execute(version_pages.delete().where(version_pages.c.version_id.in_(ids)))

"""The store stage: editwatch's memory, on SQLite (default) or PostgreSQL.

``Store`` (in ``sql``) is the only entry point; behind it are ``schema`` (the tables),
``engine`` (opening databases, transactions, error messages), ``rows`` (statements and
row -> value conversions), ``outbox`` (queueing and claiming notifications), ``evidence``
(hashes and the hash chain of each version), ``addresses`` (the addresses an article was
seen under, merged watches) and ``records`` (the frozen values the store
hands out). The viewer's read-only queries (``queries.ViewQueries``) are imported from their
module by the viewer alone: ``editwatch check`` and the workers never need them.
"""

from worker.store.engine import DEFAULT_SQLITE_FILENAME
from worker.store.evidence import EvidenceRecord, Problem
from worker.store.migrate import SchemaOutOfDate
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
from worker.store.sql import Store

__all__ = [
    "DEFAULT_SQLITE_FILENAME",
    "ArticleAddress",
    "ChangeRecord",
    "CheckRecord",
    "CheckRow",
    "CheckState",
    "EvidenceRecord",
    "HeadlineHistory",
    "NewAlert",
    "NewChange",
    "Problem",
    "SavedState",
    "SchemaOutOfDate",
    "Store",
    "WatchRecord",
    "WatchState",
]

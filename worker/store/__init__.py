"""The store stage: editwatch's memory, on SQLite (default) or PostgreSQL.

``Store`` (in ``sql``) is the only entry point; behind it are ``schema`` (the tables),
``engine`` (opening databases, transactions, error messages), ``rows`` (statements and
row -> value conversions), ``outbox`` (queueing and claiming notifications) and ``records``
(the frozen values the store hands out).
"""

from worker.store.engine import DEFAULT_SQLITE_FILENAME
from worker.store.migrate import SchemaOutOfDate
from worker.store.records import ChangeRecord, CheckRecord, NewChange, SavedState, WatchRecord
from worker.store.sql import PayloadBuilder, Store

__all__ = [
    "DEFAULT_SQLITE_FILENAME",
    "ChangeRecord",
    "CheckRecord",
    "NewChange",
    "PayloadBuilder",
    "SavedState",
    "SchemaOutOfDate",
    "Store",
    "WatchRecord",
]

"""The tables editwatch keeps, as SQLAlchemy Core metadata.

One module holds the whole schema so a reader sees every table, key and constraint at once.
The unique constraints carry the concurrency story: ``versions (watch_id, fingerprint)`` means
a state is stored once however often it is seen, ``versions (watch_id, number)`` keeps version
numbers dense and unambiguous, ``notifications (change_id, channel)`` means a redelivered
task can never queue the same alert twice, and ``notifications (dedupe_key, channel)`` does the
same for operator health events (one per failure streak, one per site and day).

Every change here needs an Alembic revision too (``editwatch db revision``, see
:mod:`worker.store.migrate`); a test fails while the models and the newest revision differ.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, get_args

import sqlalchemy as sa
from sqlalchemy.engine import Dialect

from worker.models import VERSION_STATES, CheckOutcome, NotificationKind, NotificationState

OUTCOMES: tuple[str, ...] = get_args(CheckOutcome)
NOTIFICATION_STATES: tuple[str, ...] = get_args(NotificationState)
NOTIFICATION_KINDS: tuple[str, ...] = get_args(NotificationKind)

URL_LENGTH = 2048
NAME_LENGTH = 512
SHORT_LENGTH = 64


class UTCDateTime(sa.TypeDecorator[datetime]):
    """A timestamp that goes in and comes out timezone-aware UTC on every backend.

    PostgreSQL stores ``timestamptz``; SQLite has no time zones, so values are stored as naive
    UTC text of fixed width, which keeps ``<=`` comparisons in SQL correct. Naive datetimes are
    refused on the way in: guessing their zone is how off-by-hours bugs start.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value.isoformat()} given; use timezone-aware UTC")
        utc = value.astimezone(UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"expected a datetime from the database, got {value!r}")
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


metadata = sa.MetaData()

watches = sa.Table(
    "watches",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("url", sa.String(URL_LENGTH), nullable=False, unique=True),
    sa.Column("name", sa.String(NAME_LENGTH), nullable=False),
    sa.Column("source", sa.String(URL_LENGTH), nullable=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("etag", sa.String(NAME_LENGTH), nullable=True),
    sa.Column("last_modified", sa.String(SHORT_LENGTH), nullable=True),
    sa.Column("last_checked_at", UTCDateTime, nullable=True),
    sa.Column("last_outcome", sa.String(SHORT_LENGTH), nullable=True),
    sa.Column("last_error", sa.Text, nullable=True),
    sa.Column("consecutive_failures", sa.Integer, nullable=False, default=0),
    # Not a declared foreign key: versions also point at watches, and a cycle would force
    # use_alter / deferred constraints for no practical gain. The store alone writes it.
    sa.Column("current_version_id", sa.Integer, nullable=True),
    # When the article last took a state it did not have just before: a new version, a return
    # to an older one, a removal or a restore. The decay schedule counts from here, not from the
    # current version's first_seen (a revert reuses a version first seen on day 0).
    sa.Column("last_changed_at", UTCDateTime, nullable=True),
    # The article's current address (its trusted canonical link or where its redirects end),
    # NULL until a check has read it: what history, the viewer and the API show as its URL.
    sa.Column("canonical_url", sa.String(URL_LENGTH), nullable=True),
    # Set when this watch turned out to be an article another (older) watch already follows:
    # it is no longer checked, and its stored versions stay where they are.
    sa.Column("merged_into", sa.Integer, nullable=True),
)

# Every address an article was seen under (the configured or discovered URL, redirect targets,
# trusted canonical links), by identity key (worker.urls.identity_key). The unique key is what
# keeps a feed or sitemap from starting a second watch of one article.
watch_urls = sa.Table(
    "watch_urls",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column(
        "watch_id", sa.Integer, sa.ForeignKey("watches.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("url_key", sa.String(URL_LENGTH), nullable=False),
    sa.Column("url", sa.String(URL_LENGTH), nullable=False),
    sa.Column("first_seen", UTCDateTime, nullable=False),
    sa.UniqueConstraint("url_key", name="uq_watch_urls_key"),
    sa.Index("ix_watch_urls_watch", "watch_id"),
)

versions = sa.Table(
    "versions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column(
        "watch_id", sa.Integer, sa.ForeignKey("watches.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("number", sa.Integer, nullable=False),
    sa.Column("fingerprint", sa.String(SHORT_LENGTH * 2), nullable=False),
    sa.Column("article", sa.Text, nullable=False),
    sa.Column("extractor_version", sa.String(SHORT_LENGTH), nullable=False, default=""),
    sa.Column("first_seen", UTCDateTime, nullable=False),
    sa.Column("last_seen", UTCDateTime, nullable=False),
    # "live" (an article as read) or "removed" (404, 410, redirect to a section front).
    sa.Column(
        "state", sa.String(SHORT_LENGTH), nullable=False, default="live", server_default="live"
    ),
    # The *number* of the version whose stored page this state re-reads with a newer extractor
    # (an editwatch upgrade read it differently): not an edit, and never announced as one.
    sa.Column("reread_of", sa.Integer, nullable=True),
    sa.UniqueConstraint("watch_id", "fingerprint", name="uq_versions_watch_fingerprint"),
    sa.CheckConstraint(sa.column("state").in_(VERSION_STATES), name="ck_versions_state"),
    sa.UniqueConstraint("watch_id", "number", name="uq_versions_watch_number"),
)

# The page of a version as fetched (zlib), apart from the version row: a check that sees the
# same state again updates ``versions.last_seen``, and a 22 KB blob inside that row made each
# such UPDATE rewrite the whole row (SQLite) and each current-version read step over it. No row
# once retention.raw_html dropped the page; the extracted article and hashes stay.
version_pages = sa.Table(
    "version_pages",
    metadata,
    sa.Column(
        "version_id",
        sa.Integer,
        sa.ForeignKey("versions.id", ondelete="CASCADE"),
        primary_key=True,
        autoincrement=False,
    ),
    sa.Column("raw_html", sa.LargeBinary, nullable=False),
)
# Every version with its page when one is kept (retention drops pages, never versions).
VERSIONS_WITH_PAGES = versions.outerjoin(version_pages, version_pages.c.version_id == versions.c.id)

checks = sa.Table(
    "checks",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column(
        "watch_id", sa.Integer, sa.ForeignKey("watches.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("started_at", UTCDateTime, nullable=False),
    sa.Column("duration_ms", sa.Float, nullable=False),
    sa.Column("status", sa.Integer, nullable=True),
    sa.Column("bytes", sa.Integer, nullable=False, default=0),
    sa.Column("outcome", sa.String(SHORT_LENGTH), nullable=False),
    sa.Column("error", sa.Text, nullable=True),
    # Why the check found no new state ("same canonical text; dropped as noise: ..."), for
    # ``editwatch history --verbose``.
    sa.Column("detail", sa.Text, nullable=True),
    sa.CheckConstraint(sa.column("outcome").in_(OUTCOMES), name="ck_checks_outcome"),
)

changes = sa.Table(
    "changes",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column(
        "watch_id", sa.Integer, sa.ForeignKey("watches.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("old_version_id", sa.Integer, sa.ForeignKey("versions.id"), nullable=True),
    sa.Column("new_version_id", sa.Integer, sa.ForeignKey("versions.id"), nullable=False),
    sa.Column("kinds", sa.Text, nullable=False),
    sa.Column("significance", sa.String(SHORT_LENGTH), nullable=False),
    sa.Column("silent", sa.Boolean, nullable=False, default=False),
    sa.Column("diff", sa.Text, nullable=False),
    sa.Column("detected_at", UTCDateTime, nullable=False),
    sa.Index("ix_changes_watch_detected", "watch_id", "detected_at"),
)

notifications = sa.Table(
    "notifications",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    # NULL for digests and operator events, which announce no single change.
    sa.Column(
        "change_id", sa.Integer, sa.ForeignKey("changes.id", ondelete="CASCADE"), nullable=True
    ),
    sa.Column("kind", sa.String(SHORT_LENGTH), nullable=False, default="change"),
    sa.Column("channel", sa.String(NAME_LENGTH), nullable=False),
    # Set on rows merged into a digest: the digest row they are delivered with.
    sa.Column("digest_id", sa.Integer, nullable=True),
    # Operator events: one row per (event occurrence, channel), however often it is reported.
    sa.Column("dedupe_key", sa.String(NAME_LENGTH), nullable=True),
    sa.Column("payload", sa.Text, nullable=False),
    sa.Column("state", sa.String(SHORT_LENGTH), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("next_attempt_at", UTCDateTime, nullable=False),
    sa.Column("last_error", sa.Text, nullable=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Column("sent_at", UTCDateTime, nullable=True),
    sa.UniqueConstraint("change_id", "channel", name="uq_notifications_change_channel"),
    sa.UniqueConstraint("dedupe_key", "channel", name="uq_notifications_dedupe_channel"),
    sa.CheckConstraint(sa.column("state").in_(NOTIFICATION_STATES), name="ck_notifications_state"),
    sa.CheckConstraint(sa.column("kind").in_(NOTIFICATION_KINDS), name="ck_notifications_kind"),
    sa.Index("ix_notifications_state_due", "state", "next_attempt_at"),
    sa.Index("ix_notifications_digest", "digest_id"),
)

# --- posts (the last public post per article and posting channel, for threads) -------------
# A channel that threads (Mastodon) answers each change to an article with a reply to the
# article's previous post there; this is where that post's id is kept, one row per pair.
posts = sa.Table(
    "posts",
    metadata,
    sa.Column("channel", sa.String(NAME_LENGTH), primary_key=True),
    sa.Column(
        "watch_id",
        sa.Integer,
        sa.ForeignKey("watches.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("post_id", sa.String(NAME_LENGTH), nullable=False),
    sa.Column("posted_at", UTCDateTime, nullable=False),
)

# --- evidence (one row per stored version; see worker/store/evidence.py) -------------------
# How each state was obtained, with hashes of what was stored and a per-watch hash chain:
# ``prev_hash`` is the ``record_hash`` of the watch's previous version's row, so rewriting,
# inserting or deleting a version breaks the chain at that version (``editwatch verify``).
evidence = sa.Table(
    "evidence",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column(
        "version_id",
        sa.Integer,
        sa.ForeignKey("versions.id", ondelete="CASCADE"),
        nullable=False,
        unique=True,
    ),
    sa.Column(
        "watch_id", sa.Integer, sa.ForeignKey("watches.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("number", sa.Integer, nullable=False),  # the version number, hashed
    sa.Column("raw_sha256", sa.String(SHORT_LENGTH), nullable=False),  # page bytes as fetched
    sa.Column("text_sha256", sa.String(SHORT_LENGTH), nullable=False),  # the stored article
    sa.Column("status", sa.Integer, nullable=True),
    sa.Column("request_url", sa.String(URL_LENGTH), nullable=False),
    sa.Column("final_url", sa.String(URL_LENGTH), nullable=False),
    sa.Column("request_headers", sa.Text, nullable=False),  # JSON [[name, value], ...]
    sa.Column("response_headers", sa.Text, nullable=False),  # JSON [[name, value], ...]
    sa.Column("remote_addr", sa.String(NAME_LENGTH), nullable=False),  # address connected to
    sa.Column("fetched_at", UTCDateTime, nullable=False),
    sa.Column("extractor_version", sa.String(SHORT_LENGTH), nullable=False),
    sa.Column("prev_hash", sa.String(SHORT_LENGTH), nullable=True),  # NULL: first of the chain
    sa.Column("record_hash", sa.String(SHORT_LENGTH), nullable=False),
    sa.UniqueConstraint("watch_id", "number", name="uq_evidence_watch_number"),
)


# Indexes for the web viewer's range scans: changes and checks by time across all watches.
VIEW_INDEXES = (
    sa.Index("ix_changes_detected", changes.c.detected_at),
    # covering: a day's checks per watch are counted from the index alone; also the index of
    # a watch's checks by time (a shorter one on (watch_id, started_at) only cost inserts)
    sa.Index(
        "ix_checks_watch_started_outcome", checks.c.watch_id, checks.c.started_at, checks.c.outcome
    ),
    sa.Index("ix_notifications_change", notifications.c.change_id),
    sa.Index("ix_watches_name", watches.c.name, watches.c.id),
)

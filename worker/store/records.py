"""Frozen values the store hands out and takes in, beyond the shared ones in ``worker.models``.

They live here rather than in ``models`` because only the store and the layers above it (the
pipeline, the CLI) speak in rows: a ``WatchRecord`` is a watch *plus* what the database
remembers about it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from worker.models import Validators, Version


@dataclass(frozen=True, slots=True)
class NewChange:
    """A change to record with the state that caused it; ``diff`` must be JSON-serialisable."""

    kinds: tuple[str, ...]
    significance: str
    silent: bool
    diff: dict[str, Any]


@dataclass(frozen=True, slots=True)
class NewAlert:
    """The outbox rows announcing a new change: one per channel, all with ``payload``.

    ``payload`` is the envelope only (watch, url, kinds, headlines ...): the store stores the
    change's diff once, in its own row, and hands it out with each notification together with
    the version numbers it assigned. With ``hold_until`` the rows wait (``held``) until then.
    """

    payload: dict[str, Any]
    channels: tuple[str, ...]
    hold_until: datetime | None = None


@dataclass(frozen=True, slots=True)
class HeadlineHistory:
    """A watch's headlines state by state (oldest first) and whether an A/B test was reported."""

    headlines: tuple[str, ...]
    ab_test_reported: bool


@dataclass(frozen=True, slots=True)
class SavedState:
    """What :meth:`Store.save_state` wrote: the version, and the change and outbox rows if any."""

    version_id: int
    version_number: int
    is_new_version: bool
    change_id: int | None = None
    notification_ids: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class WatchRecord:
    """A watch as the database knows it: identity, last check and how many states it has had."""

    id: int
    url: str
    name: str
    source: str | None
    created_at: datetime
    last_checked_at: datetime | None
    last_outcome: str | None
    last_error: str | None
    consecutive_failures: int
    current_version: int | None  # the version *number*, not the row id
    version_count: int
    last_changed_at: datetime | None = None  # the last new state or return to an older one
    canonical_url: str | None = None  # the article's current address, once a check read it
    merged_into: int | None = None  # the watch that follows this article instead


@dataclass(frozen=True, slots=True)
class CheckRecord:
    """One check of one watch, successful or not."""

    id: int
    watch_id: int
    started_at: datetime
    duration_ms: float
    status: int | None
    nbytes: int
    outcome: str
    error: str | None
    detail: str | None = None  # why an unchanged check was unchanged


@dataclass(frozen=True, slots=True)
class ChangeRecord:
    """One recorded change, with version *numbers* so it reads like "v2 -> v3"."""

    id: int
    watch_id: int
    old_version: int | None
    new_version: int
    kinds: tuple[str, ...]
    significance: str
    silent: bool
    diff: dict[str, Any]
    detected_at: datetime


@dataclass(frozen=True, slots=True)
class CheckRow:
    """One finished check to record; ``seen_version_id`` is the stored state it saw again.

    Checks are recorded in batches (:meth:`Store.record_checks`): one transaction per batch
    instead of two or three per check, which is most of a check's cost when nothing changed.
    """

    watch_id: int
    started_at: datetime
    duration_ms: float
    status: int | None
    nbytes: int
    outcome: str
    error: str | None = None
    validators: Validators | None = None
    detail: str | None = None
    seen_version_id: int | None = None


@dataclass(frozen=True, slots=True)
class ArticleAddress:
    """What a check needs to know about a watch's article before it fetches."""

    canonical_url: str | None  # the current address; None until a check has read one
    merged_into: int | None  # the watch that follows this article instead, when merged
    keys: frozenset[str] = frozenset()  # identity keys this watch holds (read with the batch)


NO_ADDRESS = ArticleAddress(None, None)


@dataclass(frozen=True, slots=True)
class CheckState:
    """What a check starts from: the current version (if any), the validators to send and the
    article's address (read for the whole batch at once)."""

    current: Version | None
    validators: Validators
    address: ArticleAddress = NO_ADDRESS


@dataclass(frozen=True, slots=True)
class WatchState:
    """The scheduling and health facts of a watch, read for a whole batch at once."""

    id: int
    name: str
    url: str
    consecutive_failures: int
    last_error: str | None
    last_changed_at: datetime | None  # falls back to the current version's first_seen

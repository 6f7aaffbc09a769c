"""Frozen value types that flow through the pipeline.

``config -> schedule -> fetch -> extract -> normalize -> diff -> store -> notify``: each stage
takes and returns these plain values, so stages stay independent of one another and every value
can be logged, compared and serialised without surprises.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

CheckOutcome = Literal[
    "new", "unchanged", "not_modified", "changed", "error", "blocked_robots", "deferred"
]
# An outbox row's life: pending -> sending -> sent, back to pending for a retry, dead for good;
# held while it waits to be coalesced (a burst of edits, a digest), merged into the row that
# carries it. The store's CHECK constraint is derived from this list.
NotificationState = Literal["pending", "held", "sending", "sent", "merged", "dead"]
NotificationKind = Literal["change", "digest", "operator"]
DiffTag = Literal["equal", "insert", "delete", "replace"]

# The error a check records when a page that had article text now yields none (a redesign or a
# consent wall): shared by the pipeline, which refuses to store such a state, and the health
# rules, which tell the operators when most of a site's articles fail this way.
EMPTY_ARTICLE_ERROR = "no article text found on the page"
BlockTag = Literal["equal", "insert", "delete", "replace", "move"]


@dataclass(frozen=True, slots=True)
class Selectors:
    """CSS selectors that override generic extraction for one watch or one site."""

    headline: str | None = None
    body: str | None = None
    exclude: tuple[str, ...] = ()
    captions: str | None = None


@dataclass(frozen=True, slots=True)
class SiteProfile:
    """Per-domain extraction overrides loaded from ``config/sites/*.yaml``."""

    domain: str
    selectors: Selectors = field(default_factory=Selectors)


@dataclass(frozen=True, slots=True)
class Watch:
    """One article URL to watch, as configured (or discovered from a feed)."""

    url: str
    name: str
    interval: float  # seconds between checks when ``schedule`` is fixed
    selectors: Selectors | None = None
    channels: tuple[str, ...] = ()
    kind: Literal["article", "feed"] = "article"
    schedule: Literal["fixed", "decay"] = "fixed"
    tags: tuple[str, ...] = ()
    respect_robots: bool = True
    alert_on: tuple[str, ...] = ("moderate",)
    debounce: float = 0.0
    source: str | None = None  # the feed URL that discovered this watch


@dataclass(frozen=True, slots=True)
class Validators:
    """HTTP cache validators remembered from the previous fetch, sent as conditional headers."""

    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True, slots=True)
class FetchResult:
    """What one fetch produced. ``not_modified`` means a 304: nothing to parse."""

    url: str
    final_url: str
    status: int
    content: bytes = b""
    text: str = ""
    content_type: str = ""
    encoding: str = "utf-8"
    validators: Validators = field(default_factory=Validators)
    elapsed_ms: float = 0.0
    redirects: tuple[str, ...] = ()

    @property
    def not_modified(self) -> bool:
        return self.status == 304


@dataclass(frozen=True, slots=True)
class Article:
    """The parts of a news article that editwatch compares, each as its own field."""

    headline: str = ""
    subheadline: str = ""
    byline: str = ""
    published: str = ""
    modified: str = ""
    paragraphs: tuple[str, ...] = ()
    captions: tuple[str, ...] = ()
    canonical_url: str = ""
    language: str = ""

    @property
    def body_text(self) -> str:
        """The body as plain text, paragraphs separated by blank lines."""
        return "\n\n".join(self.paragraphs)

    def to_dict(self) -> dict[str, Any]:
        return {
            "headline": self.headline,
            "subheadline": self.subheadline,
            "byline": self.byline,
            "published": self.published,
            "modified": self.modified,
            "paragraphs": list(self.paragraphs),
            "captions": list(self.captions),
            "canonical_url": self.canonical_url,
            "language": self.language,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Article:
        return cls(
            headline=str(data.get("headline", "")),
            subheadline=str(data.get("subheadline", "")),
            byline=str(data.get("byline", "")),
            published=str(data.get("published", "")),
            modified=str(data.get("modified", "")),
            paragraphs=tuple(str(p) for p in data.get("paragraphs", ())),
            captions=tuple(str(c) for c in data.get("captions", ())),
            canonical_url=str(data.get("canonical_url", "")),
            language=str(data.get("language", "")),
        )


@dataclass(frozen=True, slots=True)
class DiffOp:
    """One aligned operation of a word-level diff: ``old`` became ``new``."""

    tag: DiffTag
    old: str = ""
    new: str = ""


@dataclass(frozen=True, slots=True)
class BlockOp:
    """One aligned paragraph (or caption) of a list field: where it was, where it is now.

    ``tag`` is ``equal``, ``insert``, ``delete``, ``replace`` (edited in place) or ``move``
    (same text, or nearly, at another position). Indices are 0-based; ``old_index`` is None
    for an insert and ``new_index`` None for a delete. ``old``/``new`` hold the original text
    and ``words`` the word-level diff when the text changed.
    """

    tag: BlockTag
    old_index: int | None
    new_index: int | None
    old: str = ""
    new: str = ""
    words: tuple[DiffOp, ...] = ()


@dataclass(frozen=True, slots=True)
class FieldDiff:
    """The word-level diff of one article field (``headline``, ``body``, ``captions``, ...).

    List fields (``body``, ``captions``) also carry ``blocks``: every paragraph aligned, which is
    what the renderers and ``worker.diff.apply`` use; their ``ops`` are the changed blocks'
    word operations flattened, for consumers that only want highlights.
    """

    field: str
    ops: tuple[DiffOp, ...]
    blocks: tuple[BlockOp, ...] = ()


@dataclass(frozen=True, slots=True)
class Change:
    """What changed between two article states, in words people can act on."""

    kinds: frozenset[str]
    fields: tuple[FieldDiff, ...]
    significance: str = "moderate"
    silent: bool = False
    words_added: int = 0
    words_removed: int = 0
    details: tuple[str, ...] = ()  # human sentences: "paragraph 4 moved to 2", ...
    words_changed: int = 0  # words replaced in place (counted once, not as +/-)


@dataclass(frozen=True, slots=True)
class Version:
    """One distinct stored state of an article."""

    id: int
    watch_id: int
    number: int
    fingerprint: str
    article: Article
    first_seen: datetime
    last_seen: datetime
    extractor_version: str = ""


@dataclass(frozen=True, slots=True)
class CheckResult:
    """The outcome of checking one watch once; what ``editwatch check --json`` prints."""

    watch: str
    url: str
    outcome: CheckOutcome
    kinds: tuple[str, ...] = ()
    version: int | None = None
    error: str | None = None
    notifications: tuple[int, ...] = ()  # outbox row ids queued by this check
    status: int | None = None  # HTTP status of the page, when there was an answer
    retry_in: float | None = None  # deferred or Retry-After: seconds until worth trying again
    discovered: int = 0  # feeds: new article watches found

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "watch": self.watch,
            "url": self.url,
            "outcome": self.outcome,
            "kinds": list(self.kinds),
            "version": self.version,
            "error": self.error,
        }
        if self.discovered:
            data["discovered"] = self.discovered
        return data


@dataclass(frozen=True, slots=True)
class Notification:
    """One queued delivery of one change to one channel (an outbox row).

    ``kind`` is ``change`` (one change), ``digest`` (several changes merged, see ``digest_id``
    on the merged rows) or ``operator`` (a health event for the people running editwatch).
    """

    id: int
    channel: str
    payload: dict[str, Any]
    state: NotificationState
    attempts: int = 0
    last_error: str | None = None
    kind: NotificationKind = "change"
    created_at: datetime | None = None
    updated_at: datetime | None = None
    digest_id: int | None = None

"""Frozen value types that flow through the pipeline.

``config -> schedule -> fetch -> extract -> normalize -> diff -> store -> notify``: each stage
takes and returns these plain values, so stages stay independent of one another and every value
can be logged, compared and serialised without surprises.
"""

from __future__ import annotations

import codecs
import dataclasses
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, get_args

CheckOutcome = Literal[
    "new", "unchanged", "not_modified", "changed", "error", "blocked_robots", "deferred"
]
# Why a page that answered is not stored as a version: the article text is lost, not edited.
LostArticle = Literal["paywalled", "consent_wall"]
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
SOURCE_KINDS = frozenset({"feed", "sitemap"})  # watch kinds that list articles to watch

# The edit taxonomy: every kind a Change can carry. A misspelt kind is a type error, and the
# config's ``alert_on`` is checked against these names (and the significances) when loaded.
ChangeKind = Literal[
    "headline",
    "subheadline",
    "byline",
    "dates",
    "url",
    "lede",
    "body",
    "paragraph_added",
    "paragraph_removed",
    "paragraph_edited",
    "paragraph_moved",
    "caption",
    "correction",
    "figures",
    "quote",
    "image",
    "link",
    "embed",
    "section",
    "removed",
    "restored",
    "ab_test",
    "ab_test_repeat",
    "liveblog_entry",  # new entries on a live blog: an update, alerted only when opted in
    "liveblog_edit",  # an earlier live-blog entry edited or deleted
]
CHANGE_KINDS: tuple[ChangeKind, ...] = get_args(ChangeKind)
# A live blog's kinds, and the field of a Change that holds its changed entries (one block per
# entry, labelled with the entry's time): the diff writes them, the renderers read them.
LIVEBLOG_KINDS: frozenset[ChangeKind] = frozenset({"liveblog_entry", "liveblog_edit"})
LIVEBLOG_FIELD = "liveblog"
# How much a change weighs, lightest first; compare levels with SIGNIFICANCE_RANK, never by name.
Significance = Literal["minor", "moderate", "major"]
SIGNIFICANCES: tuple[Significance, ...] = get_args(Significance)
SIGNIFICANCE_RANK: dict[Significance, int] = {
    level: rank for rank, level in enumerate(SIGNIFICANCES)
}
# ``alert_on`` also accepts these, meaning "every change".
ALERT_EVERYTHING: frozenset[str] = frozenset({"all", "*"})
# A stored state is the article as read ("live") or the article gone (404, 410, or a redirect to
# a section front): one removed state however the site said it, so 404 -> 410 is no new change.
VersionState = Literal["live", "removed"]
VERSION_STATES: tuple[VersionState, ...] = get_args(VersionState)


def heavier(a: Significance, b: Significance) -> Significance:
    """The heavier of two significance levels."""
    return a if SIGNIFICANCE_RANK[a] >= SIGNIFICANCE_RANK[b] else b


# How a page is read: as an article (headline, body, captions) or as a page (the main content
# region's visible text, headings, lists, tables); ``auto`` picks per page (worker.extract.page).
WatchMode = Literal["page", "article", "auto"]
PageMode = Literal["article", "page"]
# The kinds worker.diff.media adds for what a page holds besides text.
MediaKind = Literal["image", "link", "embed", "section"]


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
    kind: Literal["article", "feed", "sitemap"] = "article"
    schedule: Literal["fixed", "decay"] = "fixed"
    tags: tuple[str, ...] = ()
    respect_robots: bool = True
    alert_on: tuple[str, ...] = ("moderate",)
    debounce: float = 0.0
    source: str | None = None  # the feed URL that discovered this watch
    mode: WatchMode = "auto"

    @property
    def is_source(self) -> bool:
        """A feed or a sitemap: read for the articles it lists, never compared as an article."""
        return self.kind in SOURCE_KINDS


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
    # Evidence of the final exchange: what was sent and answered, where and when.
    request_headers: tuple[tuple[str, str], ...] = ()
    response_headers: tuple[tuple[str, str], ...] = ()
    remote_addr: str = ""  # the address connected to ("ip:port"), when the transport says
    fetched_at: datetime | None = None

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    @property
    def markup(self) -> str | bytes:
        """The page as the parser should get it: ``content`` itself when it is exactly
        ``text`` in UTF-8 (no byte-order mark, nothing replaced), else ``text``.

        The parser works in UTF-8: handed ``text`` it encodes the 100 KB the fetch just decoded
        back to the same bytes (a fifth of a parse; the tree is identical, so is the article).
        """
        if (
            self.encoding != "utf-8"
            or not self.content
            or self.content.startswith(codecs.BOM_UTF8)
            or "\ufffd" in self.text  # an invalid byte was replaced: the bytes are not the text
            or self.text.isspace()
        ):
            return self.text
        return self.content


@dataclass(frozen=True, slots=True)
class Capture:
    """How a stored state was obtained: the facts its evidence record keeps and hashes."""

    url: str
    final_url: str
    status: int | None
    fetched_at: datetime
    request_headers: tuple[tuple[str, str], ...] = ()
    response_headers: tuple[tuple[str, str], ...] = ()
    remote_addr: str = ""

    @classmethod
    def of(cls, page: FetchResult, now: datetime) -> Capture:
        """The capture of a fetched page (``now`` when the fetch did not note a time)."""
        return cls(
            url=page.url,
            final_url=page.final_url,
            status=page.status,
            fetched_at=page.fetched_at or now,
            request_headers=page.request_headers,
            response_headers=page.response_headers,
            remote_addr=page.remote_addr,
        )


@dataclass(frozen=True, slots=True)
class Image:
    """An image the content shows: identity is its normalised ``src`` plus its ``alt`` text.

    ``lead`` marks the article's lead (or a page's hero) image; ``paragraph`` is the 0-based
    index of the paragraph it follows (None when it comes before the text).
    """

    src: str
    alt: str = ""
    lead: bool = False
    paragraph: int | None = None


@dataclass(frozen=True, slots=True)
class Link:
    """A link inside the content: absolute, normalised ``href`` and the text it shows.

    ``paragraph`` is the 0-based index of the paragraph holding it; ``document`` says the
    target is a file or dataset (a PDF, a CSV, "download this dataset"), not another page.
    """

    href: str
    text: str = ""
    paragraph: int | None = None
    document: bool = False


@dataclass(frozen=True, slots=True)
class Embed:
    """Something embedded in the content: a video, a social post, a document viewer, a map."""

    src: str
    kind: str = "embed"  # video, post, document, map, audio or embed
    title: str = ""
    paragraph: int | None = None


def _media_dict(value: Image | Link | Embed) -> dict[str, Any]:
    return dataclasses.asdict(value)


_FIELD_NAMES: dict[type[Any], frozenset[str]] = {}


def _field_names(cls: type[Any]) -> frozenset[str]:
    """The fields of a media record class, kept: asked four times for every stored article
    read (a check batch reads every watch's current one)."""
    names = _FIELD_NAMES.get(cls)
    if names is None:
        names = _FIELD_NAMES[cls] = frozenset(f.name for f in dataclasses.fields(cls))
    return names


def _media_tuple(cls: type[Any], items: Any) -> tuple[Any, ...]:
    """Rebuild stored media records, ignoring keys a newer version may have added."""
    if not isinstance(items, list):
        return ()
    names = _field_names(cls)
    return tuple(
        cls(**{k: v for k, v in item.items() if k in names})
        for item in items
        if isinstance(item, dict)
    )


@dataclass(frozen=True, slots=True)
class LiveEntry:
    """One timestamped entry of a live blog, as the page shows it.

    ``key`` is the entry's stable identity across checks (its ``id`` attribute, JSON-LD
    ``@id`` or ``url``, else its time and first words), so an edited entry is paired with
    itself, not read as one entry deleted and another added. ``time`` is the entry's
    publication time as ISO 8601 UTC (``2026-12-01T10:05:00Z``) when the page's value parses,
    else the page's own text.
    """

    key: str
    time: str
    title: str = ""
    text: str = ""


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
    mode: PageMode = "article"
    headings: tuple[str, ...] = ()  # section headings, in order (page mode and article mode)
    images: tuple[Image, ...] = ()
    links: tuple[Link, ...] = ()
    embeds: tuple[Embed, ...] = ()
    # False for states stored before media were extracted: their media are unknown, not absent,
    # so the diff does not report every image and link of such a state as added.
    media_known: bool = True
    # A live blog's entries (worker.extract.liveblog); empty for every other page. A live blog
    # is compared entry by entry instead of paragraph by paragraph (worker.diff.liveblog).
    entries: tuple[LiveEntry, ...] = ()

    @property
    def is_liveblog(self) -> bool:
        """The page was read as a live blog (it can become one, or stop, between checks)."""
        return bool(self.entries)

    @property
    def body_text(self) -> str:
        """The body as plain text, paragraphs separated by blank lines."""
        return "\n\n".join(self.paragraphs)

    def to_dict(self) -> dict[str, Any]:
        data = self._fields_dict()
        if self.entries:  # only live blogs carry the key: other stored states stay as they were
            data["entries"] = [dataclasses.asdict(entry) for entry in self.entries]
        return data

    def _fields_dict(self) -> dict[str, Any]:
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
            "mode": self.mode,
            "headings": list(self.headings),
            "images": [_media_dict(i) for i in self.images],
            "links": [_media_dict(i) for i in self.links],
            "embeds": [_media_dict(i) for i in self.embeds],
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
            canonical_url=_canonical_url_of(data),
            language=str(data.get("language", "")),
            mode=_mode_of(data),
            headings=tuple(str(h) for h in data.get("headings", ())),
            images=_media_tuple(Image, data.get("images")),
            links=_media_tuple(Link, data.get("links")),
            embeds=_media_tuple(Embed, data.get("embeds")),
            media_known="images" in data,
            entries=_media_tuple(LiveEntry, data.get("entries")),
        )


def _canonical_url_of(data: dict[str, Any]) -> str:
    """An article dict's ``canonical_url``, as :meth:`Article.from_dict` reads it."""
    return str(data.get("canonical_url", ""))


def _mode_of(data: dict[str, Any]) -> PageMode:
    """An article dict's ``mode``, as :meth:`Article.from_dict` reads it."""
    return "page" if data.get("mode") == "page" else "article"


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
    label: str = ""  # a live-blog entry's time: what the renderers name the block by


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

    kinds: frozenset[ChangeKind]
    fields: tuple[FieldDiff, ...]
    significance: Significance = "moderate"
    silent: bool = False
    words_added: int = 0
    words_removed: int = 0
    details: tuple[str, ...] = ()  # human sentences: "paragraph 4 moved to 2", ...
    words_changed: int = 0  # words replaced in place (counted once, not as +/-)


@dataclass(frozen=True, slots=True)
class Version:
    """One distinct stored state of an article.

    ``stored`` is the article, or its JSON as the store holds it: :attr:`article` decodes it
    on first use. A check answered 304 reads the current state of every watch in its batch
    and needs its id and number only; decoding each article was some 20 us of such a check.
    A page found unchanged needs three of its fields (:attr:`mode`, :attr:`canonical_url`,
    :meth:`has_paragraphs`): those are read from the parsed JSON, without building the whole
    :class:`Article` (``from_dict`` was two thirds of the decode, some 30 us a check).
    Two versions are equal when their row is (the article is not compared: the fingerprint
    stands for it).
    """

    id: int
    watch_id: int
    number: int
    fingerprint: str
    stored: Article | str | dict[str, Any] = field(compare=False, repr=False)
    first_seen: datetime
    last_seen: datetime
    extractor_version: str = ""
    state: VersionState = "live"
    reread_of: int | None = None  # the version whose page this one is, read by a newer extractor

    @property
    def article(self) -> Article:
        """The stored article, decoded once."""
        stored = self.stored
        if not isinstance(stored, Article):
            stored = Article.from_dict(self._fields())
            object.__setattr__(self, "stored", stored)  # a cache: the value it stands for
        return stored

    @property
    def mode(self) -> PageMode:
        """``article.mode``, without building the article."""
        stored = self.stored
        return stored.mode if isinstance(stored, Article) else _mode_of(self._fields())

    @property
    def canonical_url(self) -> str:
        """``article.canonical_url``, without building the article."""
        stored = self.stored
        if isinstance(stored, Article):
            return stored.canonical_url
        return _canonical_url_of(self._fields())

    def has_paragraphs(self) -> bool:
        """``bool(article.paragraphs)``, without building the article."""
        stored = self.stored
        if isinstance(stored, Article):
            return bool(stored.paragraphs)
        return bool(tuple(self._fields().get("paragraphs", ())))

    def _fields(self) -> dict[str, Any]:
        """The stored JSON as a dict, parsed once (the article is built from it later)."""
        stored = self.stored
        if isinstance(stored, str):
            stored = json.loads(stored)
            if not isinstance(stored, dict):
                raise ValueError(
                    f"version {self.number} of watch {self.watch_id}: the stored article is "
                    f"not a JSON object ({type(stored).__name__}); `editwatch verify` checks "
                    "the store"
                )
            object.__setattr__(self, "stored", stored)
        assert isinstance(stored, dict)  # only str is replaced, by a dict or later an Article
        return stored

    @property
    def removed(self) -> bool:
        """This state is the article gone (404/410/redirect to a section front), not a text."""
        return self.state == "removed"


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
    detail: str | None = None  # why an unchanged check was unchanged (``history --verbose``)
    # feeds and sitemaps: (article url, when the source says it last changed), for polling
    signals: tuple[tuple[str, str], ...] = ()
    # articles: the page's own dateModified (UTC, ISO 8601) when it gives one, for polling
    modified: str | None = None
    # a held live-blog update: the stored validators stay, so the next fetch reads the page in
    # full instead of a 304 that would hide the entries still waiting to be stored
    keep_validators: bool = False
    # an unchanged article: the stored state it was found equal to, whose ``last_seen`` the
    # check's row bumps (another worker's newer state, when this check's current was stale)
    seen_version_id: int | None = None

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

    @property
    def subject(self) -> str:
        """What the alert is about: the watch, a digest's size or an operator event's name."""
        if self.kind == "digest":
            return f"digest of {self.payload.get('count', '?')}"
        if self.kind == "operator":
            return f"operator: {self.payload.get('event', '?')}"
        return str(self.payload.get("watch", ""))

    def summary(self) -> dict[str, Any]:
        """The row as ``alerts --json`` and the web API show it (one shape for both)."""
        return {
            "id": self.id,
            "kind": self.kind,
            "channel": self.channel,
            "watch": self.subject,
            "state": self.state,
            "attempts": self.attempts,
            "last_error": self.last_error,
            "digest_id": self.digest_id,
            "created_at": self.created_at.isoformat() if self.created_at else None,
            "updated_at": self.updated_at.isoformat() if self.updated_at else None,
        }

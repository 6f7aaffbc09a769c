"""Canonical text for comparison, and the fingerprint that says "same article or not".

Two renders of an unchanged article differ in ways nobody cares about: curly vs straight quotes,
a non-breaking space, a zero-width joiner, "Updated 5 minutes ago", a share counter that ticked
from 1,606 to 1,611. Comparing raw text would turn each of those into a false alert, so every
field is folded to one canonical spelling and volatile noise is removed before comparing.

This is the one canonical form: the fingerprint, the diff's equality and the text the renderers
show all come from :func:`normalize_article`, so noise kept out of one can never show in another.
What is stored stays what the page said. The noise rules are named data (:data:`NOISE_RULES`,
:data:`INLINE_NOISE_RULES`), so a new kind of noise is one more pattern, not another ``if``, and
:func:`explain_noise` can say which rule dropped what. Pure functions only; no HTML library here.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass, replace

from worker.models import Article, Embed, Image, Link, LiveEntry
from worker.urls import clean_asset_url, clean_url, image_identity

# Characters that render as nothing (or only steer layout) and appear and vanish between renders.
INVISIBLE_CHARACTERS = (
    "\u00ad"  # soft hyphen
    "\u034f"  # combining grapheme joiner
    "\u061c"  # arabic letter mark
    "\u180e"  # mongolian vowel separator
    "\u200b\u200c\u200d\u200e\u200f"  # zero-width space/non-joiner/joiner, LRM, RLM
    "\u202a\u202b\u202c\u202d\u202e"  # bidi embeddings and overrides
    "\u2060\u2061\u2062\u2063\u2064"  # word joiner, invisible operators
    "\u2066\u2067\u2068\u2069"  # bidi isolates
    "\ufeff"  # byte-order mark / zero-width no-break space
)
_DROP_INVISIBLE = str.maketrans(dict.fromkeys(INVISIBLE_CHARACTERS))
# Typographic variants folded to one ASCII spelling.
TYPOGRAPHIC_FOLDS = {
    "‘": "'",
    "’": "'",
    "‚": "'",
    "‛": "'",
    "′": "'",
    "`": "'",
    "“": '"',
    "”": '"',
    "„": '"',
    "‟": '"',
    "″": '"',
    "«": '"',
    "»": '"',
    "‐": "-",
    "‑": "-",
    "‒": "-",
    "–": "-",
    "—": "-",
    "―": "-",
    "−": "-",
    "…": "...",
}
_FOLD = str.maketrans(TYPOGRAPHIC_FOLDS)

_UNIT = (
    r"(?:sec(?:ond)?s?|min(?:ute)?s?|hours?|hrs?|h|days?|d|weeks?|wks?|months?|mos?|years?|yrs?|m)"
)
_COUNT = r"\d[\d,.]*\s*[km]?"
_STAMP = r"(?:(?:last )?updated|posted|published)?:?\s*"
_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_WEEKDAY = r"(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?"
# One token of a printed date or time: "March", "3,", "2026", "10:02", "a.m.", "GMT", "(UTC)".
_DATE_TOKEN = (
    rf"(?:{_MONTH}|{_WEEKDAY}|\d{{1,4}}(?:st|nd|rd|th)?|\d{{1,2}}[:.h]\d{{2}}(?::\d{{2}})?|"
    r"\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4}|[ap]\.?m\.?|at|on|-|"
    r"\(?(?:gmt|utc|bst|cet|cest|est|edt|cst|cdt|pst|pdt|ist|aest|et|pt)\)?),?"
)
_NAME = r"[A-ZÀ-ÖØ-ÞĀ-ſ][\w'.-]*"
_NAMES = rf"{_NAME}(?: {_NAME}){{0,3}}"
_SOCIAL = (
    r"(?:facebook|twitter|x|linkedin|whatsapp|email|e-mail|reddit|telegram|messenger|bluesky|"
    r"threads|pinterest|flipboard|mastodon)"
)
_SHARE_VERB = (
    r"(?:share|shares|save|print|copy(?: the)? link|copy|follow(?: us)?|tweet|pin(?: it)?|"
    r"bookmark|gift(?: this)? article|send)"
)
_SHARE_FILLER = r"(?:this|on|via|to|the|article|story|page|post|link|us|it)"


@dataclass(frozen=True, slots=True)
class NoiseRule:
    """A named pattern: its name is what ``editwatch extract --noise`` says dropped a line."""

    name: str
    pattern: re.Pattern[str]
    needle: str = ""  # inline rules: skipped unless this (casefolded) word is in the text

    def match(self, text: str) -> re.Match[str] | None:
        return self.pattern.match(text)

    def applies(self, folded: str) -> bool:
        """A cheap substring test first: most paragraphs hold no "ago" or "read" at all."""
        return self.needle in folded


def _line_rule(name: str, pattern: str, flags: int = re.IGNORECASE) -> NoiseRule:
    return NoiseRule(name, re.compile(rf"^(?:{pattern})[.!:]?$", flags))


# A paragraph or caption that is nothing but one of these is dropped: it is page furniture whose
# text changes on its own (clocks, counters) or that says nothing about the article. Bylines and
# datelines belong in their own fields; when a page sets them as body lines they are dropped from
# the body here too, so they can never shift paragraph numbers or pose as the lede.
NOISE_RULES: tuple[NoiseRule, ...] = (
    _line_rule(
        "relative_time",
        rf"{_STAMP}(?:about |over |almost |nearly )?(?:\d+\s*|an? |one |a few |few |several )"
        rf"{_UNIT} ago",
    ),
    _line_rule("relative_time", rf"{_STAMP}(?:just now|moments ago|yesterday|today)"),
    _line_rule(
        "dateline",
        rf"(?:(?:last )?updated|posted|published|first published)(?: on)?:?"
        rf"(?: {_DATE_TOKEN}){{1,9}}",
    ),
    _line_rule("dateline", rf"{_MONTH} \d{{1,2}},? \d{{4}}(?: {_DATE_TOKEN}){{0,6}}"),
    # Any line made only of date and time tokens that names a month or a clock time.
    _line_rule(
        "dateline",
        rf"(?=.*(?:{_MONTH}|\d{{1,2}}[:.h]\d{{2}}|\d{{1,4}}[/.-]\d{{1,2}}[/.-]\d{{1,4}}))"
        rf"{_DATE_TOKEN}(?: {_DATE_TOKEN}){{0,11}}",
    ),
    _line_rule("dateline", rf"\d{{1,2}} {_MONTH},? \d{{4}}(?: {_DATE_TOKEN}){{0,6}}"),
    _line_rule("read_time", rf"(?:about )?\d+\s*{_UNIT}\.? (?:read|listen)(?:ing time)?"),
    _line_rule(
        "read_time", rf"(?:estimated )?(?:reading|listening) time:? (?:about )?\d+\s*{_UNIT}"
    ),
    _line_rule(
        "counter",
        rf"(?:{_COUNT} )?(?:shares?|comments?|views?|likes?|reactions?|"
        r"responses?|replies)",
    ),
    _line_rule(
        "counter",
        r"(?:shares?|comments?|views?|likes?|reactions?|responses?|replies)"
        rf"\s*:?\s*\(?{_COUNT}\)?",
    ),
    _line_rule("counter", _COUNT),
    _line_rule(
        "byline",
        rf"(?i:by|posted by|written by|words by|story by|reporting by):? {_NAMES}"
        rf"(?:(?:,| and| &) {_NAMES}){{0,3}}(?:,? {_NAME}(?: {_NAME}){{0,2}} (?i:reporter|"
        r"correspondent|editor|writer))?"
        # "By Jane Reporter · 5 minutes ago", "Posted by Sam Writer, March 3, 2026 10:02"
        rf"(?:\s*[,|·•-]?\s*(?i:(?:(?:last )?updated|posted|published):?\s*)?"
        rf"(?i:\d+\s*{_UNIT} ago|{_DATE_TOKEN}(?: {_DATE_TOKEN}){{0,9}}))?",
        0,
    ),
    _line_rule("furniture", r"related(?: coverage| content| articles| stories| posts| topics)?"),
    # A link to another story set as a body line: its title rotates, it is not this article.
    _line_rule(
        "related_link",
        r"(?:related|read more|see also|also read|read also|more on this(?: story)?|recommended|"
        r"trending(?: now)?|most read|don't miss|more from [\w ]{1,30})\s*[:|»›>]\s*\S.{0,150}",
    ),
    _line_rule("furniture", r"(?:read|see) more(?: about this| stories| news)?"),
    _line_rule(
        "furniture",
        r"advert(?:isement)?|ad|sponsored(?: content)?|most (?:read|viewed|popular)"
        r"|skip (?:to content|advert(?:isement)?)|listen to (?:this )?(?:article|story)"
        r"|(?:story|article) continues below(?: this)?(?: advert(?:isement)?)?"
        r"|continue reading below|scroll to continue(?: with content)?",
    ),
    # A short line of nothing but share / save / follow buttons and network names.
    _line_rule(
        "share",
        rf"(?=.{{0,120}}$)(?=.*\b(?:{_SHARE_VERB}|{_SOCIAL})\b)"
        rf"(?:(?:{_SHARE_VERB}|{_SOCIAL}|{_SHARE_FILLER})(?:[ ,|/·•:]+|$))+",
    ),
    _line_rule(
        "comments",
        r"(?:show|view|load|hide|read|see|join)(?: the)?(?: all)? (?:\d[\d,]* )?"
        r"(?:comments?|replies|conversation|discussion)",
    ),
)
# Volatile fragments removed from inside any field (a paragraph's trailing "Updated 5 minutes
# ago", a byline's "· 3 min read"), with the separator that glued them on. A bare "7 days ago"
# inside a sentence is the article's own words and stays.
INLINE_NOISE_RULES: tuple[NoiseRule, ...] = (
    NoiseRule(
        "relative_time",
        re.compile(
            rf"\s*(?:[/|·•-]\s*)?\b(?:last )?(?:updated|posted|published):?\s*(?:about )?"
            rf"\d+\s*{_UNIT} ago\b",
            re.IGNORECASE,
        ),
        "ago",
    ),
    NoiseRule(
        "relative_time",
        re.compile(rf"\s*[/|·•]\s*(?:about )?\d+\s*{_UNIT} ago\b", re.IGNORECASE),
        "ago",
    ),
    NoiseRule(
        "read_time", re.compile(rf"\s*[/|·•-]?\s*\b\d+\s*{_UNIT}\.? read\b", re.IGNORECASE), "read"
    ),
)
# Metadata fields (byline, dates) hold no prose: any relative time in them is the clock ticking.
FIELD_NOISE_RULES: tuple[NoiseRule, ...] = (
    *INLINE_NOISE_RULES,
    NoiseRule(
        "relative_time",
        re.compile(rf"\s*[/|·•-]?\s*\b(?:about )?\d+\s*{_UNIT} ago\b", re.IGNORECASE),
        "ago",
    ),
)
FINGERPRINT_FIELDS = (
    "headline",
    "subheadline",
    "byline",
    "published",
    "modified",
    "paragraphs",
    "captions",
)
LIST_FIELDS = ("paragraphs", "captions")
LIVEBLOG_FIELDS = ("headline", "subheadline", "byline", "published", "modified")
METADATA_FIELDS = ("byline", "published", "modified")


ARTICLE_CACHE = 64  # canonical articles kept: a batch's checks in flight, each old and new
ITEM_CACHE = 8192  # paragraphs and captions kept in canonical form (with what each left out)


@dataclass(frozen=True, slots=True)
class NoiseDrop:
    """One piece of a page the canonical form left out, and the rule that did it."""

    field: str  # "paragraphs", "captions", "byline", ...
    index: int | None  # 0-based position in a list field, None for scalar fields
    text: str  # what the page said (normalized)
    rule: str  # a NoiseRule name


def normalize_text(text: str) -> str:
    """Canonical spelling: NFKC, no invisibles, folded typography, single spaces.

    NFKC (not NFC) so that compatibility variants a CMS swaps between renders (a no-break space,
    a full-width digit, the "fi" ligature) are one spelling. Invisible characters go first and
    NFKC runs after, so removing one can never leave a composable pair behind: applying the
    function twice gives the same result as once.
    """
    text = text.translate(_DROP_INVISIBLE)
    text = unicodedata.normalize("NFKC", text).translate(_FOLD)
    return " ".join(text.split())


def noise_rule(text: str) -> str | None:
    """The name of the rule that makes this (normalized) line noise, or None when it is text."""
    return next((rule.name for rule in NOISE_RULES if rule.match(text)), None)


def is_noise(text: str) -> bool:
    """Is this (normalized) paragraph nothing but volatile page furniture?"""
    return noise_rule(text) is not None


def strip_inline_noise(text: str, rules: tuple[NoiseRule, ...] = INLINE_NOISE_RULES) -> str:
    """Remove volatile fragments from inside a field, until none is left.

    Removing one fragment can glue two halves into a new one ("5 min 3 min read read"), so the
    rules run to a fixed point; every pass that changes the text makes it shorter.
    """
    text = normalize_text(text)
    while True:
        stripped = normalize_text(_apply_rules(text, rules))
        if len(stripped) >= len(text):
            return text
        text = stripped


def _apply_rules(text: str, rules: tuple[NoiseRule, ...]) -> str:
    folded = text.casefold()
    for rule in rules:
        if rule.applies(folded):
            text = rule.pattern.sub("", text)
    return text


def _inline_rule_hits(text: str, rules: tuple[NoiseRule, ...]) -> list[tuple[str, str]]:
    """(rule name, fragment) for every inline fragment the rules would cut from ``text``;
    a rule whose word is not in the text is skipped, as :func:`_apply_rules` skips it."""
    folded = text.casefold()
    return [
        (rule.name, normalize_text(m.group()))
        for rule in rules
        if rule.applies(folded)
        for m in rule.pattern.finditer(text)
    ]


@functools.lru_cache(maxsize=ITEM_CACHE)
def _item_form(raw: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    """One paragraph or caption: its canonical form ("" when it is noise) and what that left
    out, as (rule, text) pairs.

    One pass and one cache entry serve both :func:`normalize_article` and
    :func:`explain_noise`: an unchanged check asks for both, and explaining its noise used to
    fold and match every paragraph a second time (more than the fingerprint itself cost).
    Cached: a watch's unchanged paragraphs come back on every check.
    """
    text = normalize_text(raw)
    cleaned = strip_inline_noise(text)  # strip_inline_noise(raw): normalize_text is idempotent
    rule = noise_rule(cleaned) if text else None
    if rule is not None:
        return "", ((rule, text),)
    return cleaned, tuple(_inline_rule_hits(text, INLINE_NOISE_RULES))


def _clean_item(item: str) -> str:
    """One paragraph or caption in canonical form, or "" when it is noise."""
    return _item_form(item)[0]


@functools.lru_cache(maxsize=8192)
def _clean_field(text: str) -> str:
    """A metadata field (byline, dates) in canonical form. Cached like :func:`_clean_item`: a
    watch's byline and dates come back on every check."""
    return strip_inline_noise(text, FIELD_NOISE_RULES)


def _clean_items(items: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(cleaned for item in items if (cleaned := _clean_item(item)))


@functools.lru_cache(maxsize=ARTICLE_CACHE)
def normalize_article(article: Article) -> Article:
    """Every field in canonical form; noise-only paragraphs and captions dropped.

    This is the one canonical article: the fingerprint hashes it, :func:`worker.diff.compare`
    aligns it, and the renderers show its text, so noise can never reach an alert. Cached by
    value (articles are frozen): one check asks for the same article's form up to six times
    (lost-text guard, fingerprint, diff, stored diff, alert payload, debounce), and computes it
    once.
    """
    paragraphs = _clean_items(article.paragraphs)
    return replace(
        article,
        headline=normalize_text(article.headline),
        subheadline=_own_subheadline(normalize_text(article.subheadline), paragraphs),
        byline=_clean_field(article.byline),
        published=_clean_field(article.published),
        modified=_clean_field(article.modified),
        paragraphs=paragraphs,
        captions=_clean_items(article.captions),
        canonical_url=normalize_text(article.canonical_url),
        language=normalize_text(article.language).lower(),
        entries=tuple(_clean_entry(entry) for entry in article.entries),
    )


def _clean_entry(entry: LiveEntry) -> LiveEntry:
    """A live-blog entry in canonical form: the same folds and inline noise rules as a
    paragraph (an entry's "Updated 5 minutes ago" is the clock, not an edit)."""
    return LiveEntry(
        key=normalize_text(entry.key),
        time=normalize_text(entry.time),
        title=strip_inline_noise(entry.title),
        text=strip_inline_noise(entry.text),
    )


def _repeats_lede(subheadline: str, paragraphs: tuple[str, ...]) -> bool:
    """A "subheadline" that is only the start of the first paragraph (a meta description cut
    from the lede) would report every lede edit twice."""
    lead = subheadline.rstrip(".… ")
    return bool(lead and paragraphs and paragraphs[0].startswith(lead))


def _own_subheadline(subheadline: str, paragraphs: tuple[str, ...]) -> str:
    return "" if _repeats_lede(subheadline, paragraphs) else subheadline


def explain_noise(article: Article) -> tuple[NoiseDrop, ...]:
    """Everything :func:`normalize_article` leaves out of ``article``, with the rule for each.

    What ``editwatch extract --noise`` and ``editwatch history --verbose`` print.
    """
    drops: list[NoiseDrop] = []
    subheadline = normalize_text(article.subheadline)
    if _repeats_lede(subheadline, _clean_items(article.paragraphs)):
        drops.append(NoiseDrop("subheadline", None, subheadline, "repeats_lede"))
    for name in METADATA_FIELDS:
        drops += [
            NoiseDrop(name, None, frag, rule) for rule, frag in _field_drops(getattr(article, name))
        ]
    for name in LIST_FIELDS:
        for index, raw in enumerate(getattr(article, name)):
            drops += [NoiseDrop(name, index, frag, rule) for rule, frag in _item_drops(raw)]
    return tuple(drops)


def _item_drops(raw: str) -> tuple[tuple[str, str], ...]:
    """(rule, text) of what one paragraph or caption loses."""
    return _item_form(raw)[1]


@functools.lru_cache(maxsize=8192)
def _field_drops(raw: str) -> tuple[tuple[str, str], ...]:
    """(rule, fragment) of what a metadata field loses. Cached like :func:`_clean_field`."""
    return tuple(_inline_rule_hits(normalize_text(raw), FIELD_NOISE_RULES))


def fingerprint(article: Article) -> str:
    """sha256 (hex) of the normalized article's compared fields.

    Equal fingerprints mean "nothing a reader would call an edit": a re-render that only moved
    counters, clocks or typography hashes the same, and :func:`worker.diff.compare` returns
    None for exactly the pairs whose fingerprints are equal.
    """
    normalized = normalize_article(article)
    if normalized.entries:
        return _digest(_liveblog_canonical(normalized))
    payload = {name: getattr(normalized, name) for name in FINGERPRINT_FIELDS}
    payload.update(media_canonical(article))
    return _digest(payload)


def _liveblog_canonical(normalized: Article) -> dict[str, object]:
    """What a live blog is compared on: its scalar fields and its entries. The body and the
    media are the entries again, so they do not count twice (and a new entry's photo is part
    of the update, not an image edit). Entries are sorted: newest-first or last is layout."""
    payload: dict[str, object] = {name: getattr(normalized, name) for name in LIVEBLOG_FIELDS}
    payload["entries"] = sorted([e.key, e.time, e.title, e.text] for e in normalized.entries)
    return payload


def _digest(payload: dict[str, object]) -> str:
    encoded = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(encoded.encode("utf-8")).hexdigest()


# --- media: what a page holds besides text (images, links, embeds, sections) -----------------
# Identity keys shared by the fingerprint and worker.diff.media, so both agree on "same image".


def image_key(image: Image) -> str:
    """An image is the same picture when its file is (renditions and CDN hosts aside)."""
    return image_identity(image.src)


def link_key(link: Link) -> str:
    return clean_url(link.href)


def embed_key(embed: Embed) -> str:
    return clean_asset_url(embed.src)


def media_canonical(article: Article) -> dict[str, object]:
    """The compared form of the media fields; empty ones are left out, so a text-only article
    keeps the fingerprint it had before media were extracted. Order does not count (the diff
    compares them as multisets)."""
    parts: dict[str, object] = {}
    if article.mode == "page":
        parts["mode"] = "page"
    if article.headings:
        parts["headings"] = sorted(normalize_text(h) for h in article.headings)
    if article.images:
        parts["images"] = sorted([image_key(i), normalize_text(i.alt)] for i in article.images)
    if article.links:
        parts["links"] = sorted([link_key(link), link.document] for link in article.links)
    if article.embeds:
        parts["embeds"] = sorted(embed_key(e) for e in article.embeds)
    return parts

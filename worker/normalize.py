"""Canonical text for comparison, and the fingerprint that says "same article or not".

Two renders of an unchanged article differ in ways nobody cares about: curly vs straight quotes,
a non-breaking space, a zero-width joiner, "Updated 5 minutes ago", a share counter that ticked
from 1,606 to 1,611. Comparing raw text would turn each of those into a false alert, so every
field is folded to one canonical spelling and volatile noise is removed before comparing.

This is for comparison only: what is stored and shown stays what the page said. The noise rules
are data (:data:`NOISE_RULES`, :data:`INLINE_NOISE_RULES`), so a new kind of noise is one more
pattern, not another ``if``. Pure functions only; no HTML library here.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from dataclasses import replace

from worker.models import Article, Embed, Image, Link
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
    r"(?:sec(?:ond)?s?|min(?:ute)?s?|hours?|hrs?|h|days?|d|weeks?|wks?|months?|mos?|years?|yrs?)"
)
_COUNT = r"\d[\d,.]*\s*[km]?"
_STAMP = r"(?:(?:last )?updated|posted|published)?:?\s*"
# A paragraph or caption that is nothing but one of these is dropped: it is page furniture whose
# text changes on its own (clocks, counters) or says nothing about the article.
NOISE_RULES: tuple[re.Pattern[str], ...] = tuple(
    re.compile(rf"^(?:{pattern})[.!:]?$", re.IGNORECASE)
    for pattern in (
        rf"{_STAMP}(?:about |over )?(?:\d+|an?|one) {_UNIT} ago",
        rf"{_STAMP}(?:just now|moments ago|yesterday|today)",
        rf"\d+\s*{_UNIT}\.? read",
        rf"(?:{_COUNT} )?(?:shares?|comments?|views?|likes?|reactions?|responses?|replies)",
        rf"(?:shares?|comments?|views?|likes?|reactions?|responses?|replies)\s*:?\s*\(?{_COUNT}\)?",
        _COUNT,
        r"related(?: coverage| content| articles| stories| posts)?",
        r"read more(?: about this)?",
        r"advertisement|sponsored(?: content)?|most (?:read|viewed|popular)",
        r"share (?:this|on) (?:article|story|page|facebook|twitter|x|linkedin)",
        r"(?:show|view|load|hide) (?:all )?(?:comments?|replies)",
    )
)
# Volatile fragments removed from inside a field (a dateline's "/ 7 days ago", a byline's
# "· 3 min read"), with the separator that glued them on.
INLINE_NOISE_RULES: tuple[re.Pattern[str], ...] = tuple(
    re.compile(pattern, re.IGNORECASE)
    for pattern in (
        rf"\s*[/|·•-]?\s*(?:(?:last )?updated:?\s*)?\b\d+\s+{_UNIT} ago\b",
        rf"\s*[/|·•-]?\s*\b\d+\s*{_UNIT}\.? read\b",
    )
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


def normalize_text(text: str) -> str:
    """Canonical spelling for comparison: NFC, no invisibles, folded typography, single spaces.

    Invisible characters go first and NFC runs after, so removing one can never leave a
    composable pair behind: applying the function twice gives the same result as once.
    """
    text = text.translate(_DROP_INVISIBLE)
    text = unicodedata.normalize("NFC", text).translate(_FOLD)
    return " ".join(text.split())


def is_noise(text: str) -> bool:
    """Is this (normalized) paragraph nothing but volatile page furniture?"""
    return any(rule.match(text) for rule in NOISE_RULES)


def strip_inline_noise(text: str) -> str:
    """Remove volatile fragments from inside a field, until none is left.

    Removing one fragment can glue two halves into a new one ("5 min 3 min read read"), so the
    rules run to a fixed point; every pass that changes the text makes it shorter.
    """
    while True:
        stripped = normalize_text(_apply_inline_rules(text))
        if stripped == text or len(stripped) >= len(text):
            return stripped if len(stripped) <= len(text) else text
        text = stripped


def _apply_inline_rules(text: str) -> str:
    for rule in INLINE_NOISE_RULES:
        text = rule.sub("", text)
    return text


def _clean_items(items: tuple[str, ...]) -> tuple[str, ...]:
    cleaned = (strip_inline_noise(normalize_text(item)) for item in items)
    return tuple(item for item in cleaned if item and not is_noise(item))


def normalize_article(article: Article) -> Article:
    """Every field in canonical form; noise-only paragraphs and captions dropped."""
    return replace(
        article,
        headline=normalize_text(article.headline),
        subheadline=normalize_text(article.subheadline),
        byline=strip_inline_noise(normalize_text(article.byline)),
        published=strip_inline_noise(normalize_text(article.published)),
        modified=strip_inline_noise(normalize_text(article.modified)),
        paragraphs=_clean_items(article.paragraphs),
        captions=_clean_items(article.captions),
        canonical_url=normalize_text(article.canonical_url),
        language=normalize_text(article.language).lower(),
    )


def fingerprint(article: Article) -> str:
    """sha256 (hex) of the normalized article's compared fields.

    Equal fingerprints mean "nothing a reader would call an edit": a re-render that only moved
    counters, clocks or typography hashes the same.
    """
    normalized = normalize_article(article)
    payload = {name: getattr(normalized, name) for name in FINGERPRINT_FIELDS}
    payload.update(media_canonical(article))
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

"""One element of a page read as a value: a link, an image, an embed; and what marks chrome.

Page mode's walk and article mode's media reader both ask these, so a link or an image means
the same in either mode: share buttons, links back to the page, tracking pixels, lazy-loading
placeholders and ad frames are left out here, once. The data lives in ``page_rules``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache

from selectolax.lexbor import LexborNode

from worker.extract.page_rules import (
    CHROME_ROLES,
    CHROME_TAGS,
    CHROME_TOKENS,
    DOCUMENT_LINK_TEXT,
    EMBED_KINDS,
    HIDDEN_ATTRIBUTES,
    IGNORED_EMBED,
    IMAGE_LINK_TARGET,
    IMAGE_SOURCE_ATTRIBUTES,
    IMAGE_SRCSET_ATTRIBUTES,
    LIVE_ATTRIBUTES,
    MIN_IMAGE_SIDE,
    PLACEHOLDER_IMAGE,
    SHARE_LINK,
    SHARE_MAILTO,
    SOCIAL_EMBED_ATTRIBUTES,
    SOCIAL_EMBED_CLASSES,
    SOCIAL_EMBED_TAGS,
    TEASER_LINK_REACH,
)
from worker.extract.rules import HIDDEN_STYLE
from worker.extract.text import clean_text, repair
from worker.models import Embed, Image, Link
from worker.urls import (
    clean_asset_url,
    clean_image_url,
    clean_url,
    is_document_url,
    may_be_document_url,
)

# The attribute names as sets: most elements have none of them, and a set says so in one step.
_HIDDEN_NAMES = frozenset(HIDDEN_ATTRIBUTES)
_LIVE_NAMES = frozenset(LIVE_ATTRIBUTES)
_FLAG_NAMES = _HIDDEN_NAMES | _LIVE_NAMES | {"style", "role"}  # all that _flagged reads
# Case-blind patterns of lower-case ASCII words, for ASCII text lower-cased first.
_DOCUMENT_LINK_TEXT_LOWER = re.compile(DOCUMENT_LINK_TEXT.pattern)
_PLACEHOLDER_IMAGE_LOWER = re.compile(PLACEHOLDER_IMAGE.pattern)
_SHARE_LINK_LOWER = re.compile(SHARE_LINK.pattern)
_SHARE_MAILTO_LOWER = re.compile(SHARE_MAILTO.pattern)
_IGNORED_EMBED_LOWER = re.compile(IGNORED_EMBED.pattern)
_EMBED_KINDS_LOWER = tuple((kind, re.compile(pattern.pattern)) for kind, pattern in EMBED_KINDS)


def link_of(node: LexborNode, base: str, paragraph: int | None = None) -> Link | None:
    """An ``<a href>`` as a Link (in body paragraph ``paragraph``, when the caller knows it);
    None for share buttons, dead links and links to the page."""
    attrs = node.attributes  # read once: each read builds a new dict
    href = (attrs.get("href") or "").strip()
    if _is_share(href):
        return None
    target = clean_url(href, base)
    if not target or same_page(target, base):
        return None
    label = _link_label(node)
    document = is_document_url(target) or _names_document(label)
    document = document or attrs.get("download") is not None
    return Link(href=target, text=label, paragraph=paragraph, document=document)


def _is_share(href: str) -> bool:
    """A share button or a "mail this" link (``SHARE_LINK``, ``SHARE_MAILTO``), asked as
    :func:`_names_document` asks its pattern: case-sensitively of lower-cased ASCII."""
    if href.isascii():
        lower = href.lower()
        return _SHARE_LINK_LOWER.match(lower) is not None or (
            _SHARE_MAILTO_LOWER.match(lower) is not None
        )
    return SHARE_LINK.match(href) is not None or SHARE_MAILTO.match(href) is not None


def may_be_document_link(node: LexborNode, base: str) -> bool:
    """Could :func:`link_of` mark this ``<a href>`` as a document? Never "no" for one, and
    cheap: resolving and cleaning the URL is most of a link's cost, and a reader keeps most
    links (those outside the body's paragraphs) only when they are documents."""
    attrs = node.attributes
    if attrs.get("download") is not None or may_be_document_url(attrs.get("href") or "", base):
        return True
    return _names_document(_link_label(node))


def _names_document(label: str) -> bool:
    """Does the link text announce a file (``DOCUMENT_LINK_TEXT``)? ASCII text is lower-cased
    and searched case-sensitively, twice as fast as a case-blind search (the pattern is
    lower-case ASCII: only other text can hold letters such as U+212A KELVIN SIGN that a
    case-blind ``k`` matches)."""
    if label.isascii():
        return _DOCUMENT_LINK_TEXT_LOWER.search(label.lower()) is not None
    return DOCUMENT_LINK_TEXT.search(label) is not None


def _link_label(node: LexborNode) -> str:
    """What the link says: its text, else its title, else the alt text of its image."""
    text = repair(clean_text(node.text(deep=True)))
    return text or clean_text(node.attributes.get("title") or "") or _image_alt(node)


def image_of(node: LexborNode, base: str) -> Image | None:
    """An ``<img>`` as an Image; None for placeholders, icons and tracking pixels."""
    attrs = node.attributes  # read once: each read builds a new dict
    if _tiny(attrs):
        return None  # before the source: a tracking pixel's URL is not worth cleaning
    src = _image_source(attrs, base)
    if not src or _teaser(node, base):
        return None
    alt = repair(clean_text(attrs.get("alt") or attrs.get("title") or ""))
    return Image(src=src, alt=alt)


def embed_of(node: LexborNode, tag: str, base: str) -> tuple[bool, Embed | None]:
    """Is the element an embed, and the Embed (None for ad, consent and tracking frames)."""
    src = embed_source(node, tag, base)
    if src is None:
        return False, None
    if not src or _is_ignored_embed(src) or _tiny(node.attributes):
        return True, None
    title = clean_text(node.attributes.get("title") or "")
    return True, Embed(src=src, kind=_embed_kind(src, tag), title=title)


def is_chrome_element(node: LexborNode) -> bool:
    """Hidden, live-updating, or marked as chrome by its role or class/id words."""
    attrs = node.attributes
    if not attrs:
        return False
    if not _FLAG_NAMES.isdisjoint(attrs) and _flagged(attrs):
        return True
    classes, ident = attrs.get("class"), attrs.get("id")
    if ident:  # most elements have no id: their class string is asked as it is, not copied
        return _chrome_words(f"{classes or ''} {ident}")
    return _chrome_words(classes) if classes else False


def _flagged(attrs: Mapping[str, str | None]) -> bool:
    """Hidden, live-updating or a chrome role, by the attributes (``attrs``) that say so.
    Most elements carry none of them: the caller asks one set test before this."""
    if not _HIDDEN_NAMES.isdisjoint(attrs) and any(
        attrs.get(name, "false") != "false" for name in HIDDEN_ATTRIBUTES
    ):
        return True
    if (style := attrs.get("style")) and HIDDEN_STYLE.search(style):
        return True
    if (role := attrs.get("role")) and role.lower() in CHROME_ROLES:
        return True
    return not _LIVE_NAMES.isdisjoint(attrs)


@lru_cache(maxsize=4096)
def _chrome_words(names: str) -> bool:
    for word in names.lower().split():
        if word in CHROME_TOKENS:
            return True
        parts = word.replace("_", "-").split("-")
        if len(parts) > 1 and any(part in CHROME_TOKENS for part in parts):
            return True
    return False


def inside_chrome(
    node: LexborNode, stop: LexborNode, chrome_tags: frozenset[str] = CHROME_TAGS
) -> bool:
    """Is any element between ``node`` and ``stop`` chrome?"""
    current = node.parent
    while current is not None and current.mem_id != stop.mem_id:
        if (current.tag or "") in chrome_tags or is_chrome_element(current):
            return True
        current = current.parent
    return False


def same_page(target: str, base: str) -> bool:
    """A link back to the page itself (a fragment or the same URL) points at nothing new."""
    return bool(base) and target == clean_url(base)


def _image_alt(node: LexborNode) -> str:
    image = node.css_first("img[alt]")
    return clean_text(image.attributes.get("alt") or "") if image is not None else ""


def _image_source(attrs: Mapping[str, str | None], base: str) -> str:
    """The real source of a possibly lazy-loaded image: data-src, src, or srcset's first."""
    for name in IMAGE_SOURCE_ATTRIBUTES:
        value = (attrs.get(name) or "").strip()
        if value and not _is_placeholder(value):
            return clean_image_url(value, base)
    for name in IMAGE_SRCSET_ATTRIBUTES:
        first = (attrs.get(name) or "").strip().split(",")[0].split()
        if first and not _is_placeholder(first[0]):
            return clean_image_url(first[0], base)
    return ""


def _is_placeholder(src: str) -> bool:
    """Does ``PLACEHOLDER_IMAGE`` match? Asked of the regex only when a plain string test
    leaves it possible (a ``data:`` URI, a GIF, PNG or SVG name): photos are mostly JPEG or
    WebP, and searching a long address for seven words at every position is most of an
    image's cost. Only ASCII is tested so: a case-blind regex also lets ``\u017f`` be an s."""
    if src.isascii():
        lower = src.lower()  # the file kinds below are those PLACEHOLDER_IMAGE names
        if not lower.startswith("data:") and not (
            ".gif" in lower or ".png" in lower or ".svg" in lower
        ):
            return False
        return _PLACEHOLDER_IMAGE_LOWER.search(lower) is not None
    return PLACEHOLDER_IMAGE.search(src) is not None


def _teaser(node: LexborNode, base: str) -> bool:
    """Is the image wrapped in a link to another page (not to a picture or a document)?"""
    current = node.parent
    for _ in range(TEASER_LINK_REACH):
        if current is None:
            return False
        if current.tag == "a":
            target = clean_url(current.attributes.get("href") or "", base)
            if not target or same_page(target, base):
                return False
            return not (IMAGE_LINK_TARGET.search(target) or is_document_url(target))
        current = current.parent
    return False


def _tiny(attrs: Mapping[str, str | None]) -> bool:
    """Declared smaller than an icon on either side (``attrs``, the element's attributes): a
    spacer or a tracking pixel."""
    for name in ("width", "height"):
        value = (attrs.get(name) or "").strip().removesuffix("px")
        if value.isdigit() and int(value) < MIN_IMAGE_SIDE:
            return True
    return False


def embed_source(node: LexborNode, tag: str, base: str) -> str | None:
    """The embedded thing's address; None when the element is no embed at all."""
    attrs = node.attributes
    if tag in ("iframe", "embed"):
        return clean_asset_url(attrs.get("src") or attrs.get("data-src") or "", base)
    if tag == "object":
        return clean_asset_url(attrs.get("data") or "", base)
    if tag in ("video", "audio"):
        source = node.css_first("source[src]")
        raw = attrs.get("src") or (source.attributes.get("src") if source is not None else "")
        return clean_asset_url(raw or attrs.get("poster") or f"<{tag}>", base)
    if tag in SOCIAL_EMBED_TAGS and _social_class(node):
        for name in SOCIAL_EMBED_ATTRIBUTES:
            if value := attrs.get(name):
                return clean_url(value, base)
        links = [a.attributes.get("href") or "" for a in node.css("a[href]")]
        return clean_url(links[-1], base) if links else ""
    return None


def _social_class(node: LexborNode) -> bool:
    words = (node.attributes.get("class") or "").split()
    return any(word in SOCIAL_EMBED_CLASSES for word in words)


def _is_ignored_embed(src: str) -> bool:
    """Does ``IGNORED_EMBED`` match? Asked as :func:`_names_document` asks its pattern:
    case-sensitively of lower-cased ASCII (a case-blind search of a long frame address for
    thirty words is most of an embed's cost)."""
    if src.isascii():
        return _IGNORED_EMBED_LOWER.search(src.lower()) is not None
    return IGNORED_EMBED.search(src) is not None


def _embed_kind(src: str, tag: str) -> str:
    """The first of ``EMBED_KINDS`` the address (or the tag) names, asked as
    :func:`_is_ignored_embed` asks."""
    probe = f"{src} <{tag}>"
    if probe.isascii():
        lower = probe.lower()
        return next(
            (kind for kind, pattern in _EMBED_KINDS_LOWER if pattern.search(lower)), "embed"
        )
    return next((kind for kind, pattern in EMBED_KINDS if pattern.search(probe)), "embed")

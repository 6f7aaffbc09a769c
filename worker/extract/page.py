"""Page mode: what a page that is not an article shows in its main content region.

A ministry's press page, a dataset landing page or a list of documents has no headline-and-body
shape; reading it as an article keeps a sidebar paragraph and drops what matters (the download
link, the hero image, the table). Page mode finds the main region (``<main>``, ``role=main``,
``#content`` ...), walks it in reading order and keeps its visible text as blocks (headings,
paragraphs, list items, table rows as ``cell | cell``), its links with absolute targets, its
images by normalised source and alt text, and its embedded documents. Navigation, header,
footer, rotating teasers, share links, counters and timestamps stay out (``page_rules``).

:func:`read_page` is the one entry point: it picks the mode (``auto`` reads a page as an
article only when it carries article signals), and in article mode hands over to
:mod:`worker.extract.media`, which uses the same walk for the body's images, links and embeds.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from typing import Any

from selectolax.lexbor import LexborHTMLParser, LexborNode

from worker.extract.page_rules import (
    ARTICLE_LD_TYPES,
    ARTICLE_OG_TYPES,
    CELL_SEPARATOR,
    CELL_TAGS,
    CHROME_ROLES,
    CHROME_TAGS,
    CHROME_TAGS_OUTSIDE_MAIN,
    CHROME_TOKENS,
    DOCUMENT_LINK_TEXT,
    DOMINANT_MIN_CHARS,
    DOMINANT_MIN_PARAGRAPHS,
    DOMINANT_SHARE,
    EMBED_KINDS,
    FURNITURE_INLINE,
    FURNITURE_LINES,
    HEADING_TAGS,
    HIDDEN_ATTRIBUTES,
    HIDDEN_STYLE,
    IGNORED_EMBED,
    IMAGE_SOURCE_ATTRIBUTES,
    IMAGE_SRCSET_ATTRIBUTES,
    INLINE_TAGS,
    LIVE_ATTRIBUTES,
    MAIN_SELECTORS,
    MAX_BLOCK_CHARS,
    MIN_IMAGE_SIDE,
    MIN_MAIN_CHARS,
    PLACEHOLDER_IMAGE,
    PROSE_MIN_CHARS,
    SHARE_LINK,
    SHARE_MAILTO,
    SOCIAL_EMBED_ATTRIBUTES,
    SOCIAL_EMBED_CLASSES,
)
from worker.extract.text import clean_text, repair
from worker.models import Article, Embed, Image, Link, WatchMode
from worker.urls import clean_asset_url, clean_image_url, clean_url, is_document_url

__all__ = ["View", "main_region", "read_page", "walk"]
_SKIP, _INLINE, _BLOCK = 0, 1, 2  # what the walk does with an element's children
_LEAVES = frozenset({"br", "img"})


@dataclass(slots=True)
class View:
    """What one walk of a region saw, in reading order."""

    blocks: list[str] = field(default_factory=list)
    headings: list[str] = field(default_factory=list)
    heading_blocks: list[int] = field(default_factory=list)  # block index of each heading
    images: list[Image] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    embeds: list[Embed] = field(default_factory=list)

    @property
    def chars(self) -> int:
        return sum(len(block) for block in self.blocks)


def read_page(tree: LexborHTMLParser, article: Article, url: str, mode: WatchMode) -> Article:
    """The article as extracted, with its media (article mode) or the page view (page mode)."""
    from worker.extract.media import with_media  # media builds on this module's walk

    if mode == "article":
        return with_media(tree, article, url)
    region, is_main = main_region(tree)
    view = walk(region, url, CHROME_TAGS if is_main else CHROME_TAGS_OUTSIDE_MAIN)
    if mode == "auto" and _reads_as_article(tree, article, view):
        return with_media(tree, article, url)
    return page_article(article, view, url)


def page_article(article: Article, view: View, url: str) -> Article:
    """The page view as an Article: blocks as paragraphs, no dates (a page's stamp is noise)."""
    embedded = {embed.src for embed in view.embeds}
    view.links = [link for link in view.links if link.href not in embedded]
    return replace(
        article,
        mode="page",
        published="",
        modified="",
        paragraphs=tuple(view.blocks),
        captions=(),
        headings=tuple(view.headings),
        images=_mark_hero(view),
        links=tuple(view.links),
        embeds=tuple(view.embeds),
        canonical_url=article.canonical_url or url,
    )


def _mark_hero(view: View) -> tuple[Image, ...]:
    """The first image is the page's hero when it comes before the first text block."""
    images = list(view.images)
    if images and images[0].paragraph is None:
        images[0] = replace(images[0], lead=True)
    return tuple(images)


# --- choosing the mode ------------------------------------------------------------------------


def _reads_as_article(tree: LexborHTMLParser, article: Article, view: View) -> bool:
    """Article signals: an article JSON-LD type, ``og:type`` article, or a dominant body."""
    if _ld_types(tree) & ARTICLE_LD_TYPES:
        return True
    og_type = tree.css_first('meta[property="og:type"]')
    if og_type is not None and (og_type.attributes.get("content") or "").strip().lower() in (
        ARTICLE_OG_TYPES
    ):
        return True
    return _dominant(article, view)


def _dominant(article: Article, view: View) -> bool:
    """Is the main region mostly running prose that the article extractor found?

    Only paragraphs of prose length count: a page of headings, list items, table cells and
    link labels is a page even when the extractor gathered all of it.
    """
    prose = [p for p in article.paragraphs if len(p) >= PROSE_MIN_CHARS]
    body = sum(len(p) for p in prose)
    if body < DOMINANT_MIN_CHARS or len(prose) < DOMINANT_MIN_PARAGRAPHS:
        return False
    return body >= DOMINANT_SHARE * max(view.chars, 1)


def _ld_types(tree: LexborHTMLParser) -> set[str]:
    types: set[str] = set()
    for script in tree.css('script[type="application/ld+json"]'):
        try:
            data = json.loads(script.text(deep=True), strict=False)
        except (json.JSONDecodeError, RecursionError):
            continue
        _collect_types(data, types, depth=0)
    return types


def _collect_types(data: Any, types: set[str], depth: int) -> None:
    if depth > 4:
        return
    items = data if isinstance(data, list) else [data]
    for item in items:
        if not isinstance(item, dict):
            continue
        kind = item.get("@type")
        types.update(k for k in (kind if isinstance(kind, list) else [kind]) if isinstance(k, str))
        if "@graph" in item:
            _collect_types(item["@graph"], types, depth + 1)


# --- the main region --------------------------------------------------------------------------


def main_region(tree: LexborHTMLParser) -> tuple[LexborNode, bool]:
    """The page's main content element, and whether it is one (else the whole ``<body>``)."""
    for selector in MAIN_SELECTORS:
        nodes = tree.css(selector)
        if len(nodes) == 1 and len(clean_text(nodes[0].text(deep=True))) >= MIN_MAIN_CHARS:
            return nodes[0], True
    body = tree.body or tree.root
    if body is None:
        raise ValueError("document has no root element")
    return body, False


# --- the walk ---------------------------------------------------------------------------------


def walk(region: LexborNode, base: str, chrome_tags: frozenset[str] = CHROME_TAGS) -> View:
    """Blocks, headings, images, links and embeds of ``region`` in reading order."""
    walker = _Walker(View(), base, chrome_tags)
    walker.visit(region)
    walker.flush()
    return walker.view


@dataclass(slots=True)
class _Walker:
    """Inline text gathers into a buffer; every block boundary flushes it as one block."""

    view: View
    base: str
    chrome_tags: frozenset[str]
    buffer: list[str] = field(default_factory=list)
    pending: list[Link] = field(default_factory=list)  # links of the block being gathered

    def visit(self, root: LexborNode) -> None:
        stack: list[LexborNode | None] = [root]
        while stack:
            node = stack.pop()
            if node is None:  # the end of a block element: what it gathered is one block
                self.flush()
                continue
            step = self._enter(node)
            if step == _SKIP:
                continue
            if step == _BLOCK:
                self.flush()
                stack.append(None)
            stack.extend(reversed(list(node.iter(include_text=True))))

    def _enter(self, node: LexborNode) -> int:
        """Handle one node; say whether to skip its children or walk them (as a block or not)."""
        tag = node.tag or ""
        if tag == "-text":
            self.buffer.append(node.text(deep=False))
            return _SKIP
        if tag.startswith("-") or self._is_chrome(node, tag):
            return _SKIP
        if tag in _LEAVES:
            self._leaf(node, tag)
            return _SKIP
        if self._embed(node, tag):
            return _BLOCK if tag in ("blockquote", "div") else _SKIP
        if tag in HEADING_TAGS or tag == "tr":
            self._whole_block(node, tag)
            return _SKIP
        if tag == "a":
            self._link(node)
        return _INLINE if tag in INLINE_TAGS else _BLOCK

    def _leaf(self, node: LexborNode, tag: str) -> None:
        if tag == "br":
            self.buffer.append(" ")
        else:
            self._image(node)

    def flush(self) -> None:
        text = strip_furniture(repair(clean_text("".join(self.buffer))))[:MAX_BLOCK_CHARS]
        self.buffer.clear()
        if not text or _is_furniture(text):
            self.pending.clear()
            return
        index = len(self.view.blocks)
        self.view.blocks.append(text)
        self.view.links.extend(replace(link, paragraph=index) for link in self.pending)
        self.pending.clear()

    def _whole_block(self, node: LexborNode, tag: str) -> None:
        """A heading or a table row is one block, read whole (cells joined with ``|``)."""
        self.flush()
        if tag == "tr":
            cells = [clean_text(c.text(deep=True)) for c in node.iter() if c.tag in CELL_TAGS]
            self.buffer.append(CELL_SEPARATOR.join(c for c in cells if c))
        else:
            self.buffer.append(node.text(deep=True))
        for child in node.css("a[href], img"):
            if not _inside_chrome(child, node, self.chrome_tags):
                self._link(child) if child.tag == "a" else self._image(child)
        before = len(self.view.blocks)
        self.flush()
        if tag in HEADING_TAGS and len(self.view.blocks) > before:
            self.view.headings.append(self.view.blocks[-1])
            self.view.heading_blocks.append(before)

    def _link(self, node: LexborNode) -> None:
        href = (node.attributes.get("href") or "").strip()
        if SHARE_LINK.match(href) or SHARE_MAILTO.match(href):
            return
        target = clean_url(href, self.base)
        if not target or _same_page(target, self.base):
            return
        text = repair(clean_text(node.text(deep=True)))
        label = text or (node.attributes.get("title") or "") or _image_alt(node)
        document = is_document_url(target) or DOCUMENT_LINK_TEXT.search(label) is not None
        document = document or node.attributes.get("download") is not None
        self.pending.append(Link(href=target, text=label, document=document))

    def _image(self, node: LexborNode) -> None:
        src = _image_source(node, self.base)
        if not src or _tiny(node):
            return
        alt = repair(clean_text(node.attributes.get("alt") or node.attributes.get("title") or ""))
        after = len(self.view.blocks) - 1 + (1 if self._buffered() else 0)
        self.view.images.append(Image(src=src, alt=alt, paragraph=after if after >= 0 else None))

    def _buffered(self) -> bool:
        return any(part.strip() for part in self.buffer)

    def _embed(self, node: LexborNode, tag: str) -> bool:
        """Record an iframe, video, social post or document viewer; True when it was one."""
        src = _embed_source(node, tag, self.base)
        if src is None:
            return False
        if src and not IGNORED_EMBED.search(src):
            title = clean_text(node.attributes.get("title") or "")
            after = len(self.view.blocks) - 1 + (1 if self._buffered() else 0)
            kind = _embed_kind(src, tag)
            paragraph = after if after >= 0 else None
            self.view.embeds.append(Embed(src=src, kind=kind, title=title, paragraph=paragraph))
        return True

    def _is_chrome(self, node: LexborNode, tag: str) -> bool:
        return tag in self.chrome_tags or is_chrome_element(node)


def is_chrome_element(node: LexborNode) -> bool:
    """Hidden, live-updating, or marked as chrome by its role or class/id words."""
    attrs = node.attributes
    if not attrs:
        return False
    if any(name in attrs and attrs.get(name) != "false" for name in HIDDEN_ATTRIBUTES):
        return True
    if HIDDEN_STYLE.search(attrs.get("style") or ""):
        return True
    if (attrs.get("role") or "").lower() in CHROME_ROLES:
        return True
    if any(name in attrs for name in LIVE_ATTRIBUTES):
        return True
    return _chrome_words(f"{attrs.get('class') or ''} {attrs.get('id') or ''}")


def _chrome_words(names: str) -> bool:
    for word in names.lower().split():
        if word in CHROME_TOKENS:
            return True
        parts = word.replace("_", "-").split("-")
        if len(parts) > 1 and any(part in CHROME_TOKENS for part in parts):
            return True
    return False


def _inside_chrome(node: LexborNode, stop: LexborNode, chrome_tags: frozenset[str]) -> bool:
    current = node.parent
    while current is not None and current.mem_id != stop.mem_id:
        if (current.tag or "") in chrome_tags or is_chrome_element(current):
            return True
        current = current.parent
    return False


def _is_furniture(text: str) -> bool:
    """A line that is only a timestamp, a counter, a copyright year or a button label."""
    return any(rule.match(text) for rule in FURNITURE_LINES)


def strip_furniture(text: str) -> str:
    """Remove timestamps glued into a block ("... Last updated 3 May 2026")."""
    return clean_text(FURNITURE_INLINE.sub(" ", text))


def _same_page(target: str, base: str) -> bool:
    """A link back to the page itself (a fragment or the same URL) points at nothing new."""
    return bool(base) and target == clean_url(base)


def _image_alt(node: LexborNode) -> str:
    image = node.css_first("img[alt]")
    return clean_text(image.attributes.get("alt") or "") if image is not None else ""


def _image_source(node: LexborNode, base: str) -> str:
    """The real source of a possibly lazy-loaded image: data-src, src, or srcset's first."""
    attrs = node.attributes
    for name in IMAGE_SOURCE_ATTRIBUTES:
        value = (attrs.get(name) or "").strip()
        if value and not PLACEHOLDER_IMAGE.search(value):
            return clean_image_url(value, base)
    for name in IMAGE_SRCSET_ATTRIBUTES:
        first = (attrs.get(name) or "").strip().split(",")[0].split()
        if first and not PLACEHOLDER_IMAGE.search(first[0]):
            return clean_image_url(first[0], base)
    return ""


def _tiny(node: LexborNode) -> bool:
    """Declared smaller than an icon on either side: a spacer or a tracking pixel."""
    for name in ("width", "height"):
        value = (node.attributes.get(name) or "").strip().removesuffix("px")
        if value.isdigit() and int(value) < MIN_IMAGE_SIDE:
            return True
    return False


def _embed_source(node: LexborNode, tag: str, base: str) -> str | None:
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
    if tag in ("blockquote", "div") and _social_class(node):
        for name in SOCIAL_EMBED_ATTRIBUTES:
            if value := attrs.get(name):
                return clean_url(value, base)
        links = [a.attributes.get("href") or "" for a in node.css("a[href]")]
        return clean_url(links[-1], base) if links else ""
    return None


def _social_class(node: LexborNode) -> bool:
    words = (node.attributes.get("class") or "").split()
    return any(word in SOCIAL_EMBED_CLASSES for word in words)


def _embed_kind(src: str, tag: str) -> str:
    probe = f"{src} <{tag}>"
    return next((kind for kind, pattern in EMBED_KINDS if pattern.search(probe)), "embed")

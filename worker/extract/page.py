"""Page mode: what a page that is not an article shows in its main content region.

A ministry's press page, a dataset landing page or a list of documents has no headline-and-body
shape; reading it as an article keeps a sidebar paragraph and drops what matters (the download
link, the hero image, the table). Page mode finds the main region (``<main>``, ``role=main``,
``#content`` ...), walks it in reading order and keeps its visible text as blocks (headings,
paragraphs, list items, table rows as ``cell | cell``), its links with absolute targets, its
images by normalised source and alt text, and its embedded documents. Navigation, header,
footer, rotating teasers, share links, counters and timestamps stay out (``page_rules``).

:func:`read_page` is the one entry point: it picks the mode (``auto`` reads a page as an
article only when it carries article signals: an article JSON-LD type, ``og:type`` article,
or running prose that holds most of the main region), and in article mode hands over to
:mod:`worker.extract.media` for the body's images, links and embeds. Both read single elements
through :mod:`worker.extract.elements`, so a link or an image means the same in either mode.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from typing import Any

from selectolax.lexbor import LexborHTMLParser, LexborNode

from worker.extract.body import Walked
from worker.extract.elements import embed_of, image_of, inside_chrome, is_chrome_element, link_of
from worker.extract.media import with_media
from worker.extract.page_rules import (
    ARTICLE_ELEMENT_MIN_PARAGRAPHS,
    ARTICLE_ELEMENT_PARAGRAPH_CHARS,
    ARTICLE_ELEMENT_TEXT_SHARE,
    ARTICLE_LD_TYPES,
    ARTICLE_META_SELECTORS,
    ARTICLE_OG_TYPES,
    CELL_SEPARATOR,
    CELL_TAGS,
    CHROME_TAGS,
    CHROME_TAGS_OUTSIDE_MAIN,
    DOMINANT_MIN_CHARS,
    DOMINANT_MIN_PARAGRAPHS,
    DOMINANT_SHARE,
    FURNITURE_INLINE,
    FURNITURE_LINES,
    INLINE_TAGS,
    MAIN_SELECTORS,
    MAX_BLOCK_CHARS,
    MAX_FURNITURE_CHARS,
    MAX_FURNITURE_PASSES,
    MIN_MAIN_CHARS,
    PROSE_MIN_CHARS,
    ROTATING_HEADING_TAGS,
    ROTATING_HEADING_WORDS,
    ROTATING_HEADINGS,
    ROTATING_LINK_SHARE,
)
from worker.extract.rules import HEADING_TAGS
from worker.extract.signals import Scan
from worker.extract.text import clean_text, repair
from worker.models import Article, Embed, Image, Link, WatchMode

__all__ = ["View", "has_article_signals", "main_region", "page_view", "read_page", "walk"]
_SKIP, _INLINE, _BLOCK = 0, 1, 2  # what the walk does with an element's children
_LEAVES = frozenset({"br", "img"})
_DIGIT = re.compile(r"\d")
_ARTICLE_META_QUERY = ", ".join(ARTICLE_META_SELECTORS)


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


def read_page(
    tree: LexborHTMLParser,
    article: Article,
    url: str,
    mode: WatchMode,
    scan: Scan | None = None,
    walked: Walked | None = None,
) -> Article:
    """The article as extracted, with its media (article mode) or the page view (page mode).

    ``auto`` asks the cheap signals first and walks the main region only without them.
    ``scan`` is the article's document scan and ``walked`` the blocks its body walk kept, which
    the media step reuses when given.
    """
    if mode == "article" or (mode == "auto" and has_article_signals(tree)):
        return with_media(tree, article, url, scan, walked)
    view = page_view(tree, url)
    if mode == "auto" and _dominant(article, view):
        return with_media(tree, article, url, scan, walked)
    return page_article(article, view, url)


def page_view(tree: LexborHTMLParser, url: str) -> View:
    """The main region walked in reading order (the whole ``<body>`` when there is none)."""
    region, is_main = main_region(tree)
    return walk(region, url, CHROME_TAGS if is_main else CHROME_TAGS_OUTSIDE_MAIN)


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
    """The first image is the page's hero when only headings come before it."""
    images = list(view.images)
    if images and _after_headings_only(images[0].paragraph, view):
        images[0] = replace(images[0], lead=True)
    return tuple(images)


def _after_headings_only(paragraph: int | None, view: View) -> bool:
    headings = set(view.heading_blocks)
    return paragraph is None or all(block in headings for block in range(paragraph + 1))


# --- choosing the mode ------------------------------------------------------------------------


def has_article_signals(tree: LexborHTMLParser) -> bool:
    """An article JSON-LD type (``NewsArticle``, ``BlogPosting`` ...), ``og:type`` article,
    article:* meta, article microdata, or an ``<article>`` holding the headline and prose."""
    if _ld_types(tree) & ARTICLE_LD_TYPES:
        return True
    og_type = tree.css_first('meta[property="og:type"]')
    content = og_type.attributes.get("content") if og_type is not None else None
    if (content or "").strip().lower() in ARTICLE_OG_TYPES:
        return True
    if tree.css_first(_ARTICLE_META_QUERY) is not None:  # one walk of the document, not three
        return True
    return _has_article_microdata(tree) or _headline_article_element(tree)


def _has_article_microdata(tree: LexborHTMLParser) -> bool:
    """schema.org microdata (``itemtype=".../NewsArticle"``) of an article type."""
    for node in tree.css("[itemtype]"):
        kind = (node.attributes.get("itemtype") or "").rstrip("/").rsplit("/", 1)[-1]
        if kind in ARTICLE_LD_TYPES:
            return True
    return False


def _headline_article_element(tree: LexborHTMLParser) -> bool:
    """An ``<article>`` holding the page's ``<h1>`` whose text is mostly running paragraphs."""
    for element in tree.css("article"):
        if element.css_first("h1") is None:
            continue
        paragraphs = [p.text(separator=" ", strip=True) for p in element.css("p")]
        prose = [p for p in paragraphs if len(p) >= ARTICLE_ELEMENT_PARAGRAPH_CHARS]
        total = len(element.text(separator=" ", strip=True))
        if len(prose) >= ARTICLE_ELEMENT_MIN_PARAGRAPHS and total:
            return sum(len(p) for p in prose) >= ARTICLE_ELEMENT_TEXT_SHARE * total
    return False


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
    walker = _Walker(View(), base, chrome_tags, rotating_sections(region))
    walker.visit(region)
    walker.flush()
    return walker.view


@dataclass(slots=True)
class _Walker:
    """Inline text gathers into a buffer; every block boundary flushes it as one block."""

    view: View
    base: str
    chrome_tags: frozenset[str]
    skip: set[int] = field(default_factory=set)  # elements to leave out (rotating sections)
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
        if not self.buffer:
            self.pending.clear()
            return
        joined = "".join(self.buffer)
        self.buffer.clear()
        if joined.isspace():
            self.pending.clear()
            return
        text = strip_furniture(repair(clean_text(joined)))[:MAX_BLOCK_CHARS]
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
            if not inside_chrome(child, node, self.chrome_tags):
                self._link(child) if child.tag == "a" else self._image(child)
        before = len(self.view.blocks)
        self.flush()
        if tag in HEADING_TAGS and len(self.view.blocks) > before:
            self.view.headings.append(self.view.blocks[-1])
            self.view.heading_blocks.append(before)

    def _link(self, node: LexborNode) -> None:
        if (link := link_of(node, self.base)) is not None:
            self.pending.append(link)

    def _image(self, node: LexborNode) -> None:
        if (image := image_of(node, self.base)) is not None:
            self.view.images.append(replace(image, paragraph=self._after()))

    def _after(self) -> int | None:
        """The block an image or embed found now follows (None: before any text)."""
        after = len(self.view.blocks) - 1 + (1 if any(p.strip() for p in self.buffer) else 0)
        return after if after >= 0 else None

    def _embed(self, node: LexborNode, tag: str) -> bool:
        """Record an iframe, video, social post or document viewer; True when it was one."""
        is_embed, embed = embed_of(node, tag, self.base)
        if embed is not None:
            self.view.embeds.append(replace(embed, paragraph=self._after()))
        return is_embed

    def _is_chrome(self, node: LexborNode, tag: str) -> bool:
        return tag in self.chrome_tags or node.mem_id in self.skip or is_chrome_element(node)


def rotating_sections(region: LexborNode) -> set[int]:
    """Containers headed "Latest news", "Related", "More from ..." that are mostly links:
    teaser blocks whose items rotate between renders, even inside the main region."""
    found = set()
    for heading in region.css(ROTATING_HEADING_TAGS):
        text = clean_text(heading.text(deep=True))
        if not _rotating_heading(text):
            continue
        parent = heading.parent
        if parent is not None and parent.mem_id != region.mem_id and _mostly_links(parent):
            found.add(parent.mem_id)
        found.add(heading.mem_id)
    return found


def _rotating_heading(text: str) -> bool:
    if not ROTATING_HEADINGS.match(text):
        return False
    return len(text.split()) == 1 or ROTATING_HEADING_WORDS.search(text) is not None


def _mostly_links(node: LexborNode) -> bool:
    total = len(clean_text(node.text(deep=True)))
    linked = sum(len(clean_text(a.text(deep=True))) for a in node.css("a"))
    return total > 0 and linked >= ROTATING_LINK_SHARE * total


def _is_furniture(text: str) -> bool:
    """A line that is only a timestamp, a counter, a copyright year or a button label."""
    return len(text) <= MAX_FURNITURE_CHARS and any(rule.match(text) for rule in FURNITURE_LINES)


def strip_furniture(text: str) -> str:
    """Remove timestamps and counters glued into a block ("... Last updated 3 May 2026")."""
    if _DIGIT.search(text) is None:
        return text  # every stamp and counter has a digit: most prose skips the regex
    for _ in range(MAX_FURNITURE_PASSES):  # "Published X Last updated Y": one stamp a pass
        stripped = clean_text(FURNITURE_INLINE.sub(" ", text))
        if stripped == text:
            break
        text = stripped
    return text

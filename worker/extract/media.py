"""Article mode's media: the lead image, inline images, links inside the body, and embeds.

The article extractor keeps text; what else an article holds changes too (a lead photo
swapped, the report a story cites unlinked, an embedded post deleted). This module finds the
body container again by locating the extracted paragraphs in the document, so it depends on
nothing but the paragraphs the body stage produced, walks it with page mode's walk, and keeps
the links that sit in body paragraphs (a "related" list the body stage dropped is chrome, and
its links rotate), the images and embeds inside the body, and the lead image just above it
(the one the page shows: ``og:image`` often outlives a removed photo, so it is not used).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace

from selectolax.lexbor import LexborHTMLParser, LexborNode

from worker.extract.page import View, walk
from worker.extract.page_rules import (
    BODY_BLOCK_QUERY,
    BODY_MAJORITY,
    LEAD_REACH,
    MIN_KEY_CHARS,
)
from worker.models import Article, Embed, Image, Link

_NOT_WORDS = re.compile(r"\W+")


def with_media(tree: LexborHTMLParser, article: Article, url: str) -> Article:
    """``article`` with the images, links, embeds and headings of its body."""
    container = body_container(tree, article)
    if container is None:
        return article
    view = walk(container, url)
    places = _places(view, article)
    images = [replace(i, paragraph=_place(i.paragraph, places)) for i in view.images]
    lead = _dom_lead(container, article, url, images)
    if lead is not None and not any(i.src == lead.src for i in images):
        images.insert(0, lead)
    images = [replace(i, lead=lead is not None and i.src == lead.src) for i in images]
    return replace(
        article,
        images=tuple(images),
        links=_body_links(view, places),
        embeds=tuple(_placed_embed(e, places) for e in view.embeds),
        headings=tuple(
            h for h, b in zip(view.headings, view.heading_blocks, strict=True) if b in places
        ),
    )


def body_container(tree: LexborHTMLParser, article: Article) -> LexborNode | None:
    """The deepest element holding most of the nodes whose text is a body paragraph."""
    keys = {key for p in article.paragraphs if len(key := _key(p)) >= MIN_KEY_CHARS}
    if not keys:
        return None
    matched = [n for n in tree.css(BODY_BLOCK_QUERY) if _key(n.text(deep=True)) in keys]
    if not matched:
        return None
    counts: Counter[int] = Counter()
    nodes: dict[int, tuple[int, LexborNode]] = {}
    for node in matched:
        for depth, ancestor in enumerate(reversed(_ancestors(node))):
            counts[ancestor.mem_id] += 1
            nodes[ancestor.mem_id] = (depth, ancestor)
    need = BODY_MAJORITY * len(matched)
    candidates = [nodes[key] for key, count in counts.items() if count >= need]
    return max(candidates, key=lambda pair: pair[0])[1] if candidates else None


def _ancestors(node: LexborNode) -> list[LexborNode]:
    """The node's parents, nearest first, up to (not including) the document."""
    found = []
    current = node.parent
    while current is not None and current.tag not in (None, "-document", "html"):
        found.append(current)
        current = current.parent
    return found


def _key(text: str) -> str:
    """Text reduced to letters and digits, so the walk's and the body stage's spacing agree."""
    return _NOT_WORDS.sub("", text.casefold())[:80]


def _places(view: View, article: Article) -> dict[int, int]:
    """Walk block index -> article paragraph index, for blocks that are body paragraphs."""
    index: dict[str, int] = {}
    for position, paragraph in enumerate(article.paragraphs):
        index.setdefault(_key(paragraph), position)
    return {b: index[k] for b, block in enumerate(view.blocks) if (k := _key(block)) in index}


def _body_headings(view: View, places: dict[int, int]) -> tuple[str, ...]:
    pairs = zip(view.headings, view.heading_blocks, strict=True)
    return tuple(heading for heading, block in pairs if block in places)


def _place(block: int | None, places: dict[int, int]) -> int | None:
    """The article paragraph at or before a walk block (None: before the body's text)."""
    while block is not None and block >= 0:
        if block in places:
            return places[block]
        block -= 1
    return None


def _body_links(view: View, places: dict[int, int]) -> tuple[Link, ...]:
    """Links in body paragraphs, and document links anywhere in the body: the body stage
    drops link-only blocks ("Download the report (PDF)") as chrome, but a document link is the
    thing a reader would miss. Links that only carry an embed (a tweet's date) are the embed's."""
    embedded = {embed.src for embed in view.embeds}
    kept = []
    for link in view.links:
        if link.href in embedded:
            continue
        if link.paragraph is not None and link.paragraph in places:
            kept.append(replace(link, paragraph=places[link.paragraph]))
        elif link.document:
            kept.append(replace(link, paragraph=None))
    return tuple(kept)


def _placed_embed(embed: Embed, places: dict[int, int]) -> Embed:
    return replace(embed, paragraph=_place(embed.paragraph, places))


def _dom_lead(
    container: LexborNode, article: Article, url: str, images: list[Image]
) -> Image | None:
    """The first image before the body's first paragraph, inside the body or just above it."""
    if images and images[0].paragraph is None:
        return images[0]
    above = container
    for _ in range(LEAD_REACH):
        above = above.parent or above
    before = walk(above, url)
    first = _key(article.paragraphs[0]) if article.paragraphs else ""
    start = next((b for b, text in enumerate(before.blocks) if _key(text) == first), None)
    if start is None:
        return None
    for image in before.images:
        if image.paragraph is None or image.paragraph < start:
            return replace(image, paragraph=None)
    return None

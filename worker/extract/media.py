"""Article mode's media: the lead image, inline images, links inside the body, and embeds.

The article extractor keeps text; what else an article holds changes too (a lead photo
swapped, the report a story cites unlinked, an embedded post deleted). This module finds the
body container again by locating the extracted paragraphs in the document, so it depends on
nothing but the paragraphs the body stage produced. It then asks the container for its links,
images and embeds (one CSS query each, so the cost follows the number of media, not of
nodes) and places each one by the body paragraph it sits in or follows. Links are kept when
they sit in a body paragraph (a "related" list the body stage dropped is chrome, and its links
rotate), and document links anywhere in the body (the body stage drops link-only blocks such
as "Download the report (PDF)", the very thing a reader would miss). The lead image is the one
the page shows before the text: ``og:image`` often outlives a removed photo, so it is not used.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

from selectolax.lexbor import LexborHTMLParser, LexborNode

from worker.extract.elements import embed_of, image_of, inside_chrome, is_chrome_element, link_of
from worker.extract.page_rules import (
    BODY_BLOCK_QUERY,
    BODY_HEADING_QUERY,
    BODY_MAJORITY,
    CHROME_TAGS,
    EMBED_QUERY,
    LEAD_REACH,
    MIN_KEY_CHARS,
)
from worker.models import Article, Embed, Image, Link

KEY_WINDOW, KEY_CHARS = 400, 60  # a paragraph is found by its first 60 non-space characters
# <p> elements locate the body on their own when this many (or this share) match.
MIN_PARAGRAPHS, PARAGRAPH_SHARE = 3, 0.5


def with_media(tree: LexborHTMLParser, article: Article, url: str) -> Article:
    """``article`` with the images, links, embeds and headings of its body."""
    located = locate_body(tree, article)
    if located is None:
        return article
    container, places = located
    embed_nodes, embeds = _embeds(container, places, url)
    images = _images(container, places, url)
    return replace(
        article,
        images=images,
        links=_links(container, places, embed_nodes, url),
        embeds=embeds,
        headings=tuple(
            article.paragraphs[places[node.mem_id]]
            for node in container.css(BODY_HEADING_QUERY)
            if node.mem_id in places
        ),
    )


def locate_body(
    tree: LexborHTMLParser, article: Article
) -> tuple[LexborNode, dict[int, int]] | None:
    """The deepest element holding most of the nodes whose text is a body paragraph, and each
    such node's paragraph index (by ``mem_id``)."""
    index: dict[str, int] = {}
    for position, paragraph in enumerate(article.paragraphs):
        if len(key := _key(paragraph)) >= MIN_KEY_CHARS:
            index.setdefault(key, position)
    if not index:
        return None
    # Paragraphs first (one cheap query over the document); every block kind only inside the
    # container they point at, or over the document when a page sets its text in lists.
    matched = _matching(tree.css("p"), index)
    if len(matched) < min(MIN_PARAGRAPHS, PARAGRAPH_SHARE * len(index)):
        matched = _matching(tree.css(BODY_BLOCK_QUERY), index)
    container = _common_ancestor([node for node, _ in matched])
    if container is None:
        return None
    inside = _matching(container.css(BODY_BLOCK_QUERY), index)
    return container, {node.mem_id: place for node, place in inside}


def _matching(nodes: list[LexborNode], index: dict[str, int]) -> list[tuple[LexborNode, int]]:
    """The nodes whose text is a body paragraph, with that paragraph's index."""
    found = []
    for node in nodes:
        text = node.text(deep=True)
        if len(text) >= MIN_KEY_CHARS and (place := index.get(_key(text))) is not None:
            found.append((node, place))
    return found


def _common_ancestor(matched: list[LexborNode]) -> LexborNode | None:
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
    """The text's opening without whitespace, so the page's and the body stage's spacing agree
    (split and join run in C: this is asked of every paragraph-like node on the page)."""
    return "".join(text[:KEY_WINDOW].split())[:KEY_CHARS].casefold()


# --- links --------------------------------------------------------------------------------------


def _links(
    container: LexborNode, places: dict[int, int], embed_nodes: set[int], url: str
) -> tuple[Link, ...]:
    kept = []
    for node in container.css("a[href]"):
        found, paragraph = _enclosing_place(node, container, places, embed_nodes)
        if not found or (link := link_of(node, url)) is None:
            continue
        if paragraph is not None or link.document:
            kept.append(replace(link, paragraph=paragraph))
    return tuple(kept)


def _enclosing_place(
    node: LexborNode, container: LexborNode, places: dict[int, int], skip: set[int]
) -> tuple[bool, int | None]:
    """(kept, paragraph): the body paragraph holding ``node``; not kept when chrome or an
    embed (a tweet's date link belongs to the tweet) stands between it and the body."""
    current = node.parent
    while current is not None and current.mem_id != container.mem_id:
        if current.mem_id in skip or (current.tag or "") in CHROME_TAGS:
            return False, None
        if current.mem_id in places:
            return True, places[current.mem_id]
        if is_chrome_element(current):
            return False, None
        current = current.parent
    return True, None


# --- images and embeds --------------------------------------------------------------------------


def _images(container: LexborNode, places: dict[int, int], url: str) -> tuple[Image, ...]:
    images = [
        replace(image, paragraph=_paragraph_before(node, container, places))
        for node in container.css("img")
        if not inside_chrome(node, container) and (image := image_of(node, url)) is not None
    ]
    lead = next((i for i in images if i.paragraph is None), None) or _lead_above(container, url)
    if lead is None:
        return tuple(images)
    rest = [image for image in images if image.src != lead.src]
    return (replace(lead, lead=True, paragraph=None), *rest)


def _embeds(
    container: LexborNode, places: dict[int, int], url: str
) -> tuple[set[int], tuple[Embed, ...]]:
    """Embeds in the body, once each, and the elements that hold them."""
    nodes: set[int] = set()
    found: dict[str, Embed] = {}
    for node in container.css(EMBED_QUERY):
        if inside_chrome(node, container):
            continue
        is_embed, embed = embed_of(node, node.tag or "", url)
        if is_embed:
            nodes.add(node.mem_id)
        if embed is not None and embed.src not in found:
            paragraph = _paragraph_before(node, container, places)
            found[embed.src] = replace(embed, paragraph=paragraph)
    return nodes, tuple(found.values())


def _paragraph_before(
    node: LexborNode, container: LexborNode, places: dict[int, int]
) -> int | None:
    """The body paragraph ``node`` sits in or comes after (None: before the body's text)."""
    current: LexborNode | None = node
    while current is not None and current.mem_id != container.mem_id:
        if current.mem_id in places:
            return places[current.mem_id]
        sibling = current.prev
        while sibling is not None:
            if (place := _last_place(sibling, places)) is not None:
                return place
            sibling = sibling.prev
        current = current.parent
    return None


def _last_place(node: LexborNode, places: dict[int, int]) -> int | None:
    if node.mem_id in places:
        return places[node.mem_id]
    if node.tag in (None, "-text", "-comment"):
        return None
    inner = [places[n.mem_id] for n in node.css(BODY_BLOCK_QUERY) if n.mem_id in places]
    return max(inner) if inner else None


def _lead_above(container: LexborNode, url: str) -> Image | None:
    """The first image in the nearest element just above the body (a ``figure`` before the
    body ``div`` inside the same ``<article>``), climbing at most ``LEAD_REACH`` levels."""
    node = container
    for _ in range(LEAD_REACH):
        sibling = node.prev
        while sibling is not None:
            if (image := _first_image(sibling, url)) is not None:
                return image
            sibling = sibling.prev
        if node.parent is None:
            return None
        node = node.parent
    return None


def _first_image(node: LexborNode, url: str) -> Image | None:
    if node.tag in (None, "-text", "-comment") or is_chrome_element(node):
        return None
    candidates = [node] if node.tag == "img" else node.css("img")
    for img in candidates:
        if not inside_chrome(img, node) and (image := image_of(img, url)) is not None:
            return image
    return None

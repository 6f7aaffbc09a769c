"""Article mode's media: the lead image, inline images, links inside the body, and embeds.

The article extractor keeps text; what else an article holds changes too (a lead photo
swapped, the report a story cites unlinked, an embedded post deleted). The body walk hands
over the element it read each block from, the nodes of each run of inline text, and where it
read each paragraph (:class:`~worker.extract.body.Walked`), so each paragraph is placed where
it was read, with no text compared: the body container is the deepest element holding most
of those elements, and nothing is searched for again. Only when the paragraphs are not the
walk's (a JSON-LD ``articleBody`` took over) is the container found by locating the paragraph
texts in the document (:func:`locate_body`; the document scan, when given, spares reading the
same ``<p>`` nodes and texts a second time). One CSS query over the container then yields its
links, images and embeds in document order, and each is placed by the body paragraph it sits
in or follows. Links are kept when they sit in a body paragraph (a "related" list the body
stage dropped is chrome, and its links rotate), and document links anywhere in the body (the
body stage drops link-only blocks such as "Download the report (PDF)", the very thing a reader
would miss). The lead image is the one the page shows before the text: ``og:image`` often
outlives a removed photo, so it is not used.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence, Set
from dataclasses import dataclass, field, replace

from selectolax.lexbor import LexborHTMLParser, LexborNode

from worker.extract.body import Members, Origins, Walked, line_starts
from worker.extract.elements import (
    embed_of,
    image_of,
    inside_chrome,
    is_chrome_element,
    link_of,
    may_be_document_link,
)
from worker.extract.page_rules import (
    BODY_BLOCK_QUERY,
    BODY_HEADING_QUERY,
    BODY_MAJORITY,
    CHROME_TAGS,
    LEAD_REACH,
    MEDIA_QUERY,
    MIN_KEY_CHARS,
)
from worker.extract.signals import Scan
from worker.models import Article, Embed, Image, Link

KEY_WINDOW, KEY_CHARS = 400, 60  # a paragraph is found by its first 60 non-space characters
_SHORT_WINDOW = 96  # most texts have 60 non-space characters within this many
# <p> elements locate the body on their own when this many (or this share) match.
MIN_PARAGRAPHS, PARAGRAPH_SHARE = 3, 0.5
_HEADING_TAGS = frozenset(tag.strip() for tag in BODY_HEADING_QUERY.split(","))
_UNSEEN = -1  # no paragraph index is negative
_ABOVE_BODY = (None, "-document", "html")


@dataclass(frozen=True, slots=True)
class Body:
    """Where the body sits in the document, worked out once for every media element."""

    container: LexborNode
    places: dict[int, int]  # mem_id of each block (or run member) holding a paragraph -> its index
    latest: dict[int, int]  # mem_id of each element -> the last paragraph index inside it
    headings: tuple[int, ...]  # paragraph index of each body heading, in document order
    chrome: dict[int, bool] = field(default_factory=dict)  # is_chrome_element, by mem_id
    # Is there chrome (a chrome tag or element) from this element up to the container, by
    # mem_id: images share most of their ancestors, so a climb stops at the first one answered.
    chrome_up: dict[int, bool] = field(default_factory=dict)

    def is_chrome(self, node: LexborNode) -> bool:
        """:func:`is_chrome_element`, asked once per element: links and images share most
        of their ancestors."""
        if (known := self.chrome.get(node.mem_id)) is None:
            known = self.chrome[node.mem_id] = is_chrome_element(node)
        return known

    def inside_chrome(self, node: LexborNode) -> bool:
        """Is any element between ``node`` and the container chrome?"""
        current = node.parent
        stop, chrome_up = self.container.mem_id, self.chrome_up
        climbed: list[int] = []
        verdict = False
        while current is not None and (key := current.mem_id) != stop:
            if (known := chrome_up.get(key)) is not None:
                verdict = known
                break
            climbed.append(key)
            if (current.tag or "") in CHROME_TAGS or self.is_chrome(current):
                verdict = True
                break
            current = current.parent
        for key in climbed:
            chrome_up[key] = verdict
        return verdict


def with_media(
    tree: LexborHTMLParser,
    article: Article,
    url: str,
    scan: Scan | None = None,
    walked: Walked | None = None,
) -> Article:
    """``article`` with the images, links, embeds and headings of its body.

    ``walked`` is what the body walk kept (each block element and its text), when the article
    came from one: the body is then where those elements are, not searched for. ``scan`` is the
    document scan the article came from, when there is one: its ``<p>`` nodes and the texts the
    scoring read spare a second query and a second read of each paragraph."""
    body = (walked and _walked_body(article, walked)) or locate_body(tree, article, scan)
    if body is None:
        return article
    images, links, embeds = _media(body, url)
    return replace(
        article,
        images=images,
        links=links,
        embeds=embeds,
        headings=tuple(article.paragraphs[place] for place in body.headings),
    )


def locate_body(tree: LexborHTMLParser, article: Article, scan: Scan | None = None) -> Body | None:
    """The deepest element holding most of the nodes whose text is a body paragraph, with
    each such node's paragraph index."""
    index: dict[str, int] = {}
    for position, paragraph in enumerate(article.paragraphs):
        if len(key := _key(paragraph)) >= MIN_KEY_CHARS:
            index.setdefault(key, position)
    if not index:
        return None
    # Paragraphs first (the scan's <p>s, else one cheap query over the document); every block
    # kind only inside the container they point at, or over the document when a page sets its
    # text in lists. Each node's key is worked out once: the container's blocks are mostly the
    # same <p>s, and a text the scoring read already is not read again.
    finder = _Finder(index, scan.texts if scan is not None else {})
    paragraphs = _document_paragraphs(tree, scan)
    matched = finder.matching(paragraphs)
    if len(matched) < min(MIN_PARAGRAPHS, PARAGRAPH_SHARE * len(index)):
        matched = finder.matching(tree.css(BODY_BLOCK_QUERY))
    container = _common_ancestor([node for node, _ in matched])
    if container is None:
        return None
    inside = finder.matching(container.css(BODY_BLOCK_QUERY))
    places = {node.mem_id: place for node, place in inside}
    headings = tuple(places[node.mem_id] for node, _ in inside if node.tag in _HEADING_TAGS)
    return Body(container, places, _latest(inside, container), headings)


def _walked_body(article: Article, walked: Walked) -> Body | None:
    """The body as the walk saw it: each paragraph placed at the element it was read from.

    None when the paragraphs are not the walk's (JSON-LD's ``articleBody`` took over): the
    text is then searched for. A run of inline text is read from the element holding it,
    which holds other things too: it counts towards the container, and each of its members
    (the text and inline elements the walk read it from) is placed at the paragraph of its own
    line, so a link or image among them is the run's, not the paragraph before the holder."""
    origins = walked.origins
    if not origins or len(origins) != len(article.paragraphs):
        return None
    blocks = walked.blocks
    holders: list[LexborNode] = []
    climbs: list[tuple[LexborNode, int]] = []  # each block's element and its last paragraph
    places: dict[int, int] = {}
    headings: list[int] = []
    spread: list[_Placed] = []  # the few blocks of several paragraphs, or runs: placed below
    for block, lines in _placed(origins):
        node, text, holder, members = blocks[block]
        if len(lines) == 1:
            first = last = next(iter(lines.values()))
        else:
            first, last = min(lines.values()), max(lines.values())
        holders.append(holder)
        climbs.append((node, last))
        if members or last > first:
            spread.append((node, text, first, last, members, lines))
        if not members:
            places.setdefault(node.mem_id, first)
            if node.tag in _HEADING_TAGS:
                headings.append(first)
    # Every walked block is inside a walked container: climbing further changes no count,
    # unless the majority spans several containers.
    tops = {root.mem_id for root in walked.containers}
    container = _deepest_holder(holders, tops) or _deepest_holder(holders)
    if container is None:
        return None
    latest = _latest(climbs, container)
    for node, text, first, last, members, lines in spread:
        for member, line in members:  # a run's nodes: inside one element, climbed already
            if (given := lines.get(line)) is not None:  # not a line the body dropped
                places[member.mem_id] = latest[member.mem_id] = given
        if last > first and not members:
            places.update(_split_block(node, text, lines, first))
    return Body(container, places, latest, tuple(headings))


# A walked block that gave several paragraphs, or a run of inline text: its element and text,
# its first and last paragraph, the run's members (none for a block element) and the paragraph
# each of its lines gave.
_Placed = tuple[LexborNode, str, int, int, Members, dict[int, int]]


def _placed(origins: Origins) -> list[tuple[int, dict[int, int]]]:
    """Each walked block that gave paragraphs, in the walk's order, with the paragraph each of
    its lines gave: one pass over where the body says each paragraph was read. The paragraphs
    keep the blocks' order, so each block's come in a row: a block is looked up only when the
    next paragraph is another block's."""
    placed: list[tuple[int, dict[int, int]]] = []
    seen: dict[int, dict[int, int]] = {}
    current = -1
    lines: dict[int, int] = {}
    for paragraph, (block, line) in enumerate(origins):
        if block != current:
            current = block
            if (found := seen.get(block)) is None:
                found = seen[block] = {}
                placed.append((block, found))
            lines = found
        lines[line] = paragraph
    return placed


def _split_block(node: LexborNode, text: str, lines: dict[int, int], first: int) -> dict[int, int]:
    """The elements inside a block the body split at blank lines (``<p>a<br><br>b</p>``),
    each with the paragraph of the line it starts in, past the block's first; none when its
    text nodes are not the walk's ``text`` (a heading read with spaces). Rare: few blocks
    hold several."""
    pieces: list[str] = []
    starts: list[tuple[int, int]] = []  # each node below node (by mem_id), where its text starts
    offset = 0
    below = node.traverse(include_text=True)  # document order, in C: ~4x a Python walk
    next(below)  # the block itself
    for child in below:
        if child.is_text_node:
            pieces.append(piece := child.text_content or "")
            offset += len(piece)
        else:
            starts.append((offset, child.mem_id))
    if "".join(pieces) != text:
        return {}
    bounds, before = line_starts(text)
    found = {}
    for at, key in starts:
        place = lines.get(before[bisect_right(bounds, at) - 1])
        if place is not None and place != first:
            found[key] = place
    return found


def _document_paragraphs(tree: LexborHTMLParser, scan: Scan | None) -> list[LexborNode]:
    """Every ``<p>`` of the document in order: the scan met them all (nothing is removed after
    it), so its list filtered by tag is ``tree.css("p")`` without another walk of the tree."""
    if scan is None:
        return list(tree.css("p"))
    return [node for node in scan.paragraphs if node.tag == "p"]


def _latest(inside: list[tuple[LexborNode, int]], container: LexborNode) -> dict[int, int]:
    """For every element up to the container, the last body paragraph it holds, so placing
    an image after its preceding siblings is a lookup instead of a query per sibling.

    The answer is a maximum, so the order of the climbs does not change it; going from the
    last node back, the paragraphs mostly come in falling order, and a climb then stops at
    the first element a later paragraph already reached (forward, each would climb to the
    container)."""
    latest: dict[int, int] = {}
    stop = container.mem_id
    for node, place in reversed(inside):
        current: LexborNode | None = node
        while current is not None and (key := current.mem_id) != stop:
            if latest.get(key, -1) >= place:
                break  # every element above holds at least what this one holds
            latest[key] = place
            current = current.parent
    return latest


@dataclass(slots=True)
class _Finder:
    """Which body paragraph a node's text is, asked once per node (by ``mem_id``)."""

    index: dict[str, int]  # paragraph key -> the paragraph's index
    texts: Mapping[int, str]  # node texts the scoring already read, by ``mem_id``
    places: dict[int, int | None] = field(default_factory=dict)

    def matching(self, nodes: Iterable[LexborNode]) -> list[tuple[LexborNode, int]]:
        """The nodes whose text is a body paragraph, with that paragraph's index."""
        found = []
        places, index, texts = self.places, self.index, self.texts
        for node in nodes:
            key = node.mem_id
            if (place := places.get(key, _UNSEEN)) == _UNSEEN:
                text = texts.get(key)
                if text is None:
                    text = node.text(deep=True)
                place = places[key] = index.get(_key(text)) if len(text) >= MIN_KEY_CHARS else None
            if place is not None:
                found.append((node, place))
        return found


def _common_ancestor(matched: list[LexborNode]) -> LexborNode | None:
    """The deepest element above most of ``matched`` (``BODY_MAJORITY``), below the document."""
    return _deepest_holder([node.parent for node in matched])


def _deepest_holder(
    holders: Sequence[LexborNode | None], tops: Set[int] = frozenset()
) -> LexborNode | None:
    """The deepest element that is or holds most of ``holders`` (``BODY_MAJORITY``), below
    the document and not above the elements ``tops`` names (by ``mem_id``).

    Holders are counted by element first (a body's paragraphs share a few parents). One
    element holding most of them on its own is the answer: nothing below it can hold most.
    Else only those few elements climb to the top, each adding its count to every element
    above; the elements holding most then form one line of ancestors (two apart cannot both
    hold most), so the deepest is the one holding fewest, or of those the one farthest down."""
    if not holders:
        return None
    weights: dict[int, int] = {}
    parents: dict[int, LexborNode] = {}
    previous: LexborNode | None = None
    key = 0
    for parent in holders:
        if parent is previous and previous is not None:  # the walk's blocks of one element
            weights[key] += 1  # come as one object, mostly in a row: no property read
            continue
        previous = None
        if parent is not None and parent.tag not in _ABOVE_BODY:
            key, previous = parent.mem_id, parent
            weights[key] = weights.get(key, 0) + 1
            parents.setdefault(key, parent)
    need = BODY_MAJORITY * len(holders)
    if not weights:
        return None
    heaviest = max(weights, key=weights.__getitem__)
    if weights[heaviest] >= need:
        return parents[heaviest]
    elements: dict[int, LexborNode] = {}
    above: dict[int, int | None] = {}  # each element's parent, climbed once (None: the top)
    for key in weights:
        _climb(parents[key], elements, above, tops)
    counts: dict[int, int] = {}
    for key, weight in weights.items():
        current: int | None = key
        while current is not None:
            counts[current] = counts.get(current, 0) + weight
            current = above[current]
    candidates = [key for key, count in counts.items() if count >= need]
    if not candidates:
        return None
    fewest = min(counts[key] for key in candidates)
    lowest = [key for key in candidates if counts[key] == fewest]
    return elements[max(lowest, key=lambda key: _depth(key, above))]


def _climb(
    element: LexborNode,
    elements: dict[int, LexborNode],
    above: dict[int, int | None],
    tops: Set[int] = frozenset(),
) -> None:
    """Record ``element`` and the elements above it not yet met (up to, not including, the
    document and ``<html>``; up to and including one of ``tops``): each one's node and the
    ``mem_id`` of its parent (None for the last one recorded on the way up)."""
    current = element
    while (key := current.mem_id) not in elements:
        elements[key] = current
        parent = None if key in tops else current.parent
        if parent is None or parent.tag in _ABOVE_BODY:
            above[key] = None
            return
        above[key] = parent.mem_id
        current = parent


def _depth(key: int, above: Mapping[int, int | None]) -> int:
    """How many recorded elements are above ``key``."""
    depth = 0
    current = above[key]
    while current is not None:
        depth += 1
        current = above[current]
    return depth


def _key(text: str) -> str:
    """The text's opening without whitespace, so the page's and the body stage's spacing agree
    (split and join run in C: this is asked of every paragraph-like node on the page). A short
    window first: its non-space characters open the long window's too, so when it holds
    enough of them the key is the same."""
    head = text[:_SHORT_WINDOW]
    key = head.replace(" ", "") if head.isprintable() else "".join(head.split())  # _squeezed
    if len(key) < KEY_CHARS and len(text) > _SHORT_WINDOW:
        key = _squeezed(text[:KEY_WINDOW])
    return key[:KEY_CHARS].casefold()


def _squeezed(text: str) -> str:
    """``text`` without whitespace. ``isprintable`` is false for every whitespace character
    but the plain space, so text that passes it only needs its spaces removed."""
    return text.replace(" ", "") if text.isprintable() else "".join(text.split())


# --- links, images and embeds ------------------------------------------------------------------


def _media(body: Body, url: str) -> tuple[tuple[Image, ...], tuple[Link, ...], tuple[Embed, ...]]:
    """The body's images, links and embeds, from one query over the container in document
    order (each query walks the whole container). An embed comes before the links inside it,
    so those are known to be the embed's by then."""
    images: list[Image] = []
    links: list[Link] = []
    embeds: dict[str, Embed] = {}
    embedded: set[int] = set()  # elements that are embeds: their links belong to them
    climbs: dict[int, tuple[bool, int | None]] = {}  # links share their ancestors
    for node in body.container.css(MEDIA_QUERY):
        tag = node.tag or ""
        if tag == "a":
            if (link := _link(node, body, embedded, climbs, url)) is not None:
                links.append(link)
        elif tag == "img":
            if not body.inside_chrome(node) and (image := image_of(node, url)) is not None:
                place = _paragraph_before(node, body)  # the constructor: replace() costs 3x
                images.append(Image(image.src, image.alt, image.lead, place))
        elif not body.inside_chrome(node):
            _add_embed(node, tag, body, url, embedded, embeds)
    return _with_lead(images, body.container, url), tuple(links), tuple(embeds.values())


def _link(
    node: LexborNode,
    body: Body,
    embedded: set[int],
    climbs: dict[int, tuple[bool, int | None]],
    url: str,
) -> Link | None:
    """A link in a body paragraph, or a document link anywhere in the body."""
    if (paragraph := body.places.get(node.mem_id)) is not None:
        found = True  # a link among a run's members
    else:
        found, paragraph = _enclosing_place(node, body, embedded, climbs)
    if not found or (paragraph is None and not may_be_document_link(node, url)):
        return None  # outside the paragraphs only a document is kept: skip resolving the rest
    if (link := link_of(node, url, paragraph)) is None:
        return None
    return link if paragraph is not None or link.document else None


def _enclosing_place(
    node: LexborNode, body: Body, skip: set[int], climbs: dict[int, tuple[bool, int | None]]
) -> tuple[bool, int | None]:
    """(kept, paragraph): the body paragraph holding ``node``; not kept when chrome or an
    embed (a tweet's date link belongs to the tweet) stands between it and the body. The
    answer from each element climbed through is the same, so ``climbs`` keeps it for the
    next link below that element."""
    current = node.parent
    stop, places = body.container.mem_id, body.places
    climbed: list[int] = []
    found: tuple[bool, int | None] = (True, None)
    while current is not None and (key := current.mem_id) != stop:
        if (known := climbs.get(key)) is not None:
            found = known
            break
        climbed.append(key)
        if key in skip or (current.tag or "") in CHROME_TAGS:
            found = (False, None)
            break
        if key in places:
            found = (True, places[key])
            break
        if body.is_chrome(current):
            found = (False, None)
            break
        current = current.parent
    for key in climbed:
        climbs[key] = found
    return found


def _with_lead(images: list[Image], container: LexborNode, url: str) -> tuple[Image, ...]:
    """The images with the lead first: the first one before the body's text, else the one
    just above the body."""
    lead = next((i for i in images if i.paragraph is None), None) or _lead_above(container, url)
    if lead is None:
        return tuple(images)
    rest = [image for image in images if image.src != lead.src]
    return (replace(lead, lead=True, paragraph=None), *rest)


def _add_embed(
    node: LexborNode,
    tag: str,
    body: Body,
    url: str,
    embedded: set[int],
    embeds: dict[str, Embed],
) -> None:
    """Record an embed once (by address), and the element as one when it is an embed."""
    is_embed, embed = embed_of(node, tag, url)
    if is_embed:
        embedded.add(node.mem_id)
    if embed is not None and embed.src not in embeds:
        embeds[embed.src] = replace(embed, paragraph=_paragraph_before(node, body))


def _paragraph_before(node: LexborNode, body: Body) -> int | None:
    """The body paragraph ``node`` sits in or comes after (None: before the body's text)."""
    current: LexborNode | None = node
    stop, places, latest = body.container.mem_id, body.places, body.latest
    while current is not None and current.mem_id != stop:
        if current.mem_id in places:
            return places[current.mem_id]
        sibling = current.prev
        while sibling is not None:
            if (place := latest.get(sibling.mem_id)) is not None:
                return place
            sibling = sibling.prev
        current = current.parent
    return None


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

"""Which container holds the article: paragraph text credited to ancestors, chrome left out.

Every good paragraph credits its length to all its ancestors (paragraphs under chrome such as
``<nav>`` or "related"/"comments" containers are left out); the winner is the deepest container
holding most of that text (less, if it names itself the article body).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from selectolax.lexbor import LexborHTMLParser, LexborNode

from worker.extract.classes import has_hidden_class, hint_matcher, names_comments
from worker.extract.rules import (
    ANCHOR_ID_TAGS,
    ANCHOR_LEVELS,
    ANCHOR_MIN_CHARS,
    ANCHOR_SHARE,
    BARE_TEXT_CHARS,
    BOILERPLATE_ROLES,
    BOILERPLATE_TAGS,
    BYLINE_PREFIX,
    CHUNK_HEADINGS,
    CLEAN_CHARS,
    CLEAN_SHARE,
    FALLBACK_BELOW_CHARS,
    FALLBACK_CONTENT_QUERY,
    FALLBACK_TAGS,
    HIDDEN_CLASSES,
    HINT_ATTRIBUTES,
    LEAD_CLASSES,
    LEAD_MEDIA,
    MAX_PARAGRAPH_LINK_DENSITY,
    MIN_PARAGRAPH_CHARS,
    PAGE_TAGS,
    PARAGRAPH_TAGS,
    POSITIVE_HINTS,
    POSITIVE_SHARE,
    POSITIVE_TAGS,
    STRONG_HINTS,
    STRONG_TOKENS,
    THREAD_CONTROL,
    THREAD_MIN_ITEMS,
    THREAD_NAME_WORDS,
    THREAD_NOT_ITEM,
    THREAD_NOT_NAME,
    THREAD_PERSON_QUERY,
    THREAD_STAMP,
    VISIBLE_COPY_SHARE,
    WALK_BOILERPLATE_TAGS,
    WEAK_HINTS,
    WEAK_TOKENS,
    WIDE_CHAR_WEIGHT,
    WIDE_CHARS,
    WINNER_SHARE,
)
from worker.extract.signals import Scan
from worker.extract.text import clean_text

# Hidden classes count as chrome everywhere: a second copy of the article set in ``.hide``
# neither votes for its container nor is walked (the style and attribute forms are pruned).
has_strong_hint = hint_matcher(STRONG_HINTS, STRONG_TOKENS, HIDDEN_CLASSES)
has_any_hint = hint_matcher(
    (*STRONG_HINTS, *WEAK_HINTS), (*STRONG_TOKENS, *WEAK_TOKENS), HIDDEN_CLASSES
)
_has_shown_hint = hint_matcher(STRONG_HINTS, STRONG_TOKENS)  # chrome that is shown


def find_winner(
    tree: LexborHTMLParser,
    scan: Scan,
    anchor: LexborNode | None = None,
    only: Callable[[str], bool] | None = None,
) -> LexborNode | None:
    """Score containers by the paragraph text they hold, then walk the winner.

    Pages that set their text in bare ``<div>``/``<span>`` runs have few good ``<p>``; for them
    the text-bearing containers are candidates too. ``anchor`` is the visible headline's
    element: the text beside it wins over a longer text elsewhere (see :func:`_anchored`).
    ``only`` limits the vote to paragraphs whose text it accepts.
    """
    paragraphs = scan.paragraphs
    if only is not None:
        paragraphs = [node for node in paragraphs if only(scan.texts.get(node.mem_id, ""))]
        if not paragraphs:
            return None
    credit, nodes = _credit(paragraphs, scan)
    few = max(credit.values(), default=0) < FALLBACK_BELOW_CHARS
    if only is None and (few or (anchor is not None and _bare_beside(anchor, credit))):
        bare = [node for node in tree.css(FALLBACK_CONTENT_QUERY) if _own_text(node).strip()]
        credit, nodes = _credit([*paragraphs, *bare], scan)
    scan.credit = credit
    if not credit:
        return None
    winner = _pick_winner(credit, nodes)
    return _anchored(winner, anchor, credit) if anchor is not None else winner


def _bare_beside(anchor: LexborNode, credit: Mapping[int, int]) -> bool:
    """Does an element near the visible headline hold a run of bare text (between ``<br>``s, as
    older and Korean CMSes set articles) that no paragraph credited? Only the fallback reads
    such text, and teasers in ``<p>``s elsewhere may hold enough text to skip it."""
    current = anchor.parent
    for _ in range(ANCHOR_LEVELS):
        if current is None or current.tag in PAGE_TAGS:
            return False
        if any(_bare_text(child, credit) for child in current.iter()):
            return True
        current = current.parent
    return False


def _bare_text(node: LexborNode, credit: Mapping[int, int]) -> bool:
    if node.tag not in FALLBACK_TAGS or credit.get(node.mem_id, 0):
        return False
    return len(_own_text(node).strip()) >= BARE_TEXT_CHARS


def _anchored(winner: LexborNode, anchor: LexborNode, credit: Mapping[int, int]) -> LexborNode:
    """On a short post, a longer text elsewhere (a comment thread without hints, the next post
    of an endless page) can outweigh the article. The visible headline says which one readers
    came for: when real paragraphs sit right around it (a few levels up), in a branch apart
    from the winner's and not chrome, that text's tightest container wins instead."""
    if winner.mem_id in _ancestor_keys(anchor):
        return _beside_thread(winner, anchor, credit)  # the headline is inside the winner
    above_winner = _ancestor_keys(winner)
    current = anchor.parent
    for _ in range(ANCHOR_LEVELS):
        if current is None or current.mem_id in above_winner:
            return winner  # the text near the headline holds the winner
        if credit.get(current.mem_id, 0) >= ANCHOR_MIN_CHARS:
            break
        current = current.parent
    else:
        return winner  # no text near the headline: a hero banner above the article
    if current is None or current.mem_id in above_winner or is_boilerplate(current):
        return winner
    if credit[current.mem_id] < ANCHOR_SHARE * credit.get(winner.mem_id, 0):
        return winner
    return _tightest(current, credit)


def _beside_thread(winner: LexborNode, anchor: LexborNode, credit: Mapping[int, int]) -> LexborNode:
    """The winner holds the headline's text and, beside it, a longer run of repeated items (a
    comment thread whose classes name nothing, each comment an item of one kind with its
    author's name): no single branch held enough to win alone, so their common parent did.
    The headline's text wins."""
    text = _headline_text(winner, anchor, credit)
    if text is None:
        return winner
    branch = text
    while branch.parent is not None and branch.parent.mem_id != winner.mem_id:
        branch = branch.parent
    others = [
        child
        for child in winner.iter()
        if child.mem_id != branch.mem_id and credit.get(child.mem_id, 0) >= MIN_PARAGRAPH_CHARS
    ]
    if len(others) != 1 or not _thread(others[0], credit):
        return winner
    return _tightest(text, credit)


def _headline_text(
    winner: LexborNode, anchor: LexborNode, credit: Mapping[int, int]
) -> LexborNode | None:
    """The text container around the headline below the winner: a few levels up from it, or
    (a headline set straight in the winner) the sibling after it."""
    below, current = anchor, anchor.parent
    for _ in range(ANCHOR_LEVELS):
        if current is None:
            return None
        if current.mem_id == winner.mem_id:
            sibling = below.next  # after the headline's branch (``<header><h1>``, or itself)
            while sibling is not None and not credit.get(sibling.mem_id, 0):
                sibling = sibling.next
            if sibling is None or credit[sibling.mem_id] < ANCHOR_MIN_CHARS:
                return None
            return sibling
        if credit.get(current.mem_id, 0) >= ANCHOR_MIN_CHARS:
            return current
        below, current = current, current.parent
    return None


def _thread(node: LexborNode, credit: Mapping[int, int]) -> bool:
    """Does the element's text sit in THREAD_MIN_ITEMS or more children of one tag and class,
    each a reader's comment (see :func:`_signed`) and none with a section heading (a
    listicle's items have one)?"""
    items = [child for child in node.iter() if credit.get(child.mem_id, 0)]
    if len(items) < THREAD_MIN_ITEMS:
        return False
    if len({(child.tag, child.attributes.get("class")) for child in items}) != 1:
        return False
    return all(child.css_first(THREAD_NOT_ITEM) is None and _signed(child) for child in items)


def _signed(item: LexborNode) -> bool:
    """Is the item a reader's comment rather than a live blog's update, a timeline's event or a
    Q&A's answer (items of one kind beside the headline too)? Only comments carry a reply or
    like control, a "Jane says:" line or a comment class word. Else its commenter tells it, on
    an item with no time: a live blog's updates are timed and often signed by their reporters
    (name, avatar, profile link), so a name there proves nothing, and a time alone never
    signs."""
    lines = list(_outside_lines(item))
    if any(THREAD_CONTROL.fullmatch(line) for line in lines) or _names_comments_inside(item):
        return True
    if item.css_first("time") is not None or any(THREAD_STAMP.search(line) for line in lines):
        return False
    return item.css_first(THREAD_PERSON_QUERY) is not None or _name_line(" ".join(lines))


def _outside_lines(node: LexborNode) -> Iterable[str]:
    """The element's text outside its paragraphs and times, one string a text node."""
    for child in node.iter(include_text=True):
        if child.tag == "-text":
            if text := (child.text_content or "").strip():
                yield text
        elif child.tag not in _NOT_SIGNATURE_TAGS:
            yield from _outside_lines(child)


_NOT_SIGNATURE_TAGS = PARAGRAPH_TAGS | {"time", "script", "style", "-comment"}


def _names_comments_inside(item: LexborNode) -> bool:
    """Does the item or an element in it carry a class or id word of reader comments?"""
    return any(names_comments(node.attributes) for node in (item, *item.css("[class], [id]")))


def _name_line(text: str) -> bool:
    """Does the text read as a person's name or user name: a single word, or a few words that
    each open with a capital (short particles between: ``Maria van der Berg``), with no number,
    month, question or label in them (``21:40``, ``1998``, ``March``, ``Who pays?``, ``Q:``)
    and no byline's "By" (a reporter's)?"""
    words = text.split()
    if not 0 < len(words) <= THREAD_NAME_WORDS or THREAD_NOT_NAME.search(text):
        return False
    if BYLINE_PREFIX.match(text) or sum(char.isalpha() for char in text) < 2:
        return False
    if len(words) == 1:
        return True  # ``jdoe42``: a user name is any case
    last = len(words) - 1
    return all(
        _capitalised(word) or (0 < index < last and len(word) <= 3)
        for index, word in enumerate(words)
    )  # so a short sentence-case line ("Rail services cut") is an update's title


def _capitalised(word: str) -> bool:
    """Does the word's first letter have no lower case (a capital, or a script without case)?"""
    first = next((char for char in word if char.isalpha()), "")
    return bool(first) and not first.islower()


def _ancestor_keys(node: LexborNode) -> set[int]:
    keys = set()
    current: LexborNode | None = node
    while current is not None:
        keys.add(current.mem_id)
        current = current.parent
    return keys


def _tightest(node: LexborNode, credit: Mapping[int, int]) -> LexborNode:
    """Descend while one child holds most of the credit (the deepest container of the text)."""
    total = credit.get(node.mem_id, 0)
    while True:
        best = max(node.iter(), key=lambda child: credit.get(child.mem_id, 0), default=None)
        if best is None or credit.get(best.mem_id, 0) < WINNER_SHARE * total:
            return node
        node = best


@dataclass(slots=True)
class _Ancestry:
    """The elements above the paragraphs, each looked at once: parent, depth, chrome or not.

    ``chrome`` (each element's own verdict) is the scan's: a second vote and the caption step
    read it instead of testing the same element's classes again."""

    chrome: dict[int, bool]
    nodes: dict[int, LexborNode] = field(default_factory=dict)
    parent: dict[int, int] = field(default_factory=dict)
    depth: dict[int, int] = field(default_factory=dict)
    tainted: dict[int, bool] = field(default_factory=dict)  # it or an ancestor is chrome
    # ...chrome for more than a hidden class (``div.hide``, Jetpack's ``robots-nocontent``)
    marked: dict[int, bool] = field(default_factory=dict)

    def register(self, node: LexborNode) -> int:
        """Record ``node`` and its unknown ancestors; return its key."""
        depth = self.depth
        path: list[tuple[int, LexborNode, str]] = []
        current: LexborNode | None = node
        above: int | None = None
        while current is not None:
            key = current.mem_id
            if key in depth:
                above = key
                break
            tag = current.tag or ""
            if tag == "html":
                break
            path.append((key, current, tag))
            current = current.parent
        for key, element, tag in reversed(path):
            self.nodes[key] = element
            if (chrome := self.chrome.get(key)) is None:
                chrome = self.chrome[key] = is_chrome(element, tag)
            marked = chrome and not _hidden_by_class_alone(element, tag)
            if above is None:
                depth[key], self.tainted[key], self.marked[key] = 0, chrome, marked
            else:
                self.parent[key] = above
                depth[key] = depth[above] + 1
                self.tainted[key] = chrome or self.tainted[above]
                self.marked[key] = marked or self.marked[above]
            above = key
        return node.mem_id

    def largest_total(self, direct: dict[int, int]) -> int:
        """The largest of :meth:`totals`, cheaply when one element holds all the others (it
        always does in a parsed document: ``<body>``)."""
        if sum(1 for level in self.depth.values() if level == 0) == 1:
            return sum(direct.values())
        return max(self.totals(direct).values(), default=0)

    def totals(self, direct: dict[int, int]) -> dict[int, int]:
        """Each element's own credit plus everything credited below it."""
        deepest_first = sorted(self.nodes, key=self.depth.__getitem__, reverse=True)
        parent = self.parent
        total = dict.fromkeys(deepest_first, 0)  # ordered deepest first: ties go to the deeper
        for key in deepest_first:
            total[key] += direct.get(key, 0)
            if key in parent:
                total[parent[key]] += total[key]
        return {key: size for key, size in total.items() if size}


def _credit(
    paragraphs: list[LexborNode], scan: Scan
) -> tuple[dict[int, int], dict[int, LexborNode]]:
    """Credit every good paragraph's length to each of its ancestors (keyed by ``mem_id``).

    Paragraphs under a boilerplate ancestor (``<nav>``, "related", "comments", ...) are left
    out, unless that would discard most of the page's text (a theme that hints its own content).
    """
    linked, texts = scan.linked, scan.texts
    ancestry = _Ancestry(scan.chrome)
    registered, tainted = ancestry.depth, ancestry.tainted  # read once per paragraph each
    everything: dict[int, int] = {}
    clean: dict[int, int] = {}
    veiled: dict[int, int] = {}  # under a hidden class and no other chrome
    for node in paragraphs:
        own = node.mem_id
        bare = node.tag in FALLBACK_TAGS
        if bare:
            text = _own_text(node)
        elif (known := texts.get(own)) is not None:
            text = known  # a second vote (the fallback, or only the JSON-LD's paragraphs)
        else:
            # lexbor's textContent: the same text as ``text(deep=True)`` (the Text nodes below,
            # decoded alike) at under half its cost, the walk of the text done in C
            text = texts[own] = node.text_lexbor()
        size = len(text.strip())
        if linked.get(own, 0) > MAX_PARAGRAPH_LINK_DENSITY * size:
            continue
        size = reading_size(text, size)
        if size < MIN_PARAGRAPH_CHARS:
            continue
        # A bare text container (``<td>`` text between ``<br>``s) is the container itself.
        parent = node if bare else node.parent
        if parent is None:
            continue
        key = parent.mem_id
        if key not in registered:  # most paragraphs share a parent already registered
            ancestry.register(parent)
        everything[key] = everything.get(key, 0) + size
        if not tainted[key]:
            clean[key] = clean.get(key, 0) + size
        elif not ancestry.marked[key]:
            veiled[key] = veiled.get(key, 0) + size
    clean_totals = ancestry.totals(clean)
    best_clean = max(clean_totals.values(), default=0)
    if veiled and (shown := _unveiled(ancestry, clean, veiled, best_clean)) is not None:
        return shown, ancestry.nodes
    if best_clean >= CLEAN_CHARS or (
        best_clean and best_clean >= CLEAN_SHARE * ancestry.largest_total(everything)
    ):
        return clean_totals, ancestry.nodes
    return ancestry.totals(everything), ancestry.nodes


def _hidden_by_class_alone(element: LexborNode, tag: str) -> bool:
    """Is a hidden class token all that makes this element chrome? (Run for chrome only.)"""
    if not has_hidden_class(element.attributes.get("class")):
        return False
    return not is_boilerplate(element, _has_shown_hint, BOILERPLATE_TAGS, tag)


def _unveiled(
    ancestry: _Ancestry, clean: dict[int, int], veiled: dict[int, int], best_clean: int
) -> dict[int, int] | None:
    """The totals with hidden-class text counted, when a hidden block is the article: a hidden
    copy has its shown original beside it, as large; with none, the class hid nothing
    (Jetpack's ``robots-nocontent`` on the body's wrapper, a body revealed by script), and a
    visible sidebar widget must not win. None when the shown text is a copy's size."""
    merged = dict(clean)
    for key, size in veiled.items():
        merged[key] = merged.get(key, 0) + size
    totals = ancestry.totals(merged)
    tainted = ancestry.tainted
    largest = max((size for key, size in totals.items() if tainted[key]), default=0)
    return totals if best_clean < VISIBLE_COPY_SHARE * largest else None


def reading_size(text: str, size: int) -> int:
    """A paragraph's length in Latin-text characters: a CJK character says about what two
    Latin ones do, so a 20-character Chinese sentence weighs like a 40-character English one
    (unweighted, a Chinese article of short paragraphs had no paragraph long enough to vote)."""
    if text.isascii() or (first := WIDE_CHARS.search(text)) is None:
        return size  # the common cases (no wide character at all), decided at C speed: a
        # regex search, not ``max(text)``, which makes a string of every character (5x slower)
    return size + (WIDE_CHAR_WEIGHT - 1) * (1 + len(WIDE_CHARS.findall(text, first.end())))


def _own_text(node: LexborNode) -> str:
    """Text directly inside the element (its text nodes), not its descendants'."""
    return str(node.text(deep=False))


def is_chrome(node: LexborNode, tag: str | None = None) -> bool:
    """Chrome as the scoring reads it: a chrome tag or a strong hint (see :attr:`Scan.chrome`)."""
    return is_boilerplate(node, has_strong_hint, BOILERPLATE_TAGS, tag)


def is_boilerplate(
    node: LexborNode,
    hints: Callable[[str], bool] = has_any_hint,
    tags: frozenset[str] = WALK_BOILERPLATE_TAGS,
    tag: str | None = None,
) -> bool:
    """Does the element announce itself as chrome: by tag, ARIA role, or class/id words?

    ``tag`` spares reading the tag again when the caller already has it."""
    tag = tag or node.tag or ""
    if tag in tags:
        return True
    if tag in PAGE_TAGS:
        return False  # <body> classes describe the page (``modal-open``), not an element
    attrs = node.attributes
    if not attrs:
        return False
    if len(attrs) == 1 and (classes := attrs.get("class")) is not None:
        return hints(classes) if classes else False  # a class alone: the common case (six in ten)
    if attrs.get("role") in BOILERPLATE_ROLES:
        return True
    classes, ident = attrs.get("class"), attrs.get("id")
    if ident and tag in ANCHOR_ID_TAGS:
        ident = None  # the heading's anchor, its own text
    if HINT_ATTRIBUTES.isdisjoint(attrs):  # a set test over the keys, at C speed
        if not ident:  # the common case: the class string alone, no new string to build
            return hints(classes) if classes else False
        # Asked apart, as the words of both would be together (no hint spans a space): the
        # class string is then one the cache has seen, and only the id is read afresh.
        return (hints(classes) if classes else False) or hints(ident)
    return hints(f"{classes or ''} {ident or ''}{_named_by_data(attrs)}")


def _named_by_data(attrs: Mapping[str, str | None]) -> str:
    return "".join(f" {value}" for name in HINT_ATTRIBUTES if (value := attrs.get(name)))


def _pick_winner(credit: dict[int, int], nodes: dict[int, LexborNode]) -> LexborNode:
    """The deepest container that still holds most of the page's good paragraph text.

    Containers above the share threshold are nested in one another (two disjoint ones cannot
    both hold most of the text), so the one with the least credit is the tightest fit. A
    container that calls itself the article body needs a smaller share.
    """
    total = max(credit.values())
    floor = POSITIVE_SHARE * total
    chain = [key for key, size in credit.items() if size >= floor]
    named = [key for key in chain if _names_itself_body(nodes[key])]
    if named:
        return nodes[min(named, key=credit.__getitem__)]
    chain = [key for key in chain if credit[key] >= WINNER_SHARE * total]
    return nodes[min(chain, key=credit.__getitem__)]


def _names_itself_body(node: LexborNode) -> bool:
    if node.tag in POSITIVE_TAGS:
        return True
    attrs = node.attributes
    if attrs.get("itemprop") == "articleBody":
        return True
    words = f"{attrs.get('class') or ''} {attrs.get('id') or ''}".lower()
    return POSITIVE_HINTS.search(words) is not None


def chunks_of(
    winner: LexborNode, credit: Mapping[int, int], descriptions: Iterable[str] = ()
) -> list[LexborNode]:
    """The winner and the siblings that continue it: a body split into several chunks of the
    same kind (``div.article-body``, an ad, ``div.article-body``) is read whole.

    Only siblings of the winner's own tag and class (or that name themselves the body) count,
    across elements without paragraph text (ads, figures); any other text, or a sibling with a
    headline of its own (the next post of an endless page), ends the run. A lead container
    whose text is the page's description (``descriptions``) is the standfirst, not the body.
    """
    parent = winner.parent
    if parent is None or winner.tag in PAGE_TAGS:
        return [winner]
    siblings = [child for child in parent.iter() if child.tag and child.tag != "-text"]
    index = next(i for i, child in enumerate(siblings) if child.mem_id == winner.mem_id)
    before = _continuing(winner, reversed(siblings[:index]), credit, frozenset(descriptions))
    after = _continuing(winner, siblings[index + 1 :], credit)
    return [*reversed(before), winner, *after]


def _continuing(
    winner: LexborNode,
    siblings: Iterable[LexborNode],
    credit: Mapping[int, int],
    lead: frozenset[str] | None = None,
) -> list[LexborNode]:
    """The run of siblings that continue the winner; before it (``lead``: the descriptions a
    standfirst would repeat), the first one with text may also be the article's lead in a
    container of its own (see LEAD_CLASSES)."""
    found: list[LexborNode] = []
    for sibling in siblings:
        size = credit.get(sibling.mem_id, 0)
        if size < MIN_PARAGRAPH_CHARS:
            continue  # an ad slot, a figure, a spacer: the body may go on after it
        if lead is not None and not found and _is_lead(sibling, lead):
            found.append(sibling)
            break  # nothing before the lead belongs to the body
        if not _same_kind(sibling, winner) or _another_post(sibling):
            break
        found.append(sibling)
    return found


def _is_lead(node: LexborNode, descriptions: frozenset[str]) -> bool:
    """A lead paragraph's own container: named so, holding no photo (a lead photo's caption
    is no paragraph) and not the standfirst that the description metadata repeats."""
    classes = node.attributes.get("class")
    if classes is None or LEAD_CLASSES.isdisjoint(classes.lower().split()):
        return False
    if node.css_first(LEAD_MEDIA) is not None:
        return False
    return not descriptions or clean_text(node.text(deep=True)) not in descriptions


def _another_post(node: LexborNode) -> bool:
    """Does the element open with a headline of its own: an ``<h1>``, or a heading that links
    to another page (the next post of an endless page, a teaser)?"""
    heading = node.css_first(CHUNK_HEADINGS)
    return heading is not None and (heading.tag == "h1" or heading.css_first("a[href]") is not None)


def _same_kind(node: LexborNode, winner: LexborNode) -> bool:
    """Same tag, and the same classes or one's classes all among the other's (``testo`` and
    ``testo testo-ultimo``: the last chunk of a body often carries a modifier; page builders'
    ``elementor-element elementor-element-51b9866`` differ in an id-like class), or both name
    themselves the body."""
    if node.tag != winner.tag or is_boilerplate(node, has_strong_hint, BOILERPLATE_TAGS):
        return False
    classes, own = node.attributes.get("class"), winner.attributes.get("class")
    if classes and own and (classes == own or _nested_classes(classes, own)):
        return True
    return _names_itself_body(node) and _names_itself_body(winner)


def _nested_classes(classes: str, other: str) -> bool:
    mine, theirs = set(classes.split()), set(other.split())
    return mine <= theirs or theirs <= mine

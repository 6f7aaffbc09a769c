"""The article body: the winning container walked into paragraphs, and its captions.

The winner (see ``score``) is walked in document order, skipping chrome subtrees that hold
little text, and each block becomes one paragraph. JSON-LD ``articleBody`` is only a fallback
for pages whose DOM yields clearly less text (some sites truncate it).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from html import unescape

from selectolax.lexbor import LexborHTMLParser, LexborNode

from worker.extract.classes import has_hidden_class
from worker.extract.rules import (
    ARTICLE_BODY_SPLIT,
    ARTICLE_BODY_TRUST,
    BARE_LABELS,
    BLOCK_TAGS,
    BOILERPLATE_FIRST_WORDS,
    BOILERPLATE_INSIDE,
    BOILERPLATE_INSIDE_LOWER,
    BOILERPLATE_INSIDE_MARKERS,
    BOILERPLATE_LINES,
    BOILERPLATE_LINES_LOWER,
    CAPTION_REACH,
    CASE_SPECIAL,
    CREDIT_ENDS,
    CREDIT_FIRST_WORDS,
    CREDIT_LINES,
    DATE_LINES,
    FIELD_EDGE,
    FIELD_FIRST_WORDS,
    FIELD_LINES,
    INLINE_TAGS,
    KEEP_CHARS,
    KEEP_SHARE,
    LD_AGREE_MIN_CHARS,
    LD_AGREE_SHARE,
    LD_BLOCK_QUERY,
    LD_ESCAPED_MARKUP,
    LD_MARKUP,
    LEAF_BLOCK_TAGS,
    LONG_CHROME,
    LONG_CHROME_FIRST_WORDS,
    MAX_BLOCK_LINK_DENSITY,
    MAX_BOILERPLATE_LINE,
    MAX_DIGIT_FIELD_LINE,
    MAX_FIELD_LINE,
    MAX_LINK_CHECK_CHARS,
    MAX_LONG_CHROME_LINE,
    META_SUBHEADLINE,
    MIN_PARAGRAPH_CHARS,
    MIN_PROSE_CHARS,
    MIN_REPEAT_CHARS,
    NESTED_BLOCK_TAGS,
    PAGE_TAGS,
    PROSE_ENDS,
    PULL_QUOTE_WORDS,
    SCRIPT_CHROME_FROM,
    SCRIPT_CHROME_LINES,
    SKIP_IN_BODY,
    SLIDE_COUNTER,
    SUBHEADING_TAGS,
    TABLE_CELL_TAGS,
    WALK_BOILERPLATE_TAGS,
    WRAPPER_INLINE_TAGS,
    WRITTEN_BY_LINES,
    WRITTEN_BY_STARTS,
)
from worker.extract.score import (
    chunks_of,
    find_winner,
    has_any_hint,
    is_boilerplate,
    is_chrome,
)
from worker.extract.signals import Scan, metas, select
from worker.extract.text import clean_text, repair_all, spaced_text
from worker.models import Selectors

_DIGIT = re.compile(r"\d").search
# What the body walk kept, in document order: (element, text, parent, ()) for a block element,
# and (element, text, element, members) for a run of inline text directly inside it. A run's
# members are its nodes (text and inline elements), each with the run line it starts in: the
# index among the run's non-blank lines when split at blank lines, as the body splits it.
Members = tuple[tuple[LexborNode, int], ...]
Blocks = list[tuple[LexborNode, str, LexborNode, Members]]
# Where each body paragraph was read: its walked block's index and the line of that block (as
# in ``Members``: among its non-blank lines when split at blank lines).
Origins = tuple[tuple[int, int], ...]


@dataclass(frozen=True, slots=True)
class Walked:
    """Where the body's paragraphs were read: the container(s) walked, and each block kept.
    The media step places links and images by these instead of searching for the text."""

    containers: list[LexborNode]
    blocks: Blocks
    origins: Origins | None = None  # None: the paragraphs are not the walk's (JSON-LD's)


def body_of(
    tree: LexborHTMLParser,
    selectors: Selectors,
    scan: Scan,
    headline: str,
    anchor: LexborNode | None = None,
) -> tuple[tuple[str, ...], Walked]:
    """Paragraphs from the profile's body selector, else from the best-scoring container; and
    where they came from (the container(s), and the element of each block)."""
    blocks: list[str] = []
    if containers := select(tree, selectors.body):
        walked: Blocks = []
        for node in containers:
            _blocks(node, _Walk.over(node, {}, scan, walked), blocks)
        paragraphs, read = _finish(blocks, headline)
        return paragraphs, Walked(containers, walked, _checked(read, blocks, walked))
    article_body = scan.signals.ld.get("articleBody")
    article_text = _ld_body_text(article_body) if isinstance(article_body, str) else ""
    paragraphs, origins, chunks, walked = _walk_winner(
        find_winner(tree, scan, anchor), scan, headline
    )
    if _disagrees(paragraphs, article_text):
        # The page's own JSON-LD says the article is another text: score only the paragraphs
        # it contains (a stream of teasers or a sidebar outweighed a short article).
        told = _squashed(article_text)
        winner = find_winner(tree, scan, anchor, lambda text: _opening(text) in told)
        if winner is not None:
            paragraphs, origins, chunks, walked = _walk_winner(winner, scan, headline)
    checked = _cross_check(paragraphs, article_text)
    return checked, Walked(chunks, walked, origins if checked is paragraphs else None)


def _walk_winner(
    winner: LexborNode | None, scan: Scan, headline: str
) -> tuple[tuple[str, ...], Origins | None, list[LexborNode], Blocks]:
    descriptions = [clean_text(text) for text in metas(scan.signals, META_SUBHEADLINE) if text]
    chunks = chunks_of(winner, scan.credit, descriptions) if winner else []
    blocks: list[str] = []
    walked: Blocks = []
    for chunk in chunks:
        walk = _Walk.over(chunk, scan.credit, scan, walked)
        if scan.hidden and _veiled(chunk):
            walk.fields = _unveiled_fields(chunk, scan)
        _blocks(chunk, walk, blocks)
    paragraphs, origins = _finish(blocks, headline, _subheadings(blocks, walked))
    if not paragraphs:
        paragraphs, origins = _unfiltered(blocks, headline)
    return paragraphs, _checked(origins, blocks, walked), chunks, walked


def _veiled(chunk: LexborNode) -> bool:
    """Does a hidden class sit on the chunk or above it? Then it hides the article itself (the
    scoring chose it: see ``score._unveiled``), not a copy beside it."""
    current: LexborNode | None = chunk
    while current is not None and current.tag not in PAGE_TAGS:
        if has_hidden_class(current.attributes.get("class")):
            return True
        current = current.parent
    return False


def _unveiled_fields(chunk: LexborNode, scan: Scan) -> set[int]:
    """The fields without the chunk's paragraphs that only its hidden class made hidden (a
    paragraph's own hidden class, ``p.sr-only``, still hides it)."""
    freed = {
        child.mem_id
        for child in chunk.iter()
        if child.mem_id in scan.hidden and not has_hidden_class(child.attributes.get("class"))
    }
    return scan.fields - freed


def _subheadings(blocks: list[str], walked: Blocks) -> frozenset[int]:
    """The blocks that are a sub-heading element (when the walk recorded every block)."""
    if len(blocks) != len(walked):
        return frozenset()
    return frozenset([i for i, block in enumerate(walked) if block[0].tag in SUBHEADING_TAGS])


def _checked(origins: Origins, blocks: list[str], walked: Blocks) -> Origins | None:
    """``origins`` when they index ``walked`` (every block the walk emitted, it recorded)."""
    return origins if len(blocks) == len(walked) else None


def _unfiltered(blocks: list[str], headline: str) -> tuple[tuple[str, ...], Origins]:
    """The winner's lines without the chrome and field filters: when they would leave nothing
    (a two-line post that reads like a caption), an article is never reported empty."""
    raw, where = _lines(blocks)
    kept: dict[str, tuple[int, int]] = {}
    for text, origin in zip(repair_all([clean_text(line) for line in raw]), where, strict=True):
        if text and text != headline:
            kept.setdefault(text, origin)
    return tuple(kept), tuple(kept.values())


def _squashed(text: str) -> str:
    return " ".join(text.split()).casefold()


def _disagrees(paragraphs: tuple[str, ...], article_text: str) -> bool:
    """Does a substantial JSON-LD articleBody contain almost none of the extracted paragraphs?"""
    if len(article_text) < LD_AGREE_MIN_CHARS or not paragraphs:
        return False
    told = _squashed(article_text)
    long = [text for text in paragraphs if len(text) >= MIN_PARAGRAPH_CHARS]
    enough = LD_AGREE_SHARE * sum(len(text) for text in long)
    found = 0
    for text in long:  # most pages agree: stop searching once enough of the text is found
        if _opening(text) in told:
            found += len(text)
            if found >= enough:
                return False
    return found < enough


def _opening(text: str, size: int = 80) -> str:
    """``_squashed(text)[:size]``, squashing only the start of a long paragraph: a squashed
    prefix is a prefix of the squashed whole, so once it is ``size`` long it is the answer."""
    head = _squashed(text[: 2 * size])
    return head[:size] if len(head) >= size or len(text) <= 2 * size else _squashed(text)[:size]


def captions_of(scan: Scan, containers: list[LexborNode]) -> tuple[str, ...]:
    """Captions of the article's own figures: inside the body container or just above it (a lead
    image), never in chrome such as a "most viewed" rail, whose teaser captions rotate."""
    if scan.custom_captions or not containers:
        return tuple(dict.fromkeys(text for _, text in scan.captions))
    anchors = set()
    for container in containers:
        node: LexborNode | None = container
        for _ in range(CAPTION_REACH + 1):
            if node is None:
                break
            anchors.add(node.mem_id)
            node = node.parent
    kept = (text for node, text in scan.captions if _under(node, anchors, scan.chrome))
    return tuple(dict.fromkeys(kept))


def _under(node: LexborNode, anchors: set[int], chrome: Mapping[int, bool]) -> bool:
    """Is ``node`` inside one of ``anchors`` with no chrome element in between? ``chrome``
    holds the verdicts the scoring reached already (most of the way up is the body's)."""
    current = node.parent
    while current is not None:
        key = current.mem_id
        if key in anchors:
            return True
        if (verdict := chrome.get(key)) is None:
            verdict = is_chrome(current)
        if verdict:
            return False
        current = current.parent
    return False


# --- walking the winner ------------------------------------------------------------------------
@dataclass(slots=True)
class _Walk:
    """What the body walk knows about the winner: paragraph credit, link text, texts read.

    Nothing here runs a CSS query per block (selectolax compiles a selector on every call):
    link text comes from the document scan, nesting from an element's direct children.
    """

    credit: Mapping[int, int]
    keep_at: float  # paragraph text that keeps an element even when its classes say chrome
    linked: Mapping[int, int]  # link characters charged to the few elements above each link
    texts: Mapping[int, str]  # paragraph texts already read while scoring
    fields: set[int]  # paragraphs the scan found to be bylines and datelines
    walked: Blocks  # each block kept, with its element and text, in document order
    winner: LexborNode | None = None  # read only to tell a pull quote's copy from a sole quote
    winner_words: str | None = None  # its text as words (see _words_of), read on first need

    @classmethod
    def over(
        cls, winner: LexborNode, credit: Mapping[int, int], scan: Scan, walked: Blocks
    ) -> _Walk:
        # KEEP_CHARS, or KEEP_SHARE of the winner's text if that is less: one comparison a block
        keep_at = min(KEEP_CHARS, KEEP_SHARE * credit.get(winner.mem_id, 0))
        return cls(credit, keep_at, scan.linked, scan.texts, scan.fields, walked, winner)

    def repeats(self, text: str) -> bool:
        """Is ``text`` (as words) found at least twice in the winner: in its own block and in
        another?"""
        if self.winner_words is None:
            self.winner_words = _words_of(self.winner.text_lexbor()) if self.winner else ""
        words = _words_of(text)
        return bool(words) and self.winner_words.count(words) >= 2

    def mostly_links(self, node: LexborNode, tag: str, text: str, key: int) -> bool:
        """Is the block (``key``: its ``mem_id``, read once by the walk) mostly link text?"""
        size = len(text.strip())
        if size == 0:
            return True
        if tag == "p":
            linked = self.linked.get(key, 0)
        elif size > MAX_LINK_CHECK_CHARS:
            return False  # a long list item or cell is text, whatever it links
        else:
            linked = _link_chars(node)
        return linked > MAX_BLOCK_LINK_DENSITY * size


def _link_chars(node: LexborNode) -> int:
    """Characters of link text under a short block, found by walking its few descendants
    (``node.css("a")`` would compile a selector for every list item and cell)."""
    total = 0
    pending = list(node.iter())
    while pending:
        element = pending.pop()
        if element.tag == "a":  # the HTML parser never nests links
            total += len(element.text_lexbor().strip())
        else:
            pending.extend(element.iter())
    return total


def _has_blocks(node: LexborNode) -> bool:
    """Does a direct child start a new block (``li > p``, ``span > div``)? A plain loop: this
    runs for most list items, cells and spans of the winner (``any()`` over a generator costs
    a third more)."""
    for child in node.iter():  # noqa: SIM110 - any() over a generator is slower here
        if child.tag in NESTED_BLOCK_TAGS:
            return True
    return False


def _blocks(node: LexborNode, walk: _Walk, out: list[str]) -> list[str]:
    """Walk a container in document order, appending one string per text block to ``out``.

    Whitespace-only text nodes (often half of all children: indentation) are skipped in C;
    the few that separate two inline runs are read back by :func:`_skipped_gap`.
    """
    inline: list[str] = []
    members: list[tuple[LexborNode, int]] = []  # each run node, with its text's index in inline
    linked = 0
    for child in node.iter(include_text=True, skip_empty=True):
        tag = child.tag or ""
        if tag == "-text":
            text = child.text_content or ""
            if inline:
                inline.extend(_skipped_gap(child))
                members.append((child, len(inline)))
                inline.append(text)
            elif not text.isspace():  # indentation between blocks is not a block
                members.append((child, 0))
                inline.append(text)
            continue
        if tag in INLINE_TAGS and (tag not in WRAPPER_INLINE_TAGS or not _has_blocks(child)):
            key = child.mem_id
            if key in walk.fields:
                continue  # a caption ``<span>`` beside an image: a field, not part of a line
            if inline:
                inline.extend(_skipped_gap(child))
            text = child.text_lexbor()  # = text(deep=True), cheaper: see score._credit
            members.append((child, len(inline)))
            inline.append(text)
            linked += len(text) if tag == "a" else walk.linked.get(key, 0)
            continue
        if tag in SKIP_IN_BODY:  # skipped elements (images, scripts) do not end an inline run
            if tag == "figure" and _sole_pull_quote(child, tag, walk):
                if inline:
                    _flush(inline, members, linked, out, walk, node)
                    inline, members, linked = [], [], 0
                _blocks(child, walk, out)  # Gutenberg's ``figure.wp-block-pullquote``
            elif tag == "figure":
                _figure_table(child, walk, out)
            continue
        if inline:
            _flush(inline, members, linked, out, walk, node)
            inline, members, linked = [], [], 0
        key = child.mem_id
        if key in walk.fields:
            continue  # a byline, a dateline or a short caption: a field of its own
        if (
            tag != "p"
            and walk.credit.get(key, 0) < walk.keep_at
            and is_boilerplate(child, tag=tag)
            and not _sole_pull_quote(child, tag, walk)
        ):
            continue  # a chrome container holding little text; paragraphs are judged by theirs
        if tag in LEAF_BLOCK_TAGS:
            text = walk.texts.get(key) or _leaf_text(child, tag)
            if tag == "pre" or not walk.mostly_links(child, tag, text, key):
                out.append(text)
                walk.walked.append((child, text, node, ()))
        elif tag in BLOCK_TAGS and not _has_blocks(child):  # a list item or a cell of text
            text = walk.texts.get(key) or child.text_lexbor()
            if not walk.mostly_links(child, tag, text, key):
                out.append(text)
                walk.walked.append((child, text, node, ()))
        elif tag == "tr" and (row := _row_text(child)) is not None:
            if not walk.mostly_links(child, tag, row, key):
                out.append(row)
                walk.walked.append((child, row, node, ()))
        else:
            _blocks(child, walk, out)
    if inline:
        _flush(inline, members, linked, out, walk, node)
    return out


_NOT_WORDS = re.compile(r"[\W_]+")


def _words_of(text: str) -> str:
    """Lower-case words joined by single spaces: a pull quote's copy differs from its paragraph
    in quotes, case and the full stop ("If the ferry goes, ..." / "... goes with it," said)."""
    return " ".join(_NOT_WORDS.sub(" ", text.lower()).split())


def _sole_pull_quote(node: LexborNode, tag: str, walk: _Walk) -> bool:
    """A pull quote (by class alone: not an aside, no other chrome word) whose quote is printed
    nowhere else in the article: the article's only copy of it, so kept."""
    classes = (node.attributes.get("class") or "").lower()
    if tag in WALK_BOILERPLATE_TAGS or not any(word in classes for word in PULL_QUOTE_WORDS):
        return False
    rest = " ".join(w for w in classes.split() if not any(q in w for q in PULL_QUOTE_WORDS))
    if node.attributes.get("id") or (rest and has_any_hint(rest)):
        return False  # chrome for another reason too
    quotes = [p.text(deep=True) for p in node.css("p")] or [node.text(deep=True)]
    return not any(walk.repeats(quote) for quote in quotes)


def _leaf_text(node: LexborNode, tag: str) -> str:
    """A leaf block's text; lines set inside a heading or ``<pre>`` (``<h2><span>第一章</span>
    <div>Chapter One</div></h2>``) stay separate words."""
    if tag != "p" and _has_blocks(node):
        return spaced_text(node)
    return node.text_lexbor()


def _row_text(row: LexborNode) -> str | None:
    """A data-table row as one line, its cells apart (``1 | State Farm | 107,764``); None for a
    layout row whose cells hold blocks of their own."""
    cells = [cell for cell in row.iter() if cell.tag in TABLE_CELL_TAGS]
    if not cells or any(_has_blocks(cell) for cell in cells):
        return None
    texts = [" ".join(cell.text_lexbor().split()) for cell in cells]
    return " | ".join(text for text in texts if text)


def _figure_table(figure: LexborNode, walk: _Walk, out: list[str]) -> None:
    """A figure is an image and its caption (a field of its own), unless it holds a data
    table (``figure.wp-block-table``): then the table is article text."""
    table = figure.css_first("table")
    if table is not None:
        _blocks(table, walk, out)


def _skipped_gap(node: LexborNode) -> list[str]:
    """The whitespace text nodes the walk skipped right before ``node`` (past skipped elements
    such as ``<script>``), in document order: they keep ``<a>x</a> <a>y</a>`` two words."""
    gap: list[str] = []
    previous = node.prev
    while previous is not None:
        if previous.is_empty_text_node:
            gap.append(previous.text_content or "")
        elif (previous.tag or "") not in SKIP_IN_BODY:
            break
        previous = previous.prev
    gap.reverse()
    return gap


def _flush(
    inline: list[str],
    members: list[tuple[LexborNode, int]],
    linked: int,
    out: list[str],
    walk: _Walk,
    node: LexborNode,
) -> None:
    """Emit collected inline text (a run inside ``node``) as one block unless it is mostly link
    labels; ``members`` are the run's nodes, each with the index of its text in ``inline``."""
    text = "".join(inline)
    if not text.isspace() and linked <= MAX_BLOCK_LINK_DENSITY * len(text.strip()):
        out.append(text)
        walk.walked.append((node, text, node, _member_lines(inline, members, text)))


def line_starts(text: str) -> tuple[list[int], list[int]]:
    """Where each line of ``text`` split at blank lines starts, and how many non-blank lines
    come before it: the line an offset falls in, numbered as ``Members`` and ``Origins`` number
    them, is ``before[bisect_right(bounds, offset) - 1]``."""
    bounds: list[int] = []
    before: list[int] = []
    count = offset = 0
    for line in text.split("\n\n"):
        bounds.append(offset)
        before.append(count)
        count += 1 if line and not line.isspace() else 0
        offset += len(line) + 2
    return bounds, before


def _member_lines(inline: list[str], members: list[tuple[LexborNode, int]], text: str) -> Members:
    """Each run member with the run line it starts in (see ``Blocks``): a run split at blank
    lines (``<br><br>``) gives the body several paragraphs, and a link belongs to its own."""
    if "\n\n" not in text:
        return tuple((member, 0) for member, _ in members)
    starts, offset = [], 0  # where each piece of inline begins in text
    for piece in inline:
        starts.append(offset)
        offset += len(piece)
    bounds, before = line_starts(text)
    found = []
    for member, index in members:
        piece = inline[index]
        at = starts[index] + len(piece) - len(piece.lstrip())  # its first visible character
        found.append((member, before[bisect_right(bounds, at) - 1]))
    return tuple(found)


def _finish(
    blocks: Iterable[str], headline: str, subheadings: frozenset[int] = frozenset()
) -> tuple[tuple[str, ...], Origins]:
    """Clean whitespace, split on hard breaks, drop empties, chrome lines, other fields'
    lines (bylines, datelines, reading times, share rows), repeats and the headline; with
    where each kept paragraph was read (the media step places by it). A bare label ("Video",
    "Details") set as a sub-heading (``subheadings``: block indexes) over prose is the
    article's own heading."""
    raw, where = _lines(blocks)
    cleaned = repair_all([clean_text(line) for line in raw])
    lines = [(text, where[i]) for i, text in enumerate(cleaned) if text and text != headline]
    last = len(lines) - 1
    kept = [
        (text, origin)
        for index, (text, origin) in enumerate(lines)
        if len(text) > MAX_LONG_CHROME_LINE
        or not _is_furniture(text, index, last)
        or _heads_prose(lines, index, subheadings)
    ]
    texts = [text for text, _ in kept]
    copies = _copies(texts)
    if copies is None:
        return tuple(texts), tuple(origin for _, origin in kept)
    kept = [line for line, is_copy in zip(kept, copies, strict=True) if not is_copy]
    return tuple(text for text, _ in kept), tuple(origin for _, origin in kept)


def _heads_prose(
    lines: list[tuple[str, tuple[int, int]]], index: int, subheadings: frozenset[int]
) -> bool:
    """Is this line a bare label set as a sub-heading, with a paragraph of prose after it?"""
    text, (block, _) = lines[index]
    if block not in subheadings or BARE_LABELS.match(text) is None or index + 1 >= len(lines):
        return False
    after, (next_block, _) = lines[index + 1]
    return (
        next_block not in subheadings
        and len(after) >= MIN_PROSE_CHARS
        and after.endswith(PROSE_ENDS)
    )


def _lines(blocks: Iterable[str]) -> tuple[list[str], list[tuple[int, int]]]:
    """The blocks split at blank lines, each line with its origin (see ``Origins``)."""
    lines: list[str] = []
    where: list[tuple[int, int]] = []
    for index, block in enumerate(blocks):
        if "\n\n" not in block:
            lines.append(block)
            where.append((index, 0))
            continue
        line_number = 0
        for line in block.split("\n\n"):
            lines.append(line)
            where.append((index, line_number))
            line_number += 1 if line and not line.isspace() else 0
    return lines, where


def _copies(lines: list[str]) -> list[bool] | None:
    """Which lines are a second copy of the article (None: nothing repeats, the common case):
    a long paragraph seen before, and a short one seen before when it sits beside such a copy
    (short lines alone may repeat: headings, specs)."""
    if len(set(lines)) == len(lines):
        return None
    seen: set[str] = set()
    copy = [False] * len(lines)
    for index, text in enumerate(lines):
        copy[index] = len(text) >= MIN_REPEAT_CHARS and text in seen
        seen.add(text)
    for index, text in enumerate(lines):
        beside = (index > 0 and copy[index - 1]) or (index + 1 < len(lines) and copy[index + 1])
        if not copy[index] and beside and text in seen and lines.index(text) < index:
            copy[index] = True
    return copy


def _is_furniture(text: str, index: int, last: int) -> bool:
    """Is this cleaned line (single spaces only) chrome or another field's line? The cheap
    first-word and digit tests run first: this runs for every short line of every page."""
    size = len(text)
    if size > MAX_BOILERPLATE_LINE and text[:1] not in _LONG_CHROME_OPENINGS:
        return False  # a paragraph of text: only a long chrome line could be this long
    first = _first_word(text)
    if first in LONG_CHROME_FIRST_WORDS and LONG_CHROME.match(text) is not None:
        return True
    if size <= MAX_BOILERPLATE_LINE and _is_chrome_line(text, text.lower(), first):
        return True
    if size > MAX_FIELD_LINE:
        return False
    if first not in FIELD_FIRST_WORDS and (size > MAX_DIGIT_FIELD_LINE or not _DIGIT(text)):
        return False  # a field line opens with a field word, or is short and holds a number
    return _is_field_line(text, index, last)


# What a line whose first word is one of LONG_CHROME_FIRST_WORDS can open with: that word's
# first letter in either case (no other character lower-cases to an ASCII letter but ``K``,
# the Kelvin sign, and ``İ``: neither opens a word of the list), or a character that
# ``_first_word`` strips. A long line opening with anything else is never furniture: its first
# word, the costliest part of the test, need not be read.
_FIRST_STRIPPED = ".:!?-—–*•|"
_LONG_CHROME_OPENINGS = frozenset(
    "".join(word[0] + word[0].upper() for word in LONG_CHROME_FIRST_WORDS) + _FIRST_STRIPPED
)


def _first_word(text: str) -> str:
    """The line's first word as the gates list it: lower-cased as the ignore-case patterns
    compare it, so ``İ`` is an ``i`` (``str.lower`` adds a combining dot: ``İLGİLİ`` would
    never meet the gate's ``ilgili`` that the pattern's ``ilgili haberler`` matches)."""
    first = text[:40].lower().partition(" ")[0].partition("/")[0].strip(_FIRST_STRIPPED)
    return first.replace("i\u0307", "i") if "\u0307" in first else first


def _is_field_line(text: str, index: int, last: int) -> bool:
    """A byline, a timestamp, a reading time or a share row: they have fields of their own,
    and in the body they would shift every paragraph number and alert on every re-render."""
    if FIELD_LINES.match(text) is not None:
        return True
    at_edge = index < FIELD_EDGE or last - index < FIELD_EDGE
    return at_edge and DATE_LINES.match(text) is not None


def _is_chrome_line(text: str, lowered: str, first: str) -> bool:
    """Is this short line site chrome (a call to action, a widget title) rather than text?"""
    starts_like_chrome = (
        first in BOILERPLATE_FIRST_WORDS or not first[:1].isalnum() or "/" in text[2:5]
    )  # the slash: reporters' initials before an agency (``ala/dpa``)
    if starts_like_chrome and _is_boilerplate_line(text, lowered):
        return True
    credit_like = first in CREDIT_FIRST_WORDS or lowered.rstrip(".!:").endswith(CREDIT_ENDS)
    if credit_like and CREDIT_LINES.match(text) is not None:
        return True  # ``Le Monde avec AFP``, ``Image via Getty Images``
    if first.isdigit() and SLIDE_COUNTER.match(lowered) is not None:
        return True  # ``1 of 12`` alone on a line
    if not text.isascii() and _in_script(text[:4]) and SCRIPT_CHROME_LINES.match(text) is not None:
        return True  # the same chrome in Cyrillic, CJK or Hangul
    for marker in BOILERPLATE_INSIDE_MARKERS:  # a plain loop: this runs for every short line
        if marker in lowered:
            return _has_inside_chrome(text, lowered)
    return False


def _has_inside_chrome(text: str, lowered: str) -> bool:
    """BOILERPLATE_INSIDE; an ASCII line is searched lower-cased, with case (faster)."""
    if text.isascii():
        return BOILERPLATE_INSIDE_LOWER.search(lowered) is not None
    return BOILERPLATE_INSIDE.search(text) is not None


def _in_script(opening: str) -> bool:
    """Does a character past the Latin ones open the line? isascii() first: the common case,
    at C speed (max() reads each character as a string of its own). The caller asks the whole
    line's isascii() before slicing: a flag of the string, read without looking at the text."""
    return not opening.isascii() and max(opening) >= SCRIPT_CHROME_FROM


def _is_boilerplate_line(text: str, lowered: str) -> bool:
    """BOILERPLATE_LINES, matched without case folding on the lower-cased line (5x faster on
    a line with an accent or a curly quote); the ignore-case pattern only for the few letters
    whose lower case is not what that pattern compares (``İ``, ``ſ``, Greek: CASE_SPECIAL).
    A "written by" label is matched with case: only capitalised names may follow it."""
    if lowered.startswith(WRITTEN_BY_STARTS):
        return WRITTEN_BY_LINES.match(text) is not None
    if text.isascii() or (len(lowered) == len(text) and CASE_SPECIAL.search(text) is None):
        return BOILERPLATE_LINES_LOWER.match(lowered) is not None
    return BOILERPLATE_LINES.match(text) is not None


def _ld_body_text(article_body: str) -> str:
    """JSON-LD ``articleBody`` as plain text, one paragraph a line. Some sites put HTML in it
    (``<p><a href=...>``): that is parsed, never emitted as markup."""
    text = unescape(article_body)
    if LD_MARKUP.search(text) is None:
        if LD_ESCAPED_MARKUP.search(text) is None:
            return text
        text = unescape(text)  # escaped twice: ``&amp;lt;p&amp;gt;`` read once is ``&lt;p&gt;``
    tree = LexborHTMLParser(text)
    parts = [node.text(deep=True) for node in tree.css(LD_BLOCK_QUERY)]
    if not parts and tree.body is not None:
        parts = [tree.body.text(deep=True)]
    return "\n".join(" ".join(part.split()) for part in parts)


def _cross_check(paragraphs: tuple[str, ...], article_body: str) -> tuple[str, ...]:
    """Use JSON-LD articleBody only when the DOM found clearly less text (never blindly: some
    sites truncate it, others fill it with the teaser)."""
    if not article_body:
        return paragraphs
    if sum(len(p) for p in paragraphs) >= ARTICLE_BODY_TRUST * len(article_body):
        return paragraphs
    parts = ARTICLE_BODY_SPLIT.split(article_body)
    return tuple(repair_all([clean_text(part) for part in parts if part.strip()]))

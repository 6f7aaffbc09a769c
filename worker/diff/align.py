"""Paragraph and sentence alignment: which blocks stayed, moved, changed, came or went.

The body is aligned paragraph by paragraph (difflib), moved paragraphs are recognised by their
text, paragraphs edited in place are paired by word similarity, and only those pairs get a
word-level diff. Sentences are aligned inside an edited paragraph for the human summary
("sentence added to paragraph 7") and to find the text a correction note would be in.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz.distance import Indel

from worker.diff.words import canonical_all, word_ops
from worker.models import BlockOp, BlockTag
from worker.normalize import normalize_text

PAIR_THRESHOLD = 0.5  # word similarity above which two paragraphs are "the same, edited"
FUZZY_MOVE_THRESHOLD = 0.8  # ... and above which a far-away pair is "moved and edited"
MAX_PAIRING_CELLS = 2500  # beyond this a replace region is paired in order, not by DP
# Typographic quotes are listed too so the rule also splits original (not canonical) text.
SENTENCE_BREAK = re.compile(
    r"(?<=[.!?])\s+(?=[\"'(\[“‘]?[A-Z0-9À-Ý])"
    r"|(?<=[.!?][\"')\]”’»])\s+(?=[\"'(\[“‘«]?[A-Z0-9À-Ý])"
)


@dataclass(slots=True)
class _Region:
    """A stretch of unmatched paragraphs that difflib saw between two equal runs."""

    olds: list[int]
    news: list[int]


def align_blocks(old: Sequence[str], new: Sequence[str]) -> tuple[BlockOp, ...]:
    """Align two lists of paragraphs: equal, moved, edited in place, added, removed."""
    memo: dict[str, str] = {}
    old_keys, new_keys = canonical_all(old, memo), canonical_all(new, memo)
    matcher = difflib.SequenceMatcher(None, old_keys, new_keys, autojunk=False)
    pairs: list[tuple[BlockTag, int, int]] = []
    regions: list[_Region] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            pairs.extend(("equal", i1 + k, j1 + k) for k in range(i2 - i1))
        else:
            regions.append(_Region(list(range(i1, i2)), list(range(j1, j2))))
    pairs.extend(_exact_moves(regions, old_keys, new_keys))
    for region in regions:
        pairs.extend(_pair_edits(region, old_keys, new_keys))
    pairs.extend(_fuzzy_moves(regions, old_keys, new_keys))
    return _order_blocks(pairs, regions, old, new, old_keys, new_keys)


def _exact_moves(
    regions: list[_Region], old_keys: list[str], new_keys: list[str]
) -> list[tuple[BlockTag, int, int]]:
    """Paragraphs whose exact text left one place and appeared at another."""
    waiting: dict[str, list[int]] = {}
    for region in regions:
        for i in region.olds:
            waiting.setdefault(old_keys[i], []).append(i)
    moves: list[tuple[BlockTag, int, int]] = []
    for region in regions:
        for j in list(region.news):
            candidates = waiting.get(new_keys[j])
            if new_keys[j] and candidates:
                moves.append(("move", candidates.pop(0), j))
                region.news.remove(j)
    moved_olds = {i for _, i, _ in moves}
    for region in regions:
        region.olds = [i for i in region.olds if i not in moved_olds]
    return moves


def _similarity(a: str, b: str) -> float:
    return float(Indel.normalized_similarity(a.split(), b.split()))


def _pair_edits(
    region: _Region, old_keys: list[str], new_keys: list[str]
) -> list[tuple[BlockTag, int, int]]:
    """Pair old and new paragraphs of one region, in order, maximising total similarity."""
    olds, news = region.olds, region.news
    if not olds or not news:
        return []
    if len(olds) == len(news) == 1:  # one slot rewritten in place, however thoroughly
        chosen = [(olds[0], news[0])]
    elif len(olds) * len(news) > MAX_PAIRING_CELLS:
        chosen = [
            (i, j)
            for i, j in zip(olds, news, strict=False)
            if _similarity(old_keys[i], new_keys[j]) >= PAIR_THRESHOLD
        ]
    else:
        chosen = _best_monotone_pairs(olds, news, old_keys, new_keys)
    paired_olds = {i for i, _ in chosen}
    paired_news = {j for _, j in chosen}
    region.olds = [i for i in olds if i not in paired_olds]
    region.news = [j for j in news if j not in paired_news]
    return [("replace", i, j) for i, j in chosen]


def _best_monotone_pairs(
    olds: list[int], news: list[int], old_keys: list[str], new_keys: list[str]
) -> list[tuple[int, int]]:
    """Order-preserving pairing with the highest summed similarity (a tiny LCS-style DP)."""
    m, n = len(olds), len(news)
    sims = [[_similarity(old_keys[i], new_keys[j]) for j in news] for i in olds]
    score = [[0.0] * (n + 1) for _ in range(m + 1)]
    for a in range(1, m + 1):
        for b in range(1, n + 1):
            best = max(score[a - 1][b], score[a][b - 1])
            if sims[a - 1][b - 1] >= PAIR_THRESHOLD:
                best = max(best, score[a - 1][b - 1] + sims[a - 1][b - 1])
            score[a][b] = best
    chosen: list[tuple[int, int]] = []
    a, b = m, n
    while a and b:
        sim = sims[a - 1][b - 1]
        if sim >= PAIR_THRESHOLD and score[a][b] == score[a - 1][b - 1] + sim:
            chosen.append((olds[a - 1], news[b - 1]))
            a, b = a - 1, b - 1
        elif score[a][b] == score[a - 1][b]:
            a -= 1
        else:
            b -= 1
    return chosen[::-1]


def _fuzzy_moves(
    regions: list[_Region], old_keys: list[str], new_keys: list[str]
) -> list[tuple[BlockTag, int, int]]:
    """Leftover paragraphs that moved *and* changed a little."""
    olds = [i for region in regions for i in region.olds]
    news = [j for region in regions for j in region.news]
    if not olds or not news or len(olds) * len(news) > MAX_PAIRING_CELLS:
        return []
    moves: list[tuple[BlockTag, int, int]] = []
    for j in news:
        best = max(olds, key=lambda i: _similarity(old_keys[i], new_keys[j]), default=None)
        if best is not None and _similarity(old_keys[best], new_keys[j]) >= FUZZY_MOVE_THRESHOLD:
            moves.append(("move", best, j))
            olds.remove(best)
    moved_olds, moved_news = {i for _, i, _ in moves}, {j for _, _, j in moves}
    for region in regions:
        region.olds = [i for i in region.olds if i not in moved_olds]
        region.news = [j for j in region.news if j not in moved_news]
    return moves


def _order_blocks(
    pairs: list[tuple[BlockTag, int, int]],
    regions: list[_Region],
    old: Sequence[str],
    new: Sequence[str],
    old_keys: list[str],
    new_keys: list[str],
) -> tuple[BlockOp, ...]:
    """Blocks in reading order: new positions, with removals where they used to stand."""
    new_of_old = {i: j for tag, i, j in pairs if tag != "move"}
    keyed: list[tuple[float, int, BlockOp]] = []
    for tag, i, j in pairs:
        edited = old_keys[i] != new_keys[j]
        words = word_ops(old[i], new[j]) if edited else ()
        keyed.append((j, i, BlockOp(tag, i, j, old[i], new[j], words)))
    for region in regions:
        keyed.extend((j, -1, BlockOp("insert", None, j, "", new[j])) for j in region.news)
        for i in region.olds:
            before = [j for k, j in new_of_old.items() if k < i]
            keyed.append((max(before, default=-1) + 0.5, i, BlockOp("delete", i, None, old[i])))
    keyed.sort(key=lambda item: (item[0], item[1]))
    return tuple(block for _, _, block in keyed)


# --- sentence level -----------------------------------------------------------------------


def _sentences(text: str) -> list[str]:
    return [s for s in SENTENCE_BREAK.split(normalize_text(text)) if s]


def sentence_opcodes(block: BlockOp) -> list[tuple[str, int, int, int, int]]:
    old, new = _sentences(block.old), _sentences(block.new)
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    return [code for code in matcher.get_opcodes() if code[0] != "equal"]


def added_sentences(block: BlockOp) -> list[str]:
    new = _sentences(block.new)
    return [s for _, _, _, j1, j2 in sentence_opcodes(block) for s in new[j1:j2]]

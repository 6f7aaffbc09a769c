"""Pure diff engine: two article states in, one readable :class:`Change` out (or None).

Fields are aligned one by one. The body is aligned paragraph by paragraph (difflib), moved
paragraphs are recognised by their text, paragraphs edited in place are paired by word
similarity, and only those pairs get a word-level diff (rapidfuzz ``Indel`` opcodes) and a
sentence-level reading for the human summary ("sentence added to paragraph 7").

Equality is decided on a canonical form (Unicode NFKC, typographic quotes and dashes folded,
whitespace collapsed), so a re-render that only swaps ``’`` for ``'`` is no change at all, while
every operation keeps the page's original text for display.

Kinds are the edit taxonomy (``headline``, ``lede``, ``correction``, ``paragraph_moved`` ...,
plus the coarse ``body`` whenever a paragraph changed); significance is ``minor``, ``moderate`` or
``major``. Removal, restoration, flip-flops and headline A/B tests need history that two articles
do not hold, so they are small separate helpers the pipeline calls with that history.

Nothing here does I/O.
"""

from __future__ import annotations

import difflib
import itertools
import re
import unicodedata
from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, replace

from rapidfuzz.distance import Indel, Levenshtein

from worker.models import Article, BlockOp, BlockTag, Change, DiffOp, FieldDiff

SIGNIFICANCE_LEVELS: tuple[str, ...] = ("minor", "moderate", "major")

# Scalar article attributes, the kind a change to each one implies.
SCALAR_FIELDS: tuple[tuple[str, str], ...] = (
    ("headline", "headline"),
    ("subheadline", "subheadline"),
    ("byline", "byline"),
    ("published", "dates"),
    ("modified", "dates"),
    ("canonical_url", "url"),
)
# List attributes and the field name their FieldDiff carries.
LIST_FIELDS: tuple[tuple[str, str], ...] = (("paragraphs", "body"), ("captions", "captions"))
BODY_KIND_BY_TAG: dict[str, str] = {
    "insert": "paragraph_added",
    "delete": "paragraph_removed",
    "replace": "paragraph_edited",
    "move": "paragraph_moved",
}
TEXT_KINDS = frozenset({"headline", "subheadline"})  # scalar fields whose words are counted
STRUCTURAL_KINDS = frozenset(
    {"paragraph_added", "paragraph_removed", "paragraph_moved", "byline", "url", "removed"}
)
MAJOR_RATIO = 0.10  # share of words changed that makes any edit major
PAIR_THRESHOLD = 0.5  # word similarity above which two paragraphs are "the same, edited"
FUZZY_MOVE_THRESHOLD = 0.8  # ... and above which a far-away pair is "moved and edited"
MAX_PAIRING_CELLS = 2500  # beyond this a replace region is paired in order, not by DP
TYPO_MAX_DISTANCE = 2
TYPO_MIN_LENGTH = 4  # "now" -> "not" changes meaning; short words are never typos
SMALL_EDIT_WORDS = 4  # word replacements up to this size are quoted in the summary
MAX_DETAILS = 20
QUOTE_CHARS = 80
RETURN_WINDOW = 5  # how many recent versions a flip-flop may return to
AB_MIN_SWITCHES = 3  # A, B, A, B: three switches between two headlines make an A/B test

# Typographic variants folded to ASCII before comparing; invisible characters dropped.
TYPOGRAPHY: dict[str, str] = {
    **dict.fromkeys("\u2018\u2019\u201a\u201b\u2032", "'"),
    **dict.fromkeys("\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb", '"'),
    **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212", "-"),
    **dict.fromkeys("\u200b\u200c\u200d\u2060\ufeff\u00ad", ""),
}
TYPOGRAPHY_RE = re.compile("[" + "".join(TYPOGRAPHY) + "]")  # a regex beats str.translate 3x
# Appended or prepended notes that make an edit a correction, matched on the casefolded
# canonical text of what was added. Labels must open a paragraph or sentence; phrases anywhere.
CORRECTION_LABELS_BY_LANGUAGE: dict[str, str] = {
    "en": "correction|corrections|clarification|update|updated|editor's note|editors' note",
    "es": "corrección|aclaración|actualización|nota del editor|nota de la redacción",
    "fr": "rectificatif|correctif|mise à jour|note de la rédaction",
    "de": "korrektur|berichtigung|aktualisierung|anmerkung der redaktion",
    "it": "correzione|rettifica|aggiornamento|nota della redazione",
    "pt": "correção|atualização|nota do editor",
    "nl": "correctie|rectificatie|naschrift",
}
CORRECTION_LABELS: tuple[str, ...] = tuple(
    label for labels in CORRECTION_LABELS_BY_LANGUAGE.values() for label in labels.split("|")
)
CORRECTION_PHRASES: tuple[str, ...] = (
    r"an earlier version of this (?:article|story|report|post|piece)",
    r"a previous version of this (?:article|story|report|post|piece)",
    r"this (?:article|story|report|post|piece) (?:has been|was) (?:updated|corrected|amended)",
    r"una versión anterior de (?:este|esta)",
    r"une (?:version précédente|précédente version) de cet article",
    r"in einer früheren version",
    r"dieser artikel wurde (?:aktualisiert|korrigiert)",
    r"una versione precedente di questo articolo",
    r"uma versão anterior de(?:ste| esta)",
    r"een eerdere versie van dit artikel",
)
CORRECTION_RE = re.compile(
    r"(?:^|[.!?]\s)(?:"
    + "|".join(re.escape(label) for label in CORRECTION_LABELS)
    + r")\s*[:\-]|"
    + "|".join(CORRECTION_PHRASES)
)
SENTENCE_BREAK = re.compile(
    r"(?<=[.!?])\s+(?=[\"'(\[]?[A-Z0-9À-Ý])|(?<=[.!?][\"')\]])\s+(?=[\"'(\[]?[A-Z0-9À-Ý])"
)
TOKEN = re.compile(r"\S+\s*")
LEADING_SPACE = re.compile(r"\s*")
WORD_CHARS = re.compile(r"[^\w]+")

DEFAULT_ALERT_ON: frozenset[str] = frozenset({"moderate"})
ALERT_EVERYTHING = frozenset({"all", "*"})


def canonical(text: str) -> str:
    """The form two texts are compared in: NFKC, typography folded, whitespace collapsed."""
    folded = TYPOGRAPHY_RE.sub(_fold, unicodedata.normalize("NFKC", text))
    return " ".join(folded.split())


def _fold(match: re.Match[str]) -> str:
    return TYPOGRAPHY[match.group()]


def _canonical_all(texts: Sequence[str], memo: dict[str, str]) -> list[str]:
    """Canonical forms, each distinct text worked out once (most paragraphs did not change)."""
    out = []
    for text in texts:
        key = memo.get(text)
        if key is None:
            key = memo[text] = canonical(text)
        out.append(key)
    return out


# --- word level ---------------------------------------------------------------------------


def _tokens(text: str) -> list[str]:
    """Words with their trailing whitespace; joined they give ``text`` back exactly."""
    lead = LEADING_SPACE.match(text)
    start = lead.end() if lead else 0
    tokens = TOKEN.findall(text, start)
    if not tokens:
        return [text] if text else []
    tokens[0] = text[:start] + tokens[0]
    return tokens


def word_ops(old: str, new: str) -> tuple[DiffOp, ...]:
    """Word-level operations turning ``old`` into ``new``, compared canonically.

    Adjacent insert/delete runs become one ``replace``, and a one- or two-word equality squeezed
    between larger edits is absorbed, so a rewritten sentence reads as one replacement rather
    than confetti around every "the".
    """
    old_tokens, new_tokens = _tokens(old), _tokens(new)
    old_keys = [canonical(t) for t in old_tokens]
    new_keys = [canonical(t) for t in new_tokens]
    spans: list[list[int]] = []  # [is_equal, i1, i2, j1, j2]
    for code in Indel.opcodes(old_keys, new_keys):
        is_equal = int(code.tag == "equal")
        if spans and not is_equal and not spans[-1][0]:
            spans[-1][2], spans[-1][4] = code.src_end, code.dest_end
        else:
            spans.append([is_equal, code.src_start, code.src_end, code.dest_start, code.dest_end])
    spans = _absorb_small_equalities(spans)
    return tuple(_span_op(span, old_tokens, new_tokens) for span in spans)


def _absorb_small_equalities(spans: list[list[int]]) -> list[list[int]]:
    """Fold short equal runs that sit between two larger edits into one replacement."""
    out: list[list[int]] = []
    for index, span in enumerate(spans):
        if span[0] and 0 < index < len(spans) - 1 and out and not out[-1][0]:
            size = span[2] - span[1]
            after = spans[index + 1]
            before_size = max(out[-1][2] - out[-1][1], out[-1][4] - out[-1][3])
            after_size = max(after[2] - after[1], after[4] - after[3])
            if size <= 2 and size < before_size and size < after_size:
                out[-1][2], out[-1][4] = span[2], span[4]
                continue
        if out and not span[0] and not out[-1][0]:
            out[-1][2], out[-1][4] = span[2], span[4]
        else:
            out.append(list(span))
    return out


def _span_op(span: list[int], old_tokens: list[str], new_tokens: list[str]) -> DiffOp:
    is_equal, i1, i2, j1, j2 = span
    old, new = "".join(old_tokens[i1:i2]), "".join(new_tokens[j1:j2])
    if is_equal:
        return DiffOp("equal", old, new)
    if not old:
        return DiffOp("insert", "", new)
    if not new:
        return DiffOp("delete", old, "")
    return DiffOp("replace", old, new)


def _is_trivial(op: DiffOp) -> bool:
    """True when an op only touches case, punctuation, typography or spacing."""
    return _letters(op.old) == _letters(op.new)


def _letters(text: str) -> str:
    return WORD_CHARS.sub(" ", canonical(text).casefold()).strip()


def _is_typo_fix(op: DiffOp) -> bool:
    """One word for one similar word, no digits: 'recieve' -> 'receive', not '100' -> '200'."""
    old, new = _letters(op.old), _letters(op.new)
    if op.tag != "replace" or " " in old or " " in new:
        return False
    if any(ch.isdigit() for ch in old + new) or min(len(old), len(new)) < TYPO_MIN_LENGTH:
        return False
    return Levenshtein.distance(old, new) <= TYPO_MAX_DISTANCE


# --- block (paragraph) level --------------------------------------------------------------


@dataclass(slots=True)
class _Region:
    """A stretch of unmatched paragraphs that difflib saw between two equal runs."""

    olds: list[int]
    news: list[int]


def align_blocks(old: Sequence[str], new: Sequence[str]) -> tuple[BlockOp, ...]:
    """Align two lists of paragraphs: equal, moved, edited in place, added, removed."""
    memo: dict[str, str] = {}
    old_keys, new_keys = _canonical_all(old, memo), _canonical_all(new, memo)
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


# --- the Change -----------------------------------------------------------------------------


@dataclass(slots=True)
class _Tally:
    """What the field diffs add up to, gathered while walking them."""

    kinds: set[str]
    details: list[str]
    added: Counter[str]  # per-field multiset differences of canonical words, so the counts do
    removed: Counter[str]  # not depend on alignment ties and swap exactly with the arguments
    changed: int = 0
    substantive: int = 0  # ops that are neither typography nor a lone typo fix
    typos: int = 0
    major_hits: int = 0


def compare(old: Article, new: Article) -> Change | None:
    """The change from ``old`` to ``new``, or None when their canonical forms are equal.

    Compared: headline, subheadline, byline, published, modified, canonical_url, paragraphs
    and captions (``language`` is metadata, not content).
    """
    tally = _Tally(set(), [], Counter(), Counter())
    fields = list(_scalar_diffs(old, new, tally))
    fields.extend(_list_diffs(old, new, tally))
    if not fields:
        return None
    silent = (
        "body" in tally.kinds and bool(_date_stamp(old)) and _date_stamp(old) == _date_stamp(new)
    )
    words_added, words_removed = sum(tally.added.values()), sum(tally.removed.values())
    total = max(_word_count(old), _word_count(new), 1)
    ratio = max(words_added, words_removed) / total
    return Change(
        kinds=frozenset(tally.kinds),
        fields=tuple(fields),
        significance=_significance(tally, ratio),
        silent=silent,
        words_added=words_added,
        words_removed=words_removed,
        words_changed=tally.changed,
        details=_cap_details(tally.details),
    )


def _scalar_diffs(old: Article, new: Article, tally: _Tally) -> Iterable[FieldDiff]:
    for attr, kind in SCALAR_FIELDS:
        before, after = getattr(old, attr), getattr(new, attr)
        if canonical(before) == canonical(after):
            continue
        ops = word_ops(before, after)
        tally.kinds.add(kind)
        if kind in TEXT_KINDS:
            _tally_ops(ops, tally, major_kind=kind == "headline")
            _count_words([before], [after], tally)
        elif attr != "modified":  # a moved dateModified alone is routine and stays minor
            tally.substantive += 1
        if kind == "subheadline" and not _has_correction_note(before):
            _check_correction(after, tally)
        if kind != "headline":  # renderers lead with the headline themselves
            tally.details.append(f"{attr.replace('_', ' ')}: {_quote(before)} -> {_quote(after)}")
        yield FieldDiff(attr, ops)


def _list_diffs(old: Article, new: Article, tally: _Tally) -> Iterable[FieldDiff]:
    for attr, name in LIST_FIELDS:
        blocks = align_blocks(getattr(old, attr), getattr(new, attr))
        changed = [b for b in blocks if b.tag != "equal"]
        if not changed:
            continue
        for block in changed:
            _tally_block(name, block, tally)
        _count_words([b.old for b in changed], [b.new for b in changed], tally)
        if name == "body":
            _check_lede(blocks, tally)
        flat = tuple(op for b in changed for op in (b.words or _whole_block_ops(b)))
        yield FieldDiff(name, flat, blocks)


def _count_words(old_texts: Iterable[str], new_texts: Iterable[str], tally: _Tally) -> None:
    """Words added and removed in one field, as a multiset difference (moves count nothing)."""
    old_words = Counter(word for text in old_texts for word in canonical(text).split())
    new_words = Counter(word for text in new_texts for word in canonical(text).split())
    tally.added.update(new_words - old_words)
    tally.removed.update(old_words - new_words)


def _whole_block_ops(block: BlockOp) -> tuple[DiffOp, ...]:
    if block.tag == "insert":
        return (DiffOp("insert", "", block.new),)
    if block.tag == "delete":
        return (DiffOp("delete", block.old, ""),)
    return ()


def _tally_block(name: str, block: BlockOp, tally: _Tally) -> None:
    """Kinds, word counts and summary lines for one changed paragraph or caption."""
    kind = "caption" if name == "captions" else BODY_KIND_BY_TAG[block.tag]
    tally.kinds.add(kind)
    if name == "body":
        tally.kinds.add("body")
        if block.tag == "move" and block.words:
            tally.kinds.add("paragraph_edited")
    tally.details.extend(_block_details(name, block))
    if block.tag in ("insert", "delete"):
        tally.substantive += 1
        if name == "body":
            _check_correction(block.new, tally)
        return
    if block.tag == "move" and not block.words:
        tally.substantive += 1
        return
    _tally_ops(block.words, tally, major_kind=False)
    if name == "body":
        added_text = " ".join(op.new for op in block.words if op.tag != "equal")
        _check_correction(" ".join(_added_sentences(block)) or added_text, tally)


def _tally_ops(ops: Sequence[DiffOp], tally: _Tally, *, major_kind: bool) -> None:
    """Count words and sort each op into typography / typo fix / real edit."""
    for op in ops:
        if op.tag == "equal":
            continue
        old_words, new_words = canonical(op.old).split(), canonical(op.new).split()
        if op.tag == "replace":
            tally.changed += min(len(old_words), len(new_words))
        if _is_trivial(op):
            continue
        if _is_typo_fix(op):
            tally.typos += 1
            continue
        tally.substantive += 1
        tally.major_hits += major_kind


def _check_lede(blocks: Sequence[BlockOp], tally: _Tally) -> None:
    """The lede changed if paragraph 1 was edited, or replaced by a different first paragraph.

    A typo fix in the lede keeps the kind but does not by itself make the change major.
    """
    edited = [b for b in blocks if b.tag == "replace" and 0 in (b.old_index, b.new_index)]
    removed_first = any(b.tag == "delete" and b.old_index == 0 for b in blocks)
    added_first = any(b.tag == "insert" and b.new_index == 0 for b in blocks)
    rewritten = removed_first and added_first
    if not edited and not rewritten:
        return
    tally.kinds.add("lede")
    ops = [op for b in edited for op in b.words if op.tag != "equal"]
    if rewritten or not all(_is_trivial(op) or _is_typo_fix(op) for op in ops):
        tally.major_hits += 1


def _has_correction_note(text: str) -> bool:
    return bool(text) and CORRECTION_RE.search(canonical(text).casefold()) is not None


def _check_correction(added_text: str, tally: _Tally) -> None:
    """Text that was added carries a correction or update note: the edit is a correction."""
    if _has_correction_note(added_text):
        tally.kinds.add("correction")
        tally.major_hits += 1


def _sentences(text: str) -> list[str]:
    return [s for s in SENTENCE_BREAK.split(canonical(text)) if s]


def _sentence_opcodes(block: BlockOp) -> list[tuple[str, int, int, int, int]]:
    old, new = _sentences(block.old), _sentences(block.new)
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    return [code for code in matcher.get_opcodes() if code[0] != "equal"]


def _added_sentences(block: BlockOp) -> list[str]:
    new = _sentences(block.new)
    return [s for _, _, _, j1, j2 in _sentence_opcodes(block) for s in new[j1:j2]]


def _block_details(name: str, block: BlockOp) -> list[str]:
    """Human sentences for one changed block: 'paragraph 4 moved to 2', ..."""
    if name == "captions":
        verb = {"insert": "added", "delete": "removed", "move": "moved"}.get(block.tag, "edited")
        return [f"caption {verb}: {_quote(block.new or block.old)}"]
    where = (block.new_index if block.new_index is not None else block.old_index or 0) + 1
    if block.tag == "insert":
        return [f"paragraph {where} added: {_quote(block.new)}"]
    if block.tag == "delete":
        return [f"paragraph {where} removed: {_quote(block.old)}"]
    lines: list[str] = []
    if block.tag == "move":
        lines.append(f"paragraph {(block.old_index or 0) + 1} moved to {where}")
        if not block.words:
            return lines
    return lines + _edit_details(block, where)


def _edit_details(block: BlockOp, where: int) -> list[str]:
    small = [
        op
        for op in block.words
        if op.tag == "replace"
        and len(op.old.split()) <= SMALL_EDIT_WORDS
        and len(op.new.split()) <= SMALL_EDIT_WORDS
    ]
    changes = [op for op in block.words if op.tag != "equal"]
    if changes and len(small) == len(changes):
        return [f"{_quote(op.old)} -> {_quote(op.new)} in paragraph {where}" for op in small]
    lines = []
    for tag, i1, i2, j1, j2 in _sentence_opcodes(block):
        if tag == "insert":
            lines.append(_plural(j2 - j1, "sentence") + f" added to paragraph {where}")
        elif tag == "delete":
            lines.append(_plural(i2 - i1, "sentence") + f" removed from paragraph {where}")
        else:
            lines.append(
                _plural(max(i2 - i1, j2 - j1), "sentence") + f" edited in paragraph {where}"
            )
    return lines or [f"paragraph {where} edited"]


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}s" if count > 1 else noun


def _quote(text: str) -> str:
    text = " ".join(text.split())
    return f"'{text}'" if len(text) <= QUOTE_CHARS else f"'{text[: QUOTE_CHARS - 3]}...'"


def _cap_details(details: list[str]) -> tuple[str, ...]:
    if len(details) <= MAX_DETAILS:
        return tuple(details)
    return (*details[:MAX_DETAILS], f"... and {len(details) - MAX_DETAILS} more")


def _date_stamp(article: Article) -> str:
    return canonical(article.modified or article.published)


def _word_count(article: Article) -> int:
    texts = (article.headline, article.subheadline, *article.paragraphs, *article.captions)
    return sum(text.count(" ") + 1 for text in texts if text)


def _significance(tally: _Tally, ratio: float) -> str:
    """major: headline, lede, correction or >= 10% of words; minor: typography or one typo."""
    if tally.major_hits or ratio >= MAJOR_RATIO:
        return "major"
    structural = tally.kinds & STRUCTURAL_KINDS or "headline" in tally.kinds
    if tally.substantive or structural or tally.typos > 1:
        return "moderate"
    return "minor"


# --- replaying a change ---------------------------------------------------------------------


def apply(old: Article, change: Change | None) -> Article:
    """Rebuild the new article from ``old`` and a change: the proof that ops carry everything.

    Fields without a FieldDiff were canonically equal and keep ``old``'s text.
    """
    if change is None:
        return old
    updates: dict[str, object] = {}
    list_attr = {name: attr for attr, name in LIST_FIELDS}
    for fd in change.fields:
        if fd.field in list_attr:
            placed = sorted((b for b in fd.blocks if b.new_index is not None), key=_new_index)
            updates[list_attr[fd.field]] = tuple(b.new for b in placed)
        else:
            updates[fd.field] = "".join(op.new for op in fd.ops)
    return replace(old, **updates)  # type: ignore[arg-type]


def _new_index(block: BlockOp) -> int:
    return block.new_index if block.new_index is not None else -1


# --- context the two articles do not hold ---------------------------------------------------


def removed_change(last: Article, status: int, *, final_url: str = "") -> Change:
    """The article now answers 404/410, or redirects to a section front: always major."""
    if 300 <= status < 400 or final_url:
        detail = f"article now redirects to {final_url or 'another page'} (HTTP {status})"
    else:
        detail = f"article now answers HTTP {status}"
    words = sum(len(canonical(p).split()) for p in last.paragraphs)
    return Change(
        kinds=frozenset({"removed"}),
        fields=(),
        significance="major",
        words_removed=words,
        details=(detail,),
    )


def restored_change(last_live: Article, restored: Article) -> Change:
    """The article is back; also reports what differs from the last state seen before removal."""
    inner = compare(last_live, restored)
    if inner is None:
        return Change(
            kinds=frozenset({"restored"}),
            fields=(),
            significance="moderate",
            details=("article is back online, unchanged",),
        )
    level = max(inner.significance, "moderate", key=SIGNIFICANCE_LEVELS.index)
    return replace(
        inner,
        kinds=inner.kinds | {"restored"},
        significance=level,
        details=("article is back online", *inner.details),
    )


def find_return(
    new_fingerprint: str, recent: Sequence[tuple[int, str]], *, window: int = RETURN_WINDOW
) -> int | None:
    """The version number among the last ``window`` whose fingerprint equals the new one.

    ``recent`` holds ``(version number, fingerprint)`` pairs in any order. The newest match
    wins. Callers check "unchanged" (equal to the latest version) before asking.
    """
    newest = sorted(recent, key=lambda item: item[0], reverse=True)[:window]
    return next((number for number, fp in newest if fp == new_fingerprint), None)


def detect_ab_test(headlines: Sequence[str]) -> tuple[str, str] | None:
    """Two headlines alternating at the end of the history (oldest first): an A/B test.

    Returns the two variants in order of first appearance once the trailing run that holds
    only those two has switched at least ``AB_MIN_SWITCHES`` times (A, B, A, B).
    """
    keys = [canonical(h) for h in headlines]
    start, seen = len(keys), set[str]()
    while start and (keys[start - 1] in seen or len(seen) < 2):
        start -= 1
        seen.add(keys[start])
    run = keys[start:]
    switches = sum(1 for a, b in itertools.pairwise(run) if a != b)
    if len(seen) != 2 or switches < AB_MIN_SWITCHES:
        return None
    second = next(i for i in range(start, len(keys)) if keys[i] != run[0])
    return headlines[start], headlines[second]


def should_alert(change: Change, alert_on: Collection[str] = DEFAULT_ALERT_ON) -> bool:
    """Whether a change passes the alert policy.

    ``alert_on`` holds kind names (alert when the change has that kind) and significance names
    (alert at that level *or above*); ``"all"`` alerts on everything. The default,
    ``{"moderate"}``, alerts on everything but minor changes.
    """
    wanted = set(alert_on)
    if wanted & ALERT_EVERYTHING or wanted & change.kinds:
        return True
    rank = SIGNIFICANCE_LEVELS.index(change.significance)
    return any(level in wanted for level in SIGNIFICANCE_LEVELS[: rank + 1])

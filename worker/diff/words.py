"""Word-level diffs: what "equal" means, and how one text became another.

Equality is decided on the one canonical form, :func:`worker.normalize.normalize_text` (there is
no second one here), so a re-render that only swaps ``’`` for ``'`` is no change at all. Word
operations come from rapidfuzz ``Indel`` opcodes; the typography / typo-fix tests here decide
how much an operation weighs.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from rapidfuzz.distance import Indel, Levenshtein

from worker.models import DiffOp
from worker.normalize import normalize_text

TYPO_MAX_DISTANCE = 2
TYPO_MIN_LENGTH = 4  # "now" -> "not" changes meaning; short words are never typos

TOKEN = re.compile(r"\S+\s*")
LEADING_SPACE = re.compile(r"\s*")
WORD_CHARS = re.compile(r"[^\w]+")


def canonical_all(texts: Sequence[str], memo: dict[str, str]) -> list[str]:
    """Canonical forms, each distinct text worked out once (most paragraphs did not change)."""
    out = []
    for text in texts:
        key = memo.get(text)
        if key is None:
            key = memo[text] = normalize_text(text)
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
    old_keys = [normalize_text(t) for t in old_tokens]
    new_keys = [normalize_text(t) for t in new_tokens]
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


def is_trivial(op: DiffOp) -> bool:
    """True when an op only touches case, punctuation, typography or spacing."""
    return _letters(op.old) == _letters(op.new)


def _letters(text: str) -> str:
    return WORD_CHARS.sub(" ", normalize_text(text).casefold()).strip()


def is_typo_fix(op: DiffOp) -> bool:
    """One word for one similar word, no digits: 'recieve' -> 'receive', not '100' -> '200'."""
    old, new = _letters(op.old), _letters(op.new)
    if op.tag != "replace" or " " in old or " " in new:
        return False
    if any(ch.isdigit() for ch in old + new) or min(len(old), len(new)) < TYPO_MIN_LENGTH:
        return False
    return Levenshtein.distance(old, new) <= TYPO_MAX_DISTANCE

"""The two edits newsrooms name first: a changed figure and a changed quotation.

A death toll that went from 12 to 15, a vote count, a sum: kind ``figures``, with the old and the
new number in the summary, never ``minor`` (a digit is never a typo fix). A passage inside
quotation marks that was reworded: kind ``quote``, because a quote is the one part of an article
that is supposed to be somebody's exact words. Both read the canonical text of word operations
(:mod:`worker.diff.words`), where every double quotation mark is already folded to ``"``.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from worker.diff.words import is_trivial
from worker.models import DiffOp
from worker.normalize import normalize_text

NUMBER_WORDS = frozenset(
    [
        "zero",
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "thirteen",
        "fourteen",
        "fifteen",
        "sixteen",
        "seventeen",
        "eighteen",
        "nineteen",
        "twenty",
        "thirty",
        "forty",
        "fifty",
        "sixty",
        "seventy",
        "eighty",
        "ninety",
        "hundred",
        "hundreds",
        "thousand",
        "thousands",
        "million",
        "millions",
        "billion",
        "billions",
        "trillion",
        "dozen",
        "dozens",
        "half",
        "third",
        "quarter",
    ]
)
FIGURE = re.compile(r"\d+(?:[.,]\d+)*|[^\W\d_]+", re.UNICODE)
# Straight double quotes pair up; British single quotes only where they cannot be apostrophes.
DOUBLE_QUOTED = re.compile(r'"[^"]*(?:"|$)')
SINGLE_QUOTED = re.compile(r"(?:^|(?<=[\s(\[]))'[^']+'(?=[\s.,;:!?)\]]|$)")


THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}\b)")


def figures_of(text: str) -> list[str]:
    """The numbers in a text ("1606" for "1,606", "2.5", "twelve"), in reading order.

    Thousands separators are dropped, so "1,606" -> "1606" is a spelling, not a new figure.
    """
    found = (m.group() for m in FIGURE.finditer(normalize_text(text).casefold()))
    return [THOUSANDS.sub("", f) for f in found if f[0].isdigit() or f in NUMBER_WORDS]


def figure_change(op: DiffOp) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    """(old figures, new figures) when a replacement changed a number; else None.

    Both sides must hold a number: "12" -> "15" and "12 dead" -> "at least 15 dead" are figure
    edits; dropping a sentence that happened to hold a number is not.
    """
    if op.tag != "replace" or is_trivial(op):
        return None
    old, new = Counter(figures_of(op.old)), Counter(figures_of(op.new))
    if not old or not new or old == new:
        return None
    return tuple((old - new).elements()), tuple((new - old).elements())


def figure_line(figures: tuple[tuple[str, ...], tuple[str, ...]], where: str) -> str:
    """The summary line: "figures: 12 -> 15 in paragraph 3"."""
    old, new = (", ".join(side) or "(none)" for side in figures)
    return f"figures: {old} -> {new} in {where}"


def quote_spans(text: str) -> list[tuple[int, int]]:
    """Character ranges of the quotations in a (canonical) text; an unclosed one runs to the end."""
    spans = [m.span() for m in DOUBLE_QUOTED.finditer(text)]
    spans += [m.span() for m in SINGLE_QUOTED.finditer(text)]
    return spans


def touches_quote(ops: Sequence[DiffOp]) -> bool:
    """Does a real (non-typographic) edit fall inside quotation marks, before or after?"""
    old_text, new_text = "".join(op.old for op in ops), "".join(op.new for op in ops)
    old_spans, new_spans = quote_spans(old_text), quote_spans(new_text)
    old_at = new_at = 0
    for op in ops:
        old_end, new_end = old_at + len(op.old), new_at + len(op.new)
        inside = _overlaps(old_spans, old_at, old_end) or _overlaps(new_spans, new_at, new_end)
        if inside and op.tag != "equal" and not is_trivial(op):
            return True
        old_at, new_at = old_end, new_end
    return False


def _overlaps(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    """A non-empty edit range strictly inside a quotation (its marks excluded)."""
    return start < end and any(start < b - 1 and end > a + 1 for a, b in spans)

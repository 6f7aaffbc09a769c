"""The body stage's shortcuts answer as the long way does: lines lower-cased instead of matched
ignoring case, and only the opening of a paragraph squashed for the JSON-LD agreement test."""

from __future__ import annotations

import random
import re
import sys

from hypothesis import given
from hypothesis import strategies as st

from worker.extract.body import _is_boilerplate_line, _opening, _squashed
from worker.extract.rules import BOILERPLATE_LINE_PATTERNS, BOILERPLATE_LINES, CASE_SPECIAL

# Every letter the chrome patterns spell (``\S`` and the like are classes, not letters).
_LETTERS = sorted({c for c in re.sub(r"\\[A-Za-z]", "", "".join(BOILERPLATE_LINE_PATTERNS))})
_CLASSES = (r"[a-zäöü]", r"\w", r"\W", r"\S", r"\s", r"\d", r"[^()]", r"[\w'’.-]")


def test_letters_outside_case_special_compare_lower_cased_as_ignoring_case() -> None:
    """A line holding no CASE_SPECIAL letter is matched lower-cased and with case: that is only
    right if every other character lowers to what an ignore-case match compares it as, for each
    letter and class the chrome patterns use (checked over every code point)."""
    spelled = "".join(re.escape(c) for c in _LETTERS)
    touches = re.compile(f"[{spelled}]", re.IGNORECASE)
    wrong = []
    for point in range(sys.maxunicode + 1):
        char = chr(point)
        lowered = char.lower()
        if len(lowered) != 1 or CASE_SPECIAL.search(char):
            continue
        if touches.fullmatch(char) or lowered in _LETTERS:
            blind = {c for c in _LETTERS if re.fullmatch(re.escape(c), char, re.IGNORECASE)}
            if blind != ({lowered} & set(_LETTERS)):
                wrong.append(char)
    for pattern in map(re.compile, _CLASSES):
        blind_class = re.compile(pattern.pattern, re.IGNORECASE)
        wrong += [
            char
            for char in map(chr, range(0x250))  # the classes' letters; case matters no further
            if len(char.lower()) == 1 and CASE_SPECIAL.search(char) is None
            if (blind_class.fullmatch(char) is None)
            is not (pattern.fullmatch(char.lower()) is None)
        ]
    assert wrong == []


_PIECE = st.sampled_from(
    [*sorted(set(re.findall(r"[a-zäöüéíáàß]+", BOILERPLATE_LINES.pattern))), " ", ":", "(", "1"]
)
_ACCENTED = st.sampled_from(["é", "’", "ü", "ß", "İ", "ſ", "\u212a", "Σ", "ö", "—"])
_LINE = st.lists(st.one_of(_PIECE, _ACCENTED), min_size=1, max_size=10).map("".join)


@given(_LINE, st.randoms(use_true_random=False))
def test_non_ascii_chrome_lines_answer_as_the_ignore_case_pattern(
    line: str, rng: random.Random
) -> None:
    """A short line with accents, curly quotes or special letters is chrome exactly when the
    ignore-case pattern says so, whichever way it is matched."""
    line = "".join(char.upper() if rng.random() < 0.3 else char for char in line)
    expected = BOILERPLATE_LINES.match(line) is not None
    assert _is_boilerplate_line(line, line.lower()) is expected


@given(st.text(alphabet="aB ß\n\tİ", max_size=400))
def test_a_paragraphs_opening_is_its_squashed_text_cut(text: str) -> None:
    """Squashing only the start of a paragraph gives the first 80 characters of squashing all
    of it, whatever whitespace runs the start holds."""
    assert _opening(text) == _squashed(text)[:80]

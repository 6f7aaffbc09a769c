"""The field and chrome line patterns take time linear in the line: every short paragraph of
every page is matched against them, and a backtracking pattern that tries each way a line
splits into bylines and dates held a worker for 40 seconds on one 152-character line."""

from __future__ import annotations

import random
import time

from worker.extract.body import _is_furniture
from worker.extract.rules import BOILERPLATE_LINES, DATE_LINES, FIELD_LINES

_BOUND = 1.0  # seconds: each line takes well under 50 ms; generous, so a busy machine passes

# Lines of the shape that made the engine try every split: repeated names, dates, separators,
# with a last character that no item matches, so every split is tried before the line fails.
_ADVERSARIAL = (
    "Von Markus Brandt | " + "18.10.18 " * 12 + "x",
    "By Jane Doe and John Roe " * 5 + "x",
    "Von Markus Brandt Von Markus Brandt  | , 18.10.18Von Markus Brandt  Von Markus Brandt"
    "Von Markus Brandt2 min read,  |  vor 3 Stunden, vor 3 Stunden,    x",
    ", |  Von Markus Brandt, Von Markus Brandt, 2018vor 3 Stunden   2018 Von Markus Brandt "
    "Von Markus Brandt   , - Published  ,, Aug. 4, 2018 , ,, Facebook x",
    "Published 18.10.2018 " + "| 18.10.2018 14:22 " * 6 + "x",
)
# The pieces those lines are made of, for random lines of the same alphabet.
_PIECES = (
    "Von", "By", "Markus", "Brandt", "Jane", "Doe", "and", "|", ",", " ", "  ", "-", "·",
    "18.10.18", "18.10.2018", "14:22", "2018", "Aug. 4, 2018", "Published", "Updated",
    "vor 3 Stunden", "2 min read", "5 minutes ago", "Facebook", "Twitter", "Email", "ET", "x",
)  # fmt: skip


def _slowest(lines: list[str]) -> tuple[float, str]:
    """The longest CPU time any one line took through the patterns and the body's test."""
    slowest = (0.0, "")
    for line in lines:
        start = time.process_time()
        for pattern in (FIELD_LINES, DATE_LINES, BOILERPLATE_LINES):
            pattern.match(line)
        _is_furniture(line, 0, 10)
        slowest = max(slowest, (time.process_time() - start, line))
    return slowest


def test_adversarial_byline_and_date_lines_are_answered_at_once() -> None:
    """Lines that repeat bylines and dates, then fail on their last character, are not field
    lines, and each is answered in well under a second."""
    assert not any(FIELD_LINES.match(line) for line in _ADVERSARIAL)
    # a role after the comma ("x"): a byline, read as fast
    took, line = _slowest([*_ADVERSARIAL, "Von Markus Brandt, " * 6 + "x", "By Jane Doe, " * 8])
    assert took < _BOUND, line


def test_bylines_and_dates_in_a_row_are_still_field_lines() -> None:
    """The same lines without the stray last character are bylines and dates: the linear
    pattern still reads them whole."""
    for line in (
        "Von Markus Brandt | " + "18.10.18 " * 12,
        "By Jane Doe and John Roe " * 5,
        "By Jane Doe | Reporter | Updated 2:30 p.m. ET Aug. 4, 2018",
        "By Jane Doe, staff writer",
        "7 min readDec 30, 2013",
        "4 min reading time",
        "Von Markus Brandt | vor 5 Minuten",
        "By Jane Doe Published May 2, 2019 | 4 min read",
        "By Scott Levine – Updated Sep 9, 2025 at 1:00 PM EST | Fact-checked by Frank Bass",
    ):
        assert FIELD_LINES.match(line), line


def test_random_lines_of_byline_and_date_pieces_are_answered_at_once() -> None:
    """Random lines up to the field-line length, made of the pieces of bylines, dates and
    share rows, each take well under a second (seeded: the same lines every run)."""
    rng = random.Random(7)
    lines = []
    for _ in range(300):
        line = " ".join(rng.choice(_PIECES) for _ in range(rng.randint(5, 40)))
        lines.append(line[:160] + " x")
    took, line = _slowest(lines)
    assert took < _BOUND, line

"""Diff engine speed: two 5,000-word article versions with 20 scattered edits, and a one-word edit.

Targets (issue 4): under 20 ms per diff with 20 edits, under 2 ms for a one-word edit. The
articles are synthetic but shaped like news copy (paragraphs of 30-70 words, sentences of 8-25
words, curly quotes) and built from a fixed random seed, so every run measures the same work.

Run: ``python bench/diff.py`` (``--check`` exits non-zero when a target is missed).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from worker.diff import compare
from worker.models import Article

SEED = 4
TOTAL_WORDS = 5_000
EDITS = 20
RUNS = 200
TARGET_MS = {"20 scattered edits": 20.0, "one-word edit": 2.0}
SOURCE_TEXT = (
    "the of and to in a said Russia Venezuela troops officials government military president "
    "on Saturday Caracas Moscow Maduro’s opposition “specialists” planes equipment that with "
    "for were was has have from by an as at it support according reported reports United States "
    "cooperation deal regional stability ministry spokeswoman Kremlin sanctions oil billion"
)
VOCABULARY = re.findall(r"\S+", SOURCE_TEXT)


def sentence(rng: random.Random) -> str:
    words = [rng.choice(VOCABULARY) for _ in range(rng.randint(8, 25))]
    return " ".join(words).capitalize() + "."


def paragraph(rng: random.Random) -> str:
    sentences: list[str] = []
    while sum(len(s.split()) for s in sentences) < rng.randint(30, 70):
        sentences.append(sentence(rng))
    return " ".join(sentences)


def article(rng: random.Random) -> Article:
    paragraphs: list[str] = []
    while sum(len(p.split()) for p in paragraphs) < TOTAL_WORDS:
        paragraphs.append(paragraph(rng))
    return Article(
        headline="Russia says it sent “specialists” to Venezuela, rebuffs Trump",
        byline="Tom Balmforth, Maxim Rodionov",
        modified="2019-03-28T18:00:00Z",
        paragraphs=tuple(paragraphs),
        captions=("A supporter waves a Venezuelan flag in Caracas.",),
    )


def replace_word(rng: random.Random, paragraphs: list[str]) -> None:
    index = rng.randrange(len(paragraphs))
    words = paragraphs[index].split(" ")
    words[rng.randrange(len(words))] = rng.choice(("dozens", "hundreds", "several"))
    paragraphs[index] = " ".join(words)


def scattered_edits(rng: random.Random, original: Article) -> Article:
    """Word swaps, added sentences, and paragraphs added, removed and moved."""
    paragraphs = list(original.paragraphs)
    edits: list[Callable[[], None]] = [
        lambda: replace_word(rng, paragraphs),
        lambda: paragraphs.__setitem__(
            i := rng.randrange(len(paragraphs)), paragraphs[i] + " " + sentence(rng)
        ),
        lambda: paragraphs.insert(rng.randrange(len(paragraphs)), paragraph(rng)),
        lambda: paragraphs.pop(rng.randrange(len(paragraphs))),
        lambda: paragraphs.insert(
            rng.randrange(len(paragraphs)), paragraphs.pop(rng.randrange(len(paragraphs)))
        ),
    ]
    for n in range(EDITS):
        edits[n % len(edits)]()
    return replace(original, paragraphs=tuple(paragraphs))


def one_word_edit(rng: random.Random, original: Article) -> Article:
    paragraphs = list(original.paragraphs)
    replace_word(rng, paragraphs)
    return replace(original, paragraphs=tuple(paragraphs))


def from_storage(article: Article) -> Article:
    """A JSON round trip, as the pipeline loads versions: no string is shared between the two."""
    return Article.from_dict(json.loads(json.dumps(article.to_dict())))


def measure(old: Article, new: Article) -> tuple[float, float]:
    """Median and 95th-percentile milliseconds of ``compare(old, new)``."""
    old, new = from_storage(old), from_storage(new)
    compare(old, new)  # warm-up
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        compare(old, new)
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args()
    rng = random.Random(SEED)
    old = article(rng)
    words = sum(len(p.split()) for p in old.paragraphs)
    pairs = {
        "20 scattered edits": scattered_edits(rng, old),
        "one-word edit": one_word_edit(rng, old),
    }
    print(f"article: {words} words in {len(old.paragraphs)} paragraphs; {RUNS} runs each")
    missed = False
    for name, new in pairs.items():
        median, p95 = measure(old, new)
        change = compare(old, new)
        kinds = ", ".join(sorted(change.kinds)) if change else "-"
        verdict = "ok" if median < TARGET_MS[name] else "MISSED"
        missed |= verdict == "MISSED"
        print(
            f"{name:<20} median {median:6.2f} ms  p95 {p95:6.2f} ms  "
            f"target < {TARGET_MS[name]:g} ms  {verdict}  [{kinds}]"
        )
    return 1 if args.check and missed else 0


if __name__ == "__main__":
    sys.exit(main())

"""Sentence-level alignment of two article bodies, for the NewsEdits research layout.

NewsEdits (Spangher et al., NAACL 2022) describes article revisions as sentences with their
index in each version, matched across a pair of versions and labelled: ``unchanged``,
``edited`` (matched, text differs), ``added`` (only in the new version), ``deleted`` (only in
the old). Sentences are split with the diff engine's own sentence boundary rule, compared on
the canonical form (so a quote-style re-render is ``unchanged``), and an unmatched stretch is
paired in order by word similarity, the way paragraphs are.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from rapidfuzz.distance import Indel

from worker.diff.align import PAIR_THRESHOLD, SENTENCE_BREAK
from worker.normalize import normalize_text as canonical

SentenceLabel = Literal["unchanged", "edited", "added", "deleted"]


@dataclass(frozen=True, slots=True)
class SentencePair:
    """One row of a version pair: indices are 0-based; ``None`` where the side has none."""

    old_index: int | None
    new_index: int | None
    old: str
    new: str
    label: SentenceLabel


def split_sentences(paragraphs: Sequence[str]) -> list[str]:
    """Every sentence of the body in order, original text with whitespace collapsed."""
    found: list[str] = []
    for paragraph in paragraphs:
        text = " ".join(paragraph.split())
        found.extend(part for part in SENTENCE_BREAK.split(text) if part)
    return found


def match_sentences(old: Sequence[str], new: Sequence[str]) -> list[SentencePair]:
    """Align two sentence lists into labelled rows, in reading order of the new version."""
    keys_old, keys_new = [canonical(s) for s in old], [canonical(s) for s in new]
    matcher = difflib.SequenceMatcher(None, keys_old, keys_new, autojunk=False)
    pairs: list[SentencePair] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            pairs.extend(
                SentencePair(i, j, old[i], new[j], "unchanged")
                for i, j in zip(range(i1, i2), range(j1, j2), strict=True)
            )
        else:
            pairs.extend(_pair_region(old, new, range(i1, i2), range(j1, j2), keys_old, keys_new))
    return pairs


def _pair_region(
    old: Sequence[str],
    new: Sequence[str],
    olds: range,
    news: range,
    keys_old: Sequence[str],
    keys_new: Sequence[str],
) -> list[SentencePair]:
    """Greedy in-order pairing: an old sentence similar enough to the next new one is edited."""
    pairs: list[SentencePair] = []
    pending_old = list(olds)
    for j in news:
        match = next(
            (i for i in pending_old if Indel.normalized_similarity(keys_old[i], keys_new[j])
             >= PAIR_THRESHOLD),
            None,
        )  # fmt: skip
        if match is None:
            pairs.append(SentencePair(None, j, "", new[j], "added"))
            continue
        skipped = pending_old[: pending_old.index(match)]
        pairs.extend(SentencePair(i, None, old[i], "", "deleted") for i in skipped)
        pending_old = pending_old[pending_old.index(match) + 1 :]
        pairs.append(SentencePair(match, j, old[match], new[j], "edited"))
    pairs.extend(SentencePair(i, None, old[i], "", "deleted") for i in pending_old)
    return pairs

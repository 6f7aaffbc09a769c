"""Kinds and significance: sorting each edit into the taxonomy and weighing the whole change.

Kinds are the edit taxonomy (``headline``, ``lede``, ``correction``, ``paragraph_moved`` ...,
plus the coarse ``body`` whenever a paragraph changed, and ``url`` when the article's address
moved: a slug change, a redirect, a new canonical link; on its own it is ``moderate``, as a
structural kind, and never a removal plus a new article); significance is ``minor``, ``moderate`` or
``major``. A :class:`Tally` gathers what the field diffs add up to while they are walked.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from worker.diff.align import added_sentences
from worker.diff.passages import figure_change, figure_line, touches_quote
from worker.diff.summary import block_details, block_where
from worker.diff.words import is_trivial, is_typo_fix
from worker.models import BlockOp, Change, ChangeKind, DiffOp, Significance
from worker.normalize import normalize_text

BODY_KIND_BY_TAG: dict[str, ChangeKind] = {
    "insert": "paragraph_added",
    "delete": "paragraph_removed",
    "replace": "paragraph_edited",
    "move": "paragraph_moved",
}
TEXT_KINDS: frozenset[ChangeKind] = frozenset({"headline", "subheadline"})  # words counted
# Kinds that make a change at least moderate by their nature alone.
STRUCTURAL_KINDS: frozenset[ChangeKind] = frozenset(
    {
        "paragraph_added",
        "paragraph_removed",
        "paragraph_moved",
        "byline",
        "url",
        "removed",
        "figures",
        "headline",
    }
)
MAJOR_RATIO = 0.10  # share of words changed that makes any edit major
# A live blog's update: new entries (and the dateModified that moved with them). Stored, never
# alerted unless ``alert_on`` names ``liveblog_entry`` (or ``all``), and capped in how often a
# state is stored (``liveblog.min_interval``). ``liveblog_edit`` is an edit like any other.
LIVEBLOG_UPDATE_KINDS: frozenset[ChangeKind] = frozenset({"liveblog_entry", "dates"})

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


@dataclass(slots=True)
class Tally:
    """What the field diffs add up to, gathered while walking them."""

    kinds: set[ChangeKind]
    details: list[str]
    added: Counter[str]  # per-field multiset differences of canonical words, so the counts do
    removed: Counter[str]  # not depend on alignment ties and swap exactly with the arguments
    changed: int = 0
    update_words: int = 0  # words in new live-blog entries: counted, but weigh nothing
    substantive: int = 0  # ops that are neither typography nor a lone typo fix
    typos: int = 0
    major_hits: int = 0


def tally_block(name: str, block: BlockOp, tally: Tally) -> None:
    """Kinds, word counts and summary lines for one changed paragraph or caption."""
    kind: ChangeKind = "caption" if name == "captions" else BODY_KIND_BY_TAG[block.tag]
    tally.kinds.add(kind)
    if name == "body":
        tally.kinds.add("body")
        if block.tag == "move" and block.words:
            tally.kinds.add("paragraph_edited")
    tally.details.extend(block_details(name, block))
    if block.tag in ("insert", "delete"):
        tally.substantive += 1
        if name == "body":
            check_correction(block.new, tally)
        return
    if block.tag == "move" and not block.words:
        tally.substantive += 1
        return
    tally_ops(block.words, tally, major_kind=False, where=block_where(name, block))
    if name == "body":
        added_text = " ".join(op.new for op in block.words if op.tag != "equal")
        check_correction(" ".join(added_sentences(block)) or added_text, tally)


def tally_ops(ops: Sequence[DiffOp], tally: Tally, *, major_kind: bool, where: str) -> None:
    """Count words and sort each op into typography / typo fix / real edit; name figures and
    quotes. ``where`` ("paragraph 3", "headline") places the figure lines of the summary."""
    if touches_quote(ops):
        tally.kinds.add("quote")
    for op in ops:
        figures = figure_change(op)
        if figures is not None:
            tally.kinds.add("figures")
            tally.details.append(figure_line(figures, where))
        if op.tag == "equal":
            continue
        old_words, new_words = normalize_text(op.old).split(), normalize_text(op.new).split()
        if op.tag == "replace":
            tally.changed += min(len(old_words), len(new_words))
        if is_trivial(op):
            continue
        if is_typo_fix(op):
            tally.typos += 1
            continue
        tally.substantive += 1
        tally.major_hits += major_kind


def check_lede(blocks: Sequence[BlockOp], tally: Tally) -> None:
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
    if rewritten or not all(is_trivial(op) or is_typo_fix(op) for op in ops):
        tally.major_hits += 1


def has_correction_note(text: str) -> bool:
    return bool(text) and CORRECTION_RE.search(normalize_text(text).casefold()) is not None


def check_correction(added_text: str, tally: Tally) -> None:
    """Text that was added carries a correction or update note: the edit is a correction."""
    if has_correction_note(added_text):
        tally.kinds.add("correction")
        tally.major_hits += 1


def significance(tally: Tally, ratio: float) -> Significance:
    """major: headline, lede, correction or >= 10% of words; minor: typography or one typo.

    A changed figure is never minor: "12 dead" -> "15 dead" is one word and no typo.
    """
    if tally.major_hits or ratio >= MAJOR_RATIO:
        return "major"
    if tally.substantive or tally.kinds & STRUCTURAL_KINDS or tally.typos > 1:
        return "moderate"
    return "minor"


def is_liveblog_update(change: Change) -> bool:
    """Only new live-blog entries (and the dates that moved with them): an update, not an edit."""
    return "liveblog_entry" in change.kinds and change.kinds <= LIVEBLOG_UPDATE_KINDS

"""A live blog compared entry by entry: new entries are an update, earlier ones edited an edit.

Entries are paired by their key (an id, JSON-LD ``@id`` or ``url``, else time and first words),
then the leftovers by their time, so an entry whose first words were rewritten, or a page that
started to publish JSON-LD ids, is still one entry edited. What is left is new (kind
``liveblog_entry``) or gone (``liveblog_edit``) -- unless it is older than every entry the page
still shows: a long live blog drops its oldest entries off the page (or onto page 2), which
is no deletion. Each changed entry is one block of the ``liveblog`` field, labelled with the
entry's time, so the renderers show one entry's word diff, never one giant body diff.

A page that becomes a live blog, or stops being one, is compared as an article (its body and
media) with a line saying so; only two live states are compared by their entries.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

from worker.diff.summary import quote
from worker.diff.taxonomy import Tally, check_correction, tally_ops
from worker.diff.words import word_ops
from worker.models import LIVEBLOG_FIELD, Article, BlockOp, DiffOp, FieldDiff, LiveEntry
from worker.normalize import normalize_text
from worker.render import entry_when

ISO_UTC_LENGTH = len("2026-12-01T10:05:00Z")  # entry times the extractor could read


def entry_text(entry: LiveEntry) -> str:
    """What an entry reads as, title first: the text its block in a diff carries."""
    return (
        f"{entry.title}: {entry.text}" if entry.title and entry.text else entry.title or entry.text
    )


def entry_diffs(old: Article, new: Article, tally: Tally) -> Iterable[FieldDiff]:
    """The ``liveblog`` field of two live states (already canonical): one block per entry that
    is new, edited or gone; nothing when every entry reads the same."""
    pairs, gone, added = pair_entries(old.entries, new.entries)
    edited = (_edited(i, j, old.entries[i], new.entries[j]) for i, j in pairs)
    blocks = [block for block in edited if block is not None]
    blocks += [_gone(i, old.entries[i]) for i in gone]
    blocks += [_added(j, new.entries[j]) for j in added]
    for block in blocks:
        _tally_entry(block, tally)
    if blocks:
        yield FieldDiff(LIVEBLOG_FIELD, tuple(op for b in blocks for op in _ops(b)), tuple(blocks))


def transition_details(old: Article, new: Article, tally: Tally) -> None:
    """A page that became a live blog, or stopped being one, between two states."""
    if new.is_liveblog and not old.is_liveblog:
        tally.kinds.add("liveblog_entry")
        tally.details.append(f"the page is now a live blog ({len(new.entries)} entries)")
    elif old.is_liveblog and not new.is_liveblog:
        tally.kinds.add("liveblog_edit")
        tally.substantive += 1
        tally.details.append("the page is no longer a live blog")


def pair_entries(
    old: Sequence[LiveEntry], new: Sequence[LiveEntry]
) -> tuple[list[tuple[int, int]], list[int], list[int]]:
    """(old index, new index) pairs, old entries gone, new entries added (indices, in order)."""
    by_key = {entry.key: j for j, entry in enumerate(new)}
    pairs = [(i, by_key[e.key]) for i, e in enumerate(old) if e.key in by_key]
    taken_old, taken_new = {i for i, _ in pairs}, {j for _, j in pairs}
    left_old = [i for i in range(len(old)) if i not in taken_old]
    left_new = [j for j in range(len(new)) if j not in taken_new]
    pairs += _pair_by_time(old, new, left_old, left_new)
    taken_old, taken_new = {i for i, _ in pairs}, {j for _, j in pairs}
    oldest = min((e.time for e in new if _comparable(e.time)), default="")
    gone = [i for i in left_old if i not in taken_old and not _rolled_off(old[i].time, oldest)]
    added = [j for j in left_new if j not in taken_new]
    return sorted(pairs), gone, added


def _pair_by_time(
    old: Sequence[LiveEntry], new: Sequence[LiveEntry], left_old: list[int], left_new: list[int]
) -> list[tuple[int, int]]:
    """Unpaired entries that share a time no other unpaired entry has: one entry, re-keyed."""
    old_times = Counter(old[i].time for i in left_old)
    new_times = Counter(new[j].time for j in left_new)
    new_at = {new[j].time: j for j in left_new}
    return [
        (i, new_at[old[i].time])
        for i in left_old
        if old_times[old[i].time] == 1 and new_times[old[i].time] == 1
    ]


def _comparable(time: str) -> bool:
    return len(time) == ISO_UTC_LENGTH and time.endswith("Z")


def _rolled_off(time: str, oldest_shown: str) -> bool:
    """Older than every entry the page still shows: off the page, not deleted."""
    return bool(oldest_shown) and _comparable(time) and time < oldest_shown


def _edited(i: int, j: int, old: LiveEntry, new: LiveEntry) -> BlockOp | None:
    before, after = entry_text(old), entry_text(new)
    if normalize_text(before) == normalize_text(after):
        return None
    return BlockOp("replace", i, j, before, after, word_ops(before, after), label=new.time)


def _gone(i: int, entry: LiveEntry) -> BlockOp:
    return BlockOp("delete", i, None, entry_text(entry), "", label=entry.time)


def _added(j: int, entry: LiveEntry) -> BlockOp:
    return BlockOp("insert", None, j, "", entry_text(entry), label=entry.time)


def _tally_entry(block: BlockOp, tally: Tally) -> None:
    """Kinds, words and the summary line of one changed entry."""
    old_words, new_words = Counter(block.old.split()), Counter(block.new.split())
    tally.added.update(new_words - old_words)
    tally.removed.update(old_words - new_words)
    if block.tag == "insert":
        tally.kinds.add("liveblog_entry")
        tally.update_words += len(block.new.split())
        check_correction(block.new, tally)  # a new entry that corrects an earlier one
        return
    tally.kinds.add("liveblog_edit")
    if block.tag == "delete":
        tally.substantive += 1
        tally.details.append(f"entry {entry_when(block.label)} deleted: {quote(block.old)}")
        return
    tally.details.append(f"entry {entry_when(block.label)} edited: {quote(block.new)}")
    tally_ops(block.words, tally, major_kind=False, where=f"entry {block.label}")
    check_correction(" ".join(op.new for op in block.words if op.tag != "equal"), tally)


def _ops(block: BlockOp) -> tuple[DiffOp, ...]:
    """The block's word operations, a whole new or gone entry as one op."""
    if block.tag == "insert":
        return (DiffOp("insert", "", block.new),)
    if block.tag == "delete":
        return (DiffOp("delete", block.old, ""),)
    return block.words

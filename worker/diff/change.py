"""Two article states in, one readable :class:`Change` out (or None); and the way back.

Fields are aligned one by one: scalar fields word by word, paragraphs and captions block by
block (:mod:`worker.diff.align`). :func:`apply` replays a change, which proves the operations
carry everything.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import replace

from worker.diff.align import align_blocks
from worker.diff.liveblog import entry_diffs, transition_details
from worker.diff.media import MEDIA_FIELDS, media_diffs
from worker.diff.summary import cap_details, quote
from worker.diff.taxonomy import (
    TEXT_KINDS,
    Tally,
    check_correction,
    check_lede,
    has_correction_note,
    significance,
    tally_block,
    tally_ops,
)
from worker.diff.words import word_ops
from worker.models import (
    LIVEBLOG_FIELD,
    LIVEBLOG_KINDS,
    Article,
    BlockOp,
    Change,
    ChangeKind,
    DiffOp,
    FieldDiff,
)
from worker.normalize import normalize_article, normalize_text

# Scalar article attributes, the kind a change to each one implies.
SCALAR_FIELDS: tuple[tuple[str, ChangeKind], ...] = (
    ("headline", "headline"),
    ("subheadline", "subheadline"),
    ("byline", "byline"),
    ("published", "dates"),
    ("modified", "dates"),
    ("canonical_url", "url"),
)
# Fields reported only beside a real edit.
CONTEXT_FIELDS = frozenset({"canonical_url"})
# List attributes and the field name their FieldDiff carries.
LIST_FIELDS: tuple[tuple[str, str], ...] = (("paragraphs", "body"), ("captions", "captions"))


def compare(old: Article, new: Article) -> Change | None:
    """The change from ``old`` to ``new``, or None when their canonical forms are equal.

    Both are normalized first (:func:`worker.normalize.normalize_article`), so the change and
    its operations hold canonical text only: no noise line or fragment can appear in it, and
    ``compare(a, b) is None`` exactly when ``fingerprint(a) == fingerprint(b)``. Compared:
    headline, subheadline, byline, published, modified, paragraphs and captions; the canonical
    URL is reported beside a real edit (a new slug) but never makes a change on its own here:
    whether an article moved is decided by the pipeline from its trusted address
    (worker.pipeline.identity), and a move alone is :func:`worker.diff.moved_change`
    (``language`` is metadata, not content).
    """
    old, new = normalize_article(old), normalize_article(new)
    tally = Tally(set(), [], Counter(), Counter())
    fields = list(_scalar_diffs(old, new, tally))
    if old.is_liveblog and new.is_liveblog:  # entry by entry: the body is the entries again
        fields.extend(entry_diffs(old, new, tally))
    else:
        fields.extend(_list_diffs(old, new, tally))
        fields.extend(media_diffs(old, new, tally))
        transition_details(old, new, tally)
    if all(fd.field in CONTEXT_FIELDS for fd in fields) and not tally.kinds & LIVEBLOG_KINDS:
        return None
    silent = (
        "body" in tally.kinds and bool(_date_stamp(old)) and _date_stamp(old) == _date_stamp(new)
    )
    words_added, words_removed = sum(tally.added.values()), sum(tally.removed.values())
    total = max(_word_count(old), _word_count(new), 1)
    ratio = max(words_added - tally.update_words, words_removed) / total
    return Change(
        kinds=frozenset(tally.kinds),
        fields=tuple(fields),
        significance=significance(tally, ratio),
        silent=silent,
        words_added=words_added,
        words_removed=words_removed,
        words_changed=tally.changed,
        details=cap_details(tally.details),
    )


def _scalar_diffs(old: Article, new: Article, tally: Tally) -> Iterable[FieldDiff]:
    for attr, kind in SCALAR_FIELDS:
        before, after = getattr(old, attr), getattr(new, attr)
        if normalize_text(before) == normalize_text(after):
            continue
        ops = word_ops(before, after)
        tally.kinds.add(kind)
        if kind in TEXT_KINDS:
            tally_ops(ops, tally, major_kind=kind == "headline", where=attr)
            _count_words([before], [after], tally)
        elif attr != "modified":  # a moved dateModified alone is routine and stays minor
            tally.substantive += 1
        if kind == "subheadline" and not has_correction_note(before):
            check_correction(after, tally)
        if kind == "url":  # the line every renderer gives a moved article (render.url_line)
            tally.details.append(f"URL changed: {before} -> {after}")
        elif kind != "headline":  # renderers lead with the headline themselves
            tally.details.append(f"{attr.replace('_', ' ')}: {quote(before)} -> {quote(after)}")
        yield FieldDiff(attr, ops)


def _list_diffs(old: Article, new: Article, tally: Tally) -> Iterable[FieldDiff]:
    for attr, name in LIST_FIELDS:
        blocks = align_blocks(getattr(old, attr), getattr(new, attr))
        changed = [b for b in blocks if b.tag != "equal"]
        if not changed:
            continue
        for block in changed:
            tally_block(name, block, tally)
        _count_words([b.old for b in changed], [b.new for b in changed], tally)
        if name == "body":
            check_lede(blocks, tally)
        flat = tuple(op for b in changed for op in (b.words or _whole_block_ops(b)))
        yield FieldDiff(name, flat, blocks)


def _count_words(old_texts: Iterable[str], new_texts: Iterable[str], tally: Tally) -> None:
    """Words added and removed in one field, as a multiset difference (moves count nothing)."""
    old_words = Counter(word for text in old_texts for word in normalize_text(text).split())
    new_words = Counter(word for text in new_texts for word in normalize_text(text).split())
    tally.added.update(new_words - old_words)
    tally.removed.update(old_words - new_words)


def _whole_block_ops(block: BlockOp) -> tuple[DiffOp, ...]:
    if block.tag == "insert":
        return (DiffOp("insert", "", block.new),)
    if block.tag == "delete":
        return (DiffOp("delete", block.old, ""),)
    return ()


def _date_stamp(article: Article) -> str:
    return normalize_text(article.modified or article.published)


def _word_count(article: Article) -> int:
    texts = (article.headline, article.subheadline, *article.paragraphs, *article.captions)
    return sum(text.count(" ") + 1 for text in texts if text)


# --- replaying a change ---------------------------------------------------------------------


def apply(old: Article, change: Change | None) -> Article:
    """Rebuild the (canonical) new article from ``old`` and a change: ops carry everything.

    The result is in canonical form, like the change; fields without a FieldDiff were equal
    and keep canonical ``old``'s text.
    """
    old = normalize_article(old)
    if change is None:
        return old
    updates: dict[str, object] = {}
    list_attr = {name: attr for attr, name in LIST_FIELDS}
    for fd in change.fields:
        if fd.field in MEDIA_FIELDS or fd.field == LIVEBLOG_FIELD:  # described, not replayed
            continue
        if fd.field in list_attr:
            placed = sorted((b for b in fd.blocks if b.new_index is not None), key=_new_index)
            updates[list_attr[fd.field]] = tuple(b.new for b in placed)
        else:
            updates[fd.field] = "".join(op.new for op in fd.ops)
    return replace(old, **updates)  # type: ignore[arg-type]


def _new_index(block: BlockOp) -> int:
    return block.new_index if block.new_index is not None else -1

"""Pure diff engine: two article states in, one readable :class:`Change` out (or None).

Fields are aligned one by one. The body is aligned paragraph by paragraph (difflib), moved
paragraphs are recognised by their text, paragraphs edited in place are paired by word
similarity, and only those pairs get a word-level diff (rapidfuzz ``Indel`` opcodes) and a
sentence-level reading for the human summary ("sentence added to paragraph 7").

Both articles are first put in the one canonical form (:func:`worker.normalize.normalize_article`:
NFKC, typography folded, noise lines and fragments dropped), and everything after works on it: a
re-render that only swaps ``’`` for ``'`` or ticks a clock is no change at all, and the text
every operation carries, which the renderers show, holds no noise either.

Kinds are the edit taxonomy (``headline``, ``lede``, ``correction``, ``paragraph_moved`` ...,
plus the coarse ``body`` whenever a paragraph changed); significance is ``minor``, ``moderate`` or
``major``. Removal, restoration and headline A/B tests need history that two articles do not
hold: :mod:`worker.pipeline.history` loads it from the store and calls the small helpers
here (``removed_change``, ``restored_change``, ``moved_change``, ``detect_ab_test``) with it.

Nothing here does I/O. The modules, each importing only those above it::

    words     word-level ops; typography and typo-fix tests
    align     paragraph alignment (equal, moved, edited, added, removed); sentence alignment
    passages  the edits newsrooms name: changed figures ("12 -> 15") and quotations
    summary   the human summary lines ("paragraph 4 moved to 2")
    taxonomy  kinds, correction notes, significance; the Tally gathered while diffing
    liveblog  a live blog's entries paired and compared (updates vs edits)
    change    compare() and apply(): the Change itself and its replay
    lifecycle removed/restored/moved changes, headline A/B tests, the alert policy

Callers import from ``worker.diff`` only; the names below are the public API.
"""

from worker.diff.align import align_blocks
from worker.diff.change import apply, compare
from worker.diff.lifecycle import (
    DEFAULT_ALERT_ON,
    detect_ab_test,
    moved_change,
    removed_change,
    restored_change,
    should_alert,
)
from worker.diff.taxonomy import is_liveblog_update
from worker.diff.words import word_ops

__all__ = [
    "DEFAULT_ALERT_ON",
    "align_blocks",
    "apply",
    "compare",
    "detect_ab_test",
    "is_liveblog_update",
    "moved_change",
    "removed_change",
    "restored_change",
    "should_alert",
    "word_ops",
]

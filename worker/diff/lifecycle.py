"""Context two articles do not hold: removal, restoration, headline A/B tests, alert policy.

These need the history of a watch, so they are small helpers the pipeline calls with it.
"""

from __future__ import annotations

import itertools
from collections.abc import Collection, Sequence
from dataclasses import replace

from worker.diff.change import compare
from worker.diff.taxonomy import is_liveblog_update
from worker.diff.words import word_ops
from worker.models import (
    ALERT_EVERYTHING,
    SIGNIFICANCE_RANK,
    SIGNIFICANCES,
    Article,
    Change,
    FieldDiff,
    heavier,
)
from worker.normalize import normalize_article, normalize_text
from worker.urls import identity_key

AB_MIN_SWITCHES = 3  # A, B, A, B: three switches between two headlines make an A/B test

DEFAULT_ALERT_ON: frozenset[str] = frozenset({"moderate"})


def removed_change(last: Article, status: int | None, *, final_url: str = "") -> Change:
    """The article now answers 404/410, or redirects to a section front: always major.

    It has no field diffs: a removal is one state, not "every field emptied", so every renderer
    says "Article removed" rather than "Headline changed: X -> ".
    """
    if status is None:
        detail = "article removed"
    elif 300 <= status < 400 or final_url:
        detail = f"article now redirects to {final_url or 'another page'} (HTTP {status})"
    else:
        detail = f"article now answers HTTP {status}"
    words = sum(len(p.split()) for p in normalize_article(last).paragraphs)
    return Change(
        kinds=frozenset({"removed"}),
        fields=(),
        significance="major",
        words_removed=words,
        details=(detail,),
    )


def moved_change(old: Article, new: Article) -> Change | None:
    """The article's address moved and its text did not: one change of kind ``url``.

    None when both addresses are spellings of one (:func:`worker.urls.identity_key`: AMP,
    ``www.``, scheme, trailing slash), so only a real slug change or move is reported. The
    pipeline decides which address an article has (worker.pipeline.identity); this only
    describes the move, the way every renderer shows it: "URL changed: OLD -> NEW".
    """
    before, after = normalize_text(old.canonical_url), normalize_text(new.canonical_url)
    if not before or not after or identity_key(before) == identity_key(after):
        return None
    return Change(
        kinds=frozenset({"url"}),
        fields=(FieldDiff("canonical_url", word_ops(before, after)),),
        significance="moderate",
        details=(),
    )


def restored_change(last_live: Article, restored: Article) -> Change:
    """The article is back; also reports what differs from the last state seen before removal."""
    inner = compare(last_live, restored)
    if inner is None:
        return Change(
            kinds=frozenset({"restored"}),
            fields=(),
            significance="moderate",
            details=("article is back online, unchanged",),
        )
    return replace(
        inner,
        kinds=inner.kinds | {"restored"},
        significance=heavier(inner.significance, "moderate"),
        details=("article is back online", *inner.details),
    )


def detect_ab_test(headlines: Sequence[str]) -> tuple[str, str] | None:
    """Two headlines alternating at the end of the history (oldest first): an A/B test.

    Returns the two variants in order of first appearance once the trailing run that holds
    only those two has switched at least ``AB_MIN_SWITCHES`` times (A, B, A, B).
    """
    keys = [normalize_text(h) for h in headlines]
    start, seen = len(keys), set[str]()
    while start and (keys[start - 1] in seen or len(seen) < 2):
        start -= 1
        seen.add(keys[start])
    run = keys[start:]
    switches = sum(1 for a, b in itertools.pairwise(run) if a != b)
    if len(seen) != 2 or switches < AB_MIN_SWITCHES:
        return None
    second = next(i for i in range(start, len(keys)) if keys[i] != run[0])
    return headlines[start], headlines[second]


def should_alert(change: Change, alert_on: Collection[str] = DEFAULT_ALERT_ON) -> bool:
    """Whether a change passes the alert policy.

    ``alert_on`` holds kind names (alert when the change has that kind) and significance names
    (alert at that level *or above*); ``"all"`` alerts on everything. The default,
    ``{"moderate"}``, alerts on everything but minor changes. New live-blog entries alert only
    when asked for by name (``liveblog_entry``): a busy live blog posts every few minutes.
    """
    wanted = set(alert_on)
    if wanted & ALERT_EVERYTHING or wanted & change.kinds:
        return True
    if is_liveblog_update(change):
        return False
    rank = SIGNIFICANCE_RANK[change.significance]
    return any(level in wanted for level in SIGNIFICANCES[: rank + 1])

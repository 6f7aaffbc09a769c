"""``editwatch export --format newsedits``: each recorded edit as labelled sentence pairs.

One JSON object per sentence row of each change (old version -> new version), in the NewsEdits
layout researchers already load: ``entry_id`` (the watch), ``source`` (its host), ``url``,
``version_old`` / ``version_new``, ``sent_idx_old`` / ``sent_idx_new`` (0-based, null on the
side that lacks the sentence), ``sentence_old`` / ``sentence_new`` and ``label``
(``unchanged``, ``edited``, ``added``, ``deleted``). The headline is row ``-1`` of each pair so
headline rewrites are in the data without shifting body indices.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from worker.diff.sentences import (
    SentenceLabel,
    SentencePair,
    match_sentences,
    split_sentences,
)
from worker.models import Article, Version
from worker.store import Store, WatchRecord

HEADLINE_INDEX = -1


def newsedits_rows(
    store: Store, watch_ids: Sequence[int] | None = None, since: datetime | None = None
) -> Iterator[dict[str, Any]]:
    """Rows for every change of the chosen watches (all by default), oldest change first."""
    for watch in store.list_watches():
        if watch_ids is not None and watch.id not in watch_ids:
            continue
        versions = {v.number: v for v in store.versions(watch.id)}
        for change in store.changes(watch.id):
            if since is not None and change.detected_at < since:
                continue
            if change.old_version is None or change.old_version not in versions:
                continue
            old, new = versions[change.old_version], versions[change.new_version]
            yield from _pair_rows(watch, old, new)


def _pair_rows(watch: WatchRecord, old: Version, new: Version) -> Iterator[dict[str, Any]]:
    base = {
        "entry_id": watch.id,
        "source": urlsplit(watch.url).hostname or "",
        "url": watch.url,
        "version_old": old.number,
        "version_new": new.number,
    }
    yield base | _row(_headline_pair(old.article, new.article))
    pairs = match_sentences(split_sentences(old.article.paragraphs),
                            split_sentences(new.article.paragraphs))  # fmt: skip
    for pair in pairs:
        yield base | _row(pair)


def _headline_pair(old: Article, new: Article) -> SentencePair:
    label: SentenceLabel = "unchanged" if old.headline == new.headline else "edited"
    return SentencePair(HEADLINE_INDEX, HEADLINE_INDEX, old.headline, new.headline, label)


def _row(pair: SentencePair) -> dict[str, Any]:
    return {
        "sent_idx_old": pair.old_index,
        "sent_idx_new": pair.new_index,
        "sentence_old": pair.old,
        "sentence_new": pair.new,
        "label": pair.label,
    }

"""The alert payload: what every channel receives for one change (or one debounced burst)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from worker.models import Article, Change, Version, Watch
from worker.normalize import normalize_article
from worker.render import render_html, render_markdown, render_text


def build_payload(
    watch: Watch,
    change: Change,
    old: Version,
    new_article: Article,
    new_number: int,
    detected: datetime,
    rendered: dict[str, Any],
) -> dict[str, Any]:
    """The alert every channel receives: who, what kind, old/new headline, the field diffs.

    Rendered from the canonical articles, the same text the change itself holds.
    """
    meta = {"name": watch.name, "url": watch.url}
    old_article, new_article = normalize_article(old.article), normalize_article(new_article)
    return {
        "watch": watch.name,
        "url": watch.url,
        "detected_at": detected.isoformat(),
        "kinds": sorted(change.kinds),
        "significance": change.significance,
        "silent": change.silent,
        "old_headline": old_article.headline,
        "new_headline": new_article.headline,
        "old_version": old.number,
        "new_version": new_number,
        "diff": rendered,
        # Human renderings for channels that show the diff to people (Slack, email, apprise);
        # webhook and file bodies leave them out.
        "text": render_text(change, old=old_article, new=new_article, meta=meta),
        "markdown": render_markdown(change, old=old_article, new=new_article, meta=meta),
        "html": render_html(change, old=old_article, new=new_article, meta=meta),
    }

"""worker.pipeline.lost: a paywall or consent wall is a lost article, a real shortening an edit."""
# ruff: noqa: E501  (one table row per line reads better)

from __future__ import annotations

import pytest

from worker.extract.access import AccessSignals
from worker.models import Article
from worker.pipeline.lost import lost_article

STORED = Article(
    headline="Budget passes",
    paragraphs=(
        "The city council voted on Tuesday to approve a new budget for the coming year.",
        "Council members said the plan would fund road repairs and two new libraries.",
        "Opponents argued that the budget relied on optimistic revenue forecasts.",
        "The mayor is expected to sign the measure later this week, her office said.",
        "The vote followed months of debate and several public hearings in the spring.",
    ),
)
NONE = AccessSignals()
NOT_FREE = AccessSignals(not_free=True)
PROMPT = AccessSignals(paywall_text=("text 'Subscribe to continue reading'",))
CONSENT = AccessSignals(consent_text=("text 'We value your privacy'",))
MARKS_ONLY = AccessSignals(paywall_marks=("class 'paywall'",), consent_marks=("id 'onetrust'",))


def teaser(cut: int) -> Article:
    return Article(headline=STORED.headline, paragraphs=(STORED.paragraphs[0][:cut] + "...",))


CASES = [
    ("teaser cut mid-lede, no other sign", teaser(40), NONE, "paywalled"),
    ("lede only, JSON-LD says not free", Article(paragraphs=STORED.paragraphs[:1]), NOT_FREE, "paywalled"),
    ("lede and a subscribe prompt", Article(paragraphs=(STORED.paragraphs[0], "Subscribe to read more")), PROMPT, "paywalled"),
    ("consent wall text only", Article(paragraphs=("We value your privacy. Accept all to continue.",)), CONSENT, "consent_wall"),
    ("no text at all behind a consent wall", Article(), CONSENT, "consent_wall"),
    ("real shortening: whole paragraphs removed", Article(paragraphs=STORED.paragraphs[:1]), NONE, None),
    ("real shortening on a site with vendor marks", Article(paragraphs=STORED.paragraphs[:1]), MARKS_ONLY, None),
    ("walled signals but the text is all there", STORED, NOT_FREE, None),
    ("a third of the text left is not lost", Article(paragraphs=STORED.paragraphs[:2]), NOT_FREE, None),
]  # fmt: skip


@pytest.mark.parametrize(("name", "new", "signals", "kind"), CASES, ids=[c[0] for c in CASES])
def test_lost_article_table(
    name: str, new: Article, signals: AccessSignals, kind: str | None
) -> None:
    """Shrunk below a third *and* a sign of a wall: lost; anything else is the article."""
    lost = lost_article(STORED, new, lambda: signals)
    assert (lost.kind if lost else None) == kind
    if lost is not None:
        assert (
            lost.error.startswith(f"{kind}: ") and "last full version stays current" in lost.error
        )


def test_signals_are_only_read_when_the_text_shrank() -> None:
    """An ordinary check parses the page once: no access scan for an article of normal length."""
    calls: list[int] = []
    assert lost_article(STORED, STORED, lambda: calls.append(1) or NONE) is None
    assert calls == []


def test_a_live_blog_keeping_its_entries_is_still_checked_for_a_lost_body() -> None:
    """A check skips the guard when the canonical text is the current version's again, but a
    live blog's fingerprint is its entries only: a teaser body there is still a paywall."""
    from datetime import UTC, datetime

    from worker.models import FetchResult, LiveEntry, Version, Watch
    from worker.normalize import fingerprint
    from worker.pipeline.check import _lost
    from worker.pipeline.identity import state_fingerprint

    entries = (LiveEntry("e1", "2026-12-01T10:00:00Z", "", "The council meets at noon."),)
    stored = Article(headline=STORED.headline, paragraphs=STORED.paragraphs, entries=entries)
    walled = Article(headline=STORED.headline, paragraphs=teaser(40).paragraphs, entries=entries)
    assert fingerprint(walled) == fingerprint(stored)  # the live blog compares its entries
    watch = Watch(url="https://news.example/live/budget", name="live", interval=600)
    now = datetime.now(UTC)
    own = state_fingerprint(fingerprint(stored), stored.canonical_url, watch.url)
    current = Version(1, 1, 1, own, stored, now, now)
    page = FetchResult(watch.url, watch.url, 200, text="<html><body><p>The city</p></body></html>")
    result = _lost(watch, current, walled, page, fingerprint(walled))
    assert result is not None and (result.error or "").startswith("paywalled: ")
    article = Article(headline=STORED.headline, paragraphs=STORED.paragraphs)  # same text again
    again = state_fingerprint(fingerprint(article), article.canonical_url, watch.url)
    plain = Version(1, 1, 1, again, article, now, now)
    assert _lost(watch, plain, article, page, fingerprint(article)) is None

"""worker.extract.access: paywall and consent-wall evidence read from a page."""

from __future__ import annotations

import json

import pytest

from worker.extract.access import access_signals


def page(body: str, ld: object | None = None) -> str:
    script = f'<script type="application/ld+json">{json.dumps(ld)}</script>' if ld else ""
    return f"<html><head><title>T</title>{script}</head><body>{body}</body></html>"


ARTICLE = "<article><h1>Budget passes</h1><p>The council voted on Tuesday.</p></article>"


@pytest.mark.parametrize(
    "ld",
    [
        {"@type": "NewsArticle", "isAccessibleForFree": False},
        {"@type": "NewsArticle", "isAccessibleForFree": "False"},
        {
            "@graph": [
                {"@type": "WebPage"},
                {"@type": "NewsArticle", "isAccessibleForFree": "false"},
            ]
        },
        [{"@type": "NewsArticle", "hasPart": {"isAccessibleForFree": False}}],
    ],
)
def test_json_ld_not_free_is_paywall_evidence(ld: object) -> None:
    """isAccessibleForFree false, however it is spelt or nested, marks a paywalled page."""
    signals = access_signals(page(ARTICLE, ld))
    assert signals.not_free and signals.paywall[0] == "JSON-LD isAccessibleForFree: false"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ('<div class="paywall-prompt">Subscribe to continue reading</div>', "paywall_text"),
        ("<p>Already a subscriber? Sign in</p>", "paywall_text"),
        ('<section id="piano-offer" class="tp-modal"></section>', "paywall_marks"),
        ("<div>We value your privacy. Accept all cookies</div>", "consent_text"),
        ('<div id="onetrust-banner-sdk" class="ot-sdk"></div>', "consent_marks"),
        ('<div class="sp_message_container"></div>', "consent_marks"),
    ],
)
def test_dom_markers_and_phrases_are_evidence(body: str, field: str) -> None:
    """Vendor elements and the phrases walls show a reader are found and named."""
    signals = access_signals(page(ARTICLE + body))
    assert getattr(signals, field), signals


def test_an_ordinary_article_carries_no_evidence() -> None:
    """A free article with a privacy link in its footer is not walled."""
    footer = '<footer><a href="/privacy">Privacy policy</a> <a href="/cookies">Cookies</a></footer>'
    signals = access_signals(
        page(ARTICLE + footer, {"@type": "NewsArticle", "isAccessibleForFree": True})
    )
    assert not signals.paywall and not signals.consent


def test_junk_input_gives_no_evidence() -> None:
    """Bytes that are not HTML never raise."""
    assert not access_signals(b"\x00\xff\xfe garbage").paywall

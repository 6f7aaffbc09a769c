"""Signals that a page is withholding its article: a paywall or a consent wall.

Why: a page that turned into a consent wall, or was cut to a teaser for non-subscribers, is not
an edit of the article; storing it would alert "every paragraph removed". Extraction alone
cannot tell a teaser from a shortened article, but the page usually says so: JSON-LD
``isAccessibleForFree: false``, a ``paywall`` / ``consent`` element, "Subscribe to continue
reading". These signals are only evidence; the pipeline decides (it also needs to see the text
shrink against the last version). Markers are data, like the rest of ``rules``; everything a
page sends is only matched, never interpreted.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from selectolax.lexbor import LexborHTMLParser, SelectolaxError

# class / id tokens of the elements paywall and consent vendors inject.
PAYWALL_HINTS = re.compile(
    r"paywall|pay-wall|regwall|reg-wall|piano-(?:offer|template|paywall)|tp-modal|tp-container|"
    r"subscriber-only|subscribers-only|premium-(?:content|wall|article|gate)|metered-?(?:wall|"
    r"content)|subscription-(?:wall|gate|prompt)|article-locked|locked-content|content-gate|"
    r"gated-content|poool|laterpay|zephr",
    re.IGNORECASE,
)
CONSENT_HINTS = re.compile(
    r"consent|cookie-?(?:wall|banner|notice|modal|overlay|bar)|gdpr|(?:^|[-_])cmp(?:[-_]|$)|"
    r"onetrust|didomi|sp_message|qc-cmp|truste|cookiebot|usercentrics|privacy-wall",
    re.IGNORECASE,
)
PAYWALL_TEXT = re.compile(
    r"subscribe (?:now |today )?to (?:continue|keep) reading|subscribe to read|"
    r"(?:to )?continue reading,? (?:subscribe|sign in|log in|become a)|"
    r"this (?:article|story|content) is (?:for|only available to|exclusive to) (?:our )?"
    r"(?:subscribers|members)|already a (?:subscriber|member)\?|"
    r"create a free account to (?:continue|read)|(?:sign|log) in to (?:continue|read)|"
    r"you have reached your (?:free )?(?:article |monthly )?limit|unlock (?:this|the full) "
    r"(?:article|story)|for subscribers only|subscriber[- ]exclusive",
    re.IGNORECASE,
)
CONSENT_TEXT = re.compile(
    r"we (?:value|care about|respect) your privacy|(?:accept|agree to|allow) (?:all )?cookies|"
    r"manage (?:cookie )?(?:preferences|consent|settings|options)|"
    r"we and our (?:\d+ )?(?:partners|vendors) (?:use|store|process)|"
    r"consent to (?:the use of )?cookies|your (?:privacy|consent) choices",
    re.IGNORECASE,
)
MAX_TEXT_CHARS = 200_000  # the visible text searched for the phrases above
MAX_MARKED_NODES = 5000  # elements with a class or id looked at


@dataclass(frozen=True, slots=True)
class AccessSignals:
    """What the page says about access; each entry is a short human reason ("class 'paywall'").

    ``*_text`` are phrases the page shows a reader ("Subscribe to continue reading", "We value
    your privacy"): strong evidence. ``*_marks`` are class/id tokens of vendor elements, which
    many sites carry on every page: weak evidence, only worth something beside other signs.
    """

    not_free: bool = False  # JSON-LD isAccessibleForFree: false
    paywall_text: tuple[str, ...] = ()
    paywall_marks: tuple[str, ...] = ()
    consent_text: tuple[str, ...] = ()
    consent_marks: tuple[str, ...] = ()

    @property
    def paywall(self) -> tuple[str, ...]:
        """Every paywall reason, strongest first."""
        ld = ("JSON-LD isAccessibleForFree: false",) if self.not_free else ()
        return (*ld, *self.paywall_text, *self.paywall_marks)

    @property
    def consent(self) -> tuple[str, ...]:
        return (*self.consent_text, *self.consent_marks)


def access_signals(html: bytes | str) -> AccessSignals:
    """Paywall and consent-wall evidence in one HTML document; none for junk input."""
    try:
        tree = LexborHTMLParser(html if isinstance(html, str) else html.decode("utf-8", "replace"))
        paywall_marks, consent_marks = _marked_elements(tree)
        not_free = _ld_says_not_free(tree)
        text = (tree.body.text(separator=" ") if tree.body else "")[:MAX_TEXT_CHARS]
    except (SelectolaxError, ValueError, RuntimeError):
        return AccessSignals()
    return AccessSignals(
        not_free=not_free,
        paywall_text=_first(PAYWALL_TEXT, text),
        paywall_marks=paywall_marks,
        consent_text=_first(CONSENT_TEXT, text),
        consent_marks=consent_marks,
    )


def _first(pattern: re.Pattern[str], text: str) -> tuple[str, ...]:
    match = pattern.search(text)
    return (f"text {' '.join(match.group().split())!r}",) if match else ()


def _marked_elements(tree: LexborHTMLParser) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Reasons from class and id tokens: at most one reason per hint kind and token."""
    paywall: dict[str, None] = {}
    consent: dict[str, None] = {}
    for index, node in enumerate(tree.css("[class], [id]")):
        if index >= MAX_MARKED_NODES:
            break
        for name in ("class", "id"):
            for token in (node.attributes.get(name) or "").split():
                if PAYWALL_HINTS.search(token):
                    paywall[f"{name} {token[:60]!r}"] = None
                elif CONSENT_HINTS.search(token):
                    consent[f"{name} {token[:60]!r}"] = None
    return tuple(paywall)[:3], tuple(consent)[:3]


def _ld_says_not_free(tree: LexborHTMLParser) -> bool:
    for script in tree.css('script[type="application/ld+json"]'):
        try:
            data = json.loads(script.text() or "null", strict=False)
        except ValueError:
            continue
        if any(_is_false(v) for v in _values_of(data, "isAccessibleForFree")):
            return True
    return False


def _values_of(data: Any, key: str, depth: int = 0) -> Iterator[Any]:
    """Every value stored under ``key`` in nested JSON-LD (``@graph``, lists), bounded depth."""
    if depth > 8:
        return
    if isinstance(data, dict):
        for name, value in data.items():
            if name == key:
                yield value
            else:
                yield from _values_of(value, key, depth + 1)
    elif isinstance(data, list):
        for item in data:
            yield from _values_of(item, key, depth + 1)


def _is_false(value: Any) -> bool:
    return value is False or (isinstance(value, str) and value.strip().casefold() == "false")

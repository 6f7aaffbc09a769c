"""HTML -> :class:`~worker.models.Article`: headline, byline, dates, body paragraphs, captions.

A version is only as honest as the extraction behind it: boilerplate that leaks into the body
turns into false alerts, and text that is dropped hides real edits. Signals are read cheapest
first: JSON-LD, then ``<meta>`` tags, then main-content detection over the DOM. Every selector
and hint word lives in a named constant in ``rules`` (data, not ``if`` chains), and a per-domain
:class:`~worker.models.SiteProfile` can override the generic path with CSS selectors.

:func:`extract_article` is the only entry point; behind it are ``signals`` (the one pass over
the document: metadata and the nodes the body needs), ``headline`` (headline, subheadline,
byline, language), ``body`` (main-content scoring and the walk that turns it into paragraphs),
``text`` (whitespace, heading text, mojibake repair) and ``rules`` (the named constants).
"""

from __future__ import annotations

import re

from selectolax.lexbor import LexborHTMLParser, SelectolaxError

from worker.extract.body import body_of, captions_of
from worker.extract.headline import byline_of, headline_of, language_of, subheadline_of
from worker.extract.rules import META_MODIFIED, META_PUBLISHED
from worker.extract.signals import ld_str, metas, scan_document, select
from worker.extract.text import first_of
from worker.models import Article, Selectors, SiteProfile

EXTRACTOR_VERSION = "editwatch-extract/1.1"  # 1.1: headline and mojibake repair
__all__ = ["EXTRACTOR_VERSION", "extract_article", "selector_problem"]

_CHARSET = re.compile(rb"""<meta[^>]+charset=["']?([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_EXTRACT_FAILURES = (
    ValueError,
    TypeError,
    RuntimeError,  # includes RecursionError on absurdly nested documents
    AttributeError,
    IndexError,
    KeyError,
    SelectolaxError,
)


def extract_article(
    html: bytes | str, url: str | None = None, profile: SiteProfile | None = None
) -> Article:
    """Turn one HTML document into an Article; junk input yields an empty Article, never raises."""
    try:
        text = _decode(html)
        if not text or text.isspace():
            return Article(canonical_url=url or "")
        tree = LexborHTMLParser(text)
        return _extract(tree, url, profile.selectors if profile else Selectors())
    except _EXTRACT_FAILURES:
        # Broken documents are a fact of the web: an empty result lets the pipeline record the
        # check as "nothing usable" instead of crashing the worker.
        return Article(canonical_url=url or "")


def selector_problem(css: str) -> str | None:
    """Why the parser refuses the CSS selector ``css`` (``None`` when it parses).

    Config validation calls this: a selector the parser cannot read makes every extraction of
    the site come out empty, which would otherwise surface only as failing checks.
    """
    try:
        LexborHTMLParser("<html></html>").css(css)
    except SelectolaxError as exc:
        return f"{css!r} is not a CSS selector the parser can read ({exc})"
    return None


def _decode(html: bytes | str) -> str:
    """Decode bytes using the document's declared charset, falling back to UTF-8."""
    return _decode_bytes(html) if isinstance(html, bytes) else html  # lexbor drops NULs itself


def _decode_bytes(raw: bytes) -> str:
    match = _CHARSET.search(raw[:4096])
    encoding = match.group(1).decode("ascii", "replace") if match else "utf-8"
    try:
        return raw.decode(encoding, errors="replace")
    except LookupError:
        return raw.decode("utf-8", errors="replace")


def _extract(tree: LexborHTMLParser, url: str | None, selectors: Selectors) -> Article:
    for node in reversed(select(tree, ", ".join(selectors.exclude))):
        node.decompose()  # reverse document order: descendants go before their ancestors
    scan = scan_document(tree, selectors)
    signals = scan.signals
    headline = headline_of(tree, signals, selectors)
    paragraphs, containers = body_of(tree, selectors, scan, headline)
    return Article(
        headline=headline,
        subheadline=subheadline_of(scan.subheadline, signals, headline, paragraphs),
        byline=byline_of(signals, scan.byline),
        published=first_of(
            ld_str(signals.ld, "datePublished"), *metas(signals, META_PUBLISHED), signals.time
        ),
        modified=first_of(ld_str(signals.ld, "dateModified"), *metas(signals, META_MODIFIED)),
        paragraphs=paragraphs,
        captions=captions_of(scan, containers),
        canonical_url=first_of(signals.canonical, signals.meta.get("og:url", ""), url or ""),
        language=language_of(tree, signals),
    )

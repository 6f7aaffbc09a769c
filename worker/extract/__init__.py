"""HTML -> :class:`~worker.models.Article`: headline, byline, dates, body paragraphs, captions.

A version is only as honest as the extraction behind it: boilerplate that leaks into the body
turns into false alerts, and text that is dropped hides real edits. Signals are read cheapest
first: JSON-LD, then ``<meta>`` tags, then main-content detection over the DOM. Every selector
and hint word lives in a named constant in ``rules`` (data, not ``if`` chains), and a per-domain
:class:`~worker.models.SiteProfile` can override the generic path with CSS selectors.

:func:`extract_article` is the only entry point; behind it are ``prune`` (scripts, styles and
hidden subtrees removed first), ``signals`` (the one pass over the document: metadata and the
nodes the body needs), ``headline`` (headline, subheadline, byline, language, site names),
``score`` (which container holds the article), ``body`` (the walk that turns it into
paragraphs, and the chrome and field filters), ``classes`` (class words as whole tokens),
``text`` (whitespace, heading text, mojibake repair), ``liveblog`` (a live blog's timestamped
entries) and ``rules`` (the named constants).
"""

from __future__ import annotations

from selectolax.lexbor import LexborHTMLParser, SelectolaxError

from worker.errors import ExtractError
from worker.extract.body import Walked, body_of, captions_of
from worker.extract.headline import (
    byline_of,
    headline_node,
    headline_of,
    language_of,
    subheadline_of,
)
from worker.extract.liveblog import live_entries
from worker.extract.page import read_page
from worker.extract.prune import prune
from worker.extract.rules import META_MODIFIED, META_PUBLISHED
from worker.extract.signals import Scan, ld_address, ld_str, metas, scan_document, select
from worker.extract.text import first_of
from worker.models import Article, Selectors, SiteProfile, WatchMode

# 1.3: media placed by the body walk's own blocks (short headings, images per paragraph, one copy
# of a doubled article); live blogs found anywhere in the JSON-LD, comment words as whole words;
# older and non-English layouts (<font> bodies, captions, read-also and stamp lines, pull quotes).
# 1.2: visible headlines, whole class tokens, hidden copies, fields out of the body, chunks,
# tables, JSON-LD checks (1.1: headline and mojibake repair). A new number makes the first check
# of every watch re-read its stored page (worker.pipeline.reread) instead of alerting.
EXTRACTOR_VERSION = "editwatch-extract/1.3"
__all__ = ["EXTRACTOR_VERSION", "extract_article", "selector_problem"]

# What a broken document can make the parser or the walk raise; anything else is a bug and
# surfaces as one (a bug hidden as "empty article" would look like a site redesign).
_PARSE_FAILURES = (SelectolaxError, RecursionError)


def extract_article(
    html: str | bytes,
    url: str | None = None,
    profile: SiteProfile | None = None,
    mode: WatchMode = "article",
) -> Article:
    """Turn one decoded HTML document into an Article (an empty one for an empty document).

    Decoding bytes is the fetch stage's job (``worker.fetch.decode_html``: BOM, header charset,
    ``<meta>``), so there is one charset sniffer. Raises :class:`~worker.errors.ExtractError`
    when the parser gives up on the document. ``mode`` is the watch's (``page``, ``article`` or
    ``auto``): see :mod:`worker.extract.page`. ``html`` may be the page's bytes when they are
    UTF-8 (:attr:`~worker.models.FetchResult.markup`): the parser reads those as they are.
    """
    if not html or html.isspace():
        return Article(canonical_url=url or "")
    try:
        tree = LexborHTMLParser(html)  # lexbor drops NULs itself
        article, scan, walked = _extract(tree, url, profile.selectors if profile else Selectors())
    except _PARSE_FAILURES as exc:
        raise ExtractError(f"{url or 'document'}: the HTML could not be parsed ({exc!r})") from exc
    return read_page(tree, article, url or "", mode, scan, walked)


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


def _extract(
    tree: LexborHTMLParser, url: str | None, selectors: Selectors
) -> tuple[Article, Scan, Walked]:
    """The article, the document scan it was read from and where the body walk read its
    paragraphs (the media step reuses both)."""
    for node in reversed(select(tree, ", ".join(selectors.exclude))):
        node.decompose()  # reverse document order: descendants go before their ancestors
    prune(tree)
    scan = scan_document(tree, selectors)
    signals = scan.signals
    headline = headline_of(tree, signals, selectors, url)
    anchor = headline_node(signals, headline)
    paragraphs, walked = body_of(tree, selectors, scan, headline, anchor)
    entries = live_entries(signals, url, paragraphs)
    article = Article(
        headline=headline,
        subheadline=subheadline_of(scan.subheadline, signals, headline, paragraphs),
        byline=byline_of(signals, scan.byline),
        published=first_of(  # a live blog's first <time> is its newest entry's, not its own
            ld_str(signals.ld, "datePublished"),
            *metas(signals, META_PUBLISHED),
            "" if entries else signals.time,
        ),
        modified=first_of(ld_str(signals.ld, "dateModified"), *metas(signals, META_MODIFIED)),
        paragraphs=paragraphs,
        captions=captions_of(scan, walked.containers),
        canonical_url=first_of(
            signals.canonical, signals.meta.get("og:url", ""), ld_address(signals.ld), url or ""
        ),
        language=language_of(tree, signals),
        entries=entries,
    )
    return article, scan, walked

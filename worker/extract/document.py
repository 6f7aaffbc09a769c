"""One document read into an :class:`~worker.models.Article`: the steps behind
:func:`worker.extract.extract_article`, in their own module so that importing the package does
not import (and compile the regular expressions of) the whole extractor.
"""

from __future__ import annotations

from selectolax.lexbor import LexborHTMLParser

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
from worker.extract.rules import META_MODIFIED, META_PUBLISHED, QUERIED_ATTRIBUTE_NAMES
from worker.extract.signals import Scan, ld_address, ld_str, metas, scan_document, select
from worker.extract.text import first_of
from worker.models import Article, Selectors

__all__ = ["extract", "read_page"]


def extract(
    tree: LexborHTMLParser, url: str | None, selectors: Selectors
) -> tuple[Article, Scan, Walked]:
    """The article, the document scan it was read from and where the body walk read its
    paragraphs (the media step reuses both)."""
    register_attribute_names(tree)
    for node in reversed(select(tree, ", ".join(selectors.exclude))):
        node.decompose()  # reverse document order: descendants go before their ancestors
    prune(tree)
    scan = scan_document(tree, selectors)
    signals = scan.signals
    headline = headline_of(tree, signals, selectors, url)
    anchor = headline_node(signals, headline)
    paragraphs, walked = body_of(tree, selectors, scan, headline, anchor)
    entries = live_entries(signals, url, paragraphs)
    byline = byline_of(tree, scan, paragraphs, anchor)
    article = Article(
        headline=headline,
        subheadline=subheadline_of(scan.subheadline, signals, headline, paragraphs),
        byline=byline.name,
        published=first_of(  # a live blog's first <time> is its newest entry's, not its own
            ld_str(signals.ld, "datePublished"),
            *metas(signals, META_PUBLISHED),
            "" if entries else signals.time,
            byline.date,  # the date beside the byline (``Von X | 18.10.2018``), else nothing
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


def register_attribute_names(tree: LexborHTMLParser) -> None:
    """Make the document know every name in QUERIED_ATTRIBUTE_NAMES, on an element that is
    never attached to the tree (so no query finds it and no output shows it).

    lexbor's selector engine looks an attribute selector's name up in the document's table and
    keeps its id for the rest of the query, but only when the name is there: for a name no
    element carries it looked it up again on every element (``[itemprop="author"]`` cost twice
    a tag selector on pages without microdata). Known names make the queries about 0.3 M
    instructions cheaper per page, and their answers are the same.
    """
    holder = tree.create_node("div")
    for name in QUERIED_ATTRIBUTE_NAMES:
        holder.attrs[name] = ""

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
from worker.models import Article, Selectors, SiteProfile, WatchMode

# 1.5: a hidden class never hides the only article-sized block; a heading's id is no hint;
# comment sections, read-also labels, widget titles and chrome lines in more languages; 2010s
# WordPress and Joomla plugin labels; <marquee> tickers; an unnamed comment thread beside the
# headline; a standfirst the description repeats is the subheadline; bylines in more languages
# and shown forms (a class naming the author, "By X | date" split into byline and date); an
# inline element laid out as a line is set apart from its neighbours' words.
# 1.4: robots-nocontent, author-bio boxes, WordPress furniture lines, slide counters.
# 1.3: media placed by the body walk's own blocks (short headings, images per paragraph, one copy
# of a doubled article); live blogs found anywhere in the JSON-LD, comment words as whole words;
# older and non-English layouts (<font> bodies, captions, read-also and stamp lines, pull quotes).
# 1.2: visible headlines, whole class tokens, hidden copies, fields out of the body, chunks,
# tables, JSON-LD checks (1.1: headline and mojibake repair). A new number makes the first check
# of every watch re-read its stored page (worker.pipeline.reread) instead of alerting.
EXTRACTOR_VERSION = "editwatch-extract/1.5"
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
    # Here, not at the top: importing the extractor compiles its ~110 regular expressions
    # (about 0.2 s of CPU, half the package's import), which `editwatch check` paid at start-up
    # even when every answer was a 304 and no page was read. The package itself (the version,
    # the selector check config validation runs) stays cheap to import.
    from worker.extract.document import extract, read_page

    try:
        tree = LexborHTMLParser(html)  # lexbor drops NULs itself
        article, scan, walked = extract(tree, url, profile.selectors if profile else Selectors())
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

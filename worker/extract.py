"""HTML -> :class:`~worker.models.Article`: headline, byline, dates, body paragraphs, captions.

A version is only as honest as the extraction behind it: boilerplate that leaks into the body
turns into false alerts, and text that is dropped hides real edits. Signals are read cheapest
first: JSON-LD, then ``<meta>`` tags, then main-content detection over the DOM. Every selector
and hint word lives in a named constant below (data, not ``if`` chains), and a per-domain
:class:`~worker.models.SiteProfile` can override the generic path with CSS selectors.

selectolax (lexbor) is the only HTML library used at run time. Each CSS query walks the whole
tree and costs about as much as the parse itself, so the module asks few, combined queries
(one for the metadata, one for the paragraphs and links, one inside the winning container)
and answers the rest from their results in Python.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from html import unescape
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml
from selectolax.lexbor import LexborHTMLParser, LexborNode, SelectolaxError

from worker.errors import ConfigError
from worker.models import Article, Selectors, SiteProfile

EXTRACTOR_VERSION = "editwatch-extract/1.0"

SITES_DIR = Path(__file__).resolve().parent.parent / "config" / "sites"

# --- metadata signals -------------------------------------------------------------------------
ARTICLE_TYPES = frozenset(
    "NewsArticle Article ReportageNewsArticle AnalysisNewsArticle OpinionNewsArticle "
    "BlogPosting TechArticle Report LiveBlogPosting".split()
)
HEAD_QUERY = (
    'meta[content], link[rel="canonical"], title, script[type="application/ld+json"], h1, '
    "time[datetime]"
)
META_HEADLINE = ("og:title", "twitter:title", "citation_title", "parsely-title")
META_SUBHEADLINE = ("og:description", "twitter:description", "description")
META_BYLINE = ("author", "article:author", "parsely-author", "citation_author", "byl", "dc.creator")
META_PUBLISHED = (
    "article:published_time",
    "citation_publication_date",
    "parsely-pub-date",
    "datepublished",
    "pubdate",
    "dc.date",
)
META_MODIFIED = ("article:modified_time", "og:updated_time", "datemodified", "last-modified")
META_LANGUAGE = ("og:locale", "language", "content-language")
META_SITE_NAME = ("og:site_name", "application-name")
BYLINE_SELECTORS = '[rel="author"], .byline, .author-name, [itemprop="author"]'
SUBHEADLINE_SELECTORS = (
    '.standfirst, [data-gu-name="standfirst"], .article-subheadline, .subheadline, '
    ".sub-headline, .dek, .article__dek, .article-summary, h2.subtitle"
)
CAPTION_SELECTORS = "figcaption, .wp-caption-text"
MAX_H1 = 3
MIN_TITLE_CHARS = 8
TITLE_SEPARATORS = re.compile(r"(\s+[|\-–—•·:]{1,2}\s+)")
TITLE_FOLD = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-", "…": "..."})

# --- main-content detection -------------------------------------------------------------------
# Paragraph-like elements whose text credits their ancestors; the fallback serves pages that set
# their text in bare <div>s and lists (menus would out-vote articles if lists always counted).
CONTENT_QUERY = "p, pre, blockquote, a"
FALLBACK_CONTENT_QUERY = "div, li, td, span"
MIN_PARAGRAPH_CHARS = 40
MAX_PARAGRAPH_LINK_DENSITY = 0.5  # while scoring containers
MAX_BLOCK_LINK_DENSITY = 0.6  # while emitting blocks from the winner
LINK_ANCESTOR_LEVELS = 3  # ``p > em > a``: how far up a link's text counts against a paragraph
CLEAN_SHARE = 0.5  # hint-free paragraphs must keep this share of the text to be trusted alone
WINNER_SHARE = 0.62  # the winner holds at least this share of all good paragraph text
# A hinted subtree is kept anyway when it holds real paragraph text: this share of the winner's,
# or this many characters (page builders put "share" or "meta" in content wrappers).
KEEP_SHARE = 0.25
KEEP_CHARS = 600
WALK_QUERY = "a, br, p, div, ul, ol, table, section, article, blockquote, figure, h2, h3, h4"
NESTED_BLOCK_TAGS = frozenset(WALK_QUERY.replace(",", " ").split()) - {"a", "br"}
BOILERPLATE_TAGS = frozenset("nav aside header footer form menu dialog".split())
BOILERPLATE_ROLES = frozenset("navigation complementary banner contentinfo search dialog".split())
# Class/id words that mark boilerplate. Substrings for distinctive words, whole tokens for short
# ones that would otherwise match inside innocent words ("ad" in "header", "head" in "thread").
BOILERPLATE_SUBSTRINGS = (
    "share social related comment promo newsletter subscribe sidebar breadcrumb cookie popup "
    "modal advert sponsor recommend readmore read-more author-bio authorbio author-box signup "
    "sign-up paywall byline tags toc table-of-contents disqus"
).split()
BOILERPLATE_TOKENS = "ad ads nav menu footer header meta more banner print hidden".split()
_BOILERPLATE_HINT = re.compile(
    "|".join(re.escape(hint) for hint in BOILERPLATE_SUBSTRINGS)
    + r"|(?<![a-z0-9])(?:"
    + "|".join(BOILERPLATE_TOKENS)
    + r")(?![a-z0-9])"
)
BLOCK_TAGS = frozenset("p h1 h2 h3 h4 h5 h6 li blockquote pre dt dd td th".split())
INLINE_TAGS = frozenset(
    "a abbr b bdi bdo cite code del dfn em font i ins kbd mark q s samp small span strong sub "
    "sup time u var label".split()
)
SKIP_IN_BODY = frozenset(
    "script style noscript template svg iframe button select input textarea figure picture img "
    "video audio canvas object h1 -comment".split()
)
# Whole paragraphs that are site chrome, not article text: calls to action, widget titles and
# link labels. Each pattern must match the entire paragraph, so article sentences that merely
# contain these words are kept.
BOILERPLATE_LINE_PATTERNS = (
    r"advertisement",
    r"read (?:more|next)\b.*",
    r"related(?: coverage| articles| posts| stories| reading)?:?",
    r"(?:popular|recent|latest|trending) (?:posts|articles|stories)",
    r"share(?: this| on)?(?: article| story| post)?(?: on)?:?",
    r"(?:sign up|subscribe|join)\b.{0,60}",
    r"(?:get|receive) (?:more|the latest|our)\b.{0,50}",
    r"follow (?:us|me)\b.{0,40}",
    r"stay connected.{0,30}",
    r"(?:click|tap) here to .*",
    r"you (?:may|might) (?:also )?(?:like|enjoy|be interested in).*",
    r"(?:leave|post|add) a (?:comment|reply|star rating).*",
    r"be the first to comment.*",
    r"what do you think\??",
    r"(?:contact us|get in touch|log ?in|sign in|home|privacy policy|terms of (?:use|service))",
    r"(?:book|shop|buy|order) now!?",
    r"(?:see|view|check) (?:price|packages|deal|on amazon)\b.{0,30}",
    r"about the author:?",
    r"pin (?:it )?for later!?",
    r"jump to (?:the )?(?:list|recipe|section).*",
)
BOILERPLATE_LINES = re.compile(
    "^(?:" + "|".join(BOILERPLATE_LINE_PATTERNS) + r")[.!:]?$", re.IGNORECASE
)
ARTICLE_BODY_SPLIT = re.compile(r"\n\s*\n|\n")
ARTICLE_BODY_TRUST = 0.5  # use JSON-LD articleBody when the DOM found less than this share
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


@dataclass(slots=True)
class _Signals:
    """Metadata read in one query before the body is touched."""

    ld: dict[str, Any] = field(default_factory=dict)
    meta: dict[str, str] = field(default_factory=dict)
    h1s: list[str] = field(default_factory=list)
    title: str = ""
    canonical: str = ""
    time: str = ""


def extract_article(
    html: bytes | str, url: str | None = None, profile: SiteProfile | None = None
) -> Article:
    """Turn one HTML document into an Article; junk input yields an empty Article, never raises."""
    try:
        text = _decode(html)
        if not text.strip():
            return Article(canonical_url=url or "")
        tree = LexborHTMLParser(text)
        return _extract(tree, url, profile or profile_for(url))
    except _EXTRACT_FAILURES:
        # Broken documents are a fact of the web: an empty result lets the pipeline record the
        # check as "nothing usable" instead of crashing the worker.
        return Article(canonical_url=url or "")


def _decode(html: bytes | str) -> str:
    """Decode bytes using the document's declared charset, falling back to UTF-8."""
    if isinstance(html, bytes):
        match = _CHARSET.search(html[:4096])
        encoding = match.group(1).decode("ascii", "replace") if match else "utf-8"
        try:
            html = html.decode(encoding, errors="replace")
        except LookupError:
            html = html.decode("utf-8", errors="replace")
    return html.replace("\x00", "") if "\x00" in html else html


def _extract(tree: LexborHTMLParser, url: str | None, profile: SiteProfile | None) -> Article:
    selectors = profile.selectors if profile else Selectors()
    signals = _read_signals(tree)
    headline = _headline(tree, signals, selectors)
    dom = _dom_metadata(tree, selectors)
    return Article(
        headline=headline,
        subheadline=_subheadline(dom.get("subheadline", ""), signals, headline),
        byline=_byline(signals, dom.get("byline", "")),
        published=_first(
            _ld_str(signals.ld, "datePublished"), *_metas(signals, META_PUBLISHED), signals.time
        ),
        modified=_first(_ld_str(signals.ld, "dateModified"), *_metas(signals, META_MODIFIED)),
        paragraphs=_body(tree, selectors, signals, headline),
        captions=tuple(dict.fromkeys(dom.get("captions", ()))),
        canonical_url=_first(signals.canonical, signals.meta.get("og:url", ""), url or ""),
        language=_language(tree, signals),
    )


# --- signals ----------------------------------------------------------------------------------
def _read_signals(tree: LexborHTMLParser) -> _Signals:
    """One query for everything metadata-like; each node is sorted by its tag."""
    signals = _Signals()
    scripts: list[str] = []
    for node in tree.css(HEAD_QUERY):
        tag = node.tag
        if tag == "meta":
            _add_meta(node, signals.meta)
        elif tag == "script":
            scripts.append(node.text(deep=True))
        elif tag == "h1" and len(signals.h1s) < MAX_H1 and (text := _node_text(node)):
            signals.h1s.append(text)
        elif tag == "title" and not signals.title:
            signals.title = _node_text(node)
        elif tag == "link" and not signals.canonical:
            signals.canonical = _clean(node.attributes.get("href") or "")
        elif tag == "time" and not signals.time:
            signals.time = _clean(node.attributes.get("datetime") or "")
    signals.ld = _json_ld_article(scripts)
    return signals


def _add_meta(node: LexborNode, found: dict[str, str]) -> None:
    """``<meta property|name|itemprop=... content=...>``; the first occurrence of a key wins."""
    attrs = node.attributes
    key = attrs.get("property") or attrs.get("name") or attrs.get("itemprop")
    content = attrs.get("content")
    if key and content and (content := _clean(unescape(content))):
        found.setdefault(key.strip().lower(), content)


def _json_ld_article(scripts: Iterable[str]) -> dict[str, Any]:
    """The first JSON-LD object whose @type is an article type (searching ``@graph`` too)."""
    for script in scripts:
        try:
            data = json.loads(script, strict=False)
        except (json.JSONDecodeError, RecursionError):
            continue
        for obj in _json_ld_objects(data):
            kinds = obj.get("@type")
            kinds = set(kinds) if isinstance(kinds, list) else {kinds}
            if not kinds.isdisjoint(ARTICLE_TYPES):
                return obj
    return {}


def _json_ld_objects(data: Any) -> Iterator[dict[str, Any]]:
    if isinstance(data, list):
        for item in data:
            yield from _json_ld_objects(item)
    elif isinstance(data, dict):
        yield data
        if "@graph" in data:
            yield from _json_ld_objects(data["@graph"])


def _metas(signals: _Signals, keys: Iterable[str]) -> list[str]:
    return [signals.meta.get(key, "") for key in keys]


def _ld_str(ld: Mapping[str, Any], key: str) -> str:
    value = ld.get(key)
    if isinstance(value, list) and value:
        value = value[0]
    return _clean(unescape(value)) if isinstance(value, str) else ""


def _first(*values: str) -> str:
    return next((value for value in values if value), "")


def _clean(text: str) -> str:
    return " ".join(text.split())


def _node_text(node: LexborNode | None) -> str:
    return _clean(node.text(deep=True)) if node is not None else ""


def _dom_metadata(tree: LexborHTMLParser, selectors: Selectors) -> dict[str, Any]:
    """Subheadline, byline and captions from the DOM, in one query."""
    caption_query = selectors.captions or CAPTION_SELECTORS
    query = ", ".join((caption_query, SUBHEADLINE_SELECTORS, BYLINE_SELECTORS))
    found: dict[str, Any] = {"captions": []}
    for node in tree.css(query):
        text = _node_text(node)
        if not text:
            continue
        if node.tag == "figcaption" or node.css_matches(caption_query):
            found["captions"].append(text)
        elif "subheadline" not in found and node.css_matches(SUBHEADLINE_SELECTORS):
            found["subheadline"] = text
        elif "byline" not in found and node.css_matches(BYLINE_SELECTORS):
            found["byline"] = text
    return found


# --- headline, subheadline, byline, language ----------------------------------------------------
def _headline(tree: LexborHTMLParser, signals: _Signals, selectors: Selectors) -> str:
    """The visible ``<h1>`` when the metadata backs it (or it is the only one), else a vote.

    Readers see the ``<h1>``; metadata titles are written for search and social cards and often
    differ, so they only decide when the page has no single trustworthy ``<h1>``.
    """
    if selectors.headline and (chosen := _node_text(tree.css_first(selectors.headline))):
        return chosen
    titles = [_ld_str(signals.ld, "headline"), *_metas(signals, META_HEADLINE)]
    titles = [title for title in titles if title]
    sites = _site_names(signals, [*titles, signals.title])
    h1s = [_strip_site(h1, sites) for h1 in signals.h1s if _title_key(h1) not in sites]
    keys = [_title_key(title) for title in titles]
    for h1 in h1s:
        key = _title_key(h1)
        if any(key in title or title in key for title in keys):
            return h1
    if len(h1s) == 1:
        return h1s[0]
    return _vote([*h1s, *titles, signals.title], h1s)


def _vote(sources: list[str], h1s: list[str]) -> str:
    """The title most sources agree on, each also voting without its site-name segments.

    ``<title>`` and ``og:title`` usually carry the site's name (``Story | Site``); ties go to a
    visible ``<h1>``, then to the shorter title (the one without the site's name).
    """
    votes: dict[str, int] = {}
    spelled: dict[str, str] = {}
    for source in filter(None, sources):
        variants = (v for v in _title_variants(source) if len(v) >= MIN_TITLE_CHARS)
        for key, variant in {_title_key(v): v for v in variants}.items():
            votes[key] = votes.get(key, 0) + 1
            spelled.setdefault(key, variant)
    if not votes:
        return ""
    visible = {_title_key(h1) for h1 in h1s}
    best = max(votes, key=lambda key: (votes[key], key in visible, -len(key)))
    return spelled[best]


def _title_variants(title: str) -> Iterator[str]:
    """``A | B | Site`` -> itself, ``A | B`` and ``A``; ``Site | Story`` -> ``Story`` too."""
    yield title
    parts = TITLE_SEPARATORS.split(title)
    for end in range(len(parts) - 2, 0, -2):
        yield "".join(parts[:end]).strip()
    rest = "".join(parts[2:]).strip()
    if len(parts) > 1 and len(rest) > len(parts[0]):
        yield rest


def _title_key(title: str) -> str:
    return " ".join(title.translate(TITLE_FOLD).casefold().split())


def _site_names(signals: _Signals, titles: list[str]) -> set[str]:
    """The publisher's name as the page spells it: og:site_name, JSON-LD publisher, or the last
    ``| Site`` segment of a title. A logo in an ``<h1>`` is not a headline."""
    names = set(_metas(signals, META_SITE_NAME))
    publisher = signals.ld.get("publisher")
    if isinstance(publisher, dict) and isinstance(publisher.get("name"), str):
        names.add(publisher["name"])
    for title in titles:
        parts = TITLE_SEPARATORS.split(title)
        if len(parts) > 1:
            names.add(parts[-1])
    return {_title_key(name) for name in names if name.strip()}


def _strip_site(title: str, sites: set[str]) -> str:
    parts = TITLE_SEPARATORS.split(title)
    if len(parts) > 1 and _title_key(parts[-1]) in sites:
        return "".join(parts[:-2]).strip()
    return title


def _subheadline(dom: str, signals: _Signals, headline: str) -> str:
    found = _first(dom, _ld_str(signals.ld, "alternativeHeadline"), *_metas(signals, META_SUBHEADLINE))
    return "" if found == headline else found


def _byline(signals: _Signals, dom: str) -> str:
    names = _ld_authors(signals.ld.get("author"))
    if names:
        return ", ".join(dict.fromkeys(names))
    return _first(*_metas(signals, META_BYLINE), dom)


def _ld_authors(author: Any) -> list[str]:
    if isinstance(author, str):
        return [_clean(unescape(author))] if author.strip() else []
    if isinstance(author, dict):
        return _ld_authors(author.get("name"))
    if isinstance(author, list):
        return [name for item in author for name in _ld_authors(item)]
    return []


def _language(tree: LexborHTMLParser, signals: _Signals) -> str:
    root = tree.root
    lang = root.attributes.get("lang") if root is not None else None
    found = _first(_clean(lang or ""), *_metas(signals, META_LANGUAGE), _ld_str(signals.ld, "inLanguage"))
    return found.replace("_", "-")


# --- body: scoring ----------------------------------------------------------------------------
def _body(
    tree: LexborHTMLParser, selectors: Selectors, signals: _Signals, headline: str
) -> tuple[str, ...]:
    """Paragraphs from the profile's body selector, else from the best-scoring container."""
    if selectors.exclude:
        for node in reversed(tree.css(", ".join(selectors.exclude))):
            node.decompose()  # reverse document order: descendants go before their ancestors
    if selectors.body and (containers := tree.css(selectors.body)):
        blocks = [text for node in containers for text in _blocks(node, _Walk.over(node, {}), [])]
        return _finish(blocks, headline)
    paragraphs = _finish(_generic_body(tree), headline)
    return _cross_check(paragraphs, _ld_str(signals.ld, "articleBody"))


def _generic_body(tree: LexborHTMLParser) -> list[str]:
    credit, nodes = _credit_ancestors(tree)
    if not credit:
        return []
    winner = _pick_winner(credit, nodes)
    return _blocks(winner, _Walk.over(winner, credit), [])


def _credit_ancestors(tree: LexborHTMLParser) -> tuple[dict[int, int], dict[int, LexborNode]]:
    """Credit every good paragraph's length to each of its ancestors (keyed by ``mem_id``).

    Paragraphs under a boilerplate ancestor (``<nav>``, "related", "promo", ...) are left out,
    unless that would discard most of the page's text (a theme that hints its own content).
    """
    paragraphs, linked = _paragraphs_and_links(tree)
    clean: dict[int, int] = {}
    everything: dict[int, int] = {}
    nodes: dict[int, LexborNode] = {}
    hinted: dict[int, bool] = {}
    for node in paragraphs:
        text = node.text(deep=True) if node.tag == "p" else node.text_content or ""
        size = len(text.strip())
        if size < MIN_PARAGRAPH_CHARS or linked.get(node.mem_id, 0) > MAX_PARAGRAPH_LINK_DENSITY * size:
            continue
        chain = _ancestors(node, nodes)
        tainted = any(_cached_hint(key, nodes[key], hinted) for key in chain)
        for key in chain:
            everything[key] = everything.get(key, 0) + size
            if not tainted:
                clean[key] = clean.get(key, 0) + size
    if clean and max(clean.values()) >= CLEAN_SHARE * max(everything.values()):
        return clean, nodes
    return everything, nodes


def _paragraphs_and_links(tree: LexborHTMLParser) -> tuple[list[LexborNode], dict[int, int]]:
    """Paragraph candidates, and link-text characters per element a few levels above each link."""
    paragraphs: list[LexborNode] = []
    linked: dict[int, int] = {}
    for node in tree.css(CONTENT_QUERY):
        if node.tag != "a":
            paragraphs.append(node)
            continue
        size = len(node.text(deep=True).strip())
        parent = node.parent
        for _ in range(LINK_ANCESTOR_LEVELS):
            if parent is None:
                break
            linked[parent.mem_id] = linked.get(parent.mem_id, 0) + size
            parent = parent.parent
    if not paragraphs:
        paragraphs = [node for node in tree.css(FALLBACK_CONTENT_QUERY) if node.text_content]
    return paragraphs, linked


def _ancestors(node: LexborNode, nodes: dict[int, LexborNode]) -> list[int]:
    chain = []
    parent = node.parent
    while parent is not None and parent.tag != "html":
        key = parent.mem_id
        nodes.setdefault(key, parent)
        chain.append(key)
        parent = parent.parent
    return chain


def _cached_hint(key: int, node: LexborNode, cache: dict[int, bool]) -> bool:
    found = cache.get(key)
    if found is None:
        found = cache[key] = _is_boilerplate(node)
    return found


def _is_boilerplate(node: LexborNode) -> bool:
    """Does the element announce itself as chrome: by tag, ARIA role, or class/id words?"""
    if node.tag in BOILERPLATE_TAGS:
        return True
    attrs = node.attributes
    if not attrs:
        return False
    if attrs.get("role") in BOILERPLATE_ROLES:
        return True
    words = f"{attrs.get('class') or ''} {attrs.get('id') or ''}".lower()
    return _BOILERPLATE_HINT.search(words) is not None


def _pick_winner(credit: dict[int, int], nodes: dict[int, LexborNode]) -> LexborNode:
    """The deepest container that still holds most of the page's good paragraph text.

    Containers above the share threshold are nested in one another (two disjoint ones cannot
    both hold most of the text), so the one with the least credit is the tightest fit.
    """
    total = max(credit.values())
    chain = [key for key, size in credit.items() if size >= WINNER_SHARE * total]
    return nodes[min(chain, key=credit.__getitem__)]


# --- body: walking the winner -------------------------------------------------------------------
@dataclass(slots=True)
class _Walk:
    """What the body walk needs to know about the winner, computed by one query.

    selectolax compiles a CSS selector on every call, so per-block ``css_first`` checks would
    dominate the run time; one pass over the winner's links and blocks answers them all.
    """

    credit: Mapping[int, int]
    winner_credit: int
    linked: dict[int, int]  # characters of link text inside each element
    has_blocks: set[int]  # elements that contain a block-level descendant

    @classmethod
    def over(cls, winner: LexborNode, credit: Mapping[int, int]) -> _Walk:
        top = winner.mem_id
        walk = cls(credit, credit.get(top, 0), {}, set())
        for node in winner.css(WALK_QUERY):
            tag = node.tag
            if tag == "br":
                node.replace_with("\n")
            elif tag == "a":
                _add_up(node, top, len(node.text(deep=True).strip()), walk.linked)
            else:
                walk.mark_ancestors(node, top)
        return walk

    def mark_ancestors(self, node: LexborNode, top: int) -> None:
        parent = node.parent
        while parent is not None and parent.mem_id not in self.has_blocks:
            self.has_blocks.add(parent.mem_id)
            if parent.mem_id == top:
                return
            parent = parent.parent

    def holds_text(self, node: LexborNode) -> bool:
        size = self.credit.get(node.mem_id, 0)
        return size >= KEEP_CHARS or size >= KEEP_SHARE * self.winner_credit

    def mostly_links(self, node: LexborNode, text: str) -> bool:
        size = len(text.strip())
        return size == 0 or self.linked.get(node.mem_id, 0) > MAX_BLOCK_LINK_DENSITY * size


def _add_up(node: LexborNode, top: int, size: int, into: dict[int, int]) -> None:
    """Add ``size`` to ``node`` and each ancestor up to the element ``top``."""
    current: LexborNode | None = node
    while current is not None:
        key = current.mem_id
        into[key] = into.get(key, 0) + size
        if key == top:
            return
        current = current.parent


def _blocks(node: LexborNode, walk: _Walk, out: list[str]) -> list[str]:
    """Walk a container in document order, appending one string per text block to ``out``."""
    inline: list[str] = []
    linked = 0
    for child in node.iter(include_text=True):
        tag = child.tag
        if tag == "-text":
            inline.append(child.text_content or "")
            continue
        if tag in INLINE_TAGS and child.mem_id not in walk.has_blocks:
            inline.append(child.text(deep=True))
            linked += walk.linked.get(child.mem_id, 0)
            continue
        if tag in SKIP_IN_BODY:
            continue
        if inline:
            _flush(inline, linked, out)
            inline, linked = [], 0
        if _is_boilerplate(child) and not walk.holds_text(child):
            continue
        if tag in BLOCK_TAGS and child.mem_id not in walk.has_blocks:
            text = child.text(deep=True)
            if tag == "pre" or not walk.mostly_links(child, text):
                out.append(text)
        else:
            _blocks(child, walk, out)
    if inline:
        _flush(inline, linked, out)
    return out


def _flush(inline: list[str], linked: int, out: list[str]) -> None:
    """Emit collected inline text as one block unless it is mostly link labels."""
    text = "".join(inline)
    if linked <= MAX_BLOCK_LINK_DENSITY * len(text.strip()):
        out.append(text)


def _finish(blocks: Iterable[str], headline: str) -> tuple[str, ...]:
    """Clean whitespace, split on hard breaks, drop empties, chrome lines and the headline."""
    out: list[str] = []
    for block in blocks:
        for line in block.split("\n\n"):
            text = _clean(line)
            if text and text != headline and not BOILERPLATE_LINES.match(text):
                out.append(text)
    return tuple(out)


def _cross_check(paragraphs: tuple[str, ...], article_body: str) -> tuple[str, ...]:
    """Use JSON-LD articleBody only when the DOM found clearly less text (never blindly: some
    sites truncate it, others fill it with the teaser)."""
    if not article_body:
        return paragraphs
    if sum(len(p) for p in paragraphs) >= ARTICLE_BODY_TRUST * len(article_body):
        return paragraphs
    return tuple(_clean(part) for part in ARTICLE_BODY_SPLIT.split(article_body) if part.strip())


# --- site profiles ------------------------------------------------------------------------------
def load_site_profiles(directory: Path = SITES_DIR) -> dict[str, SiteProfile]:
    """Read ``config/sites/*.yaml`` into profiles keyed by domain; errors name the file."""
    profiles: dict[str, SiteProfile] = {}
    for path in sorted(directory.glob("*.yaml")) if directory.is_dir() else ():
        profile = _parse_profile(path)
        profiles[profile.domain] = profile
    return profiles


def _parse_profile(path: Path) -> SiteProfile:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("domain"), str):
        raise ConfigError(f"{path}: domain: a site profile needs a 'domain' string")
    raw = data.get("selectors") or {}
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: selectors: expected a mapping of headline/body/exclude/captions")
    unknown = set(raw) - {"headline", "body", "exclude", "captions"}
    if unknown:
        raise ConfigError(f"{path}: selectors: unknown keys {sorted(unknown)}")
    exclude = raw.get("exclude") or ()
    selectors = Selectors(
        headline=raw.get("headline"),
        body=raw.get("body"),
        exclude=tuple([exclude] if isinstance(exclude, str) else exclude),
        captions=raw.get("captions"),
    )
    for name in ("headline", "body", "captions", "exclude"):
        for query in _as_queries(getattr(selectors, name)):
            _check_selector(path, name, query)
    return SiteProfile(domain=data["domain"].lower(), selectors=selectors)


def _as_queries(value: str | tuple[str, ...] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else value


def _check_selector(path: Path, name: str, query: Any) -> None:
    """Refuse a selector lexbor cannot parse at load time, not on the first fetch."""
    if not isinstance(query, str) or not query.strip():
        raise ConfigError(f"{path}: selectors.{name}: expected a CSS selector string")
    try:
        LexborHTMLParser("<p></p>").css(query)
    except SelectolaxError as exc:
        raise ConfigError(f"{path}: selectors.{name}: {query!r} is not a valid CSS selector") from exc


@lru_cache(maxsize=1)
def _default_profiles() -> dict[str, SiteProfile]:
    return load_site_profiles()


def profile_for(
    url: str | None, profiles: Mapping[str, SiteProfile] | None = None
) -> SiteProfile | None:
    """The profile for the URL's domain or any parent domain (``www.x.com`` -> ``x.com``)."""
    if not url:
        return None
    table = _default_profiles() if profiles is None else profiles
    try:
        host = (urlsplit(url).hostname or "").lower()
    except ValueError:
        return None
    while host:
        if host in table:
            return table[host]
        host = host.partition(".")[2]
    return None

"""HTML -> :class:`~worker.models.Article`: headline, byline, dates, body paragraphs, captions.

A version is only as honest as the extraction behind it: boilerplate that leaks into the body
turns into false alerts, and text that is dropped hides real edits. Signals are read cheapest
first: JSON-LD, then ``<meta>`` tags, then main-content detection over the DOM. Every selector
and hint word lives in a named constant below (data, not ``if`` chains), and a per-domain
:class:`~worker.models.SiteProfile` can override the generic path with CSS selectors.

How the body is found: every good paragraph credits its length to all its ancestors (paragraphs
under chrome such as ``<nav>`` or "related"/"comments" containers are left out); the winner is
the deepest container holding most of that text (less, if it names itself the article body);
the winner is then walked in document order, skipping chrome subtrees that hold little text,
and each block becomes one paragraph. JSON-LD ``articleBody`` is only a fallback for pages whose
DOM yields clearly less text (some sites truncate it).

selectolax (lexbor) is the only HTML library used at run time. Each CSS query walks the whole
tree, so the module asks one combined query (metadata, paragraphs, links in paragraphs,
captions) and answers the rest in Python; a second query runs only on pages with almost no
``<p>`` text. Per-node work stays in C where selectolax allows it: whitespace-only text nodes
are skipped while iterating, and class-word checks are cached per distinct class string.

Text is repaired where the source went one decoding step short: UTF-8 read as Latin-1/cp1252
(``Investor\\u00e2\\u0080\\u0099s``) is re-decoded in every field when that round-trips cleanly,
and headings also lose a twice-escaped entity (``&#x26;``), a label (``Title:``) and the glue
between parts the page sets on lines of their own.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from html import unescape
from typing import Any

from selectolax.lexbor import LexborHTMLParser, LexborNode, SelectolaxError

from worker.models import Article, Selectors, SiteProfile

EXTRACTOR_VERSION = "editwatch-extract/1.1"  # 1.1: headline and mojibake repair


def _words(*groups: str) -> tuple[str, ...]:
    """Word lists written as space-separated text, so the data reads like data."""
    return tuple(word for group in groups for word in group.split())


# --- metadata signals -------------------------------------------------------------------------
ARTICLE_TYPES = frozenset(
    _words(
        "NewsArticle Article ReportageNewsArticle AnalysisNewsArticle OpinionNewsArticle",
        "BlogPosting TechArticle Report LiveBlogPosting",
    )
)
HEAD_QUERY = 'meta[content], link[rel="canonical"], title, script[type="application/ld+json"]'
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
# Where the page itself shows the standfirst, the byline and captions: class words on a
# paragraph or on its parent (``<div class="standfirst"><p>...``), checked in Python on nodes the
# one document query returns anyway, because attribute-substring selectors are the slowest kind.
DOM_META_WORDS = re.compile(
    r"(?P<caption>wp-caption-text|caption)"
    r"|(?P<subheadline>standfirst|subhead|subtitle|(?<![a-z])dek(?![a-z]))"
    r"|(?P<byline>byline|author-name)"
)
MAX_H1 = 3
# Elements inside a heading that the page lays out as lines of their own: their words are kept
# apart (``<span class="title">...not.</span><div>Defining...``) instead of glued together.
HEADING_BREAK_TAGS = frozenset(_words("div p br h1 h2 h3 h4 h5 h6 li ul ol section header"))
HEADING_SKIP_TAGS = frozenset(_words("script style noscript template svg -comment"))
# A label set before the headline itself, as arXiv does (``<span>Title:</span>Attention...``).
HEADLINE_LABEL = re.compile(r"^(?:title|headline)\s*:\s*", re.IGNORECASE)
MAX_HEADLINE_CHARS = 180  # an <h1> longer than this is a teaser paragraph set large
MAX_SITE_NAME_CHARS = 30  # a longer last "| segment" of a title is part of the headline
MIN_TITLE_CHARS = 8
TITLE_SEPARATORS = re.compile(r"(\s+[|\-–—•·:]{1,2}\s+)")
TITLE_FOLD = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-", "…": "..."})

# --- main-content detection -------------------------------------------------------------------
# Paragraph-like elements whose text credits their ancestors; the fallback serves pages that set
# their text in bare <div>s and lists (menus would out-vote articles if lists always counted).
# Links only inside paragraphs: they are what makes a paragraph link-dense, and the page's many
# navigation links would otherwise all cross into Python.
CONTENT_QUERY = "p, pre, blockquote, p a, h1, h2, time[datetime], figcaption, br"
PARAGRAPH_TAGS = frozenset({"p", "pre", "blockquote"})
SCAN_QUERY = f"{HEAD_QUERY}, {CONTENT_QUERY}"
FALLBACK_CONTENT_QUERY = "div, li, td, span"
FALLBACK_TAGS = frozenset(FALLBACK_CONTENT_QUERY.replace(",", " ").split())
FALLBACK_BELOW_CHARS = 2000  # so few characters in paragraphs: look at bare text containers too
MIN_PARAGRAPH_CHARS = 40
MAX_PARAGRAPH_LINK_DENSITY = 0.5  # while scoring containers
MAX_BLOCK_LINK_DENSITY = 0.6  # while emitting blocks from the winner
LINK_ANCESTOR_LEVELS = 3  # ``p > em > a``: how far up a link's text counts against a paragraph
CLEAN_SHARE = 0.2  # hint-free paragraphs must keep this share of the text to be trusted alone
WINNER_SHARE = 0.62  # the winner holds at least this share of all good paragraph text
# A container that names itself the article body wins with a smaller share of the text.
POSITIVE_SHARE = 0.5
POSITIVE_HINTS = re.compile(
    r"article-?body|article__body|article-content|entry-content|post-content|post-body|"
    r"story-body|story-content|content-body|blog-post-content|articlebody|main-content"
)
POSITIVE_TAGS = frozenset({"article"})
# A hinted subtree is kept anyway when it holds real paragraph text: this share of the winner's,
# or this many characters (page builders put "share" or "meta" in content wrappers).
CAPTION_REACH = 2  # captions count up to this many levels above the body (lead images)
KEEP_SHARE = 0.25
KEEP_CHARS = 600
# Elements that start a block when found inside a list item, a cell or an inline wrapper.
NESTED_BLOCK_TAGS = frozenset(
    _words("p div ul ol table section article blockquote figure h2 h3 h4")
)
LEAF_BLOCK_TAGS = frozenset(_words("p h1 h2 h3 h4 h5 h6 pre"))  # never hold blocks worth splitting
WRAPPER_INLINE_TAGS = frozenset(_words("span font label"))  # page builders wrap blocks in these
MAX_LINK_CHECK_CHARS = 300
# What marks an element as chrome. Measured on the dev set: paragraphs under these ancestors are
# almost never article text, so they do not vote for the main container.
BOILERPLATE_TAGS = frozenset(_words("nav aside footer form menu dialog"))
WALK_BOILERPLATE_TAGS = BOILERPLATE_TAGS | {"header"}  # an article's <header> repeats its title
BOILERPLATE_ROLES = frozenset(_words("navigation complementary banner contentinfo search dialog"))
STRONG_HINTS = _words(
    "comment related popup modal signup sign-up subscribe author-bio authorbio",
    "author-box breadcrumb disqus yarpp jp-relatedposts",
)
# Inside the winning container, weaker words also mark chrome (a share bar, an ad slot), but only
# for subtrees that hold little paragraph text. Substrings for distinctive words, whole tokens for
# short ones that would otherwise match inside innocent words ("ad" in "header").
WEAK_HINTS = _words(
    "share social promo newsletter sidebar cookie advert sponsor recommend readmore",
    "read-more paywall byline tags toc table-of-contents author restricted",
)
WEAK_TOKENS = _words("ad ads nav menu footer header meta more banner print hidden date latest cta")


def _hint_matcher(pattern: re.Pattern[str]) -> Callable[[str], bool]:
    """A cached search of class/id words. Page builders repeat the same long class strings
    hundreds of times per page; the cache is per pattern because a compiled pattern in the
    cache key would hash its whole program on every call."""

    @lru_cache(maxsize=8192)
    def hinted(words: str) -> bool:
        return pattern.search(words.lower()) is not None

    return hinted


_STRONG_HINT = _hint_matcher(re.compile("|".join(re.escape(hint) for hint in STRONG_HINTS)))
_ANY_HINT = _hint_matcher(
    re.compile(
        "|".join(re.escape(hint) for hint in (*STRONG_HINTS, *WEAK_HINTS))
        + r"|(?<![a-z0-9])(?:"
        + "|".join(WEAK_TOKENS)
        + r")(?![a-z0-9])"
    )
)
BLOCK_TAGS = frozenset(_words("p h1 h2 h3 h4 h5 h6 li blockquote pre dt dd td th"))
INLINE_TAGS = frozenset(
    _words(
        "a abbr b bdi bdo cite code del dfn em font i ins kbd mark q s samp small span",
        "strong sub sup time u var label",
    )
)
SKIP_IN_BODY = frozenset(
    _words(
        "script style noscript template svg iframe button select input textarea figure",
        "picture img video audio canvas object h1 -comment",
    )
)
# Whole paragraphs that are site chrome, not article text: calls to action, widget titles and
# link labels. Each pattern must match the entire paragraph, so article sentences that merely
# contain these words are kept.
BOILERPLATE_LINE_PATTERNS = (
    r"advertisement",
    r"read (?:more|next)\b.*",
    r"related(?: coverage| articles| posts| stories| reading| blog posts)?:?",
    r"(?:popular|recent|latest|trending) (?:posts|articles|stories)",
    r"share(?: this| on)?(?: article| story| post)?(?: on)?(?: with your friends)?:?",
    r"share your story",
    r"(?:sign up|subscribe|join)\b.{0,60}",
    r"(?:get|receive) (?:more|the latest|our)\b.{0,50}",
    r"follow\b.{0,40}",
    r"stay connected.{0,30}",
    r"(?:click|tap) here to .*",
    r"you (?:may|might) (?:also )?(?:like|enjoy|be interested in).*",
    r"(?:leave|post|add) a (?:comment|reply|star rating).*",
    r"be the first to comment.*",
    r"what do you think\??",
    r"(?:contact us|get in touch)\b.{0,60}",
    r"(?:log ?in|sign in|home|privacy policy|terms of (?:use|service)|in partnership with)",
    r"(?:book|shop|buy|order) now!?",
    r"(?:see|view|check) (?:price|packages|deal|on amazon)\b.{0,30}",
    r"about the author:?",
    r"(?:article )?tags:?",
    r"pin (?:it )?for later!?",
    r"jump to (?:the )?(?:list|recipe|section).*",
    r"(?:written|reviewed|edited|fact[- ]checked|medically reviewed) by\b.{0,60}",
    r"(?:featured?|header|cover) image (?:by|via|credit)\b.*",
    r"(?:last )?(?:updated|published|posted)(?: on)?:? .{0,30}\d{4}\b.{0,40}",
    r"this (?:story|article|journalism|reporting) (?:is|was) "
    r"(?:funded|supported|made possible)\b.*",
)
BOILERPLATE_LINES = re.compile(
    "^[^\\w]*(?:" + "|".join(BOILERPLATE_LINE_PATTERNS) + r")[.!:]?$", re.IGNORECASE
)
# The words those lines start with: the regex only runs on paragraphs that begin with one.
BOILERPLATE_FIRST_WORDS = frozenset(
    _words(
        "advertisement read related popular recent latest trending share sign subscribe",
        "join get receive follow stay click tap you leave post add be what contact log",
        "login home privacy terms book shop buy order see view check about pin jump",
        "in article tags written reviewed edited fact fact-checked medically disclosure",
        "affiliate disclaimer feature featured header cover last updated published posted this",
    )
)
# Calls to action that sit inside a short paragraph rather than filling it; the markers are
# cheap substring tests that gate the regex.
BOILERPLATE_INSIDE_MARKERS = ("newsletter", "follow us on", "if you ", "will be ")
BOILERPLATE_INSIDE = re.compile(
    r"\b(?:sign up for|subscribe to) (?:our|the)\b.{0,40}\bnewsletter"
    r"|\bfollow us on (?:facebook|instagram|twitter|x|tiktok|linkedin|youtube)\b"
    r"|\bif you (?:liked|enjoyed) this (?:article|post|story)\b"
    r"|\byour (?:information|data|email) will be (?:processed|used|handled)\b",
    re.IGNORECASE,
)
MAX_BOILERPLATE_LINE = 200  # longer paragraphs are never a call to action
ARTICLE_BODY_SPLIT = re.compile(r"\n\s*\n|\n")
ARTICLE_BODY_TRUST = 0.5  # use JSON-LD articleBody when the DOM found less than this share
# Text that went through one decoding step too few. An entity still visible in a heading
# (``SQL &#x26; AI``) was escaped twice in the source; UTF-8 read as Latin-1 or cp1252 shows as a
# lead byte (U+00C2-U+00F4) followed by a continuation byte (0x80-0xBF, as Latin-1 reads it or as
# cp1252 does): ``Investor\u00e2\u0080\u0099s``.
LEFTOVER_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
MOJIBAKE = re.compile(
    "[\u00c2-\u00f4][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192"
    "\u02c6\u02dc\u2013\u2014\u2018-\u201a\u201c-\u201e\u2020-\u2022\u2026\u2030"
    "\u2039\u203a\u20ac\u2122]"
)
MOJIBAKE_LEADS = "".join(map(chr, range(0xC2, 0xF5)))  # each a fast substring test
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
        if not text or text.isspace():
            return Article(canonical_url=url or "")
        tree = LexborHTMLParser(text)
        return _extract(tree, url, profile.selectors if profile else Selectors())
    except _EXTRACT_FAILURES:
        # Broken documents are a fact of the web: an empty result lets the pipeline record the
        # check as "nothing usable" instead of crashing the worker.
        return Article(canonical_url=url or "")


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


def _select(tree: LexborHTMLParser, query: str | None) -> list[LexborNode]:
    """Nodes for a profile's selector; a selector lexbor rejects counts as matching nothing, so
    a typo in a site profile degrades to the generic path instead of an empty article."""
    if not query:
        return []
    try:
        return list(tree.css(query))
    except SelectolaxError:
        return []


def _extract(tree: LexborHTMLParser, url: str | None, selectors: Selectors) -> Article:
    for node in reversed(_select(tree, ", ".join(selectors.exclude))):
        node.decompose()  # reverse document order: descendants go before their ancestors
    scan = _scan(tree, selectors)
    signals = scan.signals
    headline = _headline(tree, signals, selectors)
    paragraphs, containers = _body(tree, selectors, scan, headline)
    return Article(
        headline=headline,
        subheadline=_subheadline(scan.subheadline, signals, headline, paragraphs),
        byline=_byline(signals, scan.byline),
        published=_first(
            _ld_str(signals.ld, "datePublished"), *_metas(signals, META_PUBLISHED), signals.time
        ),
        modified=_first(_ld_str(signals.ld, "dateModified"), *_metas(signals, META_MODIFIED)),
        paragraphs=paragraphs,
        captions=_captions(scan, containers),
        canonical_url=_first(signals.canonical, signals.meta.get("og:url", ""), url or ""),
        language=_language(tree, signals),
    )


# --- one pass over the document ---------------------------------------------------------------
@dataclass(slots=True)
class _Scan:
    """Everything one CSS query over the whole document tells, sorted by what each node is."""

    signals: _Signals = field(default_factory=_Signals)
    paragraphs: list[LexborNode] = field(default_factory=list)
    linked: dict[int, int] = field(default_factory=dict)  # link text per nearby ancestor
    texts: dict[int, str] = field(default_factory=dict)  # paragraph text, read once
    parent_roles: dict[int, str | None] = field(default_factory=dict)
    captions: list[tuple[LexborNode, str]] = field(default_factory=list)
    custom_captions: bool = False  # a site profile chose them: keep them all
    credit: dict[int, int] = field(default_factory=dict)  # paragraph text held per element
    subheadline: str = ""
    byline: str = ""


def _scan(tree: LexborHTMLParser, selectors: Selectors) -> _Scan:
    """One query for metadata, paragraphs, links and captions: each query walks the whole tree,
    so asking once and dispatching on the tag in Python is the cheap way."""
    scan = _Scan()
    scripts: list[str] = []
    headings: list[LexborNode] = []
    described: list[tuple[LexborNode, str]] = []  # the standfirst, the byline, captions
    for node in tree.css(SCAN_QUERY):
        tag = node.tag or ""
        if tag in PARAGRAPH_TAGS:
            scan.paragraphs.append(node)
            if role := _dom_meta_role(node, scan.parent_roles):
                described.append((node, role))
        elif tag == "a":
            _count_link(node, scan.linked)
        elif tag == "br":
            node.replace_with("\n")  # so no text() call glues the words on either side
        elif tag == "meta":
            _add_meta(node, scan.signals.meta)
        elif tag == "script":
            scripts.append(node.text(deep=True))
        elif tag == "figcaption":
            described.append((node, "caption"))
        elif tag == "h2":
            if role := _dom_meta_role(node, scan.parent_roles):
                described.append((node, role))
        elif tag == "h1":
            headings.append(node)
        else:
            _scan_other(node, tag, scan.signals)
    scan.signals.ld = _json_ld_article(scripts)
    for node, role in described:  # after the loop, so every <br> is a line break by now
        _add_dom_meta(node, role, scan)
    h1s = scan.signals.h1s
    for node in headings:
        if len(h1s) < MAX_H1 and (text := _heading_text(node)):
            h1s.append(text)
    if custom := _select(tree, selectors.captions):
        scan.captions = [(node, text) for node in custom if (text := _node_text(node))]
        scan.custom_captions = True
    return scan


def _scan_other(node: LexborNode, tag: str, signals: _Signals) -> None:
    if tag == "title" and not signals.title:
        signals.title = _repair(_clean(_unescape_leftover(node.text(deep=True))))
    elif tag == "link" and not signals.canonical:
        signals.canonical = _clean(node.attributes.get("href") or "")
    elif tag == "time" and not signals.time:
        signals.time = _clean(node.attributes.get("datetime") or "")


def _count_link(node: LexborNode, linked: dict[int, int]) -> None:
    """Charge a link's text to the few elements above it (``p > em > a``)."""
    size = len(node.text(deep=True).strip())
    parent = node.parent
    for _ in range(LINK_ANCESTOR_LEVELS):
        if parent is None:
            return
        linked[parent.mem_id] = linked.get(parent.mem_id, 0) + size
        parent = parent.parent


def _add_dom_meta(node: LexborNode, role: str, scan: _Scan) -> None:
    """Captions, the standfirst and the byline as the page shows them (see DOM_META_WORDS)."""
    text = _node_text(node)
    if not text:
        return
    if role == "caption":
        scan.captions.append((node, text))
    elif role == "subheadline" and not scan.subheadline:
        scan.subheadline = text
    elif role == "byline" and not scan.byline:
        scan.byline = text


def _dom_meta_role(node: LexborNode, parents: dict[int, str | None]) -> str | None:
    """The role its own class words give the element, else its parent's (``div.dek > p``).

    Paragraphs share parents, so each parent's role is looked up once (``parents``)."""
    words = node.attributes.get("class")
    if words and (role := _role_of_words(words)) is not None:
        return role
    parent = node.parent
    if parent is None:
        return None
    key = parent.mem_id
    if key not in parents:
        parents[key] = _class_role(parent)
    return parents[key]


def _class_role(node: LexborNode) -> str | None:
    attrs = node.attributes
    words = attrs.get("class") if attrs else None
    return _role_of_words(words) if words else None


@lru_cache(maxsize=4096)
def _role_of_words(words: str) -> str | None:
    match = DOM_META_WORDS.search(words.lower())
    return match.lastgroup if match else None


def _add_meta(node: LexborNode, found: dict[str, str]) -> None:
    """``<meta property|name|itemprop=... content=...>``; the first occurrence of a key wins."""
    attrs = node.attributes
    key = attrs.get("property") or attrs.get("name") or attrs.get("itemprop")
    content = attrs.get("content")
    if key and content and (content := _repair(_clean(unescape(content)))):
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
    return _repair(_clean(unescape(value))) if isinstance(value, str) else ""


def _first(*values: str) -> str:
    return next((value for value in values if value), "")


def _clean(text: str) -> str:
    """Whitespace runs to single spaces. Most text needs no change; ``isprintable`` is false
    for every whitespace character but the plain space, so that check finds it cheaply."""
    if text.isprintable() and "  " not in text:
        return text.strip()
    return " ".join(text.split())


def _node_text(node: LexborNode | None) -> str:
    return _repair(_clean(node.text(deep=True))) if node is not None else ""


# --- text repair --------------------------------------------------------------------------------
def _repair(text: str) -> str:
    """Undo UTF-8 that was read as Latin-1 or cp1252, but only when the text re-encodes to bytes
    that decode as UTF-8 without error (text that merely has accents never does)."""
    if text.isascii() or MOJIBAKE.search(text) is None:
        return text
    raw = _single_byte_form(text)
    if raw is None:
        return text
    try:
        return _clean(raw.decode("utf-8"))  # a repaired NBSP is whitespace like any other
    except UnicodeDecodeError:
        return text


def _repair_all(texts: list[str]) -> list[str]:
    """:func:`_repair` for a page's worth of texts, searched once: most pages need nothing."""
    joined = "\n".join(texts)
    if joined.isascii() or not any(lead in joined for lead in MOJIBAKE_LEADS):
        return texts  # ``in`` scans at memchr speed; the regex only runs when a lead is there
    if MOJIBAKE.search(joined) is None:
        return texts
    return [_repair(text) for text in texts]


def _single_byte_form(text: str) -> bytes | None:
    """The bytes a Latin-1/cp1252 reading turned into ``text``; None when no such bytes exist."""
    out = bytearray()
    for char in text:
        code = ord(char)
        if code < 0x100:
            out.append(code)
            continue
        try:
            out += char.encode("cp1252")
        except UnicodeEncodeError:
            return None
    return bytes(out)


def _unescape_leftover(text: str) -> str:
    """Unescape once more when an entity is still visible (the source escaped it twice)."""
    if "&" in text and LEFTOVER_ENTITY.search(text):
        return unescape(text)
    return text


def _heading_text(node: LexborNode) -> str:
    """A heading's text as readers see it: words on separate lines stay apart, a leftover entity
    is decoded, and a leading label such as ``Title:`` is dropped."""
    text = _repair(_clean(_unescape_leftover("".join(_heading_parts(node)))))
    return HEADLINE_LABEL.sub("", text, count=1) or text


def _heading_parts(node: LexborNode) -> list[str]:
    """The heading's text pieces in document order, a space around each line-level element
    (a loop, not recursion: a heading may hide absurdly deep markup)."""
    parts: list[str] = []
    pending: list[LexborNode | str] = [*reversed(list(node.iter(include_text=True)))]
    while pending:
        item = pending.pop()
        tag = item if isinstance(item, str) else item.tag or ""
        if isinstance(item, str):
            parts.append(item)
        elif tag == "-text":
            parts.append(item.text_content or "")
        elif tag not in HEADING_SKIP_TAGS:
            around = " " if tag in HEADING_BREAK_TAGS else ""
            pending.extend((around, *reversed(list(item.iter(include_text=True))), around))
    return parts


# --- headline, subheadline, byline, language ----------------------------------------------------
def _headline(tree: LexborHTMLParser, signals: _Signals, selectors: Selectors) -> str:
    """The visible ``<h1>`` when the metadata backs it (or it is the only one), else a vote.

    Readers see the ``<h1>``; metadata titles are written for search and social cards and often
    differ, so they only decide when the page has no single trustworthy ``<h1>``.
    """
    chosen = _select(tree, selectors.headline)
    if chosen and (text := _heading_text(chosen[0])):
        return text
    titles = [_ld_str(signals.ld, "headline"), *_metas(signals, META_HEADLINE)]
    titles = [title for title in titles if title]
    sites = _site_names(signals, [*titles, signals.title])
    h1s = [
        _strip_site(h1, sites)
        for h1 in signals.h1s
        if _title_key(h1) not in sites and len(h1) <= MAX_HEADLINE_CHARS
    ]
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
        if len(parts) > 1 and len(parts[-1]) <= MAX_SITE_NAME_CHARS:
            names.add(parts[-1])
    return {_title_key(name) for name in names if name.strip()}


def _strip_site(title: str, sites: set[str]) -> str:
    parts = TITLE_SEPARATORS.split(title)
    if len(parts) > 1 and _title_key(parts[-1]) in sites:
        return "".join(parts[:-2]).strip()
    return title


def _subheadline(dom: str, signals: _Signals, headline: str, body: tuple[str, ...]) -> str:
    """The standfirst as shown, else the metadata's; a description that merely repeats the
    headline or the start of the first paragraph is not a subheadline (it would report every
    lead edit twice)."""
    found = _first(
        dom, _ld_str(signals.ld, "alternativeHeadline"), *_metas(signals, META_SUBHEADLINE)
    )
    lead = found.rstrip(".… ")
    if found == headline or (body and lead and body[0].startswith(lead)):
        return ""
    return found


def _byline(signals: _Signals, dom: str) -> str:
    names = _ld_authors(signals.ld.get("author"))
    if names:
        return ", ".join(dict.fromkeys(names))
    return _first(*_metas(signals, META_BYLINE), dom)


def _ld_authors(author: Any) -> list[str]:
    if isinstance(author, str):
        return [_repair(_clean(unescape(author)))] if author.strip() else []
    if isinstance(author, dict):
        return _ld_authors(author.get("name"))
    if isinstance(author, list):
        return [name for item in author for name in _ld_authors(item)]
    return []


def _language(tree: LexborHTMLParser, signals: _Signals) -> str:
    root = tree.root
    lang = root.attributes.get("lang") if root is not None else None
    found = _first(
        _clean(lang or ""), *_metas(signals, META_LANGUAGE), _ld_str(signals.ld, "inLanguage")
    )
    return found.replace("_", "-")


# --- body: scoring ----------------------------------------------------------------------------
def _body(
    tree: LexborHTMLParser, selectors: Selectors, scan: _Scan, headline: str
) -> tuple[tuple[str, ...], list[LexborNode]]:
    """Paragraphs from the profile's body selector, else from the best-scoring container; and
    the container(s) they came from."""
    if containers := _select(tree, selectors.body):
        walks = ((node, _Walk.over(node, {}, scan)) for node in containers)
        blocks = [text for node, walk in walks for text in _blocks(node, walk, [])]
        return _finish(blocks, headline), containers
    winner = _winner(tree, scan)
    blocks = _blocks(winner, _Walk.over(winner, scan.credit, scan), []) if winner else []
    article_body = scan.signals.ld.get("articleBody")
    article_text = unescape(article_body) if isinstance(article_body, str) else ""
    return _cross_check(_finish(blocks, headline), article_text), [winner] if winner else []


def _captions(scan: _Scan, containers: list[LexborNode]) -> tuple[str, ...]:
    """Captions of the article's own figures: inside the body container or just above it (a lead
    image), never in chrome such as a "most viewed" rail, whose teaser captions rotate."""
    if scan.custom_captions or not containers:
        return tuple(dict.fromkeys(text for _, text in scan.captions))
    anchors = set()
    for container in containers:
        node: LexborNode | None = container
        for _ in range(CAPTION_REACH + 1):
            if node is None:
                break
            anchors.add(node.mem_id)
            node = node.parent
    kept = (text for node, text in scan.captions if _under(node, anchors))
    return tuple(dict.fromkeys(kept))


def _under(node: LexborNode, anchors: set[int]) -> bool:
    """Is ``node`` inside one of ``anchors`` with no chrome element in between?"""
    current = node.parent
    while current is not None:
        if current.mem_id in anchors:
            return True
        if _is_boilerplate(current, _STRONG_HINT, BOILERPLATE_TAGS):
            return False
        current = current.parent
    return False


def _winner(tree: LexborHTMLParser, scan: _Scan) -> LexborNode | None:
    """Score containers by the paragraph text they hold, then walk the winner.

    Pages that set their text in bare ``<div>``/``<span>`` runs have few good ``<p>``; for them
    the text-bearing containers are candidates too.
    """
    credit, nodes = _credit(scan.paragraphs, scan.linked, scan.texts)
    if max(credit.values(), default=0) < FALLBACK_BELOW_CHARS:
        bare = [node for node in tree.css(FALLBACK_CONTENT_QUERY) if _own_text(node).strip()]
        credit, nodes = _credit([*scan.paragraphs, *bare], scan.linked, scan.texts)
    scan.credit = credit
    return _pick_winner(credit, nodes) if credit else None


@dataclass(slots=True)
class _Ancestry:
    """The elements above the paragraphs, each looked at once: parent, depth, chrome or not."""

    nodes: dict[int, LexborNode] = field(default_factory=dict)
    parent: dict[int, int] = field(default_factory=dict)
    depth: dict[int, int] = field(default_factory=dict)
    tainted: dict[int, bool] = field(default_factory=dict)  # it or an ancestor is chrome

    def register(self, node: LexborNode) -> int:
        """Record ``node`` and its unknown ancestors; return its key."""
        depth = self.depth
        path: list[tuple[int, LexborNode, str]] = []
        current: LexborNode | None = node
        above: int | None = None
        while current is not None:
            key = current.mem_id
            if key in depth:
                above = key
                break
            tag = current.tag or ""
            if tag == "html":
                break
            path.append((key, current, tag))
            current = current.parent
        for key, element, tag in reversed(path):
            self.nodes[key] = element
            chrome = _is_boilerplate(element, _STRONG_HINT, BOILERPLATE_TAGS, tag)
            if above is None:
                depth[key], self.tainted[key] = 0, chrome
            else:
                self.parent[key] = above
                depth[key] = depth[above] + 1
                self.tainted[key] = chrome or self.tainted[above]
            above = key
        return node.mem_id

    def largest_total(self, direct: dict[int, int]) -> int:
        """The largest of :meth:`totals`, cheaply when one element holds all the others (it
        always does in a parsed document: ``<body>``)."""
        if sum(1 for level in self.depth.values() if level == 0) == 1:
            return sum(direct.values())
        return max(self.totals(direct).values(), default=0)

    def totals(self, direct: dict[int, int]) -> dict[int, int]:
        """Each element's own credit plus everything credited below it."""
        deepest_first = sorted(self.nodes, key=self.depth.__getitem__, reverse=True)
        parent = self.parent
        total = dict.fromkeys(deepest_first, 0)  # ordered deepest first: ties go to the deeper
        for key in deepest_first:
            total[key] += direct.get(key, 0)
            if key in parent:
                total[parent[key]] += total[key]
        return {key: size for key, size in total.items() if size}


def _credit(
    paragraphs: list[LexborNode], linked: Mapping[int, int], texts: dict[int, str]
) -> tuple[dict[int, int], dict[int, LexborNode]]:
    """Credit every good paragraph's length to each of its ancestors (keyed by ``mem_id``).

    Paragraphs under a boilerplate ancestor (``<nav>``, "related", "comments", ...) are left
    out, unless that would discard most of the page's text (a theme that hints its own content).
    """
    ancestry = _Ancestry()
    everything: dict[int, int] = {}
    clean: dict[int, int] = {}
    for node in paragraphs:
        own = node.mem_id
        if node.tag in FALLBACK_TAGS:
            text = _own_text(node)
        else:
            text = texts[own] = node.text(deep=True)
        size = len(text.strip())
        if size < MIN_PARAGRAPH_CHARS or linked.get(own, 0) > MAX_PARAGRAPH_LINK_DENSITY * size:
            continue
        parent = node.parent
        if parent is None:
            continue
        key = ancestry.register(parent)
        everything[key] = everything.get(key, 0) + size
        if not ancestry.tainted[key]:
            clean[key] = clean.get(key, 0) + size
    clean_totals = ancestry.totals(clean)
    if clean_totals and max(clean_totals.values()) >= CLEAN_SHARE * ancestry.largest_total(
        everything
    ):
        return clean_totals, ancestry.nodes
    return ancestry.totals(everything), ancestry.nodes


def _own_text(node: LexborNode) -> str:
    """Text directly inside the element (its text nodes), not its descendants'."""
    return str(node.text(deep=False))


def _is_boilerplate(
    node: LexborNode,
    hints: Callable[[str], bool] = _ANY_HINT,
    tags: frozenset[str] = WALK_BOILERPLATE_TAGS,
    tag: str | None = None,
) -> bool:
    """Does the element announce itself as chrome: by tag, ARIA role, or class/id words?

    ``tag`` spares reading the tag again when the caller already has it."""
    if (tag or node.tag) in tags:
        return True
    attrs = node.attributes
    if not attrs:
        return False
    if attrs.get("role") in BOILERPLATE_ROLES:
        return True
    classes, ident = attrs.get("class"), attrs.get("id")
    if not classes and not ident:
        return False
    return hints(f"{classes or ''} {ident or ''}")


def _pick_winner(credit: dict[int, int], nodes: dict[int, LexborNode]) -> LexborNode:
    """The deepest container that still holds most of the page's good paragraph text.

    Containers above the share threshold are nested in one another (two disjoint ones cannot
    both hold most of the text), so the one with the least credit is the tightest fit. A
    container that calls itself the article body needs a smaller share.
    """
    total = max(credit.values())
    chain = [key for key, size in credit.items() if size >= POSITIVE_SHARE * total]
    named = [key for key in chain if _names_itself_body(nodes[key])]
    if named:
        return nodes[min(named, key=credit.__getitem__)]
    chain = [key for key in chain if credit[key] >= WINNER_SHARE * total]
    return nodes[min(chain, key=credit.__getitem__)]


def _names_itself_body(node: LexborNode) -> bool:
    if node.tag in POSITIVE_TAGS:
        return True
    attrs = node.attributes
    if attrs.get("itemprop") == "articleBody":
        return True
    words = f"{attrs.get('class') or ''} {attrs.get('id') or ''}".lower()
    return POSITIVE_HINTS.search(words) is not None


# --- body: walking the winner -------------------------------------------------------------------
@dataclass(slots=True)
class _Walk:
    """What the body walk knows about the winner: paragraph credit, link text, texts read.

    Nothing here runs a CSS query per block (selectolax compiles a selector on every call):
    link text comes from the document scan, nesting from an element's direct children.
    """

    credit: Mapping[int, int]
    winner_credit: int
    linked: Mapping[int, int]  # link characters charged to the few elements above each link
    texts: Mapping[int, str]  # paragraph texts already read while scoring

    @classmethod
    def over(cls, winner: LexborNode, credit: Mapping[int, int], scan: _Scan) -> _Walk:
        return cls(credit, credit.get(winner.mem_id, 0), scan.linked, scan.texts)

    def holds_text(self, node: LexborNode) -> bool:
        size = self.credit.get(node.mem_id, 0)
        return size >= KEEP_CHARS or size >= KEEP_SHARE * self.winner_credit

    def mostly_links(self, node: LexborNode, tag: str, text: str) -> bool:
        size = len(text.strip())
        if size == 0:
            return True
        if tag == "p":
            linked = self.linked.get(node.mem_id, 0)
        elif size > MAX_LINK_CHECK_CHARS:
            return False  # a long list item or cell is text, whatever it links
        else:
            linked = _link_chars(node)
        return linked > MAX_BLOCK_LINK_DENSITY * size


def _link_chars(node: LexborNode) -> int:
    """Characters of link text under a short block, found by walking its few descendants
    (``node.css("a")`` would compile a selector for every list item and cell)."""
    total = 0
    pending = list(node.iter())
    while pending:
        element = pending.pop()
        if element.tag == "a":  # the HTML parser never nests links
            total += len(element.text(deep=True).strip())
        else:
            pending.extend(element.iter())
    return total


def _has_blocks(node: LexborNode) -> bool:
    """Does a direct child start a new block (``li > p``, ``span > div``)?"""
    return any(child.tag in NESTED_BLOCK_TAGS for child in node.iter())


def _blocks(node: LexborNode, walk: _Walk, out: list[str]) -> list[str]:
    """Walk a container in document order, appending one string per text block to ``out``.

    Whitespace-only text nodes (often half of all children: indentation) are skipped in C;
    the few that separate two inline runs are read back by :func:`_skipped_gap`.
    """
    inline: list[str] = []
    linked = 0
    for child in node.iter(include_text=True, skip_empty=True):
        tag = child.tag or ""
        if tag == "-text":
            text = child.text_content or ""
            if inline:
                inline.extend(_skipped_gap(child))
                inline.append(text)
            elif not text.isspace():  # indentation between blocks is not a block
                inline.append(text)
            continue
        if tag in INLINE_TAGS and (tag not in WRAPPER_INLINE_TAGS or not _has_blocks(child)):
            if inline:
                inline.extend(_skipped_gap(child))
            text = child.text(deep=True)
            inline.append(text)
            linked += len(text) if tag == "a" else walk.linked.get(child.mem_id, 0)
            continue
        if tag in SKIP_IN_BODY:
            continue
        if inline:
            _flush(inline, linked, out)
            inline, linked = [], 0
        if tag != "p" and not walk.holds_text(child) and _is_boilerplate(child, tag=tag):
            continue  # a chrome container; single paragraphs are judged by their text
        if tag in BLOCK_TAGS and (tag in LEAF_BLOCK_TAGS or not _has_blocks(child)):
            text = walk.texts.get(child.mem_id) or child.text(deep=True)
            if tag == "pre" or not walk.mostly_links(child, tag, text):
                out.append(text)
        else:
            _blocks(child, walk, out)
    if inline:
        _flush(inline, linked, out)
    return out


def _skipped_gap(node: LexborNode) -> list[str]:
    """The whitespace text nodes the walk skipped right before ``node`` (past skipped elements
    such as ``<script>``), in document order: they keep ``<a>x</a> <a>y</a>`` two words."""
    gap: list[str] = []
    previous = node.prev
    while previous is not None:
        if previous.is_empty_text_node:
            gap.append(previous.text_content or "")
        elif (previous.tag or "") not in SKIP_IN_BODY:
            break
        previous = previous.prev
    gap.reverse()
    return gap


def _flush(inline: list[str], linked: int, out: list[str]) -> None:
    """Emit collected inline text as one block unless it is mostly link labels."""
    text = "".join(inline)
    if not text.isspace() and linked <= MAX_BLOCK_LINK_DENSITY * len(text.strip()):
        out.append(text)


def _finish(blocks: Iterable[str], headline: str) -> tuple[str, ...]:
    """Clean whitespace, split on hard breaks, drop empties, chrome lines and the headline."""
    lines = _repair_all([_clean(line) for block in blocks for line in block.split("\n\n")])
    out: list[str] = []
    for text in lines:
        if (
            text
            and text != headline
            and (len(text) > MAX_BOILERPLATE_LINE or not _is_chrome_line(text))
        ):
            out.append(text)
    return tuple(out)


def _is_chrome_line(text: str) -> bool:
    """Is this short, cleaned line (single spaces only) site chrome rather than article text?"""
    lowered = text.lower()
    first = lowered.partition(" ")[0].strip(".:!?-—–*•|")
    starts_like_chrome = first in BOILERPLATE_FIRST_WORDS or not first[:1].isalnum()
    if starts_like_chrome and BOILERPLATE_LINES.match(text) is not None:
        return True
    for marker in BOILERPLATE_INSIDE_MARKERS:  # a plain loop: this runs for every short line
        if marker in lowered:
            return BOILERPLATE_INSIDE.search(text) is not None
    return False


def _cross_check(paragraphs: tuple[str, ...], article_body: str) -> tuple[str, ...]:
    """Use JSON-LD articleBody only when the DOM found clearly less text (never blindly: some
    sites truncate it, others fill it with the teaser)."""
    if not article_body:
        return paragraphs
    if sum(len(p) for p in paragraphs) >= ARTICLE_BODY_TRUST * len(article_body):
        return paragraphs
    parts = ARTICLE_BODY_SPLIT.split(article_body)
    return tuple(_repair_all([_clean(part) for part in parts if part.strip()]))

"""One pass over the document: metadata signals (JSON-LD, ``<meta>``, ``<title>``, ``<h1>``) and
the nodes the body stage needs (paragraphs, link text, captions, standfirst, byline).

selectolax (lexbor) is the only HTML library used at run time. Each CSS query walks the whole
tree, so this module asks one combined query (metadata, paragraphs, links in paragraphs,
captions) and answers the rest in Python; a second query runs only on pages with almost no
``<p>`` text. Per-node work stays in C where selectolax allows it: whitespace-only text nodes
are skipped while iterating, and class-word checks are cached per distinct class string.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from html import unescape
from typing import Any

from selectolax.lexbor import LexborHTMLParser, LexborNode, SelectolaxError

from worker.extract.rules import (
    ARTICLE_TYPES,
    AUTHOR_BIO_MARK,
    AUTHOR_BIO_QUERY,
    AUTHOR_LEVELS,
    CAPTION_BOX_CLASSES,
    DOM_META_STEMS,
    DOM_META_WORDS,
    FIELD_ROLES,
    LINK_ANCESTOR_LEVELS,
    LIVE_LD_TYPES,
    MAX_FIELD_LINE,
    META_SUBHEADLINE,
    PARAGRAPH_TAGS,
    SCAN_QUERY,
    TITLE_CLASS,
    TITLE_HEADING_TAGS,
)
from worker.extract.text import clean_text, node_text, repair, unescape_leftover
from worker.models import Selectors
from worker.textutil import alternation

CAPTION_BOX_TAGS = frozenset({"div", "span"})


@dataclass(slots=True)
class Signals:
    """Metadata read in one query before the body is touched."""

    ld: dict[str, Any] = field(default_factory=dict)
    # The live blog's JSON-LD object, wherever it sits (``@graph``, another script): a graph may
    # hold a NewsArticle first (``ld``) and the LiveBlogPosting with the entries after it.
    live_ld: dict[str, Any] = field(default_factory=dict)
    meta: dict[str, str] = field(default_factory=dict)
    # Every <h1>, and every h2/h3 with a title class, with its position in document order.
    h1s: list[tuple[int, LexborNode]] = field(default_factory=list)
    titled: list[tuple[int, LexborNode]] = field(default_factory=list)
    heading_texts: dict[int, str] = field(default_factory=dict)  # read once, by ``mem_id``
    title: str = ""
    canonical: str = ""
    time: str = ""
    times: list[LexborNode] = field(default_factory=list)  # every <time datetime>: live blogs


def select(tree: LexborHTMLParser, query: str | None) -> list[LexborNode]:
    """Nodes for a profile's selector; a selector lexbor rejects counts as matching nothing, so
    a typo in a site profile degrades to the generic path instead of an empty article."""
    if not query:
        return []
    try:
        return list(tree.css(query))
    except SelectolaxError:
        return []


@dataclass(slots=True)
class Scan:
    """Everything one CSS query over the whole document tells, sorted by what each node is."""

    signals: Signals = field(default_factory=Signals)
    paragraphs: list[LexborNode] = field(default_factory=list)
    linked: dict[int, int] = field(default_factory=dict)  # link text per nearby ancestor
    texts: dict[int, str] = field(default_factory=dict)  # paragraph text, read once
    parent_roles: dict[int, str | None] = field(default_factory=dict)
    captions: list[tuple[LexborNode, str]] = field(default_factory=list)
    custom_captions: bool = False  # a site profile chose them: keep them all
    credit: dict[int, int] = field(default_factory=dict)  # paragraph text held per element
    # Each element the scoring looked at: is it chrome itself (``score.is_chrome``)?
    chrome: dict[int, bool] = field(default_factory=dict)
    subheadline: str = ""
    byline: str = ""
    fields: set[int] = field(default_factory=set)  # bylines, datelines, hidden paragraphs
    hidden: set[int] = field(default_factory=set)  # those of ``fields`` hidden by a class


def scan_document(tree: LexborHTMLParser, selectors: Selectors) -> Scan:
    """One query for metadata, paragraphs, links and captions: each query walks the whole tree,
    so asking once and dispatching on the tag in Python is the cheap way."""
    scan = Scan()
    scripts: list[str] = []
    described: list[tuple[LexborNode, str]] = []  # the standfirst, the byline, captions
    for position, node in enumerate(tree.css(SCAN_QUERY)):
        tag = node.tag or ""
        if tag in PARAGRAPH_TAGS:
            scan.paragraphs.append(node)
            if role := _dom_meta_role(node, scan.parent_roles):
                described.append((node, role))
        elif tag == "a":
            _count_link(node, scan.linked)
            if _names_author(node):
                _mark_author(node, scan, described)
        elif tag == "br":
            node.replace_with("\n")  # so no text() call glues the words on either side
        elif tag == "meta":
            _add_meta(node, scan.signals.meta)
        elif tag == "script":
            scripts.append(node.text(deep=True))
        elif tag == "figcaption" or (tag in CAPTION_BOX_TAGS and _is_caption_box(node)):
            described.append((node, "caption"))
        elif tag in TITLE_HEADING_TAGS:
            _scan_heading(position, node, tag, scan, described)
        elif tag == "h1":
            scan.signals.h1s.append((position, node))
        elif _names_author(node):  # ``<span itemprop="author">`` inside a byline paragraph
            _mark_author(node, scan, described)
            _mark_biography(node)
        else:
            _scan_other(node, tag, scan.signals)
    scan.signals.ld, scan.signals.live_ld = _json_ld_article(scripts)
    for node, role in described:  # after the loop, so every <br> is a line break by now
        _add_dom_meta(node, role, scan)
    if custom := select(tree, selectors.captions):
        scan.captions = [(node, text) for node in custom if (text := node_text(node))]
        scan.custom_captions = True
    return scan


def _scan_heading(
    position: int,
    node: LexborNode,
    tag: str,
    scan: Scan,
    described: list[tuple[LexborNode, str]],
) -> None:
    """An ``<h2>`` may be the standfirst or byline; an h2/h3 with a title class, the headline."""
    classes = node.attributes.get("class")
    if classes and _names_title(classes):
        scan.signals.titled.append((position, node))
    elif tag == "h2" and (role := _dom_meta_role(node, scan.parent_roles)):
        described.append((node, role))


def _names_title(classes: str) -> bool:
    """TITLE_CLASS, searched only in class strings that hold one of its two words: for ASCII
    ones a lower-cased substring test tells (most headings' classes hold neither); any other
    string goes to the pattern, which folds case in its own way (``ı`` matches ``i``)."""
    if classes.isascii():
        lowered = classes.lower()
        if "title" not in lowered and "headline" not in lowered:
            return False
    return TITLE_CLASS.search(classes) is not None


def _scan_other(node: LexborNode, tag: str, signals: Signals) -> None:
    if tag == "title" and not signals.title:
        signals.title = repair(clean_text(unescape_leftover(node.text(deep=True))))
    elif tag == "link" and not signals.canonical:
        signals.canonical = clean_text(node.attributes.get("href") or "")
    elif tag == "time":
        signals.times.append(node)
        if not signals.time:
            signals.time = clean_text(node.attributes.get("datetime") or "")


def _is_caption_box(node: LexborNode) -> bool:
    """A ``<div class="caption">`` counts as a caption only beside an image (its parent holds
    an ``<img>``/``<picture>``), so a "caption" class on a layout box reads as text."""
    classes = set((node.attributes.get("class") or "").split())
    if not classes.intersection(CAPTION_BOX_CLASSES):
        return False
    parent = node.parent
    return parent is not None and parent.css_first("img, picture, amp-img") is not None


def _names_author(node: LexborNode) -> bool:
    attrs = node.attributes
    return attrs.get("rel") == "author" or attrs.get("itemprop") == "author"


def _mark_author(node: LexborNode, scan: Scan, described: list[tuple[LexborNode, str]]) -> None:
    """``<p><a rel="author">Jane Reporter</a>, Staff Writer</p>``: the paragraph holding an
    author link or an ``itemprop=author`` element is a byline, however it is worded."""
    current: LexborNode | None = node
    for _ in range(AUTHOR_LEVELS):
        if current is None:
            return
        if current.tag in PARAGRAPH_TAGS:
            described.append((current, "byline"))
            return
        current = current.parent


def _mark_biography(node: LexborNode) -> None:
    """An author Person with a description of its own is a biography box: mark it chrome (see
    AUTHOR_BIO_QUERY), so a biography longer than a short post never wins or joins the body."""
    attrs = node.attributes
    if "itemscope" in attrs and node.css_first(AUTHOR_BIO_QUERY) is not None:
        node.attrs["class"] = f"{attrs.get('class') or ''} {AUTHOR_BIO_MARK}"


def _count_link(node: LexborNode, linked: dict[int, int]) -> None:
    """Charge a link's text to the few elements above it (``p > em > a``)."""
    size = len(node.text(deep=True).strip())
    parent = node.parent
    for _ in range(LINK_ANCESTOR_LEVELS):
        if parent is None:
            return
        key = parent.mem_id
        linked[key] = linked.get(key, 0) + size
        parent = parent.parent


def _add_dom_meta(node: LexborNode, role: str, scan: Scan) -> None:
    """Captions, the standfirst and the byline as the page shows them (see DOM_META_WORDS)."""
    text = node_text(node)
    if not text:
        return
    if role == "hidden":
        scan.fields.add(node.mem_id)  # not shown at all
        scan.hidden.add(node.mem_id)
        return
    if role in FIELD_ROLES and len(text) <= MAX_FIELD_LINE:
        scan.fields.add(node.mem_id)  # shown in a field of its own
    if role == "caption":
        scan.captions.append((node, text))
    elif role == "subheadline" and not scan.subheadline:
        scan.subheadline = text
        if text in metas(scan.signals, META_SUBHEADLINE):
            scan.fields.add(node.mem_id)  # the standfirst the description repeats: a field
    elif role == "byline" and not scan.byline and len(text) <= MAX_FIELD_LINE:
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


_DOM_META_STEM = re.compile(alternation(DOM_META_STEMS))


@lru_cache(maxsize=4096)
def _role_of_words(words: str) -> str | None:
    lowered = words.lower()
    if _DOM_META_STEM.search(lowered) is None:
        return None  # no role word can be there (see DOM_META_STEMS)
    match = DOM_META_WORDS.search(lowered)
    return match.lastgroup if match else None


def _add_meta(node: LexborNode, found: dict[str, str]) -> None:
    """``<meta property|name|itemprop=... content=...>``; the first occurrence of a key wins."""
    attrs = node.attributes
    key = attrs.get("property") or attrs.get("name") or attrs.get("itemprop")
    content = attrs.get("content")
    if not key or not content or (key := key.strip().lower()) in found:
        return  # a repeated key (``article:tag``, ``og:image``) is not cleaned to be dropped
    if content := repair(clean_text(unescape(content))):
        found[key] = content


def _json_ld_article(scripts: Iterable[str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The first JSON-LD object whose @type is an article type (searching ``@graph`` too), and
    the first live blog (``LiveBlogPosting``) wherever it sits, or {} for either.

    Once the article is found, a later script is parsed only when its text names a live-blog
    type: most pages have none, and then nothing more is parsed than before."""
    article: dict[str, Any] = {}
    for script in scripts:
        if article and not any(kind in script for kind in LIVE_LD_TYPES):
            continue
        try:
            data = json.loads(script, strict=False)
        except (json.JSONDecodeError, RecursionError):
            continue
        for obj in _json_ld_objects(data):
            kinds = obj.get("@type")
            kinds = set(kinds) if isinstance(kinds, list) else {kinds}
            if not article and not kinds.isdisjoint(ARTICLE_TYPES):
                article = obj
            if not kinds.isdisjoint(LIVE_LD_TYPES):
                return article, obj
    return article, {}


def _json_ld_objects(data: Any) -> Iterator[dict[str, Any]]:
    if isinstance(data, list):
        for item in data:
            yield from _json_ld_objects(item)
    elif isinstance(data, dict):
        yield data
        if "@graph" in data:
            yield from _json_ld_objects(data["@graph"])


def metas(signals: Signals, keys: Iterable[str]) -> list[str]:
    return [signals.meta.get(key, "") for key in keys]


# JSON-LD properties that name the article's own address, in the order they are trusted.
LD_ADDRESS_KEYS = ("mainEntityOfPage", "url", "@id")


def ld_address(ld: Mapping[str, Any]) -> str:
    """The article's address as its JSON-LD gives it (``mainEntityOfPage``, ``url``, ``@id``;
    a nested ``{"@id": ...}`` too); "" when none is an absolute http(s) URL (``#article``)."""
    for key in LD_ADDRESS_KEYS:
        value = ld.get(key)
        if isinstance(value, Mapping):
            value = value.get("@id") or value.get("url")
        if isinstance(value, str) and value.strip().lower().startswith(("http://", "https://")):
            return clean_text(value)
    return ""


def ld_str(ld: Mapping[str, Any], key: str) -> str:
    value = ld.get(key)
    if isinstance(value, list) and value:
        value = value[0]
    return repair(clean_text(unescape(value))) if isinstance(value, str) else ""

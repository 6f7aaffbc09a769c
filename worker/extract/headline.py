"""The article's short fields: headline, subheadline, byline and language.

Each is chosen from the signals the document scan collected: what the page shows, backed or
outvoted by what its metadata says. The headline is the one readers see: a visible ``<h1>`` is
kept exactly as shown (an added `` – update`` tail is an edit), and only the metadata titles
lose the site's own name, never an arbitrary tail.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import lru_cache
from html import unescape
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

from worker.extract.classes import hint_matcher
from worker.extract.rules import (
    BOILERPLATE_TAGS,
    BYLINE_HINTS,
    BYLINE_LEVELS,
    BYLINE_LINE_HINTS,
    BYLINE_PREFIX,
    BYLINE_QUERY,
    BYLINE_TAIL,
    DATE_LINES,
    FIELD_FIRST_WORDS,
    FIELD_LINES,
    LINE_DATE,
    MAX_BYLINE_CHARS,
    MAX_BYLINE_WORDS,
    MAX_FIELD_LINE,
    MAX_H1,
    MAX_HEADLINE_CHARS,
    META_BYLINE,
    META_HEADLINE,
    META_LANGUAGE,
    META_SITE_NAME,
    META_SUBHEADLINE,
    MIN_TITLE_CHARS,
    MIN_TITLE_OVERLAP,
    SECOND_LEVEL_LABELS,
    SITE_PREFIX_END,
    TITLE_SEPARATORS,
    UNSPACED_SCRIPTS_FROM,
)
from worker.extract.score import has_strong_hint, is_boilerplate
from worker.extract.signals import Scan, Signals, ld_str, metas, select
from worker.extract.text import clean_text, first_of, heading_text, repair
from worker.models import Selectors
from worker.normalize import normalize_text

_WORD = re.compile(r"\w+")


def headline_of(
    tree: LexborHTMLParser, signals: Signals, selectors: Selectors, url: str | None = None
) -> str:
    """The visible headline: an ``<h1>`` (or a heading with a title class) that the metadata
    backs, else the first visible one, else the metadata title without the site's name.

    Readers see the page's heading; metadata titles are written for search and social cards and
    often differ, so they only pick among visible headings or stand in when there are none.
    """
    chosen = select(tree, selectors.headline)
    if chosen and (text := heading_text(chosen[0])):
        return text
    sites = SiteNames.of(signals, url)
    claims = [sites.strip(title) for title in _metadata_titles(signals)]
    claims = [claim for claim in claims if len(claim) >= MIN_TITLE_CHARS]
    page_title = sites.strip(signals.title)
    known: dict[int, bool] = {}  # elements' chrome answers, shared by the two lists' walks
    h1s = _Visible(signals.h1s, sites, signals.heading_texts, known)
    titled = _Visible(signals.titled, sites, signals.heading_texts, known)
    backing = [*claims, page_title]
    return (
        _first_backed(h1s, backing)
        or _first_backed(titled, backing)
        or _lone_heading(h1s.all(), titled.all())
        or _vote(backing)
        or (h1s.all() or titled.all() or [(0, "")])[0][1]
    )


def _metadata_titles(signals: Signals) -> list[str]:
    return [
        title for title in (ld_str(signals.ld, "headline"), *metas(signals, META_HEADLINE)) if title
    ]


class _Visible:
    """Headings outside chrome (a mega-menu, a subscribe overlay) that are not the site's name
    (a logo set in an ``<h1>``), each with its document position (``known``: see
    :func:`_in_chrome`), read only as far as they are asked for: most pages' first visible
    ``<h1>`` is the backed one, and then no other heading needs its text and its ancestors
    read. Each heading read is in ``texts`` (:func:`headline_node` finds the chosen one there);
    at most ``MAX_H1`` are found."""

    __slots__ = ("found", "known", "pending", "sites", "texts")

    def __init__(
        self,
        nodes: Iterable[tuple[int, LexborNode]],
        sites: SiteNames,
        texts: dict[int, str],
        known: dict[int, bool],
    ) -> None:
        self.found: list[tuple[int, str]] = []
        self.pending = iter(nodes)
        self.sites, self.texts, self.known = sites, texts, known

    def __iter__(self) -> Iterator[tuple[int, str]]:
        index = 0
        while index < len(self.found) or self._next():
            yield self.found[index]
            index += 1

    def all(self) -> list[tuple[int, str]]:
        """Every visible heading (up to ``MAX_H1``)."""
        while self._next():
            pass
        return self.found

    def _next(self) -> bool:
        """Read headings until one more is visible; False when none is left to find."""
        while len(self.found) < MAX_H1:
            if (item := next(self.pending, None)) is None:
                return False
            position, node = item
            text = self.texts[node.mem_id] = heading_text(node)
            too_long = len(text) > MAX_HEADLINE_CHARS
            if too_long or not text or self.sites.is_site(text) or _links_home(node, text):
                continue
            if not _in_chrome(node, self.known):
                self.found.append((position, text))
                return True
        return False


def _links_home(node: LexborNode, text: str) -> bool:
    """Is the heading the site's logo: all its text one link to the home page (``<h1><a
    href="/" rel="home">Site</a></h1>``), whatever the site calls itself?"""
    link = node.css_first("a[href]")
    if link is None or clean_text(link.text(deep=True)) != text:
        return False
    if "home" in (link.attributes.get("rel") or "").split():
        return True
    return urlsplit(link.attributes.get("href") or "").path in ("", "/")


def _in_chrome(node: LexborNode, known: dict[int, bool]) -> bool:
    """Is the heading, or an element above it, chrome? Headings share their ancestors (the
    page's wrappers), so each element's answer is kept in ``known`` (by ``mem_id``) for the
    page's other headings, whose walk up stops at the first element already answered."""
    chain: list[int] = []
    current: LexborNode | None = node  # the heading itself may be hidden (``h1.d-none``)
    verdict = False
    while current is not None and (tag := current.tag) not in ("body", "html"):
        key = current.mem_id
        if (seen := known.get(key)) is not None:
            verdict = seen
            break
        chain.append(key)
        if is_boilerplate(current, has_strong_hint, BOILERPLATE_TAGS, tag):
            verdict = True
            break
        current = current.parent
    for key in chain:
        known[key] = verdict
    return verdict


def _first_backed(headings: Iterable[tuple[int, str]], claims: list[str]) -> str:
    """The first heading whose words mostly agree with a metadata title, or that starts it
    when the heading is in a script written without spaces (``标题`` in ``标题_频道_站点``)."""
    for _, text in headings:
        words = _words(text)
        for claim in claims:
            if _unspaced_start(text, claim):
                return text
            other = _words(claim)
            if (
                words
                and other
                and len(words & other) >= MIN_TITLE_OVERLAP * max(len(words), len(other))
            ):
                return text
    return ""


def _unspaced_start(text: str, claim: str) -> bool:
    if len(text) < MIN_TITLE_CHARS or max(text) < UNSPACED_SCRIPTS_FROM:
        return False
    key, other = _title_key(text), _title_key(claim)
    return other.startswith(key) and (len(other) == len(key) or not other[len(key)].isalnum())


def _lone_heading(h1s: list[tuple[int, str]], titled: list[tuple[int, str]]) -> str:
    """With no heading backed by the metadata, a lone one is still what readers see: the one
    visible ``<h1>``, or the one title-class heading, whichever comes first. Several of either
    (section headings set as ``<h1>``, a list of teaser titles) say nothing: the metadata
    decides."""
    if len(h1s) > 1 or len(titled) > 1:
        return ""
    candidates = [*h1s, *titled]
    return min(candidates)[1] if candidates else ""


def _words(text: str) -> set[str]:
    return set(_WORD.findall(_title_key(text)))


def _vote(sources: list[str]) -> str:
    """The metadata title the most sources agree on: a source counts for a title when it is
    that title or that title with a tail (``X`` is backed by ``X - Site``); ties go to the
    earlier source (JSON-LD and og:title before ``<title>``)."""
    sources = [source for source in sources if source]
    if not sources:
        return ""
    keys = [_title_key(source) for source in sources]

    def support(index: int) -> int:
        key = keys[index]
        return sum(other == key or _extends(other, key) for other in keys)

    best = max(range(len(sources)), key=lambda index: (support(index), -index))
    return sources[best]


def _extends(longer: str, shorter: str) -> bool:
    """Is ``longer`` the title ``shorter`` with a separated tail (``X | Site``)?"""
    if not longer.startswith(shorter) or len(longer) == len(shorter):
        return False
    return TITLE_SEPARATORS.match(longer, len(shorter)) is not None


@lru_cache(maxsize=1024)
def _title_key(title: str) -> str:
    """The title compared as words (NFKC, folded case); cached, since a page's few titles and
    headings are compared with each other and with the site's names several times over."""
    return normalize_text(title).casefold()


class SiteNames:
    """The publisher's own name, as the page gives it: og:site_name, application-name, the
    JSON-LD publisher, the registrable domain's label (``bbc`` in ``www.bbc.co.uk``), and the
    part of ``<title>`` around the metadata headline (``Site: Story`` beside og:title ``Story``).

    Only these are stripped from a metadata title: an arbitrary `` – tail`` is part of the
    headline, and adding one is an edit readers see.
    """

    __slots__ = ("keys", "labels")

    def __init__(self, names: Iterable[str], host: str) -> None:
        self.keys = {key for name in names if (key := _title_key(name))}
        self.labels = _domain_labels(host)

    @classmethod
    def of(cls, signals: Signals, url: str | None) -> SiteNames:
        names = [*metas(signals, META_SITE_NAME), *_publisher_names(signals.ld.get("publisher"))]
        for claim in _metadata_titles(signals):
            names.extend(_around(signals.title, claim))
        host = urlsplit(first_of(signals.canonical, url or "")).hostname or ""
        return cls(names, host)

    def is_site(self, text: str) -> bool:
        key = _title_key(text)
        return key in self.keys or "".join(_WORD.findall(key)) in self.labels

    def strip(self, title: str) -> str:
        """``Story | Site`` and ``Site: Story`` -> ``Story``; any other title as it is."""
        parts = TITLE_SEPARATORS.split(title)
        while len(parts) > 2 and self.is_site(parts[-1]):
            parts = parts[:-2]
        if len(parts) > 2 and self.is_site(parts[0]):
            parts = parts[2:]
        title = "".join(parts).strip()
        head, colon, rest = title.partition(":")
        if colon and rest.strip() and self.is_site(head):
            return rest.strip()
        return title


def _around(title: str, claim: str) -> list[str]:
    """What ``<title>`` adds around the metadata headline, when it is separated like a name."""
    if not title or not claim or title == claim:
        return []
    if title.startswith(claim) and (tail := TITLE_SEPARATORS.match(title, len(claim))):
        return [title[tail.end() :]]
    if title.endswith(claim) and (match := SITE_PREFIX_END.search(title[: -len(claim)])):
        return [title[: match.start()]]
    return []


def _publisher_names(publisher: Any) -> list[str]:
    if isinstance(publisher, list):
        return [name for item in publisher for name in _publisher_names(item)]
    if isinstance(publisher, dict) and isinstance(publisher.get("name"), str):
        return [publisher["name"]]
    return []


def _domain_labels(host: str) -> frozenset[str]:
    """``www.security.org`` -> {"security", "securityorg"}; ``www.bbc.co.uk`` -> {"bbc", ...}."""
    labels = [label for label in host.lower().split(".") if label and label != "www"]
    if len(labels) < 2:
        return frozenset(labels)
    suffix = labels[-1:]
    if len(labels) > 2 and labels[-2] in SECOND_LEVEL_LABELS:
        suffix = labels[-2:]
    name = labels[-len(suffix) - 1]
    return frozenset({name, name + "".join(suffix), name.replace("-", "")})


def subheadline_of(dom: str, signals: Signals, headline: str, body: tuple[str, ...]) -> str:
    """The standfirst as shown, else the metadata's; a description that merely repeats the
    headline or the start of the first paragraph is not a subheadline (it would report every
    lead edit twice)."""
    found = first_of(
        dom, ld_str(signals.ld, "alternativeHeadline"), *metas(signals, META_SUBHEADLINE)
    )
    lead = found.rstrip(".… ")
    if found == headline or (body and lead and body[0].startswith(lead)):
        return ""
    return found


class Byline(NamedTuple):
    """The byline's name, and the date the page set on the same line (``Von Markus Brandt |
    18.10.2018, 14:22 Uhr``) when the name was read from the page's own line."""

    name: str
    date: str = ""


def byline_of(
    tree: LexborHTMLParser, scan: Scan, body: tuple[str, ...], anchor: LexborNode | None
) -> Byline:
    """The author as the metadata names them, else as the page shows them: the byline the scan
    found (``p.byline``, an author link's paragraph), else one the page sets elsewhere (see
    BYLINE_QUERY), else a plain paragraph the body left out as a byline line (``<p>Von Anna
    Müller</p>``), read only then. A meta ``author`` that is a profile URL names no one."""
    signals, dom = scan.signals, scan.byline
    names = _ld_authors(signals.ld.get("author"))
    if names:
        return Byline(", ".join(dict.fromkeys(names)))
    named = [value for value in metas(signals, META_BYLINE) if value and "://" not in value]
    if named:
        return Byline(named[0])
    if name := byline_name(dom):
        return Byline(name, _line_date(dom))
    shown = _shown_byline(_byline_area(tree, anchor))
    return shown if shown.name else _byline_paragraph(scan, body)


def _byline_paragraph(scan: Scan, body: tuple[str, ...]) -> Byline:
    """A paragraph that opens with a byline prefix and is all a byline line (FIELD_LINES, as
    the body walk reads it), and that the body left out: "By Tuesday the river rose." is a
    sentence and stays in the body. Texts the scoring read already are not read again."""
    kept, texts = set(body), scan.texts
    for node in scan.paragraphs:
        raw = texts.get(node.mem_id)
        if raw is None:
            raw = node.text(deep=True)
        if len(raw) > 2 * MAX_FIELD_LINE:
            continue  # a byline line is short even before its whitespace is collapsed
        line = clean_text(raw)
        if not BYLINE_PREFIX.match(line) or line in kept or not FIELD_LINES.match(line):
            continue
        if name := byline_name(line, prefixed=True):
            return Byline(repair(name), _line_date(line))
    return Byline("")


def _line_date(line: str) -> str:
    found = LINE_DATE.search(line)
    return found.group(0).strip(" ,") if found else ""


def byline_name(text: str, prefixed: bool = False) -> str:
    """``By Jane Doe | 12.03.2018`` -> ``Jane Doe``: the prefix and what follows a separator or
    a date go; what is left is a name only when short, without digits and not a sentence ("" for
    a bare label such as "Posted by:"). ``prefixed``: only a line that opens with a prefix."""
    name = BYLINE_PREFIX.sub("", text, count=1)
    if (prefixed and name == text) or DATE_LINES.match(name):
        return ""
    name = BYLINE_TAIL.split(name, maxsplit=1)[0].strip(" ,;:–—-").replace(" ,", ",")
    words = name.split()
    if not words or len(name) > MAX_BYLINE_CHARS or len(words) > MAX_BYLINE_WORDS:
        return ""
    if any(char.isdigit() for char in name) or name[-1] in "!?:":
        return ""
    if name.lower() in FIELD_FIRST_WORDS:  # "Updated January 8, 2026": a stamp, no name
        return ""
    return "" if name[-1] == "." and len(words[-1]) > 3 else name


_names_author = hint_matcher(BYLINE_HINTS)
_names_line = hint_matcher(BYLINE_LINE_HINTS)


def _byline_area(tree: LexborHTMLParser, anchor: LexborNode | None) -> LexborNode | None:
    """Where the byline is looked for: around the visible headline (BYLINE_LEVELS above it:
    the article's header and the block that holds it), else the whole body. Half the cost of
    the query, and a teaser's "By ..." in a sidebar is not read."""
    if anchor is None:
        return tree.body
    area = anchor
    for _ in range(BYLINE_LEVELS):
        if area.parent is None or area.parent.tag in ("body", "html"):
            break
        area = area.parent
    return area


def _shown_byline(area: LexborNode | None) -> Byline:
    """The first byline the page shows outside chrome (comments, author boxes, menus): an
    element named for the author, an author link, or a meta line that opens with "By"."""
    known: dict[int, bool] = {}
    for node in area.css(BYLINE_QUERY) if area is not None else ():
        attrs = node.attributes
        classes = attrs.get("class") or ""
        author = "author" in (attrs.get("rel") or "", attrs.get("itemprop") or "")
        if not (author or _names_author(classes)) and not _names_line(classes):
            continue
        prefixed = not author and not _names_author(classes)
        # its parts apart: ``<span>By</span><a>Jane</a><div>Published ...</div>``
        line = clean_text(node.text(deep=True, separator=" "))
        name = byline_name(line, prefixed)
        if name and not _in_chrome(node, known):
            return Byline(repair(name), _line_date(line))
    return Byline("")


def _ld_authors(author: Any) -> list[str]:
    if isinstance(author, str):
        return [repair(clean_text(unescape(author)))] if author.strip() else []
    if isinstance(author, dict):
        return _ld_authors(author.get("name"))
    if isinstance(author, list):
        return [name for item in author for name in _ld_authors(item)]
    return []


def language_of(tree: LexborHTMLParser, signals: Signals) -> str:
    root = tree.root
    lang = root.attributes.get("lang") if root is not None else None
    found = first_of(
        clean_text(lang or ""), *metas(signals, META_LANGUAGE), ld_str(signals.ld, "inLanguage")
    )
    return found.replace("_", "-")


def headline_node(signals: Signals, headline: str) -> LexborNode | None:
    """The visible element the headline was read from (an ``<h1>`` or a title-class heading)."""
    if not headline:
        return None
    texts = signals.heading_texts
    for _, node in (*signals.h1s, *signals.titled):
        if texts.get(node.mem_id) == headline:
            return node
    return None

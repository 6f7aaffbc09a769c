"""The article's short fields: headline, subheadline, byline and language.

Each is chosen from the signals the document scan collected: what the page shows, backed or
outvoted by what its metadata says.
"""

from __future__ import annotations

from collections.abc import Iterator
from html import unescape
from typing import Any

from selectolax.lexbor import LexborHTMLParser

from worker.extract.rules import (
    MAX_HEADLINE_CHARS,
    MAX_SITE_NAME_CHARS,
    META_BYLINE,
    META_HEADLINE,
    META_LANGUAGE,
    META_SITE_NAME,
    META_SUBHEADLINE,
    MIN_TITLE_CHARS,
    TITLE_SEPARATORS,
)
from worker.extract.signals import Signals, ld_str, metas, select
from worker.extract.text import clean_text, first_of, heading_text, repair
from worker.models import Selectors
from worker.normalize import normalize_text


def headline_of(tree: LexborHTMLParser, signals: Signals, selectors: Selectors) -> str:
    """The visible ``<h1>`` when the metadata backs it (or it is the only one), else a vote.

    Readers see the ``<h1>``; metadata titles are written for search and social cards and often
    differ, so they only decide when the page has no single trustworthy ``<h1>``.
    """
    chosen = select(tree, selectors.headline)
    if chosen and (text := heading_text(chosen[0])):
        return text
    titles = [ld_str(signals.ld, "headline"), *metas(signals, META_HEADLINE)]
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
    return normalize_text(title).casefold()


def _site_names(signals: Signals, titles: list[str]) -> set[str]:
    """The publisher's name as the page spells it: og:site_name, JSON-LD publisher, or the last
    ``| Site`` segment of a title. A logo in an ``<h1>`` is not a headline."""
    names = set(metas(signals, META_SITE_NAME))
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


def byline_of(signals: Signals, dom: str) -> str:
    names = _ld_authors(signals.ld.get("author"))
    if names:
        return ", ".join(dict.fromkeys(names))
    return first_of(*metas(signals, META_BYLINE), dom)


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

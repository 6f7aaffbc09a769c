"""Which article a fetched page is: one history across slug changes, redirects and new links.

The rules (README, "One article across URL changes"):

1. **The address.** The page's own claim (``<link rel=canonical>``, else ``og:url``, else the
   JSON-LD ``mainEntityOfPage`` / ``url`` / ``@id``: extraction's ``canonical_url``) is the
   article's address when it is a web address on the same registrable domain as the address
   the fetch ended at, and not that site's front page or a section above the article. Else the
   address is where the fetch ended, its redirects followed: a redirect may move an article to
   another host (the server said so), a canonical link may not (that is syndication).
2. **A move.** Addresses are compared by :func:`worker.urls.identity_key` (AMP, ``www.``,
   scheme, trailing slash and tracking parameters aside). A new key is a change of kind
   ``url`` on the same history; the first address read (a new watch, or the first check after
   the upgrade) is adopted silently.
3. **Two watches, one article.** An address already held by another watch is the same article
   when the fetch ended there (a redirect), or, for a canonical link, when both pages show the
   same headline and first paragraph, or the same text: the older watch carries on, the
   newer one is merged into it and no longer checked (its stored versions stay). When the
   other watch has not read its page yet, the claim stands and a later check compares them.
   Otherwise the claim is a canonical link shared by different articles and is ignored: the
   address is where the fetch ended, silently (the article did not move).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from worker.models import Article, FetchResult, Version
from worker.normalize import fingerprint, normalize_article
from worker.store import ArticleAddress, Store
from worker.urls import clean_url, identity_key, is_front_of, registrable_domain


@dataclass(frozen=True, slots=True)
class Placement:
    """Where a fetched article belongs: its address, or the watch that follows it instead."""

    url: str
    merged_into: int | None = None  # set when this watch stops: the other one is older
    rejected: str = ""  # a canonical claim ignored: another article's page holds it


def claimed_address(page: FetchResult, article: Article) -> str:
    """Rule 1: the page's trusted claim, else the address the fetch ended at."""
    fetched = clean_url(page.final_url) or page.final_url
    claim = clean_url(article.canonical_url, page.final_url)
    return claim if claim and trusted_claim(claim, fetched) else fetched


def trusted_claim(claim: str, fetched: str) -> bool:
    """Same registrable domain, and not the front page or a section above the article."""
    if not identity_key(claim):
        return False
    same_site = registrable_domain(claim) == registrable_domain(fetched)
    return same_site and not is_front_of(claim, fetched)


def place(
    watch_id: int, page: FetchResult, article: Article, store: Store, held: frozenset[str]
) -> Placement:
    """Rules 1 and 3: the article's address, merging with the watch that already holds it.

    ``held`` are the identity keys this (unmerged) watch holds: an address among them is its
    own, with no look-up (most checks).
    """
    address = claimed_address(page, article)
    if identity_key(address) in held:
        return Placement(address)
    owner = store.address_owner(address)
    if owner is None or owner == watch_id:
        return Placement(address)
    theirs = store.current_version(owner)
    if _fetched_at(page, address) or _same_text(article, theirs):
        keeper, retired = min(watch_id, owner), max(watch_id, owner)
        store.merge_watches(retired, keeper)
        return Placement(address, merged_into=keeper if retired == watch_id else None)
    if theirs is None:  # the other watch has not read its page yet: the next check compares
        return Placement(address)
    return Placement(clean_url(page.final_url) or page.final_url, rejected=address)


def _fetched_at(page: FetchResult, address: str) -> bool:
    """Did this fetch end at the address itself (a redirect there, or two spellings of one
    URL watched)? Then both watches read the very same page."""
    return identity_key(page.final_url) == identity_key(address)


def _same_text(article: Article, theirs: Version | None) -> bool:
    """For a canonical link alone: do both pages show one article? The same headline and
    first paragraph, or the same text (a site-wide headline, such as the site's name, is
    not enough)."""
    if theirs is None or theirs.removed:
        return False
    mine, other = normalize_article(article), normalize_article(theirs.article)
    if mine.headline and (mine.headline, mine.paragraphs[:1]) == (
        other.headline,
        other.paragraphs[:1],
    ):
        return True
    return fingerprint(article) == fingerprint(theirs.article)


def worth_noting(address: str, known: ArticleAddress, final_url: str, watch_url: str) -> bool:
    """Is there anything to record: a new current address, or a fetch that ended at an
    address neither the current one nor the watched URL (so a store write is needed)?"""
    if known.canonical_url != address:
        return True
    return identity_key(final_url) not in {identity_key(address), identity_key(watch_url)}


def stored_address(placed: Placement, known: ArticleAddress, current: Version | None) -> str:
    """Rule 2: the address the new state records. Unless the article moved, it keeps the
    spelling the current version has, so a flip between ``/amp`` and the page, a first
    reading after the upgrade, or a canonical claim found to be shared by another article
    (the address it had was that claim) is no URL change."""
    if current is None or current.removed or not current.canonical_url:
        return placed.url
    if known.canonical_url is None:
        return current.canonical_url
    unmoved = {identity_key(placed.url), identity_key(placed.rejected)}
    return current.canonical_url if identity_key(known.canonical_url) in unmoved else placed.url


def state_fingerprint(text_print: str, address: str, watch_url: str) -> str:
    """The fingerprint a state is stored under: the text's, plus the address once the
    article lives elsewhere than the watched URL, so a move with unchanged text is a new
    state (and moving back returns to the old one)."""
    key = identity_key(address)
    if not key or key == identity_key(watch_url):
        return text_print
    return hashlib.sha256(f"{text_print}\n{key}".encode()).hexdigest()

"""Which address an article has: identity keys, the rules for trusting a page's canonical
claim, the JSON-LD address, and how a move is described (kind `url`, "URL changed")."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from worker.diff import compare, moved_change
from worker.extract import extract_article
from worker.models import Article, FetchResult
from worker.pipeline.identity import claimed_address, state_fingerprint
from worker.render import render_text
from worker.urls import identity_key, is_front_of, registrable_domain

STORY = "https://news.example.com/world/2026/11/council-budget"


@pytest.mark.parametrize(
    "spelling",
    [
        "https://news.example.com/world/2026/11/council-budget",
        "http://news.example.com/world/2026/11/council-budget/",
        "https://news.example.com/world/2026/11/council-budget?utm_source=rss#comments",
        "https://news.example.com/world/2026/11/council-budget/amp",
        "https://news.example.com/amp/world/2026/11/council-budget",
        "https://news.example.com/world/2026/11/council-budget?outputType=amp",
        "https://NEWS.example.com:443/world/2026/11/council-budget",
    ],
)
def test_spellings_of_one_address_share_a_key(spelling: str) -> None:
    """AMP, scheme, trailing slash, tracking, fragment and default port are one article."""
    assert (
        identity_key(spelling)
        == identity_key(STORY)
        == "news.example.com/world/2026/11/council-budget"
    )


@pytest.mark.parametrize(
    "other",
    [
        "https://news.example.com/world/2026/11/council-budget-passes",
        "https://news.example.com/world/2026/11/council-budget?id=2",
        "https://other.example.com/world/2026/11/council-budget",
        "https://news.example.com:8443/world/2026/11/council-budget",
    ],
)
def test_different_articles_keep_different_keys(other: str) -> None:
    """A new slug, a content id in the query, another host or port: another address."""
    assert identity_key(other) != identity_key(STORY)


@pytest.mark.parametrize("url", ["", "javascript:void(0)", "mailto:desk@example.com", "/a/b"])
def test_what_is_no_web_address_has_no_key(url: str) -> None:
    """Only absolute http(s) addresses identify an article."""
    assert identity_key(url) == ""


@pytest.mark.parametrize(
    ("url", "domain"),
    [
        ("https://news.example.com/a", "example.com"),
        ("https://www.bbc.co.uk/news/a", "bbc.co.uk"),
        ("https://example.com/a", "example.com"),
        ("http://127.0.0.1:8080/a", "127.0.0.1"),
        ("http://localhost/a", "localhost"),
    ],
)
def test_registrable_domain(url: str, domain: str) -> None:
    """The name a publisher registers, ``co.uk`` style suffixes included."""
    assert registrable_domain(url) == domain


def page(final_url: str, *redirects: str) -> FetchResult:
    return FetchResult(url=redirects[0] if redirects else final_url, final_url=final_url,
                       status=200, redirects=redirects)  # fmt: skip


@pytest.mark.parametrize(
    ("claim", "expected", "why"),
    [
        (f"{STORY}-passes", f"{STORY}-passes", "same site: the canonical link is trusted"),
        ("https://www.example.com/2026/budget", "https://www.example.com/2026/budget", "subdomain"),
        ("https://news.example.com/", STORY, "the front page is no article's address"),
        ("https://news.example.com/world", STORY, "a section above the article"),
        ("https://wire.example.org/story/123", STORY, "another domain is syndication"),
        ("/world/2026/11/budget-passes", "https://news.example.com/world/2026/11/budget-passes",
         "a relative canonical link is resolved against the page"),
        ("", STORY, "no claim: where the fetch ended"),
    ],
)  # fmt: skip
def test_which_canonical_claims_are_trusted(claim: str, expected: str, why: str) -> None:
    """The page's claim is its address unless it is a front, a section or another site's."""
    assert claimed_address(page(STORY), Article(canonical_url=claim)) == expected, why


def test_a_redirect_may_cross_hosts_a_canonical_link_may_not() -> None:
    """A 301 to another domain moves the article there; the page's claim on a third does not."""
    moved = "https://newsite.example.net/2026/council-budget"
    fetched = page(moved, STORY)
    claim = Article(canonical_url="https://syndicator.example.org/x/1")
    assert claimed_address(fetched, claim) == moved


def test_section_front_rule() -> None:
    """Roots and parent paths are fronts; siblings and the article itself are not."""
    assert is_front_of("https://news.example.com/", STORY)
    assert is_front_of("https://news.example.com/world/2026/", STORY)
    assert not is_front_of(f"{STORY}-2", STORY)
    assert not is_front_of(STORY, STORY)


def ld_page(**ld: object) -> str:
    data = json.dumps({"@type": "NewsArticle", "headline": "Budget passes", **ld})
    return (f'<html><head><script type="application/ld+json">{data}</script></head><body>'
            "<article><h1>Budget passes</h1><p>" + "The council voted on the budget. " * 8
            + "</p></article></body></html>")  # fmt: skip


@pytest.mark.parametrize(
    "ld",
    [
        {"mainEntityOfPage": {"@type": "WebPage", "@id": f"{STORY}-passes"}},
        {"mainEntityOfPage": f"{STORY}-passes"},
        {"url": f"{STORY}-passes"},
        {"@id": f"{STORY}-passes#article"},
        {"@id": "#article", "url": f"{STORY}-passes"},
    ],
)
def test_json_ld_names_the_address_when_the_head_does_not(ld: dict[str, object]) -> None:
    """Without a canonical link or og:url, JSON-LD mainEntityOfPage / url / @id count."""
    article = extract_article(ld_page(**ld), STORY)
    assert identity_key(article.canonical_url) == identity_key(f"{STORY}-passes")


def test_a_move_alone_is_kind_url_and_reads_url_changed() -> None:
    """Same text, new address: one moderate `url` change, rendered "URL changed: A -> B";
    an AMP spelling of the same address is no move."""
    old = Article(headline="Budget passes", paragraphs=("Text.",), canonical_url=STORY)
    new = replace(old, canonical_url=f"{STORY}-passes")
    assert compare(old, new) is None
    change = moved_change(old, new)
    assert change is not None and change.kinds == {"url"} and change.significance == "moderate"
    text = render_text(change, old=old, new=new)
    assert text.splitlines()[0] == f"URL changed: {STORY} -> {STORY}-passes"
    assert moved_change(old, replace(old, canonical_url=f"{STORY}/amp")) is None


def test_a_move_with_an_edit_names_both() -> None:
    """A new headline and a new slug: kinds `headline` and `url`, and the URL line."""
    old = Article(headline="Budget vote", paragraphs=("Text.",), canonical_url=STORY)
    new = replace(old, headline="Budget passes", canonical_url=f"{STORY}-passes")
    change = compare(old, new)
    assert change is not None and {"headline", "url"} <= change.kinds
    assert f"URL changed: {STORY} -> {STORY}-passes" in render_text(change, old=old, new=new)


def test_state_fingerprint_moves_with_the_address_only_once_it_left_the_watched_url() -> None:
    """At the watched URL a state keeps its text fingerprint; elsewhere the address counts,
    and coming back gives the first fingerprint again."""
    assert state_fingerprint("f", f"{STORY}/amp", STORY) == "f"
    moved = state_fingerprint("f", f"{STORY}-passes", STORY)
    assert moved != "f" and moved == state_fingerprint("f", f"{STORY}-passes/", STORY)


SEGMENT = st.sampled_from(["amp", "www", "m", "news", "2026", "story-1", "a.html", ""])


@given(
    host=st.lists(st.sampled_from(["www", "amp", "m", "news", "example"]), min_size=1, max_size=4),
    path=st.lists(SEGMENT, max_size=5),
    query=st.sampled_from(["", "?id=3", "?amp=1", "?utm_source=x&id=3"]),
    scheme=st.sampled_from(["http", "https"]),
)
def test_an_identity_key_is_its_own_key(
    host: list[str], path: list[str], query: str, scheme: str
) -> None:
    """Keying a key again changes nothing: one article has exactly one key."""
    key = identity_key(f"{scheme}://{'.'.join([*host, 'com'])}/{'/'.join(path)}{query}")
    assert key and identity_key(f"https://{key}") == key

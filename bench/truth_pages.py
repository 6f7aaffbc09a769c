"""Synthetic news articles in several page layouts, with fresh noise on every render.

Used by ``bench/truth.py`` and the pipeline tests of "alerts that tell the truth". A
:class:`Story` is the article as an editor sees it; :func:`render` lays it out as one of
:data:`LAYOUTS` (semantic ``<article>`` markup, a div soup, a JSON-LD-only app shell, AMP) and
surrounds it with the furniture real news pages carry and change on every request: relative
times, share and comment counters, read times, rotating "most read" and related links, ad
nonces. :data:`EDITS` are the edits newsrooms make, one per kind, as functions of a story.
"""

# ruff: noqa: E501  (HTML lines read better unwrapped)
from __future__ import annotations

import html
import json
import random
from collections.abc import Callable
from dataclasses import dataclass, replace

LAYOUTS = ("article", "divsoup", "jsonld", "amp")
PLACES = ("Northvale", "Eastbrook", "Millford", "Westmarch", "Harrowgate", "Lindenport")
OFFICIALS = ("the governor", "the mayor", "a police spokesperson", "the health minister")
TOPICS = ("flooding", "wildfire", "storm", "landslide", "heatwave", "earthquake")
FIRST = ("Jane", "Sam", "Priya", "Tomas", "Aiko", "Omar", "Lena", "Marcus")
LAST = ("Reporter", "Writer", "Okafor", "Lindqvist", "Moreau", "Tanaka", "Haddad", "Brennan")
FILLER = (
    "Local officials said the emergency services had been stretched for several days.",
    "Residents described scenes of confusion as roads were closed across the district.",
    "Aid groups said supplies of drinking water and blankets were running short.",
    "Forecasters warned that more bad weather was expected later in the week.",
    "Schools in the area remained closed while engineers inspected the buildings.",
    "Volunteers worked through the night to clear debris from the main square.",
    "The regional council said it would publish a full assessment next month.",
    "Insurance companies said it was too early to estimate the cost of the damage.",
    "Train services between the two largest towns were suspended until further notice.",
    "Hospitals in neighbouring districts said they had cancelled routine operations.",
    "The army sent helicopters to lift stranded families from the roofs of their houses.",
    "Opposition politicians called for an inquiry into how the warnings were handled.",
    "Farmers said entire harvests had been lost in the fields along the river.",
    "Power was restored to most homes by Wednesday evening, the utility company said.",
)
ADDED = (
    "Engineers said the old river wall had not been inspected for more than a decade.",
    "A second relief convoy left the capital on Wednesday morning with medical supplies.",
    "Meteorologists said the rainfall was the heaviest recorded in the region since 1998.",
)


@dataclass(frozen=True, slots=True)
class Story:
    """An article as its editors see it (no page furniture)."""

    headline: str
    byline: str
    paragraphs: tuple[str, ...]
    captions: tuple[str, ...]
    published: str = "2026-11-20T10:00:00Z"


def make_story(rng: random.Random) -> Story:
    """A plausible disaster story: a lede, a figure, a quote, filler, and a typo to fix later."""
    place, topic, official = rng.choice(PLACES), rng.choice(TOPICS), rng.choice(OFFICIALS)
    toll = rng.randint(3, 90)
    filler = rng.sample(FILLER, rng.randint(4, 10))
    typo = f"The goverment has promised emergency funding for families who lost their homes in {place}."
    filler.insert(rng.randint(1, len(filler)), typo)
    paragraphs = (
        f"The {topic} that struck {place} on Monday has forced thousands of people from their homes, officials said on Tuesday.",
        f"At least {toll} people have died and {rng.randint(100, 900)} were injured, according to the regional authorities.",
        f'"We are doing everything we can to reach the villages that are still cut off," {official} told reporters in {place}.',
        *filler,
    )
    name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
    return Story(
        headline=f"{topic.capitalize()} in {place} leaves {toll} dead",
        byline=f"By {name}",
        paragraphs=paragraphs,
        captions=(f"Rescue teams search the flooded streets of {place} on Monday.",),
    )


# --- edits, one per kind ----------------------------------------------------------------------


def _with(story: Story, index: int, text: str) -> Story:
    paragraphs = list(story.paragraphs)
    paragraphs[index] = text
    return replace(story, paragraphs=tuple(paragraphs))


def _move(story: Story, rng: random.Random) -> Story:
    paragraphs = list(story.paragraphs)
    source = rng.randint(3, len(paragraphs) - 1)
    moved = paragraphs.pop(source)
    target = rng.choice([i for i in range(1, len(paragraphs) + 1) if abs(i - source) >= 2])
    paragraphs.insert(target, moved)
    return replace(story, paragraphs=tuple(paragraphs))


def _add(story: Story, rng: random.Random) -> Story:
    at = rng.randint(1, len(story.paragraphs))
    new = (*story.paragraphs[:at], rng.choice(ADDED), *story.paragraphs[at:])
    return replace(story, paragraphs=new)


def _remove(story: Story, rng: random.Random) -> Story:
    at = rng.randint(1, len(story.paragraphs) - 1)
    return replace(story, paragraphs=story.paragraphs[:at] + story.paragraphs[at + 1 :])


def _edit(story: Story, rng: random.Random) -> Story:
    at = rng.randint(3, len(story.paragraphs) - 1)
    tail = rng.choice(
        (", and some had not slept since the weekend.", ", officials added.", " on Tuesday night.")
    )
    return _with(story, at, story.paragraphs[at].rstrip(".") + tail)


def _fix_typo(story: Story, rng: random.Random) -> Story:
    at = next(i for i, p in enumerate(story.paragraphs) if "goverment" in p)
    return _with(story, at, story.paragraphs[at].replace("goverment", "government"))


def _figures(story: Story, rng: random.Random) -> Story:
    old = story.paragraphs[1]
    toll = int(old.split("At least ")[1].split()[0])
    return _with(
        story, 1, old.replace(f"At least {toll} ", f"At least {toll + rng.randint(1, 9)} ")
    )


def _quote(story: Story, rng: random.Random) -> Story:
    return _with(story, 2, story.paragraphs[2].replace("everything we can", "all that we can"))


def _lede(story: Story, rng: random.Random) -> Story:
    return _with(
        story,
        0,
        story.paragraphs[0].replace("thousands of people", "tens of thousands of residents"),
    )


@dataclass(frozen=True, slots=True)
class Edit:
    """One edit: the kind it must be reported as, the kinds that may come with it, the edit."""

    name: str
    kind: str  # the kind recall is measured on
    allowed: frozenset[str]  # kinds that this edit explains
    apply: Callable[[Story, random.Random], Story]
    significance: str | None = None  # when the edit is defined by its weight (a typo fix)


EDITS: tuple[Edit, ...] = (
    Edit("headline", "headline", frozenset({"headline"}),
         lambda s, r: replace(s, headline=s.headline.replace(" leaves ", " kills "))),
    Edit("headline_tail", "headline", frozenset({"headline"}),
         lambda s, r: replace(s, headline=s.headline + r.choice((" – update", " — live", " | latest")))),
    Edit("lede", "lede", frozenset({"lede", "body", "paragraph_edited"}), _lede),
    Edit("paragraph_added", "paragraph_added", frozenset({"paragraph_added", "body"}), _add),
    Edit("paragraph_removed", "paragraph_removed", frozenset({"paragraph_removed", "body"}), _remove),
    Edit("paragraph_edited", "paragraph_edited", frozenset({"paragraph_edited", "body"}), _edit),
    Edit("paragraph_moved", "paragraph_moved", frozenset({"paragraph_moved", "body"}), _move),
    Edit("correction", "correction", frozenset({"correction", "paragraph_added", "body"}),
         lambda s, r: replace(s, paragraphs=(*s.paragraphs, "Correction: An earlier version of this article misstated the day the emergency began."))),
    Edit("typo", "paragraph_edited", frozenset({"paragraph_edited", "body"}), _fix_typo, "minor"),
    Edit("caption", "caption", frozenset({"caption"}),
         lambda s, r: replace(s, captions=(s.captions[0].replace("Rescue teams", "Soldiers and rescue teams"),))),
    Edit("byline", "byline", frozenset({"byline"}),
         lambda s, r: replace(s, byline=s.byline + " and Lena Moreau")),
    Edit("figures", "figures", frozenset({"figures", "paragraph_edited", "body"}), _figures),
    Edit("quote", "quote", frozenset({"quote", "paragraph_edited", "body"}), _quote),
)  # fmt: skip


# --- page furniture that changes on every render ------------------------------------------------

MOST_READ = (
    "Ten recipes for a cold evening",
    "The quiet return of the night train",
    "Why everyone is talking about the new stadium",
    "What the budget means for your bills",
    "A village that runs on sunshine",
    "Inside the race to save the old harbour",
)


@dataclass(frozen=True, slots=True)
class Noise:
    """The volatile values of one render."""

    minutes: int
    shares: str
    comments: int
    read_minutes: int
    nonce: int
    most_read: tuple[str, ...]

    @classmethod
    def fresh(cls, rng: random.Random) -> Noise:
        return cls(
            minutes=rng.randint(1, 59),
            shares=f"{rng.randint(100, 9999):,}",
            comments=rng.randint(0, 400),
            read_minutes=rng.randint(2, 9),
            nonce=rng.randint(0, 10**9),
            most_read=tuple(rng.sample(MOST_READ, 3)),
        )


# Text a rendered diff must never contain: it is all page furniture.
NOISE_MARKERS = (
    "minutes ago",
    "minute ago",
    "shares",
    "min read",
    "comments",
    "Advertisement",
    "Most read",
    "Share on",
    "Copy link",
    *MOST_READ,
)


def render(story: Story, layout: str, noise: Noise) -> bytes:
    """The page for ``story`` in ``layout`` with this render's ``noise``."""
    return RENDERERS[layout](story, noise).encode()


def _ld(story: Story, *, body: bool) -> str:
    data: dict[str, object] = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": story.headline,
        "author": {"@type": "Person", "name": story.byline.removeprefix("By ")},
        "datePublished": story.published,
        "publisher": {"@type": "Organization", "name": "The Daily Test"},
    }
    if body:
        data["articleBody"] = "\n\n".join(story.paragraphs)
    return json.dumps(data)


def _head(story: Story, noise: Noise, *, body_in_ld: bool = False, amp: bool = False) -> str:
    e = html.escape
    amp_bits = (
        '<script async src="https://cdn.ampproject.org/v0.js"></script><style amp-boilerplate>body{visibility:hidden}</style>'
        if amp
        else ""
    )
    return f"""<head><meta charset="utf-8"><title>{e(story.headline)} | The Daily Test</title>
<meta property="og:site_name" content="The Daily Test"><meta property="og:title" content="{e(story.headline)}">
<meta name="description" content="{e(story.paragraphs[0])}">{amp_bits}
<script type="application/ld+json">{_ld(story, body=body_in_ld)}</script>
<script>window.__nonce="{noise.nonce}";</script></head>"""


def _most_read(noise: Noise) -> str:
    items = "".join(
        f'<li><a href="/story/{i}">{html.escape(t)}</a></li>' for i, t in enumerate(noise.most_read)
    )
    return f'<aside class="most-read"><h3>Most read</h3><ol>{items}</ol></aside>'


def _with_inline_noise(paragraphs: list[str], noise: Noise) -> list[str]:
    """Furniture that sites set *inside* the article body, between paragraphs."""
    inserts = [
        '<p class="ad">Advertisement</p>',
        f"<p>Updated {noise.minutes} minutes ago</p>",
        '<p class="share">Share on Facebook Share on Twitter Copy link</p>',
        f"<p>{noise.comments} comments</p>",
    ]
    out = list(paragraphs)
    for offset, block in enumerate(inserts[: 1 + noise.nonce % len(inserts)]):
        out.insert(min(len(out), 2 + offset * 2 + noise.nonce % 2), block)
    return out


def _semantic(story: Story, noise: Noise) -> str:
    e = html.escape
    paragraphs = "".join(_with_inline_noise([f"<p>{e(p)}</p>" for p in story.paragraphs], noise))
    figure = "".join(
        f'<figure><img src="/i/{i}.jpg" alt=""><figcaption>{e(c)}</figcaption></figure>'
        for i, c in enumerate(story.captions)
    )
    return f"""<!doctype html><html lang="en">{_head(story, noise)}<body>
<nav class="site-nav"><a href="/">Home</a> <a href="/world">World</a> <a href="/climate">Climate</a></nav>
<div class="ad-slot" data-nonce="{noise.nonce}">Advertisement</div>
<main><article class="story"><header><h1>{e(story.headline)}</h1>
<p class="byline"><a rel="author" href="/staff">{e(story.byline)}</a></p>
<p class="dateline"><time datetime="{story.published}">Updated {noise.minutes} minutes ago</time></p>
<p class="meta">{noise.read_minutes} min read</p>
<div class="share-bar"><span>{noise.shares} shares</span> <span>{noise.comments} comments</span></div></header>
{figure}<div class="article-body">{paragraphs}</div>
<div class="share-bar">Share this article</div></article>{_most_read(noise)}</main>
<footer>© The Daily Test <a href="/privacy">Privacy</a></footer></body></html>"""


def _divsoup(story: Story, noise: Noise) -> str:
    e = html.escape
    blocks = "".join(f'<div class="txt-block"><span>{e(p)}</span></div>' for p in story.paragraphs)
    caption = "".join(
        f'<div class="img-wrap"><img src="/i/{i}.jpg"><div class="caption">{e(c)}</div></div>'
        for i, c in enumerate(story.captions)
    )
    return f"""<!doctype html><html>{_head(story, noise)}<body><div id="app"><div class="hdr"><div class="logo">The Daily Test</div>
<div class="menu"><a href="/">Home</a><a href="/news">News</a></div></div>
<div class="wrap"><div class="col-main"><div class="title-box"><h1 class="ttl">{e(story.headline)}</h1></div>
<div class="author-name">{e(story.byline)}</div><div class="date">{noise.minutes} minutes ago</div>
<div class="social"><div class="cnt">{noise.shares}</div><div>shares</div></div>
{caption}<div class="content">{blocks}</div>
<div class="promo">Advertisement</div></div><div class="col-side">{_most_read(noise)}</div></div></div></body></html>"""


def _jsonld_only(story: Story, noise: Noise) -> str:
    return f"""<!doctype html><html lang="en">{_head(story, noise, body_in_ld=True)}<body>
<div id="root"><noscript>Please enable JavaScript. {noise.shares} readers today.</noscript></div>
<script src="/static/app.{noise.nonce}.js"></script></body></html>"""


def _amp(story: Story, noise: Noise) -> str:
    e = html.escape
    paragraphs = "".join(_with_inline_noise([f"<p>{e(p)}</p>" for p in story.paragraphs], noise))
    figure = "".join(
        f'<figure><amp-img src="/i/{i}.jpg" width="800" height="450" layout="responsive"></amp-img><figcaption>{e(c)}</figcaption></figure>'
        for i, c in enumerate(story.captions)
    )
    return f"""<!doctype html><html amp lang="en">{_head(story, noise, amp=True)}<body>
<header class="amp-header"><a href="/">The Daily Test</a></header>
<amp-ad width="300" height="250" type="doubleclick" data-slot="/{noise.nonce}/news"></amp-ad>
<article><h1>{e(story.headline)}</h1><div class="byline">{e(story.byline)}</div>
<div class="timestamp">Updated {noise.minutes} minutes ago · {noise.read_minutes} min read</div>
{figure}{paragraphs}
<amp-social-share type="twitter"></amp-social-share><div class="shares">{noise.shares} shares</div></article>
{_most_read(noise)}</body></html>"""


RENDERERS: dict[str, Callable[[Story, Noise], str]] = {
    "article": _semantic,
    "divsoup": _divsoup,
    "jsonld": _jsonld_only,
    "amp": _amp,
}
# Layouts that have no visible caption (the JSON-LD app shell renders images client-side).
NO_CAPTIONS = frozenset({"jsonld"})

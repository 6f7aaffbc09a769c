"""Realistic article pages for pipeline tests, with the noise real news sites add.

``article_page`` renders an article the way a news site would: nav, share counters, a relative
date, related links and an ad slot. ``noise`` changes every volatile part, so two renders of the
same article differ byte for byte while the article itself does not.
"""

# ruff: noqa: E501  (HTML and prose lines read better unwrapped)
from __future__ import annotations

import html
import json
from collections.abc import Sequence


def article_page(
    headline: str,
    paragraphs: Sequence[str],
    *,
    byline: str = "Jane Reporter",
    captions: Sequence[str] = (),
    noise: int = 0,
    published: str = "2026-11-20T10:00:00Z",
    modified: str | None = None,
    canonical: str = "",
) -> bytes:
    """One article page; ``noise`` varies share counts, relative time, nonces and teasers.
    ``canonical`` adds a ``<link rel="canonical">`` with that address."""
    esc = html.escape
    ld = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": headline,
        "author": {"@type": "Person", "name": byline},
        "datePublished": published,
    }
    if modified is not None:  # JSON-LD dateModified, the page's own "last changed" time
        ld["dateModified"] = modified
    figures = "".join(
        f'<figure><img src="/img/{i}.jpg" alt=""><figcaption>{esc(c)}</figcaption></figure>'
        for i, c in enumerate(captions)
    )
    body = "".join(f"<p>{esc(p)}</p>" for p in paragraphs)
    teaser = f"Other story number {noise} you might like"
    link = f'\n<link rel="canonical" href="{esc(canonical)}">' if canonical else ""
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{esc(headline)} | The Daily Test</title>
<meta property="og:title" content="{esc(headline)}">{link}
<script type="application/ld+json">{json.dumps(ld)}</script></head>
<body>
<nav class="site-nav"><a href="/">Home</a> <a href="/world">World</a> <a href="/politics">Politics</a></nav>
<div class="ad-slot" data-ad-nonce="n{noise * 7919}">Advertisement</div>
<main><article class="story">
<h1>{esc(headline)}</h1>
<div class="byline">By {esc(byline)}</div>
<time datetime="{published}">{noise + 3} minutes ago</time>
<div class="share-bar"><span class="share-count">{1000 + noise * 37} shares</span></div>
{figures}
<div class="story-body">{body}</div>
<aside class="related"><h3>Related Coverage</h3><ul><li><a href="/x{noise}">{esc(teaser)}</a></li></ul></aside>
</article></main>
<footer class="site-footer">© The Daily Test. <a href="/terms">Terms</a></footer>
</body></html>""".encode()


BODY = (
    "The city council voted on Tuesday to approve a new budget for the coming year, after months of debate.",
    "Council members said the plan would fund road repairs, two new libraries and more frequent buses.",
    "Opponents argued that the budget relied on optimistic revenue forecasts and would leave reserves thin.",
    "The mayor is expected to sign the measure later this week, according to her office.",
)


# A live blog's entries: (id, time, title, text). ``liveblog_page`` shows them newest first.
Entry = tuple[str, str, str, str]
LIVE_ENTRIES: tuple[Entry, ...] = (
    (
        "post-1",
        "2026-12-01T09:00:00Z",
        "Polls open",
        "Polling stations opened at nine across the region, with short queues reported in most towns.",
    ),
    (
        "post-2",
        "2026-12-01T09:30:00Z",
        "Turnout steady",
        "Officials said turnout was steady through the first half hour, in line with the last election.",
    ),
    (
        "post-3",
        "2026-12-01T10:05:00Z",
        "",
        "A power cut briefly closed two polling stations in the north; voters were asked to wait or return later.",
    ),
)
MORE_ENTRIES: tuple[Entry, ...] = (
    (
        "post-4",
        "2026-12-01T10:40:00Z",
        "Candidates vote",
        "Both main candidates cast their ballots before noon and spoke briefly to reporters outside.",
    ),
    (
        "post-5",
        "2026-12-01T11:15:00Z",
        "",
        "The electoral commission said it had received no formal complaints so far this morning.",
    ),
    (
        "post-6",
        "2026-12-01T11:50:00Z",
        "Midday figures",
        "Midday figures put turnout at 31 percent, two points higher than at the same time last year.",
    ),
)


def liveblog_page(
    headline: str,
    entries: Sequence[Entry],
    *,
    noise: int = 0,
    json_ld: bool = False,
    newest_first: bool = True,
) -> bytes:
    """A live blog: an intro and one ``<article id=...>`` per entry with a ``<time>``.

    ``json_ld`` adds a ``LiveBlogPosting`` with the entries as ``liveBlogUpdate`` (in
    ``@graph``); without it only the DOM (and the URL) tells.
    """
    esc = html.escape
    shown = list(reversed(entries)) if newest_first else list(entries)
    posts = "".join(
        f'<article class="post" id="{esc(ident)}"><time datetime="{when}">{when[11:16]}</time>'
        + (f"<h2>{esc(title)}</h2>" if title else "")
        + f'<p>{esc(text)}</p><div class="share-bar"><a href="/share/{esc(ident)}">Share</a></div></article>'
        for ident, when, title, text in shown
    )
    graph = [
        {"@type": "WebPage", "name": headline},
        {
            "@type": "LiveBlogPosting",
            "headline": headline,
            "coverageStartTime": "2026-12-01T08:00:00Z",
            "liveBlogUpdate": [
                {
                    "@type": "BlogPosting",
                    "@id": f"#{ident}",
                    "headline": title,
                    "datePublished": when,
                    "articleBody": text,
                }
                for ident, when, title, text in shown
            ],
        },
    ]
    ld = (
        f'<script type="application/ld+json">{json.dumps({"@context": "https://schema.org", "@graph": graph})}</script>'
        if json_ld
        else ""
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{esc(headline)} | The Daily Test</title>
<meta property="og:title" content="{esc(headline)}">{ld}</head>
<body>
<nav class="site-nav"><a href="/">Home</a> <a href="/world">World</a></nav>
<main><div class="liveblog">
<h1>{esc(headline)}</h1>
<div class="share-bar"><span class="share-count">{1000 + noise * 37} shares</span></div>
<div class="stream">{posts}</div>
</div></main>
<footer class="site-footer">© The Daily Test.</footer>
</body></html>""".encode()

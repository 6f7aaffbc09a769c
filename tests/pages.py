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

"""The demo news site: the seed articles rendered as noisy publisher pages on 127.0.0.1.

Why: editwatch has to see through what changes on every page load (ad nonces, share counters,
"N minutes ago", shuffled "most popular" lists) and still notice a real edit. These pages carry
that noise on every render, around article markup real publishers use (``<article>``, ``<h1>``,
``<time datetime>``, ``<figure>``/``<figcaption>``, OpenGraph, JSON-LD ``NewsArticle``), while the
article itself is exactly the seed. Switching the served capture from 1 to 2 (``DemoSite.capture``
or ``POST /_demo/capture/2``) makes one real edit: the Vox photo caption disappears.

Manual use: ``python -m worker.demo.site --port 8088 --capture 1``.
"""

from __future__ import annotations

import argparse
import html
import json
import random
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from string import Template
from types import TracebackType
from typing import NamedTuple, Self
from urllib.parse import urlsplit

from worker.demo.seed import SPECS, SeedArticle, load_seed, seed_article

ARTICLE_SLUGS: tuple[str, ...] = tuple(spec.slug for spec in SPECS)
PUBLISHER_OF: dict[str, str] = {spec.slug: spec.publisher for spec in SPECS}
DEFAULT_BASE_URL = "http://127.0.0.1:8088"
CAPTURE_PATH = re.compile(r"^/_demo/capture/(?P<capture>\d+)/?$")
ARTICLE_PATH = re.compile(r"^/(?P<publisher>[a-z]+)/(?P<slug>[a-z0-9-]+)/?$")
SHUTDOWN_POLL_SECONDS = 0.05  # how soon stop() is noticed; the stdlib default of 0.5 s slows tests
HTML_TYPE = "text/html; charset=utf-8"
JSON_TYPE = "application/json"
CTA_LINES = frozenset({"Read more"})  # teaser lines that are a call to action, not a headline
TEASER_LABELS = frozenset({"Related Coverage"})  # teaser lines that title a block of links
INLINE_AD_AFTER = 3  # paragraphs before the in-article ad
HOUSE_RELATED_AFTER = 6  # paragraphs before the house's own related-links block
AUTHOR_SPLIT = re.compile(r",\s*|\s+and\s+")
AUTHOR_PLACE = re.compile(r"\s+in\s+[A-Z][\w ]*$")  # "Andrew Roth in Moscow" -> "Andrew Roth"

COOKIE_BANNER = (
    "<p>We use cookies and similar technologies to personalise content and ads and to analyse "
    'our traffic.</p><button type="button">Accept all</button> '
    '<button type="button">Manage preferences</button>'
)


@dataclass(frozen=True, slots=True)
class House:
    """One publisher's furniture: its page template, markup snippets and sidebar content."""

    name: str
    template: str
    paragraph: str  # {text}
    subheading: str  # {text}
    figure: str  # {src} {caption}
    teaser_group: str  # {items}
    teaser_item: str  # {href} {text}
    teaser_cta: str  # {href} {text}
    teaser_label: str  # {text}
    inline_ad: str  # {nonce}
    nav: tuple[str, ...]
    footer_nav: tuple[str, ...]
    most_popular: tuple[str, ...]
    house_related: tuple[str, ...]
    newsletter: str  # trusted HTML


HOUSES: dict[str, House] = {
    "reuters": House(
        name="Reuters",
        template="reuters.html",
        paragraph='<p class="Paragraph-paragraph">{text}</p>',
        subheading='<h3 class="Heading-heading">{text}</h3>',
        figure='<figure class="Image_container"><img src="{src}" alt="{caption}" width="800">'
        '<figcaption class="Image_caption">{caption}</figcaption></figure>',
        teaser_group='<div class="RelatedCoverage_container"><ul>{items}</ul></div>',
        teaser_item='<li><a href="{href}">{text}</a></li>',
        teaser_cta='<li class="RelatedCoverage_more"><a href="{href}">{text}</a></li>',
        teaser_label='<li class="RelatedCoverage_title"><h4>{text}</h4></li>',
        inline_ad='<div class="AdSlot AdSlot_inline" data-ad-nonce="{nonce}">Advertisement</div>',
        nav=("World", "Business", "Markets", "Breakingviews", "Technology", "Investigations"),
        footer_nav=("About Reuters", "Careers", "Reuters News Agency", "Brand Attribution"),
        most_popular=(
            "Oil prices rise as OPEC supply cuts tighten market",
            "Boeing pilots to test 737 MAX software fix",
            "Brexit: Parliament rejects May's deal for a third time",
            "China's factory activity returns to growth in March",
            "Apple cancels AirPower wireless charging mat",
        ),
        house_related=("Venezuela's Guaido says Maduro cannot survive blackouts",),
        newsletter="<h3>The Daily Briefing</h3><p>Get the top stories in your inbox every "
        'morning.</p><a href="/newsletters">Sign up</a>',
    ),
    "guardian": House(
        name="The Guardian",
        template="guardian.html",
        paragraph="<p>{text}</p>",
        subheading="<h2>{text}</h2>",
        figure='<figure class="element element-image" itemprop="image"><img src="{src}" '
        'alt="{caption}" class="gu-image"><figcaption class="caption caption--img">'
        "{caption}</figcaption></figure>",
        teaser_group='<aside class="element element-rich-link" data-component="rich-link">'
        '<div class="rich-link">{items}</div></aside>',
        teaser_item='<a class="rich-link__link" href="{href}">{text}</a>',
        teaser_cta='<a class="rich-link__read-more" href="{href}">{text}</a>',
        teaser_label='<h4 class="rich-link__label">{text}</h4>',
        inline_ad='<div class="ad-slot ad-slot--inline1" data-ad-nonce="{nonce}">Advertisement'
        "</div>",
        nav=("News", "Opinion", "Sport", "Culture", "Lifestyle"),
        footer_nav=("About us", "Contact us", "Complaints & corrections", "Privacy policy"),
        most_popular=(
            "Brexit: MPs reject May's deal for third time",
            "The Guardian view on the Venezuela crisis",
            "Jacinda Ardern announces royal commission into Christchurch attack",
            "Tate galleries will no longer accept Sackler donations",
            "Notre-Dame fire: what we know so far",
        ),
        house_related=("Venezuela crisis: what is happening and why?",),
        newsletter="<h2>Since you're here…</h2><p>… we have a small favour to ask. More people "
        "are reading and supporting our independent journalism than ever before.</p>"
        '<a href="/contribute">Support the Guardian</a>',
    ),
    "vox": House(
        name="Vox",
        template="vox.html",
        paragraph="<p>{text}</p>",
        subheading='<h2 id="subhead">{text}</h2>',
        figure='<figure class="e-image"><span class="e-image__inner"><img src="{src}" '
        'alt="{caption}"></span><figcaption class="e-image__meta">{caption}</figcaption>'
        "</figure>",
        teaser_group='<aside class="c-related-list"><h3>Related</h3><ul>{items}</ul></aside>',
        teaser_item='<li><a href="{href}">{text}</a></li>',
        teaser_cta='<li><a href="{href}">{text}</a></li>',
        teaser_label="<li><h4>{text}</h4></li>",
        inline_ad='<div class="m-ad m-ad--inline" data-ad-nonce="{nonce}">Advertisement</div>',
        nav=("Explainers", "Politics", "Culture", "Science", "Technology", "Podcasts"),
        footer_nav=("Terms of Use", "Privacy Notice", "Cookie Policy", "Contact"),
        most_popular=(
            "The Mueller report, explained",
            "Why Venezuela's blackouts keep happening",
            "Pete Buttigieg, explained",
            "The Green New Deal, explained",
            "Brexit, explained",
        ),
        house_related=("Venezuela's crisis, explained", "Who is Juan Guaidó?"),
        newsletter="<h3>Sign up for The Weeds</h3><p>Get our essential policy newsletter "
        'delivered Fridays.</p><a href="/newsletters">Subscribe</a>',
    ),
}


class Noise(NamedTuple):
    """What changes on every page load, drawn once per render."""

    ad_nonce: str
    ad_nonce_side: str
    inline_nonce: str
    share_count: int
    minutes_ago: int
    most_popular: tuple[str, ...]

    @classmethod
    def draw(cls, rng: random.Random, house: House) -> Noise:
        popular = list(house.most_popular)
        rng.shuffle(popular)
        return cls(
            ad_nonce=f"{rng.getrandbits(64):016x}",
            ad_nonce_side=f"{rng.getrandbits(64):016x}",
            inline_nonce=f"{rng.getrandbits(64):016x}",
            share_count=rng.randint(100, 99_999),
            minutes_ago=rng.randint(1, 59),
            most_popular=tuple(popular),
        )


def _e(text: str) -> str:
    return html.escape(text, quote=True)


@cache
def _template(name: str) -> Template:
    source = resources.files("worker.demo").joinpath("templates", name)
    return Template(source.read_text(encoding="utf-8"))


def article_path(slug: str) -> str:
    """The site path of an article: ``/<publisher>/<slug>``."""
    return f"/{PUBLISHER_OF[slug]}/{slug}"


def author_names(byline: str) -> tuple[str, ...]:
    """People named in a byline, without the dateline place ("Andrew Roth in Moscow")."""
    names = (AUTHOR_PLACE.sub("", part).strip() for part in AUTHOR_SPLIT.split(byline))
    return tuple(name for name in names if name)


def json_ld(article: SeedArticle, canonical: str, house: House) -> str:
    """A JSON-LD ``NewsArticle``, safe to place inside ``<script>`` (no ``<``, ``>``, ``&``)."""
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": article.headline,
        "description": _description(article),
        "articleSection": article.section,
        "author": [{"@type": "Person", "name": name} for name in author_names(article.byline)],
        "datePublished": article.published,
        "dateModified": article.modified,
        "mainEntityOfPage": {"@type": "WebPage", "@id": canonical},
        "publisher": {"@type": "Organization", "name": house.name},
        "inLanguage": article.language,
    }
    text = json.dumps(data, ensure_ascii=False, indent=1)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _slugify(text: str) -> str:
    return re.sub(r"\W+", "-", text.lower()).strip("-")


def _teaser_group(house: House, lines: Sequence[str], publisher: str) -> str:
    """Related links as the house marks them up; a "Read more" links to the teaser before it."""
    items, href = [], f"/{publisher}/"
    for line in lines:
        if line in TEASER_LABELS:
            items.append(house.teaser_label.format(text=_e(line)))
        elif line in CTA_LINES:
            items.append(house.teaser_cta.format(href=href, text=_e(line)))
        else:
            href = f"/{publisher}/{_slugify(line)}"
            items.append(house.teaser_item.format(href=href, text=_e(line)))
    return house.teaser_group.format(items="".join(items))


def render_body(article: SeedArticle, house: House, noise: Noise) -> str:
    """The article body in page order, with teaser blocks, an ad and house links between."""
    pieces: list[str] = []
    teasers: list[str] = []
    paragraphs = figures = 0
    for kind, text in article.blocks():
        if kind == "teaser":
            teasers.append(text)
            continue
        if teasers:
            pieces.append(_teaser_group(house, teasers, article.publisher))
            teasers = []
        if kind == "caption":
            figures += 1
            src = f"/static/{article.publisher}/{article.slug}-{figures}.jpg"
            pieces.append(house.figure.format(src=src, caption=_e(text)))
            continue
        snippet = house.subheading if text in article.subheadings else house.paragraph
        pieces.append(snippet.format(text=_e(text)))
        paragraphs += 1
        if paragraphs == INLINE_AD_AFTER:
            pieces.append(house.inline_ad.format(nonce=noise.inline_nonce))
        if paragraphs == HOUSE_RELATED_AFTER:
            pieces.append(_teaser_group(house, house.house_related, article.publisher))
    if teasers:
        pieces.append(_teaser_group(house, teasers, article.publisher))
    return "\n".join(pieces)


def _links(labels: Sequence[str], item: str = '<a href="/{slug}">{label}</a>') -> str:
    return "".join(item.format(slug=_slugify(label), label=_e(label)) for label in labels)


def _description(article: SeedArticle) -> str:
    """The dek, or the first paragraph as Reuters does when a story has no dek."""
    return article.dek or next(iter(article.paragraphs), "")


def _reading_time(article: SeedArticle) -> str:
    """The page's own "N Min Read" line when it has one, else the usual 230 words a minute."""
    for line in article.chrome:
        if line.endswith("Min Read"):
            return line
    words = sum(len(paragraph.split()) for paragraph in article.paragraphs)
    return f"{max(1, round(words / 230))} Min Read"


def render_seed_article(
    article: SeedArticle, *, base_url: str = DEFAULT_BASE_URL, rng: random.Random | None = None
) -> str:
    """A full HTML page for any ``SeedArticle`` in its publisher's house style."""
    house = HOUSES[article.publisher]
    noise = Noise.draw(rng or random.Random(), house)
    canonical = f"{base_url.rstrip('/')}/{article.publisher}/{article.slug}"
    return _template(house.template).substitute(
        language=_e(article.language),
        title=_e(article.headline),
        og_title=_e(article.headline),
        description=_e(_description(article)),
        canonical=_e(canonical),
        source_url=_e(article.source_url),
        published=_e(article.published),
        modified=_e(article.modified),
        jsonld=json_ld(article, canonical, house),
        section=_e(article.section),
        headline=_e(article.headline),
        dek=_e(article.dek),
        byline=_e(article.byline),
        dateline=_e(article.dateline),
        relative=f"{noise.minutes_ago} minutes ago",
        reading_time=_e(_reading_time(article)),
        share_count=str(noise.share_count),
        share_count_text=f"{noise.share_count:,}",
        ad_nonce=noise.ad_nonce,
        ad_nonce_side=noise.ad_nonce_side,
        body=render_body(article, house, noise),
        newsletter=house.newsletter,
        cookie_banner=COOKIE_BANNER,
        nav=_links(house.nav),
        footer_nav=_links(house.footer_nav),
        most_popular=_links(noise.most_popular, '<li><a href="/{slug}">{label}</a></li>'),
        year=str(datetime.now(UTC).year),
    )


def render_article(
    slug: str, capture: int, *, base_url: str = DEFAULT_BASE_URL, rng: random.Random | None = None
) -> str:
    """The page for one seed article as served in one capture (fresh noise unless ``rng``)."""
    return render_seed_article(seed_article(slug, capture), base_url=base_url, rng=rng)


def render_index(capture: int) -> str:
    """The home page: a link to every article of the capture being served."""
    items = (
        f'<li><a href="{article_path(article.slug)}">{_e(article.headline)}</a></li>'
        for article in load_seed()[capture]
    )
    return _template("index.html").substitute(capture=capture, articles="\n".join(items))


class Response(NamedTuple):
    status: int
    content_type: str
    body: bytes


def _json(status: int, data: dict[str, object]) -> Response:
    return Response(status, JSON_TYPE, json.dumps(data).encode())


class _Handler(BaseHTTPRequestHandler):
    """Routes requests to the ``DemoSite`` that owns the server."""

    server: _Server
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self._send(self.server.site.respond("GET", self.path))

    def do_HEAD(self) -> None:
        self._send(self.server.site.respond("GET", self.path), with_body=False)

    def do_POST(self) -> None:
        self._drain_body()
        self._send(self.server.site.respond("POST", self.path))

    def _drain_body(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)

    def _send(self, response: Response, *, with_body: bool = True) -> None:
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        if with_body:
            self.wfile.write(response.body)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the demo serves tests and watch loops; request lines would only be noise."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    site: DemoSite


class DemoSite:
    """The demo news site on a local port, serving capture 1 or 2 of the seed.

    Use as a context manager (``with DemoSite() as site: site.url_for(slug)``) or call
    ``start()``/``stop()``. The port is bound on construction (0 = any free port), so
    ``base_url`` and ``url_for`` work before ``start()``.
    """

    def __init__(self, *, capture: int = 1, host: str = "127.0.0.1", port: int = 0) -> None:
        self.capture = capture
        self._server = _Server((host, port), _Handler)
        self._server.site = self
        self._thread: threading.Thread | None = None

    @property
    def capture(self) -> int:
        return self._capture

    @capture.setter
    def capture(self, value: int) -> None:
        if value not in load_seed():
            raise ValueError(f"capture must be one of {sorted(load_seed())}, not {value!r}")
        self._capture = value

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def url_for(self, slug: str) -> str:
        """The absolute URL of an article on this site; ``KeyError`` for unknown slugs."""
        return self.base_url + article_path(slug)

    def respond(self, method: str, raw_path: str) -> Response:
        """Answer one request (plain function of method and path, so it is easy to test)."""
        path = urlsplit(raw_path).path
        if method == "POST":
            return self._switch_capture(path)
        if path in ("/", "/index.html"):
            return Response(200, HTML_TYPE, render_index(self.capture).encode())
        if path == "/_demo/capture":
            return _json(200, {"capture": self.capture})
        match = ARTICLE_PATH.match(path)
        if match and PUBLISHER_OF.get(match["slug"]) == match["publisher"]:
            page = render_article(match["slug"], self.capture, base_url=self.base_url)
            return Response(200, HTML_TYPE, page.encode())
        return Response(404, HTML_TYPE, b"<!DOCTYPE html><title>Not found</title><h1>404</h1>")

    def _switch_capture(self, path: str) -> Response:
        match = CAPTURE_PATH.match(path)
        if match is None:
            return _json(404, {"error": f"no POST endpoint at {path}"})
        try:
            self.capture = int(match["capture"])
        except ValueError as error:
            return _json(400, {"error": str(error)})
        return _json(200, {"capture": self.capture})

    def start(self) -> Self:
        """Serve in a background thread; returns ``self`` for chaining."""
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": SHUTDOWN_POLL_SECONDS},
                name="demo-site",
                daemon=True,
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and release the port (safe to call twice or before ``start``)."""
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join()
            self._thread = None
        self._server.server_close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def main(argv: Sequence[str] | None = None) -> None:
    """Serve the demo until Ctrl-C: ``python -m worker.demo.site --port 8088 --capture 1``."""
    parser = argparse.ArgumentParser(description="Serve the editwatch demo news site.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8088)
    parser.add_argument("--capture", type=int, default=1, choices=sorted(load_seed()))
    args = parser.parse_args(argv)
    site = DemoSite(capture=args.capture, host=args.host, port=args.port)
    print(f"editwatch demo site on {site.base_url}/ (capture {site.capture})", flush=True)
    for slug in ARTICLE_SLUGS:
        print(f"  {site.url_for(slug)}", flush=True)
    print(f"switch captures: curl -X POST {site.base_url}/_demo/capture/2", flush=True)
    try:
        site.start()
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        site.stop()


if __name__ == "__main__":
    main()

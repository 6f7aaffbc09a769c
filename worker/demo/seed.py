"""The demo seed: three real news articles, each captured twice, parsed into known-true fields.

Why this exists: the demo site and the tests need articles whose true parts are known exactly
(headline, byline, every body paragraph, every caption), so extraction and diffing can be checked
against ground truth rather than against themselves. The seed (``data/seed.txt``) is a flat text
dump, one line per page element, so which line plays which role is decided here by small explicit
per-article data (``SPECS``) plus one caption rule (``CAPTION_CREDITS``), never guessed.

Seed layout: capture 1 holds Reuters, Guardian and Vox in that order, capture 2 the same three.
Each article starts with its URL line, except Reuters in capture 2, which starts at its section
line (recognised by ``ArticleSpec.opening``). Between the captures only the Vox photo caption
disappears; everything else is identical.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Literal

from worker.models import Article

HeaderRole = Literal[
    "section", "dateline", "headline", "dek", "byline", "byline_dateline", "chrome"
]
BlockKind = Literal["paragraph", "caption", "teaser"]

SEED_RESOURCE = ("data", "seed.txt")
URL_PREFIXES = ("http://", "https://")
DEFAULT_LANGUAGE = "en"

# A body line is a photo caption when it ends with a photo credit in one of these house styles.
CAPTION_CREDITS: tuple[re.Pattern[str], ...] = (
    re.compile(r"REUTERS/[A-Z][\w.]*(?: [A-Z][\w.]*)*$"),  # ... REUTERS/Carlos Garcia Rawlins
    re.compile(r"Photograph: [^:]+/[A-Z][\w]+$"),  # ... Photograph: Carlos Jasso/Reuters
    re.compile(r"/AFP/Getty Images$"),  # ... Federico Parra/AFP/Getty Images
)

# Vox prints byline, Twitter handle, an obfuscated e-mail and the date on one line.
BYLINE_DATELINE = re.compile(
    r"^By (?P<byline>[^@]+?)(?:@\w+)?(?:\[email protected\])?\s*"
    r"(?P<dateline>[A-Z][a-z]{2} \d{1,2}, \d{4}.*)$"
)


@dataclass(frozen=True, slots=True)
class ArticleSpec:
    """How to read one publisher's page dump: the roles of its header lines and its boilerplate."""

    publisher: str
    slug: str
    url_host: str
    opening: str  # first line after the URL; finds a capture whose URL line is missing
    header: tuple[HeaderRole, ...]  # roles of the lines after the URL line, in order
    teasers: frozenset[str] = frozenset()  # body-area lines that are related links/boilerplate
    subheadings: frozenset[str] = frozenset()  # body lines that are intertitles (kept in order)
    published: str = ""  # ISO 8601, read by hand from the dateline
    modified: str = ""
    language: str = DEFAULT_LANGUAGE  # BCP 47, as the publisher's <html lang> says


SPECS: tuple[ArticleSpec, ...] = (
    ArticleSpec(
        publisher="reuters",
        slug="russia-says-it-sent-specialists-to-venezuela-rebuffs-trump",
        url_host="reuters.com",
        opening="World News",
        header=("section", "dateline", "headline", "byline", "chrome"),
        teasers=frozenset(
            {
                "Related Coverage",
                "U.S. stalls F-35 supplies to Turkey over dispute",
                "Our Standards:The Thomson Reuters Trust Principles.",
            }
        ),
        published="2019-03-28T18:00:00+00:00",
        modified="2019-03-28T18:00:00+00:00",
    ),
    ArticleSpec(
        publisher="guardian",
        slug="russian-military-arrive-in-venezuela-to-discuss-training-and-strategy",
        url_host="theguardian.com",
        opening="Venezuela",
        header=("section", "headline", "dek", "byline", "dateline", "chrome", "chrome"),
        teasers=frozenset(
            {
                "Barter and dollars the new reality as Venezuela battles hyperinflation",
                "Venezuela opposition fears crackdown after Maduro threatens arrests",
                "Read more",
            }
        ),
        published="2019-03-25T04:13:00+00:00",
        modified="2019-03-25T16:55:00+00:00",
        language="en-GB",
    ),
    ArticleSpec(
        publisher="vox",
        slug="why-russia-just-sent-troops-to-venezuela",
        url_host="vox.com",
        opening="Why Russia just sent troops to Venezuela",
        header=("headline", "dek", "byline_dateline", "chrome"),
        subheadings=frozenset({"Russia has had ties to Venezuela for decades"}),
        published="2019-03-27T12:50:00-04:00",
        modified="2019-03-27T12:50:00-04:00",
    ),
)


@dataclass(frozen=True, slots=True)
class SeedArticle:
    """One captured article, split into the fields a reader (and editwatch) cares about.

    ``layout`` records the seed order of the body blocks as ``(kind, index)`` pairs pointing
    into ``paragraphs`` / ``captions`` / ``teasers``; empty means "use a default order".
    Subheadings are body lines, so they are also in ``paragraphs``, in place.
    """

    slug: str
    publisher: str
    source_url: str
    section: str
    dateline: str
    headline: str
    dek: str
    byline: str
    captions: tuple[str, ...] = ()
    paragraphs: tuple[str, ...] = ()
    teasers: tuple[str, ...] = ()
    subheadings: tuple[str, ...] = ()
    chrome: tuple[str, ...] = ()  # page furniture lines: "3 Min Read", "Shares", "1,606", ...
    published: str = ""
    modified: str = ""
    language: str = DEFAULT_LANGUAGE
    layout: tuple[tuple[BlockKind, int], ...] = ()

    def blocks(self) -> tuple[tuple[BlockKind, str], ...]:
        """The body as ``(kind, text)`` in page order (seed order, or a plausible default)."""
        layout = self.layout or _default_layout(self)
        sources = {"paragraph": self.paragraphs, "caption": self.captions, "teaser": self.teasers}
        return tuple((kind, sources[kind][index]) for kind, index in layout)

    def as_article(self, canonical_url: str = "") -> Article:
        """The ``Article`` a perfect extractor would return for this page."""
        return Article(
            headline=self.headline,
            subheadline=self.dek,
            byline=self.byline,
            published=self.published,
            modified=self.modified,
            paragraphs=self.paragraphs,
            captions=self.captions,
            canonical_url=canonical_url,
            language=self.language,
        )


def _default_layout(article: SeedArticle) -> tuple[tuple[BlockKind, int], ...]:
    """Lead captions first, then paragraphs, with all teasers after the second paragraph."""
    layout: list[tuple[BlockKind, int]] = [("caption", i) for i in range(len(article.captions))]
    for index in range(len(article.paragraphs)):
        layout.append(("paragraph", index))
        if index == 1:
            layout.extend(("teaser", i) for i in range(len(article.teasers)))
    if len(article.paragraphs) < 2:
        layout.extend(("teaser", i) for i in range(len(article.teasers)))
    return tuple(layout)


@dataclass(slots=True)
class _Builder:
    """Collects one page's lines into fields while walking it top to bottom."""

    spec: ArticleSpec
    source_url: str
    header: dict[str, str] = field(default_factory=dict)
    chrome: list[str] = field(default_factory=list)
    blocks: dict[BlockKind, list[str]] = field(
        default_factory=lambda: {"paragraph": [], "caption": [], "teaser": []}
    )
    layout: list[tuple[BlockKind, int]] = field(default_factory=list)

    def add_header(self, role: HeaderRole, line: str) -> None:
        if role == "chrome":
            self.chrome.append(line)
        elif role == "byline_dateline":
            match = BYLINE_DATELINE.match(line)
            if match is None:
                raise ValueError(f"seed: {self.spec.publisher}: no byline and date in {line!r}")
            self.header["byline"] = match["byline"].strip()
            self.header["dateline"] = match["dateline"].strip()
        else:
            self.header[role] = line

    def add_body(self, line: str) -> None:
        kind = _body_kind(self.spec, line)
        self.layout.append((kind, len(self.blocks[kind])))
        self.blocks[kind].append(line)

    def build(self) -> SeedArticle:
        spec, paragraphs = self.spec, tuple(self.blocks["paragraph"])
        return SeedArticle(
            slug=spec.slug,
            publisher=spec.publisher,
            source_url=self.source_url,
            section=self.header.get("section", ""),
            dateline=self.header.get("dateline", ""),
            headline=self.header.get("headline", ""),
            dek=self.header.get("dek", ""),
            byline=self.header.get("byline", ""),
            captions=tuple(self.blocks["caption"]),
            paragraphs=paragraphs,
            teasers=tuple(self.blocks["teaser"]),
            subheadings=tuple(p for p in paragraphs if p in spec.subheadings),
            chrome=tuple(self.chrome),
            published=spec.published,
            modified=spec.modified,
            language=spec.language,
            layout=tuple(self.layout),
        )


def _body_kind(spec: ArticleSpec, line: str) -> BlockKind:
    if line in spec.teasers:
        return "teaser"
    if any(pattern.search(line) for pattern in CAPTION_CREDITS):
        return "caption"
    return "paragraph"


def _is_url(line: str) -> bool:
    return line.startswith(URL_PREFIXES)


def _page_starts(lines: list[str]) -> list[int]:
    """Indexes where a page begins: a URL line, or the expected article's opening line."""
    starts: list[int] = []
    for index, line in enumerate(lines):
        previous = lines[index - 1] if index else ""
        expected = SPECS[len(starts) % len(SPECS)]
        if _is_url(line) or (line == expected.opening and not _is_url(previous)):
            starts.append(index)
    return starts


def _parse_page(spec: ArticleSpec, lines: list[str], known_url: str) -> SeedArticle:
    url = lines[0] if _is_url(lines[0]) else ""
    if url and spec.url_host not in url:
        raise ValueError(f"seed: expected a {spec.url_host} page, found {url!r}")
    content = lines[1:] if url else lines
    if len(content) <= len(spec.header):
        raise ValueError(f"seed: the {spec.publisher} page has no body")
    builder = _Builder(spec, url or known_url)
    for role, line in zip(spec.header, content, strict=False):
        builder.add_header(role, line)
    for line in content[len(spec.header) :]:
        builder.add_body(line)
    return builder.build()


def parse_seed(text: str) -> dict[int, tuple[SeedArticle, ...]]:
    """Articles per capture (1, 2, ...) from the seed text; a page missing its URL reuses
    the URL an earlier capture of the same article had."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    starts = _page_starts(lines)
    if not starts or starts[0] != 0 or len(starts) % len(SPECS):
        raise ValueError(f"seed: found {len(starts)} pages, expected a multiple of {len(SPECS)}")
    bounds = zip(starts, [*starts[1:], len(lines)], strict=True)
    urls: dict[str, str] = {}
    captures: dict[int, list[SeedArticle]] = {}
    for number, (start, end) in enumerate(bounds):
        spec = SPECS[number % len(SPECS)]
        article = _parse_page(spec, lines[start:end], urls.get(spec.slug, ""))
        urls.setdefault(spec.slug, article.source_url)
        captures.setdefault(number // len(SPECS) + 1, []).append(article)
    return {capture: tuple(articles) for capture, articles in captures.items()}


def read_seed_text() -> str:
    """The seed as shipped inside the package."""
    return resources.files("worker.demo").joinpath(*SEED_RESOURCE).read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def load_seed() -> dict[int, tuple[SeedArticle, ...]]:
    """The shipped seed, parsed once per process (callers must not mutate the dict)."""
    return parse_seed(read_seed_text())


def seed_article(slug: str, capture: int) -> SeedArticle:
    """One article of one capture; ``KeyError`` names what is missing."""
    captures = load_seed()
    if capture not in captures:
        raise KeyError(f"no capture {capture}; the seed has {sorted(captures)}")
    for article in captures[capture]:
        if article.slug == slug:
            return article
    raise KeyError(f"no article {slug!r} in capture {capture}")

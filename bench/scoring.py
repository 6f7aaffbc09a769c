"""Scoring for the extraction dev set, exactly as ``bench/data/extraction/README.md`` defines it.

Shared by ``bench/extraction.py`` (the human-facing benchmark) and the CI quality gate
(``tests/unit/test_extraction_gate.py``), so the numbers people read and the floor CI enforces
are computed by one piece of code.
"""

from __future__ import annotations

import gzip
import json
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

from worker.config import load_sites
from worker.extract import extract_article
from worker.models import SiteProfile

DATA_DIR = Path(__file__).resolve().parent / "data" / "extraction"
# Small pages written by hand, one per kind of extraction failure, gold typed by hand.
HANDMADE_DIR = Path(__file__).resolve().parent / "data" / "handmade"
CONFIG_DIR = Path(__file__).resolve().parent.parent / "config"
GOLD_FILE = DATA_DIR / "gold.jsonl"
SHINGLE_SIZE = 4
_TOKEN = re.compile(r"\w+")
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class Page:
    """One dev-set page: its decoded HTML, the same as UTF-8 bytes, and its gold fields."""

    id: str
    url: str
    html: str
    markup: bytes  # what the pipeline hands the extractor for a UTF-8 page (FetchResult.markup)
    gold_body: str
    gold_title: str | None
    with_snippets: tuple[str, ...]
    without_snippets: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Output:
    """What an extractor produced for one page."""

    body: str
    title: str | None = None


@dataclass(frozen=True, slots=True)
class Scores:
    """Aggregate scores over the dev set (fractions in 0..1, except ``empty``)."""

    f1: float
    precision: float
    recall: float
    accuracy: float
    with_rate: float
    with_rate_strict: float  # without the typography fold (as the dev set's README first defined)
    leak_rate: float
    snippet_f1: float
    headline_accuracy: float
    empty: int
    pages: int

    def as_floor(self) -> dict[str, float]:
        """The subset of scores the quality gate pins, rounded for a stable JSON file."""
        return {
            "f1": round(self.f1, 4),
            "with_rate": round(self.with_rate, 4),
            "leak_rate": round(self.leak_rate, 4),
            "headline_accuracy": round(self.headline_accuracy, 4),
        }


def load_pages(data_dir: Path = DATA_DIR) -> list[Page]:
    """Read ``gold.jsonl`` and every page (UTF-8, gzip-compressed or plain ``.html``)."""
    pages = []
    with (data_dir / "gold.jsonl").open(encoding="utf-8") as lines:
        for line in lines:
            row = json.loads(line)
            raw = (data_dir / row["html_file"]).read_bytes()
            html = gzip.decompress(raw) if row["html_file"].endswith(".gz") else raw
            text = html.decode("utf-8", errors="replace")
            pages.append(
                Page(
                    id=row["id"],
                    url=row["url"],
                    html=text,
                    markup=text.encode("utf-8"),
                    gold_body=row["gold_body"],
                    gold_title=row.get("gold_title"),
                    with_snippets=tuple(row.get("with") or ()),
                    without_snippets=tuple(row.get("without") or ()),
                )
            )
    return pages


def shingles(text: str) -> Counter[tuple[str, ...]]:
    """4-token shingles as a multiset; 1-3 tokens make one short shingle."""
    tokens = _TOKEN.findall(text)
    if not tokens:
        return Counter()
    if len(tokens) < SHINGLE_SIZE:
        return Counter([tuple(tokens)])
    return Counter(
        tuple(tokens[i : i + SHINGLE_SIZE]) for i in range(len(tokens) - SHINGLE_SIZE + 1)
    )


def _squash(text: str) -> str:
    return _SPACE.sub(" ", text.lower()).strip()


# Headline "exact match" and snippet matching ignore case, spacing and typographic variants
# (curly vs straight quotes, dash kinds): the gold was typed by people and an LLM, the pages by
# typesetters (81 of editwatch's 133 "missing" snippets on 2026-12-01 differed only in quotes).
_TYPOGRAPHY = str.maketrans(
    {"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-", "…": "...", "\u00a0": " "}
)


def _fold(text: str) -> str:
    """Lower case, single spaces, straight quotes and dashes: how snippets and headlines match."""
    return _squash(text.translate(_TYPOGRAPHY))


def _headline_matches(gold: str, found: str | None) -> bool:
    return _fold(gold) == _fold(found or "")


def score(pages: Iterable[Page], outputs: Iterable[Output]) -> Scores:
    """Score outputs against the gold, page by page, then average as the README says."""
    precisions: list[float] = []
    recalls: list[float] = []
    exact = with_found = with_all = leaks = without_all = empty = n = strict_found = 0
    titled = title_hits = 0
    for page, out in zip(pages, outputs, strict=True):
        n += 1
        got, gold = shingles(out.body), shingles(page.gold_body)
        tp = sum((got & gold).values())
        if got:
            precisions.append(tp / sum(got.values()))
        else:
            empty += 1
        if gold:
            recalls.append(tp / sum(gold.values()))
        exact += _TOKEN.findall(out.body) == _TOKEN.findall(page.gold_body)
        body = _fold(out.body)
        strict_body = _squash(out.body)
        strict_found += sum(_squash(s) in strict_body for s in page.with_snippets)
        with_found += sum(_fold(s) in body for s in page.with_snippets)
        with_all += len(page.with_snippets)
        leaks += sum(_fold(s) in body for s in page.without_snippets)
        without_all += len(page.without_snippets)
        if page.gold_title:
            titled += 1
            title_hits += _headline_matches(page.gold_title, out.title)
    precision = sum(precisions) / len(precisions) if precisions else 0.0
    recall = sum(recalls) / len(recalls) if recalls else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    missing = with_all - with_found
    snippet_den = 2 * with_found + leaks + missing
    return Scores(
        f1=f1,
        precision=precision,
        recall=recall,
        accuracy=exact / n if n else 0.0,
        with_rate=with_found / with_all if with_all else 0.0,
        with_rate_strict=strict_found / with_all if with_all else 0.0,
        leak_rate=leaks / without_all if without_all else 0.0,
        snippet_f1=2 * with_found / snippet_den if snippet_den else 0.0,
        headline_accuracy=title_hits / titled if titled else 0.0,
        empty=empty,
        pages=n,
    )


def run(pages: list[Page], extractor: Callable[[Page], Output]) -> list[Output]:
    """Apply one extractor to every page, in order."""
    return [extractor(page) for page in pages]


@cache
def site_profiles() -> tuple[SiteProfile, ...]:
    """The shipped ``config/sites/*.yaml`` profiles, loaded the way the worker loads them."""
    return load_sites(CONFIG_DIR)


def profile_for(url: str, profiles: tuple[SiteProfile, ...]) -> SiteProfile | None:
    """The profile whose domain is the URL's host or a parent of it (as the pipeline does)."""
    host = (urlsplit(url).hostname or "").lower()
    return next((p for p in profiles if host == p.domain or host.endswith("." + p.domain)), None)


def editwatch(page: Page, *, use_profiles: bool = True) -> Output:
    """editwatch's extractor as the pipeline calls it: with the page's site profile, if any,
    on the page's UTF-8 bytes (a check passes the fetched bytes of a UTF-8 page as they are;
    trafilatura is given the decoded text, the input it reads fastest)."""
    profile = profile_for(page.url, site_profiles()) if use_profiles else None
    article = extract_article(page.markup, page.url, profile)
    return Output(body=article.body_text, title=article.headline)

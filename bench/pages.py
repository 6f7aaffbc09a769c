"""Page pairs: for each hand-made pair, what was expected and what editwatch found.

Each case in ``bench/data/pages/cases.yaml`` is a base page and an edited copy (``edits`` are
find/replace pairs), labelled ``change`` (a moderate or major change whose kinds include the
listed ones) or ``noise`` (no change, or a minor one). Both versions go through extraction in
the case's mode (default ``auto``), the fingerprint and the diff, exactly as a check would.
The same cases are the unit tests' table (tests/unit/test_page_pairs.py).

Run: ``python bench/pages.py`` (``--check`` exits non-zero when any pair is missed; ``--cost 3``
also times the media step against whole extractions of the 262 real article pages).
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from worker.diff import compare
from worker.extract import extract_article
from worker.models import Article, Change, WatchMode
from worker.normalize import fingerprint

DATA = Path(__file__).resolve().parent / "data" / "pages"
CASES = DATA / "cases.yaml"
BASE_URL = "https://pages.example.com/section/page"
MEANINGFUL = frozenset({"moderate", "major"})


@dataclass(frozen=True)
class Case:
    """One labelled pair: the base page, the edits that make the second capture, the label."""

    name: str
    page: str
    expect: str  # change | noise
    edits: tuple[tuple[str, str], ...]
    kinds: frozenset[str] = field(default_factory=frozenset)
    mode: WatchMode = "auto"

    def pages(self) -> tuple[str, str]:
        """The two captures; a find that does not occur exactly once is a broken case."""
        old = (DATA / self.page).read_text(encoding="utf-8")
        new = old
        for find, replace in self.edits:
            if new.count(find) != 1:
                raise ValueError(f"{CASES}: case {self.name!r}: {find[:60]!r} is not unique")
            new = new.replace(find, replace)
        return old, new


@dataclass(frozen=True)
class Found:
    """What the pipeline's stages made of one pair."""

    mode: str
    change: Change | None

    @property
    def significance(self) -> str:
        return self.change.significance if self.change else "none"

    @property
    def kinds(self) -> frozenset[str]:
        return frozenset(self.change.kinds) if self.change else frozenset()


def load_cases(path: Path = CASES) -> list[Case]:
    raw: list[dict[str, Any]] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [
        Case(
            name=item["name"],
            page=item["page"],
            expect=item["expect"],
            edits=tuple((find, replace) for find, replace in item["edits"]),
            kinds=frozenset(item.get("kinds", ())),
            mode=item.get("mode", "auto"),
        )
        for item in raw
    ]


def run_case(case: Case) -> Found:
    """Extract both captures (the second in the mode the first was read in), diff them."""
    old_html, new_html = case.pages()
    old = extract_article(old_html, BASE_URL, mode=case.mode)
    mode: WatchMode = old.mode if case.mode == "auto" else case.mode
    new = extract_article(new_html, BASE_URL, mode=mode)
    return Found(old.mode, _change(old, new))


def _change(old: Article, new: Article) -> Change | None:
    if fingerprint(old) == fingerprint(new):
        return None
    return compare(old, new)


def passed(case: Case, found: Found) -> bool:
    """``change``: moderate or major, with the expected kinds; ``noise``: none or minor."""
    if case.expect == "noise":
        return found.significance not in MEANINGFUL
    return found.significance in MEANINGFUL and case.kinds <= found.kinds


def media_cost(repeat: int) -> None:
    """Time the media and mode step against whole extractions on the 262 real article pages
    (CPU time): the media step as extraction runs it, on the extracted tree with the scan and
    the body walk's elements handed over."""
    from selectolax.lexbor import LexborHTMLParser

    from bench.scoring import load_pages
    from worker.extract.document import extract as _extract
    from worker.extract.page import read_page
    from worker.models import Selectors

    pages = load_pages()
    whole = media = auto = float("inf")
    modes: dict[str, int] = {}
    for page in pages:
        mode = extract_article(page.html, page.url, mode="auto").mode
        modes[mode] = modes.get(mode, 0) + 1
    for _ in range(repeat):
        totals = [0.0, 0.0, 0.0]
        for page in pages:
            started = time.process_time()
            extract_article(page.html, page.url, mode="article")
            totals[0] += time.process_time() - started
            tree = LexborHTMLParser(page.html)
            article, scan, walked = _extract(tree, page.url, Selectors())
            started = time.process_time()
            read_page(tree, article, page.url, "article", scan, walked)
            totals[1] += time.process_time() - started
            started = time.process_time()
            extract_article(page.html, page.url, mode="auto")
            totals[2] += time.process_time() - started
        whole, media, auto = min(whole, totals[0]), min(media, totals[1]), min(auto, totals[2])
    count = len(pages)
    print(
        f"{count} pages, best of {repeat}: extract (article mode)"
        f" {whole / count * 1000:.2f} ms/page,"
        f" of which media {media / count * 1000:.2f} ms ({media / whole:.0%});"
        f" auto mode {auto / count * 1000:.2f} ms/page;"
        f" auto read {modes.get('article', 0)} as articles, {modes.get('page', 0)} as pages"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when a pair is missed")
    parser.add_argument("--details", action="store_true", help="print each change's sentences")
    parser.add_argument(
        "--cost",
        type=int,
        metavar="N",
        default=0,
        help="also time the media step on the 262 extraction pages (best of N)",
    )
    args = parser.parse_args()
    cases, misses, started = load_cases(), 0, time.perf_counter()
    print(f"{'pair':<58} {'mode':<8} {'expected':<22} {'found':<34} ok")
    for case in cases:
        found = run_case(case)
        ok = passed(case, found)
        misses += not ok
        expected = "noise" if case.expect == "noise" else f"change {','.join(sorted(case.kinds))}"
        kinds = ",".join(sorted(found.kinds)) or "-"
        print(
            f"{case.name[:58]:<58} {found.mode:<8} {expected:<22} "
            f"{found.significance + ' ' + kinds:<34} {'yes' if ok else 'MISS'}"
        )
        if args.details and found.change:
            for line in found.change.details:
                print(f"    {line}")
    elapsed = time.perf_counter() - started
    print(f"\n{len(cases) - misses}/{len(cases)} pairs as labelled ({elapsed:.2f}s)")
    if args.cost:
        media_cost(args.cost)
    return 1 if args.check and misses else 0


if __name__ == "__main__":
    raise SystemExit(main())

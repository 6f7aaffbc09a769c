"""Extraction benchmark: editwatch's extractor vs trafilatura on the same pages, in one run.

    .venv/bin/python -m bench.extraction            # both extractors, table + ratio
    .venv/bin/python -m bench.extraction --only editwatch
    .venv/bin/python -m bench.extraction --worst 15 # editwatch's weakest pages, to improve
    .venv/bin/python -m bench.extraction --only editwatch --write-floor  # raise the CI floor
    .venv/bin/python -m bench.extraction --set handmade  # the hand-made page of each failure kind

trafilatura is the ``bench`` extra (``pip install -e '.[bench]'``), never a runtime dependency.
Speed counts only the extraction call on HTML already decoded in memory, like the dev set's
README, so both extractors are timed the same way on the same machine at the same moment; each
runs ``--repeat`` passes (default 2), the two taking turns, and its fastest pass counts, so
neither pays for warm-up. Time is CPU time of this process (``time.process_time``): on a
machine shared with other jobs, wall time would charge their load to whichever ran during it.
Every editwatch pass starts with its memo caches emptied (URL cleaning, class words: see
:func:`cold_caches`): a cache large enough to hold the whole dev set would otherwise answer the
second pass from memory. trafilatura's caches are left warm: they mostly hold its set-up (stop
lists, date patterns; emptying them more than halves its speed), so this only favours it.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

if __package__ in (None, ""):  # allow `python bench/extraction.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.scoring import (
    DATA_DIR,
    HANDMADE_DIR,
    Output,
    Page,
    Scores,
    editwatch,
    load_pages,
    score,
    shingles,
)
from worker.extract import EXTRACTOR_VERSION

FLOOR_FILE = Path(__file__).resolve().parent / "extraction_floor.json"
CEILINGS = frozenset({"leak_rate"})  # lower is better; pinned rounded up, not down


@dataclass(frozen=True, slots=True)
class Result:
    name: str
    scores: Scores
    pages_per_second: float
    outputs: list[Output]


def trafilatura_extractor() -> Callable[[Page], Output] | None:
    """trafilatura with the settings of the dev set's baseline, or None when not installed."""
    try:
        import trafilatura
    except ImportError:
        return None

    def run(page: Page) -> Output:
        return Output(body=trafilatura.extract(page.html, include_comments=False) or "")

    return run


def trafilatura_titles(pages: list[Page]) -> list[str | None]:
    """trafilatura's headline per page; untimed, since its extract() does not return one."""
    import trafilatura

    titles = []
    for page in pages:
        meta = trafilatura.extract_metadata(page.html)
        titles.append(meta.title if meta else None)
    return titles


def cold_caches(packages: tuple[str, ...] = ("worker",)) -> int:
    """Empty every ``functools`` cache in the modules of ``packages``; return how many.

    Within a pass the caches fill as they would in a worker (a site repeats its class strings
    and its navigation links); between passes they must not carry the dev set over."""
    cleared = 0
    for name, module in list(sys.modules.items()):
        if not any(name == package or name.startswith(f"{package}.") for package in packages):
            continue
        for value in list(vars(module).values()):
            if callable(clear := getattr(value, "cache_clear", None)):
                clear()
                cleared += 1
    return cleared


@dataclass(slots=True)
class Contender:
    """One extractor under measurement: its fastest pass so far and that pass's outputs."""

    name: str
    extractor: Callable[[Page], Output]
    packages: tuple[str, ...] = ()  # whose caches each pass empties (see :func:`cold_caches`)
    best: float = float("inf")
    outputs: list[Output] | None = None

    def one_pass(self, pages: list[Page]) -> None:
        """Extract every page once from cold caches; time only the extraction calls, in CPU
        seconds of this process (other jobs on a shared machine then slow neither side)."""
        cold_caches(self.packages)
        outputs = []
        elapsed = 0.0
        for page in pages:
            start = time.process_time()
            outputs.append(self.extractor(page))
            elapsed += time.process_time() - start
        if elapsed < self.best:
            self.best = elapsed
        self.outputs = outputs

    def result(self, pages: list[Page]) -> Result:
        outputs = self.outputs or []
        return Result(self.name, score(pages, outputs), len(pages) / self.best, outputs)


def measure(contenders: list[Contender], pages: list[Page], repeat: int = 1) -> list[Result]:
    """Run every extractor over every page ``repeat`` times, their passes taking turns (so a
    change in the machine's load falls on both), and keep each one's fastest pass (the first
    also pays for imports and lazy set-up)."""
    for _ in range(repeat):
        for contender in contenders:
            contender.one_pass(pages)
    return [contender.result(pages) for contender in contenders]


def with_titles(result: Result, pages: list[Page], titles: list[str | None]) -> Result:
    outputs = [Output(out.body, title) for out, title in zip(result.outputs, titles, strict=True)]
    return Result(result.name, score(pages, outputs), result.pages_per_second, outputs)


def table(results: list[Result]) -> str:
    """A Markdown table, the shape the README shows."""
    lines = [
        "| extractor | F1 | precision | recall | with% | with% strict | leak% | headline | empty "
        "| pages/s |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for result in results:
        s = result.scores
        lines.append(
            f"| {result.name} | {s.f1:.3f} | {s.precision:.3f} | {s.recall:.3f} | "
            f"{100 * s.with_rate:.1f} | {100 * s.with_rate_strict:.1f} | {100 * s.leak_rate:.1f} | "
            f"{100 * s.headline_accuracy:.1f}% | {s.empty} | {result.pages_per_second:.0f} |"
        )
    return "\n".join(lines)


def worst(pages: list[Page], outputs: list[Output], count: int) -> str:
    """The pages with the lowest shingle F1, to know where to look next."""
    rows = []
    for page, out in zip(pages, outputs, strict=True):
        got, gold = shingles(out.body), shingles(page.gold_body)
        tp = sum((got & gold).values())
        precision = tp / max(1, sum(got.values()))
        recall = tp / max(1, sum(gold.values()))
        f1 = 2 * precision * recall / (precision + recall) if tp else 0.0
        rows.append((f1, precision, recall, page))
    rows.sort(key=lambda row: row[0])
    return "\n".join(
        f"{page.id}  F1={f1:.2f} P={p:.2f} R={r:.2f}  {page.url}" for f1, p, r, page in rows[:count]
    )


def write_floor(scores: Scores, path: Path = FLOOR_FILE) -> dict[str, float]:
    """Pin today's scores (to 3 decimals, rounded towards failing) as the floor CI enforces."""
    floor = {}
    for metric, value in scores.as_floor().items():
        rounding = math.ceil if metric in CEILINGS else math.floor
        floor[metric] = rounding(value * 1000) / 1000
    document = {
        "about": "Extraction quality floor on bench/data/extraction (262 pages); "
        "tests/unit/test_extraction_gate.py fails below it. Raise it with "
        "`python -m bench.extraction --only editwatch --write-floor`.",
        "extractor": EXTRACTOR_VERSION,
        "floor": floor,
    }
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    return floor


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=("editwatch", "trafilatura"))
    parser.add_argument("--worst", type=int, default=0, help="list editwatch's N worst pages")
    parser.add_argument("--write-floor", action="store_true", help="pin editwatch's scores")
    parser.add_argument("--repeat", type=int, default=2, help="passes per extractor (fastest)")
    parser.add_argument(
        "--generic", action="store_true", help="ignore config/sites profiles (generic path only)"
    )
    parser.add_argument(
        "--set", choices=("dev", "handmade"), default="dev", help="which pages (default: dev)"
    )
    args = parser.parse_args(argv)
    if args.write_floor and args.set != "dev":
        parser.error("--write-floor pins the dev set's scores; drop --set")
    pages = load_pages(DATA_DIR if args.set == "dev" else HANDMADE_DIR)
    results = run(args, pages)
    print(f"{len(pages)} pages\n")
    print(table(results))
    if len(results) == 2:
        editwatch_result, trafilatura_result = results
        ratio = editwatch_result.pages_per_second / trafilatura_result.pages_per_second
        print(f"\nspeed ratio editwatch / trafilatura: {ratio:.1f}x")
        print(f"F1 difference: {editwatch_result.scores.f1 - trafilatura_result.scores.f1:+.3f}")
    if results and args.only != "trafilatura":
        if args.write_floor:
            print(f"\nfloor written to {FLOOR_FILE}: {write_floor(results[0].scores)}")
        if args.worst:
            print(f"\nworst {args.worst} pages (editwatch):")
            print(worst(pages, results[0].outputs, args.worst))
    return 0


def run(args: argparse.Namespace, pages: list[Page]) -> list[Result]:
    """editwatch and trafilatura (when installed), timed the same way, passes taking turns."""
    contenders = []
    if args.only != "trafilatura":
        name = f"editwatch ({EXTRACTOR_VERSION}{', generic' if args.generic else ''})"
        ours = partial(editwatch, use_profiles=not args.generic)
        contenders.append(Contender(name, ours, packages=("worker",)))
    if args.only != "editwatch":
        traf = trafilatura_extractor()
        if traf is None:
            print("trafilatura is not installed: pip install -e '.[bench]'", file=sys.stderr)
        else:
            contenders.append(Contender("trafilatura 2.x, extract(include_comments=False)", traf))
    results = measure(contenders, pages, args.repeat)
    if contenders and contenders[-1].name.startswith("trafilatura"):
        results[-1] = with_titles(results[-1], pages, trafilatura_titles(pages))
    return results


if __name__ == "__main__":
    raise SystemExit(main())

"""Do alerts tell the truth? Real edits found, named right, and no noise anywhere.

For many synthetic stories in every layout of :mod:`bench.truth_pages`, each edit kind is
applied once; the old and the new page are rendered with *different* fresh noise, and the real
pipeline runs: extract -> normalize (fingerprint) -> diff -> render (text, Markdown, HTML).
Printed: per-edit recall (the edit is reported with its kind), unexplained kinds (a kind no edit
explains, e.g. ``paragraph_added`` for a headline edit), noise lines in the rendered diffs, and
alerts on noise-only re-renders. Targets: every edit >= 98 %, 0 unexplained, 0 noise lines,
0 noise alerts. ``--check`` exits 1 when a target is missed.

    python -m bench.truth --stories 40
"""

from __future__ import annotations

import argparse
import random
import re
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from bench.truth_pages import (
    EDITS,
    LAYOUTS,
    NO_CAPTIONS,
    NOISE_MARKERS,
    Edit,
    Noise,
    make_story,
    render,
)
from worker.diff import compare, should_alert
from worker.extract import extract_article
from worker.models import Article, Change
from worker.normalize import fingerprint, normalize_article
from worker.render import render_html, render_markdown, render_text

RECALL_TARGET = 0.98
NOISE_RE = re.compile("|".join(re.escape(m) for m in NOISE_MARKERS), re.IGNORECASE)


@dataclass
class Tally:
    found: Counter[str] = field(default_factory=Counter)
    tried: Counter[str] = field(default_factory=Counter)
    missed_by_layout: Counter[tuple[str, str]] = field(default_factory=Counter)
    unexplained: Counter[tuple[str, str]] = field(default_factory=Counter)
    noise_lines: list[str] = field(default_factory=list)
    noise_alerts: int = 0
    rerenders: int = 0


def page_article(story_page: bytes, url: str) -> Article:
    return extract_article(story_page, url)


def rendered_lines(change: Change, old: Article, new: Article) -> list[str]:
    """Every line of the text, Markdown and HTML renderings, as a channel would send them."""
    old_c, new_c = normalize_article(old), normalize_article(new)
    texts = (
        render_text(change, old=old_c, new=new_c, color=False),
        render_markdown(change, old=old_c, new=new_c),
        render_html(change, old=old_c, new=new_c),
    )
    return [line for text in texts for line in text.splitlines()]


def run_edit(edit: Edit, layout: str, seed: int, tally: Tally) -> None:
    rng = random.Random(seed)
    story = make_story(rng)
    edited = edit.apply(story, rng)
    url = f"https://news.test/{layout}/story-{seed}"
    old = page_article(render(story, layout, Noise.fresh(rng)), url)
    new = page_article(render(edited, layout, Noise.fresh(rng)), url)
    change = compare(old, new)
    tally.tried[edit.name] += 1
    kinds = change.kinds if change else frozenset()
    weight = change.significance if change else None
    hit = edit.kind in kinds and edit.significance in (None, weight)
    if hit:
        tally.found[edit.name] += 1
    else:
        tally.missed_by_layout[(edit.name, layout)] += 1
    for kind in sorted(kinds - edit.allowed):
        tally.unexplained[(edit.name, kind)] += 1
    if change is not None:
        lines = rendered_lines(change, old, new)
        tally.noise_lines += [line for line in lines if NOISE_RE.search(line)]


def run_rerender(layout: str, seed: int, tally: Tally) -> None:
    rng = random.Random(seed)
    story = make_story(rng)
    url = f"https://news.test/{layout}/story-{seed}"
    first = page_article(render(story, layout, Noise.fresh(rng)), url)
    second = page_article(render(story, layout, Noise.fresh(rng)), url)
    tally.rerenders += 1
    change = compare(first, second)
    if fingerprint(first) != fingerprint(second) or (change is not None and should_alert(change)):
        tally.noise_alerts += 1


def run(stories: int, seed: int) -> Tally:
    tally = Tally()
    for layout in LAYOUTS:
        for n in range(stories):
            story_seed = seed * 100_000 + LAYOUTS.index(layout) * 10_000 + n
            for edit in EDITS:
                if edit.name == "caption" and layout in NO_CAPTIONS:
                    continue
                run_edit(edit, layout, story_seed, tally)
            run_rerender(layout, story_seed, tally)
    return tally


def report(tally: Tally) -> bool:
    ok = True
    print(f"{'edit':<18} {'recall':>8}  missed by layout")
    for edit in EDITS:
        tried = tally.tried[edit.name]
        recall = tally.found[edit.name] / tried if tried else 0.0
        ok &= recall >= RECALL_TARGET
        missed = ", ".join(
            f"{layout}: {count}"
            for (name, layout), count in sorted(tally.missed_by_layout.items())
            if name == edit.name
        )
        print(f"{edit.name:<18} {recall:>7.1%}  {missed}")
    unexplained = sum(tally.unexplained.values())
    print(f"unexplained kinds: {unexplained}")
    by_edit: dict[str, list[str]] = defaultdict(list)
    for (name, kind), count in sorted(tally.unexplained.items()):
        by_edit[name].append(f"{kind} x{count}")
    for name, kinds in by_edit.items():
        print(f"  {name}: {', '.join(kinds)}")
    print(f"noise lines in rendered diffs: {len(tally.noise_lines)}")
    for line in tally.noise_lines[:5]:
        print(f"  {line[:120]}")
    print(f"alerts on noise-only re-renders: {tally.noise_alerts} of {tally.rerenders}")
    return ok and not unexplained and not tally.noise_lines and not tally.noise_alerts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stories", type=int, default=40, help="stories per layout")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args(argv)
    per_story = sum(len(EDITS) - (layout in NO_CAPTIONS) for layout in LAYOUTS)
    edits = per_story * args.stories
    print(f"{args.stories} stories x {len(LAYOUTS)} layouts ({', '.join(LAYOUTS)}): {edits} edits")
    ok = report(run(args.stories, args.seed))
    print("targets met" if ok else "targets MISSED")
    return 1 if args.check and not ok else 0


if __name__ == "__main__":
    sys.exit(main())

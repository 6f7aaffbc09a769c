"""Send-time rendering cost: what a channel spends turning a stored change into its message.

Alerts are rendered when they are sent, from the stored JSON diff, instead of being rendered
ahead and stored once per channel. This measures that cost for the 20-edit change of
``bench/diff.py`` (5,000 words): reading the JSON back plus text, Markdown and HTML, against
rendering the same three from the live ``Change`` (what the pipeline used to do per alert).
Target: under 10 ms per alert for all three renderings.

Run: ``python bench/render.py`` (``--check`` exits non-zero when the target is missed).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.diff import SEED, article, scattered_edits
from worker.diff import compare
from worker.notify import message
from worker.render import render_html, render_json, render_markdown, render_text

RUNS = 200
TARGET_MS = 10.0


def timed(work: Callable[[], object]) -> tuple[float, float]:
    """Median and 95th-percentile milliseconds of ``work``."""
    work()  # warm-up
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        work()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when the target is missed")
    args = parser.parse_args()
    rng = random.Random(SEED)
    old = article(rng)
    new = scattered_edits(rng, old)
    change = compare(old, new)
    assert change is not None
    meta = {"name": "bench", "url": "https://news.example/bench"}
    diff = json.loads(json.dumps(render_json(change, old=old, new=new, meta={})))
    payload = {"watch": "bench", "url": meta["url"], "old_version": 1, "new_version": 2}
    payload["diff"] = diff

    def live() -> None:
        for renderer in (render_text, render_markdown, render_html):
            renderer(change, old=old, new=new, meta=meta)

    def at_send() -> None:
        message.text(payload), message.markdown(payload), message.html_page(payload)

    print(f"20-edit change of a 5,000-word article; {RUNS} runs each")
    results = {"live Change (before)": timed(live), "stored JSON (at send)": timed(at_send)}
    for name, (median, p95) in results.items():
        print(f"{name:<22} median {median:6.2f} ms  p95 {p95:6.2f} ms")
    median = results["stored JSON (at send)"][0]
    print(f"target < {TARGET_MS:g} ms per alert: {'ok' if median < TARGET_MS else 'MISSED'}")
    return 1 if args.check and median >= TARGET_MS else 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The web viewer on a big store: p50/p95 latency of every page and API call.

Target (issue 16): p95 < 100 ms for pages and the API with 10,000 watches and 200,000 versions
in SQLite. The store is written with the store's own schema (bulk inserts: the real pipeline
would need hours for 200,000 fetches), with articles, diffs and outbox rows shaped like the
pipeline's; the viewer is ``editwatch web`` in its own process on 127.0.0.1, asked over HTTP
keep-alive by one client, so each figure is one request's full round trip.

Run: ``python bench/web.py`` (``--watches``, ``--versions``, ``--requests``, ``--keep DIR`` to
reuse a generated store, ``--check`` exits non-zero when a p95 misses the target).
"""

from __future__ import annotations

import argparse
import json
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from worker.diff import compare
from worker.models import Article
from worker.render import render_json
from worker.store import Store
from worker.store.schema import changes, checks, notifications, version_pages, versions, watches

TARGET_P95_MS = 100.0
SITES = 200
TAGS = ("politics", "world", "business", "climate")
WORDS = ("council", "budget", "minister", "election", "court", "police", "report", "storm",
         "market", "vote", "border", "health", "school", "energy", "talks", "strike", "prices",
         "rates", "league", "museum", "ferry", "bridge", "trial", "senate")  # fmt: skip
NOW = datetime.now(UTC)


def sentence(rng: random.Random, words: int = 22) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "."


def article(rng: random.Random, headline: str) -> Article:
    return Article(
        headline=headline,
        byline="Staff Reporter",
        published="2026-11-01T09:00:00Z",
        paragraphs=tuple(sentence(rng) for _ in range(6)),
        captions=(sentence(rng, 12),),
        language="en",
    )


def watch_url(index: int) -> str:
    return f"https://www.site{index % SITES}.example/news/{index}-{WORDS[index % len(WORDS)]}"


def write_config(directory: Path, count: int) -> Path:
    """A config dir naming every watch, with tags, as a newsroom's would."""
    directory.mkdir(parents=True, exist_ok=True)
    settings = {"defaults": {"interval": "1h"}}
    entries = [
        {"url": watch_url(i), "name": f"story-{i}", "tags": [TAGS[i % len(TAGS)]]}
        for i in range(count)
    ]
    (directory / "editwatch.yaml").write_text(yaml.safe_dump(settings), encoding="utf-8")
    (directory / "watches.yaml").write_text(yaml.safe_dump({"watches": entries}), "utf-8")
    return directory


def populate(data: Path, count: int, total_versions: int) -> None:
    """``count`` watches sharing ``total_versions`` versions, one change per later version."""
    rng = random.Random(16)
    Store.open(data).close()  # creates the schema (and the viewer's indexes)
    engine = sa.create_engine(f"sqlite:///{data / 'editwatch.db'}")
    first, second = article(rng, "Budget vote delayed"), article(rng, "Budget vote passes")
    change = compare(first, second)
    assert change is not None
    diff = json.dumps(render_json(change, old=first, new=second, meta={}), sort_keys=True)
    per_watch = total_versions // count
    raw = zlib.compress(b"<html><body><h1>stored page</h1>" + b"<p>text</p>" * 200 + b"</body>")
    with engine.begin() as connection:
        for start in range(0, count, 500):
            _insert_batch(
                connection, rng, range(start, min(count, start + 500)), per_watch, raw, diff
            )
    engine.dispose()


def _insert_batch(
    connection: sa.Connection, rng: random.Random, ids: range, per_watch: int, raw: bytes, diff: str
) -> None:
    watch_rows, version_rows, change_rows, check_rows, alert_rows = [], [], [], [], []
    page_rows: list[dict[str, object]] = []
    for i in ids:
        watch_id = i + 1
        created = NOW - timedelta(days=30)
        for number in range(1, per_watch + 1):
            version_id = i * per_watch + number
            seen = (
                created + timedelta(hours=number * (720 // per_watch)) - timedelta(minutes=i % 60)
            )
            body = article(rng, f"{sentence(rng, 7)[:-1]} ({number})")
            page_rows.append({"version_id": version_id, "raw_html": raw})
            version_rows.append({
                "id": version_id, "watch_id": watch_id, "number": number,
                "fingerprint": f"{watch_id}-{number}", "article": json.dumps(body.to_dict()),
                "extractor_version": "bench",
                "first_seen": seen, "last_seen": seen,
            })  # fmt: skip
            if number > 1:
                kinds = ["body", "headline"] + (["caption"] if number % 7 == 0 else [])
                change_rows.append({
                    "id": version_id, "watch_id": watch_id, "old_version_id": version_id - 1,
                    "new_version_id": version_id, "kinds": json.dumps(kinds),
                    "significance": "moderate", "silent": False, "diff": diff, "detected_at": seen,
                })  # fmt: skip
                if number == per_watch and i % 5 == 0:
                    alert_rows.append({
                        "change_id": version_id, "kind": "change", "channel": "desk",
                        "payload": json.dumps({"watch": f"story-{i}"}),
                        "state": "dead" if i % 25 == 0 else "sent", "attempts": 1,
                        "next_attempt_at": seen, "created_at": seen, "updated_at": seen,
                        "last_error": "HTTP 500" if i % 25 == 0 else None,
                    })  # fmt: skip
        for hour in range(24):
            failed = (i + hour) % 17 == 0
            check_rows.append({
                "watch_id": watch_id, "started_at": NOW - timedelta(hours=hour, minutes=i % 60),
                "duration_ms": 120.0, "status": 500 if failed else 200, "bytes": 40_000,
                "outcome": "error" if failed else "unchanged",
                "error": "HTTP 500" if failed else None,
            })  # fmt: skip
        watch_rows.append({
            "id": watch_id, "url": watch_url(i), "name": f"story-{i}", "created_at": created,
            "last_checked_at": NOW - timedelta(minutes=i % 60), "last_outcome": "unchanged",
            "consecutive_failures": 1 if i % 17 == 0 else 0,
            "current_version_id": i * per_watch + per_watch,
        })  # fmt: skip
    connection.execute(watches.insert(), watch_rows)
    connection.execute(versions.insert(), version_rows)
    connection.execute(version_pages.insert(), page_rows)
    connection.execute(changes.insert(), change_rows)
    connection.execute(checks.insert(), check_rows)
    if alert_rows:
        connection.execute(notifications.insert(), alert_rows)


@contextmanager
def served(config: Path, data: Path) -> Iterator[str]:
    """``editwatch web`` in its own process, as users run it (a thread would share the GIL)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    command = [sys.executable, "-m", "worker", "--config", str(config), "--data", str(data),
               "web", "--port", str(port)]  # fmt: skip
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                httpx.get(base + "/static/style.css")
                break
            except httpx.TransportError:
                time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)


def targets(count: int, per_watch: int, rng: random.Random) -> dict[str, Any]:
    """Each named request, as a function of a random watch so caches do not flatter."""

    def pick() -> int:
        return rng.randrange(1, count + 1)

    def pair() -> tuple[int, int, int]:
        new = rng.randrange(2, per_watch + 1)
        return pick(), rng.randrange(1, new), new

    return {
        "page /": lambda: "/",
        "page / search": lambda: f"/?q={rng.choice(WORDS)}+{rng.choice(WORDS)}",
        "page / site": lambda: f"/?site=site{rng.randrange(SITES)}.example",
        "page / tag + offset": lambda: f"/?tag={rng.choice(TAGS)}&offset={rng.randrange(20) * 100}",
        "page timeline": lambda: f"/w/{pick()}",
        "page diff": lambda: "/w/{}/diff/{}/{}".format(*pair()),
        "page version": lambda: f"/w/{pick()}/v/{rng.randrange(1, per_watch + 1)}",
        "page alerts": lambda: "/alerts?state=dead",
        "page sites": lambda: "/sites",
        "feed all": lambda: "/feeds/changes.atom",
        "feed watch": lambda: f"/feeds/watch/{pick()}.atom",
        "feed tag": lambda: f"/feeds/tag/{rng.choice(TAGS)}.atom",
        "api watches": lambda: f"/api/v1/watches?offset={rng.randrange(100) * 100}",
        "api watches search": lambda: f"/api/v1/watches?q={rng.choice(WORDS)}",
        "api watch": lambda: f"/api/v1/watches/{pick()}",
        "api versions": lambda: f"/api/v1/watches/{pick()}/versions",
        "api diff": lambda: "/api/v1/watches/{}/diff?from={}&to={}".format(*pair()),
        "api changes since": lambda: (
            "/api/v1/changes?since="
            + (NOW - timedelta(hours=rng.randrange(1, 48))).isoformat().replace("+00:00", "Z")
        ),
        "api changes kind": lambda: "/api/v1/changes?kind=caption",
        "api health": lambda: "/api/v1/health",
        "api alerts": lambda: "/api/v1/alerts?state=dead",
    }


def measure(base: str, named: dict[str, Any], requests: int) -> dict[str, tuple[float, float]]:
    figures: dict[str, tuple[float, float]] = {}
    with httpx.Client(base_url=base, timeout=30) as client:
        started = time.perf_counter()
        client.get("/api/v1/health")  # first call: the day of checks was counted at start
        cold = (time.perf_counter() - started) * 1000
        figures["api health, first"] = (cold, cold)
        for name, path_of in named.items():
            times = []
            for _ in range(requests):
                path = path_of()
                started = time.perf_counter()
                response = client.get(path)
                times.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200, (
                    path,
                    response.status_code,
                    response.text[:300],
                )
            times.sort()
            figures[name] = (statistics.median(times), times[int(0.95 * (len(times) - 1))])
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--watches", type=int, default=10_000)
    parser.add_argument("--versions", type=int, default=200_000)
    parser.add_argument("--requests", type=int, default=60, help="per endpoint")
    parser.add_argument("--keep", type=Path, help="generate into / reuse this directory")
    parser.add_argument("--check", action="store_true", help="exit 1 if a p95 misses the target")
    args = parser.parse_args()
    root = args.keep or Path(tempfile.mkdtemp(prefix="editwatch-web-bench-"))
    config, data = root / "config", root / "data"
    if not (data / "editwatch.db").exists():
        started = time.perf_counter()
        write_config(config, args.watches)
        populate(data, args.watches, args.versions)
        print(f"generated {args.watches} watches, {args.versions} versions in "
              f"{time.perf_counter() - started:.0f} s ({root})")  # fmt: skip
    per_watch = args.versions // args.watches
    with served(config, data) as base:
        figures = measure(base, targets(args.watches, per_watch, random.Random(7)), args.requests)
    print(f"{'request':<22} {'p50 ms':>8} {'p95 ms':>8}")
    for name, (p50, p95) in figures.items():
        flag = "" if p95 < TARGET_P95_MS else "  <- over target"
        print(f"{name:<22} {p50:8.1f} {p95:8.1f}{flag}")
    worst = max(p95 for _, p95 in figures.values())
    print(f"worst p95 {worst:.1f} ms (target < {TARGET_P95_MS:.0f} ms)")
    return 1 if args.check and worst >= TARGET_P95_MS else 0


if __name__ == "__main__":
    raise SystemExit(main())

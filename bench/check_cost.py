"""CPU per check inside one process: the pipeline's own cost, without Celery or process start.

``check`` mode: N synthetic news pages (``bench/truth_pages.py`` layouts, a fresh render of the
noise on every request, or an ETag that makes every answer a 304 with ``--mode 304``) served by
a local HTTP server in a child process (its CPU is not counted), checked with
``pipeline.check_many`` as ``editwatch check`` runs it: one warm-up round, then ``--rounds``
measured rounds of every watch. Prints CPU ms per check (``time.process_time``).

``memory`` mode: a worker's main process imports ``worker.tasks`` with a generated
``watches.yaml`` of ``--watches`` entries, forks a "pool process" that builds its runtime, its
targets and the dispatch view; prints RSS / PSS of both and the per-task cost of the
reload check and targets lookup.

    python bench/check_cost.py check --pages 200 --rounds 3 [--mode 304]
    python bench/check_cost.py memory --watches 100000
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import ModuleType

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

VARIANTS = 6  # renders per page, served in turn: the noise moves on every request


def serve(port: int, pages: int) -> None:
    """The page server (run in a child process): /a/<i> noisy, /e/<i> with an ETag."""
    from bench.truth_pages import LAYOUTS, Noise, make_story, render

    rng = random.Random(7)
    renders = []
    for index in range(pages):
        story = make_story(rng)
        renders.append(
            [render(story, LAYOUTS[index % 2], Noise.fresh(rng)) for _ in range(VARIANTS)]
        )
    etags = [f'"{hashlib.sha1(r[0]).hexdigest()[:16]}"' for r in renders]
    served = [0]

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            kind, _, number = self.path.strip("/").partition("/")
            if kind not in ("a", "e") or not number.isdigit():  # robots.txt: none, all allowed
                self._answer(404, b"", None)
                return
            index = int(number)
            if kind == "e" and self.headers.get("If-None-Match") == etags[index]:
                self._answer(304, b"", etags[index])
                return
            served[0] += 1
            body = renders[index][0 if kind == "e" else served[0] % VARIANTS]
            self._answer(200, body, etags[index] if kind == "e" else None)

        def _answer(self, status: int, body: bytes, etag: str | None) -> None:
            self.send_response(status)
            if etag:
                self.send_header("ETag", etag)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    ThreadingHTTPServer.daemon_threads = True
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    print("ready", flush=True)
    server.serve_forever()


def check_cost(pages: int, rounds: int, mode: str) -> None:
    """Start the server, check every page ``rounds`` times, print CPU ms per check."""
    from tests.configs import write_config
    from worker import logs, pipeline
    from worker.config import load_settings
    from worker.fetch import make_client
    from worker.store import Store

    port = 20000 + os.getpid() % 10000
    server = subprocess.Popen(
        [sys.executable, __file__, "serve", "--port", str(port), "--pages", str(pages)],
        stdout=subprocess.PIPE,
    )
    assert server.stdout is not None and server.stdout.readline()
    segment = "e" if mode == "304" else "a"
    work = Path(tempfile.mkdtemp(prefix="editwatch-check-cost-"))
    watches = [
        {"name": f"w{i}", "url": f"http://127.0.0.1:{port}/{segment}/{i}", "schedule": "fixed"}
        for i in range(pages)
    ]
    settings = load_settings(write_config(work / "config", watches), work / "data")
    logs.configure("json", "WARNING")
    store = Store.open(settings.data_dir)

    async def run() -> None:
        async with make_client(settings.fetch) as client:
            gate = pipeline.LocalGate(settings.politeness.max_in_flight)
            context = pipeline.Context(settings, store, client, gate=gate, max_wait=1e9)
            targets = pipeline.targets_for(store, settings.watches)
            await pipeline.check_many(targets, context)  # first versions; warm caches
            started, outcomes = time.process_time(), {}
            for _ in range(rounds):
                for result in await pipeline.check_many(targets, context):
                    outcomes[result.outcome] = outcomes.get(result.outcome, 0) + 1
            cpu = time.process_time() - started
            count = pages * rounds
            print(f"{mode}: {count} checks, CPU {1000 * cpu / count:.2f} ms/check, {outcomes}")

    try:
        asyncio.run(run())
    finally:
        server.terminate()
        store.close()


def memory(watches: int) -> None:
    """RSS of a worker's main process and of a forked pool process with ``watches`` watches."""
    work = Path(tempfile.mkdtemp(prefix="editwatch-memory-"))
    from tests.configs import write_config

    config = write_config(work / "config", [])
    with (config / "watches.yaml").open("w", encoding="utf-8") as out:
        out.write("watches:\n")
        for i in range(watches):
            url = f"https://news{i % 50}.example/2026/11/story-{i}.html"
            out.write(f"- {{name: 'Story {i}', url: '{url}'}}\n")
    os.environ |= {"EDITWATCH_CONFIG_DIR": str(config), "EDITWATCH_DATA_DIR": str(work / "data")}
    _create_database(work / "data")
    started = time.perf_counter()
    import worker.tasks as tasks

    print(f"main: import + config {time.perf_counter() - started:.1f} s, {_memory()}", flush=True)
    child = os.fork()
    if child == 0:
        _pool(tasks)
        os._exit(0)
    os.waitpid(child, 0)


def _create_database(data_dir: Path) -> None:
    """Make the tables in a child process: a worker's main never opens the store (its pool
    processes do), and creating tables imports Alembic, which an open at head does not."""
    child = os.fork()
    if child == 0:
        from worker.store import Store

        Store.open(data_dir).close()
        os._exit(0)
    _, code = os.waitpid(child, 0)
    if code:
        raise SystemExit(f"creating the database failed ({code})")


def _pool(tasks: ModuleType) -> None:
    """What a pool process does before its first task (twice: the second is a warm tick)."""
    started = time.perf_counter()
    rt = tasks.runtime()
    rt.targets()
    rt.dispatch_view()
    first = time.perf_counter() - started
    started = time.perf_counter()
    tasks.reload_if_changed()
    rt.targets()
    rt.dispatch_view()
    tick = (time.perf_counter() - started) * 1000
    print(
        f"pool: first task ready {first:.1f} s (registers every watch on a new database), "
        f"then {tick:.2f} ms per task for reload check + targets; {_memory()}",
        flush=True,
    )
    with (rt.settings.config_dir / "watches.yaml").open("a", encoding="utf-8") as out:
        out.write("- {name: 'One more', url: 'https://news.example/one-more'}\n")  # an edit
    started = time.perf_counter()
    rt = tasks.reload_if_changed()
    rt.targets()
    rt.dispatch_view()
    reload = time.perf_counter() - started
    print(f"pool: reload after adding a watch {reload:.1f} s, {len(rt.known)} targets; {_memory()}")


def _memory() -> str:
    found = {}
    with open("/proc/self/smaps_rollup", encoding="ascii") as rollup:
        for line in rollup:
            name, *value = line.split()
            if name in ("Rss:", "Pss:"):
                found[name[:-1]] = int(value[0]) / 1024
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return f"RSS {found['Rss']:.0f} MB, PSS {found['Pss']:.0f} MB, peak {peak:.0f} MB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    check = sub.add_parser("check")
    check.add_argument("--pages", type=int, default=200)
    check.add_argument("--rounds", type=int, default=3)
    check.add_argument("--mode", choices=("noisy", "304"), default="noisy")
    mem = sub.add_parser("memory")
    mem.add_argument("--watches", type=int, default=100_000)
    server = sub.add_parser("serve")
    server.add_argument("--port", type=int, required=True)
    server.add_argument("--pages", type=int, required=True)
    args = parser.parse_args()
    if args.command == "serve":
        serve(args.port, args.pages)
    elif args.command == "check":
        check_cost(args.pages, args.rounds, args.mode)
    else:
        memory(args.watches)


if __name__ == "__main__":
    main()

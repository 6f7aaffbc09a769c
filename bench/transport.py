"""Fetch-stage CPU per request: the two engines ``fetch.transport`` selects (aiohttp, httpx).

Why: the fetch stage runs on aiohttp's engine by default (``httpx-aiohttp``: httpx's API on
aiohttp's wire) because httpx's own engine costs far more client CPU per request. This measures
both through the real :func:`worker.fetch.fetch` and the production client of
:func:`worker.fetch.make_client` (pinning, guard, redirects, bounded inflater, charset decoding
and all), so the figure is what a worker actually pays per fetch.

The server is a tiny keep-alive HTTP/1.1 server in a *separate process* on 127.0.0.1, serving
one saved real page (the one nearest 60 KB under ``bench/data/extraction/html``) from memory,
plain at ``/plain`` and gzip-encoded at ``/gzip``; its CPU is not counted. Only the client
process's CPU (``time.process_time``) and wall time are measured. Nothing touches the internet.

Run: ``python bench/transport.py`` (options: ``--requests 2000 --concurrency 16 --repeats 3``).
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import importlib.util
import multiprocessing
import sys
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Literal, get_args

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from worker.config import FetchSettings
from worker.fetch import fetch, make_client
from worker.models import Validators

Transport = Literal["aiohttp", "httpx"]
PAGES = Path(__file__).resolve().parent / "data" / "extraction" / "html"
TARGET_PAGE_BYTES = 60_000
WARMUP_REQUESTS = 32  # opens the pool's connections before the clock starts
RUN_TIMEOUT_S = 300.0  # one run may not hang the benchmark
SERVER_START_TIMEOUT_S = 10.0
BODIES = ("plain", "gzip")
HEADER_END = b"\r\n\r\n"

TRANSPORTS: tuple[Transport, ...] = get_args(FetchSettings.model_fields["transport"].annotation)
BASELINE: Transport = "httpx"  # the ratio column compares with httpx's own engine


@dataclass(frozen=True)
class Run:
    """One timed run of ``requests`` fetches."""

    transport: str
    body: str
    requests: int
    cpu_s: float
    wall_s: float

    @property
    def cpu_us_per_request(self) -> float:
        return self.cpu_s / self.requests * 1e6

    @property
    def requests_per_s(self) -> float:
        return self.requests / self.wall_s


def pick_page(target: int = TARGET_PAGE_BYTES) -> tuple[Path, bytes]:
    """The saved real page whose decompressed size is nearest ``target`` bytes."""
    pages = {path: gzip.decompress(path.read_bytes()) for path in sorted(PAGES.glob("*.html.gz"))}
    if not pages:
        raise SystemExit(f"no saved pages under {PAGES}")
    path = min(pages, key=lambda p: abs(len(pages[p]) - target))
    return path, pages[path]


def build_responses(page: bytes) -> dict[bytes, bytes]:
    """Complete HTTP/1.1 responses by request path, built once so serving costs ~nothing."""
    bodies = {b"/plain": (page, b""), b"/gzip": (gzip.compress(page, 6), b"gzip")}
    responses = {}
    for path, (body, encoding) in bodies.items():
        head = [
            b"HTTP/1.1 200 OK",
            b"Content-Type: text/html; charset=utf-8",
            b"Content-Length: " + str(len(body)).encode(),
            b'ETag: "bench"',
        ]
        if encoding:
            head.append(b"Content-Encoding: " + encoding)
        responses[path] = b"\r\n".join(head) + HEADER_END + body
    return responses


async def _serve_connection(
    responses: dict[bytes, bytes], reader: asyncio.StreamReader, writer: asyncio.StreamWriter
) -> None:
    """Answer keep-alive GETs on one connection until the client closes it."""
    not_found = b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"
    try:
        while True:
            head = await reader.readuntil(HEADER_END)
            parts = head.split(b" ", 2)
            path = parts[1] if len(parts) > 1 else b""
            writer.write(responses.get(path, not_found))
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


async def _serve(responses: dict[bytes, bytes], ready: Connection) -> None:
    server = await asyncio.start_server(
        lambda r, w: _serve_connection(responses, r, w), "127.0.0.1", 0, backlog=256
    )
    ready.send(server.sockets[0].getsockname()[1])
    async with server:
        await server.serve_forever()


def serve(responses: dict[bytes, bytes], ready: Connection) -> None:
    """Server process entry point: listen on an ephemeral port and report it through ``ready``."""
    asyncio.run(_serve(responses, ready))


def start_server(responses: dict[bytes, bytes]) -> tuple[BaseProcess, int]:
    """Start the server process and wait (with a deadline) for its port."""
    context = multiprocessing.get_context("spawn")
    receive, send = context.Pipe(duplex=False)
    process = context.Process(target=serve, args=(responses, send), daemon=True)
    process.start()
    if not receive.poll(SERVER_START_TIMEOUT_S):
        process.kill()
        raise SystemExit(f"the bench server did not start within {SERVER_START_TIMEOUT_S:g}s")
    port: int = receive.recv()
    return process, port


async def _fetch_many(client: httpx.AsyncClient, url: str, count: int, concurrency: int) -> None:
    settings = FetchSettings(allow_private_networks=True)
    semaphore = asyncio.Semaphore(concurrency)

    async def one() -> None:
        async with semaphore:
            await fetch(client, url, Validators(), settings)

    await asyncio.gather(*(one() for _ in range(count)))


async def _check_first(client: httpx.AsyncClient, url: str, page: bytes, name: str) -> None:
    """Both transports must hand the fetch stage the same bytes and the same decoded text."""
    result = await fetch(client, url, Validators(), FetchSettings(allow_private_networks=True))
    assert result.status == 200, f"{name}: status {result.status}"
    assert result.content == page, f"{name} {url}: body differs from the page served"
    assert result.text == page.decode("utf-8"), f"{name} {url}: decoded text differs"


async def measure(
    name: Transport, body: str, base: str, page: bytes, args: argparse.Namespace
) -> Run:
    """One run: fresh client, correctness check, warm-up, then ``args.requests`` timed fetches."""
    settings = FetchSettings(
        allow_private_networks=True, concurrency=args.concurrency, transport=name
    )
    url = f"{base}/{body}"
    async with make_client(settings) as client:
        await _check_first(client, url, page, name)
        await _fetch_many(client, url, WARMUP_REQUESTS, args.concurrency)
        cpu, wall = time.process_time(), time.perf_counter()
        async with asyncio.timeout(RUN_TIMEOUT_S):
            await _fetch_many(client, url, args.requests, args.concurrency)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    return Run(name, body, args.requests, cpu, wall)


def best_of(runs: list[Run]) -> Run:
    """Best CPU and best wall time over the repeats (each is a lower bound on noise)."""
    first = runs[0]
    cpu = min(run.cpu_s for run in runs)
    wall = min(run.wall_s for run in runs)
    return Run(first.transport, first.body, first.requests, cpu, wall)


def report(best: dict[tuple[str, str], Run], page: Path, size: int, command: str) -> None:
    """Print the Markdown table: requests/s, CPU µs per request, and CPU ratio to the default."""
    # httpcore retries a failed `import sniffio` on every lock set-up (encode/httpcore#1103).
    sniffio = "yes" if importlib.util.find_spec("sniffio") else "no"
    print(f"\nPage: `{page.name}` ({size} bytes decoded); sniffio installed: {sniffio}.")
    print(f"Command: `{command}`\n")
    print(f"| body | fetch.transport | requests/s | CPU µs/request | CPU vs {BASELINE} |")
    print("|---|---|---:|---:|---:|")
    for (name, body), run in best.items():
        baseline = best[(BASELINE, body)].cpu_us_per_request
        print(
            f"| {body} | {name} | {run.requests_per_s:,.0f} | {run.cpu_us_per_request:,.0f} "
            f"| {run.cpu_us_per_request / baseline:.2f}x |"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    page_path, page = pick_page()
    process, port = start_server(build_responses(page))
    runs: dict[tuple[str, str], list[Run]] = {}
    try:
        for repeat in range(args.repeats):  # interleaved, so drift hits both transports alike
            for body in BODIES:
                for name in TRANSPORTS:
                    run = asyncio.run(measure(name, body, f"http://127.0.0.1:{port}", page, args))
                    runs.setdefault((name, body), []).append(run)
                    print(
                        f"repeat {repeat + 1} {body:5} {name:8} "
                        f"{run.cpu_us_per_request:7.0f} µs CPU/req {run.requests_per_s:7.0f} req/s",
                        file=sys.stderr,
                    )
    finally:
        process.kill()
        process.join(SERVER_START_TIMEOUT_S)
    ordered = {key: best_of(runs[key]) for key in sorted(runs, key=lambda k: BODIES.index(k[1]))}
    report(ordered, page_path, len(page), "python " + " ".join(sys.argv))
    return 0


if __name__ == "__main__":
    sys.exit(main())

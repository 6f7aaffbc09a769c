"""The throughput benchmark's news site: N heavy noisy pages, planted edits, conditional GET.

Pages are :mod:`bench.truth_pages` stories in its four layouts (one renderer for every
benchmark), rendered with fresh :class:`~bench.truth_pages.Noise` on every request and made
30-150 KB heavy the way real news pages are: an inline state blob and stylesheet in the head
and a mega-footer, carrying their own per-render nonce. The site answers on several loopback
addresses (``127.0.0.2`` ...) on one port, from ``procs`` server processes sharing the sockets
(``SO_REUSEPORT``), so the server is not what limits a fast client; its CPU is not measured.

The parent steers every server process through a pipe: which round is served (round 2 carries
the planted edits), whether conditional requests are honoured (``304`` mode: every page but
one in twenty keeps its validators and is answered ``304 Not Modified``), an optional think
time per response, and the request log (host, start, end on the system-wide monotonic clock)
that slot utilisation is computed from.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import random
import re
import time
from dataclasses import dataclass, field
from email.utils import formatdate
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

from aiohttp import web

from bench.truth_pages import EDITS, LAYOUTS, NO_CAPTIONS, Edit, Noise, Story, make_story, render

PATH = re.compile(r"^/news/(\d+)$")
ROBOTS = b"User-agent: *\nAllow: /\n"
BLOCKS = 16  # distinct page weights: padding is shared, so N pages cost no N x 100 KB
WEIGHT = (30_000, 150_000)  # bytes per page, the range the issue asks for
BUMPED_EVERY = 20  # in 304 mode one page in twenty has new validators (95 % answer 304)
START_TIMEOUT_S = 20.0


@dataclass(frozen=True)
class Planted:
    """An edit made between round 1 and round 2 on one page."""

    index: int
    edit: Edit


@dataclass(frozen=True)
class SiteSpec:
    """Everything a server process needs to render the same site as its siblings."""

    pages: int
    hosts: tuple[str, ...]
    port: int
    seed: int
    edit_share: float

    def url(self, index: int) -> str:
        return f"http://{self.hosts[index % len(self.hosts)]}:{self.port}/news/{index}"

    def host_of(self, index: int) -> str:
        return self.hosts[index % len(self.hosts)]


def story_for(spec: SiteSpec, index: int) -> tuple[Story, str]:
    """Page ``index``'s story as first published and its layout (deterministic)."""
    rng = random.Random(spec.seed * 1_000_003 + index)
    return make_story(rng), LAYOUTS[index % len(LAYOUTS)]


def planted_edits(spec: SiteSpec) -> list[Planted]:
    """Which pages are edited for round 2: every edit kind at least once, then ``edit_share``."""
    count = min(spec.pages // 2, max(len(EDITS), round(spec.pages * spec.edit_share)))
    rng = random.Random(spec.seed)
    chosen = sorted(rng.sample(range(spec.pages), count))
    planted = []
    for n, index in enumerate(chosen):
        edit = EDITS[n % len(EDITS)]
        if edit.name == "caption" and story_for(spec, index)[1] in NO_CAPTIONS:
            edit = EDITS[(n + 1) % len(EDITS)]  # that layout shows no caption to edit
        planted.append(Planted(index, edit))
    return planted


def padding_blocks(seed: int) -> list[tuple[str, str, str]]:
    """``BLOCKS`` (head before nonce, head after nonce, footer) of page furniture by weight."""
    rng = random.Random(seed)
    blocks = []
    for n in range(BLOCKS):
        weight = WEIGHT[0] + (WEIGHT[1] - WEIGHT[0]) * n // (BLOCKS - 1) - 3_000
        state = ",".join(
            f'{{"id":{rng.randint(1, 10**6)},"slot":"s{i}","w":{rng.randint(1, 999)}}}'
            for i in range(weight * 6 // 10 // 40)
        )
        css = "".join(
            f".c{i}{{margin:{rng.randint(0, 9)}px;color:#{rng.randint(0, 0xFFFFFF):06x}}}"
            for i in range(weight * 3 // 10 // 32)
        )
        links = "".join(
            f'<li><a href="/section/{i}">Section {i}</a></li>' for i in range(weight // 10 // 44)
        )
        head = f'<style>{css}</style><script>window.__STATE__={{"items":[{state}],"nonce":"'
        blocks.append(
            (head, '"};</script>', f'<footer class="mega"><nav><ul>{links}</ul></nav></footer>')
        )
    return blocks


@dataclass
class ServerState:
    """What the parent last asked for; the same in every server process."""

    round: int = 1
    mode: str = "noisy"  # noisy: always 200 | 304: conditional requests honoured
    latency: float = 0.0
    log: list[tuple[str, float, float]] = field(default_factory=list)


class Site:
    """The pages of one :class:`SiteSpec`, as one server process renders them."""

    def __init__(self, spec: SiteSpec) -> None:
        self.spec = spec
        self.state = ServerState()
        self.stories = [story_for(spec, i) for i in range(spec.pages)]
        self.edited = {p.index: p.edit for p in planted_edits(spec)}
        self.round2 = {
            i: edit.apply(self.stories[i][0], random.Random(spec.seed + i))
            for i, edit in self.edited.items()
        }
        self.blocks = padding_blocks(spec.seed)
        self.rng = random.Random()

    def version(self, index: int) -> int:
        """The content version validators are made of: edits and 304-mode bumps move it."""
        version = 2 if self.state.round >= 2 and index in self.edited else 1
        if self.state.mode == "304" and index % BUMPED_EVERY == 0:
            version += 10
        return version

    def validators(self, index: int) -> tuple[str, str]:
        version = self.version(index)
        return f'W/"p{index}-v{version}"', formatdate(1_764_000_000 + version * 3600, usegmt=True)

    def body(self, index: int) -> bytes:
        story, layout = self.stories[index]
        if self.state.round >= 2:
            story = self.round2.get(index, story)
        noise = Noise.fresh(self.rng)
        page = render(story, layout, noise)
        head, tail, footer = self.blocks[index % BLOCKS]
        furniture = f"{head}{noise.nonce}-{time.time_ns()}{tail}".encode()
        page = page.replace(b"</head>", furniture + b"</head>", 1)
        return page.replace(b"</body>", footer.encode() + b"</body>", 1)

    def not_modified(self, request: web.BaseRequest, etag: str, modified: str) -> bool:
        if self.state.mode != "304":
            return False
        match = request.headers.get("If-None-Match")
        if match is not None:
            return etag in (m.strip() for m in match.split(","))
        return request.headers.get("If-Modified-Since") == modified

    async def handle(self, request: web.BaseRequest) -> web.StreamResponse:
        started = time.monotonic()
        host = request.transport.get_extra_info("sockname")[0] if request.transport else ""
        response = await self._answer(request)
        await response.prepare(request)
        await response.write_eof()
        self.state.log.append((host, started, time.monotonic()))
        return response

    async def _answer(self, request: web.BaseRequest) -> web.StreamResponse:
        if request.path == "/robots.txt":
            return web.Response(body=ROBOTS, content_type="text/plain")
        match = PATH.match(request.path)
        if match is None or int(match.group(1)) >= self.spec.pages:
            return web.Response(status=404, body=b"not found")
        if self.state.latency:
            await asyncio.sleep(self.state.latency)
        index = int(match.group(1))
        etag, modified = self.validators(index)
        headers = {"ETag": etag, "Last-Modified": modified, "Cache-Control": "no-cache"}
        if self.not_modified(request, etag, modified):
            return web.Response(status=304, headers=headers)
        return web.Response(
            body=self.body(index), headers=headers, content_type="text/html", charset="utf-8"
        )

    def command(self, message: dict[str, Any]) -> Any:
        """One instruction from the parent; the answer goes back on the pipe."""
        if message["op"] == "set":
            for key in ("round", "mode", "latency"):
                if key in message:
                    setattr(self.state, key, message[key])
            return "ok"
        if message["op"] == "dump":
            log, self.state.log = self.state.log, []
            return log
        raise ValueError(f"unknown site command {message!r}")


def serve(spec: SiteSpec, control: Connection) -> None:
    """A server process's main: all hosts on one port, steered through ``control``."""
    asyncio.run(_serve(spec, control))


async def _serve(spec: SiteSpec, control: Connection) -> None:
    site = Site(spec)
    server = web.Server(site.handle, access_log=None)
    runner = web.ServerRunner(server, handle_signals=False)
    await runner.setup()
    for host in spec.hosts:
        await web.TCPSite(runner, host, spec.port, reuse_port=True, backlog=1024).start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()

    def on_message() -> None:
        message = control.recv()
        if message["op"] == "stop":
            stop.set()
            return
        control.send(site.command(message))

    loop.add_reader(control.fileno(), on_message)
    control.send("ready")
    await stop.wait()
    await runner.cleanup()


class SiteServers:
    """``procs`` server processes for one :class:`SiteSpec`; every command goes to all."""

    def __init__(self, spec: SiteSpec, procs: int) -> None:
        self.spec = spec
        context = multiprocessing.get_context("fork")
        self.pipes: list[Connection] = []
        self.processes: list[BaseProcess] = []
        for _ in range(procs):
            ours, theirs = context.Pipe()
            process = context.Process(target=serve, args=(spec, theirs), daemon=True)
            process.start()
            self.pipes.append(ours)
            self.processes.append(process)
        for pipe in self.pipes:
            if not pipe.poll(START_TIMEOUT_S) or pipe.recv() != "ready":
                self.stop()
                raise RuntimeError("a benchmark site process did not start")

    def set(self, **state: Any) -> None:
        for pipe in self.pipes:
            pipe.send({"op": "set", **state})
        for pipe in self.pipes:
            pipe.recv()

    def dump(self) -> list[tuple[str, float, float]]:
        """Every request served since the last dump: (host address, start, end)."""
        log: list[tuple[str, float, float]] = []
        for pipe in self.pipes:
            pipe.send({"op": "dump"})
        for pipe in self.pipes:
            log.extend(pipe.recv())
        return log

    def stop(self) -> None:
        for pipe, process in zip(self.pipes, self.processes, strict=True):
            if process.is_alive():
                pipe.send({"op": "stop"})
        for process in self.processes:
            process.join(timeout=10)
            if process.is_alive():
                process.kill()

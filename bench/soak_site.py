"""The soak's news site: many generated articles on several loopback hosts, edited at random.

Each article is a :class:`~worker.demo.seed.SeedArticle` built from sentences of the real seed
articles and rendered by the demo site in a publisher's house style, so every load carries
fresh noise (ad nonces, share counts, "N minutes ago", shuffled most-popular lists). An editor
thread applies one edit of a random kind at a time (headline, body wording, paragraph added,
removed or moved, caption, byline, dek, correction note) to a random article whose current
state has been served for at least ``min_state_life`` seconds, so every state is one the
workers had the time to see.

Every page carries ``<!-- soak-state ARTICLE:STATE -->`` in its head: editwatch stores the raw
HTML, so the soak can read back exactly which served state each stored version is.
"""

from __future__ import annotations

import random
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from worker.demo.seed import SeedArticle, load_seed
from worker.demo.site import HOUSES, render_seed_article

MARKER = re.compile(rb"<!-- soak-state (\d+):(\d+) -->")
PATH = re.compile(r"^/news/(\d+)$")
EDIT_KINDS = (
    "headline",
    "wording",
    "paragraph_added",
    "paragraph_removed",
    "paragraph_moved",
    "caption",
    "byline",
    "dek",
    "correction",
)
WORDS = ("officials", "residents", "on Tuesday", "late", "again", "sharply", "quietly", "new")


@dataclass
class ArticleState:
    """An article's current state, its number (0 = as first published) and when it began."""

    article: SeedArticle
    number: int = 0
    since: float = field(default_factory=time.time)
    served: int = 0


def sentence_pool() -> list[str]:
    """Sentences of the real seed articles, to write plausible generated articles with."""
    pool: list[str] = []
    for articles in load_seed().values():
        for article in articles:
            for paragraph in article.paragraphs:
                pool.extend(s for s in re.split(r"(?<=[.!?])\s+", paragraph) if len(s) > 40)
    return sorted(set(pool))


def make_article(index: int, host: str, rng: random.Random, pool: list[str]) -> SeedArticle:
    publisher = sorted(HOUSES)[index % len(HOUSES)]
    paragraphs = tuple(" ".join(rng.sample(pool, 2)) for _ in range(rng.randint(5, 9)))
    return SeedArticle(
        slug=f"story-{index}",
        publisher=publisher,
        source_url=f"http://{host}/news/{index}",
        section="World",
        dateline="Nov 30, 2026",
        headline=f"Story {index}: {rng.choice(pool)[:70].rstrip(' ,.;')}",
        dek=rng.choice(pool),
        byline=f"By Reporter {index % 97}",
        captions=(f"A scene from story {index}. Photograph: Staff/Agency",),
        paragraphs=paragraphs,
        published="2026-11-30T08:00:00Z",
        modified="2026-11-30T08:00:00Z",
    )


def edit(article: SeedArticle, kind: str, rng: random.Random, pool: list[str]) -> SeedArticle:
    """The article after one edit of ``kind`` (always a real, visible change)."""
    body = list(article.paragraphs)
    at = rng.randrange(len(body))
    if kind == "headline":
        return replace(
            article,
            headline=f"{article.headline.split(' (')[0]} ({rng.choice(WORDS)}"
            f" {rng.randint(1, 10**6)})",
        )
    if kind == "wording":
        words = body[at].split()
        words[rng.randrange(len(words))] = f"{rng.choice(WORDS)}-{rng.randint(1, 10**6)}"
        body[at] = " ".join(words)
    elif kind == "paragraph_added":
        body.insert(at, " ".join(rng.sample(pool, 2)))
    elif kind == "paragraph_removed" and len(body) > 3:
        body.pop(at)
    elif kind in ("paragraph_moved", "paragraph_removed"):
        body.insert((at + 2) % len(body), body.pop(at))
    elif kind == "caption":
        return replace(
            article, captions=(f"Updated scene {rng.randint(1, 10**6)}. Photograph: Staff/Agency",)
        )
    elif kind == "byline":
        return replace(article, byline=f"By Reporter {rng.randint(100, 10**6)}")
    elif kind == "dek":
        return replace(article, dek=rng.choice(pool))
    else:
        body.append(
            f"Correction: an earlier version of this story misstated a figure "
            f"({rng.randint(1, 10**6)})."
        )
    return replace(article, paragraphs=tuple(body))


class SoakSite:
    """The articles, their servers (one per host) and the editor; thread-safe."""

    def __init__(self, hosts: list[str], count: int, seed: int) -> None:
        self.rng = random.Random(seed)
        self.pool = sentence_pool()
        self.hosts = hosts
        self.lock = threading.Lock()
        self.states: dict[int, ArticleState] = {}
        self.history: dict[tuple[int, int], float] = {}  # (article, state) -> began at
        self.edits: list[tuple[int, int, str, float]] = []
        for index in range(count):
            host = hosts[index % len(hosts)]
            self.states[index] = ArticleState(make_article(index, host, self.rng, self.pool))
            self.history[(index, 0)] = self.states[index].since
        self.servers: list[ThreadingHTTPServer] = []
        self.ports: dict[str, int] = {}

    def url(self, index: int) -> str:
        host = self.hosts[index % len(self.hosts)]
        return f"http://{host}:{self.ports[host]}/news/{index}"

    def page(self, index: int) -> bytes | None:
        with self.lock:
            state = self.states.get(index)
            if state is None:
                return None
            state.served += 1
            article, number = state.article, state.number
        html = render_seed_article(article, rng=random.Random())
        marker = f"<head>\n<!-- soak-state {index}:{number} -->"
        return html.replace("<head>", marker, 1).encode()

    def edit_one(self, min_state_life: float) -> tuple[int, int] | None:
        """Edit a random article that has kept its state long enough; its (index, state)."""
        now = time.time()
        with self.lock:
            ready = [i for i, s in self.states.items() if now - s.since >= min_state_life]
            if not ready:
                return None
            index = self.rng.choice(ready)
            state = self.states[index]
            kind = self.rng.choice(EDIT_KINDS)
            state.article = edit(state.article, kind, self.rng, self.pool)
            state.number += 1
            state.since = now
            state.served = 0
            self.history[(index, state.number)] = now
            self.edits.append((index, state.number, kind, now))
            return index, state.number

    def start(self) -> None:
        for host in self.hosts:
            server = ThreadingHTTPServer((host, 0), _handler(self.page))
            server.daemon_threads = True
            self.ports[host] = server.server_address[1]
            threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
            self.servers.append(server)

    def stop(self) -> None:
        for server in self.servers:
            server.shutdown()
            server.server_close()


def _handler(page: Callable[[int], bytes | None]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            match = PATH.match(self.path)
            body = page(int(match.group(1))) if match else None
            status = 200 if body is not None else 404
            body = body if body is not None else b"not found"
            self.send_response(status)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            return

    return Handler

"""The soak's moving parts: a private Redis, the webhook receiver, the Celery fleet.

Kept apart from :mod:`bench.soak` (the timeline and the accounting) so each stays readable.
"""

from __future__ import annotations

import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import redis

from worker.embedded import redis_server_binary


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class PrivateRedis:
    """A redis-server of our own on a loopback port (never the shared one), AOF on."""

    def __init__(self, workdir: Path) -> None:
        self.workdir, self.port = workdir, free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        args = [
            redis_server_binary(),
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--dir",
            str(self.workdir),
            "--appendonly",
            "yes",
            "--save",
            "",
        ]
        with (self.workdir / "redis.log").open("ab") as log:  # the child keeps its own copy
            self.process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
        with redis.Redis.from_url(self.url) as client:
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                try:
                    if client.ping():
                        return
                except redis.ConnectionError:
                    time.sleep(0.05)
        raise RuntimeError("private redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()  # SIGTERM: redis fsyncs the AOF and exits
            self.process.wait(timeout=30)

    def restart(self) -> None:
        self.stop()
        self.start()


@dataclass
class Receiver:
    """The webhook endpoint: logs every delivery, refuses a few with 503."""

    failure_rate: float
    accepted: list[tuple[str, str, int, float]] = field(default_factory=list)
    refused: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    rng: random.Random = field(default_factory=lambda: random.Random(7))

    def start(self) -> str:
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                status = receiver.record(self.headers.get("Idempotency-Key", ""), body)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                return

        return Handler

    def record(self, key: str, body: bytes) -> int:
        payload = json.loads(body)
        with self.lock:
            if self.rng.random() < self.failure_rate:
                self.refused += 1
                return 503
            self.accepted.append((key, payload["url"], payload["new_version"], time.time()))
        return 200


class Fleet:
    """The worker processes and beat, each in its own process group so a kill takes it whole."""

    def __init__(self, env: dict[str, str], logs: Path, workers: int, concurrency: int) -> None:
        self.env, self.logs = env, logs
        self.count, self.concurrency = workers, concurrency
        self.workers: dict[int, subprocess.Popen[bytes]] = {}
        self.beat: subprocess.Popen[bytes] | None = None

    def _spawn(self, name: str, args: list[str]) -> subprocess.Popen[bytes]:
        with (self.logs / f"{name}.log").open("ab") as log:  # the child keeps its own copy
            return subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "worker.app", *args],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def start_worker(self, index: int) -> None:
        self.workers[index] = self._spawn(
            f"worker{index}",
            [
                "worker",
                "--loglevel=WARNING",
                f"--concurrency={self.concurrency}",
                "-n",
                f"soak{index}@%h",
                "--without-gossip",
                "--without-mingle",
            ],
        )

    def start(self) -> None:
        for index in range(self.count):
            self.start_worker(index)
        schedule = self.logs / "celerybeat-schedule"
        self.beat = self._spawn("beat", ["beat", "--loglevel=WARNING", "--schedule", str(schedule)])

    def kill_and_restart(self, index: int) -> None:
        process = self.workers[index]
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
        self.start_worker(index)

    def stop(self) -> None:
        processes = [*self.workers.values(), *([self.beat] if self.beat else [])]
        for process in processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)

    def crashed(self) -> list[str]:
        """Processes that exited without being killed by the soak."""
        named = {f"worker{i}": p for i, p in self.workers.items()} | {"beat": self.beat}
        return [name for name, p in named.items() if p is not None and p.poll() is not None]

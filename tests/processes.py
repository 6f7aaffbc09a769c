"""Processes a test starts and watches: Celery workers with beat, their process groups, and
which processes are alive, read from /proc (Linux)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path


def _parents() -> dict[int, int]:
    """pid -> parent pid for every process visible now."""
    table = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if fields[0] != "Z":  # zombies are dead already, only not yet reaped
            table[int(entry.name)] = int(fields[1])
    return table


def descendants(pid: int) -> set[int]:
    """Every living process below ``pid`` (children, grandchildren, ...)."""
    parents = _parents()
    found: set[int] = set()
    frontier = {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def alive(pid: int) -> bool:
    """Is ``pid`` a living (non-zombie) process?"""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def alive_any(pids: set[int]) -> set[int]:
    return {pid for pid in pids if alive(pid)}


__all__ = ["alive", "alive_any", "command_line", "descendants", "os"]


def worker_env(config: Path, data: Path, broker: str) -> dict[str, str]:
    """The environment a Celery worker of editwatch reads (JSON logs, so tests can parse them)."""
    return {
        **os.environ,
        "EDITWATCH_CONFIG_DIR": str(config),
        "EDITWATCH_DATA_DIR": str(data),
        "EDITWATCH_BROKER_URL": broker,
        "EDITWATCH_LOG_FORMAT": "json",
    }


def start_worker(
    env: dict[str, str], log_path: Path, *, name: str = "", concurrency: int = 1, beat: Path
) -> subprocess.Popen[bytes]:
    """A real `celery worker --beat` in a session of its own (so a test can kill its group),
    logging to ``log_path``; ``name`` tells several workers apart."""
    command = [sys.executable, "-m", "celery", "-A", "worker.app", "worker", "--beat"]
    command += [f"--concurrency={concurrency}", f"--schedule={beat}", "--loglevel=INFO"]
    if name:
        command += [f"--hostname={name}@%h"]
    with log_path.open("ab") as log:
        return subprocess.Popen(
            command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )


def stop_group(process: subprocess.Popen[bytes], timeout: float = 20) -> None:
    """SIGTERM the process group (a warm shutdown), SIGKILL it if it does not end in time."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)

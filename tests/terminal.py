"""Run the ``editwatch`` command in a real pseudo-terminal and capture what it wrote.

Why a pty: rich only emits colours, hyperlinks (OSC 8) and titles when stdout is a terminal,
so what page text could do to a reader's terminal is only visible on one.
"""

from __future__ import annotations

import fcntl
import os
import pty
import struct
import subprocess
import sys
import termios
from collections.abc import Mapping, Sequence


def run_in_terminal(
    args: Sequence[str], env: Mapping[str, str] | None = None, columns: int = 220
) -> tuple[int, str]:
    """``python -m worker *args`` on a pty of ``columns`` columns: (exit code, output)."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 60, columns, 0, 0))
    full_env = {**os.environ, "TERM": "xterm-256color", **(env or {})}
    full_env.pop("NO_COLOR", None)
    full_env.pop("COLUMNS", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "worker", *args], stdin=slave, stdout=slave, stderr=slave,
        env=full_env, close_fds=True,
    )  # fmt: skip
    os.close(slave)
    chunks: list[bytes] = []
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(master)
    code = process.wait(timeout=120)
    return code, b"".join(chunks).decode("utf-8", errors="replace")

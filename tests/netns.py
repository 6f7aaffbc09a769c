"""Run a test scenario inside a fresh, loopback-only network namespace (``unshare -n``).

Why: some faults need a public address to be *unreachable* (a rebinding DNS answers a public
address to the guard and 127.0.0.1 to the connection). In a namespace of its own nothing but
the namespace's loopback exists, so such a test can dial "public" addresses without ever
touching the internet. Needs root (or user namespaces) and ``ip``; tests skip with the reason
where that is impossible.

A scenario is a module-level function returning something JSON can encode; it runs in a
child ``python`` inside the namespace and its result comes back to the test.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from functools import cache
from typing import Any

import pytest

RESULT_MARK = "NETNS-RESULT:"


@cache
def unavailable_reason() -> str | None:
    """Why a network namespace cannot be made here, or ``None`` when it can."""
    if shutil.which("unshare") is None or shutil.which("ip") is None:
        return "needs unshare and ip (util-linux, iproute2) for a network namespace"
    probe = subprocess.run(
        ["unshare", "-n", "ip", "link", "set", "lo", "up"], capture_output=True, text=True
    )
    if probe.returncode != 0:
        return f"cannot create a network namespace (unshare -n needs root): {probe.stderr.strip()}"
    return None


def run_in_netns(function: str, *args: Any, timeout: float = 60) -> Any:
    """Call ``module:function(*args)`` in a loopback-only namespace; return its result."""
    reason = unavailable_reason()
    if reason is not None:
        pytest.skip(reason)
    module, name = function.split(":")
    encoded = json.dumps(json.dumps(args))
    code = (
        f"import json, {module} as m; "
        f"print({RESULT_MARK!r} + json.dumps(m.{name}(*json.loads({encoded}))))"
    )
    shell = f'ip link set lo up && exec {sys.executable} -c "$0"'
    done = subprocess.run(
        ["unshare", "-n", "sh", "-c", shell, code], capture_output=True, text=True, timeout=timeout
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith(RESULT_MARK)]
    assert lines, f"scenario {function} failed:\n{done.stdout}\n{done.stderr}"
    return json.loads(lines[-1].removeprefix(RESULT_MARK))

"""The throughput benchmark (bench/throughput.py) runs end to end at a tiny size.

It is the proof of issue 13, so it must keep working while the worker path is optimised:
every system checks every URL once per pass, and the planted edits are all found.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_tiny_benchmark_checks_every_url_and_finds_every_planted_edit(tmp_path: Path) -> None:
    """40 pages on 2 hosts: bare loops, check and worker complete; recall = precision = 1."""
    out = tmp_path / "figures.json"
    command = [sys.executable, str(ROOT / "bench" / "throughput.py"), "--pages", "40"]
    command += ["--hosts", "2", "--slot-latency", "5", "--timeout", "60", "--json", str(out)]
    done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    figures = json.loads(out.read_text())
    (case,) = figures["cases"]
    systems = {(p["system"], p["mode"]) for p in case["phases"]}
    assert ("bare httpx", "noisy") in systems
    assert ("editwatch check", "304") in systems
    assert ("worker + beat + redis", "slots") in systems
    for phase in case["phases"]:
        assert phase["checked"] == phase["urls"] == 40, phase
        assert phase["cpu_s"] > 0, phase
    assert [d["system"] for d in case["detection"]] == ["editwatch check", "worker + beat + redis"]
    for detection in case["detection"]:
        assert detection["planted"] >= 13  # every edit kind of bench/truth_pages.py
        assert detection["recall"] == 1.0, detection
        assert detection["precision"] == 1.0, detection
    assert "editwatch from" in done.stdout  # which tree was measured is said

"""`make demo` end to end: the real worker on the seed site shows one alert, the Vox caption."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


def test_demo_shows_exactly_the_vox_caption_alert(tmp_path: Path) -> None:
    """`editwatch demo` exits 0 after one alert on the Vox article (its captioned lead photo is
    gone: kinds caption and image), and leaves the database of the --data directory alone."""
    (tmp_path / "editwatch.db").write_bytes(b"a user's real database")
    result = subprocess.run(
        [sys.executable, "-m", "worker", "--data", str(tmp_path), "demo", "--port", "0"],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 alert(s)" in result.stdout
    (line,) = (tmp_path / "demo" / "alerts.jsonl").read_text().splitlines()
    alert = json.loads(line)
    assert alert["watch"] == "why-russia-just-sent-troops-to-venezuela"
    assert alert["kinds"] == ["caption", "image"]
    assert (tmp_path / "editwatch.db").read_bytes() == b"a user's real database"

"""Write throw-away ``config/`` directories for tests, the way a user would."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml


def write_config(
    directory: Path,
    watches: Sequence[Mapping[str, Any]],
    *,
    channels: Mapping[str, Mapping[str, Any]] | None = None,
    defaults: Mapping[str, Any] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> Path:
    """A config dir with editwatch.yaml (private networks allowed: tests serve 127.0.0.1)."""
    directory.mkdir(parents=True, exist_ok=True)
    settings: dict[str, Any] = {
        "fetch": {"allow_private_networks": True, "deadline": "10s"},
        "channels": dict(channels or {"archive": {"type": "file", "path": "alerts.jsonl"}}),
        # debounce off: these tests count one alert per edit (burst debounce has its own test)
        "defaults": {"debounce": "0s", **(defaults or {"interval": "1h", "channels": ["archive"]})},
        "notify": {"backoff": "1s", "backoff_max": "2s"},
        # no per-host gap: these tests check one local host many times in a row (politeness
        # tests set their own, and `check` keeps it between runs like the workers do)
        "politeness": {"min_gap": "0s"},
        **(extra or {}),
    }
    (directory / "editwatch.yaml").write_text(yaml.safe_dump(settings), encoding="utf-8")
    (directory / "watches.yaml").write_text(
        yaml.safe_dump({"watches": [dict(w) for w in watches]}), encoding="utf-8"
    )
    return directory

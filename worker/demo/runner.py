"""``editwatch demo``: the whole product on this machine, offline, in about a minute.

It serves the seed articles from the local demo site, starts the real worker and scheduler on
an embedded Redis against them, waits until every article has its first version, switches the
site to the second capture (the Vox photo caption is gone) and shows the alert that arrives.
"""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path
from typing import Any

import yaml
from rich.console import Console
from rich.text import Text

from worker.demo.site import ARTICLE_SLUGS, DemoSite
from worker.embedded import child_env, embedded_redis, worker_command
from worker.notify import message
from worker.store import Store

console = Console()
INTERVAL = "5s"
TIMEOUT = 120.0


def write_demo_config(directory: Path, site: DemoSite) -> Path:
    """A config dir watching the three demo articles every few seconds."""
    directory.mkdir(parents=True, exist_ok=True)
    settings: dict[str, Any] = {
        "fetch": {"allow_private_networks": True},
        "schedule": {"tick": "1s", "mode": "fixed"},
        "defaults": {"interval": INTERVAL, "channels": ["archive"]},
        "channels": {"archive": {"type": "file", "path": "alerts.jsonl"}},
        "log": {"format": "json"},
    }
    watches = [{"url": site.url_for(slug), "name": slug} for slug in ARTICLE_SLUGS]
    (directory / "editwatch.yaml").write_text(yaml.safe_dump(settings), encoding="utf-8")
    (directory / "watches.yaml").write_text(yaml.safe_dump({"watches": watches}), "utf-8")
    return directory


def _versions(store: Store) -> dict[str, int]:
    return {w.name: w.version_count for w in store.list_watches()}


def _check_counts(store: Store) -> dict[int, int]:
    return {w.id: len(store.checks(w.id)) for w in store.list_watches()}


def _alerts(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def _wait(what: str, condition: Any, timeout: float = TIMEOUT) -> bool:
    deadline = time.monotonic() + timeout
    with console.status(what):
        while time.monotonic() < deadline:
            if condition():
                return True
            time.sleep(0.5)
    console.print(f"[red]gave up waiting: {what}[/]")
    return False


def _show(alert: dict[str, Any]) -> None:
    """The alert as a text channel shows it, from the one renderer; page text stays plain."""
    console.rule(Text.assemble(("ALERT ", "bold yellow"), str(alert.get("watch", ""))))
    console.print(Text(message.text(alert)), highlight=False)


def _scenario(site: DemoSite, data_dir: Path) -> int:
    store = Store.open(data_dir)
    alerts = data_dir / "alerts.jsonl"
    try:
        ok = _wait(
            "checking the three articles for the first time",
            lambda: len([n for n in _versions(store).values() if n >= 1]) == len(ARTICLE_SLUGS),
        )
        if not ok:
            return 1
        console.print("[green]first versions stored[/]; switching the site to capture 2")
        site.capture = 2
        if not _wait("waiting for the edit to be detected", lambda: _alerts(alerts)):
            return 1
        # A few more checks of every article: the page noise must not make a second alert.
        seen = _check_counts(store)
        _wait(
            "re-checking to show that noise makes no alert",
            lambda: all(n >= seen[i] + 2 for i, n in _check_counts(store).items()),
        )
        found = _alerts(alerts)
        for alert in found:
            _show(alert)
        console.print(f"{len(found)} alert(s); all alerts are in {alerts}")
        return 0 if len(found) == 1 else 1
    finally:
        store.close()


def run_demo(data_dir: Path, port: int = 8088) -> int:
    """Run the offline demo; returns the exit code (0 when exactly one alert arrived)."""
    data_dir = data_dir.resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / "alerts.jsonl").unlink(missing_ok=True)
    (data_dir / "editwatch.db").unlink(missing_ok=True)
    with DemoSite(port=port) as site, embedded_redis(data_dir) as redis_url:
        console.print(f"demo news site on {site.base_url} (capture 1)")
        config = write_demo_config(data_dir / "config", site)
        env = child_env(config, data_dir, redis_url)
        log = (data_dir / "worker.log").open("wb")
        worker = subprocess.Popen(
            worker_command(2, True, data_dir), env=env, stdout=log, stderr=subprocess.STDOUT
        )
        console.print(f"worker and beat started (logs: {data_dir / 'worker.log'})")
        try:
            return _scenario(site, data_dir)
        finally:
            worker.terminate()
            worker.wait(timeout=30)
            log.close()

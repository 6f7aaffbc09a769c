"""Throughput, side by side in one run: bare aiohttp and httpx loops, `check`, the worker path.

N noisy news pages (30-150 KB, fresh noise on every render; :mod:`bench.throughput_site`) are
served by a separate multi-process aiohttp server on loopback addresses 127.0.0.2... (one case
per ``--hosts`` value, e.g. ``1,4``), every watch due at once, politeness 2 requests in flight
per host with no gap for every system. Per host case, in order:

1. a bare aiohttp GET loop and a bare httpx GET loop (no parsing), same concurrency;
2. ``editwatch check`` (subprocess, SQLite), four passes: first sight, a noisy pass with
   planted edits (headline, lede, paragraphs, correction, typo, caption, byline...), a 304
   pass (conditional GET honoured: 95 % of answers are 304 Not Modified), and a slots pass
   (the first ``--slot-pages`` pages, the server thinking ``--slot-latency`` ms a response);
3. the worker path: ``celery worker --concurrency 2`` + beat + a private redis-server, SQLite,
   the same passes (each makes every watch, or the slots pass's pages, due at once).

Printed per pass: url/s, CPU ms per URL (user + sys of every process involved, Redis too),
peak RSS per process, p50/p95 check latency, slot utilisation (server side: the share of time
each host's 2 slots had a request in flight, from its first request to its last; the slots
pass is the one it is judged on), and, for the edits, recall and precision from the changes
the store recorded, with the kinds reported. ``--check`` exits 1 when a target of issue 13 is
missed; ``--memory 100000`` measures RSS, startup and reload with that many watches instead;
``--profile`` adds a py-spy breakdown of the worker's CPU (of its noisy pass, or the one
``--profile-pass`` names). The ``editwatch`` measured is the
one of the venv whose python runs this file, so another worktree measures itself with::

    cd /path/to/worktree && .venv/bin/python /path/to/bench/throughput.py --pages 500

    python -m bench.throughput --pages 2000 --hosts 1,4 --json out.json
"""

from __future__ import annotations

import sys
import types
from pathlib import Path

if not __package__:  # run as a file: `bench` is this directory, and the project root is NOT
    # put on sys.path, so `worker` comes from the active venv (the worktree being measured).
    _HERE = Path(__file__).resolve().parent
    _bench = types.ModuleType("bench")
    _bench.__path__ = [str(_HERE)]
    sys.modules.setdefault("bench", _bench)
    if sys.path and Path(sys.path[0]).resolve() == _HERE:
        sys.path.pop(0)  # bench/diff.py, bench/web.py... must not shadow real modules

import argparse
import compileall
import json
import os
import re
import shutil
import tempfile
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from typing import Any

from bench.soak_fleet import PrivateRedis, free_port
from bench.throughput_site import Planted, SiteServers, SiteSpec, planted_edits
from bench.throughput_systems import (
    CheckRunner,
    MemoryFigures,
    Phase,
    Politeness,
    WorkerRunner,
    bare_loop,
    memory_probe,
)

SYSTEMS = ("aiohttp", "httpx", "check", "worker")
# (pass, round served, serving mode, with think time): round 2 carries the planted edits; the
# slots pass (on the first --slot-pages pages) adds a server think time, as real sites have, so
# slot utilisation reads the client's gaps, not how fast the local server answers (at zero
# latency a slot is "busy" for ~0.2 ms a request only).
PASSES = (
    ("first", 1, "noisy", False),
    ("noisy", 2, "noisy", False),
    ("304", 2, "304", False),
    ("slots", 2, "noisy", True),
)
BARE_PASSES = (("noisy", 1, "noisy", False), ("slots", 1, "noisy", True))
URL_INDEX = re.compile(r"/news/(\d+)$")
TARGETS = {
    "worker_vs_httpx": 2.5,
    "check_vs_httpx": 2.0,
    "cpu_ms_noisy": 2.0,
    "cpu_ms_304": 0.5,
    "slot_utilisation": 0.90,
    "recall": 1.0,
    "precision": 1.0,
    "pool_rss_mb": 150.0,
}


@dataclass
class Detection:
    """Planted edits against the changes one system's store recorded."""

    system: str
    planted: int = 0
    found: int = 0
    reported: int = 0
    correct: int = 0
    missed: list[str] = field(default_factory=list)
    unexplained: list[str] = field(default_factory=list)
    kinds: dict[str, list[str]] = field(default_factory=dict)

    @property
    def recall(self) -> float:
        return self.found / self.planted if self.planted else 1.0

    @property
    def precision(self) -> float:
        return self.correct / self.reported if self.reported else 1.0


@dataclass
class Case:
    """Every figure of one host count."""

    hosts: int
    phases: list[Phase] = field(default_factory=list)
    detections: list[Detection] = field(default_factory=list)


# --- slot utilisation and detection --------------------------------------------------------


def slot_utilisation(log: list[tuple[str, float, float]], slots: int) -> float | None:
    """Share of the time each host's ``slots`` were busy, first request start to last start.

    Every watch is due at once, so checks wait for the host over that whole span; the figure
    is the span-weighted mean over hosts, from the server's own request log.
    """
    by_host: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for host, start, end in log:
        by_host[host].append((start, end))
    busy = span = 0.0
    for requests in by_host.values():
        if len(requests) < 2:
            continue
        first, last = min(s for s, _ in requests), max(s for s, _ in requests)
        events = sorted([(s, 1) for s, _ in requests] + [(min(e, last), -1) for _, e in requests])
        level, previous = 0, first
        for at, step in events:
            at = min(max(at, first), last)
            busy += min(level, slots) * (at - previous)
            level, previous = level + step, at
        span += slots * (last - first)
    return busy / span if span > 0 else None


def score(
    system: str, planted: list[Planted], changes: list[tuple[str, frozenset[str], str]]
) -> Detection:
    """Recall: each planted edit reported with its kind. Precision: reported changes that are
    a planted edit with only kinds it explains (noise-only pages must report nothing)."""
    wanted = {p.index: p.edit for p in planted}
    result = Detection(system, planted=len(planted), reported=len(changes))
    seen: Counter[int] = Counter()
    for url, kinds, significance in changes:
        match = URL_INDEX.search(url)
        index = int(match.group(1)) if match else -1
        edit = wanted.get(index)
        seen[index] += 1
        result.kinds.setdefault(edit.name if edit else "none", []).append(",".join(sorted(kinds)))
        if edit is None or seen[index] > 1:
            result.unexplained.append(f"{url}: {sorted(kinds)}")
            continue
        hit = edit.kind in kinds and edit.significance in (None, significance)
        result.found += hit
        if hit and kinds <= edit.allowed:
            result.correct += 1
        elif kinds - edit.allowed:
            result.unexplained.append(f"{edit.name}: {sorted(kinds - edit.allowed)}")
    result.missed = sorted(p.edit.name for p in planted if p.index not in seen)
    return result


# --- the run ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Options:
    pages: int
    hosts: tuple[int, ...]
    only: tuple[str, ...]
    server_procs: int
    seed: int
    edit_share: float
    timeout: float
    slot_latency: float
    slot_pages: int
    work: Path
    profile: bool = False
    profile_pass: str = "noisy"


def run_case(hosts: int, options: Options, private: PrivateRedis) -> Case:
    addresses = tuple(f"127.0.0.{2 + i}" for i in range(hosts))
    spec = SiteSpec(options.pages, addresses, free_port(), options.seed, options.edit_share)
    urls = [spec.url(i) for i in range(spec.pages)]
    polite = Politeness(per_host=2, total=16)
    servers = SiteServers(spec, options.server_procs)
    case = Case(hosts)
    try:
        for kind in ("aiohttp", "httpx"):
            if kind in options.only:
                for mode, round_, serving, slow in BARE_PASSES:
                    latency = options.slot_latency if slow else 0.0
                    servers.set(round=round_, mode=serving, latency=latency)
                    servers.dump()
                    chosen = urls[: options.slot_pages] if slow else urls
                    phase = bare_loop(kind, chosen, polite, mode)
                    phase.slot_utilisation = slot_utilisation(servers.dump(), polite.per_host)
                    case.phases.append(phase)
                    print_phase(hosts, phase)
        for name in ("check", "worker"):
            if name in options.only:
                work = options.work / f"h{hosts}-{name}"
                runner_type = CheckRunner if name == "check" else WorkerRunner
                runner = runner_type(work, urls, private, polite)
                if isinstance(runner, WorkerRunner) and options.profile:
                    runner.profile = options.work / f"h{hosts}-py-spy"
                    runner.profile_pass = options.profile_pass
                try:
                    case.detections.append(run_passes(hosts, runner, servers, spec, case, options))
                finally:
                    if isinstance(runner, WorkerRunner):
                        runner.stop()
    finally:
        servers.stop()
    return case


def run_passes(
    hosts: int,
    runner: CheckRunner | WorkerRunner,
    servers: SiteServers,
    spec: SiteSpec,
    case: Case,
    options: Options,
) -> Detection:
    """First sight, the noisy pass with the planted edits, the 304 pass; then score the edits."""
    change_mark = 0
    for mode, round_, serving, slow in PASSES:
        servers.set(round=round_, mode=serving, latency=options.slot_latency if slow else 0.0)
        servers.dump()
        if mode == "noisy":
            change_mark = runner.store.mark("changes")
        subset = min(options.slot_pages, spec.pages) if slow else None
        phase = runner.run_pass(mode, options.timeout, subset)
        phase.slot_utilisation = slot_utilisation(servers.dump(), 2)
        case.phases.append(phase)
        print_phase(hosts, phase)
    changes = runner.store.changes_since(change_mark)
    return score(phase.system, planted_edits(spec), changes)


# --- output --------------------------------------------------------------------------------


def rss_text(rss: dict[str, float]) -> str:
    return ", ".join(f"{role} {mb:.0f}" for role, mb in sorted(rss.items()))


HEADER = (
    f"{'hosts':>5} {'system':<22} {'mode':<6} {'url/s':>7} {'CPU ms/URL':>10} "
    f"{'p50 ms':>7} {'p95 ms':>7} {'slots':>6} {'checked':>9}  peak RSS MB per process"
)


def print_phase(hosts: int, phase: Phase) -> None:
    slots = "-" if phase.slot_utilisation is None else f"{phase.slot_utilisation:.0%}"
    print(
        f"{hosts:>5} {phase.system:<22} {phase.mode:<6} {phase.url_per_s:>7.0f} "
        f"{phase.cpu_ms_per_url:>10.2f} {phase.percentile(0.5):>7.1f} "
        f"{phase.percentile(0.95):>7.1f} "
        f"{slots:>6} {phase.checked:>4}/{phase.urls:<4}  {rss_text(phase.rss_mb)}",
        flush=True,
    )


def print_detection(case: Case) -> None:
    for d in case.detections:
        print(
            f"{case.hosts:>5} {d.system:<22} edits {d.planted}: recall {d.recall:.2f}, "
            f"precision {d.precision:.2f} ({d.reported} changes reported)"
        )
        found = "; ".join(
            f"{edit}: {' / '.join(sorted(set(kinds)))}" for edit, kinds in sorted(d.kinds.items())
        )
        print(f"        kinds reported per edit: {found}")
        if d.missed:
            print(f"        missed: {', '.join(d.missed)}")
        for line in d.unexplained[:5]:
            print(f"        unexplained: {line}")


def print_table(cases: list[Case]) -> None:
    print()
    print(HEADER)
    for case in cases:
        for phase in case.phases:
            print_phase(case.hosts, phase)
    print()
    for case in cases:
        print_detection(case)


def as_json(cases: list[Case], options: Options) -> dict[str, Any]:
    def phase_json(p: Phase) -> dict[str, Any]:
        figures = asdict(p)
        figures.pop("latencies_ms")
        return figures | {
            "url_per_s": p.url_per_s,
            "cpu_ms_per_url": p.cpu_ms_per_url,
            "p50_ms": p.percentile(0.5),
            "p95_ms": p.percentile(0.95),
        }

    return {
        "pages": options.pages,
        "load_average": os.getloadavg(),
        "cpus": os.cpu_count(),
        "cases": [
            {
                "hosts": c.hosts,
                "phases": [phase_json(p) for p in c.phases],
                "detection": [
                    asdict(d) | {"recall": d.recall, "precision": d.precision} for d in c.detections
                ],
            }
            for c in cases
        ],
    }


# --- targets ---------------------------------------------------------------------------------


def missed_targets(cases: list[Case]) -> list[str]:
    """Every target of issue 13 the figures miss, said in words."""
    missed: list[str] = []
    for case in cases:
        phases = {
            (p.system.split()[0] if "bare" not in p.system else p.system, p.mode): p
            for p in case.phases
        }
        httpx_ = phases.get(("bare httpx", "noisy"))
        for name, key, ratio in (
            ("worker", "worker", "worker_vs_httpx"),
            ("check", "editwatch", "check_vs_httpx"),
        ):
            noisy = phases.get((key, "noisy"))
            if noisy is None:
                continue
            if httpx_ is not None and noisy.url_per_s < TARGETS[ratio] * httpx_.url_per_s:
                missed.append(
                    f"{case.hosts} hosts: {name} {noisy.url_per_s:.0f} url/s < "
                    f"{TARGETS[ratio]}x bare httpx ({httpx_.url_per_s:.0f})"
                )
            for mode, limit in (("noisy", TARGETS["cpu_ms_noisy"]), ("304", TARGETS["cpu_ms_304"])):
                phase = phases.get((key, mode))
                if phase is not None and not phase.cpu_ms_per_url <= limit:
                    missed.append(
                        f"{case.hosts} hosts: {name} {mode} CPU "
                        f"{phase.cpu_ms_per_url:.2f} ms/URL > {limit}"
                    )
            if noisy.checked < noisy.urls:
                missed.append(f"{case.hosts} hosts: {name} checked {noisy.checked} of {noisy.urls}")
            slots = phases.get((key, "slots"))
            util = slots.slot_utilisation if slots else None
            if slots is not None and (util is None or util < TARGETS["slot_utilisation"]):
                shown = "-" if util is None else f"{util:.0%}"
                missed.append(f"{case.hosts} hosts: {name} slot utilisation {shown} < 90%")
            pool = noisy.rss_mb.get("pool")
            if pool is not None and pool > TARGETS["pool_rss_mb"]:
                missed.append(f"{case.hosts} hosts: pool process RSS {pool:.0f} MB > 150")
        if any(p.mode.endswith("profiled") for p in case.phases):
            missed.append(f"{case.hosts} hosts: a pass ran under py-spy; its figures are no proof")
        for d in case.detections:
            if d.recall < TARGETS["recall"] or d.precision < TARGETS["precision"]:
                missed.append(
                    f"{case.hosts} hosts: {d.system} recall {d.recall:.2f}, "
                    f"precision {d.precision:.2f} (both must be 1.0)"
                )
    return missed


# --- main ------------------------------------------------------------------------------------


def parse(argv: list[str] | None) -> tuple[argparse.Namespace, Options]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=2000, help="watches / pages (default 2000)")
    parser.add_argument("--hosts", default="1,4", help="host counts, one case each (default 1,4)")
    parser.add_argument("--only", action="append", choices=SYSTEMS, help="run only this system")
    parser.add_argument("--server-procs", type=int, default=2, help="site server processes")
    parser.add_argument("--edit-share", type=float, default=0.05, help="share of pages edited")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds per pass at most")
    parser.add_argument(
        "--slot-latency",
        type=float,
        default=50.0,
        help="server think time in ms for the slots pass (default 50)",
    )
    parser.add_argument(
        "--slot-pages", type=int, default=400, help="pages the slots pass checks (default 400)"
    )
    parser.add_argument(
        "--memory",
        type=int,
        metavar="WATCHES",
        help="instead: RSS per worker process, startup and reload with this many watches",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="py-spy the worker's noisy pass: CPU per URL by stage (that pass runs slower)",
    )
    parser.add_argument(
        "--profile-pass",
        choices=("first", "noisy", "304"),
        default="noisy",
        help="the pass --profile samples (default noisy)",
    )
    parser.add_argument("--json", type=Path, help="write every figure to this file")
    parser.add_argument("--keep", action="store_true", help="keep the work dir (logs, stores)")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="editwatch-throughput-"))
    options = Options(
        pages=args.pages,
        hosts=tuple(int(h) for h in args.hosts.split(",")),
        only=tuple(args.only or SYSTEMS),
        server_procs=args.server_procs,
        seed=args.seed,
        edit_share=args.edit_share,
        timeout=args.timeout,
        slot_latency=args.slot_latency / 1000,
        slot_pages=args.slot_pages,
        work=work,
        profile=args.profile,
        profile_pass=args.profile_pass,
    )
    return args, options


def run(options: Options) -> list[Case]:
    """Every host case, one after the other, on one private Redis."""
    private = PrivateRedis(options.work)
    private.start()
    cases = []
    try:
        for hosts in options.hosts:
            cases.append(run_case(hosts, options, private))
    finally:
        private.stop()
    return cases


def run_memory(watches: int, options: Options) -> MemoryFigures:
    private = PrivateRedis(options.work)
    private.start()
    try:
        figures = memory_probe(options.work / "memory", watches, private, options.timeout)
    finally:
        private.stop()
    print(
        f"{watches} watches: startup (every watch queued) {figures.startup_s:.1f} s, first "
        f"check batch done {figures.first_checks_s:.1f} s, reload after a watches.yaml edit "
        f"{figures.reload_s:.1f} s"
    )
    print(f"peak RSS MB per process: {rss_text(figures.rss_mb)} (target: pool <= 150)")
    return figures


def main_memory(args: argparse.Namespace, options: Options) -> int:
    figures = run_memory(args.memory, options)
    if args.json:
        args.json.write_text(json.dumps(asdict(figures), indent=2))
    pool = figures.rss_mb.get("pool", 0.0)
    ok = pool <= TARGETS["pool_rss_mb"]
    print("targets met" if ok else f"target missed: pool process RSS {pool:.0f} MB > 150")
    return 1 if args.check and not ok else 0


def compile_bytecode(package: Path) -> None:
    """Byte-compile the measured package, as ``pip install`` does for a wheel (the Docker image).

    ``check`` is charged its whole process, start-up included. An editable install under
    ``PYTHONDONTWRITEBYTECODE=1`` (set here, and in the Dockerfile) never writes bytecode, so
    each run compiled editwatch's ~100 modules from source first: some 17 % of the
    instructions of a 304 pass over 2000 watches, a cost no installed editwatch pays. Stale
    ``.pyc`` files are rewritten (``compileall`` compares the source's time stamp).
    """
    compileall.compile_dir(package, quiet=1)


def main(argv: list[str] | None = None) -> int:
    args, options = parse(argv)
    if args.json:
        args.json = args.json.resolve()
    if args.memory:
        os.chdir(options.work)
        try:
            return main_memory(args, options)
        finally:
            if not args.keep:
                shutil.rmtree(options.work, ignore_errors=True)
    json_path = args.json.resolve() if args.json else None
    import worker  # the package of the active venv: say which tree is measured

    package = Path(worker.__file__).parent
    compile_bytecode(package)
    print(
        f"editwatch from {package} (bytecode compiled); {options.pages} pages, hosts "
        f"{options.hosts}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f}; work "
        f"{options.work}"
    )
    print(HEADER, flush=True)
    os.chdir(options.work)  # children must not import a `worker` from the caller's directory
    try:
        cases = run(options)
    finally:
        if not args.keep:
            shutil.rmtree(options.work, ignore_errors=True)
    print_table(cases)
    print(f"load average after the run: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if json_path is not None:
        json_path.write_text(json.dumps(as_json(cases, options), indent=2, default=str))
    missed = missed_targets(cases)
    for line in missed:
        print(f"target missed: {line}")
    print("targets met" if not missed else f"{len(missed)} targets missed")
    return 1 if args.check and missed else 0


if __name__ == "__main__":
    sys.exit(main())

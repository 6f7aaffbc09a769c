"""Where the worker's CPU per URL goes: py-spy on every editwatch process during one pass.

``py-spy record --format raw`` samples the non-idle threads of each process. Each sampled
stack is put in one stage by its deepest frame that belongs to a stage (a leaf in ``ssl`` under
httpcore is "fetch", a leaf in ``re`` under ``worker/normalize.py`` is "normalize"); the stage
shares are applied to the CPU psutil measured for those processes and printed in ms per
checked URL. py-spy costs CPU itself: a profiled pass is not a throughput figure.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

RATE = 250  # samples per second per process
# (stage, path fragments), checked from the leaf frame upwards; the first match names the stage.
STAGES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "host limiter + Redis",
        (
            "worker/fetch/hostlimits.py",
            "worker/fetch/scriptlink.py",
            "worker/fetch/wakeups.py",
            "/redis/",
            "/hiredis/",
            "worker/schedule/",
        ),
    ),
    ("logging", ("/structlog/", "worker/logs.py", "/logging/")),
    ("store (SQLAlchemy, SQLite)", ("/sqlalchemy/", "worker/store/", "sqlite3")),
    ("fetch (httpx)", ("/httpx", "/httpcore/", "/h11/", "/anyio/", "/aiohttp/", "worker/fetch/")),
    ("extract", ("selectolax", "worker/extract/")),
    ("normalize + fingerprint", ("worker/normalize.py",)),
    ("diff", ("worker/diff/",)),
    ("config (re)load", ("worker/config.py", "/pydantic", "/yaml/")),
    ("event loop", ("/asyncio/",)),
    ("pipeline", ("worker/pipeline/", "worker/tasks.py")),
    ("Celery + kombu", ("/celery/", "/kombu/", "/billiard/", "/vine/")),
)


GENERIC = frozenset({"event loop", "pipeline", "Celery + kombu"})
# Leaf frames that wait for I/O or a timer: py-spy's idle detection misses a thread parked in
# epoll (the event loop's selector, kombu's poller) or in a blocking Redis reply read, so such
# samples are left out of the shares (at load 5 they were over a third of all samples, charged
# to "event loop", "Celery + kombu" and "host limiter + Redis").
WAITING_LEAVES = (
    "EpollSelector.select (",
    "_epoll.poll (",
    "PollSelector.select (",
    "_HiredisParser.read_from_socket (",
    "SocketBuffer._read_from_socket (",
)


def stage_of(stack: str) -> str:
    """The stage of one ``frame;frame;...`` stack (root first, as py-spy writes it).

    A specific stage anywhere in the stack wins over a generic one (an asyncio leaf under
    httpcore is the fetch's socket I/O; only a stack with no stage below the event loop,
    the pipeline or Celery is theirs).
    """
    frames = [raw.replace("(", "(/") for raw in reversed(stack.split(";"))]  # py-spy writes
    for generic in (False, True):  # (httpx/_client.py:1) or (/abs/path.py:1)
        for frame in frames:
            for stage, fragments in STAGES:
                if (stage in GENERIC) == generic and any(f in frame for f in fragments):
                    return stage
    return "other"


def read_raw(paths: Iterable[Path]) -> Counter[str]:
    """Samples per stage from py-spy raw (collapsed) files: ``stack count`` per line."""
    stages: Counter[str] = Counter()
    for path in paths:
        if not path.exists():
            continue
        for line in path.read_text(errors="replace").splitlines():
            stack, _, count = line.rpartition(" ")
            if count.isdigit() and not stack.rsplit(";", 1)[-1].startswith(WAITING_LEAVES):
                stages[stage_of(stack)] += int(count)
    return stages


def py_spy() -> str:
    found = Path(sys.executable).parent / "py-spy"
    return str(found) if found.exists() else (shutil.which("py-spy") or "py-spy")


@contextmanager
def profiling(pids: dict[int, str], out: Path) -> Iterator[list[Path]]:
    """py-spy on each pid (role names the file) while the block runs; yields the raw files."""
    out.mkdir(parents=True, exist_ok=True)
    files, spies = [], []
    for pid, role in pids.items():
        path = out / f"{role}-{pid}.txt"
        command = [py_spy(), "record", "--pid", str(pid), "--format", "raw", "--rate", str(RATE)]
        command += ["--nonblocking", "-o", str(path)]
        log = (out / "py-spy.log").open("ab")
        spies.append(subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT))
        files.append(path)
    try:
        yield files
    finally:
        for spy in spies:
            spy.send_signal(signal.SIGINT)  # py-spy writes its file on Ctrl-C
        for spy in spies:
            try:
                spy.wait(timeout=30)
            except subprocess.TimeoutExpired:
                spy.kill()


def report(files: list[Path], urls: int, cpu_s: float) -> dict[str, float]:
    """ms of CPU per URL by stage, printed largest first.

    Samples give each stage's *share*; the ms are that share of ``cpu_s``, the CPU the profiled
    processes really used (psutil). Raw samples overcount on a loaded machine: a thread that
    is runnable but waiting for a core is sampled as active.
    """
    stages = read_raw(files)
    samples = sum(stages.values())
    per_url = {
        stage: n / samples * cpu_s * 1000 / max(urls, 1) for stage, n in stages.most_common()
    }
    print(
        f"py-spy, worker path (worker, pool, beat; not redis-server), ms of CPU per URL over "
        f"{urls} checks: {cpu_s * 1000 / max(urls, 1):.2f} ({samples} samples)"
    )
    for stage, ms in per_url.items():
        print(f"  {stage:<28} {ms:6.2f}  {ms / max(sum(per_url.values()), 1e-9):5.1%}")
    return per_url

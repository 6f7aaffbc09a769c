"""The worker's runtime: watches are registered once per config load, not on every tick."""

from __future__ import annotations

import os
import subprocess
import sys
from array import array
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

import pytest
import redis

from tests.configs import write_config
from worker.config import load_settings
from worker.fetch.hostlimits import HostLimiter
from worker.models import CheckOutcome, CheckResult, Watch
from worker.pipeline import Target
from worker.schedule.duequeue import DueQueue
from worker.store import Store
from worker.tasks import Runtime, Targets, group_by_host, host_share, interleave_hosts, needs_facts

URL = "https://news.example/story"


@pytest.fixture
def rt(tmp_path: Path) -> Iterator[Runtime]:
    """A runtime over a real SQLite store; Redis is never contacted by these code paths."""
    settings = load_settings(write_config(tmp_path / "config", [{"url": URL, "name": "first"}]))
    client = redis.Redis(unix_socket_path=str(tmp_path / "no-redis.sock"))
    runtime = Runtime(
        settings=settings,
        store=Store.open(tmp_path / "data"),
        redis=client,
        queue=DueQueue(client),
        channels={},
    )
    yield runtime
    runtime.loop.close()
    runtime.store.close()
    client.close()


def test_targets_are_registered_once_and_then_only_read(rt: Runtime) -> None:
    """Re-reading targets (every schedule.reload) writes nothing until the config changes."""
    (target,) = rt.targets().values()
    assert rt.registered and rt.store.sync_watches([target.watch]) == {URL: target.id}
    rt.store.sync_watches([target.watch.__class__(URL, "renamed elsewhere", 60.0)])
    rt.known_at = float("-inf")  # stale: the next call re-reads
    rt.targets()
    assert [w.name for w in rt.store.list_watches()] == ["renamed elsewhere"]  # not written back
    rt.registered = False  # what a config reload does
    rt.targets(need=[target.id + 1])
    assert [w.name for w in rt.store.list_watches()] == ["first"]


def test_watches_a_feed_discovered_elsewhere_join_without_a_rebuild(tmp_path: Path) -> None:
    """After the first load only new feed-discovered watches are looked up, and the dispatch
    view (sorted ids, digest) is recomputed only when the targets changed."""
    feed = "https://news.example/feed.xml"
    config = write_config(tmp_path / "config", [{"url": feed, "name": "feed", "type": "feed"}])
    client = redis.Redis(unix_socket_path=str(tmp_path / "no-redis.sock"))
    rt = Runtime(load_settings(config), Store.open(tmp_path / "data"), client, DueQueue(client), {})
    try:
        first_ids, first_version = rt.dispatch_view()
        assert rt.dispatch_view()[1] is first_version  # cached between ticks
        found = "https://news.example/2026/story"
        rt.store.sync_watches([Watch(found, "found by another worker", 60.0)], source=feed)
        rt.known_at = float("-inf")  # schedule.reload passed
        ids, version = rt.dispatch_view()
        assert len(ids) == len(first_ids) + 1 and version != first_version
        assert rt.known[max(ids)].watch.source == feed
    finally:
        rt.loop.close()
        rt.store.close()
        client.close()


def test_batches_keep_a_host_together_and_pack_small_hosts() -> None:
    """A busy host fills batches of its own; hosts with a few due watches share one."""
    urls = {i: f"https://big.example/{i}" for i in range(5)}
    urls |= {10 + i: f"https://small{i}.example/a" for i in range(3)}
    batches = group_by_host(sorted(urls), urls, 3)
    assert batches == [[0, 1, 2], [3, 4, 10], [11, 12]]
    assert sorted(i for batch in batches for i in batch) == sorted(urls)


def test_a_batch_takes_no_more_of_a_host_than_its_share() -> None:
    """A host capped at 2 a batch is spread over batches; other hosts fill them up."""
    urls = {i: f"https://slow.example/{i}" for i in range(5)}
    urls |= {10 + i: f"https://fast{i}.example/a" for i in range(3)}
    share = {"slow.example": 2}.get
    batches = group_by_host(sorted(urls), urls, 4, lambda host: share(host, 100))
    assert batches == [[0, 1], [2, 3], [4, 10, 11, 12]]


def test_batches_are_queued_in_turn_by_host() -> None:
    """Two pool processes taking the queue in order start on different hosts, not both on
    the first host's slots; every batch is queued once."""
    urls = {i: f"https://a.example/{i}" for i in range(6)}
    urls |= {10 + i: f"https://b.example/{i}" for i in range(4)}
    urls |= {20: "https://c.example/x"}
    batches = group_by_host(sorted(urls), urls, 2)
    queued = interleave_hosts(batches, urls)
    hosts = [urls[batch[0]].split("/")[2][0] for batch in queued]
    assert hosts == ["a", "b", "c", "a", "b", "a"]
    assert sorted(map(tuple, queued)) == sorted(map(tuple, batches))
    assert interleave_hosts([], urls) == []


def test_a_host_share_is_what_it_serves_while_a_check_waits() -> None:
    """max_wait over min_gap checks (at least max_in_flight); no gap, no cap."""
    limiter = HostLimiter(
        redis.Redis(), max_in_flight=2, min_gap=1.0, overrides={"slow.example": (2, 5.0)}
    )
    assert host_share(limiter, 10.0, "news.example") == 10
    assert host_share(limiter, 10.0, "www.slow.example") == 2
    assert host_share(HostLimiter(redis.Redis(), min_gap=0.0), 10.0, "a.example") > 1000


@pytest.mark.parametrize(
    ("schedule", "outcome", "needed"),
    [
        ("fixed", "not_modified", False),
        ("fixed", "unchanged", False),
        ("fixed", "deferred", False),
        ("fixed", "error", True),  # the failure streak sets the backoff
        ("decay", "not_modified", True),  # the last change sets the interval
        ("decay", "deferred", False),
    ],
)
def test_a_batch_reads_watch_facts_only_where_the_next_due_time_uses_them(
    schedule: Literal["fixed", "decay"], outcome: CheckOutcome, needed: bool
) -> None:
    """A fixed interval's next check needs no streak and no last change: no read for it."""
    target = Target(1, Watch(URL, "story", 600.0, schedule=schedule))
    assert needs_facts(target, CheckResult("story", URL, outcome)) is needed


def test_politeness_lives_as_long_as_the_settings(rt: Runtime) -> None:
    """Batches share one robots.txt cache and one limiter (a site's robots.txt is read from
    Redis once a minute, not once a batch); a config reload builds them afresh."""
    first = rt.context()
    second = rt.context()
    assert second.robots is first.robots and second.gate is first.gate
    rt.politeness = None  # what reload_if_changed does when the settings changed
    assert rt.context().robots is not first.robots
    if rt.client is not None:
        rt.loop.run_until_complete(rt.client.aclose())


def test_worker_imports_the_card_stack_only_when_a_card_is_drawn(tmp_path: Path) -> None:
    """Pool processes inherit the worker's imports: Pillow and fontTools come in with the
    first card, and the worker's channels still draw exactly the card the CLI draws."""
    config = write_config(tmp_path / "config", [{"url": URL, "name": "first"}])
    script = (
        "import sys\n"
        "import worker.tasks as tasks\n"
        "assert 'PIL' not in sys.modules and 'fontTools' not in sys.modules\n"
        "from tests.integration.test_email_card import alert_payload\n"
        "from worker.cards import card_for_payload\n"
        "card = tasks.channel_context(tasks.startup_settings()).draw_card(alert_payload())\n"
        "assert card is not None and card == card_for_payload(alert_payload())\n"
    )
    env = {**os.environ, "EDITWATCH_CONFIG_DIR": str(config)}
    env["EDITWATCH_DATA_DIR"] = str(tmp_path / "data")
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr


def test_a_worker_process_keeps_its_configuration_out_of_full_collections(
    tmp_path: Path,
) -> None:
    """A pool process (and the worker's main process, before it forks) freezes what it has
    built, every watch of the configuration included: a full collection no longer walks them.
    After a reload the new configuration's watches are frozen too, and the reload took them."""
    config = write_config(tmp_path / "config", [{"url": URL, "name": "first"}])
    script = (
        "import gc, os, sys\n"
        "from celery.signals import worker_process_init\n"
        "import worker.tasks as tasks\n"
        "def walked(watches):\n"
        "    ids = {id(w) for w in watches}\n"
        "    return sum(id(o) in ids for o in gc.get_objects())\n"
        "assert walked(tasks.startup_settings().watches) == 1\n"
        "worker_process_init.send(sender='test')\n"
        "assert walked(tasks.startup_settings().watches) == 0\n"
        "rt = tasks.runtime()\n"
        "path = rt.settings.config_dir / 'watches.yaml'\n"
        "path.write_text(path.read_text() + '- {name: second, url: https://example.org/b}\\n')\n"
        "os.utime(path, ns=(1, 1))\n"
        "rt = tasks.reload_if_changed()\n"
        "assert [w.name for w in rt.settings.watches] == ['first', 'second']\n"
        "assert walked(rt.settings.watches) == 0\n"
        "rt.close()\n"
    )
    env = {**os.environ, "EDITWATCH_CONFIG_DIR": str(config)}
    env["EDITWATCH_DATA_DIR"] = str(tmp_path / "data")
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr


def test_targets_index_answers_as_the_dict_it_replaces() -> None:
    """Lookups, membership and iteration in id order; feed-discovered ones join in a new index."""
    watches = {i: Watch(f"{URL}/{i}", f"w{i}", 60.0) for i in (7, 3, 12, 5)}
    index = Targets(Target(i, w) for i, w in watches.items())
    assert list(index) == [3, 5, 7, 12] and list(index.sorted_ids()) == [3, 5, 7, 12]
    assert len(index) == 4 and index[7] == Target(7, watches[7])
    assert 5 in index and 6 not in index and 13 not in index and "5" not in index
    with pytest.raises(KeyError):
        index[6]
    assert index.get(0) is None and dict(index.items()) == {
        i: Target(i, w) for i, w in watches.items()
    }
    found = Watch(f"{URL}/found", "found", 60.0)
    grown = index.with_new([Target(9, found)])
    assert list(grown) == [3, 5, 7, 9, 12] and grown[9].watch is found and 9 not in index


@pytest.mark.parametrize("ids", [(3, 5, 7, 12), (7, 3, 12, 5)])
def test_targets_of_config_answer_as_targets_of_each_pair(ids: tuple[int, ...]) -> None:
    """Ascending ids (the usual order: watches are registered in config order) index the
    config's own tuple; any other order, a feed-found watch or a merged id take the general
    path; either way the index answers as one built from a Target per watch."""
    watches = tuple(Watch(f"{URL}/{i}", f"w{i}", 60.0) for i in ids)
    pairs = [Target(i, w) for i, w in zip(ids, watches, strict=True)]
    plain = Targets.of_config(array("q", ids), watches)
    assert dict(plain.items()) == dict(Targets(pairs).items())
    assert list(plain.sorted_ids()) == [3, 5, 7, 12]
    found = Target(9, Watch(f"{URL}/found", "found", 60.0))
    mixed = Targets.of_config(array("q", ids), watches, [found], {7})
    expected = Targets([*(t for t in pairs if t.id != 7), found])
    assert dict(mixed.items()) == dict(expected.items())
    assert list(mixed) == [3, 5, 9, 12] and mixed[9] == found and 7 not in mixed

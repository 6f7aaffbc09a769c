"""Operator alerts: health events (failing watches, broken extraction, dead alerts) reach the
`operator` channels once per occurrence, as outbox rows like any other alert."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.configs import write_config
from tests.httpserver import LocalHTTPServer
from tests.integration.test_digest import queue_change
from worker.config import ChannelSettings, NotifySettings, load_settings
from worker.errors import ConfigError
from worker.models import Article, Watch
from worker.notify import ChannelContext, build_channels
from worker.pipeline import delivery, health
from worker.store import Store

NOTIFY = NotifySettings(max_attempts=2, backoff=0.0, backoff_max=0.0)
OPS = ("ops",)


def operator_events(store: Store) -> list[dict[str, object]]:
    return [n.payload for n in store.notifications() if n.kind == "operator"]


def fail_check(store: Store, watch_id: int, ok: bool = False) -> None:
    store.record_check(
        watch_id,
        started_at=datetime.now(UTC),
        duration_ms=1.0,
        status=200 if ok else 503,
        nbytes=0,
        outcome="unchanged" if ok else "error",
        error=None if ok else "503 Service Unavailable",
        validators=None,
    )


def test_watch_failing_is_reported_once_per_streak(store: Store) -> None:
    """The Nth failure in a row queues one event; more failures add none; a new streak does."""
    (watch_id,) = store.sync_watches([Watch("https://example.org/a", "a", 60.0)]).values()
    queued: list[int] = []
    for _ in range(7):
        fail_check(store, watch_id)
        queued += health.watch_failing(store, watch_id, 3, OPS)
        queued += health.watch_failing(store, watch_id, 3, OPS)  # a second report: no-op
    assert len(queued) == 1
    (event,) = operator_events(store)
    assert event["event"] == "watch_failing" and event["failures"] == 3
    assert "503" in str(event["title"])
    fail_check(store, watch_id, ok=True)
    for _ in range(3):
        fail_check(store, watch_id)
        health.watch_failing(store, watch_id, 3, OPS)
    assert len(operator_events(store)) == 2


def store_bodies(store: Store, bodies: list[bool], host: str = "news.example") -> list[int]:
    """One watch per entry on ``host``, whose current version has a body or is empty."""
    watches = [Watch(f"https://{host}/s{i}", f"s{i}", 60.0) for i in range(len(bodies))]
    ids = list(store.sync_watches(watches).values())
    for watch_id, has_body in zip(ids, bodies, strict=True):
        article = Article(headline="h", paragraphs=("text",) if has_body else ())
        store.save_state(watch_id, article=article, fingerprint=str(has_body), raw_html=b"",
                         extractor_version="t", seen_at=datetime.now(UTC), change=None)  # fmt: skip
    return ids


def test_mostly_empty_bodies_on_a_host_are_reported_once_a_day(store: Store) -> None:
    """3 of 4 articles of a site extracting empty is breakage: one event per host and day."""
    ids = store_bodies(store, [False, False, False, True])
    now = datetime(2026, 5, 1, 12, tzinfo=UTC)
    assert len(health.extraction_empty(store, "news.example", ids, OPS, now)) == 1
    assert health.extraction_empty(store, "news.example", ids, OPS, now) == ()
    next_day = now + timedelta(days=1)
    assert len(health.extraction_empty(store, "news.example", ids, OPS, next_day)) == 1
    event = operator_events(store)[0]
    assert (event["event"], event["empty"], event["articles"]) == ("extraction_empty", 3, 4)


@pytest.mark.parametrize(
    "bodies",
    [[False, False], [False, True, True, True, True], []],
    ids=["too-few-articles", "mostly-fine", "nothing"],
)
def test_isolated_empty_bodies_are_not_breakage(store: Store, bodies: list[bool]) -> None:
    """Fewer than 3 articles, or under 60% empty, is not reported."""
    ids = store_bodies(store, bodies)
    assert health.extraction_empty(store, "news.example", ids, OPS) == ()


def test_dead_alert_is_reported_to_the_operator_but_a_dead_operator_alert_is_not(
    store: Store, tmp_path: Path, http_server: LocalHTTPServer
) -> None:
    """A dead change alert queues `notification_dead`; that event dying queues nothing more."""
    http_server.route("/hook", status=410)
    http_server.route("/ops", status=400)
    context = ChannelContext(tmp_path, allow_private_networks=True, timeout=5.0)
    settings = {
        "hook": ChannelSettings(type="webhook", url=http_server.url("/hook")),
        "ops": ChannelSettings(type="webhook", url=http_server.url("/ops")),
    }
    channels = build_channels(settings, context)
    routing = delivery.Routing(operator=OPS)
    (nid,) = queue_change(store, "https://example.org/a", ["hook"])
    assert delivery.deliver(store, channels, nid, NOTIFY, routing).state == "dead"
    outcomes = delivery.deliver_pending(store, channels, NOTIFY, routing)
    assert [o.state for o in outcomes] == ["dead"]  # the operator event, refused by /ops
    body = json.loads(http_server.requests("/ops")[0].body)
    assert body["event"] == "notification_dead" and body["notification_id"] == nid
    assert "410" in body["error"]
    assert delivery.deliver_pending(store, channels, NOTIFY, routing) == []
    assert [n.kind for n in store.notifications("dead")] == ["change", "operator"]


def test_after_check_round_runs_every_rule(store: Store, tmp_path: Path) -> None:
    """One call after a round reports failing watches and broken hosts to the operator."""
    config = write_config(
        tmp_path / "config", [], extra={"operator": ["archive"], "notify": {"failing_after": 1}}
    )
    settings = load_settings(config, tmp_path / "data")
    ids = store_bodies(store, [False, False, False])
    fail_check(store, ids[0])
    queued = health.after_check_round(
        store, settings, [(i, f"https://news.example/s{n}") for n, i in enumerate(ids)]
    )
    assert sorted(str(e["event"]) for e in operator_events(store)) == [
        "extraction_empty",
        "watch_failing",
    ]
    assert len(queued) == 2


def test_no_operator_channels_means_no_events(store: Store, tmp_path: Path) -> None:
    """Without `operator:` in editwatch.yaml health rules stay silent."""
    settings = load_settings(write_config(tmp_path / "config", []), tmp_path / "data")
    ids = store_bodies(store, [False, False, False])
    assert (
        health.after_check_round(store, settings, [(i, "https://news.example/") for i in ids]) == ()
    )


def test_operator_channels_must_exist(tmp_path: Path) -> None:
    """A typo in `operator:` is a configuration error naming the channel."""
    config = write_config(tmp_path / "config", [], extra={"operator": ["pager"]})
    with pytest.raises(ConfigError, match="operator: unknown channel 'pager'"):
        load_settings(config, tmp_path / "data")

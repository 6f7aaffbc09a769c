"""Delivery from the outbox: every channel type, retries with backoff, permanent failures."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.httpserver import LocalHTTPServer
from worker import pipeline
from worker.config import ChannelSettings, NotifySettings
from worker.errors import ConfigError
from worker.models import Article, Watch
from worker.notify import REGISTRY, ChannelContext, build_channel, build_channels
from worker.store import NewChange, Store

NOTIFY = NotifySettings(max_attempts=3, backoff=0.0, backoff_max=0.0)
PAYLOAD = {"watch": "story", "url": "https://example.org/story", "kinds": ["headline"]}
EXAMPLE_OPTIONS: dict[str, dict[str, Any]] = {
    "file": {"path": "out.jsonl"},
    "log": {},
    "webhook": {"url": "http://127.0.0.1:9/hook"},
}


def queue_one(store: Store, channels: list[str]) -> list[int]:
    """Store two versions of a watch with a change, queueing one outbox row per channel."""
    (watch_id,) = store.sync_watches([Watch("https://example.org/story", "story", 60.0)]).values()
    now = datetime.now(UTC)
    store.save_state(watch_id, article=Article(headline="A"), fingerprint="a", raw_html=b"",
                     extractor_version="t", seen_at=now, change=None, channels=(),
                     payload_for=None)  # fmt: skip
    saved = store.save_state(
        watch_id, article=Article(headline="B"), fingerprint="b", raw_html=b"",
        extractor_version="t", seen_at=now,
        change=NewChange(("headline",), "major", False, {}), channels=channels,
        payload_for=lambda change_id, new, old: {**PAYLOAD, "new_version": new},
    )  # fmt: skip
    return list(saved.notification_ids)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store.open(tmp_path)


def context(tmp_path: Path) -> ChannelContext:
    return ChannelContext(tmp_path, allow_private_networks=True, timeout=5.0)


def test_every_registered_channel_has_a_documented_example() -> None:
    """Each channel type in the registry is exercised by the parametrised test below."""
    assert set(REGISTRY) == set(EXAMPLE_OPTIONS)


@pytest.mark.parametrize("kind", sorted(EXAMPLE_OPTIONS))
def test_every_channel_builds_and_rejects_unknown_options(kind: str, tmp_path: Path) -> None:
    """Channels validate their options: a typo is an error naming channel and option."""
    build_channel("c", ChannelSettings(type=kind, **EXAMPLE_OPTIONS[kind]), context(tmp_path))
    with pytest.raises(ConfigError, match=r"channels\.c: .*colour"):
        build_channel("c", ChannelSettings(type=kind, colour="red"), context(tmp_path))


def test_unknown_channel_type_is_a_config_error(tmp_path: Path) -> None:
    """`type: pager` is refused with the list of known types."""
    with pytest.raises(ConfigError, match="unknown channel type 'pager'"):
        build_channel("c", ChannelSettings(type="pager"), context(tmp_path))


def test_file_channel_appends_one_json_line_per_alert(store: Store, tmp_path: Path) -> None:
    """The file channel writes the payload with its event id, one line per alert."""
    channels = build_channels({"a": ChannelSettings(type="file", path="a.jsonl")}, context(tmp_path))
    (nid,) = queue_one(store, ["a"])
    assert pipeline.deliver(store, channels, nid, NOTIFY).state == "sent"
    (line,) = (tmp_path / "a.jsonl").read_text().splitlines()
    assert json.loads(line) == {**PAYLOAD, "new_version": 2, "event_id": nid}


def test_webhook_down_then_up_is_delivered_once(
    store: Store, tmp_path: Path, http_server: LocalHTTPServer
) -> None:
    """A 503 schedules a retry; the next attempt succeeds; a third call sends nothing."""
    http_server.route("/hook", status=503)
    settings = {"h": ChannelSettings(type="webhook", url=http_server.url("/hook"))}
    channels = build_channels(settings, context(tmp_path))
    (nid,) = queue_one(store, ["h"])
    assert pipeline.deliver(store, channels, nid, NOTIFY).state == "retry"
    http_server.route("/hook", status=204)
    assert pipeline.deliver(store, channels, nid, NOTIFY).state == "sent"
    assert pipeline.deliver(store, channels, nid, NOTIFY).state == "skipped"
    assert http_server.count("/hook") == 2
    body = json.loads(http_server.requests("/hook")[-1].body)
    assert body["event_id"] == nid and body["kinds"] == ["headline"]


def test_webhook_400_fails_at_once_and_is_kept(
    store: Store, tmp_path: Path, http_server: LocalHTTPServer
) -> None:
    """A permanent error marks the row failed with the reason; the row stays in the outbox."""
    http_server.route("/hook", status=400, body=b"bad payload")
    settings = {"h": ChannelSettings(type="webhook", url=http_server.url("/hook"))}
    channels = build_channels(settings, context(tmp_path))
    (nid,) = queue_one(store, ["h"])
    outcome = pipeline.deliver(store, channels, nid, NOTIFY)
    assert outcome.state == "failed" and "400" in str(outcome.error)
    (row,) = store.notifications("failed")
    assert row.id == nid and "400" in str(row.last_error)


def test_retries_end_in_failed_after_max_attempts(
    store: Store, tmp_path: Path, http_server: LocalHTTPServer
) -> None:
    """After notify.max_attempts transient failures the alert is marked failed, not lost."""
    http_server.route("/hook", status=500)
    settings = {"h": ChannelSettings(type="webhook", url=http_server.url("/hook"))}
    channels = build_channels(settings, context(tmp_path))
    (nid,) = queue_one(store, ["h"])
    states = [pipeline.deliver(store, channels, nid, NOTIFY).state for _ in range(4)]
    assert states == ["retry", "retry", "failed", "skipped"]
    assert http_server.count("/hook") == 3


def test_retry_waits_for_its_backoff(store: Store, tmp_path: Path, http_server: LocalHTTPServer) -> None:
    """A row waiting for its retry time is not sent early by the pending sweep."""
    http_server.route("/hook", status=503, headers={"Retry-After": "120"})
    settings = {"h": ChannelSettings(type="webhook", url=http_server.url("/hook"))}
    channels = build_channels(settings, context(tmp_path))
    (nid,) = queue_one(store, ["h"])
    slow = NotifySettings(max_attempts=3, backoff=1.0, backoff_max=600.0)
    outcome = pipeline.deliver(store, channels, nid, slow)
    assert outcome.state == "retry" and outcome.delay == pytest.approx(120)
    assert pipeline.deliver_pending(store, channels, slow) == []
    assert store.due_notifications(datetime.now(UTC) + timedelta(seconds=121), 10) == [nid]

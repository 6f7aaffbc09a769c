"""Delivery from the outbox: every channel type, retries with backoff, permanent failures."""

from __future__ import annotations

import json
import socket
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from structlog.testing import capture_logs

from tests.httpserver import LocalHTTPServer
from worker.config import ChannelSettings, NotifySettings
from worker.errors import ConfigError
from worker.models import Article, Watch
from worker.notify import REGISTRY, ChannelContext, build_channel, build_channels
from worker.pipeline import delivery
from worker.store import NewAlert, NewChange, Store

NOTIFY = NotifySettings(max_attempts=3, backoff=0.0, backoff_max=0.0)
PAYLOAD = {"watch": "story", "url": "https://example.org/story", "kinds": ["headline"]}
EXAMPLE_OPTIONS: dict[str, dict[str, Any]] = {
    "apprise": {"url_env": "EDITWATCH_TEST_APPRISE_URL"},
    "email": {"host": "127.0.0.1", "from": "editwatch@example.org", "to": ["desk@example.org"]},
    "file": {"path": "out.jsonl"},
    "log": {},
    "mastodon": {"url": "https://mastodon.example", "token_env": "EDITWATCH_TEST_TOKEN"},
    "slack": {"url_env": "EDITWATCH_TEST_SLACK_URL", "max_length": 2000},
    "webhook": {"url": "http://127.0.0.1:9/hook", "secret_env": "EDITWATCH_TEST_SECRET"},
}
OPTIONAL_LIBRARIES = {"apprise": "apprise"}  # kinds whose library is an optional extra


def queue_one(store: Store, channels: list[str]) -> list[int]:
    """Store two versions of a watch with a change, queueing one outbox row per channel."""
    (watch_id,) = store.sync_watches([Watch("https://example.org/story", "story", 60.0)]).values()
    now = datetime.now(UTC)
    store.save_state(watch_id, article=Article(headline="A"), fingerprint="a", raw_html=b"",
                     extractor_version="t", seen_at=now, change=None)  # fmt: skip
    saved = store.save_state(
        watch_id, article=Article(headline="B"), fingerprint="b", raw_html=b"",
        extractor_version="t", seen_at=now,
        change=NewChange(("headline",), "major", False, {}),
        alert=NewAlert(PAYLOAD, tuple(channels)),
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
    if kind in OPTIONAL_LIBRARIES:
        pytest.importorskip(OPTIONAL_LIBRARIES[kind])
    build_channel("c", ChannelSettings(type=kind, **EXAMPLE_OPTIONS[kind]), context(tmp_path))
    with pytest.raises(ConfigError, match=r"channels\.c: .*colour"):
        build_channel("c", ChannelSettings(type=kind, colour="red"), context(tmp_path))


def test_unknown_channel_type_is_a_config_error(tmp_path: Path) -> None:
    """`type: pager` is refused with the list of known types."""
    with pytest.raises(ConfigError, match="unknown channel type 'pager'"):
        build_channel("c", ChannelSettings(type="pager"), context(tmp_path))


def test_file_channel_appends_one_json_line_per_alert(store: Store, tmp_path: Path) -> None:
    """The file channel writes the payload with its event id, one line per alert."""
    channels = build_channels(
        {"a": ChannelSettings(type="file", path="a.jsonl")}, context(tmp_path)
    )
    (nid,) = queue_one(store, ["a"])
    assert delivery.deliver(store, channels, nid, NOTIFY).state == "sent"
    (line,) = (tmp_path / "a.jsonl").read_text().splitlines()
    written = json.loads(line)
    assert isinstance(written.pop("change_id"), int)  # `editwatch card <change_id>` draws it
    expected = {**PAYLOAD, "old_version": 1, "new_version": 2, "diff": {}, "event_id": nid}
    assert written == expected


def test_webhook_down_then_up_is_delivered_once(
    store: Store, tmp_path: Path, http_server: LocalHTTPServer
) -> None:
    """A 503 schedules a retry; the next attempt succeeds; a third call sends nothing."""
    http_server.route("/hook", status=503)
    settings = {"h": ChannelSettings(type="webhook", url=http_server.url("/hook"))}
    channels = build_channels(settings, context(tmp_path))
    (nid,) = queue_one(store, ["h"])
    assert delivery.deliver(store, channels, nid, NOTIFY).state == "retry"
    http_server.route("/hook", status=204)
    assert delivery.deliver(store, channels, nid, NOTIFY).state == "sent"
    assert delivery.deliver(store, channels, nid, NOTIFY).state == "skipped"
    assert http_server.count("/hook") == 2
    body = json.loads(http_server.requests("/hook")[-1].body)
    assert body["event_id"] == nid and body["kinds"] == ["headline"]


def test_webhook_400_is_dead_at_once_and_is_kept(
    store: Store, tmp_path: Path, http_server: LocalHTTPServer
) -> None:
    """A permanent error marks the row dead with the reason; the row stays in the outbox."""
    http_server.route("/hook", status=400, body=b"bad payload")
    settings = {"h": ChannelSettings(type="webhook", url=http_server.url("/hook"))}
    channels = build_channels(settings, context(tmp_path))
    (nid,) = queue_one(store, ["h"])
    outcome = delivery.deliver(store, channels, nid, NOTIFY)
    assert outcome.state == "dead" and "400" in str(outcome.error)
    (row,) = store.notifications("dead")
    assert row.id == nid and "400" in str(row.last_error)


def test_retries_end_in_dead_after_max_attempts(
    store: Store, tmp_path: Path, http_server: LocalHTTPServer
) -> None:
    """After notify.max_attempts transient failures the alert is marked dead, not lost."""
    http_server.route("/hook", status=500)
    settings = {"h": ChannelSettings(type="webhook", url=http_server.url("/hook"))}
    channels = build_channels(settings, context(tmp_path))
    (nid,) = queue_one(store, ["h"])
    states = [delivery.deliver(store, channels, nid, NOTIFY).state for _ in range(4)]
    assert states == ["retry", "retry", "dead", "skipped"]
    assert http_server.count("/hook") == 3


def test_retry_waits_for_its_backoff(
    store: Store, tmp_path: Path, http_server: LocalHTTPServer
) -> None:
    """A row waiting for its retry time is not sent early by the pending sweep."""
    http_server.route("/hook", status=503, headers={"Retry-After": "120"})
    settings = {"h": ChannelSettings(type="webhook", url=http_server.url("/hook"))}
    channels = build_channels(settings, context(tmp_path))
    (nid,) = queue_one(store, ["h"])
    slow = NotifySettings(max_attempts=3, backoff=1.0, backoff_max=600.0)
    outcome = delivery.deliver(store, channels, nid, slow)
    assert outcome.state == "retry" and outcome.delay == pytest.approx(120)
    assert delivery.deliver_pending(store, channels, slow) == []
    assert store.due_notifications(datetime.now(UTC) + timedelta(seconds=121), 10) == [nid]


def test_secrets_never_reach_logs_or_last_error(
    store: Store, tmp_path: Path, http_server: LocalHTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failing signed webhook with a secret URL logs and stores neither secret."""
    url_token, signing_key = "T0KEN-in-the-path-7f3a", "signing-key-9c1e"
    http_server.route(f"/hooks/{url_token}", status=503)
    monkeypatch.setenv("HOOK_URL", http_server.url(f"/hooks/{url_token}?token={url_token}"))
    monkeypatch.setenv("HOOK_SECRET", signing_key)
    options = {"url_env": "HOOK_URL", "secret_env": "HOOK_SECRET"}
    channels = build_channels({"h": ChannelSettings(type="webhook", **options)}, context(tmp_path))
    (nid,) = queue_one(store, ["h"])
    with capture_logs() as logs:
        outcomes = [delivery.deliver(store, channels, nid, NOTIFY)]  # 503
        monkeypatch.setenv("HOOK_URL", f"http://127.0.0.1:{closed_port()}/hooks/{url_token}")
        outcomes.append(delivery.deliver(store, channels, nid, NOTIFY))  # connection refused
        monkeypatch.setenv("HOOK_URL", http_server.url(f"/hooks/{url_token}"))
        http_server.route(f"/hooks/{url_token}", status=401)
        outcomes.append(delivery.deliver(store, channels, nid, NOTIFY))
    assert [o.state for o in outcomes] == ["retry", "retry", "dead"]
    assert http_server.count(f"/hooks/{url_token}") == 2  # the secrets were really used
    assert [e["event"] for e in logs if "error" in e] == ["notification_retry"] * 2 + [
        "notification_dead"
    ]
    (row,) = store.notifications("dead")
    seen = repr(logs) + str(row.last_error) + "".join(str(o.error) for o in outcomes)
    assert "401" in str(row.last_error) and "network error" in str(outcomes[1].error)
    assert url_token not in seen and signing_key not in seen


def closed_port() -> int:
    """A local port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])

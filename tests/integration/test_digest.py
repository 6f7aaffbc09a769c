"""Digest channels: changes are held for the channel's window, then sent as one message."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.httpserver import LocalHTTPServer
from worker.config import ChannelSettings, NotifySettings, validate_yaml_text
from worker.errors import ConfigError
from worker.models import Article, Watch
from worker.notify import ChannelContext, build_channels, message
from worker.pipeline import delivery
from worker.pipeline.debounce import release_bursts
from worker.store import NewAlert, NewChange, Store

NOTIFY = NotifySettings(max_attempts=3, backoff=0.0, backoff_max=0.0)
WINDOW = 600.0


def queue_change(store: Store, url: str, channels: list[str]) -> list[int]:
    """Two versions of the watch at ``url`` and the change between them, queued on channels."""
    name = url.rsplit("/", 1)[-1]
    (watch_id,) = store.sync_watches([Watch(url, name, 60.0)]).values()
    now = datetime.now(UTC)
    for headline, change in (("old", None), ("new", NewChange(("headline",), "major", False, {}))):
        saved = store.save_state(
            watch_id, article=Article(headline=f"{name} {headline}"), fingerprint=headline,
            raw_html=b"", extractor_version="t", seen_at=now, change=change,
            alert=NewAlert({"watch": name, "url": url, "kinds": ["headline"]}, tuple(channels)),
        )  # fmt: skip
    return list(saved.notification_ids)


def hold_three(store: Store, channels: dict[str, Any], routing: delivery.Routing) -> list[int]:
    ids = [queue_change(store, f"https://example.org/s{i}", ["desk"])[0] for i in range(3)]
    assert [delivery.deliver(store, channels, i, NOTIFY, routing).state for i in ids] == [
        "held"
    ] * 3
    return ids


def test_digest_merges_three_changes_into_one_message(store: Store, tmp_path: Path) -> None:
    """Three changes within the window reach a digest channel as one message listing all."""
    settings = {"desk": ChannelSettings(type="file", path="desk.jsonl", digest=WINDOW)}
    channels = build_channels(settings, ChannelContext(tmp_path))
    routing = delivery.Routing(digests=delivery.digest_windows(settings))
    ids = hold_three(store, channels, routing)
    assert delivery.flush_digests(store, routing) == []  # window still open
    assert not (tmp_path / "desk.jsonl").exists()
    later = datetime.now(UTC) + timedelta(seconds=WINDOW + 1)
    (digest_id,) = delivery.flush_digests(store, routing, later)
    assert delivery.flush_digests(store, routing, later) == []  # nothing left to merge
    assert delivery.deliver(store, channels, digest_id, NOTIFY, routing).state == "sent"
    (line,) = (tmp_path / "desk.jsonl").read_text().splitlines()
    body = json.loads(line)
    assert body["digest"] is True and body["count"] == 3 and body["event_id"] == digest_id
    assert [item["event_id"] for item in body["items"]] == ids
    assert [item["watch"] for item in body["items"]] == ["s0", "s1", "s2"]
    states = {n.id: n.state for n in store.notifications()}
    assert states == {**dict.fromkeys(ids, "sent"), digest_id: "sent"}


def test_digest_is_sent_once_to_a_webhook_with_its_own_event_id(
    store: Store, tmp_path: Path, http_server: LocalHTTPServer
) -> None:
    """A digest is one POST whose idempotency key is the digest's id; re-delivery sends nothing."""
    http_server.route("/hook", status=204)
    settings = {"desk": ChannelSettings(type="webhook", url=http_server.url("/hook"), digest=60)}
    context = ChannelContext(tmp_path, allow_private_networks=True, timeout=5.0)
    channels = build_channels(settings, context)
    routing = delivery.Routing(digests=delivery.digest_windows(settings))
    ids = hold_three(store, channels, routing)
    (digest_id,) = delivery.flush_digests(store, routing, datetime.now(UTC) + timedelta(hours=1))
    for notification_id in [digest_id, digest_id, *ids]:
        delivery.deliver(store, channels, notification_id, NOTIFY, routing)
    (request,) = http_server.requests("/hook")
    assert request.headers["Idempotency-Key"] == f"editwatch-{digest_id}"
    assert json.loads(request.body)["count"] == 3


def test_digest_renderings_combine_every_item(store: Store, tmp_path: Path) -> None:
    """Chat and mail see one title naming the watches and each item's own rendering."""
    settings = {"desk": ChannelSettings(type="log", digest=300.0)}
    channels = build_channels(settings, ChannelContext(tmp_path))
    routing = delivery.Routing(digests=delivery.digest_windows(settings))
    hold_three(store, channels, routing)
    (digest_id,) = delivery.flush_digests(store, routing, datetime.now(UTC) + timedelta(hours=1))
    digest = store.get_notification(digest_id)
    assert digest is not None and digest.kind == "digest"
    payload = digest.payload
    assert payload["title"] == message.title(payload) == "3 article changes: s0, s1, s2"
    text = message.text(payload)
    assert all(f"Article changed: s{i}" in text for i in range(3))
    assert message.markdown(payload).count("---") == 3
    assert message.html_page(payload).count("<section>") == 3


def test_channel_without_digest_sends_at_once(store: Store, tmp_path: Path) -> None:
    """Only channels with `digest:` hold alerts; the others deliver each change immediately."""
    settings = {
        "desk": ChannelSettings(type="file", path="desk.jsonl", digest=WINDOW),
        "now": ChannelSettings(type="file", path="now.jsonl"),
    }
    channels = build_channels(settings, ChannelContext(tmp_path))
    routing = delivery.Routing(digests=delivery.digest_windows(settings))
    held, sent = queue_change(store, "https://example.org/a", ["desk", "now"])
    outcomes = delivery.deliver_pending(store, channels, NOTIFY, routing)
    assert {o.notification_id: o.state for o in outcomes} == {held: "held", sent: "sent"}
    assert len((tmp_path / "now.jsonl").read_text().splitlines()) == 1


def test_rows_held_for_a_channel_no_longer_in_digest_mode_are_flushed(
    store: Store, tmp_path: Path
) -> None:
    """Turning digest mode off in the config sends what was held instead of keeping it forever."""
    settings = {"desk": ChannelSettings(type="file", path="desk.jsonl", digest=3600.0)}
    channels = build_channels(settings, ChannelContext(tmp_path))
    ids = hold_three(store, channels, delivery.Routing(digests=delivery.digest_windows(settings)))
    assert delivery.flush_digests(store, delivery.Routing()) == []  # no digest channel now
    released = release_bursts(store, (), datetime.now(UTC))
    assert sorted(released) == ids  # each watch's alert, as a burst of 1
    assert store.notifications("held") == []


def test_digest_option_is_a_duration_in_yaml() -> None:
    """`digest: 10m` is accepted on any channel and a bad duration is refused."""
    text = "channels:\n  desk:\n    type: slack\n    url_env: SLACK_URL\n    digest: 10m\n"
    validate_yaml_text(text, "settings")
    assert ChannelSettings.model_validate({"type": "log", "digest": "10m"}).digest == WINDOW
    with pytest.raises(ConfigError, match="not a duration"):
        validate_yaml_text(text.replace("10m", "ten minutes"), "settings")

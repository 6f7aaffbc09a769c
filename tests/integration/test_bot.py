"""Bot mode end to end: a local news site, `editwatch check`, and a local stand-in for a
Mastodon instance (statuses + media API). Headline changes are posted with the card, a second
change to the same article replies to the first, a body-only edit is not posted, and the
rate cap defers the excess (pending, due when the hour has room) instead of posting it."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from PIL import Image
from typer.testing import CliRunner

from tests.configs import write_config
from tests.httpserver import LocalHTTPServer
from tests.integration.test_channels import payload
from tests.mastodon_server import TOKEN, FakeMastodon
from tests.pages import article_page
from worker.cards import card_for_payload
from worker.cli import cli
from worker.config import ChannelSettings, NotifySettings
from worker.errors import NotifyError
from worker.models import Article, Notification, Watch
from worker.notify import ChannelContext, ThreadedChannel, build_channel, build_channels
from worker.pipeline import delivery
from worker.store import NewAlert, NewChange, Store
from worker.store.schema import notifications

HTML = {"Content-Type": "text/html; charset=utf-8"}
BODY = ("The council met on Monday to vote on the budget.", "The vote was close.")


def editwatch(config: Path, data: Path, *args: str) -> str:
    result = CliRunner().invoke(cli, ["--config", str(config), "--data", str(data), *args])
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.fixture
def instance() -> Any:
    with LocalHTTPServer() as server:
        yield FakeMastodon(server)


def setup(tmp_path: Path, site: LocalHTTPServer, instance: FakeMastodon, **bot: Any) -> Path:
    channels = {
        "archive": {"type": "file", "path": "alerts.jsonl"},
        "bot": {"type": "mastodon", "url": instance.base_url, "token_env": "BOT_TOKEN",
                "bot": {"max_per_hour": 2, **bot}},
    }  # fmt: skip
    watches = [{"url": site.url(f"/{n}"), "name": n} for n in ("budget", "storm")]
    defaults = {"interval": "1h", "channels": ["archive", "bot"]}
    return write_config(tmp_path / "config", watches, channels=channels, defaults=defaults)


def serve(site: LocalHTTPServer, name: str, headline: str, body: tuple[str, ...] = BODY) -> None:
    site.route(f"/{name}", body=article_page(headline, body), headers=HTML)


def archived(data: Path) -> list[dict[str, Any]]:
    """The alerts the archive (file) channel received: every alert of the watches."""
    return [json.loads(line) for line in (data / "alerts.jsonl").read_text().splitlines()]


def alerts(config: Path, data: Path) -> list[dict[str, Any]]:
    out = editwatch(config, data, "alerts", "--json")
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def test_bot_posts_headline_changes_threads_them_and_holds_the_excess(
    tmp_path: Path, http_server: LocalHTTPServer, instance: FakeMastodon,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.setenv("BOT_TOKEN", TOKEN)
    config, data = setup(tmp_path, http_server, instance), tmp_path / "data"
    serve(http_server, "budget", "Budget passes")
    serve(http_server, "storm", "Storm nears coast")
    editwatch(config, data, "check")
    assert instance.posts() == []  # first sight of an article is no change

    serve(http_server, "budget", "Budget fails after late revolt")
    editwatch(config, data, "check")
    (first,) = instance.posts()
    host = "127.0.0.1"
    assert first["status"] == (
        f"{host}: “Budget passes” → “Budget fails after late revolt”\n{http_server.url('/budget')}"
    )
    assert first.get("in_reply_to_id") is None and first["visibility"] == "public"
    (media_id,) = first["media_ids"]
    upload = instance.uploads[media_id]
    with Image.open(io.BytesIO(upload.content)) as card:
        assert card.format == "PNG" and card.width == 1200
    assert "Budget passes" in upload.description and "Budget fails" in upload.description

    serve(http_server, "budget", "Budget fails after late revolt",
          (*BODY[:1], "The vote was very close, officials said."))  # fmt: skip
    editwatch(config, data, "check")
    assert len(instance.posts()) == 1  # a body-only edit is not a post
    assert "headline" not in archived(data)[-1]["kinds"]  # the archive got it; the bot did not

    serve(http_server, "budget", "Budget collapses after late revolt")
    editwatch(config, data, "check")
    second = instance.posts()[1]
    assert second["in_reply_to_id"] == first["id"]  # the same article: one thread

    serve(http_server, "storm", "Storm hits coast")
    editwatch(config, data, "check")
    assert len(instance.posts()) == 2  # max_per_hour: 2 already used
    (held,) = [a for a in alerts(config, data) if a["channel"] == "bot" and a["state"] == "pending"]
    assert "rate cap: 2 posts per hour" in held["last_error"] and held["attempts"] == 0
    editwatch(config, data, "check")  # a later run still holds it: the hour is not over
    assert len(instance.posts()) == 2


def test_corrections_are_posted_only_when_asked(
    tmp_path: Path, http_server: LocalHTTPServer, instance: FakeMastodon,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.setenv("BOT_TOKEN", TOKEN)
    config, data = setup(tmp_path, http_server, instance, corrections=True), tmp_path / "data"
    serve(http_server, "budget", "Budget passes")
    serve(http_server, "storm", "Storm nears coast")
    editwatch(config, data, "check")
    correction = "Correction: an earlier version of this article misstated the vote count."
    serve(http_server, "budget", "Budget passes", (*BODY, correction))
    editwatch(config, data, "check")
    assert "correction" in archived(data)[-1]["kinds"]
    (post,) = instance.posts()
    assert post["status"].startswith("127.0.0.1: ") and http_server.url("/budget") in post["status"]


# --- the rate cap, the thread's fallback and the profile's validation --------------------------


def queue_rows(store: Store, count: int) -> list[int]:
    """``count`` headline changes of one article, each queued for the channel ``bot``."""
    (watch_id,) = store.sync_watches([Watch("https://example.org/story", "story", 60.0)]).values()
    now = datetime.now(UTC)
    store.save_state(watch_id, article=Article(headline="H0"), fingerprint="0", raw_html=b"",
                     extractor_version="t", seen_at=now, change=None)  # fmt: skip
    ids = []
    for n in range(1, count + 1):
        saved = store.save_state(
            watch_id, article=Article(headline=f"H{n}"), fingerprint=str(n), raw_html=b"",
            extractor_version="t", seen_at=now,
            change=NewChange(("headline",), "major", False, {}),
            alert=NewAlert({"watch": "story", "url": "https://example.org/story",
                            "kinds": ["headline"]}, ("bot",)),
        )  # fmt: skip
        ids += saved.notification_ids
    return ids


def shift_back(store: Store, hours: float) -> None:
    """Make every outbox timestamp ``hours`` older: the clock moved on by that much."""
    delta = timedelta(hours=hours)
    with store._engine.begin() as connection:  # the test's stand-in for waiting an hour
        for row in connection.execute(sa.select(notifications)).mappings():
            values = {k: row[k] - delta for k in ("next_attempt_at", "sent_at") if row[k]}
            connection.execute(
                notifications.update().where(notifications.c.id == row["id"]).values(**values)
            )


def test_rate_cap_defers_the_excess_in_order_and_sends_it_when_the_hour_has_room(
    tmp_path: Path,
) -> None:
    store = Store.open(tmp_path)
    channels = build_channels({"bot": ChannelSettings(type="file", path="posts.jsonl")},
                              ChannelContext(tmp_path))  # fmt: skip
    routing = delivery.Routing(caps={"bot": 2})
    notify = NotifySettings()
    ids = queue_rows(store, 4)
    states = [delivery.deliver(store, channels, i, notify, routing) for i in ids]
    assert [s.state for s in states] == ["sent", "sent", "deferred", "deferred"]
    assert all(3500 < s.delay <= 3600 for s in states[2:])
    assert delivery.deliver_pending(store, channels, notify, routing) == []  # not due yet
    shift_back(store, 1.01)
    again = delivery.deliver_pending(store, channels, notify, routing)
    assert [(d.notification_id, d.state) for d in again] == [(ids[2], "sent"), (ids[3], "sent")]
    lines = (tmp_path / "posts.jsonl").read_text().splitlines()
    assert [json.loads(line)["event_id"] for line in lines] == ids  # oldest first, none lost
    assert {n.attempts for n in store.notifications(None)} == {1}  # waiting spent no attempt


def test_a_reply_to_a_deleted_post_is_posted_unthreaded(
    tmp_path: Path, instance: FakeMastodon, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BOT_TOKEN", TOKEN)
    settings = ChannelSettings(type="mastodon", url=instance.base_url, token_env="BOT_TOKEN",
                               bot=True, attach_card=False)  # fmt: skip
    channel = build_channel("bot", settings, ChannelContext(tmp_path, allow_private_networks=True))
    assert isinstance(channel, ThreadedChannel)
    note = Notification(id=9, channel="bot", state="sending",
                        payload={"url": "https://news.example/a", "kinds": ["headline"],
                                 "old_headline": "A", "new_headline": "B"})  # fmt: skip
    post_id = channel.post(note, reply_to="999")  # the parent was deleted: a 404
    (post,) = instance.posts()
    assert post["id"] == post_id and "in_reply_to_id" not in post
    assert post["status"] == "news.example: “A” → “B”\nhttps://news.example/a"


def test_a_missing_token_is_a_permanent_failure_naming_the_variable(
    tmp_path: Path, instance: FakeMastodon, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("BOT_TOKEN", raising=False)
    settings = ChannelSettings(type="mastodon", url=instance.base_url, token_env="BOT_TOKEN")
    channel = build_channel("bot", settings, ChannelContext(tmp_path, allow_private_networks=True))
    with pytest.raises(NotifyError, match="BOT_TOKEN") as failure:
        channel.send(Notification(id=1, channel="bot", payload={"title": "x"}, state="sending"))
    assert failure.value.permanent and instance.posts() == []


@pytest.mark.parametrize(
    ("channels", "operator", "problem"),
    [
        ({"b": {"type": "mastodon", "url": "https://m.example", "token_env": "T",
                "bot": {}, "digest": "1h"}}, [], "a bot posts each headline change"),
        ({"b": {"type": "webhook", "url": "https://h.example/x", "bot": True}}, [],
         "does not publish posts"),
        ({"b": {"type": "mastodon", "url": "https://m.example", "token_env": "T",
                "bot": {"max_per_hour": 0}}}, [], "max_per_hour"),
        ({"b": {"type": "mastodon", "url": "https://m.example", "token_env": "T",
                "bot": True}}, ["b"], "is a bot channel"),
    ],
)  # fmt: skip
def test_bad_bot_profiles_are_refused_by_validate(
    tmp_path: Path, channels: dict[str, Any], operator: list[str], problem: str
) -> None:
    config = write_config(tmp_path / "config", [{"url": "https://news.example/a"}],
                          channels=channels, defaults={"channels": ["b"]},
                          extra={"operator": operator})  # fmt: skip
    result = CliRunner().invoke(cli, ["--config", str(config), "--data", str(tmp_path), "validate"])
    assert result.exit_code == 2 and problem in result.output, result.output


def test_a_card_still_processing_is_waited_for_before_the_post(
    tmp_path: Path, instance: FakeMastodon, monkeypatch: pytest.MonkeyPatch
) -> None:
    """/api/v2/media answers 202 for a large file: the channel asks after it, then posts."""
    monkeypatch.setenv("BOT_TOKEN", TOKEN)
    instance.processing = 2
    settings = ChannelSettings(type="mastodon", url=instance.base_url, token_env="BOT_TOKEN",
                               attach_card=True)  # fmt: skip
    context = ChannelContext(tmp_path, allow_private_networks=True, draw_card=card_for_payload)
    channel = build_channel("bot", settings, context)
    note = Notification(id=3, channel="bot", state="sending", payload=payload())
    channel.send(note)
    (post,) = instance.posts()
    assert post["media_ids"] == list(instance.uploads) and instance.processing <= 0
    assert post["idempotency_key"] == "editwatch-3"

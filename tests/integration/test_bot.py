"""Bot mode end to end: a local news site, `editwatch check`, and a local stand-in for a
Mastodon instance (statuses + media API). Headline changes are posted with the card, a second
change to the same article replies to the first, a body-only edit is not posted, and the
rate cap defers the excess (pending, due when the hour has room) instead of posting it."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from typer.testing import CliRunner

from tests.configs import write_config
from tests.httpserver import LocalHTTPServer
from tests.mastodon_server import TOKEN, FakeMastodon
from tests.pages import article_page
from worker.cli import cli

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

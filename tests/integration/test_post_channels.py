"""Channels that publish posts: Apprise with the card attached, the ``mastodon`` channel (card,
short post, threads), against a local stand-in for a Mastodon instance's API."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from tests.httpserver import LocalHTTPServer
from tests.integration.test_channels import APPRISE_IMPORT_WARNING, payload
from tests.mastodon_server import TOKEN, FakeMastodon, multipart
from worker.cards import card_for_payload
from worker.config import ChannelSettings
from worker.errors import ConfigError
from worker.models import Notification
from worker.notify import ChannelContext, build_channel


def context(tmp_path: Path) -> ChannelContext:
    return ChannelContext(tmp_path, allow_private_networks=True, timeout=5.0,
                          draw_card=card_for_payload)  # fmt: skip


def note(data: dict[str, Any] | None = None, id: int = 41) -> Notification:
    return Notification(id=id, channel="c", payload=data or payload(), state="sending")


def apprise_channel(tmp_path: Path, url: str, **options: Any) -> Any:
    """An apprise channel reading its URL (which holds the token) from the environment."""
    pytest.importorskip("apprise")
    monkeypatch = pytest.MonkeyPatch()
    monkeypatch.setenv("TEST_APPRISE_URL", url)
    settings = ChannelSettings(type="apprise", url_env="TEST_APPRISE_URL", **options)
    return build_channel("c", settings, context(tmp_path))


def is_png_of_card(content: bytes, data: dict[str, Any]) -> bool:
    with Image.open(io.BytesIO(content)) as image:
        assert image.format == "PNG" and image.width == 1200
    return content == card_for_payload(data)


@pytest.mark.filterwarnings(APPRISE_IMPORT_WARNING)
def test_apprise_mastodon_gets_the_card_as_a_png_attachment(
    tmp_path: Path, http_server: LocalHTTPServer
) -> None:
    """mastodon://token@127.0.0.1:port uploads the card (multipart PNG), then posts with it."""
    instance = FakeMastodon(http_server)
    url = f"mastodon://{TOKEN}@127.0.0.1:{http_server.port}"
    apprise_channel(tmp_path, url, attach_card=True).send(note())
    (upload,) = instance.uploads.values()
    assert upload.filename == "card.png"  # Apprise labels the part octet-stream; the bytes:
    assert is_png_of_card(upload.content, payload())
    (post,) = instance.posts()
    assert post["media_ids"] == list(instance.uploads)


@pytest.mark.filterwarnings(APPRISE_IMPORT_WARNING)
def test_apprise_json_target_receives_the_card(
    tmp_path: Path, http_server: LocalHTTPServer
) -> None:
    """json:// takes attachments too: the card arrives in the multipart body as a PNG."""
    http_server.route("/notify", status=200)
    apprise_channel(tmp_path, f"json://127.0.0.1:{http_server.port}/notify", attach_card=True
                    ).send(note())  # fmt: skip
    request = http_server.requests("/notify")[0]
    if "multipart" in (request.headers.get("Content-Type") or ""):
        files = [p for p in multipart(request) if p.filename]
        assert files and is_png_of_card(files[0].content, payload())
    else:  # Apprise's json:// sends attachments base64-encoded inside the JSON body
        import base64

        body = json.loads(request.body)
        (attached,) = body["attachments"]
        assert attached["mimetype"] == "image/png"
        assert is_png_of_card(base64.b64decode(attached["base64"]), payload())


@pytest.mark.filterwarnings(APPRISE_IMPORT_WARNING)
def test_apprise_without_attach_card_sends_no_file(
    tmp_path: Path, http_server: LocalHTTPServer
) -> None:
    instance = FakeMastodon(http_server)
    apprise_channel(tmp_path, f"mastodon://{TOKEN}@127.0.0.1:{http_server.port}").send(note())
    assert not instance.uploads and len(instance.posts()) == 1


@pytest.mark.filterwarnings(APPRISE_IMPORT_WARNING)
def test_apprise_bot_posts_a_short_post_with_the_card(
    tmp_path: Path, http_server: LocalHTTPServer
) -> None:
    """`bot:` on an Apprise channel: one short plain-text post (site, old -> new, link), no
    title line, the card attached without asking; Apprise cannot thread, so no reply id."""
    instance = FakeMastodon(http_server)
    url = f"mastodon://{TOKEN}@127.0.0.1:{http_server.port}"
    apprise_channel(tmp_path, url, bot={"max_per_hour": 5}).send(note())
    (post,) = instance.posts()
    assert post["status"] == (
        "news.example.org: “Minister resigns” → “Minister quits over row”\n"
        "https://news.example.org/story"
    )
    assert "in_reply_to_id" not in post and len(instance.uploads) == 1


def test_bot_profile_on_a_channel_that_cannot_post_is_refused(tmp_path: Path) -> None:
    settings = ChannelSettings(type="file", path="x.jsonl", bot=True)
    with pytest.raises(ConfigError, match=r"channels\.c\.bot: a file channel does not publish"):
        build_channel("c", settings, context(tmp_path))

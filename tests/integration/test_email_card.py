"""`attach_card: true` on an email channel: the diff card arrives inline in the HTML part."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from PIL import Image

from tests.integration.test_email import HOST, SENDER, Mailbox, mailbox
from worker.cards import card_for_payload
from worker.config import ChannelSettings
from worker.diff import compare
from worker.models import Article, Notification
from worker.notify import ChannelContext, build_channel
from worker.render import render_json

__all__ = ["mailbox"]  # the SMTP server fixture, shared with the email channel tests


def alert_payload() -> dict[str, Any]:
    """An alert payload as the pipeline builds it, for a headline rewrite."""
    old = Article(headline="Budget passes", paragraphs=("The vote was close.",))
    new = Article(headline="Budget fails", paragraphs=("The vote was close.",))
    change = compare(old, new)
    assert change is not None
    return {
        "change_id": 7, "watch": "story", "url": "https://news.example/story",
        "detected_at": datetime(2026, 12, 1, 9, 0, tzinfo=UTC).isoformat(),
        "kinds": sorted(change.kinds), "significance": change.significance, "silent": False,
        "old_headline": old.headline, "new_headline": new.headline,
        "old_version": 1, "new_version": 2,
        "diff": render_json(change, old=old, new=new, meta={}),
    }  # fmt: skip


def send(tmp_path: Path, port: int, attach: bool) -> None:
    options = {"host": HOST, "port": port, "security": "none", "from": SENDER,
               "to": ["desk@example.org"], "attach_card": attach}  # fmt: skip
    context = ChannelContext(tmp_path, timeout=5.0, draw_card=card_for_payload)
    channel = build_channel("mail", ChannelSettings(type="email", **options), context)
    channel.send(Notification(id=5, channel="mail", payload=alert_payload(), state="sending"))


def test_card_is_an_inline_image_of_the_html_part(
    tmp_path: Path, mailbox: tuple[Mailbox, int]
) -> None:
    """The HTML part shows cid:card-5@...; the related PNG part is the change's card."""
    handler, port = mailbox
    send(tmp_path, port, attach=True)
    message = handler.message()
    html = message.get_body(("html",))
    assert html is not None and 'src="cid:card-5@example.org"' in html.get_content()
    images = [p for p in message.walk() if p.get_content_type() == "image/png"]
    assert len(images) == 1 and images[0]["Content-ID"] == "<card-5@example.org>"
    png = images[0].get_content()
    assert png == card_for_payload(alert_payload())
    with Image.open(io.BytesIO(png)) as image:
        assert image.width == 1200
    assert message.get_body(("plain",)) is not None  # text-only clients still get the text


def test_without_attach_card_no_image_is_sent(tmp_path: Path, mailbox: tuple[Mailbox, int]) -> None:
    """The default sends no card: text and HTML parts only."""
    handler, port = mailbox
    send(tmp_path, port, attach=False)
    message = handler.message()
    assert not [p for p in message.walk() if p.get_content_type() == "image/png"]


def test_payloads_without_a_change_document_draw_no_card() -> None:
    """Digests and operator events (no editwatch.change/1 diff) get no card, and no error."""
    assert card_for_payload({"title": "3 changes", "items": []}) is None
    assert card_for_payload({"diff": {"schema": "editwatch.change/1"}, "detected_at": "x"}) is None

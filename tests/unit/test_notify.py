"""What channels show, rendered at send time from the stored payload by the one renderer."""

from __future__ import annotations

import json

import pytest

from worker.clock import utcnow
from worker.diff import compare
from worker.errors import NotifyError
from worker.models import Article, Notification, Watch
from worker.notify import message
from worker.notify.events import digest_payload, operator_payload
from worker.pipeline.payload import build_payload
from worker.render import render_html, render_json, render_markdown, render_text

OLD = Article(headline="Port reopens", paragraphs=("Ships return on Monday.", "Crews cheer."))
NEW = Article(headline="Port reopens", paragraphs=("Ships return on Tuesday.", "Crews cheer."))
WATCH = Watch("https://news.example/port", "port", 60.0)


def stored(old: Article = OLD, new: Article = NEW, numbers: tuple[int, int] = (1, 2)) -> dict:
    """A change payload as the store hands it out: envelope, version numbers and the diff."""
    change = compare(old, new)
    assert change is not None
    payload = build_payload(WATCH.name, WATCH.url, change, old, new, utcnow())
    diff = render_json(change, old=old, new=new, meta={})
    data = {**payload, "old_version": numbers[0], "new_version": numbers[1], "diff": diff}
    return json.loads(json.dumps(data))  # what a database round trip leaves


def row(payload: dict, id: int = 7) -> Notification:
    return Notification(id=id, channel="c", payload=payload, state="sending")


def test_text_and_markdown_are_the_renderer_output_for_the_same_change() -> None:
    """A channel shows exactly what worker.render writes for the live change: one renderer."""
    change = compare(OLD, NEW)
    assert change is not None
    meta = {"name": WATCH.name, "url": WATCH.url}
    assert message.text(stored()) == render_text(change, old=OLD, new=NEW, meta=meta)
    assert message.markdown(stored()) == render_markdown(change, old=OLD, new=NEW, meta=meta)


def test_html_page_is_the_renderer_page_with_the_versions() -> None:
    """The HTML part is worker.render's page, naming the versions and how to see them again."""
    change = compare(OLD, NEW)
    assert change is not None
    payload = stored()
    keys = ("old_version", "new_version", "detected_at")
    meta = {"name": "port", "url": WATCH.url, **{k: payload[k] for k in keys}}
    page = message.html_page(payload)
    assert page == render_html(change, old=OLD, new=NEW, meta=meta)
    assert "version 1 -&gt; 2" in page and "editwatch diff &#x27;port&#x27; --from 1 --to 2" in page


def test_digest_renders_each_merged_change_under_one_title() -> None:
    """A digest's title counts and names the watches; each item is rendered from its diff."""
    items = [row(stored(), id=i) for i in (3, 4)]
    digest = digest_payload(items)
    assert digest["title"] == message.title(digest) == "2 article changes: port"
    text = message.text(digest)
    assert text.count("{+Tuesday.+}") == 2 and text.startswith("2 article changes: port")
    assert message.html_page(digest).count("<section>") == 2
    assert [item["event_id"] for item in digest["items"]] == [3, 4]


def test_operator_event_lists_its_details_in_the_order_given() -> None:
    """Health events show their title and 'key: value' lines in every rendering, in order."""
    event = operator_payload("watch_failing", "port is failing", {"watch": "port", "errors": 5})
    assert message.text(event) == "port is failing\nwatch: port\nerrors: 5"
    assert message.markdown(event) == "**port is failing**\n- watch: port\n- errors: 5"
    assert "<li>errors: 5</li>" in message.html_page(event)


def test_machine_body_has_the_event_id_and_no_stale_renderings() -> None:
    """Webhook and file bodies carry the stored data and never a leftover rendering."""
    body = message.machine_payload(row({**stored(), "text": "old", "html": "<p>old</p>"}))
    assert body["event_id"] == 7 and "text" not in body and "html" not in body
    assert body["diff"]["schema"] == "editwatch.change/1"


def test_slack_flavour_escapes_entities_and_keeps_its_own_markup() -> None:
    """Page text in Slack markdown has &, < and > as entities; the diff's own marks stay."""
    hostile = Article(headline="Port <!here> & <http://x|y>", paragraphs=NEW.paragraphs)
    rendered = message.markdown(stored(OLD, hostile), flavor="slack")
    assert "<!here>" not in rendered and "&lt;!here&gt;" in rendered and "&amp;" in rendered
    assert "**Tuesday.**" in rendered and "\n> " in rendered


@pytest.mark.parametrize("diff", [{"fields": "nonsense"}, {"fields": [{"blocks": [7]}]}])
def test_an_unreadable_stored_change_fails_for_good(diff: object) -> None:
    """A payload whose diff cannot be read is a permanent NotifyError, not a crash or retry."""
    with pytest.raises(NotifyError, match="stored change") as failure:
        message.text({**stored(), "diff": diff})
    assert failure.value.permanent


def test_operator_event_text_drops_control_characters_a_server_sent() -> None:
    """A reason phrase with ESC sequences in an operator event never reaches a text part raw."""
    title = "Alert #3 is dead: answered 500 \x1b]0;owned\x07Oops\u202e"
    event = operator_payload("notification_dead", title, {"error": "500 \x1b[31mred"})
    rendered = message.text(event)
    assert "\x1b" not in rendered and "\x07" not in rendered and "\u202e" not in rendered
    assert "Oops" in rendered and "error: 500 [31mred" in rendered

"""Webhook, Slack and Apprise channels against a local receiver: payload shapes, signatures,
idempotency keys, error classes and the Markdown/text/HTML renderings built from a payload."""

from __future__ import annotations

import hashlib
import hmac
import json
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.httpserver import LocalHTTPServer, RecordedRequest, Response
from worker.config import ChannelSettings
from worker.diff import compare
from worker.errors import ConfigError, NotifyError
from worker.models import Article, Notification
from worker.notify import Channel, ChannelContext, build_channel
from worker.notify import message as rendering
from worker.render import render_json, render_markdown, render_text

OLD = Article(
    headline="Minister resigns",
    paragraphs=(
        "The minister resigned on Monday after a long dispute.",
        "Critics welcomed the move.",
        "More to follow.",
    ),
)
NEW = Article(
    headline="Minister quits over row",
    paragraphs=(
        "The minister resigned on Tuesday after a long dispute.",
        "Critics welcomed the move.",
        "A new minister will be named soon.",
    ),
)
SECRET = "whsec-3b9d"
# Apprise loads its plugins lazily; one of them imports the stdlib `imghdr`, deprecated in 3.11.
APPRISE_IMPORT_WARNING = "ignore:'imghdr' is deprecated:DeprecationWarning"


def payload(old: Article = OLD, new: Article = NEW) -> dict[str, Any]:
    """The payload the pipeline queues (see pipeline.build_payload), for a real diff."""
    change = compare(old, new)
    assert change is not None
    return {
        "watch": "story",
        "url": "https://news.example.org/story",
        "detected_at": "2025-05-01T12:00:00+00:00",
        "kinds": sorted(change.kinds),
        "significance": change.significance,
        "silent": change.silent,
        "old_headline": old.headline,
        "new_headline": new.headline,
        "old_version": 1,
        "new_version": 2,
        "diff": render_json(change, old=old, new=new, meta={}),
    }


def notification(data: dict[str, Any] | None = None, id: int = 41) -> Notification:
    return Notification(id=id, channel="c", payload=data or payload(), state="sending")


def channel(kind: str, tmp_path: Path, *, private: bool = True, **options: Any) -> Channel:
    context = ChannelContext(tmp_path, allow_private_networks=private, timeout=5.0)
    return build_channel("c", ChannelSettings(type=kind, **options), context)


def verifying_receiver(request: RecordedRequest) -> Response:
    """What a careful receiver does: recompute the HMAC over the raw body, refuse a mismatch."""
    expected = "sha256=" + hmac.new(SECRET.encode(), request.body, hashlib.sha256).hexdigest()
    given = request.headers.get("X-Editwatch-Signature", "")
    return Response(204 if hmac.compare_digest(given, expected) else 401)


# --- webhook ---------------------------------------------------------------------------------


def test_signed_webhook_is_verified_by_the_receiver(
    tmp_path: Path, http_server: LocalHTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The receiver recomputes X-Editwatch-Signature over the body and accepts it."""
    monkeypatch.setenv("HOOK_SECRET", SECRET)
    url = http_server.route("/hook", handler=verifying_receiver)
    hook = channel("webhook", tmp_path, url=url, secret_env="HOOK_SECRET", headers={"X-Team": "a"})
    hook.send(notification())
    (request,) = http_server.requests("/hook")
    body = json.loads(request.body)
    assert request.headers["Idempotency-Key"] == "editwatch-41" and body["event_id"] == 41
    assert request.headers["X-Team"] == "a"
    assert body["diff"]["schema"] == "editwatch.change/1" and body["watch"] == "story"


def test_wrong_signing_secret_is_refused_by_the_receiver(
    tmp_path: Path, http_server: LocalHTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A body signed with another secret fails verification: the 401 is a permanent failure."""
    monkeypatch.setenv("HOOK_SECRET", "not-the-shared-secret")
    url = http_server.route("/hook", handler=verifying_receiver)
    hook = channel("webhook", tmp_path, url=url, secret_env="HOOK_SECRET")
    with pytest.raises(NotifyError, match="401") as failure:
        hook.send(notification())
    assert failure.value.permanent


def test_missing_signing_secret_fails_permanently_naming_the_variable(
    tmp_path: Path, http_server: LocalHTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An unset secret_env variable is a permanent error that says which variable to set."""
    monkeypatch.delenv("HOOK_SECRET", raising=False)
    hook = channel("webhook", tmp_path, url=http_server.url("/hook"), secret_env="HOOK_SECRET")
    with pytest.raises(NotifyError, match="HOOK_SECRET is empty") as failure:
        hook.send(notification())
    assert failure.value.permanent and http_server.count() == 0


def test_webhook_body_is_the_documented_schema_without_human_renderings(
    tmp_path: Path, http_server: LocalHTTPServer
) -> None:
    """Text/Markdown/HTML renderings in the payload stay out of the webhook JSON body."""
    url = http_server.route("/hook", status=200)
    data = {**payload(), "text": "t", "markdown": "m", "html": "<p>h</p>"}
    channel("webhook", tmp_path, url=url).send(notification(data))
    body = json.loads(http_server.requests("/hook")[0].body)
    assert set(body) == {"event_id", *payload()}


def test_header_secrets_come_from_the_environment_and_reserved_headers_are_refused(
    tmp_path: Path, http_server: LocalHTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`headers_env` fills Authorization from a variable; overriding Idempotency-Key is an error."""
    monkeypatch.setenv("HOOK_TOKEN", "Bearer abc")
    url = http_server.route("/hook", status=200)
    channel("webhook", tmp_path, url=url, headers_env={"Authorization": "HOOK_TOKEN"}).send(
        notification()
    )
    assert http_server.requests("/hook")[0].headers["Authorization"] == "Bearer abc"
    with pytest.raises(ConfigError, match="Idempotency-Key is set by editwatch"):
        channel("webhook", tmp_path, url=url, headers={"Idempotency-Key": "x"})


def test_webhook_to_a_private_address_is_refused_without_a_request(
    tmp_path: Path, http_server: LocalHTTPServer
) -> None:
    """With private networks not allowed, a 127.0.0.1 webhook fails permanently, unsent."""
    hook = channel("webhook", tmp_path, private=False, url=http_server.url("/hook/t0k"))
    with pytest.raises(NotifyError, match="refused") as failure:
        hook.send(notification())
    assert failure.value.permanent and http_server.count() == 0
    assert "t0k" not in str(failure.value)


# --- slack -----------------------------------------------------------------------------------


def test_slack_gets_a_markdown_block_and_a_plain_title(
    tmp_path: Path, http_server: LocalHTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Slack receives {"text": title, "blocks": [markdown]} with struck and bold words."""
    monkeypatch.setenv("SLACK_URL", http_server.route("/services/T1/B2/xyz", body="ok"))
    channel("slack", tmp_path, url_env="SLACK_URL").send(notification())
    body = json.loads(http_server.requests("/services/T1/B2/xyz")[0].body)
    # Slack wants &, < and > as entities in every text field; it shows them as the characters.
    assert body["text"] == "Headline changed: Minister resigns -&gt; Minister quits over row"
    (block,) = body["blocks"]
    assert block["type"] == "markdown"
    assert "~~Monday~~ **Tuesday**" in block["text"]


def test_slack_cuts_a_long_diff_at_whole_lines_with_a_note(
    tmp_path: Path, http_server: LocalHTTPServer
) -> None:
    """A diff longer than max_length is cut to fit, ending with '... N more lines'."""
    many = tuple(f"Paragraph number {i} says something about the story." for i in range(80))
    edited = tuple(p.replace("something", "nothing") for p in many)
    data = payload(Article(headline="H", paragraphs=many), Article(headline="H", paragraphs=edited))
    url = http_server.route("/slack", body="ok")
    channel("slack", tmp_path, url=url, max_length=1000).send(notification(data))
    text = json.loads(http_server.requests("/slack")[0].body)["blocks"][0]["text"]
    assert len(text) <= 1000
    assert text.splitlines()[-1].startswith("... ") and text.endswith(" more lines")


@pytest.mark.parametrize(
    ("status", "permanent"), [(404, True), (410, True), (429, False), (500, False)]
)
def test_slack_errors_are_classified(
    status: int, permanent: bool, tmp_path: Path, http_server: LocalHTTPServer
) -> None:
    """A revoked hook (404/410) fails at once; rate limits and outages (429/5xx) are retried."""
    url = http_server.route("/slack", status=status, body="channel_not_found")
    with pytest.raises(NotifyError, match=str(status)) as failure:
        channel("slack", tmp_path, url=url).send(notification())
    assert failure.value.permanent is permanent


# --- apprise ---------------------------------------------------------------------------------


@pytest.mark.filterwarnings(APPRISE_IMPORT_WARNING)
def test_apprise_json_url_reaches_the_local_receiver(
    tmp_path: Path, http_server: LocalHTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An Apprise json:// URL posts the title and Markdown diff to the receiver."""
    pytest.importorskip("apprise")
    http_server.route("/notify", status=200)
    monkeypatch.setenv("APPRISE_URL", f"json://127.0.0.1:{http_server.port}/notify")
    channel("apprise", tmp_path, url_env="APPRISE_URL").send(notification())
    body = json.loads(http_server.requests("/notify")[0].body)
    assert body["title"].startswith("Headline changed: Minister resigns")
    assert "Tuesday" in body["message"]


@pytest.mark.filterwarnings(APPRISE_IMPORT_WARNING)
def test_apprise_failure_is_retried(tmp_path: Path, http_server: LocalHTTPServer) -> None:
    """A service answering 500 through Apprise is a transient failure."""
    pytest.importorskip("apprise")
    http_server.route("/notify", status=500)
    apprise = channel("apprise", tmp_path, url=f"json://127.0.0.1:{http_server.port}/notify")
    with pytest.raises(NotifyError, match="could not deliver") as failure:
        apprise.send(notification())
    assert not failure.value.permanent and http_server.count("/notify") >= 1


@pytest.mark.filterwarnings(APPRISE_IMPORT_WARNING)
def test_apprise_self_hosted_target_passes_the_network_guard(
    tmp_path: Path, http_server: LocalHTTPServer
) -> None:
    """A json:// URL aimed at a private address is refused when private networks are off."""
    pytest.importorskip("apprise")
    url = f"json://127.0.0.1:{http_server.port}/notify"
    with pytest.raises(NotifyError, match="refused") as failure:
        channel("apprise", tmp_path, private=False, url=url).send(notification())
    assert failure.value.permanent and http_server.count() == 0


def test_apprise_channel_without_apprise_says_how_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Configuring an apprise channel without the extra is a config error naming the extra."""
    monkeypatch.setitem(sys.modules, "apprise", None)  # makes `import apprise` fail
    with pytest.raises(ConfigError, match=r"editwatch\[apprise\]"):
        channel("apprise", tmp_path, url="json://example.org/x")


# --- renderings from the payload -------------------------------------------------------------


def test_stale_renderings_in_an_old_row_are_ignored_for_the_stored_diff() -> None:
    """Rows an older release rendered ahead are rendered afresh from their diff at send time."""
    data = {**payload(), "text": "T", "markdown": "M", "html": "H"}
    assert rendering.text(data) == rendering.text(payload()) != "T"
    assert rendering.markdown(data) == rendering.markdown(payload()) != "M"
    assert rendering.html_page(data) == rendering.html_page(payload()) != "H"


def test_send_time_renderings_equal_the_renderer_given_the_live_change() -> None:
    """The stored diff renders to exactly what worker.render writes from the Article objects."""
    change = compare(OLD, NEW)
    assert change is not None
    meta = {"name": "story", "url": "https://news.example.org/story"}
    assert rendering.text(payload()) == render_text(change, old=OLD, new=NEW, meta=meta)
    assert rendering.markdown(payload()) == render_markdown(change, old=OLD, new=NEW, meta=meta)


def test_fallback_renderings_show_the_diff_and_escape_page_text() -> None:
    """Without pre-rendered parts, text/markdown/HTML are built from the JSON diff, escaped."""
    hostile = Article(headline="A", paragraphs=("Say <script>alert(1)</script> *now*",))
    data = payload(Article(headline="A", paragraphs=("Say hello",)), hostile)
    html = rendering.html_page(data)
    assert "<script>" not in html and "&lt;script&gt;" in html and "<ins " in html
    assert r"\*now\*" in rendering.markdown(data)
    assert "{+" in rendering.text(data) and "[-hello-]" in rendering.text(data)


def test_slack_never_lets_a_headline_mention_everyone_or_link(
    tmp_path: Path, http_server: LocalHTTPServer
) -> None:
    """A headline holding <!channel>, <url|text> or & reaches Slack only as escaped text."""
    hostile = "Minister <!channel> quits & <https://evil.example/|click> <@U123>"
    url = http_server.route("/slack", body="ok")
    data = payload(OLD, Article(headline=hostile, paragraphs=NEW.paragraphs))
    channel("slack", tmp_path, url=url).send(notification(data))
    body = json.loads(http_server.requests("/slack")[0].body)
    for text in (body["text"], body["blocks"][0]["text"]):
        assert "<" not in text.replace("&lt;", "") and "&lt;!channel&gt;" in text
        assert "& " not in text and "&amp;" in text


def test_html_renderings_strip_terminal_and_bidi_control_characters() -> None:
    """ESC, BEL and a right-to-left override in page text never reach the HTML or mail part."""
    nasty = "Calm\x1b]0;owned\x07 words \u202eevil\u202c \x1b[31mred"
    data = payload(OLD, Article(headline=nasty, paragraphs=(*NEW.paragraphs, nasty)))
    page = rendering.html_page(data)
    for char in ("\x1b", "\x07", "\u202e", "\u202c"):
        assert char not in page
    assert "words evil" in page

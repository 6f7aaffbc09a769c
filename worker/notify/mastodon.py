"""``mastodon``: short public posts on a Mastodon account, the card attached, one thread per
article.

Why its own channel beside Apprise's ``mastodon://``: Apprise cannot reply to a post, and a
bot that follows an article through several rewrites should read as one thread. This channel
talks to the instance's REST API itself (through the guarded helper of
:mod:`worker.notify.http`): the card goes up first (``POST /api/v2/media``, with the change's
title as alt text), then the post (``POST /api/v1/statuses``) with its media id and, when the
article was posted about before, ``in_reply_to_id`` naming that post; delivery
(:mod:`worker.pipeline.delivery`) remembers the id the instance gives back. An
``Idempotency-Key`` derived from the outbox row makes a retried delivery return the first post
instead of posting twice. A reply whose parent was deleted (404/422) is posted unthreaded.

The access token (scopes ``write:statuses write:media``) comes from ``token_env``.
"""

from __future__ import annotations

import time
from typing import Any, ClassVar, Literal
from urllib.parse import urlsplit

from pydantic import field_validator

from worker.errors import NotifyError
from worker.models import Notification
from worker.notify.base import ChannelContext, ChannelOptions, PostOptions, card_of, env_secret
from worker.notify.http import ApiReply, call_api
from worker.notify.message import POST_LIMIT, short_post, title
from worker.render import clean_text
from worker.textutil import cut_text

ALT_TEXT_LIMIT = 1500
MEDIA_POLLS = 5  # a 202 upload is asked after again this often, half a second apart
MISSING_PARENT = (404, 422)


class MastodonOptions(PostOptions):
    url: str  # the instance, e.g. https://mastodon.social
    token_env: str
    visibility: Literal["public", "unlisted", "private", "direct"] = "public"
    language: str | None = None  # ISO 639 code of the posts, when the site's is known

    @field_validator("url")
    @classmethod
    def _instance(cls, value: str) -> str:
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(
                f"{value!r} is not the instance's address, like https://mastodon.social"
            )
        return f"{parts.scheme}://{parts.netloc}"


class MastodonChannel:
    """Posts ``short_post(payload)`` (and the card) to one account; replies per article."""

    kind: ClassVar[str] = "mastodon"
    Options: ClassVar[type[ChannelOptions]] = MastodonOptions

    def __init__(self, name: str, options: MastodonOptions, context: ChannelContext) -> None:
        self.name = name
        self.options = options
        self.context = context

    def send(self, notification: Notification) -> None:
        self.post(notification, None)

    def post(self, notification: Notification, reply_to: str | None) -> str | None:
        """Publish one post; the instance's id for it."""
        token = env_secret(self.name, self.options.token_env, "the account's access token")
        payload = notification.payload
        card = card_of(self.context, self.options.card, payload)
        media = [self._upload(card, title(payload), token)] if card else []
        limit = (self.options.bot.max_chars if self.options.bot else None) or POST_LIMIT
        status: dict[str, Any] = {
            "status": short_post(payload, limit),
            "visibility": self.options.visibility,
            "media_ids": media,
        }
        if self.options.language:
            status["language"] = self.options.language
        key = f"editwatch-{notification.id}"
        if reply_to is None:
            return self._status(status, token, key)
        try:
            return self._status({**status, "in_reply_to_id": reply_to}, token, key)
        except NotifyError as exc:
            if exc.status not in MISSING_PARENT:
                raise
        return self._status(status, token, key + "-unthreaded")  # the parent post is gone

    def _upload(self, png: bytes, alt: str, token: str) -> str:
        """Upload the card; its media id once the instance has processed it."""
        response = self._call(
            "POST",
            "/api/v2/media",
            token,
            files={"file": ("card.png", png, "image/png")},
            data={"description": cut_text(" ".join(clean_text(alt).split()), ALT_TEXT_LIMIT)},
        )
        media_id = _id_of(response, "media upload")
        if response.status == 202:  # large files are processed after the answer
            self._wait_processed(media_id, token)
        return media_id

    def _wait_processed(self, media_id: str, token: str) -> None:
        """Ask after a 202 upload until the instance answers 200; a post naming unprocessed
        media would be refused, so still processing is retried later."""
        for _ in range(MEDIA_POLLS):
            time.sleep(0.5)
            if self._call("GET", f"/api/v1/media/{media_id}", token).status == 200:
                return
        raise NotifyError(f"channel {self.name!r}: the card is still being processed")

    def _status(self, status: dict[str, Any], token: str, key: str) -> str:
        response = self._call(
            "POST", "/api/v1/statuses", token, json=status, headers={"Idempotency-Key": key}
        )
        return _id_of(response, "post")

    def _call(
        self,
        method: str,
        path: str,
        token: str,
        *,
        headers: dict[str, str] | None = None,
        **body: Any,
    ) -> ApiReply:
        return call_api(
            method,
            self.options.url + path,
            headers={"Authorization": f"Bearer {token}", **(headers or {})},
            timeout=self.context.timeout,
            allow_private=self.context.allow_private_networks,
            user_agent=self.context.user_agent,
            **body,
        )


def _id_of(reply: ApiReply, what: str) -> str:
    """The ``id`` of the created entity; an answer without one is retried."""
    found = reply.data.get("id") if isinstance(reply.data, dict) else None
    if not isinstance(found, str | int) or not str(found):
        raise NotifyError(f"the instance answered the {what} without an id")
    return str(found)

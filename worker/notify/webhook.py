"""``webhook``: POST the alert as JSON to a URL, with an idempotency key per event."""

from __future__ import annotations

import os
from typing import ClassVar

from pydantic import model_validator

from worker.errors import NotifyError
from worker.models import Notification
from worker.notify.base import ChannelContext, ChannelOptions
from worker.notify.http import post_json


class WebhookOptions(ChannelOptions):
    url: str | None = None
    url_env: str | None = None  # name of an environment variable holding a secret URL
    headers: dict[str, str] = {}

    @model_validator(mode="after")
    def _one_url(self) -> WebhookOptions:
        if not (self.url or self.url_env):
            raise ValueError("a webhook needs `url` or `url_env` (an environment variable name)")
        return self


class WebhookChannel:
    """Sends ``{"event_id": ..., **payload}``; receivers de-duplicate on ``Idempotency-Key``."""

    kind: ClassVar[str] = "webhook"
    Options: ClassVar[type[ChannelOptions]] = WebhookOptions

    def __init__(self, name: str, options: WebhookOptions, context: ChannelContext) -> None:
        self.name = name
        self.options = options
        self.context = context

    def _url(self) -> str:
        if self.options.url_env:
            url = os.environ.get(self.options.url_env, "")
            if not url:
                raise NotifyError(
                    f"channel {self.name!r}: environment variable {self.options.url_env} "
                    "is empty; set it to the webhook URL",
                    permanent=True,
                )
            return url
        return self.options.url or ""

    def send(self, notification: Notification) -> None:
        headers = {**self.options.headers, "Idempotency-Key": f"editwatch-{notification.id}"}
        post_json(
            self._url(),
            {"event_id": notification.id, **notification.payload},
            headers=headers,
            timeout=self.context.timeout,
            allow_private=self.context.allow_private_networks,
            user_agent=self.context.user_agent,
        )

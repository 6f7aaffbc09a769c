"""``webhook``: POST the alert as JSON to a URL, signed and with an idempotency key per event.

The body is ``{"event_id": <outbox row id>, "watch", "url", "detected_at", "kinds",
"significance", "silent", "old_headline", "new_headline", "old_version", "new_version",
"diff": <schema editwatch.change/1, see worker.render.render_json>}``. Headers:

* ``Idempotency-Key: editwatch-<event_id>``: the same on every retry, so a receiver that saw
  the event already can drop the repeat;
* ``X-Editwatch-Signature: sha256=<hex>`` when ``secret_env`` is set: HMAC-SHA256 of the exact
  body bytes with that secret. Receivers recompute it over the raw body before parsing and
  compare with ``hmac.compare_digest``.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import ClassVar

from pydantic import field_validator

from worker.models import Notification
from worker.notify.base import ChannelContext, ChannelOptions, URLOptions, env_secret
from worker.notify.http import JSON_CONTENT_TYPE, encode_json, post_bytes
from worker.notify.message import machine_payload

SIGNATURE_HEADER = "X-Editwatch-Signature"
IDEMPOTENCY_HEADER = "Idempotency-Key"
# Set by the channel itself; letting configuration override them would break receivers.
RESERVED_HEADERS = frozenset(
    {"content-type", "content-length", "host", "idempotency-key", "x-editwatch-signature"}
)


def sign(secret: str, body: bytes) -> str:
    """The signature header value for ``body``: ``sha256=`` and the hex HMAC-SHA256."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


class WebhookOptions(URLOptions):
    headers: dict[str, str] = {}  # noqa: RUF012 - pydantic copies defaults per instance
    headers_env: dict[str, str] = {}  # noqa: RUF012 - header -> variable (Authorization tokens)
    secret_env: str | None = None  # variable holding the HMAC signing secret

    @field_validator("headers", "headers_env")
    @classmethod
    def _not_reserved(cls, value: dict[str, str]) -> dict[str, str]:
        taken = sorted(name for name in value if name.lower() in RESERVED_HEADERS)
        if taken:
            raise ValueError(f"{', '.join(taken)} is set by editwatch and cannot be configured")
        return value


class WebhookChannel:
    """Sends the documented JSON body; see the module docstring for headers and signature."""

    kind: ClassVar[str] = "webhook"
    Options: ClassVar[type[ChannelOptions]] = WebhookOptions

    def __init__(self, name: str, options: WebhookOptions, context: ChannelContext) -> None:
        self.name = name
        self.options = options
        self.context = context

    def send(self, notification: Notification) -> None:
        body = encode_json(machine_payload(notification))
        post_bytes(
            self.options.target(self.name),
            body,
            content_type=JSON_CONTENT_TYPE,
            headers=self._headers(notification.id, body),
            timeout=self.context.timeout,
            allow_private=self.context.allow_private_networks,
            user_agent=self.context.user_agent,
        )

    def _headers(self, event_id: int, body: bytes) -> dict[str, str]:
        headers = dict(self.options.headers)
        for header, variable in self.options.headers_env.items():
            headers[header] = env_secret(self.name, variable, f"the {header} header value")
        headers[IDEMPOTENCY_HEADER] = f"editwatch-{event_id}"
        if self.options.secret_env:
            secret = env_secret(self.name, self.options.secret_env, "the signing secret")
            headers[SIGNATURE_HEADER] = sign(secret, body)
        return headers

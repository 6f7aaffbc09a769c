"""``slack``: post the alert to a Slack incoming webhook as one Markdown block.

Why a ``markdown`` block: it takes standard Markdown (``**bold**``, ``~~struck~~``, ``>``
quotes, backslash escapes), which is what :func:`worker.render.render_markdown` writes, so the
diff shows deletions struck through and insertions in bold without a second dialect (Slack's
own ``mrkdwn``). The top-level ``text`` is the plain one-line title Slack shows in
notifications and in clients that cannot draw blocks.

Page text is escaped for Slack in every field: ``&``, ``<`` and ``>`` become entities (Slack
would read ``<!channel>`` or ``<https://evil|click>`` in a headline as a mention or a link),
and markdown syntax is backslash-escaped in the block.

Long diffs are cut at whole lines to ``max_length`` characters (Slack accepts 12,000 in a
Markdown block) with a last line saying how many lines were left out. The webhook URL is a
secret (it holds the token): give it with ``url_env``. Slack answers 400/403/404/410 for a
bad payload, a revoked hook or an archived channel (permanent), 429 when rate limited (retried
after ``Retry-After``).
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import Field

from worker.models import Notification
from worker.notify.base import ChannelContext, ChannelOptions, URLOptions
from worker.notify.http import post_json
from worker.notify.message import markdown, title
from worker.render import escape_slack
from worker.textutil import cut_text

SLACK_MARKDOWN_LIMIT = 12_000  # characters in one markdown block
TITLE_LIMIT = 300  # the notification text; longer ones are cut by clients anyway


class SlackOptions(URLOptions):
    max_length: int = Field(default=3000, ge=200, le=SLACK_MARKDOWN_LIMIT)


class SlackChannel:
    """Sends ``{"text": title, "blocks": [{"type": "markdown", "text": diff}]}``."""

    kind: ClassVar[str] = "slack"
    Options: ClassVar[type[ChannelOptions]] = SlackOptions

    def __init__(self, name: str, options: SlackOptions, context: ChannelContext) -> None:
        self.name = name
        self.options = options
        self.context = context

    def message(self, notification: Notification) -> dict[str, Any]:
        """The Slack payload: a short notification text and the (truncated) Markdown diff."""
        payload = notification.payload
        body = markdown(payload, max_length=self.options.max_length, flavor="slack")
        return {
            "text": escape_slack(cut_text(title(payload), TITLE_LIMIT)),
            "blocks": [{"type": "markdown", "text": body}],
        }

    def send(self, notification: Notification) -> None:
        post_json(
            self.options.target(self.name),
            self.message(notification),
            timeout=self.context.timeout,
            allow_private=self.context.allow_private_networks,
            user_agent=self.context.user_agent,
        )

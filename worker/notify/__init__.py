"""Notification channels: the registry (kind -> class) and building channels from settings.

Delivery bookkeeping (claiming outbox rows, retries, digests) lives in
``worker.pipeline.delivery``; this
package only knows how to send one notification through one channel and what digests and
operator events look like (``events``); the wait before the next attempt is
:func:`worker.retry.retry_delay`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from worker.config import ChannelSettings
from worker.errors import ConfigError
from worker.notify.apprise import AppriseChannel
from worker.notify.base import Channel, ChannelContext, ChannelFactory, ThreadedChannel
from worker.notify.file import FileChannel
from worker.notify.log import LogChannel
from worker.notify.mail import EmailChannel
from worker.notify.mastodon import MastodonChannel
from worker.notify.slack import SlackChannel
from worker.notify.webhook import WebhookChannel

REGISTRY: dict[str, ChannelFactory] = {
    AppriseChannel.kind: AppriseChannel,
    EmailChannel.kind: EmailChannel,
    MastodonChannel.kind: MastodonChannel,
    FileChannel.kind: FileChannel,
    LogChannel.kind: LogChannel,
    SlackChannel.kind: SlackChannel,
    WebhookChannel.kind: WebhookChannel,
}

__all__ = [
    "REGISTRY",
    "Channel",
    "ChannelContext",
    "ThreadedChannel",
    "build_channel",
    "build_channels",
]


def build_channel(name: str, settings: ChannelSettings, context: ChannelContext) -> Channel:
    """Validate one channel's options and construct it; errors name the channel and option."""
    factory = REGISTRY.get(settings.type)
    if factory is None:
        known = ", ".join(sorted(REGISTRY))
        raise ConfigError(f"channels.{name}.type: unknown channel type {settings.type!r} ({known})")
    try:
        options: Any = factory.Options.model_validate(_with_bot(name, settings, factory))
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'options'}: "
            f"{str(e['msg']).removeprefix('Value error, ')}"
            for e in exc.errors()
        )
        raise ConfigError(f"channels.{name}: {problems}") from None
    return factory(name, options, context)


def _with_bot(name: str, settings: ChannelSettings, factory: ChannelFactory) -> dict[str, Any]:
    """The channel's options, with its ``bot:`` profile when it has one and can post."""
    options = settings.options
    if settings.bot is None:
        return options
    if "bot" not in factory.Options.model_fields:
        posting = ", ".join(
            k for k, f in sorted(REGISTRY.items()) if "bot" in f.Options.model_fields
        )
        raise ConfigError(
            f"channels.{name}.bot: a {settings.type} channel does not publish posts; "
            f"the bot profile is for {posting} channels"
        )
    return {**options, "bot": settings.bot}


def build_channels(
    settings: Mapping[str, ChannelSettings], context: ChannelContext
) -> dict[str, Channel]:
    """Every configured channel, by name."""
    return {name: build_channel(name, item, context) for name, item in settings.items()}

"""What every notification channel is: a small class with validated options and ``send``.

Why a protocol plus an explicit registry (like healthchecks' integrations and urlwatch's
reporters): a channel is one file that can be read in a minute, adding one never touches the
others, and one parametrised test walks every registered channel.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, model_validator

from worker.config import BotSettings
from worker.errors import NotifyError
from worker.models import Notification


@dataclass(frozen=True, slots=True)
class ChannelContext:
    """What channels may need from the outside world, passed in rather than read globally."""

    data_dir: Path
    allow_private_networks: bool = False
    user_agent: str = "editwatch"
    timeout: float = 15.0
    # Draws the diff card (PNG) of an alert payload, None when it has none; given by the entry
    # points (``worker.cards.card_for_payload``) so channels need not import the cards stage.
    draw_card: Callable[[Mapping[str, Any]], bytes | None] | None = None


def card_of(context: ChannelContext, attach: bool, payload: Mapping[str, Any]) -> bytes | None:
    """The diff card (PNG) of ``payload`` when the channel attaches cards and there is one.

    The one path every channel takes to its card (email inline, Apprise and Mastodon as an
    attachment), so they all show the same picture of the same change.
    """
    if not attach or context.draw_card is None:
        return None
    return context.draw_card(payload)


class ChannelOptions(BaseModel):
    """Base for a channel's options: unknown keys are errors, values are frozen."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class PostOptions(ChannelOptions):
    """Options of a channel that can publish short posts (Mastodon, Apprise targets).

    ``bot`` is the channel's ``bot:`` profile, handed over from the channel's settings
    (:func:`worker.notify.build_channel`); ``attach_card`` unset means "with a bot profile".
    """

    attach_card: bool | None = None
    bot: BotSettings | None = None

    @property
    def card(self) -> bool:
        return self.attach_card if self.attach_card is not None else self.bot is not None


class URLOptions(ChannelOptions):
    """Options of a channel that posts to one URL, given in YAML or, when it holds a token
    (Slack, Discord, Apprise URLs usually do), named by ``url_env``."""

    url: str | None = None
    url_env: str | None = None  # name of an environment variable holding a secret URL

    @model_validator(mode="after")
    def _one_url(self) -> URLOptions:
        if not (self.url or self.url_env):
            raise ValueError("needs `url` or `url_env` (an environment variable name)")
        if self.url and self.url_env:
            raise ValueError("give `url` or `url_env`, not both")
        return self

    def target(self, channel: str) -> str:
        """The URL to post to, read from the environment at send time when ``url_env``."""
        if self.url_env:
            return env_secret(channel, self.url_env, "the channel's URL")
        return self.url or ""


class Channel(Protocol):
    """A delivery target. ``send`` raises ``NotifyError(permanent=...)`` on failure."""

    kind: ClassVar[str]

    def send(self, notification: Notification) -> None: ...


@runtime_checkable
class ThreadedChannel(Protocol):
    """A channel whose posts can answer an earlier post (a Mastodon thread per article).

    Delivery hands over the id of this article's previous post on the channel (or ``None``)
    and stores the id ``post`` returns, so the next change to the article replies to it.
    """

    def post(self, notification: Notification, reply_to: str | None) -> str | None: ...


class ChannelFactory(Protocol):
    """A channel class seen as a value: its kind, its options model and its constructor."""

    @property
    def kind(self) -> str: ...

    @property
    def Options(self) -> type[ChannelOptions]: ...

    def __call__(self, name: str, options: Any, context: ChannelContext) -> Channel: ...


def env_secret(channel: str, variable: str, what: str) -> str:
    """A secret named by an ``*_env`` option: the variable, or the file named by ``VARIABLE_FILE``.

    Read at send time, not at start, so a rotated secret is picked up without a restart. A
    missing secret is a permanent failure: retrying cannot make the variable appear, and the
    message names the variable (never its value) so the operator knows what to set.
    """
    value = os.environ.get(variable, "").strip()
    secret_file = os.environ.get(f"{variable}_FILE", "").strip()
    if not value and secret_file:
        try:
            value = Path(secret_file).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise NotifyError(
                f"channel {channel!r}: cannot read {variable}_FILE ({exc.strerror})", permanent=True
            ) from None
    if not value:
        raise NotifyError(
            f"channel {channel!r}: environment variable {variable} is empty; set it to {what}",
            permanent=True,
        )
    return value

"""What every notification channel is: a small class with validated options and ``send``.

Why a protocol plus an explicit registry (like healthchecks' integrations and urlwatch's
reporters): a channel is one file that can be read in a minute, adding one never touches the
others, and one parametrised test walks every registered channel.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Protocol

from pydantic import BaseModel, ConfigDict

from worker.models import Notification


@dataclass(frozen=True, slots=True)
class ChannelContext:
    """What channels may need from the outside world, passed in rather than read globally."""

    data_dir: Path
    allow_private_networks: bool = False
    user_agent: str = "editwatch"
    timeout: float = 15.0


class ChannelOptions(BaseModel):
    """Base for a channel's options: unknown keys are errors, values are frozen."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class Channel(Protocol):
    """A delivery target. ``send`` raises ``NotifyError(permanent=...)`` on failure."""

    kind: ClassVar[str]

    def send(self, notification: Notification) -> None: ...


class ChannelFactory(Protocol):
    """A channel class seen as a value: its kind, its options model and its constructor."""

    @property
    def kind(self) -> str: ...

    @property
    def Options(self) -> type[ChannelOptions]: ...  # noqa: N802 - mirrors the class attribute

    def __call__(self, name: str, options: Any, context: ChannelContext) -> Channel: ...

"""``log``: write each alert as a structured log event (handy with container log shipping)."""

from __future__ import annotations

from typing import ClassVar

from worker.logs import get_logger
from worker.models import Notification
from worker.notify.base import ChannelContext, ChannelOptions

log = get_logger(__name__)


class LogOptions(ChannelOptions):
    level: str = "warning"


class LogChannel:
    """Logs ``article_changed`` with watch, url, kinds and headlines; never fails."""

    kind: ClassVar[str] = "log"
    Options: ClassVar[type[ChannelOptions]] = LogOptions

    def __init__(self, name: str, options: LogOptions, context: ChannelContext) -> None:
        self.name = name
        self.level = options.level

    def send(self, notification: Notification) -> None:
        payload = notification.payload
        event = payload.get("event") or ("article_changes" if payload.get("digest") else None)
        getattr(log, self.level, log.warning)(
            event or "article_changed",
            title=payload.get("title"),
            channel=self.name,
            event_id=notification.id,
            watch=payload.get("watch"),
            url=payload.get("url"),
            kinds=payload.get("kinds"),
            headline=payload.get("new_headline"),
        )

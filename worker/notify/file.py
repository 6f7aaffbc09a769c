"""``file``: append each alert as one JSON line, for archives, scripts and tests."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import ClassVar

from worker.errors import NotifyError
from worker.models import Notification
from worker.notify.base import ChannelContext, ChannelOptions
from worker.notify.message import machine_payload


class FileOptions(ChannelOptions):
    path: str = "alerts.jsonl"  # relative paths are inside the data dir


class FileChannel:
    """Appends the webhook JSON body (event id + payload) as lines; one write keeps lines whole."""

    kind: ClassVar[str] = "file"
    Options: ClassVar[type[ChannelOptions]] = FileOptions

    def __init__(self, name: str, options: FileOptions, context: ChannelContext) -> None:
        self.name = name
        path = Path(options.path).expanduser()
        self.path = path if path.is_absolute() else context.data_dir / path

    def send(self, notification: Notification) -> None:
        line = json.dumps(machine_payload(notification), sort_keys=True)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                os.write(fd, (line + "\n").encode("utf-8"))
            finally:
                os.close(fd)
        except OSError as exc:
            raise NotifyError(f"cannot append to {self.path}: {exc.strerror}") from exc

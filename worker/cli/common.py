"""What every ``editwatch`` subcommand does first: load settings, open the store, build channels.

Each helper reports a problem the way a user can act on (file, field, fix) and exits with
code 2, so subcommands never print a traceback for bad configuration.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import typer
from rich.console import Console, ConsoleDimensions
from rich.text import Text

from worker import logs
from worker.config import Settings, load_settings
from worker.errors import ConfigError, EditwatchError
from worker.extract import selector_problem
from worker.notify import Channel, build_channels
from worker.pipeline.delivery import channel_context
from worker.store import Store
from worker.textutil import terminal_safe

PIPE_WIDTH = 400  # columns when output is piped: a name is never wrapped at 80 into two lines


class CliConsole(Console):
    """rich's console, as wide as a line may be when stdout is not a terminal.

    rich falls back to 80 columns off a terminal, which folds long watch names and URLs in
    tables written to a pipe or a file (``editwatch watches | grep``); ``COLUMNS`` still wins.
    """

    @property
    def size(self) -> ConsoleDimensions:
        size = super().size
        if self.is_terminal or "COLUMNS" in os.environ or self._width is not None:
            return size
        return ConsoleDimensions(PIPE_WIDTH, size.height)

    @size.setter
    def size(self, new_size: tuple[int, int]) -> None:
        self._width, self._height = new_size


out = CliConsole(highlight=False)
err = CliConsole(stderr=True, highlight=False)


def plain(value: object) -> Text:
    """Anything that came from a page, a server, the store or a config file, as a table cell
    or message: plain text (rich markup is never parsed from it), controls and bidi removed."""
    return Text(terminal_safe("" if value is None else str(value)))


def count(number: int, noun: str, plural: str | None = None) -> str:
    """``1 watch``, ``2 watches``, ``0 alerts``."""
    if number == 1:
        return f"1 {noun}"
    return f"{number} {plural or (noun + 'es' if noun.endswith(('s', 'ch', 'sh')) else noun + 's')}"


def shown_time(value: str | datetime | None) -> str:
    """Every table shows times one way: ``2026-12-01 10:03:09`` in UTC ('' when unknown)."""
    if value is None or value == "":
        return ""
    when = datetime.fromisoformat(value) if isinstance(value, str) else value
    if when.tzinfo is not None:
        when = when.astimezone(UTC)
    return when.strftime("%Y-%m-%d %H:%M:%S")


def say(message: object, *, stderr: bool = False) -> None:
    """Print text that may hold outside strings as plain text, line by line."""
    for line in str(message).splitlines() or [""]:
        (err if stderr else out).print(plain(line), soft_wrap=True)


@dataclass
class Options:
    """Global options, shared by every subcommand through the typer context."""

    config_dir: Path
    data_dir: Path | None


def options_of(ctx: typer.Context) -> tuple[Path, Path | None]:
    """The main command's ``--config`` and ``--data``."""
    options = ctx.find_root().obj
    return getattr(options, "config_dir", Path("config")), getattr(options, "data_dir", None)


def load(ctx: typer.Context) -> Settings:
    """Settings from the main command's ``--config``/``--data`` (exit 2 on a config error)."""
    config_dir, data_dir = options_of(ctx)
    try:
        settings = load_settings(config_dir, data_dir, selector_check=selector_problem)
    except ConfigError as exc:
        err.print("[bold red]configuration error[/]")
        say(str(exc), stderr=True)
        raise typer.Exit(2) from None
    logs.configure(settings.log.format, settings.log.level)
    return settings


def open_store(settings: Settings, ctx: typer.Context | None = None) -> Store:
    """The store, or exit 2 naming the database problem.

    With the command's ``ctx`` the store is closed when the command ends, however it ends, so
    a command never leaves a database connection open (PostgreSQL counts them).
    """
    try:
        store = Store.open(
            settings.data_dir, settings.database_url, auto_upgrade=settings.db.auto_upgrade
        )
    except EditwatchError as exc:
        say(f"database error: {exc}", stderr=True)
        raise typer.Exit(2) from None
    if ctx is not None:
        ctx.call_on_close(store.close)
    return store


def build_all_channels(settings: Settings) -> dict[str, Channel]:
    """Every configured channel, built (options validated) or exit 2 naming the problem."""
    try:
        return build_channels(settings.channels, channel_context(settings))
    except ConfigError as exc:
        err.print("[bold red]configuration error[/]")
        say(f"{settings.config_dir}/editwatch.yaml: {exc}", stderr=True)
        raise typer.Exit(2) from None

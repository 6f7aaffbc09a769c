"""What every ``editwatch`` subcommand does first: load settings, open the store, build channels.

Each helper reports a problem the way a user can act on (file, field, fix) and exits with
code 2, so subcommands never print a traceback for bad configuration.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import typer
from rich.console import Console

from worker import logs
from worker.cards import card_for_payload
from worker.config import Settings, load_settings
from worker.errors import ConfigError, EditwatchError
from worker.notify import Channel, ChannelContext, build_channels
from worker.store import Store

err = Console(stderr=True)


@dataclass
class Options:
    """Global options, shared by every subcommand through the typer context."""

    config_dir: Path
    data_dir: Path | None


def load(ctx: typer.Context) -> Settings:
    """Settings from the main command's ``--config``/``--data`` (exit 2 on a config error)."""
    options = ctx.find_root().obj
    config_dir: Path = getattr(options, "config_dir", Path("config"))
    try:
        settings = load_settings(config_dir, getattr(options, "data_dir", None))
    except ConfigError as exc:
        err.print("[bold red]configuration error[/]")
        err.print(str(exc), soft_wrap=True, highlight=False, markup=False)
        raise typer.Exit(2) from None
    logs.configure(settings.log.format, settings.log.level)
    return settings


def open_store(settings: Settings) -> Store:
    try:
        return Store.open(
            settings.data_dir, settings.database_url, auto_upgrade=settings.db.auto_upgrade
        )
    except EditwatchError as exc:
        err.print(f"database error: {exc}", soft_wrap=True, highlight=False, markup=False)
        raise typer.Exit(2) from None


def build_all_channels(settings: Settings) -> dict[str, Channel]:
    """Every configured channel, built (options validated) or exit 2 naming the problem."""
    context = ChannelContext(
        settings.data_dir,
        settings.fetch.allow_private_networks,
        settings.fetch.user_agent,
        settings.notify.timeout,
        draw_card=card_for_payload,
    )
    try:
        return build_channels(settings.channels, context)
    except ConfigError as exc:
        err.print("[bold red]configuration error[/]")
        err.print(f"{settings.config_dir}/editwatch.yaml: {exc}", soft_wrap=True, markup=False)
        raise typer.Exit(2) from None

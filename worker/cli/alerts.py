"""``editwatch alerts``: what the outbox holds, which alerts are dead and why, and resending them.

Why a command of its own: an alert that could not be delivered is kept as a ``dead`` outbox
row with its last error, never dropped; the people running editwatch need to see those rows
and, once the cause is fixed (a rotated webhook URL, a full mailbox), send them again::

    editwatch alerts                 # the latest alerts: id, channel, watch, state, attempts
    editwatch alerts --failed        # only dead ones, with their last error
    editwatch alerts --json          # one JSON object per line
    editwatch alerts retry 12 13     # these dead alerts back to the worker (pending)
    editwatch alerts retry --all     # every dead alert back to the worker
    editwatch alerts retry --now 12  # send it from this shell, with this shell's environment

Mounted on the main command in :mod:`worker.cli` (``cli.add_typer(alerts_app, name="alerts")``).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from typing import Annotated, Any

import typer
from rich.table import Table

from worker.cli.common import (
    build_all_channels,
    count,
    load,
    open_store,
    out,
    plain,
    say,
    shown_time,
)
from worker.config import Settings
from worker.models import Notification
from worker.notify import Channel
from worker.pipeline import delivery
from worker.store import Store

alerts_app = typer.Typer(
    help="List queued, sent and dead alerts; send dead ones again.",
    invoke_without_command=True,
    no_args_is_help=False,
    rich_markup_mode=None,
)
STATE_STYLES = {"dead": "bold red", "pending": "yellow", "held": "cyan", "sent": "green"}
ERROR_WIDTH = 200  # characters of last_error shown in the table; --json has all of it


@alerts_app.callback()
def alerts(
    ctx: typer.Context,
    failed: Annotated[
        bool, typer.Option("--failed", help="Only dead alerts (delivery gave up), with errors.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
    limit: Annotated[int, typer.Option(help="How many of the latest alerts to show.")] = 50,
) -> None:
    """List the latest alerts (newest first): id, channel, watch, state, attempts, last error."""
    if ctx.invoked_subcommand is not None:
        return
    settings = load(ctx)
    with open_store(settings) as store:
        rows = store.notifications("dead" if failed else None, limit=limit, newest_first=True)
    if as_json:
        for row in rows:
            sys.stdout.write(json.dumps(row_json(row)) + "\n")
        return
    if not rows:
        say("no dead alerts" if failed else "no alerts yet")
        return
    _print_table(rows, "dead alerts" if failed else f"latest {len(rows)} alerts")


@alerts_app.command()
def retry(
    ctx: typer.Context,
    ids: Annotated[
        list[int] | None, typer.Argument(metavar="ID...", help="Ids of dead alerts.")
    ] = None,
    all_: Annotated[bool, typer.Option("--all", help="Every dead alert.")] = False,
    now: Annotated[
        bool,
        typer.Option(
            "--now",
            help="Send from this shell now, with this shell's environment (channel secrets, "
            "EDITWATCH_ALLOW_PRIVATE_NETWORKS), instead of handing them back to the worker.",
        ),
    ] = False,
) -> None:
    """Hand dead alerts back to the worker: pending again, attempts from zero.

    The running worker sends them within notify.sweep_interval, with its own environment
    (the secrets and network settings it was started with). With --now this command sends
    them itself, from the environment of this shell.
    """
    if bool(ids) == all_:
        say("give the ids of dead alerts, or --all", stderr=True)
        raise typer.Exit(2)
    settings = load(ctx)
    channels = build_all_channels(settings) if now else {}
    with open_store(settings) as store:
        chosen, missing = _dead_ids(store, None if all_ else list(ids or []))
        if missing:
            say(f"not dead (or unknown): {', '.join(map(str, missing))}", stderr=True)
        store.reset_dead(chosen)
        if not now:
            _say_requeued(chosen, settings)
            raise typer.Exit(1 if missing else 0)
        say(NOW_ENVIRONMENT, stderr=True)
        outcomes = _send_now(store, channels, settings, chosen)
    for outcome in outcomes:
        detail = f": {outcome.error}" if outcome.error else ""
        say(f"#{outcome.notification_id} {outcome.state}{detail}")
    if missing or any(o.state == "dead" for o in outcomes):
        raise typer.Exit(1)


NOW_ENVIRONMENT = (
    "sending now from this shell, with this shell's environment (channel *_env secrets, "
    "EDITWATCH_ALLOW_PRIVATE_NETWORKS), not the worker's"
)


def _dead_ids(store: Store, wanted: list[int] | None) -> tuple[list[int], list[int]]:
    """The dead rows among ``wanted`` (all dead rows for ``None``), and the ids that are not."""
    chosen = [n.id for n in store.notifications("dead") if wanted is None or n.id in wanted]
    return chosen, sorted(set(wanted or []) - set(chosen))


def _say_requeued(ids: Sequence[int], settings: Settings) -> None:
    if not ids:
        say("no dead alerts to requeue")
        return
    every = f"{settings.notify.sweep_interval:g}s"
    say(
        f"requeued {count(len(ids), 'alert')} as pending ({', '.join(f'#{i}' for i in ids)}); "
        f"the worker sends them within notify.sweep_interval ({every}) with its own "
        "environment; `editwatch alerts` shows their state"
    )


def _send_now(
    store: Store, channels: dict[str, Channel], settings: Settings, ids: Sequence[int]
) -> list[delivery.Delivery]:
    routing = delivery.Routing.from_settings(settings)
    return [delivery.deliver(store, channels, i, settings.notify, routing) for i in ids]


def row_json(row: Notification) -> dict[str, Any]:
    """The ``--json`` line of one alert (the shape the web API shows too)."""
    return row.summary()


def _print_table(rows: Sequence[Notification], title: str) -> None:
    table = Table(title=title)
    for column in ("id", "channel", "watch", "state", "attempts", "updated", "last error"):
        table.add_column(column, overflow="fold")
    for row in rows:
        state = plain(row.state + (f" into #{row.digest_id}" if row.digest_id else ""))
        state.stylize(STATE_STYLES.get(row.state, ""))
        table.add_row(
            str(row.id),
            plain(row.channel),
            plain(row.subject),
            state,
            str(row.attempts),
            shown_time(row.updated_at),
            plain((row.last_error or "")[:ERROR_WIDTH]),
        )
    out.print(table)

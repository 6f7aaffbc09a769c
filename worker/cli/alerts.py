"""``editwatch alerts``: what the outbox holds, which alerts are dead and why, and resending them.

Why a command of its own: an alert that could not be delivered is kept as a ``dead`` outbox
row with its last error, never dropped; the people running editwatch need to see those rows
and, once the cause is fixed (a rotated webhook URL, a full mailbox), send them again::

    editwatch alerts                 # the latest alerts: id, channel, watch, state, attempts
    editwatch alerts --failed        # only dead ones, with their last error
    editwatch alerts --json          # one JSON object per line
    editwatch alerts retry 12 13     # these dead alerts again, now
    editwatch alerts retry --all     # every dead alert again

Mounted on the main command in :mod:`worker.cli` (``cli.add_typer(alerts_app, name="alerts")``).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from worker.cli.common import build_all_channels, err, load, open_store
from worker.config import Settings
from worker.models import Notification
from worker.notify import Channel
from worker.pipeline import delivery
from worker.store import Store

alerts_app = typer.Typer(
    help="List queued, sent and dead alerts; send dead ones again.",
    invoke_without_command=True,
    no_args_is_help=False,
)
out = Console()
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
        out.print("no dead alerts" if failed else "no alerts yet")
        return
    _print_table(rows, "dead alerts" if failed else f"latest {len(rows)} alerts")


@alerts_app.command()
def retry(
    ctx: typer.Context,
    ids: Annotated[list[int] | None, typer.Argument(help="Ids of dead alerts.")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Every dead alert.")] = False,
) -> None:
    """Send dead alerts again now (attempts start from zero); a running worker would too."""
    if bool(ids) == all_:
        err.print("give the ids of dead alerts, or --all")
        raise typer.Exit(2)
    settings = load(ctx)
    channels = build_all_channels(settings)
    with open_store(settings) as store:
        wanted = None if all_ else list(ids or [])
        chosen = [n.id for n in store.notifications("dead") if wanted is None or n.id in wanted]
        missing = sorted(set(wanted or []) - set(chosen))
        if missing:
            err.print(f"not dead (or unknown): {', '.join(map(str, missing))}")
        store.reset_dead(chosen)
        outcomes = _send_now(store, channels, settings, chosen)
    for outcome in outcomes:
        detail = f": {outcome.error}" if outcome.error else ""
        out.print(f"#{outcome.notification_id} {outcome.state}{detail}", markup=False)
    if missing or any(o.state == "dead" for o in outcomes):
        raise typer.Exit(1)


def _send_now(
    store: Store, channels: dict[str, Channel], settings: Settings, ids: Sequence[int]
) -> list[delivery.Delivery]:
    routing = delivery.Routing.from_settings(settings)
    return [delivery.deliver(store, channels, i, settings.notify, routing) for i in ids]


def row_json(row: Notification) -> dict[str, Any]:
    """The ``--json`` line of one alert."""
    return {
        "id": row.id,
        "kind": row.kind,
        "channel": row.channel,
        "watch": _subject(row),
        "state": row.state,
        "attempts": row.attempts,
        "last_error": row.last_error,
        "digest_id": row.digest_id,
        "created_at": row.created_at.isoformat() if row.created_at else None,
        "updated_at": row.updated_at.isoformat() if row.updated_at else None,
    }


def _subject(row: Notification) -> str:
    """What the alert is about: the watch, a digest's size or an operator event's name."""
    payload = row.payload
    if row.kind == "digest":
        return f"digest of {payload.get('count', '?')}"
    if row.kind == "operator":
        return f"operator: {payload.get('event', '?')}"
    return str(payload.get("watch", ""))


def _print_table(rows: Sequence[Notification], title: str) -> None:
    table = Table(title=title)
    for column in ("id", "channel", "watch", "state", "attempts", "updated", "last error"):
        table.add_column(column, overflow="fold")
    for row in rows:
        style = STATE_STYLES.get(row.state, "")
        state = row.state + (f" into #{row.digest_id}" if row.digest_id else "")
        updated = row.updated_at.strftime("%Y-%m-%d %H:%M:%S") if row.updated_at else ""
        table.add_row(
            str(row.id),
            row.channel,
            _subject(row),
            f"[{style}]{state}[/]" if style else state,
            str(row.attempts),
            updated,
            (row.last_error or "")[:ERROR_WIDTH],
        )
    out.print(table)

"""``editwatch history --verbose``: every check of a watch, and why it found no new state.

Why: "no alert" has many causes (the server said 304, the canonical text was the same, only
counters and clocks moved, a paywall hid the article) and a user who expected an alert needs to
see which one. The pipeline records the reason per check; this prints it as plain text.
"""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from worker.store import Store
from worker.textutil import strip_controls

VERBOSE_CHECKS = 50  # newest checks shown


def print_checks(console: Console, store: Store, watch_id: int, title: str) -> None:
    """The newest checks, newest first: time, outcome, HTTP status and the reason."""
    table = Table(title=f"checks of {title} (newest first)")
    for column in ("checked", "outcome", "status", "why"):
        table.add_column(column, overflow="fold")
    for check in store.checks(watch_id, limit=VERBOSE_CHECKS):
        why = check.detail or check.error or ""
        table.add_row(
            check.started_at.isoformat()[:19].replace("T", " "),
            check.outcome,
            str(check.status or ""),
            Text(strip_controls(why)),
        )
    console.print(table)

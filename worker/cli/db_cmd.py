"""``editwatch db``: schema revisions, storage statistics and raw-HTML retention.

    editwatch db current            # the schema revision of the database, and the one needed
    editwatch db upgrade            # bring it to the newest revision (back it up first)
    editwatch db stats              # rows and bytes per table, the 10 largest watches
    editwatch db prune              # what retention.raw_html would drop (a dry run)
    editwatch db prune --apply      # drop it
    editwatch db revision -m "..."  # developers: draft the next migration from the models

Why here: ``run``, workers and ``web`` refuse an out-of-date schema and name ``db upgrade``,
so the fix is one command away. These commands open the database without that check.
Mounted on the main command in :mod:`worker.cli` (``cli.add_typer(db_app, name="db")``).
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from worker.cli.common import err, load, open_store
from worker.config import Settings, parse_duration
from worker.errors import EditwatchError
from worker.store import migrate
from worker.store.sql import database_url_for
from worker.store.stats import DbStats

db_app = typer.Typer(
    help="Schema upgrades, storage statistics and retention.", no_args_is_help=True
)
out = Console()
UNITS = ("B", "kB", "MB", "GB", "TB")


def human(size: float | None) -> str:
    """``1.5 MB``-style sizes (powers of 1000, as ``df -H``)."""
    if size is None:
        return "n/a"
    for unit in UNITS:
        if size < 1000 or unit == UNITS[-1]:
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    raise AssertionError("unreachable")


def _url(settings: Settings) -> str:
    try:
        return database_url_for(settings.data_dir, settings.database_url)
    except EditwatchError as exc:
        err.print(f"database error: {exc}", soft_wrap=True, highlight=False, markup=False)
        raise typer.Exit(2) from None


@db_app.command()
def current(
    ctx: typer.Context,
    check: Annotated[
        bool, typer.Option("--check", help="Exit 1 unless the schema is the newest revision.")
    ] = False,
) -> None:
    """Show the database's schema revision and the one this editwatch needs."""
    settings = load(ctx)
    try:
        found = migrate.status_of(_url(settings))
    except EditwatchError as exc:
        err.print(f"database error: {exc}", soft_wrap=True, highlight=False, markup=False)
        raise typer.Exit(2) from None
    out.print(f"{found.describe()}", highlight=False, markup=False)
    if check and found.state != "current":
        raise typer.Exit(1)


@db_app.command()
def upgrade(ctx: typer.Context) -> None:
    """Upgrade the schema to the newest revision, keeping every row (one transaction, locked)."""
    settings = load(ctx)
    try:
        before, after = migrate.upgrade_url(_url(settings))
    except EditwatchError as exc:
        err.print(f"upgrade failed, nothing changed: {exc}", soft_wrap=True, markup=False)
        raise typer.Exit(2) from None
    if before.current == after.current:
        out.print(f"already at revision {after.current}: nothing to do", highlight=False)
    else:
        was = {None: "empty", migrate.LEGACY: "pre-migration (0.x)"}.get(
            before.current, before.current
        )
        out.print(f"upgraded from {was} to revision {after.current}", highlight=False)


@db_app.command()
def stats(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="The report as one JSON object.")] = False,
    top: Annotated[int, typer.Option(help="How many of the largest watches to list.")] = 10,
) -> None:
    """Rows and bytes per table, bytes per version and check, and the largest watches."""
    settings = load(ctx)
    with open_store(settings) as store:
        report = store.storage_stats(top)
    if as_json:
        data = asdict(report) | {
            "bytes_per_version": report.per_version(),
            "bytes_per_check": report.per_row("checks"),
        }
        sys.stdout.write(json.dumps(data) + "\n")
        return
    _print_stats(report)


def _print_stats(report: DbStats) -> None:
    tables = Table(title=f"editwatch database ({report.backend})")
    for column in ("table", "rows", "bytes", "bytes/row"):
        tables.add_column(column, justify="left" if column == "table" else "right")
    for table in report.tables:
        tables.add_row(
            table.name, str(table.rows), human(table.bytes), human(report.per_row(table.name))
        )
    out.print(tables)
    out.print(
        f"raw HTML kept for {report.raw_html_kept} versions, dropped by retention for "
        f"{report.raw_html_dropped}",
        highlight=False,
    )
    watches = Table(title=f"largest {len(report.top_watches)} watches (pages + articles)")
    for column in ("id", "name", "versions", "checks", "payload"):
        watches.add_column(column, overflow="fold")
    for watch in report.top_watches:
        watches.add_row(
            str(watch.watch_id), watch.name, str(watch.versions), str(watch.checks),
            human(watch.payload_bytes),
        )  # fmt: skip
    out.print(watches)


@db_app.command()
def prune(
    ctx: typer.Context,
    apply: Annotated[
        bool, typer.Option("--apply", help="Really drop the pages (default: a dry run).")
    ] = False,
    older_than: Annotated[
        str | None,
        typer.Option(help="Override retention.raw_html for this run, e.g. 30d."),
    ] = None,
) -> None:
    """Drop raw HTML of superseded versions older than retention.raw_html (dry run by default).

    Extracted text, fingerprints and diffs are never dropped; the current version keeps its page.
    """
    settings = load(ctx)
    keep = _retention(settings, older_than)
    if keep == 0:
        out.print("retention.raw_html is 0 (keep forever): nothing to prune")
        return
    with open_store(settings) as store:
        report = store.prune_raw_html(keep, apply=apply)
    verb = "dropped" if apply else "would drop"
    out.print(
        f"{verb} raw HTML of {report.versions} versions last seen before "
        f"{report.cutoff:%Y-%m-%d %H:%M} UTC ({human(report.bytes)} compressed)",
        highlight=False,
    )
    if not apply and report.versions:
        out.print("dry run: add --apply to drop them", highlight=False)


def _retention(settings: Settings, override: str | None) -> float:
    if override is None:
        return settings.retention.raw_html
    try:
        return parse_duration(override)
    except ValueError as exc:
        err.print(f"--older-than: {exc}", markup=False)
        raise typer.Exit(2) from None


@db_app.command()
def revision(
    message: Annotated[str, typer.Option("-m", "--message", help="What the revision changes.")],
    workdir: Annotated[
        Path, typer.Option(help="Scratch directory for the comparison database.")
    ] = Path("."),
) -> None:
    """Developers: draft the next migration from worker/store/schema.py (review it!)."""
    try:
        path = migrate.new_revision(message, workdir.resolve())
    except EditwatchError as exc:
        err.print(f"cannot draft a revision: {exc}", markup=False)
        raise typer.Exit(2) from None
    finally:
        (workdir / "draft-revision.db").unlink(missing_ok=True)
    out.print(f"drafted {path}; review it, run the migration tests, commit it", highlight=False)

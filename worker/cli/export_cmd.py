"""``editwatch export`` and ``editwatch import``: history out as JSON lines, and back in.

    editwatch export -o history.jsonl                  # every watch, version, change, check
    editwatch export --raw-html -o full.jsonl          # ... with the pages as fetched
    editwatch export -w "story a" --since 7d           # one watch, the last week
    editwatch export --format newsedits -o edits.jsonl # sentence pairs for research
    editwatch --data new import history.jsonl          # into an empty database

Registered on the main command by :func:`register` (one line in :mod:`worker.cli`).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Literal, TextIO

import typer
from rich.console import Console

from worker.cli.common import err, load, open_store
from worker.clock import utcnow
from worker.config import parse_duration
from worker.errors import EditwatchError
from worker.store import Store
from worker.store.export import ExportFilter

out = Console(stderr=True)  # stdout may be the export itself
Format = Literal["jsonl", "newsedits"]


def register(cli: typer.Typer) -> None:
    cli.command("export")(export)
    cli.command("import")(import_)


def parse_since(value: str | None) -> datetime | None:
    """``2026-11-01``, an ISO time, or a duration back from now (``7d``, ``12h``)."""
    if value is None:
        return None
    try:
        stamp = datetime.fromisoformat(value)
        return stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)
    except ValueError:
        pass
    try:
        return utcnow() - timedelta(seconds=parse_duration(value))
    except ValueError:
        err.print(f"--since: {value!r} is neither an ISO date/time nor a duration like 7d")
        raise typer.Exit(2) from None


def export(
    ctx: typer.Context,
    watch: Annotated[
        list[str] | None, typer.Option("--watch", "-w", help="Only this watch (name or URL).")
    ] = None,
    since: Annotated[
        str | None, typer.Option(help="Only what happened since: 2026-11-01, or 7d ago.")
    ] = None,
    fmt: Annotated[Format, typer.Option("--format", help="jsonl or newsedits.")] = "jsonl",
    raw_html: Annotated[
        bool, typer.Option("--raw-html", help="Include each version's page (jsonl).")
    ] = False,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here instead of stdout.")
    ] = None,
) -> None:
    """Write every version (fields, hashes, headers, raw HTML optional) and change as JSONL."""
    settings = load(ctx)
    after = parse_since(since)
    with open_store(settings) as store, _sink(output) as sink:
        ids = _watch_ids(store, watch)
        try:
            count = _write(store, sink, fmt, ids, after, raw_html)
        except EditwatchError as exc:
            err.print(f"export failed: {exc}", soft_wrap=True, markup=False)
            raise typer.Exit(2) from None
    out.print(f"exported {count} lines ({fmt})", highlight=False)


def _write(
    store: Store,
    sink: TextIO,
    fmt: Format,
    ids: list[int] | None,
    since: datetime | None,
    raw_html: bool,
) -> int:
    count = 0
    if fmt == "newsedits":
        from worker.pipeline.newsedits import newsedits_rows  # this format only, not every start

        for row in newsedits_rows(store, ids, since):
            sink.write(json.dumps(row, ensure_ascii=False) + "\n")
            count += 1
        return count
    for line in store.export_lines(ExportFilter(ids, since, raw_html)):
        sink.write(line + "\n")
        count += 1
    return count


def _watch_ids(store: Store, keys: list[str] | None) -> list[int] | None:
    if not keys:
        return None
    ids = []
    for key in keys:
        record = store.get_watch_by_url_or_name(key)
        if record is None:
            err.print(f"no stored watch named {key!r} (give its name or URL)", markup=False)
            raise typer.Exit(2)
        ids.append(record.id)
    return ids


@contextmanager
def _sink(path: Path | None) -> Iterator[TextIO]:
    if path is None:
        yield sys.stdout
        return
    with path.open("w", encoding="utf-8") as handle:
        yield handle


def import_(
    ctx: typer.Context,
    source: Annotated[
        Path, typer.Argument(help="A file written by `editwatch export` (- = stdin).")
    ],
) -> None:
    """Read an `editwatch export` (jsonl) into an empty database, all or nothing."""
    settings = load(ctx)
    with open_store(settings) as store:
        try:
            if str(source) == "-":
                counts = store.import_lines(sys.stdin, "<stdin>")
            else:
                with source.open(encoding="utf-8") as handle:
                    counts = store.import_lines(handle, str(source))
        except (EditwatchError, OSError) as exc:
            err.print(f"import failed, nothing imported: {exc}", soft_wrap=True, markup=False)
            raise typer.Exit(2) from None
    out.print(
        f"imported {counts.watch} watches, {counts.version} versions, {counts.change} changes, "
        f"{counts.check} checks",
        highlight=False,
    )

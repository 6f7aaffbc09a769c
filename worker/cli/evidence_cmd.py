"""``editwatch verify`` and ``editwatch warc``: prove what was stored, hand it to archivists.

``verify`` re-hashes every stored page and article and walks each watch's hash chain; any
version that does not add up is named and the command exits 1. ``warc`` writes the stored
captures (request, response and evidence records) to a gzipped WARC file that replay tools
(pywb, ReplayWeb.page) open.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from worker.cli.common import err, load, open_store
from worker.store import EvidenceRecord, Store

out = Console(highlight=False)
WatchArgument = Annotated[
    str | None, typer.Argument(help="Only this watch (name or URL). [default: every watch]")
]


def verify(ctx: typer.Context, watch: WatchArgument = None) -> None:
    """Check every version's hashes and each watch's hash chain; name any tampered version."""
    settings = load(ctx)
    with open_store(settings) as store:
        watch_id = _watch_id(store, watch)
        records, problems = store.verify_evidence(watch_id)
        names = {w.id: w.name for w in store.list_watches()}
    for problem in problems:
        name = names.get(problem.watch_id, f"watch {problem.watch_id}")
        err.print(f"TAMPERED {name} version {problem.number}: {problem.message}", markup=False)
    if problems:
        raise typer.Exit(1)
    _print_heads(records, names)


def _print_heads(records: list[EvidenceRecord], names: dict[int, str]) -> None:
    """OK, and the head of each chain: publish it and nobody can rewrite the history silently."""
    heads: dict[int, EvidenceRecord] = {r.watch_id: r for r in records}
    out.print(f"OK: {len(records)} versions of {len(heads)} watches verified", markup=False)
    for watch_id, head in heads.items():
        label = names.get(watch_id, str(watch_id))
        out.print(f"  {label} v{head.number} head {head.record_hash}", markup=False)


def warc(
    ctx: typer.Context,
    watch: WatchArgument = None,
    output: Annotated[
        Path, typer.Option("--output", "-o", help="WARC file to write ('-' for stdout).")
    ] = Path("editwatch.warc.gz"),
) -> None:
    """Write the stored captures as a gzipped WARC file (request + response + evidence)."""
    from worker.store.warc import write_warc  # warcio: for this command only, not every start

    settings = load(ctx)
    with open_store(settings) as store:
        captures = store.captures(_watch_id(store, watch))
        if str(output) == "-":
            written = write_warc(sys.stdout.buffer, captures)
        else:
            try:
                with output.open("wb") as handle:
                    written = write_warc(handle, captures)
            except OSError as exc:
                err.print(f"cannot write {output}: {exc.strerror}", markup=False)
                raise typer.Exit(1) from None
    err.print(f"wrote {written} captures to {output}", markup=False, highlight=False)


def _watch_id(store: Store, key: str | None) -> int | None:
    if key is None:
        return None
    record = store.get_watch_by_url_or_name(key)
    if record is None:
        err.print(f"no stored watch named {key!r}; `editwatch watches` lists them", markup=False)
        raise typer.Exit(2)
    return record.id


__all__ = ["verify", "warc"]

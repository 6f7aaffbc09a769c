"""``editwatch card CHANGE_ID -o card.png``: the diff card of one recorded change.

The card is drawn from the change document stored with the change (what was detected at the
time), by the pure :func:`worker.cards.render_card`; this module only finds the change and
writes the file. Change ids are listed by ``editwatch history WATCH`` (``change_id`` in
``--json``) and carried by every alert payload.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from worker.cli.common import err, load, open_store
from worker.errors import CardError
from worker.store import ChangeRecord, Store

if TYPE_CHECKING:
    from worker.cards import CardMeta


def card(
    ctx: typer.Context,
    change_id: Annotated[int, typer.Argument(help="Change id, from `editwatch history WATCH`.")],
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", help="PNG file to write; '-' for stdout. [default: card-ID.png]"
        ),
    ] = None,
) -> None:
    """Draw the diff card (a PNG) of one change: headline before/after or the edited sentence."""
    settings = load(ctx)
    store = open_store(settings)
    try:
        png = card_png(store, change_id)
    finally:
        store.close()
    target = output or Path(f"card-{change_id}.png")
    if str(target) == "-":
        sys.stdout.buffer.write(png)
        return
    try:
        target.write_bytes(png)
    except OSError as exc:
        err.print(f"cannot write {target}: {exc.strerror}", markup=False, highlight=False)
        raise typer.Exit(1) from None
    err.print(f"wrote {target} ({len(png)} bytes)", markup=False, highlight=False)


def card_png(store: Store, change_id: int) -> bytes:
    """The PNG of a stored change, or exit with a message a user can act on.

    The drawing stack (Pillow, fontTools) is imported here, on use: every ``editwatch``
    command imports this module, and ``editwatch check`` pays its imports at each start.
    """
    from worker.cards import change_from_document, render_card

    record = store.change(change_id)
    watch = store.get_watch(record.watch_id) if record else None
    if record is None or watch is None:
        err.print(f"no change with id {change_id}; `editwatch history WATCH` lists change ids")
        raise typer.Exit(2)
    try:
        return render_card(change_from_document(record.diff), _meta(record, watch.url))
    except ValueError as exc:
        err.print(f"change {change_id} has no readable diff stored: {exc}", markup=False)
        raise typer.Exit(1) from None
    except CardError as exc:
        err.print(str(exc), markup=False, highlight=False)
        raise typer.Exit(1) from None


def _meta(record: ChangeRecord, url: str) -> CardMeta:
    from worker.cards import meta_from_document

    return meta_from_document(
        record.diff,
        url=url,
        detected_at=record.detected_at,
        old_version=record.old_version,
        new_version=record.new_version,
    )

"""``editwatch extract URL_OR_FILE``: what editwatch reads from a page, and what it ignores.

Why: an alert is only as honest as the extraction and the canonical form behind it. This prints
the article exactly as it is compared (the canonical form: the paragraph numbers are the ones
alerts use) and, with ``--noise``, every line or fragment the canonical form dropped and the
rule that dropped it, like urlwatch's ``--test-filter``. Page text is printed as plain text:
never interpreted as markup, control characters removed.
"""

from __future__ import annotations

import asyncio
import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.text import Text

from worker.cli.common import err, load
from worker.config import Settings
from worker.errors import FetchError
from worker.extract import extract_article
from worker.fetch import HTML_CONTENT_TYPES, decode_html, fetch, make_client
from worker.models import Article, Validators
from worker.normalize import NoiseDrop, explain_noise, normalize_article
from worker.render import render_article_view
from worker.textutil import strip_controls

out = Console(highlight=False)


class WatchModeChoice(StrEnum):
    """``--mode``: the values of a watch's ``mode`` setting."""

    auto = "auto"
    article = "article"
    page = "page"


SCALAR_LABELS = (
    ("headline", "headline"),
    ("subheadline", "subheadline"),
    ("byline", "byline"),
    ("published", "published"),
    ("modified", "modified"),
    ("canonical_url", "canonical url"),
    ("language", "language"),
)


def extract_command(
    ctx: typer.Context,
    source: Annotated[str, typer.Argument(help="An http(s) URL to fetch, or a saved HTML file.")],
    noise: Annotated[
        bool,
        typer.Option("--noise", help="Also list what was dropped as noise, and why."),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="The canonical article as JSON.")] = False,
    mode: Annotated[
        WatchModeChoice,
        typer.Option("--mode", help="Read the page as an article, as a page, or decide (auto)."),
    ] = WatchModeChoice.auto,
) -> None:
    """Print what editwatch extracts from a page: headline, byline, dates, numbered paragraphs,
    captions (or, for a page that is not an article, what page mode watches: text blocks,
    headings, images, links and embeds), in the canonical form that fingerprints and diffs use."""
    settings = load(ctx)
    html, url = _read_source(source, settings)
    profile = settings.profile_for(url) if url else None
    raw = extract_article(html, url, profile, mode.value)
    article, drops = normalize_article(raw), explain_noise(raw)
    if as_json:
        data: dict[str, Any] = {"article": article.to_dict()}
        if noise:
            data["noise"] = [_drop_json(d) for d in drops]
        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
        return
    _print_article(article)
    if article.mode == "page" or article.images or article.links or article.embeds:
        out.print(Text("what is watched (images, links, embeds):", style="bold"))
        out.print(Text(render_article_view(article)))
    if noise:
        _print_noise(drops)


def _read_source(source: str, settings: Settings) -> tuple[str, str | None]:
    """The page's decoded text and URL: fetched for an http(s) URL, read for a file (decoded
    by the fetch stage's one charset sniffer: BOM, then ``<meta>``, else UTF-8)."""
    if source.startswith(("http://", "https://")):
        return asyncio.run(_fetch(source, settings)), source
    path = Path(source)
    try:
        return decode_html(path.read_bytes())[1], None
    except OSError as exc:
        message = f"{source}: cannot read the file ({exc.strerror}); give a URL or an HTML file"
        err.print(message, soft_wrap=True, markup=False, highlight=False)
        raise typer.Exit(2) from None


async def _fetch(url: str, settings: Settings) -> str:
    async with make_client(settings.fetch) as client:
        try:
            page = await fetch(client, url, Validators(), settings.fetch, accept=HTML_CONTENT_TYPES)
        except FetchError as exc:
            err.print(f"{url}: {exc}", soft_wrap=True, markup=False, highlight=False)
            raise typer.Exit(1) from None
    return page.text


def _plain(text: str) -> Text:
    """Page text as a rich Text: no markup, no control characters."""
    return Text(strip_controls(text))


def _print_article(article: Article) -> None:
    for attr, label in SCALAR_LABELS:
        value = getattr(article, attr)
        if value:
            out.print(Text.assemble((f"{label}: ", "bold"), _plain(value)))
    for label, items in (("paragraphs", article.paragraphs), ("captions", article.captions)):
        out.print(Text(f"{label} ({len(items)}):", style="bold"))
        for number, item in enumerate(items, 1):
            out.print(Text.assemble(f"{number:>4}. ", _plain(item)))


def _print_noise(drops: tuple[NoiseDrop, ...]) -> None:
    out.print(Text(f"dropped as noise ({len(drops)}):", style="bold"))
    for drop in drops:
        where = drop.field if drop.index is None else f"{drop.field} {drop.index + 1} (raw)"
        out.print(Text.assemble(f"  {drop.rule:<14} {where}: ", _plain(repr(drop.text))))


def _drop_json(drop: NoiseDrop) -> dict[str, Any]:
    return {"field": drop.field, "index": drop.index, "text": drop.text, "rule": drop.rule}

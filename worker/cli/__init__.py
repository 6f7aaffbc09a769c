"""The ``editwatch`` command: run the worker, check once, validate config, read history and diffs.

Every subcommand loads and validates the configuration first, so a mistake in YAML is reported
as ``file: path: problem`` and exit code 2 before anything runs. ``check`` runs the very same
pipeline functions the Celery tasks run, without Celery, so cron users need no worker.
"""

from __future__ import annotations

import asyncio
import errno
import json
import math
import sys
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import redis
import typer
from rich.progress import Progress
from rich.table import Table

from worker import __version__, pipeline
from worker.cli import card_cmd, evidence_cmd, export_cmd, web_cmd
from worker.cli.alerts import alerts_app
from worker.cli.checks_view import print_checks
from worker.cli.common import (
    Options,
    build_all_channels,
    count,
    load,
    open_store,
    out,
    plain,
    say,
    shown_time,
)
from worker.cli.db_cmd import db_app
from worker.cli.extract_cmd import extract_command
from worker.cli.status_cmd import status
from worker.cli.validate_cmd import validate
from worker.config import Settings
from worker.embedded import (
    SOCKET_NAME,
    AlreadyRunningError,
    Supervisor,
    child_env,
    embedded_redis,
    run_lock,
    run_worker,
    state_redis,
)
from worker.fetch import Client, make_client
from worker.fetch.hostlimits import shared_politeness
from worker.models import CheckResult, Version, Watch
from worker.normalize import normalize_article
from worker.pipeline import delivery, health, reread
from worker.pipeline.history import change_between
from worker.render import render_html, render_json, render_markdown, render_text, same_json
from worker.schedule.duequeue import DueQueue
from worker.store import Store, WatchRecord

__all__ = ["cli", "main"]

cli = typer.Typer(
    name="editwatch",
    help="Watch news articles and get an alert the moment one is edited.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # click's own help layout: typer's rich layout labels every flag `<bool>` (typer 0.29)
    rich_markup_mode=None,
)
cli.add_typer(alerts_app, name="alerts")
cli.command("extract")(extract_command)
cli.command("card")(card_cmd.card)
cli.command("verify")(evidence_cmd.verify)
cli.command("warc")(evidence_cmd.warc)
cli.command("web")(web_cmd.web)
cli.add_typer(db_app, name="db")
export_cmd.register(cli)


def _version(value: bool) -> None:
    if value:
        out.print(f"editwatch {__version__}")
        raise typer.Exit()


@cli.callback()
def main_options(
    ctx: typer.Context,
    config: Annotated[
        Path,
        typer.Option(
            "--config",
            envvar="EDITWATCH_CONFIG_DIR",
            help="Directory holding editwatch.yaml and watches.yaml (or EDITWATCH_CONFIG_DIR).",
        ),
    ] = Path("config"),
    data: Annotated[
        Path | None,
        typer.Option("--data", help="Data directory (database, alerts). [default: ./data]"),
    ] = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show version.")
    ] = False,
) -> None:
    """Watch news articles and get an alert the moment one is edited."""
    ctx.obj = Options(config, data)


@cli.command()
def run(
    ctx: typer.Context,
    concurrency: Annotated[int, typer.Option(help="Worker processes.")] = 2,
) -> None:
    """Start worker and scheduler on this machine (embedded Redis unless REDIS_URL is set).

    Ctrl-C, SIGTERM and closing the terminal (SIGHUP) stop the worker, then Redis, and exit 0.
    One `run` per data directory: a second one refuses (the pid is in <data>/editwatch.pid).
    """
    settings = load(ctx)
    build_all_channels(settings)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    open_store(settings).close()  # an out-of-date schema stops here, naming `db upgrade`
    try:
        with run_lock(settings.data_dir), Supervisor() as supervisor:
            raise typer.Exit(_run_supervised(settings, concurrency, supervisor))
    except AlreadyRunningError as exc:
        say(str(exc), stderr=True)
        raise typer.Exit(2) from None


def _run_supervised(settings: Settings, concurrency: int, supervisor: Supervisor) -> int:
    level = settings.log.level
    if settings.broker_url:
        env = child_env(settings.config_dir, settings.data_dir, settings.broker_url)
        return run_worker(env, concurrency, supervisor=supervisor, level=level)
    with embedded_redis(settings.data_dir, supervisor) as url:
        env = child_env(settings.config_dir, settings.data_dir, url)
        return run_worker(env, concurrency, supervisor=supervisor, level=level)


@cli.command()
def check(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per watch.")] = False,
    notify: Annotated[bool, typer.Option("--notify/--no-notify", help="Deliver alerts.")] = True,
    watch: Annotated[
        list[str] | None,
        typer.Option("--watch", "-w", metavar="NAME", help="Only this watch (name or URL)."),
    ] = None,
) -> None:
    """Check every watch once, now, without Celery; deliver the alerts this run queued.

    Politeness is the workers': the per-host gap, Retry-After pauses, the circuit breaker and
    robots.txt (cached up to 24 h) live in Redis, or in the data dir when there is none.
    Exit codes: 0 every watch checked; 1 a watch errored or was deferred, or an alert is dead;
    2 usage or configuration error.
    """
    settings = load(ctx)
    channels = build_all_channels(settings) if notify else {}
    store = open_store(settings, ctx)
    watches = _select(settings, watch)
    registered = pipeline.register_watches(store, watches)  # once: every later look-up reads
    with state_redis(settings.broker_url, settings.data_dir, _warn) as state:
        results = _run_checks(
            watches, registered, settings, store, state, out.is_terminal and not as_json
        )
    checked = [(t.id, t.watch.url) for t in pipeline.targets_for(store, watches, registered)]
    health.after_check_round(store, settings, checked)
    if notify:
        routing = delivery.Routing.from_settings(settings)
        pipeline.release_debounced(store, settings)
        for notification_id in [i for r in results for i in r.notifications]:
            delivery.deliver(store, channels, notification_id, settings.notify, routing)
        delivery.deliver_pending(store, channels, settings.notify, routing)
    dead = len(store.notifications("dead"))
    store.close()
    if as_json:
        for result in results:
            sys.stdout.write(json.dumps(result.to_json()) + "\n")
    else:
        _print_results(results)
    raise typer.Exit(check_exit_code(results, dead))


NOT_CHECKED = frozenset({"error", "deferred"})


def check_exit_code(results: Sequence[CheckResult], dead_alerts: int) -> int:
    """0 when every watch was checked and no alert is dead, else 1 (with the reason said)."""
    failed = [r for r in results if r.outcome in NOT_CHECKED]
    if failed:
        say(
            f"{count(len(failed), 'watch')} of {len(results)} not checked (error or deferred)",
            stderr=True,
        )
    if dead_alerts:
        say(f"{count(dead_alerts, 'dead alert')}: see `editwatch alerts --failed`", stderr=True)
    return 1 if failed or dead_alerts else 0


def _warn(message: str) -> None:
    say(f"warning: {message}", stderr=True)


def _select(settings: Settings, keys: Sequence[str] | None) -> tuple[Any, ...]:
    if not keys:
        return settings.watches
    chosen = []
    for key in keys:
        watch = settings.watch_named(key)
        if watch is None:
            say(f"no watch named {key!r} in {settings.config_dir}/watches.yaml", stderr=True)
            raise typer.Exit(2)
        chosen.append(watch)
    return tuple(chosen)


def _run_checks(
    watches: Sequence[Watch],
    registered: Mapping[str, int],
    settings: Settings,
    store: Store,
    state: redis.Redis | None,
    show_progress: bool,
) -> list[CheckResult]:
    """Feeds first (they may discover new article watches), then every article watch."""

    async def go(progress: Progress | None) -> list[CheckResult]:
        async with make_client(settings.fetch) as client:
            context = _check_context(settings, store, client, state)
            targets = pipeline.targets_for(store, watches, registered)
            feeds = [t for t in targets if t.watch.is_source]
            results = await _checks(feeds, context, progress, "Reading feeds")
            if feeds:  # what they discovered, and merges their checks made
                targets = pipeline.targets_for(store, watches, registered)
            articles = [t for t in targets if not t.watch.is_source]
            return results + await _checks(articles, context, progress, "Checking articles")

    if not show_progress:
        return asyncio.run(go(None))
    with Progress(console=out, transient=True) as progress:
        return asyncio.run(go(progress))


def _check_context(
    settings: Settings, store: Store, client: Client, state: redis.Redis | None
) -> pipeline.Context:
    """The workers' politeness on ``state``; a check waits in line for its host's gap."""
    if state is None:
        gate = pipeline.LocalGate(settings.politeness.max_in_flight)
        return pipeline.Context(settings, store, client, gate=gate, max_wait=math.inf)
    robots, limiter = shared_politeness(state, settings)
    return pipeline.Context(settings, store, client, robots=robots, gate=limiter, max_wait=math.inf)


async def _checks(
    targets: list[pipeline.Target],
    context: pipeline.Context,
    progress: Progress | None,
    label: str,
) -> list[CheckResult]:
    if not targets:
        return []
    if progress is None:
        return await pipeline.check_many(targets, context)
    task = progress.add_task(label, total=len(targets))
    return await pipeline.check_many(targets, context, on_done=lambda _: progress.advance(task))


def _print_results(results: Sequence[CheckResult]) -> None:
    table = Table(title=f"editwatch check: {count(len(results), 'watch')}")
    for column in ("watch", "outcome", "kinds", "version", "error"):
        table.add_column(column, overflow="fold")
    colors = {"changed": "bold yellow", "new": "green", "error": "red", "deferred": "yellow"}
    for r in results:
        outcome = plain(r.outcome)
        outcome.stylize(colors.get(r.outcome, ""))
        version = str(r.version or "")
        table.add_row(plain(r.watch), outcome, plain(", ".join(r.kinds)), version, plain(r.error))
    out.print(table)


@cli.command()
def watches(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per watch.")] = False,
) -> None:
    """List watches (feed-discovered ones too) with next due time and last outcome."""
    settings = load(ctx)
    store = open_store(settings, ctx)
    targets = pipeline.targets_for(store, settings.watches)
    records = {r.id: r for r in store.list_watches()}
    due = _due_times(settings, [t.id for t in targets])
    rows = [_watch_row(t, records.get(t.id), due.get(t.id)) for t in targets]
    if as_json:
        for row in rows:
            sys.stdout.write(json.dumps(row) + "\n")
        return
    table = Table(title=count(len(rows), "watch"))
    for column in ("name", "type", "next due", "last check", "outcome", "versions", "error"):
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(
            plain(row["name"]), row["type"], shown_time(row["next_due"]),
            shown_time(row["last_checked_at"]) or "never", plain(row["last_outcome"]),
            str(row["versions"]), plain(row["last_error"]),
        )  # fmt: skip
    out.print(table)


def _watch_row(
    target: pipeline.Target, record: WatchRecord | None, due: float | None
) -> dict[str, Any]:
    """One line of ``editwatch watches --json``."""
    checked = record.last_checked_at if record else None
    return {
        "name": target.watch.name,
        "url": target.watch.url,
        "type": target.watch.kind,
        "source": target.watch.source,
        "next_due": _iso(due),
        "last_outcome": record.last_outcome if record else None,
        "last_checked_at": checked.isoformat() if checked else None,
        "last_error": record.last_error if record else None,
        "versions": record.version_count if record else 0,
        "canonical_url": record.canonical_url if record else None,  # where the article is now
    }


def _iso(epoch: float | None) -> str | None:
    if epoch is None or epoch == float("inf"):
        return None
    return datetime.fromtimestamp(epoch, UTC).isoformat()


def _due_times(settings: Settings, ids: list[int]) -> dict[int, float]:
    """Next due times from the shared due-queue: the configured Redis, or the embedded one of
    an `editwatch run` on this data dir (nothing when neither answers)."""
    if settings.broker_url:
        client = redis.Redis.from_url(settings.broker_url, socket_connect_timeout=1)
    else:
        socket = settings.data_dir / SOCKET_NAME
        client = redis.Redis(unix_socket_path=str(socket), socket_connect_timeout=1)
    try:
        queue = DueQueue(client, key=f"{settings.redis_prefix}:due")
        return {i: due for i in ids if (due := queue.due_at(i)) is not None}
    except (redis.RedisError, OSError):
        return {}


def _watch_id(store: Store, settings: Settings, key: str) -> int:
    configured = settings.watch_named(key)
    record = store.get_watch_by_url_or_name(configured.url if configured else key)
    if record is None:
        say(
            f"no stored watch named {key!r}; run `editwatch check` first or check the name",
            stderr=True,
        )
        raise typer.Exit(2)
    if record.merged_into is not None:  # the same article, followed by an older watch
        say(f"{key!r} was merged into watch {record.merged_into} (the same article)", stderr=True)
        return record.merged_into
    return record.id


@cli.command()
def history(
    ctx: typer.Context,
    watch: Annotated[str, typer.Argument(metavar="WATCH", help="Watch name or URL.")],
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per state.")] = False,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Also every check, and why it was unchanged.")
    ] = False,
) -> None:
    """Every state of one article in order: version, time, kinds, significance, silent flag.

    A return to an older state shows that older version number again.
    """
    settings = load(ctx)
    store = open_store(settings, ctx)
    watch_id = _watch_id(store, settings, watch)
    rows = _history_rows(store, watch_id)
    if as_json:
        for row in rows:
            sys.stdout.write(json.dumps(row) + "\n")
        return
    table = Table(title=plain(f"history of {watch}"))
    for column in ("version", "from", "change", "seen", "headline", "kinds", "significance"):
        table.add_column(column, overflow="fold")
    for row in rows:
        significance = (row["significance"] or "") + (" silent" if row["silent"] else "")
        kinds = _kinds_shown(row)
        table.add_row(
            str(row["version"]), str(row["from_version"] or ""), str(row["change_id"] or ""),
            shown_time(row["seen"]),
            plain(row["headline"]), plain(kinds), plain(significance),
        )  # fmt: skip
    out.print(table)
    addresses = list(dict.fromkeys(str(row["url"]) for row in rows if row["url"]))
    if len(addresses) > 1:  # the article moved (kind `url`): where it has lived, in order
        out.print(plain("addresses: " + " -> ".join(addresses)))
    if verbose:
        print_checks(out, store, watch_id, watch)


def _kinds_shown(row: dict[str, Any]) -> str:
    """The history table's kinds cell: the change's kinds, or what a state without one is."""
    if row["reread_of"] is not None:
        return "(extractor re-read, not an edit)"
    return ", ".join(row["kinds"]) if row["from_version"] else "(first version)"


def _history_rows(store: Store, watch_id: int) -> list[dict[str, Any]]:
    """The first version, then one row per recorded change and per extractor re-read (a
    state that is an older one's page read by a newer release: no change), oldest first."""
    versions = {v.number: v for v in store.versions(watch_id)}
    if not versions:
        return []
    first = versions[min(versions)]
    rows: list[dict[str, Any]] = [
        {"version": first.number, "from_version": None, "change_id": None,
         "seen": first.first_seen.isoformat(),
         "headline": first.article.headline, "url": first.article.canonical_url,
         "kinds": [], "significance": None, "silent": False, "reread_of": None}
    ]  # fmt: skip
    rows.extend(_reread_row(v) for v in versions.values() if v.reread_of is not None)
    for change in store.changes(watch_id):
        version = versions.get(change.new_version)
        rows.append(
            {
                "version": change.new_version,
                "from_version": change.old_version,
                "change_id": change.id,
                "seen": change.detected_at.isoformat(),
                "headline": version.article.headline if version else "",
                "url": version.article.canonical_url if version else "",
                "kinds": list(change.kinds),
                "significance": change.significance,
                "silent": change.silent,
                "reread_of": None,
            }
        )
    return sorted(rows, key=lambda row: str(row["seen"]))  # stable: the first row stays first


def _reread_row(version: Version) -> dict[str, Any]:
    """A history row for an extractor re-read: from the version it re-read, with no change."""
    return {
        "version": version.number, "from_version": version.reread_of, "change_id": None,
        "seen": version.first_seen.isoformat(),
        "headline": version.article.headline, "url": version.article.canonical_url,
        "kinds": [], "significance": None, "silent": False, "reread_of": version.reread_of,
    }  # fmt: skip


class DiffFormat(StrEnum):
    """What ``editwatch diff --format`` can print (anything else is refused, not ignored)."""

    text = "text"
    markdown = "markdown"
    html = "html"
    json = "json"


def _pick_versions(
    store: Store, watch_id: int, old: int | None, new: int | None
) -> tuple[Version, Version]:
    versions = {v.number: v for v in store.versions(watch_id)}
    if len(versions) < 2 and not (old and new):
        say("only one version stored so far: nothing to compare yet", stderr=True)
        raise typer.Exit(1)
    new = new or max(versions)
    old = old or max((n for n in versions if n < new), default=new)
    missing = [n for n in (old, new) if n not in versions]
    if missing:
        say(f"no version {missing[0]}; stored versions: {sorted(versions)}", stderr=True)
        raise typer.Exit(2)
    return versions[old], versions[new]


@cli.command("diff")
def diff_command(
    ctx: typer.Context,
    watch: Annotated[str, typer.Argument(metavar="WATCH", help="Watch name or URL.")],
    old: Annotated[int | None, typer.Option("--from", help="Old version number.")] = None,
    new: Annotated[int | None, typer.Option("--to", help="New version number.")] = None,
    fmt: Annotated[DiffFormat, typer.Option("--format", help="Output format.")] = DiffFormat.text,
) -> None:
    """Show what changed between two versions (default: the last two)."""
    settings = load(ctx)
    store = open_store(settings, ctx)
    watch_id = _watch_id(store, settings, watch)
    before, after = _pick_versions(store, watch_id, old, new)
    meta = {"watch": watch, "old_version": before.number, "new_version": after.number}
    if after.reread_of == before.number:  # one page, two readings: no edit to show
        _print_same(
            fmt, meta, reread.describe(after.number, before.number, after.extractor_version)
        )
        return
    change = change_between(store, watch_id, before, after)
    if change is None:
        _print_same(fmt, meta, None)
        return
    # recomputed from the stored readings, so across two extractors it says so, recorded or not
    change = reread.extractor_noted(change, before, after)
    before, after = _canonical(before), _canonical(after)
    if fmt == "json":
        rendered = render_json(change, old=before.article, new=after.article, meta=meta)
        sys.stdout.write(json.dumps(rendered, indent=2) + "\n")
    elif fmt in ("markdown", "html"):
        renderer = render_markdown if fmt == "markdown" else render_html
        sys.stdout.write(renderer(change, old=before.article, new=after.article) + "\n")
    else:
        text = render_text(change, old=before.article, new=after.article, color=out.is_terminal)
        sys.stdout.write(text + "\n")


def _print_same(fmt: DiffFormat, meta: dict[str, Any], reread_note: str | None) -> None:
    """Two versions that read the same (``reread_note``: one page read again), as the API's
    JSON for ``--format json``, else one line of plain text."""
    if fmt == "json":
        sys.stdout.write(json.dumps(same_json(meta, reread_note), indent=2) + "\n")
        return
    old, new = meta["old_version"], meta["new_version"]
    say(reread_note or f"versions {old} and {new} read the same")


def _canonical(version: Version) -> Version:
    """The version with its article in the canonical form, as alerts show it."""
    return replace(version, stored=normalize_article(version.article))


@cli.command()
def demo(
    ctx: typer.Context,
    port: Annotated[int, typer.Option(help="Port of the local demo news site.")] = 8088,
) -> None:
    """Serve the seed articles locally, watch them, switch to the second capture, show the alert."""
    from worker.demo.runner import run_demo

    options: Options = ctx.obj
    # Always a subdirectory: the demo starts from an empty database and must never touch the
    # versions a real `--data` directory holds.
    try:
        code = run_demo((options.data_dir or Path("data")) / "demo", port)
    except OSError as exc:
        if exc.errno != errno.EADDRINUSE:
            raise
        say(f"port {port} is in use: give another with `editwatch demo --port N`", stderr=True)
        raise typer.Exit(2) from None
    raise typer.Exit(code)


cli.command()(validate)
cli.command()(status)


def main() -> None:
    """Console-script entry point."""
    cli()

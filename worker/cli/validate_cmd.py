"""``editwatch validate``: every problem of both config files and the environment, at once.

Why one pass: fixing one error only to meet the next on the following run is how a typo in a
cron job's config costs an evening. Errors (each with file, path and the fix) exit 2; warnings
(watches on addresses the network guard will refuse) go to stderr and exit 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from pathlib import Path

import typer

from worker.cli.common import count, err, options_of, out, say
from worker.config import WATCHES_FILE, ConfigReport, Settings, inspect_config
from worker.errors import BlockedTargetError, ConfigError, FetchError
from worker.extract import selector_problem
from worker.models import Watch
from worker.netguard import check_url_sync
from worker.notify import build_channel
from worker.pipeline.delivery import channel_context

LOOKUP_BUDGET = 5.0  # seconds for all DNS lookups of the private-address warning


def validate(ctx: typer.Context) -> None:
    """Check config/*.yaml and the environment; report every problem at once (exit 2)."""
    config_dir, data_dir = options_of(ctx)
    report = inspect_config(
        config_dir, data_dir, selector_check=selector_problem, check_secrets=True
    )
    if report.settings is not None:
        report.errors += _channel_errors(report.settings)
        report.warnings += private_target_warnings(report.settings)
    for warning in report.warnings:
        say(f"warning: {warning}", stderr=True)
    if report.errors:
        _print_errors(report)
        raise typer.Exit(2)
    assert report.settings is not None
    settings = report.settings
    out.print(
        f"[green]configuration OK[/]: {count(len(settings.watches), 'watch')}, "
        f"{count(len(settings.channels), 'channel')}, "
        f"{count(len(settings.sites), 'site profile')} ({settings.config_dir})",
        highlight=False,
    )


def _print_errors(report: ConfigReport) -> None:
    err.print(f"[bold red]configuration error[/] ({count(len(report.errors), 'problem')})")
    for error in report.errors:
        say(error, stderr=True)


def _channel_errors(settings: Settings) -> list[str]:
    """Each channel's own options (a webhook URL, an SMTP port), every channel checked."""
    problems = []
    context = channel_context(settings)
    for name, channel in settings.channels.items():
        try:
            build_channel(name, channel, context)
        except ConfigError as exc:
            problems += [
                f"{settings.config_dir / 'editwatch.yaml'}: {line}"
                for line in str(exc).splitlines()
            ]
    return problems


def private_target_warnings(settings: Settings) -> list[str]:
    """Watches whose host is (or resolves to) a private address, while those are refused."""
    if settings.fetch.allow_private_networks:
        return []
    path = Path(settings.config_dir) / WATCHES_FILE
    watches: Sequence[Watch] = settings.watches
    with ThreadPoolExecutor(max_workers=8) as pool:
        futures = {i: pool.submit(_refusal, w.url) for i, w in enumerate(watches)}
        wait(futures.values(), timeout=LOOKUP_BUDGET)
    return [
        f"{path}: watches[{i}].url: {reason}; checks of it will fail"
        for i, future in futures.items()
        if future.done() and (reason := future.result())
    ]


def _refusal(url: str) -> str | None:
    """The guard's refusal of ``url``, or ``None`` (public, or it does not resolve now)."""
    try:
        check_url_sync(url, allow_private=False)
    except BlockedTargetError as exc:
        return str(exc)
    except FetchError:
        return None
    return None

"""Small things a user notices in the `editwatch` command: help, choices, ports, wording."""

from __future__ import annotations

import socket
from pathlib import Path

from typer.testing import CliRunner

from worker.cli import cli
from worker.cli.common import count, shown_time


def test_help_never_labels_flags_with_a_bool_metavar() -> None:
    """`--help` of every command lists flags without a `<bool>` (or `<list[str]>`) label."""
    for command in ([], ["check"], ["run"], ["alerts"], ["alerts", "retry"], ["status"]):
        result = CliRunner().invoke(cli, [*command, "--help"])
        assert result.exit_code == 0, result.output
        assert "<bool>" not in result.output and "list[str]" not in result.output


def test_diff_format_is_a_choice(tmp_path: Path) -> None:
    """`diff --format pdf` is refused as a usage error instead of silently printing text."""
    result = CliRunner().invoke(
        cli, ["--config", str(tmp_path), "diff", "story", "--format", "pdf"]
    )
    assert result.exit_code == 2 and "pdf" in result.output


def test_demo_on_a_busy_port_says_so_in_one_line(tmp_path: Path) -> None:
    """A port already in use gives one clear line and exit 2, not a traceback."""
    with socket.create_server(("127.0.0.1", 0)) as busy:
        port = busy.getsockname()[1]
        result = CliRunner().invoke(cli, ["--data", str(tmp_path), "demo", "--port", str(port)])
    assert result.exit_code == 2
    assert f"port {port} is in use" in result.stderr and "Traceback" not in result.output


def test_counts_and_times_read_the_same_everywhere() -> None:
    """ "1 watch" / "2 watches", and one UTC time format for every table."""
    assert (count(1, "watch"), count(2, "watch"), count(0, "alert")) == (
        "1 watch", "2 watches", "0 alerts"
    )  # fmt: skip
    assert shown_time("2026-12-01T10:03:09.123456+01:00") == "2026-12-01 09:03:09"


def test_piped_tables_do_not_wrap_long_names(tmp_path: Path) -> None:
    """Off a terminal, a 150-character watch name stays on one line of `check` output."""
    from tests.configs import write_config

    name = "n" * 150
    config = write_config(tmp_path / "config", [{"url": "http://127.0.0.1:9/x", "name": name}])
    result = CliRunner().invoke(
        cli, ["--config", str(config), "--data", str(tmp_path / "data"), "check", "--no-notify"]
    )
    assert any(name in line for line in result.stdout.splitlines()), result.stdout

"""`editwatch validate` finds every problem of both files at once, each with file, path, fix."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner, Result

from worker.cli import cli

BAD_SETTINGS = {
    "database_url": "postgres://u:p@db/editwatch",
    "fetch": {"deadline": "0s", "max_bytes": 0},
    "schedule": {"tick": "0s"},
    "notify": {"timeout": "0s"},
    "channels": {
        "slack": {"type": "slack", "url_env": "EW_TEST_UNSET_SLACK_URL"},
        "hook": {"type": "webhook", "url": "https://user:hunter2@hooks.example/x"},
    },
    "defaults": {"channels": ["slack"]},
}
BAD_WATCHES = {
    "watches": [
        {"url": "https://news.example/a", "interval": "5 minutes"},
        {"url": "https://news.example/b", "interval": "0s"},
        {"url": "https://news.example/c", "selectors": {"body": "h1[["}},
        {"url": "http://reader:hunter2@news.example/d"},
    ]
}


def _write(directory: Path, settings: object, watches: object) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "editwatch.yaml").write_text(yaml.safe_dump(settings))
    (directory / "watches.yaml").write_text(yaml.safe_dump(watches))
    return directory


def _validate(config: Path, tmp_path: Path) -> Result:
    return CliRunner(env={"COLUMNS": "300"}).invoke(
        cli, ["--config", str(config), "--data", str(tmp_path / "data"), "validate"]
    )


@pytest.mark.parametrize(
    ("where", "needle"),
    [
        ("editwatch.yaml: database_url", "postgresql+psycopg://"),
        ("editwatch.yaml: fetch.deadline", "greater than 0"),
        ("editwatch.yaml: fetch.max_bytes", "greater than 0"),
        ("editwatch.yaml: schedule.tick", "greater than 0"),
        ("editwatch.yaml: notify.timeout", "greater than 0"),
        ("editwatch.yaml: channels.hook: url:", "credentials"),
        ("watches.yaml: watches[0].interval", "'5 minutes' is not a duration"),
        ("watches.yaml: watches[1].interval", "greater than 0"),
        ("watches.yaml: watches[3].url", "credentials"),
    ],
)
def test_every_problem_of_both_files_is_reported_at_once(
    tmp_path: Path, where: str, needle: str
) -> None:
    """One run names each problem with its file and path, whichever file it is in; exit 2."""
    result = _validate(_write(tmp_path / "config", BAD_SETTINGS, BAD_WATCHES), tmp_path)
    assert result.exit_code == 2, result.output
    lines = [line for line in result.stderr.splitlines() if where in line]
    assert lines and needle in lines[0], result.stderr
    assert "hunter2" not in result.stderr


def test_an_unreadable_selector_and_an_unset_secret_are_errors(tmp_path: Path) -> None:
    """`h1[[` and an unset url_env of a channel in use fail validation (with the fix)."""
    slack = {"type": "slack", "url_env": "EW_TEST_UNSET_SLACK_URL"}
    settings = {"channels": {"slack": slack}, "defaults": {"channels": ["slack"]}}
    watches = {"watches": [{"url": "https://news.example/c", "selectors": {"body": "h1[["}}]}
    result = _validate(_write(tmp_path / "config", settings, watches), tmp_path)
    assert result.exit_code == 2
    assert "watches[0].selectors.body: 'h1[[' is not a CSS selector" in result.stderr
    assert "channels.slack.url_env: the environment variable EW_TEST_UNSET_SLACK_URL" in (
        result.stderr
    )


def test_a_config_directory_that_does_not_exist_is_an_error(tmp_path: Path) -> None:
    """`--config` naming no directory is exit 2 with the fix, not "0 watches"."""
    result = _validate(tmp_path / "nowhere", tmp_path)
    assert result.exit_code == 2
    assert "config directory does not exist" in result.stderr


def test_private_targets_are_a_warning_when_refused(tmp_path: Path) -> None:
    """Watches on loopback or private addresses warn on stderr (they would be refused); rc 0."""
    watches = {"watches": [{"url": "http://127.0.0.1:8080/a"}, {"url": "http://10.1.2.3/b"}]}
    result = _validate(_write(tmp_path / "config", {}, watches), tmp_path)
    assert result.exit_code == 0, result.output
    assert "warning:" in result.stderr and "watches[0].url" in result.stderr
    assert "watches[1].url" in result.stderr and "configuration OK" in result.stdout


def test_a_good_config_is_ok_with_counts_in_words(tmp_path: Path) -> None:
    """A valid config says OK with "1 watch" (not "1 watches") and exits 0."""
    result = _validate(
        _write(tmp_path / "config", {}, {"watches": [{"url": "https://a.example/x"}]}), tmp_path
    )
    assert result.exit_code == 0, result.output
    assert "1 watch," in result.stdout


def test_the_config_dir_may_come_from_the_environment(tmp_path: Path) -> None:
    """EDITWATCH_CONFIG_DIR (what workers and containers set) is the default for --config."""
    config = _write(tmp_path / "elsewhere", {}, {"watches": [{"url": "https://a.example/x"}]})
    result = CliRunner(env={"EDITWATCH_CONFIG_DIR": str(config)}).invoke(cli, ["validate"])
    assert result.exit_code == 0 and str(config) in result.stdout

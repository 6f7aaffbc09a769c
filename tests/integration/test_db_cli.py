"""`editwatch db current / upgrade`, and every entry point refusing an out-of-date schema."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.configs import write_config
from tests.integration.test_migrations import old_columns
from tests.legacy_db import alembic_revision, build_legacy, snapshot
from worker.cli import cli
from worker.store import migrate


def editwatch(config: Path, data: Path, *args: str, **env: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(
        cli, ["--config", str(config), "--data", str(data), *args], env=env or None
    )
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def legacy(tmp_path: Path) -> tuple[Path, Path]:
    """A config dir and a data dir holding a database made by editwatch 0.x."""
    config = write_config(tmp_path / "config", [])
    data = tmp_path / "data"
    data.mkdir()
    build_legacy(f"sqlite:///{data / 'editwatch.db'}")
    return config, data


def db_url(data: Path) -> str:
    return f"sqlite:///{data / 'editwatch.db'}"


def test_db_current_names_the_legacy_schema_and_check_fails(legacy: tuple[Path, Path]) -> None:
    """`db current` says the database predates migrations; with --check it exits 1."""
    code, out, _ = editwatch(*legacy, "db", "current")
    assert code == 0 and "before migrations" in out and migrate.head() in out
    assert editwatch(*legacy, "db", "current", "--check")[0] == 1


def test_read_commands_refuse_a_legacy_database_naming_db_upgrade(
    legacy: tuple[Path, Path],
) -> None:
    """`history` on a 0.x database exits 2 and tells the operator to run `editwatch db upgrade`."""
    code, _, err = editwatch(*legacy, "history", "story a")
    assert code == 2
    assert "editwatch db upgrade" in " ".join(err.split())


def test_db_upgrade_then_history_reads_the_old_versions(legacy: tuple[Path, Path]) -> None:
    """After `db upgrade` the 0.x history reads back; a second upgrade has nothing to do."""
    before = snapshot(db_url(legacy[1]))
    code, out, _ = editwatch(*legacy, "db", "upgrade")
    assert code == 0 and f"to revision {migrate.head()}" in out
    assert old_columns(snapshot(db_url(legacy[1])), before) == before
    code, out, _ = editwatch(*legacy, "history", "story a", "--json")
    assert code == 0 and len(out.splitlines()) == 2
    code, out, _ = editwatch(*legacy, "db", "upgrade")
    assert code == 0 and "nothing to do" in out
    assert editwatch(*legacy, "db", "current", "--check")[0] == 0


def test_auto_upgrade_setting_upgrades_on_first_use(legacy: tuple[Path, Path]) -> None:
    """EDITWATCH_DB_AUTO_UPGRADE=1 lets an ordinary command upgrade the 0.x database first."""
    code, out, _ = editwatch(*legacy, "history", "story a", "--json", EDITWATCH_DB_AUTO_UPGRADE="1")
    assert code == 0 and "First, updated" in out
    assert alembic_revision(db_url(legacy[1])) == migrate.head()


def test_run_refuses_a_legacy_database_before_starting_anything(
    legacy: tuple[Path, Path],
) -> None:
    """`editwatch run` exits 2 naming `db upgrade` instead of starting Redis and workers."""
    code, _, err = editwatch(*legacy, "run")
    assert code == 2 and "editwatch db upgrade" in " ".join(err.split())
    assert not (legacy[1] / "redis").exists()


@pytest.mark.slow
@pytest.mark.parametrize("role", ["worker", "beat"])
def test_celery_worker_and_beat_refuse_a_legacy_database(
    legacy: tuple[Path, Path], redis_url: str, tmp_path: Path, role: str
) -> None:
    """The Celery worker and beat exit 2 at start on a 0.x database, naming `db upgrade`."""
    config, data = legacy
    env = {
        **os.environ,
        "EDITWATCH_CONFIG_DIR": str(config),
        "EDITWATCH_DATA_DIR": str(data),
        "REDIS_URL": redis_url,
    }
    env.pop("DATABASE_URL", None)
    extra = ["--schedule", str(tmp_path / "beat-schedule")] if role == "beat" else ["--pool=solo"]
    done = subprocess.run(
        [sys.executable, "-m", "celery", "-A", "worker.app", role, *extra],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2, done.stderr[-2000:]
    assert "editwatch db upgrade" in done.stderr
    assert alembic_revision(db_url(data)) is None

"""What a fresh process imports: the extractor and the card drawing stack only on use.

``editwatch check`` pays its start-up once per run, and a run whose answers are all 304 reads
no page and draws no card: importing the extractor (its regular expressions compile at import)
is left to the first page read, Pillow and fontTools to the first card; what only other
commands or PostgreSQL use is not imported either. A Celery worker imports the extractor in
its main process, before the pool forks. The command imports with the garbage collector paused
and freezes what the imports made (``worker/__main__.py``).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.configs import write_config

EXTRACTOR = "worker.extract.rules"  # the module whose regular expressions cost the most


def imported_after(code: str, env: dict[str, str] | None = None, module: str = EXTRACTOR) -> bool:
    """Whether ``module`` is imported once ``code`` ran in a new interpreter."""
    probe = f"{code}\nimport sys\nprint({module!r} in sys.modules)"
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, env=env
    )
    return done.stdout.strip().splitlines()[-1] == "True"


def test_the_check_command_does_not_import_the_extractor_until_a_page_is_read() -> None:
    assert not imported_after("import worker.cli, worker.pipeline")
    read = "from worker.extract import extract_article\nextract_article('<h1>A headline</h1>')"
    assert imported_after(read)


# Imported by the commands (or the database) that use them, never by `check` on SQLite.
OTHER_COMMANDS = (
    "sqlalchemy.dialects.postgresql",  # a PostgreSQL engine loads it
    "warcio",  # editwatch warc
    "worker.pipeline.newsedits",  # editwatch export --format newsedits
    "worker.store.queries",  # the web viewer
)


def test_the_check_command_does_not_import_what_only_other_commands_use() -> None:
    for module in OTHER_COMMANDS:
        assert not imported_after("import worker.cli, worker.pipeline", module=module), module


def test_the_command_starts_with_its_imports_frozen_and_collection_on() -> None:
    probe = (
        "import gc, sys\n"
        "sys.argv = ['editwatch', '--version']\n"
        "from worker.__main__ import main\n"
        "try:\n    main()\nexcept SystemExit as exit:\n    print('exit', exit.code)\n"
        "print(gc.isenabled(), gc.get_freeze_count() > 100_000)"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    lines = done.stdout.strip().splitlines()
    assert lines[0].startswith("editwatch ")  # the command ran: `--version` answered
    assert lines[-2:] == ["exit 0", "True True"]


def test_the_check_command_does_not_import_the_card_drawing_stack() -> None:
    for module in ("PIL", "fontTools", "worker.cards"):
        assert not imported_after("import worker.cli", module=module)


def test_a_worker_imports_the_extractor_before_its_pool_forks(tmp_path: Path) -> None:
    config = write_config(tmp_path / "config", [])
    env = {
        **os.environ,
        "EDITWATCH_CONFIG_DIR": str(config),
        "EDITWATCH_DATA_DIR": str(tmp_path / "data"),
    }
    assert imported_after("import worker.tasks", env)

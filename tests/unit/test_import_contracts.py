"""The layering and library contracts cover new code by default (import-linter, protected)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import worker

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")

pytestmark = pytest.mark.skipif(not LINT_IMPORTS.exists(), reason="lint-imports not installed")


def contracts() -> list[dict[str, object]]:
    """The import-linter contracts as written in pyproject.toml."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    found: list[dict[str, object]] = config["tool"]["importlinter"]["contracts"]
    return found


def tree_copy(tmp_path: Path) -> Path:
    """A copy of the package and its pyproject.toml that a test may break."""
    shutil.copytree(ROOT / "worker", tmp_path / "worker", ignore=shutil.ignore_patterns("data"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def lint(root: Path) -> subprocess.CompletedProcess[str]:
    """Run lint-imports over the tree at ``root``, its own copy of the package first on the path."""
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=root,
        env={"PYTHONPATH": str(root), "PATH": str(LINT_IMPORTS.parent)},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_every_top_level_module_sits_in_a_layer() -> None:
    """A new module or package under worker/ must be placed in the layers contract."""
    layers = next(c for c in contracts() if c["type"] == "layers")["layers"]
    assert isinstance(layers, list)
    listed = {name.strip() for layer in layers for name in str(layer).split("|")}
    package = Path(worker.__file__).parent
    present = {
        f"worker.{path.stem}"
        for path in package.iterdir()
        if (path.suffix == ".py" and path.stem != "__init__") or (path / "__init__.py").exists()
    }
    assert present - listed == set(), "add these modules to the layers contract in pyproject.toml"


def test_library_bans_are_protected_contracts() -> None:
    """Library bans name who may import, not who may not, so new modules are covered."""
    kinds = {str(c["type"]) for c in contracts()}
    assert kinds == {"layers", "protected"}


@pytest.mark.parametrize(
    ("module", "line"),
    [
        ("worker/fetch/new_helper.py", "import celery\n"),
        ("worker/schedule/new_feed_helper.py", "import selectolax.lexbor\n"),
        ("worker/pipeline/new_health.py", "import sqlalchemy\n"),
        ("worker/logs_extra.py", "import httpx\n"),
        ("worker/diff/new_cache.py", "import redis\n"),
    ],
)
def test_a_new_module_cannot_slip_past(tmp_path: Path, module: str, line: str) -> None:
    """A module nobody listed that imports a protected library breaks lint-imports."""
    root = tree_copy(tmp_path)
    (root / module).write_text(f'"""A module added later."""\n\n{line}', encoding="utf-8")
    result = lint(root)
    assert result.returncode != 0, result.stdout
    assert "BROKEN" in result.stdout


def test_the_real_tree_keeps_every_contract(tmp_path: Path) -> None:
    """The unmodified copy passes, so the failures above come from the added import."""
    result = lint(tree_copy(tmp_path))
    assert result.returncode == 0, result.stdout[-2000:]

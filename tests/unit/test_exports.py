"""Every package declares its public API in ``__all__`` and is only used through it.

Like httpx's ``test_exported_members``: a name other modules import from a package must be in
that package's ``__all__`` (or be one of its submodules), and every name ``__all__`` lists must
exist. A helper made public by accident, or a new one nobody declared, fails here.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path
from types import ModuleType

import pytest

import worker

ROOT = Path(worker.__file__).resolve().parent
PACKAGES = sorted(
    ["worker", *(i.name for i in pkgutil.walk_packages(worker.__path__, "worker.") if i.ispkg)]
)


def package(name: str) -> ModuleType:
    return importlib.import_module(name)


def imports_from_packages() -> list[tuple[str, str, str]]:
    """(importing file, package, name) for every ``from <package> import name`` in worker/."""
    found = []
    for path in sorted(ROOT.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module in PACKAGES and not node.level:
                found += [(str(path.relative_to(ROOT)), node.module, a.name) for a in node.names]
    return found


@pytest.mark.parametrize("name", PACKAGES)
def test_every_package_declares_an_existing_public_api(name: str) -> None:
    """Each package has an ``__all__`` and every name in it is really there."""
    module = package(name)
    exported = getattr(module, "__all__", None)
    assert exported is not None, f"{name} has no __all__"
    missing = [member for member in exported if not hasattr(module, member)]
    assert missing == [], f"{name}.__all__ lists names it does not define: {missing}"


def test_packages_are_used_only_through_their_declared_api() -> None:
    """A name imported from a package is in its ``__all__`` or is one of its submodules."""
    undeclared = []
    for where, name, member in imports_from_packages():
        module = package(name)
        if member in module.__all__ or isinstance(getattr(module, member, None), ModuleType):
            continue
        undeclared.append(f"{where}: from {name} import {member}")
    assert undeclared == []

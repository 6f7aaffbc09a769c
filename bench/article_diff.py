"""Before/after check of an extractor change: every Article of the dev and hand-made pages, dumped
as JSON by one version of the code, then two dumps compared field by field.

    .venv/bin/python -m bench.article_diff dump /tmp/after.json
    git archive main worker config | tar -x -C /tmp/main   # the code to compare against
    .venv/bin/python -m bench.article_diff dump /tmp/before.json --code /tmp/main
    .venv/bin/python -m bench.article_diff diff /tmp/before.json /tmp/after.json

A change that alters no output needs no quality argument; one that does lists each changed page
and field here, to be inspected and classified (better, worse, neutral) before it is merged.
"""

from __future__ import annotations

import argparse
import dataclasses
import difflib
import json
import sys
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # allow `python bench/article_diff.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def dump(out: Path, code: Path | None) -> int:
    """Extract every dev and hand-made page with the ``worker`` package found under ``code``
    (this checkout's when None) and write {"set/id": Article as a dict} to ``out``."""
    if code is not None:
        sys.path.insert(0, str(code.resolve()))  # before this checkout's editable install
    from bench.scoring import HANDMADE_DIR, load_pages, profile_for, site_profiles
    from worker.extract import extract_article

    profiles = site_profiles()
    articles: dict[str, Any] = {}
    for name, pages in (("dev", load_pages()), ("handmade", load_pages(HANDMADE_DIR))):
        for page in pages:
            article = extract_article(page.html, page.url, profile_for(page.url, profiles))
            articles[f"{name}/{page.id}"] = dataclasses.asdict(article)
    text = json.dumps(articles, indent=1, ensure_ascii=False, default=str)
    out.write_text(text, encoding="utf-8")
    return len(articles)


def diff(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """The changed pages, each with its changed fields (lists of lines as a unified diff)."""
    lines: list[str] = []
    for key, old in before.items():
        new = after.get(key)
        if new == old:
            continue
        if new is None:
            lines.append(f"== {key}: missing after")
            continue
        fields = [name for name in old if old[name] != new.get(name)]
        lines.append(f"== {key}: {', '.join(fields)}")
        for name in fields:
            lines.extend(_field_diff(old[name], new.get(name)))
    changed = sum(line.startswith("== ") for line in lines)
    lines.append(f"{changed} of {len(before)} pages changed")
    return lines


def _field_diff(old: Any, new: Any) -> list[str]:
    if isinstance(old, list) and isinstance(new, list):
        left = [json.dumps(item, ensure_ascii=False) for item in old]
        right = [json.dumps(item, ensure_ascii=False) for item in new]
        body = difflib.unified_diff(left, right, lineterm="", n=0)
        return [f"    {line[:300]}" for line in body if not line.startswith(("---", "+++", "@@"))]
    return [f"    - {str(old)[:300]}", f"    + {str(new)[:300]}"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    dumping = commands.add_parser("dump", help="write every page's Article as JSON")
    dumping.add_argument("out", type=Path)
    dumping.add_argument("--code", type=Path, help="a directory holding the worker package")
    diffing = commands.add_parser("diff", help="compare two dumps")
    diffing.add_argument("before", type=Path)
    diffing.add_argument("after", type=Path)
    args = parser.parse_args(argv)
    if args.command == "dump":
        print(f"{dump(args.out, args.code)} pages -> {args.out}")
        return 0
    before = json.loads(args.before.read_text(encoding="utf-8"))
    after = json.loads(args.after.read_text(encoding="utf-8"))
    print("\n".join(diff(before, after)))
    return 0


if __name__ == "__main__":
    sys.exit(main())

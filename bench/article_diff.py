"""Before/after check of an extractor change: every field of every saved page's Article.

    PYTHONPATH=. .venv/bin/python bench/article_diff.py dump /tmp/after.json
    git archive main | tar -x -C /tmp/main
    PYTHONPATH=/tmp/main .venv/bin/python bench/article_diff.py dump /tmp/before.json
    .venv/bin/python bench/article_diff.py diff /tmp/before.json /tmp/after.json --field links

``dump`` extracts the dev set and the hand-made pages in article and auto mode (with their
site profiles, as the benchmark does) with whichever ``worker`` package ``PYTHONPATH`` names,
so one copy of this script dumps any checkout. ``diff`` lists each page whose Article changed,
the fields that changed and, per list field, the items gone and the items new (as multisets:
an item seen twice before and once after is one gone). A change that alters no output needs no
quality argument; one that does is reviewed page by page from this list (better, worse,
neutral), and bumps ``EXTRACTOR_VERSION`` so that stored versions are re-read, not alerted.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from collections import Counter
from pathlib import Path
from typing import Any

_MODES = ("article", "auto")


def dump(path: Path) -> int:
    """Write every page's Article, per mode, as JSON; return how many were written."""
    from bench.scoring import DATA_DIR, HANDMADE_DIR, load_pages, profile_for, site_profiles
    from worker.extract import extract_article

    out: dict[str, Any] = {}
    for name, folder in (("dev", DATA_DIR), ("handmade", HANDMADE_DIR)):
        for page in load_pages(folder):
            profile = profile_for(page.url, site_profiles())
            for mode in _MODES:
                article = extract_article(page.html, page.url, profile, mode)
                out[f"{name}:{page.url}:{mode}"] = dataclasses.asdict(article)
    path.write_text(json.dumps(out, indent=1, default=str, ensure_ascii=False))
    return len(out)


def _items(values: list[Any]) -> Counter[str]:
    return Counter(json.dumps(value, sort_keys=True, ensure_ascii=False) for value in values)


def diff(
    before: dict[str, Any], after: dict[str, Any], field: str | None = None, page: str = ""
) -> list[str]:
    """What changed per (page, mode) entry, as lines ending with the count of changed entries."""
    lines: list[str] = []
    changed = 0
    for key, old in before.items():
        new = after.get(key)
        if new == old or page not in key:
            continue
        fields = [name for name in old if new is None or old[name] != new[name]]
        if field is not None and field not in fields:
            continue
        changed += 1
        lines.append(f"== {key}: {', '.join(fields)}")
        for name in fields if new is not None else ():
            if field is None or name == field:
                lines.extend(_field_lines(name, old[name], new[name]))
    lines.append(f"{changed} changed entries of {len(before)}")
    return lines


def _field_lines(name: str, old: Any, new: Any) -> list[str]:
    """One field's change: a list as its items gone and new (multisets), else old -> new."""
    if not isinstance(old, list):
        return [f"   {name}: {str(old)[:150]!r} -> {str(new)[:150]!r}"]
    gone, came = _items(old) - _items(new), _items(new) - _items(old)
    return [
        f"   {name}: {len(old)} -> {len(new)}",
        *(f"     - {item[:220]}" for item in gone.elements()),
        *(f"     + {item[:220]}" for item in came.elements()),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    dumping = commands.add_parser("dump", help="extract every page with this PYTHONPATH's worker")
    dumping.add_argument("out", type=Path)
    diffing = commands.add_parser("diff", help="what changed between two dumps")
    diffing.add_argument("before", type=Path)
    diffing.add_argument("after", type=Path)
    diffing.add_argument("--field", help="only pages where this field changed, only it shown")
    diffing.add_argument("--page", default="", help="only keys holding this text")
    args = parser.parse_args()
    if args.command == "dump":
        print(f"{dump(args.out)} articles written to {args.out}")
        return 0
    before, after = (json.loads(path.read_text()) for path in (args.before, args.after))
    print("\n".join(diff(before, after, args.field, args.page)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

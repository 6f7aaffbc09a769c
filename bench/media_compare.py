"""Article output of two extractor versions, side by side: every field of every saved page.

    PYTHONPATH=. .venv/bin/python bench/media_compare.py dump /tmp/after.json
    git archive main | tar -x -C /tmp/main
    PYTHONPATH=/tmp/main .venv/bin/python bench/media_compare.py dump /tmp/before.json
    .venv/bin/python bench/media_compare.py diff /tmp/before.json /tmp/after.json --field links

``dump`` extracts the dev set and the hand-made pages in article and auto mode (with their
site profiles, as the benchmark does) with whichever ``worker`` package ``PYTHONPATH`` names,
so one copy of this script dumps any checkout. ``diff`` lists each page whose Article changed,
the fields that changed and, per list field, the items gone and the items new (as multisets:
an item seen twice before and once after is one gone). Used to review a change that is allowed
to alter media output (the lead bumps ``EXTRACTOR_VERSION`` for it).
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


def diff(before: dict[str, Any], after: dict[str, Any], field: str | None, page: str) -> int:
    """Print what changed per page; return the number of changed (page, mode) entries."""
    changed = 0
    for key, old in before.items():
        new = after.get(key)
        if new == old or page not in key:
            continue
        fields = [name for name in old if new is None or old[name] != new[name]]
        if field is not None and field not in fields:
            continue
        changed += 1
        print(f"== {key}: {', '.join(fields)}")
        for name in fields if new is not None else ():
            if field is not None and name != field:
                continue
            if isinstance(old[name], list):
                gone, came = (
                    _items(old[name]) - _items(new[name]),
                    _items(new[name]) - _items(old[name]),
                )
                print(f"   {name}: {len(old[name])} -> {len(new[name])}")
                for item in gone.elements():
                    print(f"     - {item[:220]}")
                for item in came.elements():
                    print(f"     + {item[:220]}")
            else:
                print(f"   {name}: {str(old[name])[:150]!r} -> {str(new[name])[:150]!r}")
    print(f"{changed} changed entries of {len(before)}")
    return changed


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
    diff(before, after, args.field, args.page)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

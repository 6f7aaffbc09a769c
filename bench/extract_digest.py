"""Digest of every field of every Article on the dev and hand-made sets, to prove that a speed
change left the extractor's output identical.

    .venv/bin/python -m bench.extract_digest                 # one digest line per set
    .venv/bin/python -m bench.extract_digest --dump out.txt  # every page's fields, to diff

Each page is extracted as the benchmark calls the extractor (:func:`bench.scoring.editwatch`:
the page's UTF-8 bytes, its URL and its site profile), and the whole Article (every dataclass
field, media and live entries included) is hashed. Two runs that print the same digests produced
the same articles; ``--dump`` writes them out so a difference can be found with ``diff``.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import sys
from pathlib import Path

if __package__ in (None, ""):  # allow `python bench/extract_digest.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.scoring import DATA_DIR, HANDMADE_DIR, load_pages, profile_for, site_profiles
from worker.extract import extract_article


def article_lines(data_dir: Path) -> list[str]:
    """One JSON line per page: its id and every field of its Article."""
    lines = []
    for page in load_pages(data_dir):
        profile = profile_for(page.url, site_profiles())
        article = extract_article(page.markup, page.url, profile)
        fields = json.dumps(
            dataclasses.asdict(article), sort_keys=True, ensure_ascii=False, default=str
        )
        lines.append(f"{page.id}\t{fields}")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dump", type=Path, help="write every page's fields to this file")
    args = parser.parse_args()
    everything = []
    for name, data_dir in (("dev", DATA_DIR), ("handmade", HANDMADE_DIR)):
        lines = article_lines(data_dir)
        everything += lines
        digest = hashlib.sha256("\n".join(lines).encode()).hexdigest()[:16]
        print(f"{name}: {len(lines)} pages, digest {digest}")
    if args.dump:
        args.dump.write_text("\n".join(everything) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()

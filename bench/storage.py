"""Storage per version and per check, on real article pages, with and without raw HTML.

Stores each of the 262 real pages in ``bench/data/extraction`` as the first version of its own
watch (extracted by editwatch's extractor, raw HTML compressed as the store keeps it), records
10 checks per watch, then asks ``editwatch db stats`` for table bytes and rows, before and
after ``retention.raw_html`` drops the pages (a second version per watch makes the first one
prunable). Runs on a SQLite file, and on PostgreSQL when ``--pg-url`` is given.

    python bench/storage.py [--pg-url postgresql+psycopg://postgres@127.0.0.1:5432/test]
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import tempfile
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.pool import NullPool

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from worker.extract import EXTRACTOR_VERSION, extract_article
from worker.models import Validators, Watch
from worker.normalize import fingerprint, normalize_article
from worker.store import NewChange, Store
from worker.store.stats import DbStats

DATA = Path(__file__).resolve().parent / "data" / "extraction"
CHECKS_PER_WATCH = 10
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def pages() -> list[tuple[str, bytes]]:
    found = []
    for line in (DATA / "gold.jsonl").read_text().splitlines():
        record = json.loads(line)
        found.append((record["url"], gzip.decompress((DATA / record["html_file"]).read_bytes())))
    return found


def fill(store: Store, corpus: list[tuple[str, bytes]]) -> None:
    """Two versions per page (the second one edited) and CHECKS_PER_WATCH checks each."""
    ids = store.sync_watches([Watch(url=url, name=url, interval=3600) for url, _ in corpus])
    for url, html in corpus:
        article = normalize_article(extract_article(html, url))
        edited = replace(article, headline=article.headline + " (updated)")
        for n, state in enumerate((article, edited)):
            store.save_state(
                ids[url],
                article=state,
                fingerprint=fingerprint(state),
                raw_html=html,
                extractor_version=EXTRACTOR_VERSION,
                seen_at=T0 + timedelta(days=n * 200),
                change=NewChange(("headline",), "major", False, {}) if n else None,
            )
        for k in range(CHECKS_PER_WATCH):
            store.record_check(
                ids[url],
                started_at=T0 + timedelta(hours=k),
                duration_ms=120.5,
                status=200,
                nbytes=len(html),
                outcome="unchanged",
                error=None,
                validators=Validators(etag='"abc123"', last_modified=None),
            )


def measure(url: str, corpus: list[tuple[str, bytes]]) -> dict[str, float | None]:
    with Store(url) as store:
        fill(store, corpus)
        before = store.storage_stats()
        pruned = store.prune_raw_html(90 * 86400.0, apply=True, now=T0 + timedelta(days=400))
        if store.backend == "postgresql":
            engine = sa.create_engine(url, poolclass=NullPool)
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
                c.execute(sa.text("VACUUM FULL versions"))
            engine.dispose()
        else:
            engine = sa.create_engine(url, poolclass=NullPool)
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
                c.exec_driver_sql("VACUUM")
            engine.dispose()
        after = store.storage_stats()
    with_page = before.per_version() or 0.0
    freed = (_version_bytes(before) - _version_bytes(after)) / pruned.versions
    return {
        "bytes_per_version": with_page,
        "bytes_per_version_pruned": with_page - freed,
        "bytes_per_check": before.per_row("checks"),
        "bytes_per_change": before.per_row("changes"),
        "raw_html_per_page": sum(len(h) for _, h in corpus) / len(corpus),
    }


def _version_bytes(stats: DbStats) -> int:
    """Bytes of the versions and their pages (two tables since revision 0007)."""
    return sum(t.bytes or 0 for t in stats.tables if t.name in ("versions", "version_pages"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pg-url")
    args = parser.parse_args()
    corpus = pages()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        rows.append(("SQLite", measure(f"sqlite:///{tmp}/storage.db", corpus)))
    if args.pg_url:
        admin = sa.create_engine(args.pg_url, poolclass=NullPool)
        schema = f"editwatch_storage_{uuid.uuid4().hex[:10]}"
        with admin.begin() as connection:
            connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        url = sa.make_url(args.pg_url).update_query_dict({"options": f"-csearch_path={schema}"})
        try:
            rows.append(("PostgreSQL", measure(url.render_as_string(hide_password=False), corpus)))
        finally:
            with admin.begin() as connection:
                connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()
    print(f"{len(corpus)} real pages, mean raw HTML {rows[0][1]['raw_html_per_page'] or 0:,.0f} B")
    print("| backend | per version | per version, raw HTML pruned | per check | per change |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name, r in rows:
        print(
            f"| {name} | {r['bytes_per_version'] or 0:,.0f} B | "
            f"{r['bytes_per_version_pruned'] or 0:,.0f} B | {r['bytes_per_check'] or 0:,.0f} B | "
            f"{r['bytes_per_change'] or 0:,.0f} B |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

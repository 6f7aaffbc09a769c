"""Evidence per version: hashes of what was stored, how it was fetched, and a hash chain.

Each new version gets one ``evidence`` row, written in the same transaction as the version,
under the watch's row lock: sha256 of the page bytes and of the stored article document, the
HTTP status, both header lists, the address connected to, the fetch time and the extractor
version. Its ``record_hash`` is the sha256 of all of that plus the version's number and
fingerprint plus ``prev_hash``, the previous version's ``record_hash``. Editing a stored page
or article breaks its own hashes; deleting, inserting or rewriting a record breaks the link
from the next one, so :func:`verify_chain` names the first version that does not add up.
Anyone who keeps a copy of the chain head (printed by ``editwatch verify``) can also tell a
wholesale rewrite of the chain.
"""

from __future__ import annotations

import hashlib
import json
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping

from worker.models import Capture
from worker.store.engine import inserted_id
from worker.store.schema import VERSIONS_WITH_PAGES, evidence, version_pages, versions

HASHED_FIELDS = (
    "number", "fingerprint", "raw_sha256", "text_sha256", "status", "request_url", "final_url",
    "request_headers", "response_headers", "remote_addr", "fetched_at", "extractor_version",
    "prev_hash",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class EvidenceRecord:
    """The evidence of one version, as stored (headers as ``(name, value)`` pairs)."""

    version_id: int
    watch_id: int
    number: int
    fingerprint: str
    raw_sha256: str
    text_sha256: str
    status: int | None
    request_url: str
    final_url: str
    request_headers: tuple[tuple[str, str], ...]
    response_headers: tuple[tuple[str, str], ...]
    remote_addr: str
    fetched_at: datetime
    extractor_version: str
    prev_hash: str | None
    record_hash: str


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing that does not add up, at one version of one watch."""

    watch_id: int
    number: int
    message: str


PREVIOUS_HASH = (
    sa.select(evidence.c.record_hash)
    .where(
        evidence.c.watch_id == sa.bindparam("watch_id"),
        evidence.c.number < sa.bindparam("number"),
    )
    .order_by(evidence.c.number.desc())
    .limit(1)
)  # the chain's last link before a new version (built once, like the store's hot statements)
INSERT_EVIDENCE = evidence.insert()


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def record_hash(fields: dict[str, Any]) -> str:
    """sha256 of the hashed fields as canonical JSON (sorted keys, no spaces, UTF-8)."""
    chosen = {name: fields[name] for name in HASHED_FIELDS}
    canonical = json.dumps(chosen, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return sha256_hex(canonical.encode("utf-8"))


def insert(
    connection: Connection,
    *,
    watch_id: int,
    version_id: int,
    number: int,
    fingerprint: str,
    raw_html: bytes,
    article_json: str,
    extractor_version: str,
    capture: Capture,
) -> int:
    """Add the evidence row of a new version, chained to the watch's previous row."""
    previous = connection.scalar(PREVIOUS_HASH, {"watch_id": watch_id, "number": number})
    fields: dict[str, Any] = {
        "number": number,
        "fingerprint": fingerprint,
        "raw_sha256": sha256_hex(raw_html),
        "text_sha256": sha256_hex(article_json.encode("utf-8")),
        "status": capture.status,
        "request_url": capture.url,
        "final_url": capture.final_url,
        "request_headers": [list(pair) for pair in capture.request_headers],
        "response_headers": [list(pair) for pair in capture.response_headers],
        "remote_addr": capture.remote_addr,
        "fetched_at": capture.fetched_at.isoformat(),
        "extractor_version": extractor_version,
        "prev_hash": previous,
    }
    values = {
        **fields,
        "request_headers": json.dumps(fields["request_headers"], ensure_ascii=False),
        "response_headers": json.dumps(fields["response_headers"], ensure_ascii=False),
        "fetched_at": capture.fetched_at,
        "record_hash": record_hash(fields),
    }
    values.pop("fingerprint")
    values |= {"watch_id": watch_id, "version_id": version_id}
    return inserted_id(connection.execute(INSERT_EVIDENCE, values))


def records(connection: Connection, watch_id: int | None = None) -> list[EvidenceRecord]:
    """Evidence rows with their version's fingerprint, per watch in version order."""
    query = sa.select(evidence, versions.c.fingerprint).join(
        versions, versions.c.id == evidence.c.version_id
    )
    if watch_id is not None:
        query = query.where(evidence.c.watch_id == watch_id)
    query = query.order_by(evidence.c.watch_id, evidence.c.number)
    return [_record(row) for row in connection.execute(query).mappings()]


def capture_of(connection: Connection, version_id: int) -> Capture | None:
    """How one version's page was obtained, from its evidence record (``None`` without one):
    a re-read of that page (a newer extractor) keeps the facts of the fetch it reads."""
    row = (
        connection.execute(sa.select(evidence).where(evidence.c.version_id == version_id))
        .mappings()
        .first()
    )
    if row is None:
        return None
    return Capture(
        url=row["request_url"],
        final_url=row["final_url"],
        status=row["status"],
        fetched_at=row["fetched_at"],
        request_headers=_pairs(row["request_headers"]),
        response_headers=_pairs(row["response_headers"]),
        remote_addr=row["remote_addr"],
    )


def _record(row: RowMapping) -> EvidenceRecord:
    return EvidenceRecord(
        version_id=row["version_id"],
        watch_id=row["watch_id"],
        number=row["number"],
        fingerprint=row["fingerprint"],
        raw_sha256=row["raw_sha256"],
        text_sha256=row["text_sha256"],
        status=row["status"],
        request_url=row["request_url"],
        final_url=row["final_url"],
        request_headers=_pairs(row["request_headers"]),
        response_headers=_pairs(row["response_headers"]),
        remote_addr=row["remote_addr"],
        fetched_at=row["fetched_at"],
        extractor_version=row["extractor_version"],
        prev_hash=row["prev_hash"],
        record_hash=row["record_hash"],
    )


def _pairs(text: str) -> tuple[tuple[str, str], ...]:
    try:
        data = json.loads(text)
        return tuple((str(name), str(value)) for name, value in data)
    except (ValueError, TypeError):
        return (("x-editwatch-unreadable-headers", text[:200]),)


def fields_of(record: EvidenceRecord) -> dict[str, Any]:
    """The hashed fields of a stored record, in the form they were hashed in."""
    return {
        "number": record.number,
        "fingerprint": record.fingerprint,
        "raw_sha256": record.raw_sha256,
        "text_sha256": record.text_sha256,
        "status": record.status,
        "request_url": record.request_url,
        "final_url": record.final_url,
        "request_headers": [list(p) for p in record.request_headers],
        "response_headers": [list(p) for p in record.response_headers],
        "remote_addr": record.remote_addr,
        "fetched_at": record.fetched_at.isoformat(),
        "extractor_version": record.extractor_version,
        "prev_hash": record.prev_hash,
    }


Stored = tuple[int, bytes | None, str]  # version id, page bytes (None: pruned), article JSON


def stored_contents(connection: Connection, watch_id: int) -> dict[int, Stored]:
    """version number -> (version id, page bytes, article JSON) as they are stored now; the page
    is ``None`` once retention dropped it (``retention.raw_html``)."""
    query = (
        sa.select(versions.c.id, versions.c.number, version_pages.c.raw_html, versions.c.article)
        .select_from(VERSIONS_WITH_PAGES)
        .where(versions.c.watch_id == watch_id)
    )
    return {
        row.number: (row.id, _inflate(row.raw_html), row.article)
        for row in connection.execute(query)
    }


def _inflate(blob: bytes | None) -> bytes | None:
    if blob is None:
        return None  # pruned by retention: nothing left to hash
    try:
        return zlib.decompress(blob)
    except zlib.error:
        return blob  # not what was stored: its hash will not match


def verify_chain(
    chain: Sequence[EvidenceRecord],
    stored: dict[int, Stored],
    rereads: dict[int, int] | None = None,
) -> Iterator[Problem]:
    """Every break in one watch's chain and every stored state that no longer matches.

    A re-read (``rereads``: number -> source number) of a page that has no record has none
    either, by design: it is no insertion when its stored page is its source's, byte for byte.
    """
    previous: EvidenceRecord | None = None
    covered: set[int] = set()
    for record in chain:
        covered.add(record.number)
        yield from _check_record(record, previous, stored.get(record.number))
        previous = record
    first = chain[0].number if chain else None
    unrecorded = [n for n in sorted(stored) if first is not None and n > first and n not in covered]
    for number in unrecorded:
        if not _unrecorded_reread(number, stored, rereads or {}, covered):
            yield Problem(_watch_of(chain), number, "has no evidence record (it was inserted)")


def _unrecorded_reread(
    number: int, stored: dict[int, Stored], rereads: dict[int, int], covered: set[int]
) -> bool:
    """Is version ``number`` a re-read of an older unrecorded page, holding that very page?

    Once retention dropped either page there are no bytes to compare, and the re-read's link
    to its unrecorded source is all that is left: a pruned page is no insertion (nor is it
    one for a recorded version, whose check also has nothing left to hash)."""
    source = rereads.get(number)
    if source is None or source >= number or source in covered or source not in stored:
        return False
    page, original = stored[number][1], stored[source][1]
    return page is None or original is None or page == original


def reread_sources(connection: Connection, watch_id: int) -> dict[int, int]:
    """re-read version number -> the number of the version whose page it read again."""
    query = sa.select(versions.c.number, versions.c.reread_of).where(
        versions.c.watch_id == watch_id, versions.c.reread_of.is_not(None)
    )
    return {row.number: row.reread_of for row in connection.execute(query)}


def verify_rereads(
    watch_id: int, chain: Sequence[EvidenceRecord], sources: dict[int, int]
) -> Iterator[Problem]:
    """Every re-read whose page is not its source's as the evidence has it.

    ``reread_of`` is not in the hashed record, and it is what makes a state "not an edit":
    set on a real edit it would hide it. A re-read's page is its source's bytes, so its
    record (a re-read of a page without one has none) must hash the same page.
    """
    pages = {record.number: record.raw_sha256 for record in chain}
    for number, source in sorted(sources.items()):
        if pages.get(number) != pages.get(source):
            yield Problem(
                watch_id, number, f"is marked a re-read of version {source} but its page is not"
            )


def _watch_of(chain: Sequence[EvidenceRecord]) -> int:
    return chain[0].watch_id if chain else 0


def _check_record(
    record: EvidenceRecord,
    previous: EvidenceRecord | None,
    stored: Stored | None,
) -> Iterator[Problem]:
    def problem(message: str) -> Problem:
        return Problem(record.watch_id, record.number, message)

    if stored is None or stored[0] != record.version_id:
        yield problem("its stored version is missing or was replaced")
    else:
        if stored[1] is not None and sha256_hex(stored[1]) != record.raw_sha256:
            yield problem("the stored page bytes do not match their sha256")
        if sha256_hex(stored[2].encode("utf-8")) != record.text_sha256:
            yield problem("the stored article text does not match its sha256")
    if record_hash(fields_of(record)) != record.record_hash:
        yield problem("the evidence record does not match its own hash (it was edited)")
    expected = previous.record_hash if previous else None
    if record.prev_hash != expected:
        before = f"version {previous.number}'s record" if previous else "the start of the chain"
        yield problem(f"does not chain to {before} (a version was removed or rewritten)")

"""The stored captures as a WARC file (ISO 28500), written with warcio, for replay tools.

Each version with an HTTP capture becomes three records: the ``request`` as it was sent, the
``response`` with the page bytes whose sha256 the evidence record holds (as the record's
``WARC-Payload-Digest``, so the archive and the chain vouch for the same bytes), and a
``metadata`` record with the evidence itself (record hash, previous hash, text hash,
extractor version). Bodies are stored decoded, as editwatch keeps them, so the response
headers lose ``Content-Encoding``/``Transfer-Encoding`` (kept as ``X-Editwatch-Orig-*``) and
get the real ``Content-Length``; replay tools would otherwise try to inflate plain bytes.
Removals (a 404 with no body kept) have nothing to replay and are left out.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable
from http import HTTPStatus
from typing import BinaryIO
from urllib.parse import urlsplit

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from worker import __version__
from worker.store.evidence import EvidenceRecord

BODY_FRAMING = frozenset({"content-encoding", "transfer-encoding", "content-length"})


def write_warc(out: BinaryIO, captures: Iterable[tuple[EvidenceRecord, bytes]]) -> int:
    """Write a gzipped WARC of ``captures`` (evidence, page bytes) to ``out``; count written."""
    writer = WARCWriter(out, gzip=True)
    info = {"software": f"editwatch/{__version__}", "format": "WARC File Format 1.1"}
    writer.write_record(writer.create_warcinfo_record("editwatch.warc.gz", info))
    written = 0
    for record, raw in captures:
        if record.status is None or not record.response_headers:
            continue
        response_id = _write_exchange(writer, record, raw)
        writer.write_record(_metadata(writer, record, response_id))
        written += 1
    return written


def _write_exchange(writer: WARCWriter, record: EvidenceRecord, raw: bytes) -> str:
    """The request and response records of one capture; returns the response's record id."""
    date = record.fetched_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    request = writer.create_warc_record(
        record.final_url,
        "request",
        payload=io.BytesIO(b""),
        length=0,
        http_headers=_request_headers(record),
        warc_headers_dict={"WARC-Date": date},
    )
    warc_headers = {
        "WARC-Date": date,
        "WARC-Payload-Digest": f"sha256:{record.raw_sha256}",
        "WARC-Concurrent-To": request.rec_headers.get_header("WARC-Record-ID"),
    }
    if record.remote_addr:
        warc_headers["WARC-IP-Address"] = _ip_of(record.remote_addr)
    response = writer.create_warc_record(
        record.final_url,
        "response",
        payload=io.BytesIO(raw),
        length=len(raw),  # known, so warcio keeps our sha256 payload digest
        http_headers=_response_headers(record, len(raw)),
        warc_headers_dict=warc_headers,
    )
    writer.write_record(request)
    writer.write_record(response)
    return str(response.rec_headers.get_header("WARC-Record-ID"))


def _request_headers(record: EvidenceRecord) -> StatusAndHeaders:
    parts = urlsplit(record.final_url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    headers = list(record.request_headers)
    if not any(name.lower() == "host" for name, _ in headers):
        headers.insert(0, ("Host", parts.netloc))
    return StatusAndHeaders(f"GET {target} HTTP/1.1", headers, is_http_request=True)


def _response_headers(record: EvidenceRecord, length: int) -> StatusAndHeaders:
    headers = []
    for name, value in record.response_headers:
        if name.lower() in BODY_FRAMING:
            if name.lower() != "content-length":
                headers.append((f"X-Editwatch-Orig-{name}", value))
            continue
        headers.append((name, value))
    headers.append(("Content-Length", str(length)))
    status = record.status or 200
    try:
        reason = HTTPStatus(status).phrase
    except ValueError:
        reason = ""
    return StatusAndHeaders(f"{status} {reason}".strip(), headers, protocol="HTTP/1.1")


def _metadata(writer: WARCWriter, record: EvidenceRecord, response_id: str) -> object:
    evidence = {
        "version": record.number,
        "record_hash": record.record_hash,
        "prev_hash": record.prev_hash,
        "raw_sha256": record.raw_sha256,
        "text_sha256": record.text_sha256,
        "extractor_version": record.extractor_version,
        "request_url": record.request_url,
        "remote_addr": record.remote_addr,
    }
    body = json.dumps(evidence, sort_keys=True).encode("utf-8")
    return writer.create_warc_record(
        record.final_url,
        "metadata",
        payload=io.BytesIO(body),
        length=len(body),
        warc_content_type="application/json",
        warc_headers_dict={"WARC-Refers-To": response_id},
    )


def _ip_of(address: str) -> str:
    """``1.2.3.4:80`` -> ``1.2.3.4``; ``[::1]:80`` -> ``::1``."""
    host = address.rsplit(":", 1)[0] if address.count(":") == 1 or "]" in address else address
    return host.strip("[]")

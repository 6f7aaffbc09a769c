"""Evidence per version: hashes, the hash chain, `editwatch verify` and the WARC export."""

from __future__ import annotations

import hashlib
import json
import zlib
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.pool import NullPool
from typer.testing import CliRunner
from warcio.archiveiterator import ArchiveIterator

from tests.configs import write_config
from tests.httpserver import LocalHTTPServer
from tests.pages import BODY, article_page
from worker.cli import cli
from worker.store import Store

HTML = {"Content-Type": "text/html; charset=utf-8", "X-Served-By": "test-edge-7"}
HEADLINES = ("Budget passes", "Budget fails", "Budget fails again")


def editwatch(config: Path, data: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["--config", str(config), "--data", str(data), *args])
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def three_versions(
    http_server: LocalHTTPServer, tmp_path: Path, store_url: str
) -> tuple[Path, Path, str, list[bytes]]:
    """One article checked three times with a headline edit each time, on either backend."""
    url = http_server.url("/story")
    config = write_config(
        tmp_path / "config", [{"url": url, "name": "story"}], extra={"database_url": store_url}
    )
    data, served = tmp_path / "data", []
    for index, headline in enumerate(HEADLINES):
        page = article_page(headline, BODY, noise=index)
        http_server.route("/story", body=page, headers=HTML)
        served.append(page)
        assert editwatch(config, data, "check", "--no-notify")[0] == 0
    return config, data, store_url, served


def execute(url: str, statement: str, **values: object) -> None:
    """Tamper with the database behind editwatch's back, as an attacker with SQL access would."""
    engine = sa.create_engine(url, poolclass=NullPool)
    with engine.begin() as connection:
        connection.execute(sa.text(statement), values)
    engine.dispose()


def test_each_version_records_how_it_was_fetched(three_versions: tuple) -> None:  # type: ignore[type-arg]
    """Hashes of the served bytes, status, headers, peer address and the chain links are kept."""
    _, _, url, served = three_versions
    with Store(url) as store:
        records = store.evidence()
    assert [r.number for r in records] == [1, 2, 3]
    assert [r.raw_sha256 for r in records] == [hashlib.sha256(p).hexdigest() for p in served]
    first = records[0]
    assert first.status == 200 and first.remote_addr.startswith("127.0.0.1:")
    assert ("x-served-by", "test-edge-7") in [(k.lower(), v) for k, v in first.response_headers]
    assert any(k.lower() == "user-agent" for k, _ in first.request_headers)
    assert first.extractor_version and first.fetched_at.tzinfo is not None
    assert first.prev_hash is None
    assert [r.prev_hash for r in records[1:]] == [r.record_hash for r in records[:-1]]


def test_verify_passes_an_untouched_history(three_versions: tuple) -> None:  # type: ignore[type-arg]
    """`verify` exits 0, counts the versions and prints the chain head."""
    config, data, url, _ = three_versions
    code, out, _ = editwatch(config, data, "verify")
    with Store(url) as store:
        head = store.evidence()[-1].record_hash
    assert code == 0 and "3 versions of 1 watches verified" in out and head in out


@pytest.mark.parametrize(
    ("statement", "number", "reason"),
    [
        ("UPDATE versions SET article = REPLACE(article, 'Budget fails', 'Budget wins')"
         " WHERE number = 2", 2, "article text"),
        ("UPDATE evidence SET status = 203 WHERE number = 1", 1, "its own hash"),
        ("UPDATE evidence SET final_url = 'https://elsewhere.example/' WHERE number = 3",
         3, "its own hash"),
        ("DELETE FROM versions WHERE number = 2", 3, "does not chain to version 1"),
    ],
)  # fmt: skip
def test_verify_names_the_tampered_version(
    three_versions: tuple,  # type: ignore[type-arg]
    statement: str,
    number: int,
    reason: str,
) -> None:
    """An edited article, an edited record or a deleted version fails `verify`, naming it."""
    config, data, url, _ = three_versions
    if statement.startswith("DELETE"):
        doomed = "(SELECT id FROM versions WHERE number = 2)"
        execute(url, f"DELETE FROM changes WHERE new_version_id IN {doomed} "
                     f"OR old_version_id IN {doomed}")  # fmt: skip
        execute(url, "UPDATE watches SET current_version_id = NULL")
    execute(url, statement)
    code, _, message = editwatch(config, data, "verify")
    assert code == 1
    assert f"TAMPERED story version {number}:" in message and reason in message


def test_rewritten_page_bytes_fail_verify(three_versions: tuple) -> None:  # type: ignore[type-arg]
    """Swapping the stored page of version 1 for other bytes is caught by its sha256."""
    config, data, url, _ = three_versions
    execute(url, "UPDATE version_pages SET raw_html = :blob WHERE version_id ="
            " (SELECT id FROM versions WHERE number = 1)",
            blob=zlib.compress(b"<html>forged</html>"))  # fmt: skip
    code, _, message = editwatch(config, data, "verify")
    assert code == 1 and "version 1: the stored page bytes do not match" in message


def test_warc_export_reads_back_with_matching_digests(
    three_versions: tuple,  # type: ignore[type-arg]
    tmp_path: Path,
) -> None:
    """The WARC holds a request and a response per version; payload sha256s match evidence."""
    config, data, url, served = three_versions
    target = tmp_path / "captures.warc.gz"
    code, _, message = editwatch(config, data, "warc", "-o", str(target))
    assert code == 0 and "wrote 3 captures" in message
    with Store(url) as store:
        expected = [r.raw_sha256 for r in store.evidence()]
    responses, requests, metadata = [], {}, []
    with target.open("rb") as handle:
        for record in ArchiveIterator(handle, check_digests="raise"):
            kind = record.rec_type
            if kind == "request":
                requests[record.rec_headers.get_header("WARC-Record-ID")] = record
            elif kind == "response":
                body = record.content_stream().read()
                digest = record.rec_headers.get_header("WARC-Payload-Digest")
                concurrent = record.rec_headers.get_header("WARC-Concurrent-To")
                responses.append((body, digest, concurrent, record.http_headers))
            elif kind == "metadata":
                metadata.append(json.loads(record.content_stream().read()))
    assert [body for body, *_ in responses] == served
    assert [d for _, d, *_ in responses] == [f"sha256:{h}" for h in expected]
    assert all(hashlib.sha256(b).hexdigest() == d[7:] for b, d, *_ in responses)
    assert all(concurrent in requests for _, _, concurrent, _ in responses)
    assert all(h.get_statuscode() == "200" for *_, h in responses)
    assert [m["raw_sha256"] for m in metadata] == expected


def test_verify_still_checks_a_history_whose_old_pages_retention_dropped(
    three_versions: tuple,  # type: ignore[type-arg]
) -> None:
    """Once retention drops the superseded pages, `verify` passes the untouched history (a page
    that is gone has no bytes to hash) and still catches an edited article of such a version."""
    config, data, url, _ = three_versions
    with Store(url) as store:
        report = store.prune_raw_html(0, apply=True)
        assert report.versions == 2 and store.raw_html(store.evidence()[0].version_id) is None
    code, out, _ = editwatch(config, data, "verify")
    assert code == 0 and "3 versions of 1 watches verified" in out
    execute(url, "UPDATE versions SET article = REPLACE(article, 'Budget passes', 'Budget won')"
            " WHERE number = 1")  # fmt: skip
    code, _, message = editwatch(config, data, "verify")
    assert code == 1 and "TAMPERED story version 1:" in message and "article text" in message

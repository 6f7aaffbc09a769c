"""The fetch stage's pure parts: charset detection on bytes already received.

Everything that needs an HTTP answer (statuses, redirects, caps, time limits) is in
tests/integration/test_fetch.py, against a real local server.
"""

from __future__ import annotations

import pytest

from tests.integration.test_fetch import CHARSET_CASES
from worker.fetch import decode_html


@pytest.mark.parametrize(("content_type", "body", "encoding", "fragment"), CHARSET_CASES)
def test_charset_is_decided_like_a_browser(
    content_type: str, body: bytes, encoding: str, fragment: str
) -> None:
    """BOM, then the header's charset, then <meta>, else UTF-8; bad bytes become U+FFFD."""
    header = content_type.partition("charset=")[2] or None
    found, text = decode_html(body, header)
    assert found == encoding and fragment in text


def test_meta_charset_beyond_the_sniff_window_is_ignored() -> None:
    """Only the first 4 KiB are sniffed for <meta charset>, as browsers do."""
    late = b"<p>" + b"x" * 5000 + b'<meta charset="koi8-r"><p>\xc3\xa9</p>'
    assert decode_html(late) == ("utf-8", late.decode("utf-8"))

"""What the default engine (aiohttp) puts on the request line for a watched URL.

Strict servers (Tomcat's default, for one) answer 400 to a request target holding a raw ``%``
that starts no escape, or ``|``, ``{}``, ``[]``, ``^``: a URL a user pasted from a browser's
address bar must reach them percent-encoded, as it did before the transport went straight to
aiohttp's session.
"""

from __future__ import annotations

import asyncio

import pytest

from tests.httpserver import LocalHTTPServer
from worker.config import FetchSettings
from worker.fetch import fetch, make_client
from worker.models import Validators

LOCAL = FetchSettings(allow_private_networks=True)
assert LOCAL.transport == "aiohttp", "these targets are the default engine's"


async def _fetch(url: str) -> None:
    async with make_client(LOCAL) as client:
        await fetch(client, url, Validators(), LOCAL)


@pytest.mark.parametrize(
    ("written", "sent"),
    [
        ("/tags?any=a|b", "/tags?any=a%7Cb"),
        ("/search?q={x}[y]^z", "/search?q=%7Bx%7D%5By%5D%5Ez"),
        ("/100%", "/100%25"),
        ("/sale?off=%zz", "/sale?off=%25zz"),
    ],
)
def test_characters_strict_servers_refuse_are_sent_percent_encoded(
    http_server: LocalHTTPServer, written: str, sent: str
) -> None:
    http_server.route(sent.split("?")[0], body=b"<p>ok</p>", headers={"Content-Type": "text/html"})
    asyncio.run(_fetch(http_server.url(written)))
    [request] = http_server.requests()
    assert request.target == sent

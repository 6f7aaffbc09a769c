"""Run a fetch test module once per HTTP engine (``fetch.transport``: aiohttp and httpx).

A module opts in with ``pytestmark = pytest.mark.usefixtures("each_transport")``; every
``make_client`` it calls then builds the client on that engine, so each guarantee (time-outs,
the deadline, the size cap, error mapping, pinning) is proven through both.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import Any, get_args

import pytest

from worker.config import FetchSettings
from worker.fetch import make_client

TRANSPORTS = get_args(FetchSettings.model_fields["transport"].annotation)


@pytest.fixture(params=TRANSPORTS)
def each_transport(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """The engine under test; the requesting module's ``make_client`` is switched to it."""
    name: str = request.param

    def on_engine(settings: FetchSettings, *args: Any, **kwargs: Any) -> Any:
        return make_client(settings.model_copy(update={"transport": name}), *args, **kwargs)

    monkeypatch.setattr(sys.modules[request.module.__name__], "make_client", on_engine)
    yield name

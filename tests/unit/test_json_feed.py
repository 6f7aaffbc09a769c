"""JSON Feed (jsonfeed.org) as a feed source: items, dates (date_modified is the polling
signal) and clear errors for JSON that is not a feed."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from worker.errors import ExtractError
from worker.schedule.feeds import parse_feed

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def feed(
    items: list[dict[str, object]], version: str = "https://jsonfeed.org/version/1.1"
) -> bytes:
    return json.dumps({"version": version, "title": "T", "items": items}).encode()


def test_items_become_feed_items_with_their_modified_time() -> None:
    items = parse_feed(
        feed([
            {"id": "1", "url": "/a", "title": " Story  A ", "tags": ["World", "World", ""],
             "date_published": "2026-12-01T08:00:00Z",
             "date_modified": "2026-12-01T10:30:00+01:00"},
            {"id": "2", "external_url": "https://other.example/b"},
            {"id": "3", "url": "javascript:alert(1)"},
            {"id": "4"},
        ]),
        "https://news.example/feed.json", max_age=None, now=NOW,
    )  # fmt: skip
    assert [i.url for i in items] == ["https://news.example/a", "https://other.example/b"]
    first = items[0]
    assert first.title == "Story A" and first.tags == ("World",)
    assert first.published == datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    assert first.updated == datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
    assert items[1].updated is None


def test_old_items_are_dropped_like_in_rss() -> None:
    old = {"id": "1", "url": "https://n.example/a", "date_published": "2026-11-01T00:00:00Z"}
    assert parse_feed(feed([old]), "https://n.example/f", max_age=86400.0, now=NOW) == []


@pytest.mark.parametrize(
    ("content", "problem"),
    [(b"{not json", "not a JSON Feed"), (b'{"items": []}', "no version"),
     (feed([], version="2"), "no version")],
)  # fmt: skip
def test_json_that_is_not_a_feed_is_a_clear_error(content: bytes, problem: str) -> None:
    with pytest.raises(ExtractError, match=problem):
        parse_feed(content, "https://n.example/f", max_age=None, now=NOW)

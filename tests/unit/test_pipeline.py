"""Pipeline pieces on a real SQLite store: registering watches, burst holds and releases."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from worker.clock import utcnow
from worker.diff import compare
from worker.models import Article, Watch
from worker.pipeline import register_watches, targets_for
from worker.pipeline.context import Target
from worker.pipeline.debounce import hold_until, release_bursts
from worker.pipeline.payload import build_payload
from worker.store import NewAlert, NewChange, Store

URL = "https://news.example/story"


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store.open(tmp_path)


def save(store: Store, target: Target, headline: str, old: Article | None, hold: bool) -> int:
    """Store a state with the headline; with ``old`` also its change and one alert on 'desk'."""
    new = Article(headline=headline, paragraphs=("The body.",))
    now = utcnow()
    change = compare(old, new) if old is not None else None
    record = (
        NewChange(tuple(sorted(change.kinds)), change.significance, False, {}) if change else None
    )
    alert = None
    if change is not None and old is not None:
        payload = build_payload(target.watch.name, URL, change, old, new, now)
        alert = NewAlert(payload, ("desk",), hold_until(target, store, now) if hold else None)
    saved = store.save_state(
        target.id, article=new, fingerprint=headline, raw_html=b"", extractor_version="t",
        seen_at=now, change=record, alert=alert,
    )  # fmt: skip
    return saved.notification_ids[0] if saved.notification_ids else 0


def test_targets_from_an_earlier_registration_only_read(store: Store) -> None:
    """With the ids of the config load, pairing watches writes nothing (a rename waits)."""
    registered = register_watches(store, [Watch(URL, "first name", 60.0)])
    renamed = [Watch(URL, "second name", 60.0)]
    (target,) = targets_for(store, renamed, registered)
    assert target.id == registered[URL] and target.watch.name == "second name"
    assert [w.name for w in store.list_watches()] == ["first name"]
    targets_for(store, renamed)  # without: registers now
    assert [w.name for w in store.list_watches()] == ["second name"]


def test_a_burst_of_edits_waits_and_goes_out_as_one_cumulative_alert(store: Store) -> None:
    """After an alert (A -> B), the edits within the window wait and go out as one B -> D."""
    watch = Watch(URL, "story", 60.0, channels=("desk",), debounce=600.0)
    target = targets_for(store, [watch])[0]
    a, b, c = (Article(headline=h, paragraphs=("The body.",)) for h in ("A", "B", "C"))
    save(store, target, "A", None, hold=True)
    first = save(store, target, "B", a, hold=True)
    held = [save(store, target, "C", b, hold=True), save(store, target, "D", c, hold=True)]
    assert [n.id for n in store.notifications("pending")] == [first]
    assert [n.id for n in store.notifications("held")] == held
    assert release_bursts(store, (), utcnow()) == []  # window still open
    (released,) = release_bursts(store, (), utcnow() + timedelta(seconds=601))
    alert = store.get_notification(released)
    assert alert is not None and alert.state == "pending"
    assert released == held[-1] and alert.payload["debounced"] == 2
    assert alert.payload["diff"]["headline"] == {"old": "B", "new": "D", "changed": True}
    assert (alert.payload["old_version"], alert.payload["new_version"]) == (2, 4)
    assert store.notifications("held") == []
    assert [n.id for n in store.notifications("merged")] == held[:1]


def test_held_rows_of_a_digest_channel_are_left_to_the_digest(store: Store) -> None:
    """A burst release skips digest channels: their window is the channel's, not the watch's."""
    watch = Watch(URL, "story", 60.0, channels=("desk",), debounce=600.0)
    target = targets_for(store, [watch])[0]
    a, b = (Article(headline=h, paragraphs=("The body.",)) for h in ("A", "B"))
    save(store, target, "A", None, hold=True)
    save(store, target, "B", a, hold=True)
    save(store, target, "C", b, hold=True)
    assert release_bursts(store, ("desk",), utcnow() + timedelta(hours=1)) == []
    assert len(store.notifications("held")) == 1

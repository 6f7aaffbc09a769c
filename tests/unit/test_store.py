"""Behaviour of the store, run against SQLite and (when available) PostgreSQL alike."""

from __future__ import annotations

import sqlite3
import threading
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from worker.errors import StoreError
from worker.models import Article, Validators, Watch
from worker.store import (
    DEFAULT_SQLITE_FILENAME,
    CheckRow,
    NewAlert,
    NewChange,
    SavedState,
    Store,
    rows,
)

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)
URL = "https://news.example/story"
THREADS = 6
THREAD_JOIN_TIMEOUT_S = 60
EDIT = NewChange(kinds=("headline",), significance="major", silent=False, diff={"ops": [1, 2]})
PAYLOAD = {"watch": "story", "url": "https://example.org/story", "kinds": ["headline"]}


def _watch(store: Store, url: str = URL, name: str = "story") -> int:
    return store.sync_watches([Watch(url=url, name=name, interval=300)])[url]


def _save(
    store: Store,
    watch_id: int,
    fingerprint: str,
    *,
    seen_at: datetime = T0,
    change: NewChange | None = None,
    channels: Sequence[str] = (),
    payload: dict[str, Any] | None = None,
) -> SavedState:
    return store.save_state(
        watch_id,
        article=Article(headline=f"headline {fingerprint}", paragraphs=("one", "two")),
        fingerprint=fingerprint,
        raw_html=f"<h1>{fingerprint}</h1>".encode(),
        extractor_version="test-1",
        seen_at=seen_at,
        change=change,
        alert=NewAlert(payload or dict(PAYLOAD), tuple(channels)) if channels else None,
    )


def _queue_one(store: Store, channels: Sequence[str] = ("log",)) -> tuple[int, ...]:
    watch_id = _watch(store)
    _save(store, watch_id, "a")
    saved = _save(store, watch_id, "b", change=EDIT, channels=channels)
    return saved.notification_ids


def _run_threads(target: Any, count: int) -> None:
    threads = [threading.Thread(target=target) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(THREAD_JOIN_TIMEOUT_S)
        assert not thread.is_alive(), "a worker thread hung"


# --- watches ----------------------------------------------------------------------------------


def test_sync_watches_upserts_by_url_and_keeps_missing(store: Store) -> None:
    """Re-syncing the config renames known watches and never deletes one (history is kept)."""
    first = store.sync_watches(
        [Watch(url=URL, name="old", interval=60), Watch(url=URL + "2", name="two", interval=60)],
        source="https://news.example/feed",
    )
    second = store.sync_watches([Watch(url=URL, name="new", interval=60)])
    assert second[URL] == first[URL]
    assert sorted(store.watch_ids()) == sorted(first.values())
    renamed = store.get_watch(first[URL])
    assert renamed is not None
    assert (renamed.name, renamed.source) == ("new", "https://news.example/feed")


def test_sync_watches_registers_every_chunk_with_its_own_address(store: Store) -> None:
    """More new watches than one insert chunk, around a known one: each gets its own id and
    its own URL as its article's address, and a second sync returns the same ids."""
    known = _watch(store, URL + "/known", "known")
    count = 2 * rows.INSERT_CHUNK + 7
    configured = [Watch(url=f"{URL}/{i}", name=f"n{i}", interval=60) for i in range(count)]
    configured.insert(count // 2, Watch(url=URL + "/known", name="known", interval=60))
    ids = store.sync_watches(configured)
    assert len(ids) == count + 1 and len(set(ids.values())) == count + 1
    assert ids[URL + "/known"] == known
    owners = store.address_owners([w.url for w in configured])
    assert {url: owner for owner, url in owners.values()} == ids
    assert store.sync_watches(configured) == ids


def test_watch_found_by_url_or_name_and_ambiguous_names_refused(store: Store) -> None:
    """`editwatch history NAME` finds a watch by URL or name and refuses to guess between two."""
    watch_id = _watch(store, URL, "story")
    _watch(store, URL + "?b", "twin")
    _watch(store, URL + "?c", "twin")
    by_url = store.get_watch_by_url_or_name(URL)
    by_name = store.get_watch_by_url_or_name("story")
    assert by_url is not None and by_name is not None
    assert by_url.id == by_name.id == watch_id
    assert store.get_watch_by_url_or_name("nothing") is None
    with pytest.raises(StoreError, match="2 watches are named 'twin'"):
        store.get_watch_by_url_or_name("twin")


def test_list_watches_reports_last_check_and_version_count(store: Store) -> None:
    """The watch list shows when each watch was checked, how it went and how many states it had."""
    watch_id = _watch(store)
    _save(store, watch_id, "a")
    _save(store, watch_id, "b", change=EDIT)
    store.record_check(
        watch_id,
        started_at=T0,
        duration_ms=12.5,
        status=200,
        nbytes=900,
        outcome="changed",
        error=None,
        validators=None,
    )
    [record] = store.list_watches()
    assert (record.version_count, record.current_version) == (2, 2)
    assert (record.last_checked_at, record.last_outcome) == (T0, "changed")


# --- versions -------------------------------------------------------------------------------


def test_same_state_twice_stores_one_version(store: Store) -> None:
    """Seeing an unchanged article again bumps last_seen instead of storing a second copy."""
    watch_id = _watch(store)
    first = _save(store, watch_id, "a", seen_at=T0)
    again = _save(store, watch_id, "a", seen_at=T0 + MINUTE)
    assert (first.is_new_version, again.is_new_version) == (True, False)
    assert again.version_id == first.version_id
    [version] = store.versions(watch_id)
    assert (version.first_seen, version.last_seen) == (T0, T0 + MINUTE)


def test_return_to_older_state_reuses_its_version(store: Store) -> None:
    """A -> B -> A (an edit reverted) keeps two versions and points back at version 1."""
    watch_id = _watch(store)
    _save(store, watch_id, "a")
    _save(store, watch_id, "b", change=EDIT, seen_at=T0 + MINUTE)
    back = _save(store, watch_id, "a", change=EDIT, seen_at=T0 + 2 * MINUTE)
    assert (back.version_number, back.is_new_version) == (1, False)
    assert [v.number for v in store.versions(watch_id)] == [1, 2]
    current = store.current_version(watch_id)
    assert current is not None and current.fingerprint == "a"
    assert [(c.old_version, c.new_version) for c in store.changes(watch_id)] == [(1, 2), (2, 1)]


def test_version_lookups_return_the_stored_article(store: Store) -> None:
    """Versions come back by number, by fingerprint and newest-first, with article and HTML."""
    watch_id = _watch(store)
    for index, fingerprint in enumerate("abc"):
        _save(store, watch_id, fingerprint, seen_at=T0 + index * MINUTE)
    assert [v.number for v in store.recent_versions(watch_id, 2)] == [3, 2]
    second = store.version(watch_id, 2)
    assert second is not None
    assert second.article == Article(headline="headline b", paragraphs=("one", "two"))
    assert store.find_version(watch_id, "c") == store.version(watch_id, 3)
    assert store.find_version(watch_id, "zzz") is None
    assert store.raw_html(second.id) == b"<h1>b</h1>"


def test_touch_version_bumps_last_seen(store: Store) -> None:
    """A 304 or equal fingerprint records that the state was still live at that time."""
    watch_id = _watch(store)
    saved = _save(store, watch_id, "a")
    store.touch_version(saved.version_id, T0 + 5 * MINUTE)
    current = store.current_version(watch_id)
    assert current is not None and current.last_seen == T0 + 5 * MINUTE


def test_concurrent_saves_for_one_watch_number_versions_densely(store_url: str) -> None:
    """Workers saving states for one watch at once get versions 1..N, none lost or duplicated."""
    with Store(store_url) as setup:
        watch_id = _watch(setup)
    barrier = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def save_distinct_state() -> None:
        with Store(store_url) as store:
            barrier.wait(THREAD_JOIN_TIMEOUT_S)
            try:
                _save(store, watch_id, f"state-{threading.get_ident()}")
            except BaseException as error:
                errors.append(error)

    _run_threads(save_distinct_state, THREADS)
    assert errors == []
    with Store(store_url) as check:
        assert [v.number for v in check.versions(watch_id)] == list(range(1, THREADS + 1))


# --- changes and the outbox commit together -----------------------------------------------


def test_change_and_its_outbox_rows_commit_together(store: Store) -> None:
    """A detected edit is stored with one pending notification per channel, payload included."""
    watch_id = _watch(store)
    _save(store, watch_id, "a")
    saved = _save(store, watch_id, "b", change=EDIT, channels=("log", "slack", "log"))
    assert saved.change_id is not None and len(saved.notification_ids) == 2
    [change] = store.changes(watch_id)
    assert (change.kinds, change.significance, change.diff) == (("headline",), "major", EDIT.diff)
    pending = store.notifications("pending")
    assert sorted(n.channel for n in pending) == ["log", "slack"]
    # The row keeps the envelope; the diff is stored once, in the change, and handed out with it.
    expected = {
        **PAYLOAD,
        "change_id": saved.change_id,
        "old_version": 1,
        "new_version": 2,
        "diff": EDIT.diff,
    }
    assert all(n.payload == expected for n in pending)
    assert store.due_notifications(T0) == list(saved.notification_ids)


def test_failure_inside_save_state_writes_nothing(store: Store) -> None:
    """If a payload cannot be stored, the version, change and outbox rows are all rolled back."""
    watch_id = _watch(store)
    _save(store, watch_id, "a")
    broken = {"watch": "w", "when": object()}  # not JSON: the outbox insert fails
    with pytest.raises(StoreError, match="not JSON-serialisable"):
        _save(store, watch_id, "b", change=EDIT, channels=("log",), payload=broken)
    assert [v.fingerprint for v in store.versions(watch_id)] == ["a"]
    current = store.current_version(watch_id)
    assert current is not None and current.fingerprint == "a"
    assert store.changes(watch_id) == []
    assert store.notifications() == []


def test_unserialisable_diff_is_a_store_error_and_writes_nothing(store: Store) -> None:
    """A diff that cannot be stored as JSON fails loudly and leaves the database untouched."""
    watch_id = _watch(store)
    bad = NewChange(kinds=("body",), significance="minor", silent=False, diff={"x": object()})
    with pytest.raises(StoreError, match="change diff is not JSON-serialisable"):
        _save(store, watch_id, "a", change=bad, channels=("log",))
    assert store.versions(watch_id) == []
    assert store.notifications() == []


def test_save_state_for_unknown_watch_is_refused(store: Store) -> None:
    """Saving against a watch id that does not exist is an error, not a silent orphan row."""
    with pytest.raises(StoreError, match="no watch with id 999"):
        _save(store, 999, "a")


# --- outbox ---------------------------------------------------------------------------------


def test_concurrent_claims_have_exactly_one_winner(store_url: str) -> None:
    """Several workers racing for the same notifications each deliver every row exactly once."""
    with Store(store_url) as setup:
        ids = _queue_one(setup, channels=[f"channel-{n}" for n in range(20)])
    barrier = threading.Barrier(THREADS)
    wins: list[int] = []
    lock = threading.Lock()

    def claim_everything() -> None:
        with Store(store_url) as store:
            barrier.wait(THREAD_JOIN_TIMEOUT_S)
            won = [i for i in ids if store.claim_notification(i, T0) is not None]
        with lock:
            wins.extend(won)

    _run_threads(claim_everything, THREADS)
    assert Counter(wins) == Counter(ids)


def test_claim_waits_for_next_attempt_at(store: Store) -> None:
    """A row scheduled for later cannot be claimed early, and a claimed row not twice."""
    [notification_id] = _queue_one(store)
    assert store.claim_notification(notification_id, T0 - MINUTE) is None
    claimed = store.claim_notification(notification_id, T0)
    assert claimed is not None and claimed.state == "sending"
    assert store.claim_notification(notification_id, T0) is None


def test_retry_reschedules_and_counts_attempts(store: Store) -> None:
    """A transient failure goes back to pending, due only at its next attempt time."""
    [notification_id] = _queue_one(store)
    store.claim_notification(notification_id, T0)
    assert store.mark_retry(notification_id, "HTTP 503", T0 + 5 * MINUTE)
    assert store.due_notifications(T0 + MINUTE) == []
    assert store.due_notifications(T0 + 5 * MINUTE) == [notification_id]
    row = store.get_notification(notification_id)
    assert row is not None and (row.state, row.attempts, row.last_error) == (
        "pending",
        1,
        "HTTP 503",
    )


def test_sent_rows_are_settled(store: Store) -> None:
    """A delivered row is sent for good: not due, not claimable, not retried."""
    [notification_id] = _queue_one(store)
    store.claim_notification(notification_id, T0)
    assert store.mark_sent(notification_id, T0)
    assert store.due_notifications(T0 + MINUTE) == []
    assert store.claim_notification(notification_id, T0 + MINUTE) is None
    assert not store.mark_retry(notification_id, "late", T0)
    assert [n.state for n in store.notifications()] == ["sent"]


def test_dead_rows_can_be_reset(store: Store) -> None:
    """`editwatch alerts retry` gives dead rows a fresh start with attempts back at zero."""
    first, second = _queue_one(store, channels=("log", "slack"))
    for notification_id in (first, second):
        store.claim_notification(notification_id, T0)
        store.mark_dead(notification_id, "HTTP 404")
    assert [n.attempts for n in store.notifications("dead")] == [1, 1]
    assert store.reset_dead([first]) == 1
    assert [n.id for n in store.notifications("pending")] == [first]
    assert store.reset_dead() == 1
    assert {(n.state, n.attempts, n.last_error) for n in store.notifications()} == {
        ("pending", 0, None)
    }


def test_requeue_stale_returns_abandoned_claims(store: Store) -> None:
    """A row left in `sending` by a dead worker goes back to pending after the grace period."""
    [notification_id] = _queue_one(store)
    store.claim_notification(notification_id, T0)
    assert store.requeue_stale(older_than=T0 - MINUTE) == 0
    assert store.requeue_stale(older_than=T0 + MINUTE) == 1
    assert store.claim_notification(notification_id, datetime.now(UTC)) is not None


def test_unknown_notification_state_is_refused(store: Store) -> None:
    """Asking for a state that does not exist is an error rather than an empty list."""
    with pytest.raises(StoreError, match="unknown notification state 'done'"):
        store.notifications("done")


# --- checks ---------------------------------------------------------------------------------


def _check(store: Store, watch_id: int, outcome: str, **overrides: Any) -> int:
    values: dict[str, Any] = {
        "started_at": T0,
        "duration_ms": 5.0,
        "status": 200,
        "nbytes": 100,
        "error": None,
        "validators": None,
    }
    return store.record_check(watch_id, outcome=outcome, **(values | overrides))


def test_record_check_counts_consecutive_failures(store: Store) -> None:
    """Failures in a row are counted (for back-off and alerts); a success resets the count."""
    watch_id = _watch(store)
    for _ in range(2):
        _check(store, watch_id, "error", status=503, error="HTTP 503")
    failing = store.get_watch(watch_id)
    assert failing is not None
    assert (failing.consecutive_failures, failing.last_error) == (2, "HTTP 503")
    _check(store, watch_id, "unchanged")
    healed = store.get_watch(watch_id)
    assert healed is not None
    assert (healed.consecutive_failures, healed.last_error, healed.last_outcome) == (
        0,
        None,
        "unchanged",
    )
    assert [c.outcome for c in store.checks(watch_id)] == ["unchanged", "error", "error"]


def test_record_check_remembers_validators_only_when_given(store: Store) -> None:
    """ETag/Last-Modified from a response are kept for the next conditional request."""
    watch_id = _watch(store)
    assert store.validators(watch_id) == Validators()
    sent = Validators(etag='"v1"', last_modified="Wed, 01 May 2024 12:00:00 GMT")
    _check(store, watch_id, "new", validators=sent)
    _check(store, watch_id, "error", error="timeout")
    assert store.validators(watch_id) == sent


def test_record_check_rejects_unknown_outcome(store: Store) -> None:
    """An outcome outside the known set is refused before it reaches the database."""
    watch_id = _watch(store)
    with pytest.raises(StoreError, match="unknown check outcome 'weird'"):
        _check(store, watch_id, "weird")


def _row(watch_id: int, outcome: str, at: datetime = T0, **values: Any) -> CheckRow:
    return CheckRow(watch_id, at, 5.0, values.pop("status", 200), 100, outcome, **values)


def test_record_checks_writes_a_batch_like_single_checks(store: Store) -> None:
    """A batch keeps every check's row, each watch's summary and streak, and the validators."""
    ok, failing = _watch(store), _watch(store, URL + "2", "two")
    sent = Validators(etag='"v1"')
    store.record_checks([_row(ok, "new", validators=sent), _row(failing, "error", error="x")])
    store.record_checks(
        [_row(ok, "unchanged", T0 + MINUTE), _row(failing, "error", T0 + MINUTE, error="y")]
    )
    healthy, broken = store.get_watch(ok), store.get_watch(failing)
    assert healthy is not None and broken is not None
    assert (healthy.last_outcome, healthy.consecutive_failures) == ("unchanged", 0)
    assert healthy.last_checked_at == T0 + MINUTE
    assert (broken.consecutive_failures, broken.last_error) == (2, "y")
    assert store.validators(ok) == sent
    assert [c.outcome for c in store.checks(ok)] == ["unchanged", "new"]


def test_record_checks_counts_a_watch_twice_in_order(store: Store) -> None:
    """Two checks of one watch in one batch: the streak follows them in order."""
    watch_id = _watch(store)
    store.record_checks([_row(watch_id, "error", error="x"), _row(watch_id, "unchanged")])
    record = store.get_watch(watch_id)
    assert record is not None and record.consecutive_failures == 0


def test_record_checks_touches_the_state_seen_again(store: Store) -> None:
    """An unchanged check in a batch moves its version's last_seen; nothing else is stored."""
    watch_id = _watch(store)
    saved = _save(store, watch_id, "a")
    store.record_checks(
        [_row(watch_id, "unchanged", T0 + MINUTE, seen_version_id=saved.version_id)]
    )
    current = store.current_version(watch_id)
    assert current is not None and current.last_seen == T0 + MINUTE
    assert len(store.versions(watch_id)) == 1


def test_record_checks_refuses_unknown_watch_and_writes_nothing(store: Store) -> None:
    """A batch naming a watch that does not exist is refused whole, naming the id."""
    watch_id = _watch(store)
    with pytest.raises(StoreError, match="no watch with id 999"):
        store.record_checks([_row(watch_id, "unchanged"), _row(999, "unchanged")])
    assert store.checks(watch_id) == []


def test_check_and_watch_states_read_a_batch(store: Store) -> None:
    """One read gives each watch's current version, validators, streak and last change."""
    fresh, stored = _watch(store), _watch(store, URL + "2", "two")
    saved = _save(store, stored, "a", seen_at=T0)
    store.record_checks([_row(stored, "new", validators=Validators(etag='"e"'))])
    states = store.check_states([fresh, stored])
    assert states[fresh].current is None and states[fresh].validators == Validators()
    current = states[stored].current
    assert current is not None and current.id == saved.version_id
    assert current.article.paragraphs == ("one", "two")
    assert states[stored].validators == Validators(etag='"e"')
    watched = store.watch_states([fresh, stored])
    assert watched[stored].last_changed_at == T0 and watched[fresh].last_changed_at is None
    assert (watched[stored].name, watched[stored].consecutive_failures) == ("two", 0)


def test_a_batch_read_decodes_no_article_until_one_is_used(store: Store) -> None:
    """A check that needs only the current version's id (a 304) pays no article decoding."""
    watch_id = _watch(store)
    _save(store, watch_id, "a")
    current = store.check_states([watch_id])[watch_id].current
    assert current is not None and isinstance(current.stored, str)
    assert current == store.check_states([watch_id])[watch_id].current  # same row, same version
    assert current.article == Article(headline="headline a", paragraphs=("one", "two"))
    assert current.stored is current.article  # decoded once, then kept
    assert current == store.check_states([watch_id])[watch_id].current


# --- datetimes ------------------------------------------------------------------------------


def test_datetimes_come_back_aware_utc(store: Store) -> None:
    """Times given in any zone are stored as the same instant and returned in UTC."""
    watch_id = _watch(store)
    paris = timezone(timedelta(hours=2))
    _save(store, watch_id, "a", seen_at=T0.astimezone(paris))
    version = store.current_version(watch_id)
    assert version is not None
    assert version.first_seen == T0 and version.first_seen.utcoffset() == timedelta(0)


def test_naive_datetimes_are_refused(store: Store) -> None:
    """A naive datetime is rejected instead of being silently read in some local zone."""
    watch_id = _watch(store)
    with pytest.raises(StoreError, match="naive datetime"):
        _save(store, watch_id, "a", seen_at=datetime(2024, 5, 1, 12, 0))


# --- opening --------------------------------------------------------------------------------


def test_processes_opening_a_fresh_database_at_once_all_succeed(store_url: str) -> None:
    """A worker, beat and the CLI starting together on an empty database all get its tables."""
    barrier = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def open_and_use() -> None:
        barrier.wait(THREAD_JOIN_TIMEOUT_S)
        try:
            with Store(store_url) as store:
                store.list_watches()
        except BaseException as error:
            errors.append(error)

    _run_threads(open_and_use, THREADS)
    assert errors == []


def test_open_defaults_to_sqlite_in_the_data_dir(tmp_path: Path) -> None:
    """Without DATABASE_URL the store is a WAL-mode SQLite file inside the data directory."""
    data_dir = tmp_path / "data" / "nested"
    with Store.open(data_dir, None) as store:
        assert store.backend == "sqlite"
        _watch(store)
    path = data_dir / DEFAULT_SQLITE_FILENAME
    connection = sqlite3.connect(path)
    try:
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert connection.execute("SELECT url FROM watches").fetchall() == [(URL,)]
    finally:
        connection.close()


def test_sqlite_enforces_foreign_keys(sqlite_store: Store) -> None:
    """SQLite rejects a check for a watch that does not exist, as PostgreSQL does."""
    with pytest.raises(StoreError, match="no watch with id 42"):
        _check(sqlite_store, 42, "new")


def test_open_prefers_database_url(tmp_path: Path, sqlite_url: str) -> None:
    """DATABASE_URL wins over the data directory, which is then left alone."""
    with Store.open(tmp_path / "unused", sqlite_url) as store:
        _watch(store)
    assert not (tmp_path / "unused").exists()


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("not a url", "not a database URL"),
        ("nosuchdb://host/db", "unknown database kind"),
        ("sqlite:////nonexistent-dir/editwatch.db", "directory exists and is writable"),
        (
            "postgresql+psycopg://editwatch:s3cret@127.0.0.1:1/editwatch",
            "check DATABASE_URL",
        ),
    ],
)
def test_unopenable_databases_explain_how_to_fix_it(url: str, expected: str) -> None:
    """A bad DATABASE_URL fails with the URL (password masked) and what to check."""
    with pytest.raises(StoreError, match="cannot open database") as raised:
        Store(url)
    assert expected in str(raised.value)
    assert "s3cret" not in str(raised.value)


# --- headline history ---------------------------------------------------------------------


def _save_headline(store: Store, watch_id: int, headline: str, kinds: tuple[str, ...]) -> None:
    change = NewChange(kinds, "major", False, {}) if kinds else None
    store.save_state(
        watch_id,
        article=Article(headline=headline, paragraphs=("body",)),
        fingerprint=f"{headline}-{len(store.changes(watch_id))}-{kinds}",
        raw_html=b"",
        extractor_version="test-1",
        seen_at=T0,
        change=change,
    )


def test_headline_history_lists_each_state_and_remembers_a_reported_ab_test(store: Store) -> None:
    """A/B detection gets the headline after every change and whether one was already reported."""
    watch_id = _watch(store)
    _save_headline(store, watch_id, "A", ())
    for headline in ("B", "A", "B"):
        _save_headline(store, watch_id, headline, ("headline",))
    history = store.headline_history(watch_id)
    assert history.headlines == ("A", "B", "A", "B") and not history.ab_test_reported
    _save_headline(store, watch_id, "A", ("headline", "ab_test_repeat"))
    assert not store.headline_history(watch_id).ab_test_reported  # a repeat is not the report
    _save_headline(store, watch_id, "B", ("headline", "ab_test"))
    assert store.headline_history(watch_id).ab_test_reported


def test_headline_history_keeps_only_the_latest_changes(store: Store) -> None:
    """With a limit, the oldest states drop out and the first version no longer leads."""
    watch_id = _watch(store)
    _save_headline(store, watch_id, "first", ())
    for headline in ("one", "two", "three"):
        _save_headline(store, watch_id, headline, ("headline",))
    assert store.headline_history(watch_id, limit=2).headlines == ("two", "three")
    assert store.headline_history(watch_id, limit=3).headlines == ("one", "two", "three")
    assert store.headline_history(watch_id, limit=4).headlines[0] == "first"

"""The store against real servers and real processes: PostgreSQL, and separate OS processes."""

from __future__ import annotations

import multiprocessing
import threading
from collections import Counter
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from tests.db_fixtures import claim_in_process, drain
from tests.waiting import wait_for
from worker.errors import StoreError
from worker.models import Article, Watch
from worker.store import NewAlert, NewChange, Store, outbox
from worker.store.schema import changes, posts

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
PROCESSES = 4
CHANNELS = 30
PROCESS_TIMEOUT_S = 60
EDIT = NewChange(kinds=("body",), significance="minor", silent=False, diff={})


def _queue_notifications(store: Store, channels: int) -> tuple[int, ...]:
    url = "https://news.example/race"
    watch_id = store.sync_watches([Watch(url=url, name="race", interval=60)])[url]
    saved = None
    for fingerprint in ("a", "b"):
        saved = store.save_state(
            watch_id,
            article=Article(headline=fingerprint),
            fingerprint=fingerprint,
            raw_html=b"<html></html>",
            extractor_version="test",
            seen_at=T0,
            change=EDIT if fingerprint == "b" else None,
            alert=NewAlert({"watch": "race"}, tuple(f"channel-{n}" for n in range(channels))),
        )
    assert saved is not None
    return saved.notification_ids


@pytest.mark.slow
def test_claims_from_separate_processes_have_exactly_one_winner(store_url: str) -> None:
    """Celery worker processes racing for the outbox never deliver one notification twice."""
    with Store(store_url) as setup:
        ids = _queue_notifications(setup, CHANNELS)
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(PROCESSES)
    results = context.Queue()
    workers = [
        context.Process(target=claim_in_process, args=(store_url, ids, T0, barrier, results))
        for _ in range(PROCESSES)
    ]
    for worker in workers:
        worker.start()
    reports = drain(results, PROCESSES, PROCESS_TIMEOUT_S)
    for worker in workers:
        worker.join(PROCESS_TIMEOUT_S)
        assert worker.exitcode == 0
    wins = [notification_id for _pid, won in reports for notification_id in won]
    assert Counter(wins) == Counter(ids)


@pytest.mark.postgres
def test_postgres_tables_live_in_the_configured_schema(
    pg_store: Store, pg_url: str, pg_admin_engine: sa.Engine
) -> None:
    """With search_path in DATABASE_URL, editwatch creates and uses tables in that schema only."""
    schema = sa.make_url(pg_url).query["options"]
    assert isinstance(schema, str)
    schema_name = schema.removeprefix("-csearch_path=")
    with pg_admin_engine.connect() as connection:
        tables = set(
            connection.scalars(
                sa.text("SELECT table_name FROM information_schema.tables WHERE table_schema = :s"),
                {"s": schema_name},
            )
        )
    assert {"watches", "versions", "checks", "changes", "notifications"} <= tables
    assert pg_store.backend == "postgresql"


@pytest.mark.postgres
def test_missing_postgres_database_is_explained(pg_admin_engine: sa.Engine) -> None:
    """Pointing DATABASE_URL at a database that does not exist names it and what to check."""
    url = pg_admin_engine.url.set(database="editwatch_no_such_database")
    with pytest.raises(StoreError, match="editwatch_no_such_database") as raised:
        Store(url.render_as_string(hide_password=False))
    assert "check DATABASE_URL" in str(raised.value)


def test_two_deliveries_about_one_article_both_record_their_post(pg_url: str) -> None:
    """Two workers finish posting about one article on one bot channel at once: the second
    waits for the first's row instead of failing on the key after its post went out, and
    the thread continues from the later post."""
    with Store(pg_url) as setup:
        _queue_notifications(setup, 1)
    engine = sa.create_engine(pg_url)
    try:
        with engine.connect() as reader:
            change_id = reader.scalar(sa.select(sa.func.max(changes.c.id)))
        errors: list[BaseException] = []

        def second() -> None:
            try:
                with engine.begin() as connection:
                    outbox.remember_post(connection, "bot", change_id, "222", T0)
            except BaseException as exc:  # reported by the assertion below
                errors.append(exc)

        with engine.connect() as first:
            transaction = first.begin()
            outbox.remember_post(first, "bot", change_id, "111", T0)
            racer = threading.Thread(target=second)
            racer.start()
            wait_for(lambda: _waiting_on_a_lock(engine))
            transaction.commit()
        racer.join(30)
        assert errors == []
        with engine.connect() as reader:
            assert reader.execute(sa.select(posts.c.post_id)).scalars().all() == ["222"]
    finally:
        engine.dispose()


def _waiting_on_a_lock(engine: sa.Engine) -> bool:
    with engine.connect() as probe:
        query = "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
        return bool(probe.scalar(sa.text(query)))

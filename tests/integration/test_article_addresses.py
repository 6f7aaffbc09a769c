"""The store's addresses of an article, on SQLite and PostgreSQL: one owner per address,
merged watches leave the check list and hand their addresses over, lookups by any address."""

from __future__ import annotations

from worker.models import Watch
from worker.pipeline import targets_for
from worker.store import Store

STORY = "https://news.example.com/2026/11/council-budget"
MOVED = "https://news.example.com/2026/11/council-passes-budget"


def watch(url: str, name: str) -> Watch:
    return Watch(url=url, name=name, interval=3600.0)


def test_an_address_has_one_owner_whoever_claims_it_later(store: Store) -> None:
    """Two spellings of one URL configured: the first watch holds the address."""
    ids = store.sync_watches([watch(STORY, "a"), watch(f"{STORY}/?utm_source=x", "b")])
    store.note_address(ids[f"{STORY}/?utm_source=x"], STORY, (STORY,))
    assert (
        store.address_owner("http://www.news.example.com/2026/11/council-budget/amp") == ids[STORY]
    )


def test_a_move_records_the_new_address_and_finds_the_watch_by_it(store: Store) -> None:
    """After a 301, the article's current address is stored and `history MOVED` finds it."""
    (watch_id,) = store.sync_watches([watch(STORY, "budget")]).values()
    store.note_address(watch_id, MOVED, (STORY, MOVED))
    record = store.get_watch_by_url_or_name(MOVED)
    assert record is not None and (record.id, record.canonical_url) == (watch_id, MOVED)
    assert store.article_address(watch_id).canonical_url == MOVED


def test_a_merged_watch_is_not_checked_and_hands_over_its_addresses(store: Store) -> None:
    """Merging B into A: B leaves the targets, B's addresses lead to A, a second merge is a
    no-op (another worker got there first)."""
    ids = store.sync_watches([watch(STORY, "old"), watch(MOVED, "new")])
    old, new = ids[STORY], ids[MOVED]
    assert store.merge_watches(new, old) and not store.merge_watches(new, old)
    assert store.address_owner(MOVED) == old
    assert store.article_address(new).merged_into == old
    assert [t.id for t in targets_for(store, [watch(STORY, "old"), watch(MOVED, "new")])] == [old]
    assert store.merged_watch_ids() == {new}

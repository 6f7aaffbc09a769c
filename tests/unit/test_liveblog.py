"""Live blogs: which pages are read as one, their entries, and how two states compare."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.configs import write_config
from tests.pages import BODY, LIVE_ENTRIES, MORE_ENTRIES, article_page, liveblog_page
from worker.config import load_settings
from worker.diff import compare, is_liveblog_update, should_alert
from worker.errors import ConfigError
from worker.extract import extract_article
from worker.extract.liveblog import entry_time
from worker.models import Article, LiveEntry
from worker.normalize import fingerprint
from worker.render import change_from_json, render_json, render_text

LIVE_URL = "https://news.example/news/live/election-day"
PLAIN_URL = "https://news.example/news/election-day"
SIX = LIVE_ENTRIES + MORE_ENTRIES


def read(page: bytes, url: str = LIVE_URL) -> Article:
    return extract_article(page.decode(), url)


def blog(*entries: tuple[str, str, str]) -> Article:
    """A live-blog state from (key, time, text) triples."""
    return Article(
        headline="Election day",
        paragraphs=tuple(text for _, _, text in entries),
        entries=tuple(LiveEntry(key, time, "", text) for key, time, text in entries),
    )


A = ("a", "2026-12-01T09:00:00Z", "Polls opened at nine across the region with short queues.")
B = ("b", "2026-12-01T09:30:00Z", "Turnout was steady through the first half hour of voting.")
C = ("c", "2026-12-01T10:05:00Z", "A power cut briefly closed two polling stations in the north.")


# --- detection and extraction -------------------------------------------------------------


@pytest.mark.parametrize(
    ("page", "url", "count"),
    [
        (liveblog_page("Live", SIX), PLAIN_URL, 6),  # many timestamped blocks, no hint
        (liveblog_page("Live", LIVE_ENTRIES[:2]), LIVE_URL, 2),  # the path lowers the bar
        (liveblog_page("Live", LIVE_ENTRIES[:2]), PLAIN_URL, 0),  # two blocks alone: no
        (liveblog_page("Live", LIVE_ENTRIES[:2], json_ld=True), PLAIN_URL, 2),  # LiveBlogPosting
        (article_page("Budget passes", BODY), LIVE_URL, 0),  # a live path is not enough
    ],
)
def test_detection(page: bytes, url: str, count: int) -> None:
    """A page is a live blog by JSON-LD, by its path plus entries, or by many entries."""
    assert len(read(page, url).entries) == count


def test_entries_carry_time_title_text_and_identity() -> None:
    """Each entry: its id, its time in UTC, its heading and its text, in the page's order."""
    first = read(liveblog_page("Live", SIX)).entries[0]
    assert first == LiveEntry(
        "post-6",
        "2026-12-01T11:50:00Z",
        "Midday figures",
        "Midday figures put turnout at 31 percent, two points higher than at the same time "
        "last year.",
    )


def test_json_ld_entries_are_read_from_the_graph() -> None:
    """`liveBlogUpdate` entries in `@graph` are used as they are, with their `@id`."""
    entries = read(liveblog_page("Live", SIX, json_ld=True), PLAIN_URL).entries
    assert [e.key for e in entries] == [f"#post-{n}" for n in range(6, 0, -1)]
    assert entries[-1].title == "Polls open"


def test_a_live_blog_after_a_news_article_in_the_graph_is_read() -> None:
    """A ``@graph`` that holds a NewsArticle before its LiveBlogPosting is still a live blog:
    its entries come from the LiveBlogPosting, the page's metadata from the NewsArticle."""
    page = liveblog_page("Live", LIVE_ENTRIES[:2], json_ld=True).decode()
    graph = page.replace('"@type": "WebPage"', '"@type": "NewsArticle", "datePublished": "2026"')
    article = read(graph.encode(), PLAIN_URL)
    assert [entry.key for entry in article.entries] == ["#post-2", "#post-1"]
    assert article.published == "2026"


def test_comments_and_teaser_lists_are_not_entries() -> None:
    """Timestamped reader comments under an article, or a rail of dated teasers, are no live
    blog: the article keeps no entries and reads as before."""
    comments = "".join(
        f'<li class="comment"><time datetime="2026-12-01T1{n}:00:00Z">1{n}:00</time>'
        f"<p>Reader {n} thinks the council should have spent more on buses and roads.</p></li>"
        for n in range(6)
    )
    rail = "".join(
        f'<li><time datetime="2026-12-01T0{n}:00:00Z">0{n}:00</time>'
        f'<a href="/s{n}">Story {n}</a></li>'
        for n in range(6)
    )
    page = article_page("Budget passes", BODY).decode()
    with_lists = page.replace(
        "</main>", f'</main><ol class="comment-list">{comments}</ol><ul class="latest">{rail}</ul>'
    )
    article = extract_article(with_lists, PLAIN_URL)
    assert article.entries == ()
    assert article == extract_article(page, PLAIN_URL)


def test_a_commentary_stream_is_not_a_comment_thread() -> None:
    """Comment words are read as whole class words: a stream classed ``live-commentary``
    (``comment`` inside ``commentary``) is a live blog's stream, not reader comments."""
    page = liveblog_page("Live", LIVE_ENTRIES[:2]).decode()
    commentary = page.replace('class="stream"', 'class="stream live-commentary"')
    assert len(read(commentary.encode()).entries) == 2


def test_a_live_word_in_the_path_alone_makes_no_related_cards_entries() -> None:
    """An article at ``/culture/live-music-...`` with a rail of dated related-story cards
    (a heading and a time each) is an article: no entries, its own date kept."""
    cards = "".join(
        f'<div class="card"><h3>Venue story {n}</h3>'
        f'<time datetime="2026-11-2{n}T08:00:00Z">2{n} Nov</time>'
        "</div>"
        for n in range(4)
    )
    page = article_page("Live music venues close", BODY).decode()
    with_cards = page.replace("</main>", f'</main><div class="related">{cards}</div>')
    url = "https://news.example/culture/live-music-venues-close"
    article = extract_article(with_cards, url)
    assert article.entries == ()
    assert article.published == extract_article(page, url).published


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-12-01T11:05:00+01:00", "2026-12-01T10:05:00Z"),
        ("2026-12-01T10:05:00Z", "2026-12-01T10:05:00Z"),
        ("2026-12-01T10:05", "2026-12-01T10:05:00Z"),
        ("10.05am", "10.05am"),
    ],
)
def test_entry_time_is_one_spelling(value: str, expected: str) -> None:
    """Entry times become ISO UTC, so a site switching `+00:00` for `Z` changes nothing."""
    assert entry_time(value) == expected


def test_entry_without_id_is_known_by_time_and_first_words() -> None:
    """No id attribute: the key is the entry's time and first words."""
    page = liveblog_page("Live", SIX).decode().replace(' id="post-', ' data-x="post-')
    key = read(page.encode()).entries[-1].key
    assert key == "2026-12-01T09:00:00Z Polling stations opened at nine across the region,"


# --- comparing two states -----------------------------------------------------------------


def test_new_entries_are_a_quiet_update() -> None:
    """Entries appended or prepended: kind `liveblog_entry`, minor, no alert by default."""
    for new in (blog(A, B, C), blog(C, A, B)):
        change = compare(blog(A, B), new)
        assert change is not None and change.kinds == {"liveblog_entry"}
        assert change.significance == "minor" and is_liveblog_update(change)
        assert not should_alert(change) and not should_alert(change, ["minor"])
        assert should_alert(change, ["liveblog_entry"]) and should_alert(change, ["all"])


def test_an_earlier_entry_edited_or_deleted_is_an_edit() -> None:
    """Editing or deleting an entry already seen is `liveblog_edit`, which alerts."""
    edited = (B[0], B[1], B[2].replace("steady", "very low"))
    for new in (blog(A, edited, C), blog(A, C)):
        change = compare(blog(A, B, C), new)
        assert change is not None and change.kinds == {"liveblog_edit"}
        assert should_alert(change)
        (field,) = change.fields
        assert [b.label for b in field.blocks] == [B[1]]


def test_a_re_keyed_entry_is_paired_by_its_time() -> None:
    """An entry whose id changed but whose time did not is the same entry, edited."""
    rekeyed = ("#b", B[1], B[2] + " Queues grew later.")
    change = compare(blog(A, B), blog(A, rekeyed))
    assert change is not None and change.kinds == {"liveblog_edit"}
    assert [b.tag for b in change.fields[0].blocks] == ["replace"]


def test_entries_rolling_off_the_page_are_not_deletions() -> None:
    """A live blog that shows only its latest entries drops the oldest: no deletion."""
    change = compare(blog(C, B, A), blog(("d", "2026-12-01T11:00:00Z", "Later news."), C, B))
    assert change is not None and change.kinds == {"liveblog_entry"}


def test_a_new_entry_with_a_correction_alerts() -> None:
    """A new entry that corrects an earlier one is a correction, which alerts by default."""
    note = ("d", "2026-12-01T11:00:00Z", "Correction: the power cut closed three stations.")
    change = compare(blog(A, B), blog(A, B, note))
    assert change is not None and {"liveblog_entry", "correction"} <= change.kinds
    assert should_alert(change)


def test_reordering_and_re_rendering_change_nothing() -> None:
    """Newest-first vs oldest-first is layout: same fingerprint, no change."""
    assert compare(blog(A, B, C), blog(C, B, A)) is None
    assert fingerprint(blog(A, B, C)) == fingerprint(blog(C, B, A))
    assert fingerprint(blog(A, B)) != fingerprint(blog(A, B, C))


def test_plain_articles_keep_their_fingerprint_and_stored_form() -> None:
    """A page with no entries is hashed and stored exactly as before live blogs existed."""
    article = read(article_page("Budget passes", BODY), PLAIN_URL)
    assert "entries" not in article.to_dict()
    assert Article.from_dict(article.to_dict()) == article
    live = blog(A, B)
    assert Article.from_dict(live.to_dict()) == live


def test_rendered_entry_diff_round_trips_with_its_time() -> None:
    """The stored change keeps each entry's time, so alerts rendered later still name it."""
    edited = (B[0], B[1], B[2].replace("steady", "very low"))
    old, new = blog(A, B, C), blog(A, edited)
    change = compare(old, new)
    assert change is not None
    stored = render_json(change, old=old, new=new, meta={})
    assert stored["summary"] == (
        "Live blog entries 2026-12-01 09:30 UTC edited, 2026-12-01 10:05 UTC deleted: Election day"
    )
    again, old_h, new_h = change_from_json(stored)
    text = render_text(again, old=old_h, new=new_h)
    assert "entry 2026-12-01 09:30 UTC edited:" in text
    assert "[-steady -]{+very low +}" in text
    assert again.fields[0].blocks == change.fields[0].blocks and again.kinds == change.kinds


# --- configuration ------------------------------------------------------------------------


def test_min_interval_is_a_duration_with_a_clear_error(tmp_path: Path) -> None:
    """`liveblog.min_interval` reads like every duration, defaults to 30 minutes, and a
    misspelt value names the file and the field."""
    assert load_settings(write_config(tmp_path / "a", []), env={}).liveblog.min_interval == 1800
    good = write_config(tmp_path / "b", [], extra={"liveblog": {"min_interval": "10m"}})
    assert load_settings(good, env={}).liveblog.min_interval == 600
    bad = write_config(tmp_path / "c", [], extra={"liveblog": {"min_interval": "half an hour"}})
    with pytest.raises(ConfigError) as caught:
        load_settings(bad, env={})
    assert "editwatch.yaml" in str(caught.value) and "liveblog.min_interval" in str(caught.value)
    negative = write_config(tmp_path / "d", [], extra={"liveblog": {"min_interval": -60}})
    with pytest.raises(ConfigError) as caught:
        load_settings(negative, env={})
    assert "liveblog.min_interval" in str(caught.value)

"""Bot posts: short, whole, safe. The text of a headline change fits Mastodon's 500 and
Bluesky's 300 (Apprise: 280) in every script, is never cut inside a character, keeps the link
whole, and a headline's ``@name`` or ``#tag`` mentions nobody."""

from __future__ import annotations

import unicodedata

import pytest

from worker.config import BotSettings
from worker.notify.message import short_post
from worker.pipeline.bot import bot_posts
from worker.textutil import cut_text

URL = "https://news.example.org/2026/12/01/a-rather-long-slug-for-the-story"
HEADLINES = {
    "latin": "Minister resigns after weeks of pressure over the housing scandal " * 4,
    "arabic": "الوزير يستقيل بعد أسابيع من الضغط بسبب فضيحة الإسكان في العاصمة " * 4,
    "hebrew": "השר מתפטר לאחר שבועות של לחץ בשל פרשת הדיור בבירה " * 5,
    "cjk": "部长在住房丑闻压力下辞职，反对派要求举行新的选举" * 10,
    "devanagari": "आवास घोटाले के दबाव में मंत्री ने इस्तीफा दिया और विपक्ष ने चुनाव की मांग की " * 4,
    "emoji": "Storm 🌪️ hits 👩‍👩‍👧 families 🇫🇷🇩🇪 " * 12,
    "combining": "Cafe\u0301 owner re\u0301sume\u0301 " * 20,
}


def post(old: str, new: str, limit: int) -> str:
    payload = {"url": URL, "kinds": ["headline"], "old_headline": old, "new_headline": new}
    return short_post(payload, limit)


@pytest.mark.parametrize("script", sorted(HEADLINES))
@pytest.mark.parametrize("limit", [280, 300, 500])
def test_headline_posts_fit_and_keep_the_link_whole(script: str, limit: int) -> None:
    text = HEADLINES[script]
    made = post(text, text[::-1], limit)
    assert len(made) <= limit
    assert made.endswith("\n" + URL)
    assert made.startswith("news.example.org: “") and "” → “" in made


@pytest.mark.parametrize("script", sorted(HEADLINES))
def test_every_cut_ends_between_characters(script: str) -> None:
    """At every length the kept part is a prefix of the text and the next code point starts
    a new character (no accent, vowel sign, joiner, modifier or half flag left behind)."""
    text = HEADLINES[script]
    for limit in range(2, 120):
        kept = cut_text(text, limit).removesuffix("…")
        assert text.startswith(kept) and len(kept) < limit
        after = text[len(kept) :].lstrip()
        assert not after or unicodedata.category(after[0]) not in ("Mn", "Mc", "Me")
        assert not after or (after[0] not in "\u200d\ufe0f" and not kept.endswith("\u200d"))
        flags = len(kept) - len(kept.rstrip("".join(map(chr, range(0x1F1E6, 0x1F200)))))
        assert flags % 2 == 0


def test_short_headlines_are_not_cut() -> None:
    assert post("Budget passes", "Budget fails", 300) == (
        f"news.example.org: “Budget passes” → “Budget fails”\n{URL}"
    )


def test_a_short_old_headline_leaves_its_room_to_the_new_one() -> None:
    made = post("Short", "Long " * 200, 500)
    assert "“Short”" in made and 490 <= len(made) <= 500


def test_mentions_hashtags_and_controls_in_headlines_stay_text() -> None:
    made = post("Hi @all@evil.example #breaking", "Bye \u202egnp.exe\x1b]0;x\x07", 500)
    assert "@" not in made and "#" not in made and "＠all＠evil.example ＃breaking" in made
    assert "\u202e" not in made and "\x1b" not in made and "\x07" not in made


def test_other_alerts_post_their_title() -> None:
    payload = {"url": URL, "kinds": ["correction"], "diff": {"summary": "Correction added"}}
    assert short_post(payload, 500) == f"news.example.org: Correction added\n{URL}"


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("e\u0301e\u0301e\u0301", 3, "e\u0301…"),  # never a bare accent
        ("🇫🇷🇩🇪🇮🇹", 4, "🇫🇷…"),  # never half a flag
        ("ab👩‍👩‍👧", 4, "ab…"),  # never half a family
        ("नमस्ते", 4, "नम…"),  # never a bare virama
        ("short", 10, "short"),
    ],
)
def test_cut_text_cuts_between_characters(text: str, limit: int, expected: str) -> None:
    assert cut_text(text, limit) == expected


@pytest.mark.parametrize(
    ("kinds", "corrections", "posted"),
    [
        (["headline"], False, True),
        (["headline", "body"], False, True),
        (["body", "paragraph_edited"], False, False),
        (["correction"], False, False),
        (["correction"], True, True),
        (["headline", "ab_test"], False, False),  # the site testing two headlines
        (["byline"], True, False),
    ],
)
def test_bots_post_headline_changes_and_corrections_when_asked(
    kinds: list[str], corrections: bool, posted: bool
) -> None:
    assert bot_posts(kinds, BotSettings(corrections=corrections)) is posted

"""Which changes a ``bot:`` channel posts: headline rewrites, and corrections when asked.

A public bot is only worth following if every post is news: a rewritten headline (and, with
``bot: {corrections: true}``, an added correction). Body edits, bylines, images and A/B test
rotations of a headline (``ab_test``/``ab_test_repeat``: the site trying two headlines, not
rewriting one) are never posted. The choice is made when the alert is queued, so a bot
channel gets no outbox row for what it would not post; the watch's own ``alert_on`` applies
first, like for every channel.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

from worker.config import BotSettings, ChannelSettings

A_B_KINDS = frozenset({"ab_test", "ab_test_repeat"})


def bot_posts(kinds: Collection[str], bot: BotSettings) -> bool:
    """Whether a change of these kinds is a post for a bot with this profile."""
    if A_B_KINDS & set(kinds):
        return False
    return "headline" in kinds or (bot.corrections and "correction" in kinds)


def alert_channels(
    channels: Sequence[str], kinds: Collection[str], settings: Mapping[str, ChannelSettings]
) -> tuple[str, ...]:
    """``channels`` without the bot channels that would not post a change of ``kinds``."""
    kept = []
    for name in channels:
        bot = settings[name].bot if name in settings else None
        if bot is None or bot_posts(kinds, bot):
            kept.append(name)
    return tuple(kept)

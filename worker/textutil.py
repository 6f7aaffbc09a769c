"""Small text helpers shared by renderers, channels and extraction (no third-party imports)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence

ELLIPSIS = "…"


def truncate_lines(lines: Sequence[str], max_length: int | None) -> str:
    """Join lines, dropping trailing ones with a '... N more lines' note to fit max_length.

    The first line (the headline) always stays, cut short with an ellipsis if it must.
    """
    text = "\n".join(lines)
    if max_length is None or len(text) <= max_length:
        return text
    for keep in range(len(lines) - 1, 0, -1):
        candidate = "\n".join([*lines[:keep], f"... {len(lines) - keep} more lines"])
        if len(candidate) <= max_length:
            return candidate
    note = f"... {len(lines) - 1} more lines"
    room = max(max_length - len(note) - 1, 0)
    return f"{cut_text(lines[0], room)}\n{note}" if room > 1 else note[:max_length]


# --- cutting without breaking a character -----------------------------------------------------

ZWJ = "\u200d"
_REGIONAL = range(0x1F1E6, 0x1F200)  # two make one flag


def _continues(char: str) -> bool:
    """A code point that belongs to the character before it: a combining mark, a variation
    selector, a skin-tone modifier, an emoji tag, a joiner, or a Hangul vowel/final jamo."""
    point = ord(char)
    return (
        unicodedata.category(char) in ("Mn", "Mc", "Me")
        or char == ZWJ
        or 0xFE00 <= point <= 0xFE0F
        or 0xE0100 <= point <= 0xE01EF
        or 0x1F3FB <= point <= 0x1F3FF
        or 0xE0020 <= point <= 0xE007F
        or 0x1160 <= point <= 0x11FF
    )


def cut_text(text: str, limit: int) -> str:
    """``text`` in at most ``limit`` code points, ending in "…" when cut.

    Why code points and cluster edges: Mastodon counts characters and Bluesky graphemes (a
    grapheme is one or more code points, so fitting the code-point count fits both), and a cut
    inside a cluster would leave a bare accent, half a flag, a broken emoji sequence or an
    unpaired Devanagari vowel sign. The cut moves back to the start of the cluster.
    """
    if len(text) <= limit:
        return text
    if limit <= 0:
        return ""
    end = limit - 1  # room for the ellipsis
    while end > 0 and (_continues(text[end]) or text[end - 1] == ZWJ):
        end -= 1
    if end > 0 and ord(text[end]) in _REGIONAL:
        run = 0
        while end - run > 0 and ord(text[end - run - 1]) in _REGIONAL:
            run += 1
        end -= run % 2  # an odd run before the cut: its last indicator pairs with text[end]
    return text[:end].rstrip() + ELLIPSIS


# --- html -----------------------------------------------------------------------------------


# --- terminals --------------------------------------------------------------------------------

# Bidi controls (embeddings, overrides, isolates, marks) reorder what a reader sees; a headline
# holding U+202E can make "gpj.exe" read as "exe.jpg". They carry no meaning in a table cell.
BIDI_CONTROLS = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_WHITESPACE_CONTROLS = "\t\n\r\v\f"
_TERMINAL_SAFE = str.maketrans(
    {
        **{chr(c): None for c in (*range(0x20), *range(0x7F, 0xA0))},
        **{c: " " for c in _WHITESPACE_CONTROLS},
        **{c: None for c in BIDI_CONTROLS},
    }
)


# The same controls, but tabs and line breaks kept: for text that is shown over several lines
# (a rendered diff, an email's text part, a card) rather than in one table cell.
_MULTILINE_SAFE = str.maketrans(
    {
        **{chr(c): None for c in (*range(0x20), *range(0x7F, 0xA0)) if chr(c) not in "\t\n"},
        **{c: None for c in BIDI_CONTROLS},
    }
)


def strip_controls(text: str) -> str:
    """``text`` without C0/C1 controls (but tab and newline) and bidi controls.

    Why: the one scrub for every rendering a page's text reaches (terminal, HTML, email,
    Slack, cards): an ESC sequence could act on a terminal, a U+202E could reorder what a
    reader sees. :func:`terminal_safe` is the one-line form of the same rule.
    """
    return text.translate(_MULTILINE_SAFE)


def terminal_safe(text: str) -> str:
    """``text`` with every C0/C1 control (ESC, BEL, ...) and bidi control removed.

    Why: a page or a server can put a raw ``ESC ] 0;`` (window title), ``ESC ] 8;`` (hyperlink)
    or colour sequence into a headline, an error or a reason phrase; printed as they are they
    act on the reader's terminal. Tabs and line breaks become spaces (one cell, one line).
    """
    return text.translate(_TERMINAL_SAFE)


_Trie = dict[str, "_Trie"]  # one character -> what may follow it ("" -> {}: a word ends)


def alternation(words: Iterable[str]) -> str:
    """A regex matching any of ``words``, written as a prefix tree (``c(?:omment|ookie)``):
    the regex engine then tries one branch per distinct first letter at each position, not one
    per word (two to three times faster with a hundred words). It matches what
    ``"|".join(map(re.escape, words))`` matches, so a search finds a match exactly when that
    one would."""
    tree: _Trie = {}
    for word in words:
        node = tree
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}  # a word ends here
    return _branches(tree)


def _branches(node: _Trie) -> str:
    branches = [re.escape(char) + _branches(node[char]) for char in sorted(node) if char]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else f"(?:{'|'.join(branches)})"
    return f"(?:{body})?" if "" in node else body

"""Class and id words, read the way authors write them: whole tokens, not substrings.

``class="modal-enabled"`` on an article wrapper says the page can open a modal, not that the
element is one; ``has-comments`` and ``tag-related`` say what a post has or is tagged with.
So a class string is split into tokens, tokens that only state something (``has-``, ``is-``,
``tag-``, ``-enabled``, ``-open``, ``-only``) are dropped, and so is the rest of a token from
a state word inside it (``article__body--has-popup`` is an article body); each remaining token
is split into words (on ``-``, ``_`` and camelCase). A hint matches when its words start one
of a token's words in sequence (``comment`` matches ``comments`` and ``commentlist``, never
``recommended``); a short hint token (``ad``, ``nav``) must equal a whole word.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from functools import lru_cache

from worker.extract.rules import (
    HIDDEN_CLASSES,
    LIVE_NOT_STREAM_WORDS,
    STATE_INFIXES,
    STATE_PREFIXES,
    STATE_SUFFIXES,
)

# A "-" between a lower-case letter or digit and a capital: lookarounds, so the replacement is a
# plain string (a group template such as ``\1-\2`` makes ``sub`` three times slower).
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_SPLIT = re.compile(r"[-_:.]+")  # word separators inside a class token
_WORD_START = "(?<![a-z0-9])"  # how a hint pattern opens: its word starts where a word does


_STATE_TOKEN = re.compile(
    rf"(?<!\S)(?:(?:{'|'.join(map(re.escape, sorted(STATE_PREFIXES)))})(?:-\S*)?"
    rf"|(?:\S+-)?(?:{'|'.join(map(re.escape, sorted(STATE_SUFFIXES)))}))(?!\S)"
    rf"|-(?:{'|'.join(map(re.escape, sorted(STATE_INFIXES)))})-\S*"
)


def class_words(classes: str) -> str:
    """``"post-body hasComments is-open"`` -> ``"post-body"``: each token lower-cased with its
    words joined by ``-`` (``hasComments`` -> ``has-comments``), state tokens left out, tokens
    apart by spaces (see :func:`_stated_words` and :func:`_without_states`). The hint test
    searches this (and, first, the words with their states: see :func:`hint_matcher`)."""
    return _without_states(_stated_words(classes))


def _stated_words(classes: str) -> str:
    """The class string lower-cased, camelCase and separators written as ``-``, states kept.
    Two regex passes, each skipped when a plain string test shows it would change nothing (no
    capital letter, no separator but single ``-``): a page has thousands of distinct class
    strings, and most are already lower-case words."""
    text = classes.lower()
    if text != classes:  # a capital letter somewhere: camelCase may need splitting
        text = _CAMEL.sub("-", classes).lower()
    if "_" in text or ":" in text or "." in text or "--" in text:
        # _SPLIT.sub("-", text) by plain replaces (twice as fast): every separator becomes
        # "-", then each run of them one "-"
        text = text.replace("_", "-").replace(":", "-").replace(".", "-")
        while "--" in text:
            text = text.replace("--", "-")
    return text


def _without_states(words: str) -> str:
    return _STATE_TOKEN.sub(" ", words)


def hint_pattern(hints: Iterable[str], tokens: Iterable[str] = ()) -> re.Pattern[str] | None:
    """The one pattern :func:`hint_matcher` searches :func:`class_words` for (None for no
    words): each hint starts a word, each token is a whole word. Both are one prefix tree
    (``c(?:omment|ookie)``, as ``worker.textutil.alternation`` writes one), so the engine tries
    each first letter once at a word start, not once for the hints and again for the tokens."""
    tree: _Trie = {}
    for hint in hints:
        _grow(tree, "-".join(w for w in _SPLIT.split(hint.lower()) if w), _HINT_END)
    for token in tokens:
        _grow(tree, token.lower(), _TOKEN_END)
    return re.compile(f"{_WORD_START}{_branches(tree)}") if tree else None


_Trie = dict[str, "_Trie"]
_HINT_END, _TOKEN_END = "<hint>", "<token>"  # not single characters: never a letter's key


def _grow(tree: _Trie, word: str, end: str) -> None:
    node = tree
    for char in word:
        node = node.setdefault(char, {})
    node[end] = {}


def _branches(node: _Trie) -> str:
    """The regex of a prefix tree node: a hint ending here matches whatever follows (nothing
    below it needs trying), a token ending here only before a character that ends a word."""
    if _HINT_END in node:
        return ""
    branches = [
        re.escape(char) + _branches(child)
        for char, child in sorted(node.items())
        if char != _TOKEN_END
    ]
    if _TOKEN_END in node:
        branches.append("(?![a-z0-9])")
    return branches[0] if len(branches) == 1 else f"(?:{'|'.join(branches)})"


def hint_matcher(
    hints: Iterable[str], tokens: Iterable[str] = (), classes_: Iterable[str] = ()
) -> Callable[[str], bool]:
    """A cached test of a class/id string against hint words (each must start a word, its
    last word may go on: ``comment`` ~ ``commentlist``), whole-word tokens (``ad``) and whole
    class names (``sr-only``, matched before state tokens are dropped). One compiled pattern,
    and a cache: page builders repeat the same long class strings hundreds of times a page."""
    pattern = hint_pattern(hints, tokens)
    search = _at_word_starts(pattern).search if pattern is not None else None
    names = frozenset(name.lower() for name in classes_)

    @lru_cache(maxsize=16384)
    def hinted(classes: str) -> bool:
        if names and not names.isdisjoint(classes.lower().split()):
            return True
        if search is None:
            return False
        # Dropping state tokens only removes text, so a hint missing from the words with their
        # states is missing without them: most class strings end here, before the state pass
        # (the costliest of the three) runs at all.
        words = _stated_words(classes)
        if search(f" {words}") is None:
            return False
        return search(f" {_without_states(words)}") is not None

    return hinted


def _at_word_starts(pattern: re.Pattern[str]) -> re.Pattern[str]:
    """``pattern`` (see :func:`hint_pattern`) for a text given with one space before it: its
    look-behind ("no letter or digit before") becomes a character the match starts with, so the
    regex engine jumps from word start to word start instead of trying every position (a
    search finds a match in ``" " + text`` exactly when ``pattern`` finds one in ``text``)."""
    return re.compile(f"[^a-z0-9]{pattern.pattern.removeprefix(_WORD_START)}")


def has_hidden_class(classes: str | None) -> bool:
    """Is one of the class string's tokens a class that hides the element (HIDDEN_CLASSES)?"""
    return classes is not None and not HIDDEN_CLASSES.isdisjoint(classes.lower().split())


_names_comments = hint_matcher((), LIVE_NOT_STREAM_WORDS)


def names_comments(attributes: Mapping[str, str | None]) -> bool:
    """Do an element's class or id words name reader comments (whole words, never inside
    another: ``live-commentary`` is a stream)? A live blog's stream is never theirs, and a
    thread beside the headline is told by them."""
    words = f"{attributes.get('class') or ''} {attributes.get('id') or ''}"
    return not words.isspace() and _names_comments(words)

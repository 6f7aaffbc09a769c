"""Class and id words, read the way authors write them: whole tokens, not substrings.

``class="modal-enabled"`` on an article wrapper says the page can open a modal, not that the
element is one; ``has-comments`` and ``tag-related`` say what a post has or is tagged with.
So a class string is split into tokens, tokens that only state something (``has-``, ``is-``,
``tag-``, ``-enabled``, ``-open``) are dropped, and each remaining token into words (on ``-``,
``_`` and camelCase). A hint matches when its words start one of a token's words in sequence
(``comment`` matches ``comments`` and ``commentlist``, never ``recommended``); a short hint
token (``ad``, ``nav``) must equal a whole word.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import lru_cache

from worker.extract.rules import STATE_PREFIXES, STATE_SUFFIXES

_CAMEL = re.compile(r"([a-z0-9])([A-Z])")
_SPLIT = re.compile(r"[-_:.]+")

Words = tuple[tuple[str, ...], ...]


def class_words(classes: str) -> Words:
    """``"post-body hasComments is-open"`` -> ``(("post", "body"),)``: each token's words,
    state tokens left out."""
    out = []
    for token in classes.split():
        words = tuple(w for w in _SPLIT.split(_CAMEL.sub(r"\1-\2", token).lower()) if w)
        if words and words[0] not in STATE_PREFIXES and words[-1] not in STATE_SUFFIXES:
            out.append(words)
    return tuple(out)


def hint_matcher(
    hints: Iterable[str], tokens: Iterable[str] = (), classes_: Iterable[str] = ()
) -> Callable[[str], bool]:
    """A cached test of a class/id string against hint words (prefix-matched), whole-word
    tokens and whole class names (``sr-only``, matched before state tokens are dropped).
    Page builders repeat the same long class strings hundreds of times per page."""
    prefixed = tuple(tuple(_SPLIT.split(hint.lower())) for hint in hints)
    whole = frozenset(word.lower() for word in tokens)
    names = frozenset(name.lower() for name in classes_)

    @lru_cache(maxsize=8192)
    def hinted(classes: str) -> bool:
        if names and not names.isdisjoint(classes.lower().split()):
            return True
        for words in class_words(classes):
            if whole and not whole.isdisjoint(words):
                return True
            if any(_starts_run(words, hint) for hint in prefixed):
                return True
        return False

    return hinted


def _starts_run(words: tuple[str, ...], hint: tuple[str, ...]) -> bool:
    """Does ``hint`` occur in ``words``, its last word a prefix (``related``: ``relatedposts``)?"""
    last = len(hint) - 1
    for start in range(len(words) - last):
        if (
            words[start + last].startswith(hint[last])
            and words[start : start + last] == hint[:last]
        ):
            return True
    return False

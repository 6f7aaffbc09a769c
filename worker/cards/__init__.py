"""Diff cards: one PNG per change, the way headline-diff bots post them.

``render_card(change, meta) -> bytes`` is a pure function: no browser, no network, no store;
Pillow draws with the Noto faces bundled in ``fonts/`` (Latin, Greek, Cyrillic, Arabic,
Hebrew, Chinese, Japanese, Korean), shaped by HarfBuzz through Pillow's raqm layout.
Modules: ``glyphs`` (faces, coverage, fallback), ``layout`` (words, lines, bidi order),
``draw`` (the card), ``document`` (a change back from its stored JSON document).
"""

from worker.cards.document import card_for_payload, change_from_document, meta_from_document
from worker.cards.draw import CardMeta, render_card
from worker.cards.glyphs import missing_glyphs

__all__ = [
    "CardMeta",
    "card_for_payload",
    "change_from_document",
    "meta_from_document",
    "missing_glyphs",
    "render_card",
]

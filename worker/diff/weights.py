"""How much each change to what a page holds besides text weighs: data, not ``if`` chains.

A key is ``(kind, role, action)``; the value is the least significance that change gives the
whole Change (the text diff may make it more). The levels follow what analysts said of real
page pairs: losing a download or document link, a dataset, a hero or lead image, an embedded
post or a section is at least ``moderate``; a new inline image or a new ordinary link is
``minor`` (the words around it, if any, are weighed by the text diff), and so is a reworded
alt text on an inline image; the lead image's alt text is part of the story and weighs more.
Noise (a footer, a rotated teaser, a counter, a timestamp, a cache-busting parameter) never
reaches this table: extraction and the canonical form leave it out, so it is no change at all.

Roles: images are ``lead`` (the lead photo or a page's hero) or ``inline``; links are
``document`` (a file or dataset) or ``page``; embeds carry their kind (``video``, ``post``,
``document``, ``map``, ``chart``, ``audio``, ``embed``); sections have the one role ``section``.
"""

from __future__ import annotations

from typing import Literal

Weight = Literal["minor", "moderate", "major"]
Action = Literal["removed", "added", "swapped", "alt", "retargeted"]

MEDIA_WEIGHTS: dict[tuple[str, str, str], Weight] = {
    ("image", "lead", "removed"): "moderate",
    ("image", "lead", "swapped"): "moderate",
    ("image", "lead", "added"): "moderate",
    ("image", "lead", "alt"): "moderate",  # the lead photo is described differently
    ("image", "inline", "removed"): "moderate",
    ("image", "inline", "swapped"): "moderate",
    ("image", "inline", "added"): "minor",
    ("image", "inline", "alt"): "minor",
    ("link", "document", "removed"): "moderate",
    ("link", "document", "retargeted"): "moderate",
    ("link", "document", "added"): "moderate",
    ("link", "page", "removed"): "moderate",
    ("link", "page", "retargeted"): "moderate",
    ("link", "page", "added"): "minor",
    ("embed", "*", "removed"): "moderate",
    ("embed", "*", "retargeted"): "moderate",
    ("embed", "*", "added"): "minor",
    ("embed", "document", "added"): "moderate",
    ("section", "section", "removed"): "moderate",
    ("section", "section", "added"): "moderate",
}
DEFAULT_WEIGHT: Weight = "minor"


def weight_of(kind: str, role: str, action: str) -> Weight:
    """The table's weight for one change; ``*`` stands for any role of that kind."""
    return MEDIA_WEIGHTS.get((kind, role, action)) or MEDIA_WEIGHTS.get(
        (kind, "*", action), DEFAULT_WEIGHT
    )

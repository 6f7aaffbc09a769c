"""Lost article, not an edit: when a page that answered is withholding the article we had.

A page that shrank to a teaser behind a paywall, or became a consent wall, would otherwise be
stored as a version and alert "paragraphs removed". It is a check error instead (``paywalled``
or ``consent_wall``), the last good version stays current, and :mod:`worker.pipeline.health`
tells the operators when many of a site's articles fail this way. Both conditions must hold:

* the article text fell below :data:`LOST_SHARE` of the last version, and
* the page carries evidence (:mod:`worker.extract.access`): JSON-LD
  ``isAccessibleForFree: false``, a "subscribe to continue" or "we value your privacy" text, or
  what is left being a teaser of the stored text (cut in the middle of a paragraph).

A real shortening (paragraphs removed, none of these signs) is an edit and still alerts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from worker.extract.access import AccessSignals
from worker.models import EMPTY_ARTICLE_ERROR, Article, LostArticle
from worker.normalize import normalize_article

LOST_SHARE = 1 / 3  # article text below this share of the last version's may be a wall


@dataclass(frozen=True, slots=True)
class Lost:
    """Why the page is not a version: the error kind and the evidence, for the check error."""

    kind: LostArticle
    reasons: tuple[str, ...]

    @property
    def error(self) -> str:
        """The check error: starts with the kind, so health rules and dashboards can match it."""
        what = "a paywall" if self.kind == "paywalled" else "a consent wall"
        return (
            f"{self.kind}: the page now shows {what} instead of the article "
            f"({'; '.join(self.reasons)}); the last full version stays current"
        )


def lost_article(
    old: Article, new: Article, signals_of: Callable[[], AccessSignals]
) -> Lost | None:
    """A paywall or consent wall where the article was; None when ``new`` is the article.

    ``signals_of`` reads the page's access signals; it is only called when the text shrank,
    so an ordinary check parses the page once.
    """
    old_n, new_n = normalize_article(old), normalize_article(new)
    old_chars, new_chars = _chars(old_n), _chars(new_n)
    if not old_chars or new_chars >= LOST_SHARE * old_chars:
        return None
    signals = signals_of()
    teaser = _is_teaser(old_n.paragraphs, new_n.paragraphs)
    shrink = f"text fell to {new_chars} of {old_chars} characters"
    if signals.consent_text and not (signals.not_free or signals.paywall_text):
        return Lost("consent_wall", (*signals.consent, shrink))
    if signals.not_free or signals.paywall_text or teaser:
        teased = ("what is left is the start of the stored text",) if teaser else ()
        return Lost("paywalled", (*signals.paywall, *teased, shrink))
    return None


def is_lost_error(error: str | None) -> bool:
    """Did a check fail because the article text was lost (empty, paywalled, walled)?"""
    text = error or ""
    return text.startswith((EMPTY_ARTICLE_ERROR, "paywalled:", "consent_wall:"))


def _chars(article: Article) -> int:
    return sum(len(p) for p in article.paragraphs)


def _is_teaser(old: tuple[str, ...], new: tuple[str, ...]) -> bool:
    """``new`` is the opening of ``old``, cut inside a paragraph ("The minister said... ").

    Whole paragraphs kept in order and the rest removed is *not* a teaser: that is what a real
    shortening looks like, and it must alert.
    """
    if not new or len(new) > len(old):
        return False
    *whole, last = new
    if list(whole) != list(old[: len(whole)]):
        return False
    cut = last.rstrip().removesuffix("...").removesuffix("…").rstrip(" -")
    reference = old[len(whole)]
    return bool(cut) and cut != reference and reference.startswith(cut)

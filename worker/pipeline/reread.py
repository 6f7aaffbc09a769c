"""A stored state read by an older extractor is read again before a fresh one is called an edit.

A new editwatch release may read a page slightly differently (a caption now kept, a widget
line now dropped). Without this, the first check after an upgrade would compare the old
release's reading with the new one's and alert on the difference, as if the newsroom made it.

Only a check whose fresh state differs from the current one asks (:func:`stale`): the
unchanged and 304 paths never come here. The current version's stored page is read again with
the check's own extraction (same site profile and mode). When that reading differs from the
stored one, it is stored as a version of its own, marked ``reread_of`` the version whose page
it is: no change and no alert, and ``last_changed_at`` stays. The fresh state is then compared
with it: equal is unchanged, different is an edit whose diff shows only the newsroom's part.

The re-read and the fresh state are saved in two transactions: a check that stops between
them leaves the re-read current, and the next check compares with it as with any state read
by this release (the edit is still alerted once, from the re-read). The re-read is saved only
while the version it read is still current under the watch's lock (else another worker moved
on, and the check compares with the state it left) and only when no older version has its
fingerprint: then the reading is the comparison in memory and ``current`` stays, never moved
back to an old state. A page whose charset no record keeps is not read again
(:func:`stored_text`), and a restoration after an upgrade compares with the last live state's
page read again (:func:`read_again`).

A current version without its page (retention keeps the current one's, but an import without
pages or a return to a pruned state has none) cannot be read again: the change is compared
with the old reading as before, and says so first in its details (:func:`pruned_note`).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import replace as dc_replace
from typing import NamedTuple

from worker.errors import ExtractError
from worker.extract import EXTRACTOR_VERSION
from worker.fetch import declared_encoding, decode_html
from worker.logs import get_logger
from worker.models import Article, Capture, Change, Version, Watch
from worker.normalize import fingerprint
from worker.pipeline import identity
from worker.pipeline.context import Target, utcnow
from worker.store import Store

log = get_logger("worker.pipeline")

UNKNOWN_CHARSET = "has no record of its charset (no evidence record, not UTF-8)"
# Pages whose re-read reads as an older stored state, remembered per process: nothing is stored
# for them, so without this every later check of an unchanged page would read it again (a
# second extraction and a write lock). Rare (after an upgrade), so a few hundred suffice.
KNOWN_READINGS = 256
_known: OrderedDict[tuple[str, int, str], Baseline] = OrderedDict()

Reader = Callable[[str | bytes, str], Article]
"""``(html, url) -> Article``: the check's own extraction, with its profile and mode."""


@dataclass(frozen=True, slots=True)
class Baseline:
    """The version a fresh state is compared with, and what the comparison must add.

    ``note`` goes into the change's details when the old page could not be read again;
    ``reread_from`` is the number of the version whose page ``current`` re-read, when this
    check stored that re-read; ``known`` says ``current`` is the current version's page read
    again in memory only, because that reading is an older version's (see :func:`baseline`).
    """

    current: Version
    note: str | None = None
    reread_from: int | None = None
    known: bool = False

    def unchanged_why(self) -> str:
        """Why a fresh state equal to ``current`` is no edit, for the check's detail."""
        if self.known and self.note is not None:
            return f"{self.note}; same canonical text"
        if self.reread_from is None:
            return "same canonical text"
        return (
            f"v{self.reread_from}'s page read again by {EXTRACTOR_VERSION} (stored as "
            f"v{self.current.number}, an extractor re-read, not an edit); same canonical text"
        )


def stale(current: Version) -> bool:
    """Was the current state read by another extractor than this release's? (A removal has no
    page to read.)"""
    return current.extractor_version != EXTRACTOR_VERSION and not current.removed


def baseline(
    target: Target, current: Version, read: Reader, store: Store, *, retry: bool = True
) -> Baseline:
    """The state to compare a fresh, different one with: ``current`` read again when this
    release reads its page differently (stored as a re-read), else ``current`` itself."""
    if not stale(current):  # the usual case: read by this release
        return Baseline(current)
    if (known := _known.get((store.url, current.id, current.fingerprint))) is not None:
        return known
    reading = read_again(target, current, read, store)
    if reading.article is None or reading.stored is None:
        return Baseline(current, note=reading.note)
    article, stored = reading.article, reading.stored
    print_ = identity.state_fingerprint(
        fingerprint(article), article.canonical_url, target.watch.url
    )
    if print_ == current.fingerprint:  # this page reads the same: the difference is an edit
        return Baseline(current)
    number = _store_reread(target, current, article, print_, stored, store)
    if number is not None:
        reread = store.version(target.id, number)
        return Baseline(current) if reread is None else Baseline(reread, reread_from=current.number)
    now = store.current_version(target.id)
    if now is not None and now.id != current.id:  # another worker moved on: compare with it
        return baseline(target, now, read, store, retry=False) if retry else Baseline(now)
    return _known_reading(current, article, print_, store, target)


class Reading(NamedTuple):
    """A version's stored page read by this release (in memory), or the note saying why not."""

    article: Article | None
    note: str | None = None
    stored: tuple[bytes, Capture | None] | None = None


def read_again(target: Target, version: Version, read: Reader, store: Store) -> Reading:
    """``version``'s page read again with the check's own extraction, nothing stored: for a
    baseline, or the last live state a restoration is compared with."""
    stored = store.stored_page(version.id)
    if stored is None:
        return Reading(None, pruned_note(version))
    page, capture = stored
    text = stored_text(page, capture)
    if text is None:
        return Reading(None, pruned_note(version, why=UNKNOWN_CHARSET))
    try:
        article = reread_article(text, capture, version, read, target.watch)
    except ExtractError as exc:
        log.warning("extractor_reread_failed", version=version.number, error=str(exc))
        return Reading(None, pruned_note(version, why="could not be parsed again"))
    return Reading(article, stored=stored)


def _known_reading(
    current: Version, article: Article, print_: str, store: Store, target: Target
) -> Baseline:
    """``current``'s page read again reads as an older stored version: that reading is the
    comparison, but ``current`` stays (moving it back would call the old state this page's)."""
    older = store.find_version(target.id, print_)
    like = f" (as v{older.number})" if older is not None else ""
    log.info("extractor_reread_known", version=current.number, like=like)
    reading = dc_replace(
        current, stored=article, fingerprint=print_, extractor_version=EXTRACTOR_VERSION
    )
    note = (
        f"v{current.number}'s page read again by {EXTRACTOR_VERSION} reads as an older "
        f"stored state{like}; compared with that reading, not stored again"
    )
    return _remember(store, current, Baseline(reading, note=note, known=True))


def _remember(store: Store, current: Version, base: Baseline) -> Baseline:
    """Keep ``base`` for ``current`` of ``store`` (one process may open several stores, whose
    version ids repeat), dropping the oldest beyond KNOWN_READINGS."""
    _known[(store.url, current.id, current.fingerprint)] = base
    while len(_known) > KNOWN_READINGS:
        _known.popitem(last=False)
    return base


def _store_reread(
    target: Target,
    current: Version,
    article: Article,
    print_: str,
    stored: tuple[bytes, Capture | None],
    store: Store,
) -> int | None:
    """Save the re-read as the current state (no change; the evidence of the fetch whose
    page it read, its bytes hash the same): its number, or ``None`` if not saved."""
    number = store.save_reread(
        target.id,
        current,
        article=article,
        fingerprint=print_,
        extractor_version=EXTRACTOR_VERSION,
        seen_at=utcnow(),
        page=stored,
    )
    log.info(
        "extractor_reread",
        version=current.number,
        reread=number,
        old_extractor=current.extractor_version,
    )
    return number


def stored_text(page: bytes, capture: Capture | None) -> str | None:
    """The stored page decoded as its fetch was (the charset its answer named), or ``None``
    when that cannot be known: no evidence record keeps the answer's headers, and neither
    the bytes (BOM, ``<meta>``) nor their being valid UTF-8 settles it. A guess would be a
    garbled re-read, and every accented word of the next check an alerted edit."""
    declared = declared_encoding(page, capture.response_headers if capture else ())
    if declared is None and capture is None and not _utf8(page):
        return None
    return decode_html(page, declared)[1]


def _utf8(page: bytes) -> bool:
    try:
        page.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def reread_article(
    text: str, capture: Capture | None, current: Version, read: Reader, watch: Watch
) -> Article:
    """The stored page's ``text`` read with ``read``, under the address the state was
    stored with."""
    url = capture.final_url if capture else current.article.canonical_url or watch.url
    article = read(text, url)
    address = current.article.canonical_url
    return (
        article if article.canonical_url == address else dc_replace(article, canonical_url=address)
    )


def describe(number: int, of: int, extractor: str) -> str:
    """What history, diffs and the viewer say of re-read ``number``: never an edit."""
    return f"v{number} is v{of}'s page read again by {extractor}: an extractor re-read, not an edit"


def extractor_note(old: Version, new: Version) -> str | None:
    """What a diff of two live versions read by different extractors says first (``None``
    when one release read both): not every difference shown is the newsroom's."""
    if old.extractor_version == new.extractor_version or old.removed or new.removed:
        return None
    return (
        f"v{old.number} and v{new.number} were read by different extractors "
        f"({old.extractor_version or 'unknown'} -> {new.extractor_version or 'unknown'}): "
        "part of this difference may be how the page is read, not an edit"
    )


def extractor_noted(change: Change, old: Version, new: Version) -> Change:
    """``change`` (a diff computed for display) with :func:`extractor_note` first, if any."""
    note = extractor_note(old, new)
    return change if note is None else dc_replace(change, details=(note, *change.details))


def pruned_note(current: Version, why: str = "is no longer stored (retention)") -> str:
    """What a change compared with an old reading says: part of it may be editwatch's."""
    return (
        f"editwatch's extractor changed since v{current.number} was stored "
        f"({current.extractor_version or 'unknown'} -> {EXTRACTOR_VERSION}) and its page {why}: "
        "part of this difference may be how the page is read, not an edit"
    )


def noted(change: Change | None, base: Baseline | None) -> Change | None:
    """The change with the baseline's note first in its details (when there is one)."""
    if change is None or base is None or base.note is None:
        return change
    return dc_replace(change, details=(base.note, *change.details))

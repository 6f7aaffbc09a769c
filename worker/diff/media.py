"""What changed besides text: images, links, embeds and sections, described in words.

Each list is compared as a multiset of identities from :mod:`worker.normalize` (an image is its
file, a link its cleaned target, an embed its source, a section its heading), so re-ordering,
renditions and tracking parameters are no change. What is left over on each side is paired
where it reads as one edit (the lead image swapped, a link with the same text pointing
elsewhere) and the rest is removed or added. Every change becomes a sentence ("lead image
removed: 'Smog over the city'", "link to report.pdf removed from paragraph 4") and weighs what
:mod:`worker.diff.weights` says.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from worker.diff.summary import quote
from worker.diff.taxonomy import Tally
from worker.diff.weights import Weight, weight_of
from worker.models import Article, DiffOp, Embed, FieldDiff, Image, Link, MediaKind
from worker.normalize import embed_key, image_key, link_key, normalize_text
from worker.urls import file_name

T = TypeVar("T")
MEDIA_FIELDS = frozenset({"images", "links", "embeds", "sections"})  # FieldDiff names made here


@dataclass(frozen=True, slots=True)
class MediaChange:
    """One change to an image, a link, an embed or a section, with its sentence and weight."""

    kind: MediaKind
    role: str  # lead/inline, document/page, the embed's kind, section
    action: str  # removed, added, swapped, alt, retargeted
    sentence: str
    old: str = ""
    new: str = ""

    @property
    def weight(self) -> Weight:
        return weight_of(self.kind, self.role, self.action)


def media_diffs(old: Article, new: Article, tally: Tally) -> Iterable[FieldDiff]:
    """FieldDiffs ``images``, ``links``, ``embeds``, ``sections``; kinds, details and weights
    go into ``tally``. States stored before media were extracted are not compared."""
    if not (old.media_known and new.media_known):
        return
    for name, changes in (
        ("images", _unless_captioned(image_changes(old.images, new.images), old, new)),
        ("links", link_changes(old.links, new.links)),
        ("embeds", embed_changes(old.embeds, new.embeds)),
        ("sections", section_changes(old.headings, new.headings)),
    ):
        if changes:
            _tally(changes, tally)
            yield FieldDiff(name, tuple(_op(change) for change in changes))


def _unless_captioned(changes: list[MediaChange], old: Article, new: Article) -> list[MediaChange]:
    """An alt text that repeats the caption (many CMSs set one from the other) changed with
    it: the caption kind already tells that edit, so it is not told twice."""
    old_texts = {normalize_text(t) for t in (*old.captions, *old.paragraphs)}
    new_texts = {normalize_text(t) for t in (*new.captions, *new.paragraphs)}
    return [
        change
        for change in changes
        if change.action != "alt"
        or normalize_text(change.old) not in old_texts
        or normalize_text(change.new) not in new_texts
    ]


def _tally(changes: Sequence[MediaChange], tally: Tally) -> None:
    for change in changes:
        tally.kinds.add(change.kind)
        tally.details.append(change.sentence)
        if change.weight == "major":
            tally.major_hits += 1
        elif change.weight == "moderate":
            tally.substantive += 1


def _op(change: MediaChange) -> DiffOp:
    if change.action == "removed":
        return DiffOp("delete", change.old, "")
    if change.action == "added":
        return DiffOp("insert", "", change.new)
    return DiffOp("replace", change.old, change.new)


def _leftovers(
    old: Sequence[T], new: Sequence[T], key: Callable[[T], Hashable]
) -> tuple[list[T], list[T]]:
    """Items of each side whose identity the other side lacks (counted, so duplicates pair)."""
    old_left = Counter(key(item) for item in old) - Counter(key(item) for item in new)
    new_left = Counter(key(item) for item in new) - Counter(key(item) for item in old)
    return _take(old, key, old_left), _take(new, key, new_left)


def _take(items: Sequence[T], key: Callable[[T], Hashable], wanted: Counter[Hashable]) -> list[T]:
    taken = []
    for item in reversed(items):  # the later duplicates are the extra ones
        if wanted[key(item)] > 0:
            wanted[key(item)] -= 1
            taken.append(item)
    return taken[::-1]


def _pair(
    removed: list[T], added: list[T], same_place: Callable[[T, T], bool]
) -> list[tuple[T, T]]:
    """Pair removed and added items that stand in the same place; both lists lose them."""
    pairs = []
    for before in list(removed):
        match = next((after for after in added if same_place(before, after)), None)
        if match is not None:
            pairs.append((before, match))
            removed.remove(before)
            added.remove(match)
    return pairs


# --- images -----------------------------------------------------------------------------------


def image_changes(old: Sequence[Image], new: Sequence[Image]) -> list[MediaChange]:
    """Swapped, removed and added images, and alt text changed on the same picture."""
    changes = _alt_changes(old, new)
    removed, added = _leftovers(old, new, image_key)
    for before, after in _pair(removed, added, _same_image_place):
        role = _image_role(before, after)
        old_text, new_text = _describe(before), _describe(after)
        if old_text == new_text:  # same alt text on another picture: name the files
            old_text, new_text = f"({file_name(before.src)})", f"({file_name(after.src)})"
        sentence = f"{_image_noun(role, before)} swapped: {old_text} -> {new_text}"
        changes.append(MediaChange("image", role, "swapped", sentence, old_text, new_text))
    for image in removed:
        role = _image_role(image)
        sentence = f"{_image_noun(role, image)} removed: {_describe(image)}"
        changes.append(MediaChange("image", role, "removed", sentence, old=_describe(image)))
    for image in added:
        role = _image_role(image)
        sentence = f"{_image_noun(role, image)} added: {_describe(image)}"
        changes.append(MediaChange("image", role, "added", sentence, new=_describe(image)))
    return changes


def _alt_changes(old: Sequence[Image], new: Sequence[Image]) -> list[MediaChange]:
    """The same pictures described differently: per image identity, the alt texts that do not
    match one for one on the other side are paired in order."""
    changes = []
    for key in dict.fromkeys(image_key(image) for image in old):
        before = [image for image in old if image_key(image) == key]
        after = [image for image in new if image_key(image) == key]
        left, right = _leftovers(before, after, lambda image: normalize_text(image.alt))
        for one, other in zip(left, right, strict=False):
            role = _image_role(one, other)
            noun = _image_noun(role, other)
            sentence = f"{noun} alt text changed: {quote(one.alt)} -> {quote(other.alt)}"
            changes.append(MediaChange("image", role, "alt", sentence, one.alt, other.alt))
    return changes


def _same_image_place(before: Image, after: Image) -> bool:
    if before.lead or after.lead:
        return before.lead and after.lead
    same_alt = bool(before.alt) and normalize_text(before.alt) == normalize_text(after.alt)
    return same_alt or before.paragraph == after.paragraph


def _image_role(*images: Image) -> str:
    return "lead" if any(image.lead for image in images) else "inline"


def _image_noun(role: str, image: Image) -> str:
    if role == "lead":
        return "lead image"
    if image.paragraph is None:
        return "image before the text"
    return f"image after paragraph {image.paragraph + 1}"


def _describe(image: Image) -> str:
    return quote(image.alt) if image.alt.strip() else f"({file_name(image.src)})"


# --- links ------------------------------------------------------------------------------------


def link_changes(old: Sequence[Link], new: Sequence[Link]) -> list[MediaChange]:
    """Links pointing elsewhere (same text, new target), removed and added."""
    removed, added = _leftovers(old, new, link_key)
    changes = []
    for before, after in _pair(removed, added, _same_link_place):
        role = _link_role(before, after)
        sentence = (
            f"link {quote(after.text)}{_in_paragraph(after)} now points to "
            f"{file_name(after.href)} (was {file_name(before.href)})"
        )
        changes.append(MediaChange("link", role, "retargeted", sentence, before.href, after.href))
    for link in removed:
        sentence = f"link to {file_name(link.href)}{_text_of(link)} removed{_from_paragraph(link)}"
        changes.append(MediaChange("link", _link_role(link), "removed", sentence, old=link.href))
    for link in added:
        sentence = f"link to {file_name(link.href)}{_text_of(link)} added{_in_paragraph(link)}"
        changes.append(MediaChange("link", _link_role(link), "added", sentence, new=link.href))
    return changes


def _same_link_place(before: Link, after: Link) -> bool:
    text = normalize_text(before.text).casefold()
    return bool(text) and text == normalize_text(after.text).casefold()


def _link_role(*links: Link) -> str:
    return "document" if any(link.document for link in links) else "page"


def _text_of(link: Link) -> str:
    text = link.text.strip()
    return f" ({quote(text)})" if text and text != file_name(link.href) else ""


def _from_paragraph(link: Link) -> str:
    return f" from paragraph {link.paragraph + 1}" if link.paragraph is not None else ""


def _in_paragraph(link: Link) -> str:
    return f" in paragraph {link.paragraph + 1}" if link.paragraph is not None else ""


# --- embeds and sections ----------------------------------------------------------------------


def embed_changes(old: Sequence[Embed], new: Sequence[Embed]) -> list[MediaChange]:
    """Embedded posts, videos and documents that now show something else, removed or added."""
    removed, added = _leftovers(old, new, embed_key)
    changes = []
    for before, after in _pair(
        removed, added, lambda a, b: (a.kind, a.paragraph) == (b.kind, b.paragraph)
    ):
        sentence = (
            f"embedded {after.kind} now shows {file_name(after.src)} (was {file_name(before.src)})"
        )
        changes.append(
            MediaChange("embed", after.kind, "retargeted", sentence, before.src, after.src)
        )
    for embed in removed:
        sentence = f"embedded {embed.kind} removed: {_embed_name(embed)}"
        changes.append(MediaChange("embed", embed.kind, "removed", sentence, old=embed.src))
    for embed in added:
        sentence = f"embedded {embed.kind} added: {_embed_name(embed)}"
        changes.append(MediaChange("embed", embed.kind, "added", sentence, new=embed.src))
    return changes


def _embed_name(embed: Embed) -> str:
    return quote(embed.title) if embed.title.strip() else file_name(embed.src)


def section_changes(old: Sequence[str], new: Sequence[str]) -> list[MediaChange]:
    """Sections (headings) that are gone or new. As many headings gone as new ones is a
    rewording, which the text diff weighs (a typo fix in a heading is no lost section)."""
    removed, added = _leftovers(old, new, normalize_text)
    if len(removed) == len(added):
        return [
            MediaChange(
                "section", "section", "renamed", f"section {quote(a)} renamed {quote(b)}", a, b
            )
            for a, b in zip(removed, added, strict=True)
        ]
    changes = [
        MediaChange("section", "section", "removed", f"section {quote(h)} removed", old=h)
        for h in removed
    ]
    changes.extend(
        MediaChange("section", "section", "added", f"section {quote(h)} added", new=h)
        for h in added
    )
    return changes

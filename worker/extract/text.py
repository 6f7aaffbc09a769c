"""Text as readers see it: whitespace runs collapsed, headings read with their line breaks, and
text repaired where the source went one decoding step short.

UTF-8 read as Latin-1/cp1252 (``Investor\\u00e2\\u0080\\u0099s``) is re-decoded in every field
when that round-trips cleanly, and headings also lose a twice-escaped entity (``&#x26;``), a
label (``Title:``) and the glue between parts the page sets on lines of their own.
"""

from __future__ import annotations

from html import unescape

from selectolax.lexbor import LexborNode

from worker.extract.rules import (
    HEADING_BREAK_TAGS,
    HEADING_SKIP_TAGS,
    HEADLINE_LABEL,
    LEFTOVER_ENTITY,
    MOJIBAKE,
    MOJIBAKE_LEADS,
    NESTED_HEADING_TAGS,
)


def first_of(*values: str) -> str:
    return next((value for value in values if value), "")


# Characters that show nothing and are no whitespace to ``str.split``: a word made only of them
# (``<p>&#8203;</p>``, a stray byte-order mark) is no word.
ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"


def clean_text(text: str) -> str:
    """Whitespace runs to single spaces, and words of zero-width characters alone dropped.
    Most text needs no change; ``isprintable`` is false for every whitespace character but the
    plain space (and for the zero-width ones), so that check finds it cheaply."""
    if text.isprintable() and "  " not in text:
        return text.strip()
    joined = " ".join(text.split())
    if joined.isprintable():
        return joined
    return " ".join(word for word in joined.split(" ") if word.strip(ZERO_WIDTH))


def node_text(node: LexborNode | None) -> str:
    return repair(clean_text(node.text(deep=True))) if node is not None else ""


# --- text repair --------------------------------------------------------------------------------
def repair(text: str) -> str:
    """Undo UTF-8 that was read as Latin-1 or cp1252, but only when the text re-encodes to bytes
    that decode as UTF-8 without error (text that merely has accents never does)."""
    if text.isascii() or MOJIBAKE.search(text) is None:
        return text
    raw = _single_byte_form(text)
    if raw is None:
        return text
    try:
        return clean_text(raw.decode("utf-8"))  # a repaired NBSP is whitespace like any other
    except UnicodeDecodeError:
        return text


def repair_all(texts: list[str]) -> list[str]:
    """:func:`repair` for a page's worth of texts, searched once: most pages need nothing."""
    joined = "\n".join(texts)
    if joined.isascii() or not any(lead in joined for lead in MOJIBAKE_LEADS):
        return texts  # ``in`` scans at memchr speed; the regex only runs when a lead is there
    if MOJIBAKE.search(joined) is None:
        return texts
    return [repair(text) for text in texts]


def _single_byte_form(text: str) -> bytes | None:
    """The bytes a Latin-1/cp1252 reading turned into ``text``; None when no such bytes exist."""
    out = bytearray()
    for char in text:
        code = ord(char)
        if code < 0x100:
            out.append(code)
            continue
        try:
            out += char.encode("cp1252")
        except UnicodeEncodeError:
            return None
    return bytes(out)


def unescape_leftover(text: str) -> str:
    """Unescape once more when an entity is still visible (the source escaped it twice)."""
    if "&" in text and LEFTOVER_ENTITY.search(text):
        return unescape(text)
    return text


def heading_text(node: LexborNode) -> str:
    """A heading's text as readers see it: words on separate lines stay apart, a leftover entity
    is decoded, and a leading label such as ``Title:`` is dropped."""
    raw = "".join(_heading_parts(node, NESTED_HEADING_TAGS))
    if raw.isspace() or not raw:
        raw = "".join(_heading_parts(node))
    text = repair(clean_text(unescape_leftover(raw)))
    return HEADLINE_LABEL.sub("", text, count=1) or text


def spaced_text(node: LexborNode) -> str:
    """An element's text with a space around each line-level element inside it."""
    return "".join(_heading_parts(node))


def _heading_parts(node: LexborNode, skip: frozenset[str] = frozenset()) -> list[str]:
    """The heading's text pieces in document order, a space around each line-level element
    (a loop, not recursion: a heading may hide absurdly deep markup). A heading nested in it
    (``<h1><p>Title</p><h4>what it covers</h4></h1>``) is its standfirst: ``skip`` leaves it
    out, and the caller reads it only when nothing else is there."""
    parts: list[str] = []
    pending: list[LexborNode | str] = [*reversed(list(node.iter(include_text=True)))]
    while pending:
        item = pending.pop()
        tag = item if isinstance(item, str) else item.tag or ""
        if isinstance(item, str):
            parts.append(item)
        elif tag == "-text":
            parts.append(item.text_content or "")
        elif tag not in HEADING_SKIP_TAGS and tag not in skip:
            around = " " if tag in HEADING_BREAK_TAGS else ""
            pending.extend((around, *reversed(list(item.iter(include_text=True))), around))
    return parts

"""What never counts as page text, removed before the document scan: scripts, styles and
``<noscript>`` fallbacks (their source text would otherwise be read inside a ``<p>``), and
subtrees the page hides (``hidden``, ``aria-hidden``, ``display:none``; hidden classes are read
as chrome by ``score``, since class selectors would double this query's cost),
where sites keep a second or third copy of the article (a schema.org microdata block, an
"expanded" variant) that would be counted every time.

One CSS query finds them all; the style candidates are confirmed in Python. A hidden subtree
with real text is not removed but given the ``hidden`` class, which the scoring reads as chrome:
its paragraphs do not vote, unless leaving them out would discard most of the page's text (some
pages ship their article hidden and reveal it with script, and an empty article would be worse
than a duplicated one). The same query finds inline elements styled as lines of their own
(``<span style="display:block">``): a space on either side keeps their words apart.
"""

from __future__ import annotations

from selectolax.lexbor import LexborHTMLParser, LexborNode

from worker.extract.rules import (
    BLOCK_STYLE,
    HIDDEN_EXEMPT_ID,
    HIDDEN_KEEP_CHARS,
    HIDDEN_MARK,
    HIDDEN_STYLE,
    HIDDEN_STYLE_LOWER,
    INLINE_TAGS,
    PRUNE_QUERY,
    UNREAD_TAGS,
)


def prune(tree: LexborHTMLParser) -> None:
    """Remove unread and small hidden subtrees from ``tree``; mark the large hidden ones."""
    body = tree.body  # the <head>'s scripts and styles are never read as text anyway
    found = (body or tree).css(PRUNE_QUERY)
    doomed: list[LexborNode] = []
    for node in found:
        if node.tag in UNREAD_TAGS:
            doomed.append(node)
        elif _hidden(node):
            if len(node.text(deep=True, strip=True)) < HIDDEN_KEEP_CHARS:
                doomed.append(node)
            else:  # weighed later: chrome to the scoring, unless it is most of the page's text
                node.attrs["class"] = f"{node.attributes.get('class') or ''} {HIDDEN_MARK}"
        elif node.tag in INLINE_TAGS and BLOCK_STYLE.search(node.attributes.get("style") or ""):
            _set_apart(node)
    for node in reversed(doomed):  # reverse document order: descendants before their ancestors
        node.decompose()


def _set_apart(node: LexborNode) -> None:
    """A space on either side of an element laid out as a line of its own, where no
    whitespace is there already (a code block's line spans end with their newline, and a space
    after it would turn the blank line between two of its paragraphs into a line)."""
    text = node.text(deep=True)
    if text and not text[-1].isspace():
        node.insert_after(" ")
    before = node.prev
    if before is not None and (text := before.text(deep=True)) and not text[-1].isspace():
        node.insert_before(" ")


def _hidden(node: LexborNode) -> bool:
    attrs = node.attributes
    if "hidden" not in attrs and attrs.get("aria-hidden") != "true":
        style = attrs.get("style")  # ``[style*="hidden" i]`` also finds "overflow: hidden"
        if style is None or not _hides(style):
            return False
    # React's streamed segments: hidden until a script moves them in place
    return HIDDEN_EXEMPT_ID.match(attrs.get("id") or "") is None


def _hides(style: str) -> bool:
    """Does the inline style hide its element? An ASCII style (nearly all) is matched lower-cased
    with case (see HIDDEN_STYLE_LOWER); any other goes to the case-folding pattern."""
    if style.isascii():
        return HIDDEN_STYLE_LOWER.search(style.lower()) is not None
    return HIDDEN_STYLE.search(style) is not None

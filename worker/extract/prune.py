"""What never counts as page text, removed before the document scan: scripts, styles and
``<noscript>`` fallbacks (their source text would otherwise be read inside a ``<p>``), and
subtrees the page hides (``hidden``, ``aria-hidden``, ``display:none``; hidden classes are read
as chrome by ``score``, since class selectors would double this query's cost),
where sites keep a second or third copy of the article (a schema.org microdata block, an
"expanded" variant) that would be counted every time.

One CSS query finds them all; the style and class candidates are confirmed in Python. A hidden
subtree that holds most of the page's text is kept: some pages ship their article hidden and
reveal it with script, and an empty article would be worse than a duplicated one.
"""

from __future__ import annotations

from selectolax.lexbor import LexborHTMLParser, LexborNode

from worker.extract.rules import (
    HIDDEN_EXEMPT_ID,
    HIDDEN_KEEP_CHARS,
    HIDDEN_KEEP_SHARE,
    HIDDEN_STYLE,
    PRUNE_QUERY,
    UNREAD_TAGS,
)


def prune(tree: LexborHTMLParser) -> None:
    """Remove unread and hidden subtrees from ``tree`` in place."""
    body = tree.body  # the <head>'s scripts and styles are never read as text anyway
    found = (body or tree).css(PRUNE_QUERY)
    hidden = [node for node in found if node.tag not in UNREAD_TAGS and _hidden(node)]
    for node in reversed(found):  # reverse document order: descendants before their ancestors
        if node.tag in UNREAD_TAGS:
            node.decompose()
    sized = [(node, len(node.text(deep=True, strip=True))) for node in hidden]
    if any(size >= HIDDEN_KEEP_CHARS for _, size in sized):
        total = len(body.text(deep=True, strip=True)) if body is not None else 0
        sized = [(node, size) for node, size in sized if size < HIDDEN_KEEP_SHARE * total]
    for node, _ in reversed(sized):
        node.decompose()


def _hidden(node: LexborNode) -> bool:
    attrs = node.attributes
    if HIDDEN_EXEMPT_ID.match(attrs.get("id") or ""):
        return False  # React's streamed segments: hidden until a script moves them in place
    if "hidden" in attrs or attrs.get("aria-hidden") == "true":
        return True
    style = attrs.get("style")
    return style is not None and HIDDEN_STYLE.search(style) is not None

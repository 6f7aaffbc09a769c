"""The human summary: one short line per change ("paragraph 4 moved to 2", quoted edits)."""

from __future__ import annotations

from worker.diff.align import sentence_opcodes
from worker.diff.passages import figure_change
from worker.models import BlockOp

SMALL_EDIT_WORDS = 4  # word replacements up to this size are quoted in the summary
MAX_DETAILS = 20
QUOTE_CHARS = 80


def block_details(name: str, block: BlockOp) -> list[str]:
    """Human sentences for one changed block: 'paragraph 4 moved to 2', ..."""
    if name == "captions":
        verb = {"insert": "added", "delete": "removed", "move": "moved"}.get(block.tag, "edited")
        return [f"caption {verb}: {quote(block.new or block.old)}"]
    where = (block.new_index if block.new_index is not None else block.old_index or 0) + 1
    if block.tag == "insert":
        return [f"paragraph {where} added: {quote(block.new)}"]
    if block.tag == "delete":
        return [f"paragraph {where} removed: {quote(block.old)}"]
    lines: list[str] = []
    if block.tag == "move":
        lines.append(f"paragraph {(block.old_index or 0) + 1} moved to {where}")
        if not block.words:
            return lines
    return lines + _edit_details(block, where)


def block_where(name: str, block: BlockOp) -> str:
    """Where a block stands now, as the summary names it: "paragraph 3", "caption 2"."""
    index = block.new_index if block.new_index is not None else block.old_index or 0
    return f"{'caption' if name == 'captions' else 'paragraph'} {index + 1}"


def _edit_details(block: BlockOp, where: int) -> list[str]:
    """Small replacements quoted ("'Saturday' -> 'Sunday'"), else one line per sentence.

    Changed figures get their own "figures: 12 -> 15" line (see ``taxonomy``), so they are not
    quoted a second time here.
    """
    small = [
        op
        for op in block.words
        if op.tag == "replace"
        and len(op.old.split()) <= SMALL_EDIT_WORDS
        and len(op.new.split()) <= SMALL_EDIT_WORDS
    ]
    changes = [op for op in block.words if op.tag != "equal"]
    if changes and len(small) == len(changes):
        worded = [op for op in small if figure_change(op) is None]
        return [f"{quote(op.old)} -> {quote(op.new)} in paragraph {where}" for op in worded]
    lines = []
    for tag, i1, i2, j1, j2 in sentence_opcodes(block):
        if tag == "insert":
            lines.append(_plural(j2 - j1, "sentence") + f" added to paragraph {where}")
        elif tag == "delete":
            lines.append(_plural(i2 - i1, "sentence") + f" removed from paragraph {where}")
        else:
            lines.append(
                _plural(max(i2 - i1, j2 - j1), "sentence") + f" edited in paragraph {where}"
            )
    return lines or [f"paragraph {where} edited"]


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}s" if count > 1 else noun


def quote(text: str) -> str:
    text = " ".join(text.split())
    return f"'{text}'" if len(text) <= QUOTE_CHARS else f"'{text[: QUOTE_CHARS - 3]}...'"


def cap_details(details: list[str]) -> tuple[str, ...]:
    if len(details) <= MAX_DETAILS:
        return tuple(details)
    return (*details[:MAX_DETAILS], f"... and {len(details) - MAX_DETAILS} more")

"""Small text helpers shared by renderers and channels (no third-party imports)."""

from __future__ import annotations

from collections.abc import Sequence

ELLIPSIS = "…"


def truncate_lines(lines: Sequence[str], max_length: int | None) -> str:
    """Join lines, dropping trailing ones with a '... N more lines' note to fit max_length.

    The first line (the headline) always stays, cut short with an ellipsis if it must.
    """
    text = "\n".join(lines)
    if max_length is None or len(text) <= max_length:
        return text
    for keep in range(len(lines) - 1, 0, -1):
        candidate = "\n".join([*lines[:keep], f"... {len(lines) - keep} more lines"])
        if len(candidate) <= max_length:
            return candidate
    note = f"... {len(lines) - 1} more lines"
    room = max(max_length - len(note) - 2, 0)
    return f"{lines[0][:room]}{ELLIPSIS}\n{note}" if room else note[:max_length]


# --- html -----------------------------------------------------------------------------------

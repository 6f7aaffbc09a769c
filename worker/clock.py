"""The one clock: timezone-aware UTC now, which every stage and the store use.

One definition, so a test or a replay can reason about "now" in one place, and no module
ever produces a naive datetime (the store refuses those).
"""

from __future__ import annotations

from datetime import UTC, datetime

__all__ = ["utcnow"]


def utcnow() -> datetime:
    """The current time as an aware UTC datetime."""
    return datetime.now(UTC)

"""The one exception tree of editwatch.

Every error editwatch raises on purpose derives from :class:`EditwatchError`, so callers can
catch "anything editwatch decided to refuse" in one place while real bugs still surface::

    EditwatchError
    ├── ConfigError            bad YAML or environment; names file, path and problem
    ├── FetchError             the page could not be fetched
    │   ├── TransientFetchError    worth retrying later (timeouts, 5xx, 429, connection reset)
    │   ├── PermanentFetchError    retrying will not help (4xx, not HTML, too large)
    │   └── BlockedTargetError     refused by policy (private address, bad scheme)
    ├── ExtractError           the HTML yielded nothing usable
    ├── StoreError             the database refused an operation
    ├── NotifyError            a delivery failed; ``permanent`` says whether to retry
    └── CardError              a diff card cannot be drawn here (no text shaping engine)

"Unchanged" (a 304, an equal fingerprint) is a result value, never an exception.
"""

from __future__ import annotations


class EditwatchError(Exception):
    """Base of every error editwatch raises deliberately."""


class ConfigError(EditwatchError):
    """Configuration is invalid; the message names the file, the field path and the fix."""


class FetchError(EditwatchError):
    """A fetch failed. ``status`` is the HTTP status when there was a response."""

    transient: bool = True
    retry_after: float | None = None

    def __init__(
        self, message: str, *, url: str, status: int | None = None, retry_after: float | None = None
    ) -> None:
        super().__init__(message)
        self.url = url
        self.status = status
        self.retry_after = retry_after


class TransientFetchError(FetchError):
    """A failure that may heal by itself: time-outs, resets, 5xx, 429."""

    transient = True


class PermanentFetchError(FetchError):
    """A failure that retrying will not heal: 4xx, a non-HTML body, a body over the cap."""

    transient = False


class BlockedTargetError(PermanentFetchError):
    """The target is refused by policy: a private address, a non-http(s) scheme."""


class ExtractError(EditwatchError):
    """The document could not be turned into an article at all."""


class StoreError(EditwatchError):
    """The database refused an operation or holds something unexpected."""


class NotifyError(EditwatchError):
    """A delivery failed. ``permanent`` errors make the alert ``dead`` at once."""

    def __init__(self, message: str, *, permanent: bool = False, retry_after: float | None = None):
        super().__init__(message)
        self.permanent = permanent
        self.retry_after = retry_after


class CardError(EditwatchError):
    """A diff card cannot be drawn: the message says what is missing and how to install it."""

"""The one exception tree of editwatch.

Every error editwatch raises on purpose derives from :class:`EditwatchError`, so callers can
catch "anything editwatch decided to refuse" in one place while real bugs still surface::

    EditwatchError
    ├── ConfigError            bad YAML or environment; names file, path and problem
    ├── FetchError             the page could not be fetched (never raised itself: each
    │   │                          failure says whether a retry may help)
    │   ├── TransientFetchError    worth retrying later (timeouts, 5xx, 425, 429, resets)
    │   └── PermanentFetchError    retrying will not help (4xx, not HTML, too large)
    │       └── BlockedTargetError     refused by policy (private address, bad scheme)
    ├── ExtractError           a document could not be read at all (a feed that is no feed);
    │                          an HTML page without article text is an ``error`` outcome instead
    ├── StoreError             the database refused an operation
    ├── NotifyError            a delivery failed; ``permanent`` says whether to retry
    └── CardError              a diff card cannot be drawn here (no text shaping engine)

Each stage maps the failures of the libraries it wraps at its boundary, in one place (httpx
errors in ``fetch`` and ``notify.http``, SQLAlchemy errors in ``store.engine``, smtplib in
``notify.mail``, a stored payload that cannot be read in ``notify.message``); anything else
is a bug and surfaces as one. "Unchanged" (a 304, an equal fingerprint) is a result value,
never an exception.
"""

from __future__ import annotations


class EditwatchError(Exception):
    """Base of every error editwatch raises deliberately."""


class ConfigError(EditwatchError):
    """Configuration is invalid; the message names the file, the field path and the fix."""


class FetchError(EditwatchError):
    """A fetch failed. ``status`` is the HTTP status when there was a response.

    Catch this one; raise a subclass: whether a retry may help is decided where the failure
    is understood, never defaulted.
    """

    transient: bool
    retry_after: float | None = None

    def __init__(
        self, message: str, *, url: str, status: int | None = None, retry_after: float | None = None
    ) -> None:
        if type(self) is FetchError:
            raise TypeError("raise TransientFetchError or PermanentFetchError, not FetchError")
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
    """The document could not be read at all (a feed URL that serves no RSS/Atom)."""


class StoreError(EditwatchError):
    """The database refused an operation or holds something unexpected."""


class NotifyError(EditwatchError):
    """A delivery failed. ``permanent`` errors make the alert ``dead`` at once; ``status`` is
    the HTTP status the target answered, when it answered."""

    def __init__(
        self,
        message: str,
        *,
        permanent: bool = False,
        retry_after: float | None = None,
        status: int | None = None,
    ):
        super().__init__(message)
        self.permanent = permanent
        self.retry_after = retry_after
        self.status = status


class CardError(EditwatchError):
    """A diff card cannot be drawn: the message says what is missing and how to install it."""

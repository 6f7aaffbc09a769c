"""``apprise``: any Apprise URL (Discord, Telegram, Matrix, Mastodon, ntfy, Teams and 100 more).

Apprise is an optional extra (``pip install editwatch[apprise]``), imported only when such a
channel is built, so installs without it are unaffected. The alert goes as Markdown with the
diff's one-line summary as title; Apprise converts it for each service.

The URL usually holds a token: give it with ``url_env``. Apprise makes its own HTTP requests,
so the guarded helper of :mod:`worker.notify.http` cannot wrap them; instead, for schemes
that post to a host named in the URL (self-hosted JSON/XML/form endpoints, Gotify, Apprise
API, Mattermost) that host passes the network guard before each delivery. Other schemes
post to their fixed public service. Apprise reports only success or failure, not why, so a
failure is retried (up to ``notify.max_attempts``); an URL Apprise cannot parse is permanent.
"""

from __future__ import annotations

import importlib
from typing import Any, ClassVar

from worker.errors import ConfigError, NotifyError
from worker.models import Notification
from worker.notify.base import ChannelContext, ChannelOptions, URLOptions
from worker.notify.http import check_target
from worker.notify.message import markdown, title

# Apprise schemes whose URL host is where the request goes, and the web scheme they use.
SELF_HOSTED_SCHEMES: dict[str, str] = {
    **{s: "http" for s in ("json", "xml", "form", "gotify", "apprise", "mmost")},
    **{s + "s": "https" for s in ("json", "xml", "form", "gotify", "apprise", "mmost")},
}
INSTALL_HINT = "the apprise channel needs Apprise: pip install 'editwatch[apprise]'"


def load_apprise() -> Any:
    """The ``apprise`` module, or a ConfigError telling how to install it."""
    try:
        return importlib.import_module("apprise")
    except ImportError:
        raise ConfigError(INSTALL_HINT) from None


class AppriseOptions(URLOptions):
    pass


class AppriseChannel:
    """Sends ``title(payload)`` and the Markdown diff through one Apprise URL."""

    kind: ClassVar[str] = "apprise"
    Options: ClassVar[type[ChannelOptions]] = AppriseOptions

    def __init__(self, name: str, options: AppriseOptions, context: ChannelContext) -> None:
        self.apprise = load_apprise()
        self.name = name
        self.options = options
        self.context = context

    def send(self, notification: Notification) -> None:
        url = self.options.target(self.name)
        scheme = url.partition("://")[0].lower()
        self._guard(url, scheme)
        client = self.apprise.Apprise()
        if not client.add(url):
            raise NotifyError(f"channel {self.name!r}: Apprise cannot use this {scheme}:// URL",
                              permanent=True)  # fmt: skip
        payload = notification.payload
        sent = client.notify(
            body=markdown(payload),
            title=title(payload),
            body_format=self.apprise.NotifyFormat.MARKDOWN,
        )
        if not sent:
            raise NotifyError(f"channel {self.name!r}: Apprise could not deliver to {scheme}://")

    def _guard(self, url: str, scheme: str) -> None:
        web_scheme = SELF_HOSTED_SCHEMES.get(scheme)
        if web_scheme is not None:
            check_target(
                web_scheme + url[len(scheme) :], allow_private=self.context.allow_private_networks
            )

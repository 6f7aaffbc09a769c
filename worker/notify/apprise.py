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

With ``attach_card: true`` the change's diff card (PNG, drawn by the same
``ChannelContext.draw_card`` as the email card) goes along as an attachment to targets whose
Apprise plugin takes attachments (in Apprise 2.3: Mastodon, Bluesky, Telegram, Discord,
json/form/xml and others); other targets get the text alone and a warning is logged. With a
``bot:`` profile the alert is a short post (site, old -> new headline, link) within the
target's length limit, the card attached unless ``attach_card: false``; Apprise cannot reply
to a post, so these are plain posts (the ``mastodon`` channel threads them).
"""

from __future__ import annotations

import importlib
import tempfile
from pathlib import Path
from typing import Any, ClassVar

from worker.errors import ConfigError, NotifyError
from worker.logs import get_logger
from worker.models import Notification
from worker.notify.base import ChannelContext, ChannelOptions, PostOptions, URLOptions, card_of
from worker.notify.http import check_target
from worker.notify.message import POST_LIMIT, markdown, short_post, title

log = get_logger(__name__)

# Apprise schemes whose URL host is where the request goes, and the web scheme they use.
SELF_HOSTED_SCHEMES: dict[str, str] = {
    **{s: "http" for s in ("json", "xml", "form", "gotify", "apprise", "mmost", "mastodon")},
    **{s + "s": "https" for s in ("json", "xml", "form", "gotify", "apprise", "mmost")},
    "mastodons": "https",
    "toot": "http",
    "toots": "https",
}
# Post length limits of the targets a bot posts to, by scheme (Apprise cuts Bluesky at 280).
POST_LIMITS: dict[str, int] = {"bsky": 280, "bluesky": 280, "tgram": 4096, "discord": 2000}
INSTALL_HINT = "the apprise channel needs Apprise: pip install 'editwatch[apprise]'"


def load_apprise() -> Any:
    """The ``apprise`` module, or a ConfigError telling how to install it."""
    try:
        return importlib.import_module("apprise")
    except ImportError:
        raise ConfigError(INSTALL_HINT) from None


class AppriseOptions(URLOptions, PostOptions):
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
        message = self._message(payload, scheme)
        with tempfile.TemporaryDirectory(prefix="editwatch-card-") as folder:
            attach = self._attachment(client, payload, Path(folder))
            sent = client.notify(**message, attach=attach)
        if not sent:
            raise NotifyError(f"channel {self.name!r}: Apprise could not deliver to {scheme}://")

    def _message(self, payload: dict[str, Any], scheme: str) -> dict[str, Any]:
        """Title and Markdown diff; for a bot, one short plain-text post and no title."""
        bot = self.options.bot
        if bot is None:
            text_format = self.apprise.NotifyFormat.MARKDOWN
            return {"body": markdown(payload), "title": title(payload), "body_format": text_format}
        limit = bot.max_chars or POST_LIMITS.get(scheme, POST_LIMIT)
        body = short_post(payload, limit)
        return {"body": body, "title": "", "body_format": self.apprise.NotifyFormat.TEXT}

    def _attachment(self, client: Any, payload: dict[str, Any], folder: Path) -> Any:
        """The card as a PNG attachment, or ``None`` (no card, or the target's plugin takes
        no attachments, which is logged). Written to a private temporary file: several
        plugins (Mastodon's among them) upload attachments by opening their path."""
        card = card_of(self.context, self.options.card, payload)
        if card is None:
            return None
        if not all(getattr(plugin, "attachment_support", False) for plugin in client):
            log.warning("card_not_attached", channel=self.name, reason="target takes no files")
            return None
        path = folder / "card.png"
        path.write_bytes(card)
        attachment = self.apprise.AppriseAttachment()
        attachment.add(str(path))
        return attachment

    def _guard(self, url: str, scheme: str) -> None:
        web_scheme = SELF_HOSTED_SCHEMES.get(scheme)
        if web_scheme is not None:
            check_target(
                web_scheme + url[len(scheme) :], allow_private=self.context.allow_private_networks
            )

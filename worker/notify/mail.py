"""``email``: send the alert through an SMTP relay, as an HTML part and a plain-text part.

The subject is the alert's title by default (``[editwatch] Headline changed: OLD -> NEW``);
the HTML part links to the article, names the versions and holds the inline and side-by-side
(before | after) diff with its colours as inline styles (mail clients drop ``<style>``), the
text part the same with ``[-deleted-]``/``{+inserted+}`` marks for clients that show text only.
Both are rendered at send time by :mod:`worker.render`, control and bidi characters stripped.
With ``attach_card: true`` the change's diff card (PNG) sits inline at the top of the HTML part.
``security`` is ``starttls`` (port 587), ``ssl`` (implicit TLS, port 465) or ``none`` (port
25, for a relay on the same host); certificates are verified, against ``ca_file`` for a relay
with a private CA. Credentials come from the environment (``username_env``/``password_env``),
never from YAML.

Failure mapping: an SMTP 5xx answer (bad address, refused sender, failed login) is permanent,
a 4xx answer, a dropped connection or a timeout is retried. Recipients refused while others
were accepted are logged, not retried (a retry would mail the others twice). Each message
carries ``Message-ID: <editwatch-<event id>@sender domain>``, stable across retries.

The network guard covers HTTP targets only: an SMTP relay is infrastructure the operator
chooses and is usually local or private (``localhost``, a LAN relay); guarding it would force
``allow_private_networks`` on, which also opens page fetches to private addresses.
"""

from __future__ import annotations

import smtplib
import ssl
import string
from email.message import EmailMessage
from email.utils import formatdate, parseaddr
from typing import Any, ClassVar, Literal

from pydantic import Field, field_validator, model_validator

from worker.errors import NotifyError
from worker.logs import get_logger
from worker.models import Notification
from worker.notify.base import ChannelContext, ChannelOptions, card_of, env_secret
from worker.notify.message import html_page, text, title
from worker.render import clean_text
from worker.textutil import cut_text

log = get_logger(__name__)

DEFAULT_PORTS = {"starttls": 587, "ssl": 465, "none": 25}
SUBJECT_FIELDS = frozenset({"watch", "kinds", "headline", "significance", "title"})
SUBJECT_LIMIT = 200


def smtp_failure(where: str, exc: smtplib.SMTPException | OSError) -> NotifyError:
    """5xx answers are permanent; 4xx, dropped connections and timeouts are retried."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = sorted({code for code, _ in exc.recipients.values()})
        permanent = all(code >= 500 for code in codes)
        return NotifyError(f"{where}: every recipient refused ({codes})", permanent=permanent)
    if isinstance(exc, smtplib.SMTPResponseException):
        raw = exc.smtp_error
        reply = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
        detail = f"{where}: answered {exc.smtp_code} {reply}".strip()
        return NotifyError(detail, permanent=exc.smtp_code >= 500)
    if isinstance(exc, smtplib.SMTPNotSupportedError):  # e.g. no STARTTLS: configuration
        return NotifyError(f"{where}: {exc}", permanent=True)
    return NotifyError(f"{where}: {type(exc).__name__}: {exc}")


def _check_address(value: str) -> str:
    _name, address = parseaddr(value)
    local, _, domain = address.rpartition("@")
    if not local or "." not in domain or any(c.isspace() for c in address):
        raise ValueError(f"{value!r} is not an email address like alerts@example.org")
    return value


class EmailOptions(ChannelOptions):
    host: str
    port: int | None = Field(default=None, ge=1, le=65535)  # default: from `security`
    security: Literal["starttls", "ssl", "none"] = "starttls"
    username_env: str | None = None
    password_env: str | None = None
    sender: str = Field(alias="from")
    to: tuple[str, ...] = Field(min_length=1)
    subject: str = "[editwatch] {title}"  # the headline line: "Headline changed: A -> B"
    ca_file: str | None = None  # CA bundle for a relay with a private or self-signed certificate
    attach_card: bool = False  # show the diff card (PNG) inline at the top of the HTML part

    @field_validator("sender")
    @classmethod
    def _sender(cls, value: str) -> str:
        return _check_address(value)

    @field_validator("to")
    @classmethod
    def _recipients(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(_check_address(v) for v in value)

    @field_validator("subject")
    @classmethod
    def _subject(cls, value: str) -> str:
        names = {name for _, name, _, _ in string.Formatter().parse(value) if name is not None}
        unknown = sorted(names - SUBJECT_FIELDS)
        if unknown:
            known = ", ".join("{" + f + "}" for f in sorted(SUBJECT_FIELDS))
            raise ValueError(f"unknown placeholder {{{unknown[0]}}} (known: {known})")
        return value

    @model_validator(mode="after")
    def _login_pair(self) -> EmailOptions:
        if bool(self.username_env) != bool(self.password_env):
            raise ValueError("give both `username_env` and `password_env`, or neither")
        return self


class EmailChannel:
    """One multipart/alternative message per alert to every address in ``to``."""

    kind: ClassVar[str] = "email"
    Options: ClassVar[type[ChannelOptions]] = EmailOptions

    def __init__(self, name: str, options: EmailOptions, context: ChannelContext) -> None:
        self.name = name
        self.options = options
        self.context = context
        self.port = options.port or DEFAULT_PORTS[options.security]

    def compose(self, notification: Notification) -> EmailMessage:
        """The message: subject from the template, text part first, HTML part preferred."""
        payload, sender = notification.payload, self.options.sender
        message = EmailMessage()
        message["Subject"] = self._subject(payload)
        message["From"] = sender
        message["To"] = ", ".join(self.options.to)
        message["Date"] = formatdate(usegmt=True)
        domain = parseaddr(sender)[1].rpartition("@")[2]
        message["Message-ID"] = f"<editwatch-{notification.id}@{domain}>"
        message.set_content(text(payload))
        card = card_of(self.context, self.options.attach_card, payload)
        if card is None:
            message.add_alternative(html_page(payload), subtype="html")
            return message
        cid = f"card-{notification.id}@{domain}"
        image = f'<body><p><img src="cid:{cid}" alt="diff card" width="600"></p>'
        message.add_alternative(html_page(payload).replace("<body>", image, 1), subtype="html")
        html_part = message.get_body(("html",))
        if html_part is not None:  # just added; the image becomes a related part beside it
            html_part.add_related(card, "image", "png", cid=f"<{cid}>", filename="card.png")
        return message

    def send(self, notification: Notification) -> None:
        message = self.compose(notification)
        try:
            with self._connect() as smtp:
                if self.options.username_env and self.options.password_env:
                    user = env_secret(self.name, self.options.username_env, "the SMTP user")
                    password = env_secret(self.name, self.options.password_env, "the password")
                    smtp.login(user, password)
                refused = smtp.send_message(message)
        except (smtplib.SMTPException, OSError) as exc:
            raise smtp_failure(f"smtp {self.options.host}:{self.port}", exc) from None
        if refused:
            log.warning("email_recipients_refused", channel=self.name, refused=sorted(refused))

    def _subject(self, payload: dict[str, Any]) -> str:
        values = {
            "watch": payload.get("watch", ""),
            "kinds": ", ".join(payload.get("kinds") or []),
            "headline": payload.get("new_headline") or payload.get("old_headline") or "",
            "significance": payload.get("significance", ""),
            "title": title(payload),
        }
        template = self.options.subject
        if "event" in payload or payload.get("digest"):  # no single change to describe
            template = "[editwatch] {title}"
        subject = " ".join(clean_text(template.format_map(values)).split())  # no header breaks
        return cut_text(subject, SUBJECT_LIMIT)

    def _connect(self) -> smtplib.SMTP:
        """An open session, TLS already on unless ``security: none``."""
        host, timeout = self.options.host, self.context.timeout
        tls = ssl.create_default_context(cafile=self.options.ca_file)
        if self.options.security == "ssl":
            return smtplib.SMTP_SSL(host, self.port, timeout=timeout, context=tls)
        smtp = smtplib.SMTP(host, self.port, timeout=timeout)
        if self.options.security == "starttls":
            try:
                smtp.starttls(context=tls)
            except BaseException:
                smtp.close()
                raise
        return smtp

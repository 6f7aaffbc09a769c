"""The email channel against a real local SMTP server (aiosmtpd): both parts arrive, SMTP
answers map to permanent or retried failures, and STARTTLS with login works."""

from __future__ import annotations

import re
import shutil
import socket
import ssl
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session

from tests.integration.test_channels import notification
from worker.config import ChannelSettings
from worker.errors import ConfigError, NotifyError
from worker.notify import Channel, ChannelContext, build_channel

HOST = "127.0.0.1"
SENDER = "editwatch@example.org"
DESK = "desk@example.org"
LOGIN, PASSWORD = "editwatch", "smtp-pass-4d2"


@dataclass
class Mailbox:
    """An aiosmtpd handler that keeps what it receives and refuses chosen recipients."""

    refuse: dict[str, str] = field(default_factory=dict)  # address -> SMTP reply
    received: list[Envelope] = field(default_factory=list)
    logins: list[bytes] = field(default_factory=list)

    async def handle_RCPT(
        self, server: Any, session: Session, envelope: Envelope, address: str, options: Any
    ) -> str:
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Session, envelope: Envelope) -> str:
        self.received.append(envelope)
        return "250 Message accepted"

    def authenticate(
        self, server: Any, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
            LOGIN.encode(),
            PASSWORD.encode(),
        )
        if ok:
            self.logins.append(data.login)
        return AuthResult(success=ok, handled=False)  # False: the server answers 535

    def message(self) -> EmailMessage:
        (envelope,) = self.received
        assert isinstance(envelope.content, bytes)
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    """A plain SMTP server on 127.0.0.1 and the handler that records what it got."""
    handler = Mailbox()
    controller = Controller(handler, hostname=HOST, port=free_port())
    controller.start()
    try:
        yield handler, controller.port
    finally:
        controller.stop()


def email_channel(tmp_path: Path, port: int, **options: Any) -> Channel:
    settings = {"host": HOST, "port": port, "security": "none", "from": SENDER, "to": [DESK]}
    context = ChannelContext(tmp_path, timeout=5.0)
    return build_channel("mail", ChannelSettings(type="email", **{**settings, **options}), context)


def test_email_arrives_with_a_text_part_and_a_side_by_side_html_part(
    tmp_path: Path, mailbox: tuple[Mailbox, int]
) -> None:
    """The relay receives one message to `to`, with text and HTML (before | after) parts."""
    handler, port = mailbox
    email_channel(tmp_path, port, subject="{watch} changed: {kinds}").send(notification())
    (envelope,) = handler.received
    assert envelope.mail_from == SENDER and envelope.rcpt_tos == [DESK]
    message = handler.message()
    assert message["Subject"] == "story changed: body, headline, lede, paragraph_edited"
    assert message["Message-ID"] == "<editwatch-41@example.org>"
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None and html is not None
    assert "[-Monday -]{+Tuesday +}" in text.get_content()
    page = html.get_content()
    assert ">Before</th>" in page and ">After</th>" in page
    assert re.search(r'<del style="[^"]*line-through[^"]*">Monday </del>', page)
    assert re.search(r'<ins style="[^"]*#060[^"]*">Tuesday </ins>', page)


def test_email_subject_is_the_headline_and_the_page_links_article_and_version(
    tmp_path: Path, mailbox: tuple[Mailbox, int]
) -> None:
    """The default subject names the headline change; the HTML links the article, names versions."""
    handler, port = mailbox
    email_channel(tmp_path, port).send(notification())
    message = handler.message()
    subject = " ".join(str(message["Subject"]).split())  # a long header arrives folded
    assert subject == "[editwatch] Headline changed: Minister resigns -> Minister quits over row"
    html = message.get_body(("html",))
    assert html is not None
    page = html.get_content()
    assert '<a href="https://news.example.org/story"' in page
    assert (
        "version 1 -&gt; 2" in page and "editwatch diff &#x27;story&#x27; --from 1 --to 2" in page
    )


def test_a_rejected_address_fails_permanently(tmp_path: Path, mailbox: tuple[Mailbox, int]) -> None:
    """An SMTP 550 for the only recipient is permanent and says what the server answered."""
    handler, port = mailbox
    handler.refuse[DESK] = "550 5.1.1 no such user"
    with pytest.raises(NotifyError, match=r"every recipient refused \(\[550\]\)") as failure:
        email_channel(tmp_path, port).send(notification())
    assert failure.value.permanent and handler.received == []


def test_a_temporary_refusal_is_retried(tmp_path: Path, mailbox: tuple[Mailbox, int]) -> None:
    """An SMTP 451 (greylisting, full queue) is a transient failure."""
    handler, port = mailbox
    handler.refuse[DESK] = "451 4.7.1 greylisted, try again later"
    with pytest.raises(NotifyError, match="451") as failure:
        email_channel(tmp_path, port).send(notification())
    assert not failure.value.permanent


def test_one_refused_recipient_does_not_stop_the_others(
    tmp_path: Path, mailbox: tuple[Mailbox, int]
) -> None:
    """With one of two recipients refused the message still goes to the other, no retry."""
    handler, port = mailbox
    handler.refuse["gone@example.org"] = "550 no such user"
    email_channel(tmp_path, port, to=["gone@example.org", DESK]).send(notification())
    assert handler.received[0].rcpt_tos == [DESK]


def test_an_unreachable_relay_is_retried(tmp_path: Path) -> None:
    """Connection refused by the relay is a transient failure naming host and port."""
    port = free_port()
    with pytest.raises(NotifyError, match=f"smtp {HOST}:{port}") as failure:
        email_channel(tmp_path, port).send(notification())
    assert not failure.value.permanent


@pytest.mark.parametrize(
    ("options", "problem"),
    [
        ({"to": ["not an address"]}, "is not an email address"),
        ({"from": "editwatch"}, "is not an email address"),
        ({"to": []}, "to"),
        ({"subject": "{watch} {secret}"}, r"unknown placeholder \{secret\}"),
        ({"username_env": "SMTP_USER"}, "give both `username_env` and `password_env`"),
        ({"security": "tls"}, "security"),
    ],
)
def test_bad_email_options_are_config_errors(
    options: dict[str, Any], problem: str, tmp_path: Path
) -> None:
    """Bad addresses, placeholders and half a login are refused when the channel is built."""
    with pytest.raises(ConfigError, match=problem):
        email_channel(tmp_path, 25, **options)


# --- STARTTLS with login ---------------------------------------------------------------------


@pytest.fixture
def certificate(tmp_path: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, made with the openssl command."""
    if shutil.which("openssl") is None:
        pytest.skip("needs the openssl command to make a test certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-keyout", str(key), "-out", str(cert), "-subj", f"/CN={HOST}",
         "-addext", f"subjectAltName=IP:{HOST}"],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    return cert, key


def test_starttls_with_login_from_the_environment(
    tmp_path: Path, certificate: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """STARTTLS is used, the certificate verified, the login read from the environment."""
    cert, key = certificate
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(cert, key)
    handler = Mailbox()
    controller = Controller(
        handler, hostname=HOST, port=free_port(), tls_context=tls, require_starttls=True,
        authenticator=handler.authenticate, auth_required=True,
    )  # fmt: skip
    monkeypatch.setenv("SMTP_USER", LOGIN)
    monkeypatch.setenv("SMTP_PASSWORD", PASSWORD)
    controller.start()
    try:
        mail = email_channel(
            tmp_path, controller.port, security="starttls", ca_file=str(cert),
            username_env="SMTP_USER", password_env="SMTP_PASSWORD",
        )  # fmt: skip
        mail.send(notification())
        monkeypatch.setenv("SMTP_PASSWORD", "wrong")
        with pytest.raises(NotifyError, match="535") as failure:
            mail.send(notification())
    finally:
        controller.stop()
    assert handler.logins == [LOGIN.encode()] and len(handler.received) == 1
    assert failure.value.permanent and "wrong" not in str(failure.value)


def test_implicit_tls_verifies_the_relay_certificate(
    tmp_path: Path, certificate: tuple[Path, Path]
) -> None:
    """`security: ssl` speaks TLS from the first byte; an untrusted certificate is refused."""
    cert, key = certificate
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(cert, key)
    handler = Mailbox()
    controller = Controller(handler, hostname=HOST, port=free_port(), ssl_context=tls)
    controller.start()
    try:
        email_channel(tmp_path, controller.port, security="ssl", ca_file=str(cert)).send(
            notification()
        )
        with pytest.raises(NotifyError, match="CERTIFICATE_VERIFY_FAILED") as failure:
            email_channel(tmp_path, controller.port, security="ssl").send(notification())
    finally:
        controller.stop()
    assert len(handler.received) == 1 and not failure.value.permanent

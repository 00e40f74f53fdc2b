"""A real SMTP server for tests (aiosmtpd on loopback, in its own thread) that keeps what it
accepted and can misbehave on cue: refuse a recipient, fail the data transiently, drop the
connection before or after taking a message, require STARTTLS and a login, or speak
implicit TLS."""

from __future__ import annotations

import socket
import ssl
import subprocess
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


@dataclass
class Received:
    sender: str
    recipients: list[str]
    data: bytes

    @property
    def message(self) -> EmailMessage:
        return message_from_bytes(self.data, policy=policy.default)  # type: ignore[return-value]


@dataclass
class Faults:
    """What the server does wrong, by recipient address."""

    refuse: set[str] = field(default_factory=set)
    #: answer 451 to the data this many times
    data_busy: dict[str, int] = field(default_factory=dict)
    #: close the connection at RCPT this many times (before any data)
    drop_at_rcpt: dict[str, int] = field(default_factory=dict)
    #: keep the message, then close the connection without answering, this many times
    drop_after_data: dict[str, int] = field(default_factory=dict)
    #: called with each accepted message, after it is kept (e.g. to kill the sender)
    on_accept: Callable[[Received], None] | None = None
    #: called with each recipient before it is accepted
    on_rcpt: Callable[[str], None] | None = None


class Handler:
    def __init__(self, faults: Faults) -> None:
        self.faults = faults
        self.received: list[Received] = []
        self.lock = threading.Lock()

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          options: list[str]) -> str:
        if self.faults.on_rcpt is not None:
            self.faults.on_rcpt(address)
        if address in self.faults.refuse:
            return "550 5.1.1 no such user here"
        if self.faults.drop_at_rcpt.get(address, 0) > 0:
            self.faults.drop_at_rcpt[address] -= 1
            server.transport.close()
            return "421 closing"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        [recipient] = envelope.rcpt_tos
        if self.faults.data_busy.get(recipient, 0) > 0:
            self.faults.data_busy[recipient] -= 1
            return "451 4.3.0 try again later"
        item = Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content)
        with self.lock:
            self.received.append(item)
        if self.faults.on_accept is not None:
            self.faults.on_accept(item)
        if self.faults.drop_after_data.get(recipient, 0) > 0:
            self.faults.drop_after_data[recipient] -= 1
            server.transport.close()
        return "250 2.0.0 queued"


class SmtpServer:
    """`with SmtpServer() as server:` ... `server.received`."""

    def __init__(self, *, faults: Faults | None = None, starttls: ssl.SSLContext | None = None,
                 implicit_tls: ssl.SSLContext | None = None,
                 logins: dict[str, str] | None = None) -> None:
        self.faults = faults or Faults()
        self.handler = Handler(self.faults)
        self.port = free_port()
        kwargs: dict[str, Any] = {}
        if starttls is not None:
            kwargs |= {"tls_context": starttls, "require_starttls": True}
        if implicit_tls is not None:
            kwargs |= {"ssl_context": implicit_tls}
        if logins is not None:
            kwargs |= {"authenticator": _authenticator(logins), "auth_required": True}
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port,
                                     **kwargs)

    @property
    def received(self) -> list[Received]:
        with self.handler.lock:
            return list(self.handler.received)

    def by_recipient(self) -> dict[str, list[Received]]:
        found: dict[str, list[Received]] = {}
        for item in self.received:
            for recipient in item.recipients:
                found.setdefault(recipient, []).append(item)
        return found

    def __enter__(self) -> SmtpServer:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def self_signed(directory: Path) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """A server context with a fresh self-signed certificate for 127.0.0.1, and a client
    context that trusts exactly that certificate."""
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key),
         "-out", str(cert), "-days", "1", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True,
    )
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(cert, key)
    client = ssl.create_default_context(cafile=str(cert))
    return server, client


def _authenticator(logins: dict[str, str]) -> Callable[..., AuthResult]:
    def check(server: Any, session: Any, envelope: Any, mechanism: str,
              data: Any) -> AuthResult:
        if isinstance(data, LoginPassword):
            user, password = data.login.decode(), data.password.decode()
            if logins.get(user) == password:
                return AuthResult(success=True)
        return AuthResult(success=False, handled=False)

    return check

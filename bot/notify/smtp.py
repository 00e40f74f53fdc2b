"""Sends one message at a time over SMTP (aiosmtplib), on one connection reused across
messages, and says precisely how far a failed attempt got.

The envelope (MAIL FROM, RCPT TO) goes first; only once the server accepted the recipient
is `before_data` awaited, and only if it answers True is the message data sent. The caller
records "sending" there: from that moment a lost connection leaves the outcome unknown,
and the caller must never send that message again.
"""

from __future__ import annotations

import logging
import ssl
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Protocol

import aiosmtplib

from bot.notify.message import bare_address
from bot.settings.schema import DigestSettings, SmtpTls
from bot.settings.secret import Secret

log = logging.getLogger(__name__)

BeforeData = Callable[[], Awaitable[bool]]


class DeliveryError(Exception):
    """An attempt that did not end with the server accepting the message.

    ``handed_over``: the data was on its way when the attempt broke off, so the server may
    have the message; ``permanent``: the server refused with a 5xx, trying again will not
    help; ``abandoned``: `before_data` said no, nothing was sent.
    """

    def __init__(
        self, message: str, *, handed_over: bool = False, permanent: bool = False,
        abandoned: bool = False,
    ) -> None:
        super().__init__(message)
        self.handed_over = handed_over
        self.permanent = permanent
        self.abandoned = abandoned


class Mailer(Protocol):
    async def send(
        self, message: EmailMessage, *, sender: str, recipient: str, before_data: BeforeData
    ) -> None: ...

    async def close(self) -> None: ...


@dataclass(frozen=True, slots=True)
class SmtpOptions:
    host: str
    port: int
    tls: SmtpTls
    username: str | None = None
    password: Secret | None = None
    timeout: float = 30.0
    #: trust for the server's certificate; None: the system's CAs
    tls_context: ssl.SSLContext | None = None


def smtp_options(settings: DigestSettings) -> SmtpOptions:
    """The connection the [digest] settings describe."""
    return SmtpOptions(
        host=settings.smtp_host, port=settings.smtp_port, tls=settings.smtp_tls,
        username=settings.smtp_username, password=settings.smtp_password,
        timeout=settings.smtp_timeout.total_seconds(),
    )


class SmtpMailer:
    """A `Mailer` over aiosmtplib with STARTTLS, implicit TLS or none, and optional login."""

    def __init__(self, options: SmtpOptions) -> None:
        self.options = options
        self._client: aiosmtplib.SMTP | None = None

    async def send(
        self, message: EmailMessage, *, sender: str, recipient: str, before_data: BeforeData
    ) -> None:
        client = await self._connected()
        where = f"SMTP {self.options.host}:{self.options.port} to {recipient}"
        try:
            await client.mail(bare_address(sender))
            await client.rcpt(bare_address(recipient))
        except aiosmtplib.SMTPResponseException as error:
            await self._reset()
            raise DeliveryError(f"{where}: {error.code} {error.message}",
                                permanent=error.code >= 500) from None
        except (aiosmtplib.SMTPException, OSError) as error:
            await self.close()
            raise DeliveryError(f"{where}: {type(error).__name__}: {error}") from None
        if not await before_data():
            await self._reset()
            raise DeliveryError(f"{where}: abandoned before the data", abandoned=True)
        try:
            await client.data(message.as_bytes())
        except aiosmtplib.SMTPResponseException as error:
            # the server answered: whatever the code, it did not take the message
            await self._reset()
            raise DeliveryError(f"{where}: {error.code} {error.message}",
                                permanent=error.code >= 500) from None
        except (aiosmtplib.SMTPException, OSError) as error:
            await self.close()
            raise DeliveryError(f"{where}: {type(error).__name__} while sending the data: "
                                f"{error}", handed_over=True) from None

    async def close(self) -> None:
        client, self._client = self._client, None
        if client is None or not client.is_connected:
            return
        try:
            await client.quit()
        except (aiosmtplib.SMTPException, OSError):
            client.close()

    async def _connected(self) -> aiosmtplib.SMTP:
        if self._client is not None and self._client.is_connected:
            return self._client
        options = self.options
        client = aiosmtplib.SMTP(
            hostname=options.host,
            port=options.port,
            timeout=options.timeout,
            use_tls=options.tls is SmtpTls.TLS,
            start_tls=options.tls is SmtpTls.STARTTLS,
            tls_context=options.tls_context,
        )
        where = f"SMTP {options.host}:{options.port}"
        try:
            await client.connect()
            if options.username and options.password is not None:
                await client.login(options.username, options.password.reveal())
        except aiosmtplib.SMTPAuthenticationError as error:
            client.close()
            raise DeliveryError(f"{where}: login as {options.username} refused: {error.code}",
                                permanent=True) from None
        except (aiosmtplib.SMTPException, OSError) as error:
            client.close()
            raise DeliveryError(f"{where}: {type(error).__name__}: {error}") from None
        self._client = client
        return client

    async def _reset(self) -> None:
        if self._client is None:
            return
        try:
            await self._client.rset()
        except (aiosmtplib.SMTPException, OSError):
            await self.close()

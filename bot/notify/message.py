"""Builds the digest email: multipart/alternative (text, then HTML), the HTML in a
multipart/related with its inline images, and the headers a list mail carries.

Headers come only from configuration and computed values; `email.policy.SMTP` refuses any
header value with a line break, so nothing can add headers of its own.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, parseaddr

from bot.notify.render import RenderedDigest


class MessageError(ValueError):
    """An address or header value the message cannot carry."""


@dataclass(frozen=True, slots=True)
class Envelope:
    """Who the message is from and to, and how the list identifies itself."""

    sender: str
    recipient: str
    message_id: str
    date: datetime
    #: e.g. ``project.upstream-digest.almalinux.org``
    list_id: str
    list_name: str
    unsubscribe: str


def bare_address(value: str) -> str:
    """The address part of ``Name <address>`` (what SMTP's MAIL FROM and RCPT TO take)."""
    _, address = parseaddr(value)
    broken = any(ord(ch) < 32 or ord(ch) == 127 for ch in value)
    if "@" not in address or broken or any(ch.isspace() for ch in address):
        raise MessageError(f"{value!r} is not a single email address")
    return address


def mail_domain(address: str) -> str:
    return bare_address(address).rpartition("@")[2].lower()


def digest_message_id(week: str, recipient: str, *, kind: str, sender: str) -> str:
    """The Message-ID of `recipient`'s digest of `week`: the same on every attempt and every
    replica, so a mail client that ever gets it twice shows it once."""
    digest = hashlib.sha256(f"{week}\0{kind}\0{bare_address(recipient).lower()}".encode())
    return f"<{week}.{kind}.{digest.hexdigest()[:24]}@{mail_domain(sender)}>"


#: SMTP line endings, and headers kept on one line up to RFC 5322's hard limit: folding a
#: List-Unsubscribe whose one URL is longer than 78 columns leaves a leading space that
#: some clients keep in the link.
_POLICY = SMTP.clone(max_line_length=998)


def build_message(rendered: RenderedDigest, envelope: Envelope) -> EmailMessage:
    message = EmailMessage(policy=_POLICY)
    try:
        message["From"] = envelope.sender
        message["To"] = envelope.recipient
        message["Subject"] = rendered.subject
        message["Date"] = format_datetime(envelope.date)
        message["Message-ID"] = envelope.message_id
        message["List-Id"] = f"{envelope.list_name} <{envelope.list_id}>"
        message["List-Unsubscribe"] = f"<{envelope.unsubscribe}>"
        message["Auto-Submitted"] = "auto-generated"
        message["Precedence"] = "bulk"
        message["X-Auto-Response-Suppress"] = "All"
    except ValueError as error:
        raise MessageError(f"digest for {envelope.recipient!r}: {error}") from None
    message.set_content(rendered.text, subtype="plain", charset="utf-8")
    message.add_alternative(rendered.html, subtype="html", charset="utf-8")
    if rendered.images:
        html = message.get_payload()[1]  # type: ignore[index]
        for image in rendered.images:
            html.add_related(
                image.data, maintype="image", subtype="png", cid=f"<{image.cid}>",
                filename=image.filename, disposition="inline",
            )
    return message

"""A `Mailer` that writes each message as an .eml file in a folder instead of sending it: the
demo's outbox, where a new user reads the digests the bot would have mailed."""

from __future__ import annotations

import asyncio
from email.message import EmailMessage
from pathlib import Path

from bot.notify.message import bare_address
from bot.notify.smtp import BeforeData, DeliveryError


class OutboxMailer:
    """Writes `<Message-ID>.eml` files into `folder` (created when the first one is written)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    async def send(
        self, message: EmailMessage, *, sender: str, recipient: str, before_data: BeforeData
    ) -> None:
        if not await before_data():
            raise DeliveryError(f"outbox {self.folder}: abandoned before the data",
                                abandoned=True)
        ident = str(message.get("Message-ID", "")).strip("<>") or bare_address(recipient)
        name = "".join(ch if ch.isalnum() or ch in "._-@" else "_" for ch in ident)
        try:
            await asyncio.to_thread(self._write, f"{name}.eml", message.as_bytes())
        except OSError as error:
            raise DeliveryError(f"outbox {self.folder}: {error.strerror}") from None

    async def close(self) -> None:
        return None

    def _write(self, name: str, data: bytes) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / name).write_bytes(data)

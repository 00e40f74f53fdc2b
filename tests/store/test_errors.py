"""bot/store/errors.py: URLs in messages never show a password."""

from __future__ import annotations

import pytest

from bot.store.errors import mask_url, scrub


@pytest.mark.parametrize(
    ("url", "masked"),
    [
        ("postgresql+psycopg://bot:s3cr%40t@db:5432/up", "postgresql+psycopg://bot:***@db:5432/up"),
        ("postgresql://bot@db/up", "postgresql://bot@db/up"),
        ("sqlite:///var/bot.sqlite3", "sqlite:///var/bot.sqlite3"),
        ("weird://bot:s3cret@host:port:junk/db", "weird://bot:***@host:port:junk/db"),
        ("not a url", "not a url"),
    ],
    ids=["password", "no-password", "sqlite", "unparseable-with-password", "garbage"],
)
def test_mask_url(url: str, masked: str) -> None:
    assert mask_url(url) == masked


def test_scrub_removes_the_password_from_driver_text() -> None:
    url = "postgresql://bot:s3cret@db/up"
    assert scrub('FATAL: password "s3cret" rejected', url) == 'FATAL: password "***" rejected'

"""bot/settings/owners.py and the digest's recipients: who gets which weekly digest."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from bot.settings import SettingsError, parse_settings
from bot.settings.schema import DigestMode, OwnerSettings

from .conftest import ENV, edited


def _parse(edits: dict[str, Any]):
    return parse_settings(edited(edits), source="test.toml", environ=ENV)


def _problems(edits: dict[str, Any]) -> list[tuple[str, str, str]]:
    with pytest.raises(SettingsError) as caught:
        _parse(edits)
    return [(p.key, p.message, p.fix) for p in caught.value.problems]


def test_owners_are_read_with_their_digest_choice() -> None:
    settings = _parse({
        "owners.mcastell": {"email": "mcastell@example.org"},
        "owners.jekberg": {"email": "Jonas Ekberg <jekberg@example.org>", "digest": "always"},
        "owners.praman": {"digest": "never"},
    })
    assert settings.owners == (
        OwnerSettings("mcastell", "mcastell@example.org", DigestMode.WHEN_NEEDED),
        OwnerSettings("jekberg", "Jonas Ekberg <jekberg@example.org>", DigestMode.ALWAYS),
        OwnerSettings("praman", None, DigestMode.NEVER),
    )
    assert settings.owner("praman").digest is DigestMode.NEVER
    assert settings.owner("nobody") is None


def test_no_owners_table_means_no_owners() -> None:
    assert _parse({}).owners == ()


@pytest.mark.parametrize(
    ("edits", "key", "message"),
    [
        ({"owners.mcastell": {"email": "not an address"}}, "owners.mcastell.email",
         "is not an email address"),
        ({"owners.mcastell": {"email": "m@example.org", "digest": "weekly"}},
         "owners.mcastell.digest", "expected one of when-needed, always, never"),
        ({"owners.mcastell": {"digest": "always"}}, "owners.mcastell.digest",
         '"always" needs an address'),
        ({"owners.mcastell": {"email": "m@example.org", "mail": "x"}}, "owners.mcastell.mail",
         'unknown key "mail"'),
        ({"owners.mcastell": "m@example.org"}, "owners.mcastell", "expected a table"),
        ({"owners.-bad": {"email": "m@example.org"}}, "owners.-bad",
         "is not a forge username"),
        ({"owners.mcastell": {"email": "m\n@example.org"}}, "owners.mcastell.email",
         "is not an email address"),
    ],
    ids=["bad-email", "bad-choice", "always-without-email", "unknown-key", "not-a-table",
         "bad-username", "newline-in-email"],
)
def test_owner_mistakes_are_reported_where_they_are(
    edits: dict[str, Any], key: str, message: str
) -> None:
    found = _problems(edits)
    assert [k for k, _, _ in found] == [key], found
    assert message in found[0][1]


def test_digest_recipients_opt_outs_and_sending_options() -> None:
    digest = _parse({
        "digest.recipients": ["release-eng@example.org"],
        "digest.opt_out": ["quiet@example.org"],
        "digest.unsubscribe": "https://bot.example.org/digest/unsubscribe",
        "digest.send_attempts": 2,
        "digest.smtp_timeout": "10s",
    }).digest
    assert digest is not None
    assert digest.recipients == ("release-eng@example.org",)
    assert digest.opt_out == ("quiet@example.org",)
    assert digest.unsubscribe == "https://bot.example.org/digest/unsubscribe"
    assert (digest.send_attempts, digest.smtp_timeout) == (2, timedelta(seconds=10))


def test_digest_defaults() -> None:
    digest = _parse({}).digest
    assert digest is not None
    assert (digest.recipients, digest.opt_out, digest.unsubscribe) == ((), (), None)
    assert (digest.send_attempts, digest.smtp_timeout) == (4, timedelta(seconds=30))


@pytest.mark.parametrize(
    ("edits", "key"),
    [
        ({"digest.recipients": ["nope"]}, "digest.recipients"),
        ({"digest.opt_out": "a@example.org"}, "digest.opt_out"),
        ({"digest.unsubscribe": "javascript:alert(1)"}, "digest.unsubscribe"),
        ({"digest.send_attempts": 0}, "digest.send_attempts"),
    ],
    ids=["bad-recipient", "opt-out-not-a-list", "unsubscribe-scheme", "no-attempts"],
)
def test_digest_recipient_mistakes(edits: dict[str, Any], key: str) -> None:
    assert [k for k, _, _ in _problems(edits)] == [key]

"""[chatops]: trusted users, webhook body limit, workers, polling; defaults without the section."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from bot.settings import SettingsError, parse_settings
from bot.settings.schema import ChatopsSettings

from .conftest import ENV, edited

SOURCE = "test.toml"


def _parse(chatops: Any) -> ChatopsSettings:
    return parse_settings(edited({"chatops": chatops}), source=SOURCE, environ=ENV).chatops


def test_no_section_means_the_defaults(valid_data):
    assert parse_settings(valid_data, source=SOURCE, environ=ENV).chatops == ChatopsSettings()


def test_every_key_parses():
    settings = _parse(
        {
            "trusted_users": ["alice", "centos-stream:bob"],
            "permission_ttl": "1m",
            "max_body_size": 4096,
            "workers": 3,
            "max_attempts": 4,
            "poll_interval": "0s",
        }
    )
    assert settings == ChatopsSettings(
        trusted_users=("alice", "centos-stream:bob"),
        permission_ttl=timedelta(minutes=1),
        max_body_size=4096,
        workers=3,
        max_attempts=4,
        poll_interval=timedelta(0),
    )
    assert settings.trusts("gitea", "alice") and settings.trusts("centos-stream", "bob")
    assert not settings.trusts("gitea", "bob")


@pytest.mark.parametrize(
    ("chatops", "where", "says"),
    [
        ({"trusted_users": ["two words"]}, "chatops.trusted_users", "is not a user name"),
        ({"max_body_size": 10}, "chatops.max_body_size", "out of range"),
        ({"workers": 0}, "chatops.workers", "out of range"),
        ({"poll_interval": "often"}, "chatops.poll_interval", "is not a duration"),
        ({"trusted_user": []}, "chatops.trusted_user", "did you mean"),
    ],
    ids=["user", "body", "workers", "interval", "unknown-key"],
)
def test_bad_values_are_reported_where_they_are(chatops, where, says):
    with pytest.raises(SettingsError) as caught:
        _parse(chatops)
    problems = caught.value.problems
    assert any(p.key.startswith(where) and says in f"{p.message} {p.fix}" for p in problems), [
        str(p) for p in problems
    ]

"""The value readers: durations, secret-looking keys, and the smaller converters."""

from __future__ import annotations

from datetime import time, timedelta

import pytest

from bot.settings import parse_duration
from bot.settings.values import Invalid, clock_time, email, is_secret_key, url


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("45s", timedelta(seconds=45), id="seconds"),
        pytest.param("15m", timedelta(minutes=15), id="minutes"),
        pytest.param("6h", timedelta(hours=6), id="hours"),
        pytest.param("30d", timedelta(days=30), id="days"),
        pytest.param("2w", timedelta(weeks=2), id="weeks"),
        pytest.param("0s", timedelta(0), id="zero"),
    ],
)
def test_durations(text, expected):
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    "text",
    ["", "30", "d", "30 d", " 30d", "30D", "1.5h", "-1d", "1d12h", "30days", "P30D"],
    ids=["empty", "no-unit", "no-number", "space", "leading-space", "upper-case", "fraction",
         "negative", "compound", "word", "iso-8601"],
)
def test_anything_else_is_not_a_duration(text):
    with pytest.raises(ValueError, match="not a duration"):
        parse_duration(text)


@pytest.mark.parametrize(
    ("key", "secret"),
    [
        ("token", True), ("password", True), ("secret", True), ("api_key", True),
        ("webhook_secret", True), ("smtp_password", True), ("private-token", True),
        ("Token", True), ("token_env", False), ("webhook_secret_env", False),
        ("tokens_per_hour", False), ("secretary", False), ("name", False),
    ],
    ids=lambda value: str(value),
)
def test_which_keys_hold_secrets(key, secret):
    assert is_secret_key(key) is secret


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("08:00", time(8, 0), id="string"),
        pytest.param("23:59", time(23, 59), id="late"),
        pytest.param(time(17, 30, 12), time(17, 30), id="toml-time-drops-seconds"),
    ],
)
def test_clock_time(value, expected):
    assert clock_time(value) == expected


@pytest.mark.parametrize("value", ["24:00", "8:00", "08:60", 800], ids=str)
def test_clock_time_rejects(value):
    with pytest.raises(Invalid):
        clock_time(value)


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("bot@example.org", True),
        ("Example Bot <bot@example.org>", True),
        ("bot@localhost", False),
        ("bot example.org", False),
        ("@example.org", False),
    ],
    ids=str,
)
def test_email(value, ok):
    if ok:
        assert email(value) == value
    else:
        with pytest.raises(Invalid, match="is not an email address"):
            email(value)


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        pytest.param("https://git.example.org/", None, id="ok"),
        pytest.param("http://127.0.0.1:3000", None, id="loopback-port"),
        pytest.param("https://git.example.org:99999", "is not a valid URL", id="bad-port"),
        pytest.param("git.example.org", "is not an http(s) URL", id="no-scheme"),
        pytest.param("https://git.example.org/?a=1", "has a query or fragment", id="query"),
        pytest.param("https://u:p@git.example.org", "carries a user name or password", id="creds"),
    ],
)
def test_url(value, problem):
    check = url(example='"https://git.example.org"')
    if problem is None:
        assert check(value) == value.rstrip("/")
    else:
        with pytest.raises(Invalid) as caught:
            check(value)
        assert problem in caught.value.message

"""[scan] jitter and sync_interval: defaults follow the interval, a jitter as long as the
interval is refused with its key."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.settings import SettingsError, parse_settings

from .conftest import ENV, edited


def test_jitter_defaults_to_a_tenth_of_the_interval_at_most_five_minutes() -> None:
    short = parse_settings(
        edited({"scan.interval": "10m"}), source="t.toml", environ=ENV
    )
    assert short.scan.jitter == timedelta(minutes=1)
    long = parse_settings(
        edited({"scan.interval": "6h"}), source="t.toml", environ=ENV
    )
    assert long.scan.jitter == timedelta(minutes=5)
    assert long.scan.sync_interval == timedelta(hours=1)


def test_written_values_are_kept() -> None:
    settings = parse_settings(
        edited({"scan.jitter": "0s", "scan.sync_interval": "20m"}), source="t.toml", environ=ENV
    )
    assert settings.scan.jitter == timedelta(0)
    assert settings.scan.sync_interval == timedelta(minutes=20)


def test_a_jitter_not_shorter_than_the_interval_is_a_problem() -> None:
    with pytest.raises(SettingsError) as caught:
        parse_settings(
            edited({"scan.interval": "15m", "scan.jitter": "15m"}), source="t.toml", environ=ENV
        )
    [problem] = caught.value.problems
    assert problem.key == "scan.jitter"
    assert "shorter than the scan interval" in str(caught.value)

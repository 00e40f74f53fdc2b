"""bot/domain/digest_week.py: ISO weeks and their bounds in a time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.domain.digest_week import IsoWeek, WeekError


@pytest.mark.parametrize(
    ("text", "monday"),
    [("2026-W48", date(2026, 11, 23)), ("2026-W01", date(2025, 12, 29)),
     ("2026-W53", date(2026, 12, 28)), ("2021-W52", date(2021, 12, 27))],
)
def test_weeks_parse_and_print_back(text: str, monday: date) -> None:
    week = IsoWeek.parse(text)
    assert (str(week), week.monday) == (text, monday)
    assert IsoWeek.of(monday + timedelta(days=6)) == week


@pytest.mark.parametrize("text", ["2026-48", "2026-W54", "2025-W53", "2026-W00", "w48", ""])
def test_bad_weeks_say_how_to_write_one(text: str) -> None:
    with pytest.raises(WeekError, match=r"2026-W48|ISO weeks"):
        IsoWeek.parse(text)


def test_shifting_crosses_years() -> None:
    assert str(IsoWeek.parse("2026-W53").shifted(1)) == "2027-W01"
    assert str(IsoWeek.parse("2026-W01").shifted(-1)) == "2025-W52"
    assert IsoWeek.parse("2026-W10").shifted(-11) < IsoWeek.parse("2026-W10")


def test_a_week_is_monday_to_monday_in_its_zone_even_across_a_clock_change() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    week = IsoWeek.parse("2026-W13")  # summer time begins on Sunday 29 March 2026
    start, end = week.start(berlin), week.end(berlin)
    assert start.astimezone(UTC) == datetime(2026, 3, 22, 23, 0, tzinfo=UTC)
    assert end.astimezone(UTC) == datetime(2026, 3, 29, 22, 0, tzinfo=UTC)
    assert end - start == timedelta(days=7)  # wall-clock difference in one zone
    assert end.astimezone(UTC) - start.astimezone(UTC) == timedelta(days=7, hours=-1)

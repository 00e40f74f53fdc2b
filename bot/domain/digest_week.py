"""ISO weeks, the unit of the weekly digest: parsing `2026-W48`, stepping, and where a week
starts and ends in a given time zone."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

_WEEK = re.compile(r"(?P<year>\d{4})-W(?P<week>\d{2})")


class WeekError(ValueError):
    """A string that is not an ISO week; the message says what to write instead."""


@dataclass(frozen=True, slots=True, order=True)
class IsoWeek:
    """One ISO 8601 week: Monday to Sunday, numbered within its ISO year."""

    year: int
    week: int

    def __post_init__(self) -> None:
        if not 1 <= self.week <= _weeks_in(self.year):
            raise WeekError(
                f"{self.year}-W{self.week:02d}: {self.year} has {_weeks_in(self.year)} ISO weeks"
            )

    @classmethod
    def parse(cls, text: str) -> IsoWeek:
        match = _WEEK.fullmatch(text.strip()) if isinstance(text, str) else None
        if match is None:
            raise WeekError(f"{text!r} is not an ISO week; write it like 2026-W48")
        return cls(int(match["year"]), int(match["week"]))

    @classmethod
    def of(cls, day: date) -> IsoWeek:
        """The week `day` falls in."""
        year, week, _ = day.isocalendar()
        return cls(year, week)

    def __str__(self) -> str:
        return f"{self.year:04d}-W{self.week:02d}"

    @property
    def monday(self) -> date:
        return date.fromisocalendar(self.year, self.week, 1)

    def shifted(self, weeks: int) -> IsoWeek:
        return IsoWeek.of(self.monday + timedelta(weeks=weeks))

    def start(self, zone: tzinfo) -> datetime:
        """Monday 00:00 of this week in `zone`."""
        return datetime.combine(self.monday, time(0, 0), tzinfo=zone)

    def end(self, zone: tzinfo) -> datetime:
        """Monday 00:00 of the next week in `zone`: the week is [start, end)."""
        return self.shifted(1).start(zone)


def _weeks_in(year: int) -> int:
    # December 28th is always in the last ISO week of its year.
    return date(year, 12, 28).isocalendar()[1]

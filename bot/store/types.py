"""Column types that make SQLite and PostgreSQL agree: aware UTC datetimes and StrEnum strings."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import DateTime, Dialect, String
from sqlalchemy.types import TypeDecorator

from bot.store.errors import StoreError


def require_aware(value: datetime, *, field: str) -> datetime:
    """Return ``value`` in UTC; a naive datetime is ambiguous and is refused."""
    if not isinstance(value, datetime):
        raise StoreError(f"{field}: expected a datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise StoreError(
            f"{field}: naive datetime {value.isoformat()}; pass an aware one "
            "(e.g. datetime.now(UTC))"
        )
    return value.astimezone(UTC)


class UtcDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always read back timezone-aware.

    PostgreSQL keeps it as ``timestamptz``; SQLite has no time zones, so the UTC wall
    time is stored and UTC is attached again on the way out.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        utc = require_aware(value, field="datetime column")
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class EnumString(TypeDecorator[StrEnum]):
    """A ``StrEnum`` stored as its plain string value, checked on the way in and out.

    No database enum or CHECK constraint: adding a member must not need a migration.
    """

    impl = String
    cache_ok = True

    def __init__(self, enum: type[StrEnum], length: int = 32) -> None:
        super().__init__(length)
        self.enum = enum

    def _convert(self, value: Any, direction: str) -> StrEnum:
        try:
            return self.enum(value)
        except ValueError:
            allowed = ", ".join(member.value for member in self.enum)
            raise StoreError(
                f"{direction} {self.enum.__name__}: {value!r} is not one of: {allowed}"
            ) from None

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return self._convert(value, "writing").value

    def process_result_value(self, value: Any, dialect: Dialect) -> StrEnum | None:
        if value is None:
            return None
        return self._convert(value, "reading")

    def __repr__(self) -> str:
        return f"EnumString({self.enum.__name__}, {self.impl.length})"  # type: ignore[attr-defined]

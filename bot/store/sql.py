"""Small statements both databases need spelled differently, and the checks on values we store."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, cast

from sqlalchemy import CursorResult
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot.store.errors import StoreError
from bot.store.models import Base

_INSERTS = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}


def insert_ignore(session: Session, model: type[Base], values: Mapping[str, Any]) -> bool:
    """Insert one row unless it would break a unique constraint; True when it was inserted.

    ``ON CONFLICT DO NOTHING`` instead of catching the IntegrityError: on PostgreSQL a
    failed statement would abort the caller's whole transaction, and two replicas racing
    on the same key must both see a clean answer.
    """
    dialect = session.get_bind().dialect.name
    statement = (
        _INSERTS[dialect](model.__table__)
        .values(**values)
        .on_conflict_do_nothing()
        # SQLAlchemy keeps an INSERT's rowcount only when asked (psycopg reports -1 otherwise).
        .execution_options(preserve_rowcount=True)
    )
    result = cast(CursorResult[Any], session.execute(statement))
    return result.rowcount == 1


def document(value: Mapping[str, Any] | None, *, field: str) -> dict[str, Any]:
    """A JSON object as it will read back (tuples become lists); refuse what JSON cannot hold."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise StoreError(f"{field}: expected a mapping, got {type(value).__name__}")
    try:
        return cast(dict[str, Any], json.loads(json.dumps(dict(value), allow_nan=False)))
    except (TypeError, ValueError) as exc:
        raise StoreError(f"{field}: not storable as JSON: {exc}") from None


def counts(value: Mapping[str, int], *, field: str) -> dict[str, int]:
    """A label→count mapping with string labels and non-negative integer counts."""
    checked = document(value, field=field)
    for label, count in checked.items():
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise StoreError(f"{field}[{label!r}]: expected a count (int >= 0), got {count!r}")
    return checked


def required(value: str, *, field: str) -> str:
    """A required, non-blank string."""
    if not isinstance(value, str) or not value.strip():
        raise StoreError(f"{field}: expected a non-empty string, got {value!r}")
    return value

"""Bulk loading: many rows per table in one transaction, for generated worlds and benchmarks.

Rows are written as given (columns by name, through the tables' own column types), with
nothing of the per-row checks the store's other writes make: the caller vouches for them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from bot.store.errors import StoreError
from bot.store.models import Base

_CHUNK = 5000


def load_rows(session: Session, rows: Mapping[str, Sequence[Mapping[str, Any]]]) -> int:
    """Insert each table's rows, parents before children; returns how many rows went in."""
    tables = {table.name: table for table in Base.metadata.sorted_tables}
    unknown = sorted(set(rows) - set(tables))
    if unknown:
        raise StoreError(f"bulk load: unknown tables {', '.join(unknown)}")
    written = 0
    for name, table in tables.items():
        batch = rows.get(name, ())
        for start in range(0, len(batch), _CHUNK):
            chunk = [dict(row) for row in batch[start : start + _CHUNK]]
            session.execute(insert(table), chunk)
            written += len(chunk)
    return written

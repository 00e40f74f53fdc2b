"""Structured logs: one JSON object per line, carrying the fields of the work being done.

A webhook handler, an inbox worker or a scheduled job binds its identity once
(``with log_context(delivery_id=...)``) and every record logged inside, by any module,
carries it; ``extra={...}`` fields of a single call are added too. Context variables
follow asyncio tasks, so two deliveries handled at once never mix their ids.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, TextIO

_CONTEXT: ContextVar[Mapping[str, Any] | None] = ContextVar(
    "upstream_bot_log_context", default=None
)

#: Attributes every LogRecord has; anything else on a record came from ``extra``.
_STANDARD = frozenset(
    vars(logging.LogRecord("", 0, "", 0, "", None, None)).keys() | {"message", "asctime"}
)


@contextmanager
def log_context(**fields: Any) -> Iterator[None]:
    """Add ``fields`` (e.g. ``delivery_id``, ``job_id``, ``request_id``) to every record
    logged inside the block, on top of what an outer block bound."""
    token = _CONTEXT.set({**(_CONTEXT.get() or {}), **fields})
    try:
        yield
    finally:
        _CONTEXT.reset(token)


def current_context() -> Mapping[str, Any]:
    """The fields bound right now."""
    return dict(_CONTEXT.get() or {})


class JsonFormatter(logging.Formatter):
    """Formats a record as one line of JSON: time, level, logger, message, bound fields,
    the call's ``extra`` fields, and the exception if there is one."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update(current_context())
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


def configure_logging(level: str | int = "INFO", *, stream: TextIO | None = None) -> None:
    """Send the root logger's records as JSON lines to ``stream`` (standard error).

    Called by the long-running commands at start, never at import; calling it again
    replaces the handler it installed instead of adding a second one.
    """
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_upstream_bot", False):
            root.removeHandler(handler)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter())
    handler._upstream_bot = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)

"""The Jinja2 environment of the pages: templates shipped in the package, every value
escaped, and the few filters the templates share (times, ages, safe links)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from urllib.parse import urlencode, urlsplit

from jinja2 import Environment, PackageLoader, StrictUndefined

from bot.web.params import filter_query


def environment() -> Environment:
    """A new environment; autoescaping is on for every template, whatever its name."""
    env = Environment(
        loader=PackageLoader("bot.web", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["when"] = when
    env.filters["ago"] = ago
    env.filters["link"] = safe_link
    env.globals["filter_query"] = filter_query
    env.globals["query_with"] = query_with
    return env


def query_with(params: Mapping[str, str], **more: object) -> str:
    """The query string of ``params`` with ``more`` replacing or adding values."""
    merged = {**params, **{k: str(v) for k, v in more.items()}}
    return urlencode([(k, v) for k, v in merged.items() if v != ""])


def when(value: datetime | None) -> str:
    return "" if value is None else f"{value:%Y-%m-%d %H:%M} UTC"


def ago(value: datetime | None, now: datetime) -> str:
    """A short, rounded age: "3 days", "5 hours", "just now"."""
    if value is None:
        return ""
    seconds = (now - value).total_seconds()
    future = seconds < 0
    seconds = abs(seconds)
    for size, unit in ((86400 * 365, "year"), (86400 * 30, "month"), (86400 * 7, "week"),
                       (86400, "day"), (3600, "hour"), (60, "minute")):
        if seconds >= size:
            n = int(seconds // size)
            text = f"{n} {unit}{'s' if n != 1 else ''}"
            return f"in {text}" if future else f"{text} ago"
    return "just now"


def safe_link(url: str | None) -> str | None:
    """``url`` when it is an http(s) address, else None: a forge user's ``javascript:``
    "link" is shown as text, never made clickable."""
    if not url:
        return None
    try:
        scheme = urlsplit(url).scheme.lower()
    except ValueError:
        return None
    return url if scheme in ("http", "https") else None

"""Maps an HTTP answer to the forge-neutral error it means; pure, shared by every adapter."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from bot.forges.errors import (
    AuthFailed,
    Conflict,
    ForgeError,
    Invalid,
    NotFound,
    RateLimited,
    Unavailable,
)

#: How much of an error body goes into a message: enough to see why, never a whole page.
_EXCERPT = 200


def error_for(
    forge: str,
    status: int,
    headers: Mapping[str, str],
    body: bytes,
    *,
    doing: str,
    now: datetime,
) -> ForgeError | None:
    """The error an answer means, or None for a success (2xx, 304)."""
    if 200 <= status < 300 or status == 304:
        return None
    lowered = {k.lower(): v for k, v in headers.items()}
    what = f"{doing}: HTTP {status}{_excerpt(body)}"
    if status == 429 or (status == 403 and _rate_limit_exhausted(lowered)):
        return RateLimited(forge, what, retry_after=retry_after(lowered, now=now))
    if status in (401, 403):
        return AuthFailed(forge, what)
    if status in (404, 410):
        return NotFound(forge, what)
    if status in (409, 412):
        return Conflict(forge, what)
    if status >= 500:
        return Unavailable(forge, what)
    return Invalid(forge, what)


def retry_after(headers: Mapping[str, str], *, now: datetime) -> float | None:
    """Seconds to wait from `Retry-After` (seconds or a date) or a rate-limit reset header."""
    value = headers.get("retry-after")
    if value:
        value = value.strip()
        if value.isdigit():
            return float(value)
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            when = None
        if when is not None:
            return max(0.0, (when.astimezone(UTC) - now).total_seconds())
    for name in ("x-ratelimit-reset", "ratelimit-reset"):
        reset = headers.get(name, "").strip()
        if reset.isdigit():
            number = int(reset)
            # GitHub and GitLab send an epoch time; some servers send seconds to wait
            if number > 1_000_000_000:
                return max(0.0, number - now.timestamp())
            return float(number)
    return None


def _rate_limit_exhausted(headers: Mapping[str, str]) -> bool:
    remaining = headers.get("x-ratelimit-remaining") or headers.get("ratelimit-remaining")
    return remaining is not None and remaining.strip() == "0"


def _excerpt(body: bytes) -> str:
    text = " ".join(body[:_EXCERPT].decode("utf-8", "replace").split())
    return f" ({text})" if text else ""

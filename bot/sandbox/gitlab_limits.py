"""GitLab's per-user request limit in the sandbox: `RateLimit-*` headers on every API answer,
and 429 with `Retry-After` once a user (or an anonymous address) used up the minute's quota,
as GitLab.com's throttles do (2,000 authenticated requests a minute there)."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from email.utils import formatdate

from aiohttp import web

from bot.sandbox.gitlab_http import API, Handler

Clock = Callable[[], float]
WINDOW = 60.0


def rate_limit(per_minute: int, *, clock: Clock = time.time) -> Callable[..., object]:
    """A middleware counting requests per token (or per address) in fixed one-minute windows."""
    counts: dict[tuple[str, int], int] = {}

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        if not request.path.startswith(API):
            return await handler(request)
        now = clock()
        window = int(now // WINDOW)
        who = request.headers.get("PRIVATE-TOKEN") or request.headers.get("Authorization")
        key = (who or request.remote or "anonymous", window)
        for old in [k for k in counts if k[1] != window]:
            del counts[old]
        counts[key] = counts.get(key, 0) + 1
        reset = (window + 1) * WINDOW
        throttle = "throttle_authenticated_api" if who else "throttle_unauthenticated_api"
        headers = {
            "RateLimit-Name": throttle,
            "RateLimit-Limit": str(per_minute),
            "RateLimit-Observed": str(counts[key]),
            "RateLimit-Remaining": str(max(0, per_minute - counts[key])),
            "RateLimit-Reset": str(int(reset)),
            "RateLimit-ResetTime": formatdate(reset, usegmt=True),
        }
        if counts[key] > per_minute:
            headers["Retry-After"] = str(max(1, math.ceil(reset - now)))
            # GitLab's throttle answers in plain text, not its JSON error shape
            return web.Response(status=429, text="Retry later\n", headers=headers)
        response = await handler(request)
        response.headers.update(headers)
        return response

    return middleware

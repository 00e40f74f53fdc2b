"""The sandbox's knobs for misbehaving like a real forge: latency, errors, 429 bursts, slowness."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from aiohttp import web

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

#: what a random failure is, when `error_rate` picks one
_FAILURES = ("500", "502", "503", "429", "reset", "timeout")


@dataclass(slots=True)
class Faults:
    """Mutable while the server runs, so a test or benchmark can change them between calls."""

    #: seconds added to every answer
    latency: float = 0.0
    #: share of requests that fail at random (5xx, 429, connection reset, or a stall)
    error_rate: float = 0.0
    #: seconds a stall lasts when `error_rate` picks "timeout" (the request is then dropped
    #: unanswered and undone)
    stall: float = 30.0
    #: Retry-After seconds sent with every 429
    retry_after: float = 1.0
    #: answer the next N requests with 429
    burst_429: int = 0
    #: answer the next requests with these statuses, in order (for tests)
    statuses: list[int] = field(default_factory=list)
    #: sleep `delay` seconds before answering each of the next `delayed_requests` requests
    delay: float = 0.0
    delayed_requests: int = 0
    seed: int = 0
    #: when set, only requests whose (decoded) path contains one of these strings misbehave,
    #: e.g. the repositories of some packages; the others are answered as usual
    only: tuple[str, ...] = ()
    #: requests seen, failures injected (read by tests and benchmarks)
    requests: int = 0
    injected: int = 0
    _random: random.Random = field(default_factory=random.Random, repr=False)

    def __post_init__(self) -> None:
        self._random.seed(self.seed)


def fault_middleware(faults: Faults, *, exempt: tuple[str, ...] = ()) -> Callable[..., object]:
    """An aiohttp middleware applying `faults` to every request whose path is not exempt."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path.startswith(exempt) or (
            faults.only and not any(part in request.path for part in faults.only)
        ):
            return await handler(request)
        faults.requests += 1
        if faults.latency:
            await asyncio.sleep(faults.latency)
        if faults.delayed_requests > 0:
            faults.delayed_requests -= 1
            await asyncio.sleep(faults.delay)
        failure = _pick(faults)
        if failure is None:
            return await handler(request)
        faults.injected += 1
        if failure == "reset":
            if request.transport is not None:
                request.transport.abort()
            raise ConnectionResetError("sandbox: connection reset on purpose")
        if failure == "timeout":
            # a hung server: nothing is done, and the connection dies after the stall
            await asyncio.sleep(faults.stall)
            if request.transport is not None:
                request.transport.abort()
            raise ConnectionResetError("sandbox: stalled request dropped on purpose")
        status = int(failure)
        headers = {"Retry-After": f"{faults.retry_after:g}"} if status == 429 else {}
        return web.json_response(
            {"message": f"sandbox: injected {status}"}, status=status, headers=headers
        )

    return middleware


def _pick(faults: Faults) -> str | None:
    if faults.statuses:
        return str(faults.statuses.pop(0))
    if faults.burst_429 > 0:
        faults.burst_429 -= 1
        return "429"
    if faults.error_rate and faults._random.random() < faults.error_rate:
        return faults._random.choice(_FAILURES)
    return None

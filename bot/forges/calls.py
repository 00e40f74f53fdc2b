"""Runs forge calls within limits: a timeout each, bounded retries with jittered backoff,
a per-forge concurrency cap and an hourly request budget."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol, TypeVar

from bot.forges.errors import RETRYABLE, ForgeError, RateLimited, Unavailable

log = logging.getLogger(__name__)
T = TypeVar("T")

#: How many answers an adapter's ETag cache keeps by default (least recently used go
#: first): enough for the listings and the packages a rescan reads again; each entry costs
#: a few KB, and a cold scan of thousands of packages would otherwise fill tens of thousands.
ETAG_CACHE_ENTRIES = 2_000

Sleep = Callable[[float], Awaitable[None]]
Clock = Callable[[], float]


class CallObserver(Protocol):
    """Hears about every attempt and every pause a `Caller` makes (metrics, logs).

    `outcome` is "ok" or the error's class name (`NotFound`, `RateLimited`, `Unavailable`,
    ...; a timeout is `Unavailable`); `reason` of a pause is "budget" (the hourly budget
    was used up) or the error that caused a retry. Observers must not raise or block.
    """

    def attempted(self, forge: str, outcome: str, seconds: float) -> None: ...

    def paused(self, forge: str, reason: str, seconds: float) -> None: ...


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    attempts: int = 5
    base_delay: float = 0.5
    max_delay: float = 30.0
    #: a forge that asks for a longer pause than this gets the error back, not a wait
    max_retry_after: float = 300.0

    def delay(self, attempt: int, error: ForgeError, jitter: float) -> float | None:
        """Seconds to wait before the next attempt (0-based `attempt` just failed); None: stop.

        `jitter` in [0, 1) spreads clients out ("full jitter"); a forge's own Retry-After
        is honoured as the minimum.
        """
        if not isinstance(error, RETRYABLE) or attempt + 1 >= self.attempts:
            return None
        backoff = min(self.max_delay, self.base_delay * 2**attempt) * jitter
        if isinstance(error, RateLimited) and error.retry_after is not None:
            if error.retry_after > self.max_retry_after:
                return None
            return max(error.retry_after, backoff)
        return backoff


class Budget:
    """At most `per_hour` requests in any sliding hour, and `concurrency` at once."""

    def __init__(
        self,
        *,
        per_hour: int,
        concurrency: int,
        clock: Clock,
        sleep: Sleep,
        on_wait: Callable[[float], None] | None = None,
    ) -> None:
        self._per_hour = per_hour
        self._on_wait = on_wait
        self._clock = clock
        self._sleep = sleep
        self._semaphore = asyncio.Semaphore(concurrency)
        self._sent: list[float] = []
        self.requests = 0
        self.waited = 0.0

    async def __aenter__(self) -> None:
        await self._semaphore.acquire()
        try:
            await self._wait_for_room()
        except BaseException:
            self._semaphore.release()
            raise

    async def __aexit__(self, *_exc: object) -> None:
        self._semaphore.release()

    async def _wait_for_room(self) -> None:
        while True:
            now = self._clock()
            self._sent = [t for t in self._sent if now - t < 3600.0]
            if len(self._sent) < self._per_hour:
                self._sent.append(now)
                self.requests += 1
                return
            pause = 3600.0 - (now - self._sent[0])
            self.waited += pause
            if self._on_wait is not None:
                self._on_wait(pause)
            log.info("request budget used up; waiting", extra={"seconds": round(pause, 1)})
            await self._sleep(pause)


@dataclass(slots=True)
class Caller:
    """One forge's way of making calls; adapters wrap every request in `call`."""

    forge: str
    budget: Budget
    timeout: float
    policy: RetryPolicy
    sleep: Sleep
    jitter: Callable[[], float]
    retries: int = 0
    observer: CallObserver | None = None
    #: times each attempt for the observer
    clock: Clock = time.perf_counter

    async def call(self, doing: str, attempt: Callable[[], Awaitable[T]]) -> T:
        """Run `attempt` until it succeeds, fails for good, or the retries are spent."""
        number = 0
        while True:
            started: float | None = None
            try:
                async with self.budget:
                    started = self.clock()
                    result = await asyncio.wait_for(attempt(), self.timeout)
                    self._attempted("ok", started)
                    return result
            except TimeoutError:
                error: ForgeError = Unavailable(
                    self.forge, f"{doing}: no answer within {self.timeout:g}s"
                )
            except ForgeError as failure:
                error = failure
            self._attempted(type(error).__name__, started)
            pause = self.policy.delay(number, error, self.jitter())
            if pause is None:
                raise error
            if self.observer is not None:
                self.observer.paused(self.forge, type(error).__name__, pause)
            self.retries += 1
            log.warning(
                "forge call failed; retrying",
                extra={
                    "forge": self.forge,
                    "doing": doing,
                    "error": type(error).__name__,
                    "pause": round(pause, 2),
                    "attempt": number + 1,
                },
            )
            await self.sleep(pause)
            number += 1

    def _attempted(self, outcome: str, started: float | None) -> None:
        if self.observer is not None and started is not None:
            self.observer.attempted(self.forge, outcome, self.clock() - started)

"""How a replica stops: on SIGTERM or SIGINT it stops accepting work, lets the work in flight
finish within a grace time, cancels what is left, releases what it holds, and returns.

The composition layer registers what "stop accepting" and "release" mean for its parts
(close the HTTP listener, stop claiming inbox rows; hand back leadership, close forges and
the database) and wraps each unit of work in `Shutdown.work()`. Every step is bounded, so
the whole stop takes at most `grace + 2 * step_timeout` plus one `step_timeout` per
callback: inside the usual 30 s a platform waits between SIGTERM and SIGKILL with the
defaults. A second signal skips the rest of the grace time.

Cancelled work must not be lost: work a replica takes from the shared database (inbox rows,
scan work) is claimed with a lease, so what a cancelled unit held comes back to another
replica when its lease expires.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import signal
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass

log = logging.getLogger(__name__)

Callback = Callable[[], Awaitable[None]]

#: what the in-flight work gets to finish after a stop is asked for, in seconds
DEFAULT_GRACE = 20.0
#: what each callback, and the cancelled work, gets before it is given up on
DEFAULT_STEP_TIMEOUT = 3.0
SIGNALS = (signal.SIGTERM, signal.SIGINT)


class ShuttingDown(RuntimeError):
    """New work was offered after the stop began; the caller leaves it for another replica."""


@dataclass(frozen=True, slots=True)
class ShutdownReport:
    """How the stop went: why it began, the work that finished or was cancelled, and the
    callbacks that raised or overran their time (by name)."""

    reason: str
    finished: int
    cancelled: int
    failures: tuple[str, ...]

    @property
    def clean(self) -> bool:
        return self.cancelled == 0 and not self.failures


@dataclass(frozen=True, slots=True)
class _Step:
    name: str
    callback: Callback


class Shutdown:
    """Listens for the stop signals and runs the stop in order; see the module doc."""

    def __init__(
        self,
        *,
        grace: float = DEFAULT_GRACE,
        step_timeout: float = DEFAULT_STEP_TIMEOUT,
        signals: Iterable[signal.Signals] = SIGNALS,
    ) -> None:
        self._grace = grace
        self._step_timeout = step_timeout
        self._signals = tuple(signals)
        self._stop_accepting: list[_Step] = []
        self._release: list[_Step] = []
        self._units: dict[int, asyncio.Task[object]] = {}
        self._numbers = itertools.count()
        self._requested = asyncio.Event()
        self._hurry = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._reason = ""
        self._installed: asyncio.AbstractEventLoop | None = None

    def on_stop_accepting(self, name: str, callback: Callback) -> None:
        """Run `callback` first when the stop begins (in the order registered)."""
        self._stop_accepting.append(_Step(name, callback))

    def on_release(self, name: str, callback: Callback) -> None:
        """Run `callback` last, after the work in flight ended (in the order registered)."""
        self._release.append(_Step(name, callback))

    def install(self) -> None:
        """Handle the stop signals on the running loop (the first begins the stop, the next
        skips the grace time); `wait()` removes the handlers when it is done."""
        loop = asyncio.get_running_loop()
        for signum in self._signals:
            loop.add_signal_handler(signum, self.request, signum.name)
        self._installed = loop

    def request(self, reason: str) -> None:
        """Begin the stop (a signal does this); asked again, stop waiting for the work."""
        if self._requested.is_set():
            log.warning("stop asked again: cancelling the work in flight", extra={"why": reason})
            self._hurry.set()
            return
        log.info("stopping", extra={"why": reason, "in_flight": len(self._units)})
        self._reason = reason
        self._requested.set()

    @property
    def accepting(self) -> bool:
        return not self._requested.is_set()

    @contextlib.asynccontextmanager
    async def work(self) -> AsyncIterator[None]:
        """One unit of work in flight: the stop waits for it, then cancels it. Raises
        `ShuttingDown` once the stop has begun."""
        task = asyncio.current_task()
        if task is None:
            raise RuntimeError("Shutdown.work() must be entered inside a task")
        if not self.accepting:
            raise ShuttingDown(f"stopping ({self._reason}): no new work is taken")
        number = next(self._numbers)
        self._units[number] = task
        self._idle.clear()
        try:
            yield
        finally:
            del self._units[number]
            if not self._units:
                self._idle.set()

    async def wait(self) -> ShutdownReport:
        """Wait for the stop to be asked for, then stop: refuse new work, wait for the work
        in flight (up to the grace time), cancel the rest, release, report."""
        await self._requested.wait()
        failures: list[str] = []
        try:
            await self._run(self._stop_accepting, failures)
            in_flight = len(self._units)
            await self._settle(self._grace, hurry=True)
            cancelled = len(self._units)
            for task in set(self._units.values()):
                task.cancel()
            if not await self._settle(self._step_timeout, hurry=False):
                failures.append("cancelled work")
            await self._run(self._release, failures)
        finally:
            self._uninstall()
        report = ShutdownReport(self._reason, in_flight - cancelled, cancelled, tuple(failures))
        log.info(
            "stopped",
            extra={"why": report.reason, "finished": report.finished,
                   "cancelled": report.cancelled, "failures": list(report.failures)},
        )
        return report

    async def _settle(self, timeout: float, *, hurry: bool) -> bool:
        """Wait until no work is in flight, `timeout` passes, or (if `hurry`) a second stop
        is asked for; True when no work is left."""
        waiters = [asyncio.ensure_future(self._idle.wait())]
        if hurry:
            waiters.append(asyncio.ensure_future(self._hurry.wait()))
        try:
            await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waiters:
                waiter.cancel()
        return self._idle.is_set()

    async def _run(self, steps: list[_Step], failures: list[str]) -> None:
        for step in steps:
            try:
                await asyncio.wait_for(step.callback(), self._step_timeout)
            except TimeoutError:
                log.error("stop step overran its time", extra={"step": step.name})
                failures.append(step.name)
            except Exception:
                log.exception("stop step failed", extra={"step": step.name})
                failures.append(step.name)

    def _uninstall(self) -> None:
        if self._installed is not None:
            for signum in self._signals:
                self._installed.remove_signal_handler(signum)
            self._installed = None

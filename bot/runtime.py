"""A serving replica, composed: what runs on every replica, what runs only on the leader, and
the order in which a stop takes it all down.

Every replica serves the web app (dashboard, API, the webhook endpoints), runs the inbox
workers, and scans the packages a push or `/upstream refresh` asked for (as claimed scan
work, so no request waits for the leader). Only the replica holding leadership
(`bot/service/leader.py`) runs the scheduled jobs: the full scan, the merge request sync, the
act pass, the weekly digest and its catch-up, the comment poll and the end of dead
processes' inbox leases. Their scheduler is built when leadership is gained and stopped when
it is lost (at once when the lock's connection failed, since another replica may lead soon).

SIGTERM (`bot/service/lifecycle.py`): stop accepting HTTP, stop the inbox workers from
claiming, give the jobs, refreshes and events in hand `grace` seconds, cancel the rest,
step down, give back this process's scan claims, commit what the webhooks queued. Inbox
events and scan items a cancelled unit held come back to the other replicas.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from aiohttp import web

from bot.app import build_forge
from bot.chatops_runtime import build_chatops_runtime
from bot.domain.commands import COMMANDS
from bot.forges.base import Forge
from bot.notify.smtp import Mailer, SmtpMailer, smtp_options
from bot.service.act import act_spec
from bot.service.dead_leases import reclaim_job
from bot.service.digest import DigestService, digest_jobs
from bot.service.leader import Leadership, Loss, Timing, open_leadership
from bot.service.lease_owner import owner_id
from bot.service.lifecycle import Shutdown, ShutdownReport, ShuttingDown
from bot.service.scan import ScanSummary
from bot.service.scan_jobs import Refresher, ScanJobs, full_scan_job, mr_sync_job
from bot.service.scheduler import BotScheduler, JobSpec, build_scheduler
from bot.service.submission import SubmitDeps
from bot.service.telemetry import Telemetry
from bot.settings import Settings
from bot.store import Store, migrate, open_engine, session_factory
from bot.web.app import AccessLogger, build_web_app

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
#: the stop's steps: two to stop accepting (HTTP, inbox), two to release (leadership, replica)
_STEPS = 4


@dataclass(frozen=True, slots=True)
class ServeOptions:
    """How one replica runs; the defaults are production's."""

    #: serve HTTP (the dashboard and the webhooks); False: a worker replica
    web: bool = True
    host: str | None = None
    port: int | None = None
    #: seconds the work in flight gets after SIGTERM, and each stop step's bound
    grace: float = 12.0
    step_timeout: float = 2.5
    #: forge name → token, instead of the settings' (the sandbox hands out its own)
    tokens: Mapping[str, str] = field(default_factory=dict)
    #: where submissions' temporary git trees go (default: `<state_dir>/work`)
    work_root: Path | None = None
    leader_timing: Timing = field(default_factory=Timing)

    @property
    def stop_bound(self) -> float:
        """The longest a stop can take, in seconds (see `Shutdown`)."""
        return self.grace + (_STEPS + 1) * self.step_timeout


Ready = Callable[["Replica"], None]


class CannotListen(RuntimeError):
    """The web server's address is taken or not allowed; the message says which."""

MailerFactory = Callable[[], Mailer]


async def serve(
    settings: Settings,
    options: ServeOptions = ServeOptions(),
    *,
    clock: Clock | None = None,
    mailer: MailerFactory | None = None,
    on_ready: Ready | None = None,
) -> ShutdownReport:
    """Run one replica over `settings` until SIGTERM or SIGINT; how its stop went.

    On SQLite a second replica is refused (`LeadershipError`) before the database is
    touched; then the schema is migrated (PostgreSQL serializes replicas doing it at once).
    `mailer` builds the digest's mailer (default: SMTP from `[digest]`); `on_ready` hears
    when the replica serves.
    """
    url = settings.database.url.reveal()
    engine = open_engine(url)
    forges: dict[str, Forge] = {}
    try:
        telemetry = Telemetry()
        for forge in settings.forges:
            forges[forge.name] = build_forge(
                forge, token=options.tokens.get(forge.name), observer=telemetry
            )
        replica = Replica(
            settings, Store(session_factory(engine)), forges, telemetry=telemetry,
            clock=clock or (lambda: datetime.now(UTC)), options=options, mailer=mailer,
        )
        leadership = open_leadership(
            url, on_gain=replica.gain, on_lose=replica.lose, timing=options.leader_timing
        )
        await asyncio.to_thread(migrate, engine)
        return await replica.run(leadership, on_ready=on_ready)
    finally:
        for adapter in forges.values():
            await adapter.close()
        engine.dispose()


class Replica:
    """One replica's running parts; `run` drives them (see the module doc)."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        forges: Mapping[str, Forge],
        *,
        telemetry: Telemetry,
        clock: Clock,
        options: ServeOptions,
        mailer: MailerFactory | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.forges = forges
        self.telemetry = telemetry
        self.clock = clock
        self.options = options
        #: this process as a lease owner, `host:pid:nonce`
        self.identity = owner_id()
        self.shutdown = Shutdown(grace=options.grace, step_timeout=options.step_timeout)
        self.work_root = options.work_root or Path(str(settings.database.state_dir)) / "work"
        self.scans = ObservedScans(
            telemetry, settings=settings, forges=forges, store=store, clock=clock
        )
        #: the replica's own jobs (refreshes), whether or not it leads
        self.local = BotScheduler(timezone="UTC")
        self.refresher = Refresher(self.local, self._refresh)
        self.chatops = build_chatops_runtime(
            settings, store, forges, clock=clock, refresh=self.refresher.request_refresh,
            submit_deps=SubmitDeps(settings=settings, store=store, forges=forges,
                                   work_root=self.work_root),
            owner=self.identity,
        )
        self._mailer = mailer or self._smtp
        self.leading: BotScheduler | None = None
        self.url: str | None = None
        self._stopping = asyncio.Event()
        self._inbox_ready = asyncio.Event()

    # leadership

    def leader_jobs(self) -> list[JobSpec]:
        """The scheduled jobs, each run as a unit of work the stop waits for."""
        settings = self.settings
        jobs = [
            full_scan_job(self.scans),
            mr_sync_job(self.scans),
            act_spec(settings=settings, store=self.store, forges=self.forges, clock=self.clock,
                     work_root=self.work_root),
            reclaim_job(self.store, clock=self.clock),
            *self.chatops.jobs(),
        ]
        if settings.digest is not None:
            service = DigestService(settings=settings, store=self.store, mailer=self._mailer(),
                                    clock=self.clock, replica=self.identity)
            # the catch-up's start is a scheduler (wall clock) time
            jobs.extend(digest_jobs(service, now=datetime.now(UTC)))
        return [replace(spec, run=self._unit(spec)) for spec in jobs]

    async def gain(self) -> None:
        if not self.shutdown.accepting:
            return
        scheduler = build_scheduler(self.leader_jobs())
        scheduler.start()
        self.leading = scheduler
        log.info("leading: scheduled jobs started",
                 extra={"jobs": [job.id for job in scheduler.get_jobs()]})

    async def lose(self, loss: Loss) -> None:
        scheduler, self.leading = self.leading, None
        if scheduler is None:
            return
        # a lost connection means another replica may lead any moment: cancel at once; on
        # a stop the jobs already had their grace time
        await scheduler.stop(grace=timedelta(0) if loss is Loss.CONNECTION_LOST
                             else timedelta(seconds=1))
        log.info("not leading: scheduled jobs stopped", extra={"loss": str(loss)})

    # running

    async def run(self, leadership: Leadership, *, on_ready: Ready | None = None
                  ) -> ShutdownReport:
        shutdown = self.shutdown
        shutdown.install()
        self.local.start()
        inbox = asyncio.create_task(self._inbox(), name="inbox")
        inbox.add_done_callback(self._ended("inbox"))
        await asyncio.wait([inbox, asyncio.ensure_future(self._inbox_ready.wait())],
                           return_when=asyncio.FIRST_COMPLETED)
        failure: CannotListen | None = None
        if self.options.web and shutdown.accepting:
            try:
                runner = await self._start_web()
            except CannotListen as error:
                failure = error
                shutdown.request(str(error))
            else:
                shutdown.on_stop_accepting("http", runner.cleanup)
        shutdown.on_stop_accepting("inbox", self._stop_inbox)
        leading = asyncio.create_task(leadership.run(), name="leadership")
        leading.add_done_callback(self._ended("leadership"))

        async def step_down() -> None:
            leadership.stop()
            await leading

        shutdown.on_release("leadership", step_down)
        shutdown.on_release("replica", self._release)
        if on_ready is not None and shutdown.accepting:
            on_ready(self)
        report = await shutdown.wait()
        if failure is not None:
            raise failure
        return report

    async def _start_web(self) -> web.AppRunner:
        settings = self.settings
        app = build_web_app(settings, self.store, routes=[self.chatops.routes()],
                            telemetry=self.telemetry, clock=self.clock, commands=COMMANDS)
        # in-flight requests get less than a stop step to finish
        runner = web.AppRunner(app, access_log_class=AccessLogger,
                               shutdown_timeout=max(self.options.step_timeout - 0.5, 0.1))
        await runner.setup()
        host = self.options.host or settings.web.host
        port = self.options.port if self.options.port is not None else settings.web.port
        site = web.TCPSite(runner, host, port)
        try:
            await site.start()
        except OSError as error:
            await runner.cleanup()
            raise CannotListen(
                f"cannot listen on {host}:{port}: {error.strerror}; pass --port or change "
                "[web] port"
            ) from error
        bound = runner.addresses[0][1] if runner.addresses else port
        self.url = f"http://{host}:{bound}/"
        return runner

    async def _inbox(self) -> None:
        """The inbox workers as one unit of work: on a stop they finish the events in hand
        and give back their leases (when cancelled, the leases are still given back)."""
        async with self.shutdown.work():
            await self.chatops.start()
            self._inbox_ready.set()
            try:
                await self._stopping.wait()
            finally:
                await self.chatops.stop()

    async def _stop_inbox(self) -> None:
        self._stopping.set()

    async def _release(self) -> None:
        await self.local.stop(grace=timedelta(0))
        # every scan of this process ended: what it still claims is free for the others
        prefix = self.identity.rsplit(":", 1)[0] + ":"
        released = await asyncio.to_thread(
            self.store.scans.release_claims, prefix, now=self.clock()
        )
        if released:
            log.info("scan claims released", extra={"packages": released})
        await self.chatops.writer.close()

    async def _refresh(self, packages: Sequence[str]) -> None:
        try:
            async with self.shutdown.work():
                await self.scans.scan(packages)
        except ShuttingDown:
            log.info("refresh left to the next full scan: stopping",
                     extra={"packages": list(packages)})

    def _unit(self, spec: JobSpec) -> Callable[[], Awaitable[None]]:
        async def run() -> None:
            try:
                async with self.shutdown.work():
                    await spec.run()
            except ShuttingDown:
                log.info("job not started: stopping", extra={"job": spec.id})

        return run

    def _ended(self, part: str) -> Callable[[asyncio.Task[None]], None]:
        """A part that ends on its own, before a stop was asked for, stops the replica."""

        def done(task: asyncio.Task[None]) -> None:
            error = None if task.cancelled() else task.exception()
            if not self.shutdown.accepting:
                return
            if error is not None:
                log.error("part of the replica failed; stopping", extra={"part": part},
                          exc_info=error)
            self.shutdown.request(f"{part} ended: {error or 'returned'}")

        return done

    def _smtp(self) -> Mailer:
        assert self.settings.digest is not None
        return SmtpMailer(smtp_options(self.settings.digest))


class ObservedScans(ScanJobs):
    """ScanJobs whose passes are timed into the telemetry, by how they ended."""

    def __init__(
        self,
        telemetry: Telemetry,
        *,
        settings: Settings,
        forges: Mapping[str, Forge],
        store: Store,
        clock: Clock,
    ) -> None:
        super().__init__(settings=settings, forges=forges, store=store, clock=clock)
        self._telemetry = telemetry

    async def scan(self, packages: Sequence[str] | None = None) -> ScanSummary:
        started = time.monotonic()
        try:
            summary = await super().scan(packages)
        except Exception:
            self._telemetry.scan_finished(time.monotonic() - started, status="failed")
            raise
        status = "partial" if summary.stale else "ok" if summary.finished else "handed-over"
        self._telemetry.scan_finished(time.monotonic() - started, status=status)
        return summary

"""The weekly digest job: build and render the week's digests, then send each through the
ledger so that it reaches its SMTP server at most once, whatever restarts, double-fired
jobs or replicas do; transient failures are retried with backoff.

Per digest: claim (a lease; the Message-ID fixed at the first claim) -> SMTP envelope ->
mark `sending` -> message data -> `sent`. A failure before the data frees the claim for a
retry; a connection lost during the data leaves the row `sending` and it is never sent
again (reported as uncertain).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta, tzinfo

from bot.domain.digest_week import IsoWeek
from bot.notify.message import Envelope, bare_address, build_message
from bot.notify.smtp import DeliveryError, Mailer
from bot.service.digest_prepare import (
    DigestKind,
    Outgoing,
    Prepared,
    prepare_week,
    unsubscribe_target,
    zone_of,
)
from bot.service.scheduler import Cron, JobSpec, Once
from bot.settings.schema import Settings
from bot.store import Store
from bot.store.records import DigestState

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
Sleep = Callable[[float], Awaitable[None]]
DEFAULT_LEASE = timedelta(minutes=10)
DIGEST_JOB = "weekly-digest"
#: ledger states that end a digest: sent, or handed over with an unknown outcome
_FINAL = frozenset({DigestState.SENT, DigestState.SENDING})


def due_week(
    *, last_sent: IsoWeek | None, now: datetime, weekday: int, at: time, zone: tzinfo
) -> IsoWeek | None:
    """The week whose digest is due at `now`, or None when `last_sent` already covers it.

    A week's digest goes out on `weekday` (0 is Monday) at `at` in `zone` in the week after
    it; a moment missed while the process was down is caught up by the next call, once,
    for the newest week only.
    """
    local = now.astimezone(zone)
    this_week = IsoWeek.of(local.date())
    moment = datetime.combine(this_week.monday + timedelta(days=weekday), at, tzinfo=zone)
    due = this_week.shifted(-1) if local >= moment else this_week.shifted(-2)
    if last_sent is not None and last_sent >= due:
        return None
    return due


@dataclass(slots=True)
class RunReport:
    """What one run did, by ledger key (``owner:addr`` or ``project:addr``)."""

    week: str
    sent: list[str] = field(default_factory=list)
    #: already sent, being sent, or claimed by another sender
    skipped: list[str] = field(default_factory=list)
    #: refused or unreachable after every attempt; the next run tries again
    failed: dict[str, str] = field(default_factory=dict)
    #: the connection broke while the data was on its way: never sent again
    uncertain: dict[str, str] = field(default_factory=dict)
    prepared: Prepared | None = None


class DigestService:
    """Sends a week's digests; `run_due` is what the scheduler runs."""

    def __init__(
        self,
        *,
        settings: Settings,
        store: Store,
        mailer: Mailer,
        clock: Clock,
        replica: str,
        sleep: Sleep = asyncio.sleep,
        lease: timedelta = DEFAULT_LEASE,
        backoff: float = 5.0,
    ) -> None:
        if settings.digest is None:
            raise ValueError("the settings have no [digest] section; add one to send digests")
        self.settings = settings
        self.digest = settings.digest
        self.store = store
        self.mailer = mailer
        self.clock = clock
        self.replica = replica
        self.sleep = sleep
        self.lease = lease
        self.backoff = backoff

    def due(self) -> IsoWeek | None:
        """The newest week whose digest moment has passed; whether it is done is for the
        ledger to say (`run_due`), not for the week the project list got last."""
        return due_week(
            last_sent=None, now=self.clock(),
            weekday=self.digest.weekday.number, at=self.digest.time, zone=zone_of(self.digest),
        )

    def is_done(self, prepared: Prepared) -> bool:
        """Whether every planned digest of the week is sent, or was handed to the server
        with an unknown outcome (never sent again); a missing, claimed or failed row means
        the week still has work."""
        states = {entry.recipient: entry.state
                  for entry in self.store.digest_entries(str(prepared.week))}
        return all(states.get(item.key) in _FINAL for item in prepared.outgoing)

    async def run_due(self) -> RunReport | None:
        """Send what is left of the due week's digests (the scheduled job, and the catch-up
        at start): the week is planned again and the ledger skips what already went out, so
        a run that died half-way is finished for every recipient, and only once."""
        week = self.due()
        if week is None:
            log.info("no digest due")
            return None
        prepared = await asyncio.to_thread(prepare_week, self.settings, self.store, week)
        if self.is_done(prepared):
            log.info("no digest due", extra={"week": str(week)})
            return None
        return await self.run_week(week, prepared=prepared)

    async def run_week(
        self, week: IsoWeek, *, only: str | None = None, prepared: Prepared | None = None
    ) -> RunReport:
        """Send `week`'s digests (only those to address `only`, when given; `prepared` when
        the caller planned the week already). Owner digests go first, project digests last."""
        if prepared is None:
            prepared = await asyncio.to_thread(prepare_week, self.settings, self.store, week)
        report = RunReport(str(week), prepared=prepared)
        address = None if only is None else bare_address(only).lower()
        wanted = [
            item for item in sorted(prepared.outgoing, key=lambda o: o.kind is DigestKind.PROJECT)
            if address is None or bare_address(item.address).lower() == address
        ]
        try:
            for item in wanted:
                await self._deliver(week, item, report)
        finally:
            await self.mailer.close()
        log.info("digest run finished", extra={
            "week": str(week), "sent": len(report.sent), "skipped": len(report.skipped),
            "failed": len(report.failed), "uncertain": len(report.uncertain),
            "quiet": len(prepared.quiet), "unaddressed": len(prepared.unaddressed),
        })
        return report

    async def _deliver(self, week: IsoWeek, item: Outgoing, report: RunReport) -> None:
        key = item.key
        attempts = self.digest.send_attempts
        for attempt in range(1, attempts + 1):
            claim = self.store.claim_digest(
                str(week), key, now=self.clock(), lease=self.lease, owner=self.replica,
                message_id=item.message_id,
            )
            if claim is None:
                if attempt == 1:
                    report.skipped.append(key)
                else:
                    report.failed[key] = "another sender took it over between attempts"
                return
            message = build_message(item.rendered, Envelope(
                sender=self.digest.from_address, recipient=item.address,
                message_id=claim.message_id, date=self.clock(), list_id=item.list_id,
                list_name=item.list_name, unsubscribe=unsubscribe_target(self.digest),
            ))

            async def before_data(key: str = key) -> bool:
                return self.store.mark_digest_sending(
                    str(week), key, owner=self.replica, now=self.clock()
                )

            try:
                await self.mailer.send(message, sender=self.digest.from_address,
                                       recipient=item.address, before_data=before_data)
            except DeliveryError as error:
                if error.abandoned:
                    report.skipped.append(key)
                    return
                if error.handed_over:
                    self._finish(week, key, DigestState.SENDING, str(error))
                    report.uncertain[key] = str(error)
                    log.warning("digest outcome unknown; it will not be sent again",
                                extra={"week": str(week), "recipient": key, "error": str(error)})
                    return
                self._finish(week, key, DigestState.FAILED, str(error))
                if error.permanent or attempt == attempts:
                    report.failed[key] = str(error)
                    log.warning("digest not sent", extra={
                        "week": str(week), "recipient": key, "error": str(error),
                        "attempts": attempt,
                    })
                    return
                await self.sleep(self.backoff * 2 ** (attempt - 1))
                continue
            self._finish(week, key, DigestState.SENT, None)
            report.sent.append(key)
            return

    def _finish(self, week: IsoWeek, key: str, state: DigestState, error: str | None) -> None:
        self.store.finish_digest(str(week), key, owner=self.replica, state=state,
                                 now=self.clock(), error=error)


def digest_jobs(
    service: DigestService, *, now: datetime, catch_up_after: timedelta = timedelta(seconds=5)
) -> list[JobSpec]:
    """The weekly run at the configured weekday, time and zone, and one run shortly after
    `now` (the start) that catches up a week whose moment passed while the process was down;
    `run_due` makes both a no-op when every digest of the week already went out."""
    digest = service.digest

    async def run() -> None:
        await service.run_due()

    weekly = JobSpec(
        DIGEST_JOB,
        Cron(day_of_week=str(digest.weekday)[:3], hour=str(digest.time.hour),
             minute=str(digest.time.minute), timezone=digest.timezone),
        run,
        misfire_grace_time=timedelta(hours=12),
    )
    return [weekly, JobSpec(f"{DIGEST_JOB}-catch-up", Once(now + catch_up_after), run)]

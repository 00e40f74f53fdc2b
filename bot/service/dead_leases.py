"""Inbox leases held by processes that died on this host end at once instead of at their
expiry: a replica restarted after a crash, or SIGKILLed beside its siblings, does not leave
the events it had claimed waiting for ten minutes.

Only owners named `host:pid:...` on this host can be told dead (`lease_owner.dead_owners`);
a replica that vanished with its host is waited for until its leases run out. The scan
needs none of this: each pass already takes over the items of dead owners.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from bot.service.lease_owner import dead_owners
from bot.service.scheduler import Every, JobSpec
from bot.store import Store

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
RECLAIM = "reclaim-leases"


async def end_dead_inbox_leases(store: Store, *, now: datetime) -> int:
    """End the inbox leases of dead processes on this host; how many events came back."""
    owners = dead_owners(await asyncio.to_thread(store.inbox.lease_owners))
    ended = 0
    for owner in owners:
        count = await asyncio.to_thread(store.inbox.expire_leases, owner=owner, now=now)
        if count:
            log.warning("inbox leases of a dead process ended",
                        extra={"owner": owner, "events": count})
        ended += count
    return ended


def reclaim_job(store: Store, *, clock: Clock,
                every: timedelta = timedelta(seconds=30)) -> JobSpec:
    """`end_dead_inbox_leases` at start and then every `every`."""

    async def run() -> None:
        await end_dead_inbox_leases(store, now=clock())

    return JobSpec(RECLAIM, Every(every, at_start=True), run, misfire_grace_time=every)

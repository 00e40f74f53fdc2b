"""How the contract suite starts one adapter against its sandbox server.

Each forge provides one `Harness` in `tests/forges/harness_<forge>.py`; `HARNESSES` in
`tests/forges/harnesses.py` lists them explicitly. A harness starts its sandbox API server
on a free loopback port over the given World and returns an adapter logged in as `bot`.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Protocol

from bot.forges.base import Forge
from bot.forges.calls import Budget, Caller, RetryPolicy
from bot.sandbox.faults import Faults
from bot.sandbox.gitstore import Author
from bot.sandbox.world import World

BOT = "upstream-bot"
PACKAGER = "packager"
OUTSIDER = "outsider"
AUTHOR = Author("Sandbox Importer", "importer@sandbox.test")


#: the retry policy every harness gives its adapter: quick, so the suite stays fast
RETRY = RetryPolicy(attempts=3, base_delay=0.01, max_delay=0.05, max_retry_after=1.0)


@dataclass(slots=True)
class Started:
    forge: Forge
    base_url: str
    #: requests the server answered (any status), for pagination and retry assertions
    requests: Callable[[], int]
    close: Callable[[], Awaitable[None]]


class Harness(Protocol):
    name: str  # "gitea", also the World's forge name
    #: the namespace seeded repositories live in ("rpms", "redhat/centos-stream/rpms")
    namespace: str
    #: page size the adapter is configured with, small so that pagination is exercised
    page_size: int

    async def start(
        self, world: World, faults: Faults, *, timeout: float, policy: RetryPolicy = RETRY
    ) -> Started:
        """Serve `world` with `faults` applied (bot.sandbox.faults.fault_middleware) and
        return an adapter logged in as BOT whose calls go through
        `make_caller(name, timeout=timeout, policy=policy)`; `Started.requests` reads
        `faults.requests`."""
        ...


def make_caller(forge: str, *, timeout: float, policy: RetryPolicy = RETRY) -> Caller:
    """The Caller every harness gives its adapter: generous budget, quick retries."""
    return Caller(
        forge=forge,
        budget=Budget(per_hour=100_000, concurrency=4, clock=time.monotonic, sleep=asyncio.sleep),
        timeout=timeout,
        policy=policy,
        sleep=asyncio.sleep,
        jitter=random.random,
    )


class Ticker:
    """A clock that moves one second per reading, so every write gets its own time."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


def seed(world: World, harness: Harness, *, repos: int = 7) -> list[str]:
    """Users bot/packager/outsider, `repos` repositories with two branches each.

    The bot is an admin of the repositories, as on the downstream forge of a real
    deployment: Gitea and GitHub tell a user's permission only to admins / pushers.
    """
    for name in (BOT, PACKAGER, OUTSIDER):
        world.add_user(harness.name, name, admin=False)
    paths = []
    for index in range(repos):
        path = f"{harness.namespace}/pkg{index:02d}"
        world.create_repo(
            harness.name, path, default_branch="main", members={PACKAGER: "write", BOT: "admin"}
        )
        world.commit(
            harness.name,
            path,
            "main",
            {
                f"pkg{index:02d}.spec": f"Name: pkg{index:02d}\n".encode(),
                "SOURCES/a.patch": b"--- a\n+++ b\n",
                "README": b"hello\n",
            },
            message=f"Import pkg{index:02d}",
            author=AUTHOR,
        )
        main = world.commit(
            harness.name,
            path,
            "main",
            {"README": b"hello again\n"},
            message="Update README\n\nLonger body.",
            author=AUTHOR,
        )
        world.commit(
            harness.name,
            path,
            "feature",
            {"fix.patch": b"fix\n"},
            message="Add fix",
            author=AUTHOR,
            parent=main,
        )
        paths.append(path)
    return paths


def root_of(tmp_path: Path) -> Path:
    return tmp_path / "world"

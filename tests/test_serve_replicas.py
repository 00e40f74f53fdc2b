"""Issue 9's acceptance: three real `upstream-bot serve` replicas on one PostgreSQL database,
over the sandbox forges (served by this test, slowed down so a scan takes a while), an SMTP
server, and Gitea delivering every webhook to all three.

The packages with pending changes are scanned before the replicas start, so the leaders'
act passes remind owners and open merge requests while replicas die. The leader is
SIGKILLed twice: first by the SMTP server as it takes the first digest of the catch-up run
(that leader is scanning then too), then while the second leader holds scan work. Commands
and pushes arrive before, between and after. At the end a standby has led each time, every
delivery was stored once and handled (every inbox row done; one audit entry and one reply
per command), nothing the bot made on a forge or mailed is there twice, every digest went
out exactly once, and the scan finished with the statuses the world was seeded with
(pending pairs the bot itself reminded or submitted count as agreeing).

Commands are answered before the second kill: a replica killed while it runs a command
loses that reply (tests/commands/test_serve.py shows it)."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import URL, Engine, text

from bot.app import build_forge
from bot.domain.change import scoped_id
from bot.domain.model import Status
from bot.forges.base import Thread
from bot.service.scan import scan_once
from bot.store import Store, migrate, open_engine, session_factory
from bot.store.records import InboxState
from tests.fakes.smtp import Faults, Received, SmtpServer
from tests.service.replicas import Replica
from tests.service.serve_cluster import BOT, Bench, bench, leader_pid, serving, until
from tests.store.conftest import postgres_database, postgres_url  # noqa: F401

PACKAGES = 16
#: seconds added to every forge answer: a scan then lasts long enough to be interrupted
LATENCY = 0.25
#: the sandbox config's five owners (each digest "always") and the project list
DIGESTS = 6
_ACTED = {Status.REMINDED, Status.SUBMITTED}


@pytest.mark.postgres
async def test_three_replicas_lose_two_leaders_and_lose_or_repeat_nothing(
    tmp_path: Path,
    postgres_database: Engine,  # noqa: F811
    postgres_url: URL,  # noqa: F811
) -> None:
    engine = open_engine(postgres_url)
    migrate(engine)
    store = Store(session_factory(engine))
    group: list[tuple[Replica, int]] = []
    kills: list[tuple[int, str, int]] = []

    def kill_the_sender(item: Received) -> None:
        """The first accepted digest: SIGKILL whoever sent it (the leader) before it hears
        the answer, and reap it at once so its siblings can tell it is gone."""
        if kills:
            return
        pid = leader_pid(postgres_database)
        assert pid is not None, "a digest went out while nobody led"
        kills.append((pid, item.recipients[0], _claimed_by(store, pid)))
        os.kill(pid, signal.SIGKILL)
        next(r for r, _ in group if r.pid == pid).process.wait()

    try:
        with SmtpServer(faults=Faults(on_accept=kill_the_sender)) as smtp:
            async with bench(tmp_path, postgres_url.render_as_string(hide_password=False),
                             packages=PACKAGES, latency=LATENCY, smtp_port=smtp.port) as b:
                await _story(b, store, engine, postgres_database, group, kills, smtp)
    finally:
        engine.dispose()


async def _story(b: Bench, store: Store, engine: Engine, admin: Engine,
                 group: list[tuple[Replica, int]], kills: list[tuple[int, str, int]],
                 smtp: SmtpServer) -> None:
    names = [p.name for p in b.truth.packages]
    pending = sorted({p.name for p, _, _, row in b.truth.rows() if row.status is Status.PENDING})
    await _scan_first(b, store, pending)
    seeded_requests = b.bot_requests()
    commands: list[tuple[Thread, int]] = []

    async def say(package: str, body: str) -> None:
        thread = await b.open_issue(package, f"question {len(commands)}")
        await b.comment(thread, body)
        commands.append((thread, body.count("/upstream")))

    async def answered() -> None:
        await until(lambda: all(len(b.replies(t)) >= n for t, n in commands),
                    what="a reply to every command",
                    state=lambda: ([(t, len(b.replies(t)), n) for t, n in commands],
                                   [(e.command, e.outcome) for e in store.chatops.audit_entries()]))

    with serving(b, 3) as started:
        group.extend(started)
        for replica, _ in group:
            await asyncio.to_thread(replica.wait_for, lambda line: "serving" in line)
        first = await until(lambda: leader_pid(admin), what="a first leader")
        await b.push(names[1], "a9")

        # 1. the leader dies taking the first digest, in the middle of its scan
        await until(lambda: kills, what="the first digest (and the leader's death)")
        [(dead, victim, claims)] = kills
        assert dead == first
        assert claims > 0, "the first leader held no scan work when it died"
        second = await until(lambda: (p := leader_pid(admin)) not in (None, first) and p,
                             what="a standby taking over from the first leader")
        await say(names[0], "/upstream status")
        await say(names[2], "Two at once:\n/upstream status\n/upstream help")
        await b.push(names[3], "a10s")
        await answered()

        # 2. the second leader dies while it holds scan work
        await until(lambda: _claimed_by(store, second) > 0,
                    what="the second leader scanning", every=0.05)
        os.kill(second, signal.SIGKILL)
        await asyncio.to_thread(next(r for r, _ in group if r.pid == second).process.wait)
        third = await until(lambda: (p := leader_pid(admin)) not in (None, first, second) and p,
                            what="the last standby taking over")
        await say(names[4], "/upstream refresh")
        await b.push(names[5], "a9")

        # 3. the last replica finishes everything
        await until(lambda: _runs(engine) and all(s != "running" for _, s in _runs(engine)),
                    what="the scan runs finishing", timeout=120, state=lambda: _runs(engine))
        await answered()
        await until(lambda: set(_inbox(engine)) == {"done"}, what="every inbox event handled",
                    state=lambda: _inbox(engine, detail=True))
        await until(lambda: len(smtp.received) >= DIGESTS, what="every digest sent",
                    state=lambda: _digests(engine))
        survivor = next(r for r, _ in group if r.pid == third)
        assert survivor.process.poll() is None, survivor.stderr_tail()

    # a standby led each time; every webhook a live replica got was taken
    assert len({first, second, third}) == 3
    assert {d.status for d in b.sender.deliveries if d.status is not None} == {202}
    # each command ran once and was answered once
    for thread, count in commands:
        assert len(b.replies(thread)) == count, (thread, b.replies(thread))
    mine = [e for e in store.chatops.audit_entries(limit=1000) if e.actor == "pkg-maintainer"]
    assert len(mine) == sum(n for _, n in commands)
    assert all(e.outcome.startswith("done") for e in mine), [e.outcome for e in mine]
    inbox = {state: n for state, n in store.inbox.counts().items() if n}
    assert list(inbox) == [InboxState.DONE], inbox
    # the leaders acted while dying, and made nothing twice
    actions = _actions(engine)
    assert actions.get(("remind", "done"), 0) > 0, actions
    # a merge request a killed leader was opening stays planned until the next act pass
    # (a scan interval later) finds or makes it: made or not yet, never twice
    opened = b.bot_requests() - seeded_requests
    assert actions.get(("open-change", "done"), 0) <= opened, actions
    assert opened <= sum(n for (kind, _), n in actions.items() if kind == "open-change")
    assert b.duplicates() == []
    # every digest exactly once; the one the leader died sending is never sent again
    mailed = Counter(r for item in smtp.received for r in item.recipients)
    assert set(mailed.values()) == {1} and len(mailed) == DIGESTS, mailed
    assert _digests(engine) == {(victim, "sending"): 1, **{
        (r, "sent"): 1 for r in mailed if r != victim}}
    # the scan finished, and found what the world holds
    runs = _runs(engine)
    assert runs[-1][1] in ("ok", "partial"), runs
    assert _disagreements(b, store) == []


async def _scan_first(b: Bench, store: Store, packages: list[str]) -> None:
    forges = {f.name: build_forge(f, token=b.world.users(str(f.type))[BOT].token)
              for f in b.settings.forges}
    try:
        summary = await scan_once(settings=b.settings, forges=forges, store=store,
                                  now=datetime.now(UTC), packages=packages)
    finally:
        for adapter in forges.values():
            await adapter.close()
    assert summary.finished and not summary.stale, summary


def _claimed_by(store: Store, pid: int) -> int:
    prefix = f"{socket.gethostname()}:{pid}:"
    return sum(1 for item in store.scans.work_items().values()
               if item.lease_owner and item.lease_owner.startswith(prefix))


def _rows(engine: Engine, sql: str) -> list[tuple]:
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(text(sql))]


def _runs(engine: Engine) -> list[tuple]:
    return _rows(engine, "SELECT id, status FROM scan_runs ORDER BY id")


def _inbox(engine: Engine, *, detail: bool = False) -> object:
    """Inbox rows by state (or, with `detail`, each row not done and why)."""
    if detail:
        return _rows(engine, "SELECT event_key, state, attempts, lease_owner, last_error"
                             " FROM inbox WHERE state <> 'done'")
    return dict(_rows(engine, "SELECT state, count(*) FROM inbox GROUP BY state"))


def _actions(engine: Engine) -> dict[tuple[str, str], int]:
    return {(kind, state): n for kind, state, n in
            _rows(engine, "SELECT type, state, count(*) FROM actions GROUP BY type, state")}


def _digests(engine: Engine) -> Counter[tuple[str, str]]:
    """(address, ledger state) of every digest row; the ledger keys rows `kind:address`."""
    rows = _rows(engine, "SELECT recipient, state FROM digest_ledger")
    return Counter((key.partition(":")[2], state) for key, state in rows)


def _disagreements(b: Bench, store: Store) -> list[str]:
    wrong = []
    for package, branch, change, row in b.truth.rows():
        state = store.get_target_status(scoped_id(package.name, branch.branch, change.id),
                                        row.target)
        found = None if state is None else state.status
        if found is row.status or (row.status is Status.PENDING and found in _ACTED):
            continue
        wrong.append(f"{package.name} {branch.branch} {change.name} {row.target}: "
                     f"truth {row.status}, stored {found}")
    return wrong

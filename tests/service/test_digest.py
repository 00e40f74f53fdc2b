"""bot/service/digest.py end to end: a seeded store, a real SMTP server (aiosmtpd), and every
recipient getting their digest exactly once, whatever fails, restarts or runs twice."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine

from bot.domain.digest_week import IsoWeek
from bot.notify.smtp import SmtpMailer, smtp_options
from bot.service.digest import DIGEST_JOB, DigestService, digest_jobs, due_week
from bot.service.scheduler import build_scheduler
from bot.settings import Settings
from bot.store import Store, migrate, open_engine, session_factory
from bot.store.records import DigestState
from tests.fakes.smtp import Faults, Received, SmtpServer
from tests.service.digest_world import (
    DRAFT,
    FEDORA_PR,
    HOSTILE,
    NOT_SENT_TO,
    NOW,
    PROJECT_LIST,
    SENT_TO,
    TRACKING,
    WEEK,
    seed,
    settings_for,
)
from tests.store.conftest import (  # noqa: F401 -- fixtures
    postgres_database,
    postgres_store_database,
    sqlite_template,
    store_engine,
)

ROOT = Path(__file__).resolve().parents[2]


class Sleeps:
    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)


@pytest.fixture
def db(tmp_path: Path) -> tuple[Store, str]:
    url = f"sqlite:///{tmp_path / 'bot.sqlite3'}"
    engine = open_engine(url)
    migrate(engine)
    store = Store(session_factory(engine))
    seed(store)
    return store, url


def service(settings: Settings, store: Store, *, replica: str = "r1", clock=lambda: NOW,
            sleeps: Sleeps | None = None) -> DigestService:
    assert settings.digest is not None
    return DigestService(settings=settings, store=store,
                         mailer=SmtpMailer(smtp_options(settings.digest)), clock=clock,
                         replica=replica, sleep=sleeps or Sleeps())


def counts(server: SmtpServer) -> dict[str, int]:
    return {address: len(items) for address, items in server.by_recipient().items()}


def one_each(server: SmtpServer) -> dict[str, Received]:
    found = server.by_recipient()
    assert {a: len(m) for a, m in found.items()} == dict.fromkeys(SENT_TO, 1)
    return {address: items[0] for address, items in found.items()}


def parts(item: Received) -> tuple[str, str]:
    message = item.message
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    return text.replace("\r\n", "\n"), html.replace("\r\n", "\n")


async def test_each_recipient_gets_one_digest_with_both_parts_headers_and_content(
    tmp_path: Path, db: tuple[Store, str]
) -> None:
    store, url = db
    with SmtpServer() as server:
        settings, _ = settings_for(tmp_path, url, server.port)
        report = await service(settings, store).run_week(WEEK)
        mail = one_each(server)
    assert not set(NOT_SENT_TO) & set(server.by_recipient())
    assert report.prepared is not None
    assert (report.prepared.quiet, report.prepared.opted_out) == (
        ["tomas"], ["lena@example.org", "olga@example.org"]
    )
    entries = {entry.recipient: entry for entry in store.digest_entries(str(WEEK))}
    assert {e.state for e in entries.values()} == {DigestState.SENT}
    for address, item in mail.items():
        message = item.message
        kind = "project" if address in (PROJECT_LIST, "release@example.org") else "owner"
        assert message.get_content_type() == "multipart/alternative"
        assert message["Message-ID"] == entries[f"{kind}:{address}"].message_id
        assert message["Date"] == "Wed, 11 Mar 2026 09:00:00 +0000"
        assert message["List-Id"].endswith(f"<{kind}.upstream-digest.almalinux.example.org>")
        assert message["List-Unsubscribe"] == (
            "<mailto:upstream-bot@almalinux.example.org?subject=unsubscribe>"
        )
        assert item.sender == "upstream-bot@almalinux.example.org"

    mira_text, mira_html = parts(mail["mira@example.org"])
    assert mail["mira@example.org"].message["To"] == "Mira Castell <mira@example.org>"
    assert "Pending, oldest first (1)" in mira_text
    assert "1. bash a9: 0001-fix-overflow.patch [bugfix]" in mira_text
    assert "for centos-stream, fedora, owner reminded" in mira_text
    assert f'write "/upstream submit centos-stream" on the tracking issue:\n   {TRACKING}' in (
        mira_text
    )
    assert f"* submitted in fedora on 2026-03-04: bash a9: 0002-handle-locale.patch\n  " \
           f"{FEDORA_PR}" in mira_text
    assert f'href="{TRACKING}"' in mira_html

    jonas_text, jonas_html = parts(mail["jonas@example.org"])
    assert f"rejected in centos-stream on 2026-03-05: grub2 a10s: {HOSTILE}" in jonas_text
    assert "<script>" not in jonas_html and "&lt;script&gt;alert(" in jonas_html
    assert "<img src=x" not in jonas_html and "&lt;img src=x" in jonas_html
    assert "centos-stream needs a Resolves: RHEL-<n> reference" in jonas_text
    assert f'write "/upstream jira <ticket>" on the merge request:\n  {DRAFT}' in jonas_text
    assert "almalinux-branding" not in jonas_text

    priya_text, _ = parts(mail["priya@example.org"])
    assert "Nothing waits on you" in priya_text

    project = mail[PROJECT_LIST].message
    project_text, project_html = parts(mail[PROJECT_LIST])
    [image] = [p for p in project.walk() if p.get_content_type() == "image/png"]
    assert f'src="cid:{image["Content-ID"].strip("<>")}"' in project_html
    assert "Scan runs this week: 2, 1 failed, 0 partial." in project_text
    assert "Oldest pending (4 in all)" in project_text
    assert "0003-unowned.patch (fedora; no owner)" in project_text
    assert "<script>" not in project_html


async def test_a_second_run_sends_nothing(tmp_path: Path, db: tuple[Store, str]) -> None:
    store, url = db
    with SmtpServer() as server:
        settings, _ = settings_for(tmp_path, url, server.port)
        await service(settings, store).run_week(WEEK)
        again = await service(settings, store, replica="r2").run_week(WEEK)
        one_each(server)
    assert again.sent == [] and len(again.skipped) == len(SENT_TO)


async def test_replicas_running_at_once_send_each_digest_once(
    tmp_path: Path, store_engine: Engine  # noqa: F811
) -> None:
    seed(Store(session_factory(store_engine)))
    with SmtpServer() as server:
        settings, _ = settings_for(tmp_path, "sqlite:///unused.sqlite3", server.port)
        runs = [service(settings, Store(session_factory(store_engine)), replica=f"r{n}")
                for n in range(3)]
        reports = await asyncio.gather(*(run.run_week(WEEK) for run in runs))
        one_each(server)
    assert sorted(key for report in reports for key in report.sent) == sorted(
        f"{'project' if a in (PROJECT_LIST, 'release@example.org') else 'owner'}:{a}"
        for a in SENT_TO
    )


async def test_a_server_dropping_connections_before_the_data_gets_retried(
    tmp_path: Path, db: tuple[Store, str]
) -> None:
    store, url = db
    faults = Faults(drop_at_rcpt={"mira@example.org": 1},
                    data_busy={"release@example.org": 2})
    sleeps = Sleeps()
    with SmtpServer(faults=faults) as server:
        settings, _ = settings_for(tmp_path, url, server.port)
        report = await service(settings, store, sleeps=sleeps).run_week(WEEK)
        one_each(server)
    assert (report.failed, report.uncertain) == ({}, {})
    assert sleeps.delays == [5.0, 5.0, 10.0]
    entry = next(e for e in store.digest_entries(str(WEEK))
                 if e.recipient == "project:release@example.org")
    assert entry.attempts == 3


async def test_a_message_whose_fate_is_unknown_is_never_sent_again(
    tmp_path: Path, db: tuple[Store, str]
) -> None:
    store, url = db
    with SmtpServer(faults=Faults(drop_after_data={"jonas@example.org": 5})) as server:
        settings, _ = settings_for(tmp_path, url, server.port)
        first = await service(settings, store).run_week(WEEK)
        later = await service(settings, store, replica="r2",
                              clock=lambda: NOW + timedelta(days=2)).run_week(WEEK)
        one_each(server)
    assert list(first.uncertain) == ["owner:jonas@example.org"]
    assert "owner:jonas@example.org" in later.skipped
    [entry] = [e for e in store.digest_entries(str(WEEK)) if e.recipient.startswith("owner:j")]
    assert entry.state is DigestState.SENDING and "while sending the data" in entry.last_error


async def test_a_refused_recipient_fails_now_and_goes_out_on_the_next_run(
    tmp_path: Path, db: tuple[Store, str]
) -> None:
    store, url = db
    faults = Faults(refuse={"priya@example.org"})
    sleeps = Sleeps()
    with SmtpServer(faults=faults) as server:
        settings, _ = settings_for(tmp_path, url, server.port)
        first = await service(settings, store, sleeps=sleeps).run_week(WEEK)
        assert "550" in first.failed["owner:priya@example.org"]
        assert sleeps.delays == []  # a 5xx is not retried
        faults.refuse.clear()
        second = await service(settings, store).run_week(WEEK)
        one_each(server)
    assert second.sent == ["owner:priya@example.org"]


@pytest.mark.parametrize("moment", ["after-data", "at-rcpt"])
async def test_a_sender_killed_mid_run_and_restarted_sends_each_digest_once(
    tmp_path: Path, db: tuple[Store, str], moment: str
) -> None:
    """The first run is a real `upstream-bot digest` process, SIGKILLed by the SMTP server
    while it handles the third recipient: after the message was taken but before the
    answer (the ledger says `sending`), or at RCPT (the ledger holds a claim). A second run
    right away leaves the claimed one to its lease; one after the lease sends it."""
    store, url = db
    victim = SENT_TO[2]
    process: list[subprocess.Popen[bytes]] = []

    def kill(address: str) -> None:
        if address == victim and process:
            os.kill(process[0].pid, signal.SIGKILL)

    faults = Faults()
    if moment == "after-data":
        faults.on_accept = lambda item: kill(item.recipients[0])
    else:
        faults.on_rcpt = kill
    with SmtpServer(faults=faults) as server:
        settings, path = settings_for(tmp_path, url, server.port)
        process.append(subprocess.Popen(
            [sys.executable, "-m", "bot", "digest", "--week", str(WEEK), "--config", str(path)],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        ))
        _, err = process[0].communicate(timeout=60)
        assert process[0].returncode == -signal.SIGKILL, err.decode()
        faults.on_accept = faults.on_rcpt = None
        before = counts(server)
        assert before == dict.fromkeys(SENT_TO[:3 if moment == "after-data" else 2], 1)

        real_now = datetime.now(UTC)
        soon = await service(settings, store, replica="r2",
                             clock=lambda: real_now + timedelta(minutes=1)).run_week(WEEK)
        victim_key = f"owner:{victim}"
        assert victim_key in soon.skipped
        if moment == "at-rcpt":
            assert victim not in server.by_recipient()
            late = await service(settings, store, replica="r3",
                                 clock=lambda: real_now + timedelta(hours=1)).run_week(WEEK)
            assert late.sent == [victim_key]
        one_each(server)
    states = {e.recipient: e.state for e in store.digest_entries(str(WEEK))}
    expected = DigestState.SENDING if moment == "after-data" else DigestState.SENT
    assert states.pop(f"owner:{victim}") is expected
    assert set(states.values()) == {DigestState.SENT}


async def test_only_one_address(tmp_path: Path, db: tuple[Store, str]) -> None:
    store, url = db
    with SmtpServer() as server:
        settings, _ = settings_for(tmp_path, url, server.port)
        report = await service(settings, store).run_week(WEEK, only="MIRA@example.org")
        assert counts(server) == {"mira@example.org": 1}
    assert report.sent == ["owner:mira@example.org"]


async def test_run_due_catches_up_once(tmp_path: Path, db: tuple[Store, str]) -> None:
    store, url = db
    with SmtpServer() as server:
        settings, _ = settings_for(tmp_path, url, server.port)
        # Monday 9 March 08:00 was missed; on Wednesday the job starts and catches up
        first = await service(settings, store).run_due()
        assert first is not None and first.week == str(WEEK)
        assert await service(settings, store).run_due() is None
        one_each(server)


@pytest.mark.parametrize("how", ["died-after-the-list", "extra-recipient-unreachable"])
async def test_a_week_is_done_only_when_every_recipient_got_it(
    tmp_path: Path, db: tuple[Store, str], how: str
) -> None:
    """The project list's digest went out but the run ended before the owners and the extra
    `[digest] recipients` got theirs (no ledger row at all), or the connection died at RCPT of
    the extra recipient on every attempt (a failed row): the catch-up sends each missing one,
    once, and a third run sends nothing."""
    store, url = db
    faults = Faults()
    with SmtpServer(faults=faults) as server:
        settings, _ = settings_for(tmp_path, url, server.port)
        if how == "died-after-the-list":
            first = await service(settings, store).run_week(WEEK, only=PROJECT_LIST)
            assert first.sent == [f"project:{PROJECT_LIST}"]
        else:
            faults.drop_at_rcpt["release@example.org"] = 100
            first = await service(settings, store).run_due()
            assert first is not None and list(first.failed) == ["project:release@example.org"]
            faults.drop_at_rcpt.clear()
        assert f"project:{PROJECT_LIST}" in {
            e.recipient for e in store.digest_entries(str(WEEK)) if e.state is DigestState.SENT
        }
        catch_up = await service(settings, store, replica="r2").run_due()
        assert catch_up is not None and catch_up.week == str(WEEK)
        assert f"project:{PROJECT_LIST}" in catch_up.skipped
        assert "project:release@example.org" in catch_up.sent
        assert await service(settings, store, replica="r3").run_due() is None
        one_each(server)


BERLIN = ZoneInfo("Europe/Berlin")


@pytest.mark.parametrize(
    ("now", "last_sent", "due"),
    [
        (datetime(2026, 3, 9, 6, 59, tzinfo=UTC), None, "2026-W09"),  # 07:59 Berlin: not yet
        (datetime(2026, 3, 9, 7, 0, tzinfo=UTC), None, "2026-W10"),  # 08:00 Berlin
        (datetime(2026, 3, 9, 7, 0, tzinfo=UTC), "2026-W10", None),
        (datetime(2026, 3, 9, 7, 0, tzinfo=UTC), "2026-W09", "2026-W10"),
        # down for three weeks: only the newest week is caught up
        (datetime(2026, 3, 30, 12, 0, tzinfo=UTC), "2026-W09", "2026-W13"),
        (datetime(2026, 3, 15, 23, 30, tzinfo=UTC), "2026-W10", None),  # Monday 00:30 Berlin
        (datetime(2026, 1, 5, 7, 0, tzinfo=UTC), None, "2026-W01"),  # across the year
    ],
)
def test_due_week(now: datetime, last_sent: str | None, due: str | None) -> None:
    found = due_week(last_sent=IsoWeek.parse(last_sent) if last_sent else None, now=now,
                     weekday=0, at=time(8, 0), zone=BERLIN)
    assert (str(found) if found else None) == due


async def test_the_scheduled_jobs_catch_up_at_start_and_wait_for_the_weekly_moment(
    tmp_path: Path, db: tuple[Store, str]
) -> None:
    store, url = db
    with SmtpServer() as server:
        settings, _ = settings_for(tmp_path, url, server.port)
        run = service(settings, store)
        scheduler = build_scheduler(digest_jobs(run, now=datetime.now(UTC),
                                                catch_up_after=timedelta(milliseconds=50)))
        scheduler.start()
        try:
            weekly = scheduler.get_job(DIGEST_JOB).next_run_time
            for _ in range(400):
                if len(server.received) == len(SENT_TO) and not scheduler.running_jobs():
                    break
                await asyncio.sleep(0.05)
        finally:
            await scheduler.stop()
        one_each(server)
    # Monday 08:00 in the configured zone (UTC here), after now
    assert (weekly.weekday(), weekly.hour, weekly.minute) == (0, 8, 0)
    assert weekly > datetime.now(UTC)
    assert scheduler.failures == {}

"""`upstream-bot digest`: one week's digests written to files for review, or sent."""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import socket
import sys
from datetime import UTC, datetime
from pathlib import Path

from bot.commands.migrate import prepare_sqlite_directory
from bot.domain.digest_week import IsoWeek, WeekError
from bot.notify.message import Envelope, MessageError, bare_address, build_message
from bot.notify.smtp import SmtpMailer, smtp_options
from bot.service.digest import DigestService, RunReport, digest_jobs, due_week
from bot.service.digest_prepare import (
    Outgoing,
    Prepared,
    prepare_week,
    unsubscribe_target,
    zone_of,
)
from bot.service.scheduler import build_scheduler
from bot.settings import (
    Problem,
    Settings,
    SettingsError,
    load_settings,
    resolve_config_path,
)
from bot.store import Store, StoreError, migrate, open_engine, session_factory


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--week", help="the ISO week, e.g. 2026-W48 (default: the last "
                                       "week whose digest is due)")
    parser.add_argument("--to", metavar="EMAIL",
                        help="only the digest(s) addressed to EMAIL")
    parser.add_argument("--preview", type=Path, metavar="DIR",
                        help="write .eml, .html and .txt files to DIR instead of sending")
    parser.add_argument("--schedule", action="store_true",
                        help="stay running: send each week's digests at [digest] weekday, "
                             "time and timezone (and a missed week once at start) until "
                             "SIGINT or SIGTERM")
    parser.add_argument(
        "--config", type=Path,
        help="settings file (default: $UPSTREAM_BOT_CONFIG, else config/sandbox.toml)",
    )


def run(args: argparse.Namespace) -> int:
    try:
        path = resolve_config_path(str(args.config) if args.config else None, os.environ)
        settings = load_settings(path, environ=os.environ)
        if settings.digest is None:
            raise SettingsError([Problem(str(path), "digest", "is missing",
                                         "add a [digest] section to send digests")])
        store = _store(settings)
        if args.schedule:
            asyncio.run(_on_schedule(settings, store))
            return 0
        week = _week(args.week, settings)
        if args.preview is not None:
            prepared = prepare_week(settings, store, week)
            written = write_preview(prepared, settings, args.preview, only=args.to)
            _summary(prepared)
            print(f"{written} digests of {week} written to {args.preview}")
            return 0 if written or args.to is None else 1
        report = asyncio.run(_send(settings, store, week, args.to))
    except (SettingsError, StoreError, WeekError, MessageError, OSError) as error:
        print(f"upstream-bot digest: {error}", file=sys.stderr)
        return 2
    return print_report(report, only=args.to)


def write_preview(prepared: Prepared, settings: Settings, folder: Path, *,
                  only: str | None) -> int:
    """Each digest as `<kind>-<name>.eml`, `.html` (images beside it) and `.txt`."""
    assert settings.digest is not None
    folder.mkdir(parents=True, exist_ok=True)
    wanted = None if only is None else bare_address(only).lower()
    written = 0
    now = datetime.now(UTC)
    for item in prepared.outgoing:
        if wanted is not None and bare_address(item.address).lower() != wanted:
            continue
        name = _file_name(item)
        message = build_message(item.rendered, Envelope(
            sender=settings.digest.from_address, recipient=item.address,
            message_id=item.message_id, date=now, list_id=item.list_id,
            list_name=item.list_name, unsubscribe=unsubscribe_target(settings.digest),
        ))
        (folder / f"{name}.eml").write_bytes(message.as_bytes())
        html = item.rendered.html
        for image in item.rendered.images:
            (folder / image.filename).write_bytes(image.data)
            html = html.replace(f"cid:{image.cid}", image.filename)
        (folder / f"{name}.html").write_text(html, encoding="utf-8")
        (folder / f"{name}.txt").write_text(item.rendered.text, encoding="utf-8")
        written += 1
    return written


def print_report(report: RunReport, *, only: str | None) -> int:
    if report.prepared is not None:
        _summary(report.prepared)
    print(f"digest {report.week}: {len(report.sent)} sent, {len(report.skipped)} already "
          f"sent or in other hands, {len(report.failed)} failed, "
          f"{len(report.uncertain)} uncertain")
    for key, error in sorted(report.failed.items()):
        print(f"  failed: {key}: {error}")
    for key, error in sorted(report.uncertain.items()):
        print(f"  uncertain (never sent again): {key}: {error}")
    if only is not None and not (report.sent or report.skipped or report.failed
                                 or report.uncertain):
        print(f"upstream-bot digest: no digest of {report.week} is addressed to {only}",
              file=sys.stderr)
        return 1
    return 1 if report.failed or report.uncertain else 0


def _summary(prepared: Prepared) -> None:
    if prepared.quiet:
        print(f"{len(prepared.quiet)} owners have nothing to report this week: "
              + ", ".join(prepared.quiet[:10]) + (" ..." if len(prepared.quiet) > 10 else ""))
    if prepared.unaddressed:
        print(f"{len(prepared.unaddressed)} owners have no email in [owners.<username>]: "
              + ", ".join(prepared.unaddressed[:10])
              + (" ..." if len(prepared.unaddressed) > 10 else ""))


async def _send(settings: Settings, store: Store, week: IsoWeek, only: str | None) -> RunReport:
    return await _service(settings, store).run_week(week, only=only)


def _service(settings: Settings, store: Store) -> DigestService:
    assert settings.digest is not None
    return DigestService(
        settings=settings, store=store, mailer=SmtpMailer(smtp_options(settings.digest)),
        clock=lambda: datetime.now(UTC), replica=f"cli-{socket.gethostname()}-{os.getpid()}",
    )


async def _on_schedule(settings: Settings, store: Store) -> None:
    assert settings.digest is not None
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    scheduler = build_scheduler(digest_jobs(_service(settings, store), now=datetime.now(UTC)))
    scheduler.start()
    digest = settings.digest
    print(f"sending digests every {digest.weekday} at {digest.time:%H:%M} {digest.timezone}; "
          "a missed week goes out now; Ctrl-C or SIGTERM stops", flush=True)
    try:
        await stop.wait()
    finally:
        await scheduler.stop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)


def _week(text: str | None, settings: Settings) -> IsoWeek:
    if text is not None:
        return IsoWeek.parse(text)
    assert settings.digest is not None
    due = due_week(last_sent=None, now=datetime.now(UTC), weekday=settings.digest.weekday.number,
                   at=settings.digest.time, zone=zone_of(settings.digest))
    assert due is not None
    return due


def _store(settings: Settings) -> Store:
    url = settings.database.url.reveal()
    prepare_sqlite_directory(url)
    engine = open_engine(url)
    migrate(engine)
    return Store(session_factory(engine))


def _file_name(item: Outgoing) -> str:
    who = item.owner or bare_address(item.address).split("@")[0]
    safe = "".join(ch if ch.isalnum() or ch in "._-" else "_" for ch in who)
    return f"{item.kind}-{safe}"

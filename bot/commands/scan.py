"""`upstream-bot scan` and `upstream-bot status`: scheduled scanning in the foreground until
SIGINT/SIGTERM, or one pass (`--once`, optionally a dry run), stored in the configured
database, optionally over a saved sandbox world; and what the database holds."""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.commands.opened import connected, open_store
from bot.commands.scan_report import ProgressLine, print_latest, print_package, print_summary
from bot.sandbox.server import SandboxError
from bot.service.logs import configure_logging
from bot.service.scan import ScanSummary, scan_once
from bot.service.scan_jobs import ScanJobs, full_scan_job, mr_sync_job
from bot.service.scheduler import build_scheduler
from bot.settings import Settings, SettingsError
from bot.store import Store, StoreError

__all__ = ["add_arguments", "add_status_arguments", "print_summary", "run", "run_status"]



def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--once", action="store_true",
        help="run one pass, print its summary and stop (default: scan on the schedule until "
             "interrupted)",
    )
    parser.add_argument("--package", action="append", help="scan only this package (repeatable)")
    parser.add_argument(
        "--dry-run", action="store_true",
        help="with --once: read everything, write nothing, list the transitions it would write",
    )
    parser.add_argument("--sandbox-dir", type=Path, help="scan the sandbox world saved there")
    _config_argument(parser)


def add_status_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("package", nargs="?", help="show this package's changes")
    _config_argument(parser)


def run(args: argparse.Namespace) -> int:
    if args.dry_run and not args.once:
        print("upstream-bot scan: --dry-run needs --once (a scheduled scan always writes)",
              file=sys.stderr)
        return 2
    try:
        settings, store = open_store(args)
        if args.once:
            summary = asyncio.run(_scan_once(args, settings, store))
            print_summary(summary)
        else:
            # a long-running process: its jobs log JSON lines to standard error
            configure_logging()
            asyncio.run(_scan_on_schedule(args, settings, store))
    except (SettingsError, StoreError, SandboxError) as error:
        print(f"upstream-bot scan: {error}", file=sys.stderr)
        return 2
    return 0


def run_status(args: argparse.Namespace) -> int:
    try:
        settings, store = open_store(args)
        if args.package:
            print_package(settings, store, args.package, now=datetime.now(UTC))
        else:
            print_latest(store)
    except (SettingsError, StoreError) as error:
        print(f"upstream-bot status: {error}", file=sys.stderr)
        return 2
    return 0


def _config_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config",
        type=Path,
        help="settings file (default: $UPSTREAM_BOT_CONFIG, else config/sandbox.toml)",
    )


async def _scan_once(args: argparse.Namespace, settings: Settings, store: Store) -> ScanSummary:
    progress = ProgressLine(sys.stderr, tty=sys.stderr.isatty(), clock=time.monotonic)
    async with connected(args, settings) as (settings, forges):
        try:
            return await scan_once(
                settings=settings, forges=forges, store=store, now=datetime.now(UTC),
                packages=args.package, progress=progress, dry_run=args.dry_run,
            )
        finally:
            progress.close()


async def _scan_on_schedule(args: argparse.Namespace, settings: Settings, store: Store) -> None:
    """Scan now, then every interval, until SIGINT or SIGTERM; a pass that is running then
    gets a grace time to finish (an interrupted pass is resumed by the next)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        async with connected(args, settings) as (settings, forges):
            jobs = ScanJobs(
                settings=settings, forges=forges, store=store, clock=lambda: datetime.now(UTC),
                report=_report,
            )
            scheduler = build_scheduler(
                [full_scan_job(jobs, packages=args.package), mr_sync_job(jobs)]
            )
            scheduler.start()
            scan = settings.scan
            print(f"scanning now, then every {_span(scan.interval)} (up to {_span(scan.jitter)} "
                  f"later at random); merge requests synced every {_span(scan.sync_interval)}; "
                  "Ctrl-C or SIGTERM stops", flush=True)
            await stop.wait()
            print("stopping: waiting for running jobs", flush=True)
            await scheduler.stop()
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)
    print("stopped", flush=True)


def _report(summary: ScanSummary) -> None:
    print_summary(summary)
    sys.stdout.flush()


def _span(span: timedelta) -> str:
    seconds = int(span.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"

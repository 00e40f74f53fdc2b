"""`upstream-bot serve`: the long-running process users deploy. Every replica serves the
dashboard and the webhook endpoints and runs the inbox workers; the one holding leadership
also runs the scheduled jobs (bot/runtime.py). `--no-web` runs a worker replica."""

from __future__ import annotations

import argparse
import asyncio
import logging
import math
import os
import sys
from pathlib import Path

from bot.commands.migrate import prepare_sqlite_directory
from bot.runtime import CannotListen, Replica, ServeOptions, serve
from bot.service.leader import LeadershipError
from bot.service.logs import configure_logging
from bot.settings import SettingsError, load_settings, resolve_config_path
from bot.store import StoreError, mask_url

_PROG = "upstream-bot serve"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--no-web", action="store_true",
        help="a worker replica: inbox workers and, when it leads, the scheduled jobs; no HTTP",
    )
    parser.add_argument("--host", help="listen on this address (default: [web] host)")
    parser.add_argument("--port", type=int, help="listen on this port (default: [web] port)")
    parser.add_argument("--log-level", default="INFO", help="INFO (default), DEBUG, WARNING")
    parser.add_argument(
        "--config", type=Path,
        help="settings file (default: $UPSTREAM_BOT_CONFIG, else config/sandbox.toml)",
    )


def run(args: argparse.Namespace) -> int:
    try:
        path = resolve_config_path(str(args.config) if args.config else None, os.environ)
        settings = load_settings(path, environ=os.environ)
        url = settings.database.url.reveal()
        prepare_sqlite_directory(url)
    except (SettingsError, StoreError) as error:
        print(f"{_PROG}: {error}", file=sys.stderr)
        return 2
    configure_logging(args.log_level.upper())
    # Every /readyz reads the schema version; Alembic would log that at INFO each time.
    logging.getLogger("alembic.runtime.migration").setLevel(logging.WARNING)
    # APScheduler's own lines repeat what the bot's scheduler logs about each run
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    options = ServeOptions(web=not args.no_web, host=args.host, port=args.port)

    def ready(replica: Replica) -> None:
        where = f"on {replica.url}" if replica.url else "without HTTP (--no-web)"
        print(f"{_PROG}: replica {replica.identity} serving {mask_url(url)} {where}; "
              f"SIGTERM stops it within {math.ceil(options.stop_bound)}s", flush=True)

    try:
        report = asyncio.run(serve(settings, options, on_ready=ready))
    except (LeadershipError, StoreError) as error:
        print(f"{_PROG}: {error}", file=sys.stderr)
        return 2
    except CannotListen as error:
        print(f"{_PROG}: {error}", file=sys.stderr)
        return 2
    print(f"{_PROG}: stopped ({report.reason}): {report.finished} units of work finished, "
          f"{report.cancelled} cancelled"
          + (f"; failed steps: {', '.join(report.failures)}" if report.failures else ""),
          flush=True)
    return 1 if report.failures else 0

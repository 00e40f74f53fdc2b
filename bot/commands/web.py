"""`upstream-bot web`: serve the dashboard, the JSON API, /metrics, /healthz and /readyz
on the settings' web host and port, over the configured database."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from aiohttp import web

from bot.commands.migrate import prepare_sqlite_directory
from bot.domain.commands import COMMANDS
from bot.service.logs import configure_logging
from bot.service.telemetry import Telemetry
from bot.settings import SettingsError, load_settings, resolve_config_path
from bot.store import Store, StoreError, mask_url, migrate, open_engine, session_factory
from bot.web.app import AccessLogger, build_web_app


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", help="listen on this address (default: [web] host)")
    parser.add_argument("--port", type=int, help="listen on this port (default: [web] port)")
    parser.add_argument("--log-level", default="INFO", help="INFO (default), DEBUG, WARNING")
    parser.add_argument(
        "--config",
        type=Path,
        help="settings file (default: $UPSTREAM_BOT_CONFIG, else config/sandbox.toml)",
    )


def run(args: argparse.Namespace) -> int:
    try:
        path = resolve_config_path(str(args.config) if args.config else None, os.environ)
        settings = load_settings(path, environ=os.environ)
        url = settings.database.url.reveal()
        prepare_sqlite_directory(url)
        engine = open_engine(url)
        migrate(engine)
    except (SettingsError, StoreError) as error:
        print(f"upstream-bot web: {error}", file=sys.stderr)
        return 2
    configure_logging(args.log_level.upper())
    # Every /readyz reads the schema version; Alembic would log that at INFO each time.
    logging.getLogger("alembic.runtime.migration").setLevel(logging.WARNING)
    host = args.host or settings.web.host
    port = args.port if args.port is not None else settings.web.port
    app = build_web_app(settings, Store(session_factory(engine)), telemetry=Telemetry(),
                        commands=COMMANDS)
    print(f"upstream-bot web: serving {mask_url(url)} on http://{host}:{port}/ "
          "(Ctrl-C stops)", file=sys.stderr, flush=True)
    try:
        web.run_app(app, host=host, port=port, print=None, access_log_class=AccessLogger)
    except OSError as error:
        print(f"upstream-bot web: cannot listen on {host}:{port}: {error.strerror}; "
              "pass --port or change [web] port", file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    return 0

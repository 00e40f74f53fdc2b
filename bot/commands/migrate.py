"""`upstream-bot migrate`: bring the database schema to the newest migration."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from bot.settings import SettingsError, load_settings, resolve_config_path
from bot.store import StoreError, head_revision, mask_url, migrate, parse_url


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config",
        type=Path,
        help="settings file (default: $UPSTREAM_BOT_CONFIG, else config/sandbox.toml)",
    )


def run(args: argparse.Namespace) -> int:
    try:
        path = resolve_config_path(str(args.config) if args.config else None, os.environ)
        url = load_settings(path, environ=os.environ).database.url.reveal()
        prepare_sqlite_directory(url)
        migrate(url)
    except (SettingsError, StoreError) as error:
        print(f"upstream-bot migrate: {error}", file=sys.stderr)
        return 2
    print(f"{mask_url(url)}: schema at {head_revision()}")
    return 0


def prepare_sqlite_directory(url: str) -> None:
    """SQLite creates the file but not its folder; make the folder of a file database."""
    parsed = parse_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)

"""`upstream-bot scan --once` and `upstream-bot status`: one scan pass stored in the configured
database (optionally over a saved sandbox world), and what the database holds."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from datetime import UTC, datetime
from pathlib import Path

from bot.app import build_forge
from bot.commands.migrate import prepare_sqlite_directory
from bot.domain.model import Target
from bot.forges.base import Forge
from bot.sandbox import gitea_api, github_api, gitlab_api, pagure_api
from bot.sandbox.faults import Faults
from bot.sandbox.server import RunningSandbox, SandboxError, start_sandbox
from bot.sandbox.world import World
from bot.service.scan import ScanSummary, scan_once
from bot.settings import Settings, SettingsError, load_settings, resolve_config_path
from bot.store import Store, StoreError, migrate, open_engine, session_factory

_APPS = {
    "gitea": gitea_api.build_app,
    "gitlab": gitlab_api.build_app,
    "pagure": pagure_api.build_app,
    "github": github_api.build_app,
}
_BOT = "upstream-bot"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--once", action="store_true", help="run one pass, then stop")
    parser.add_argument("--package", action="append", help="scan only this package (repeatable)")
    parser.add_argument("--sandbox-dir", type=Path, help="scan the sandbox world saved there")
    _config_argument(parser)


def add_status_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("package", nargs="?", help="show this package's changes")
    _config_argument(parser)


def run(args: argparse.Namespace) -> int:
    if not args.once:
        print("upstream-bot scan: scheduled scanning is not built yet; run `scan --once`",
              file=sys.stderr)
        return 2
    try:
        settings, store = _open(args)
        summary = asyncio.run(_scan(args, settings, store))
    except (SettingsError, StoreError, SandboxError) as error:
        print(f"upstream-bot scan: {error}", file=sys.stderr)
        return 2
    print_summary(summary)
    return 0


def run_status(args: argparse.Namespace) -> int:
    try:
        settings, store = _open(args)
        if args.package:
            _print_package(settings, store, args.package)
        else:
            _print_latest(store)
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


def _open(args: argparse.Namespace) -> tuple[Settings, Store]:
    path = resolve_config_path(str(args.config) if args.config else None, os.environ)
    settings = load_settings(path, environ=os.environ)
    url = settings.database.url.reveal()
    prepare_sqlite_directory(url)
    engine = open_engine(url)
    migrate(engine)
    return settings, Store(session_factory(engine))


async def _scan(args: argparse.Namespace, settings: Settings, store: Store) -> ScanSummary:
    running: RunningSandbox | None = None
    world: World | None = None
    if args.sandbox_dir is not None:
        world = await asyncio.to_thread(
            World.load, args.sandbox_dir, clock=lambda: datetime.now(UTC)
        )
        running = await start_sandbox(world, apps=_APPS, ports={}, faults=Faults())
    forges: dict[str, Forge] = {}
    try:
        for forge in settings.forges:
            kind = str(forge.type)
            if running is not None and world is not None:
                token = world.users(kind)[_BOT].token
                forges[forge.name] = build_forge(forge, url=running.urls[kind], token=token)
            else:
                forges[forge.name] = build_forge(forge)
        return await scan_once(
            settings=settings, forges=forges, store=store, now=datetime.now(UTC),
            packages=args.package,
        )
    finally:
        for adapter in forges.values():
            await adapter.close()
        if running is not None:
            await running.close()


def print_summary(summary: ScanSummary) -> None:
    print(f"scan run {summary.run_id}: {summary.packages} packages, {summary.changes} changes, "
          f"{summary.transitions} status transitions, {summary.gone} changes gone")
    targets = sorted({target for target, _ in summary.rows})
    statuses = sorted({status for _, status in summary.rows})
    print(f"{'status':<12}" + "".join(f"{t:>15}" for t in targets))
    for status in statuses:
        print(f"{status:<12}" + "".join(f"{summary.rows[(t, status)]:>15}" for t in targets))
    for package, error in sorted(summary.stale.items()):
        print(f"stale: {package}: {error}")


def _print_package(settings: Settings, store: Store, package: str) -> None:
    record = store.get_package(package)
    if record is None:
        print(f"{package}: not in the database; run `upstream-bot scan --once --package {package}`")
        return
    stale = f" (stale: {record.last_error})" if record.stale else ""
    print(f"{record.name} ({record.repo}){stale}")
    for mapping in settings.branches:
        if store.get_branch(package, mapping.downstream) is None:
            continue
        for change in store.list_changes(package, mapping.downstream):
            print(f"  {mapping.downstream} {change.record.name} [{change.record.kind}]")
            for target in Target:
                state = store.get_target_status(change.record.id, target)
                if state is not None:
                    print(f"    {target:<14} {state.status:<11} {state.reason or ''}")


def _print_latest(store: Store) -> None:
    latest = store.latest_snapshots(1)
    if not latest:
        print("no scan yet; run `upstream-bot scan --once`")
        return
    snapshot = latest[0]
    print(f"last scan {snapshot.taken_at:%Y-%m-%d %H:%M} UTC (run {snapshot.scan_run_id})")
    for label, counts in (("status", snapshot.counts.by_status),
                          ("target", snapshot.counts.by_target),
                          ("branch", snapshot.counts.by_branch)):
        print(f"  by {label}: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))

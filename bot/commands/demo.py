"""`upstream-bot demo`: a sandbox world shaped like AlmaLinux's, its forges, one scan checked
against the world's truth, then the bot served on it as `upstream-bot serve` runs (dashboard,
webhooks, jobs) until Ctrl-C; with no credentials. `--once` stops after the scan."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from bot.app import build_forge
from bot.commands import sandbox_seed
from bot.commands.demo_serve import serve_sandbox
from bot.commands.opened import SANDBOX_APPS, SANDBOX_BOT
from bot.commands.sandbox import ServeError, forge_ports
from bot.commands.scan import print_summary
from bot.domain.change import scoped_id
from bot.sandbox.faults import Faults
from bot.sandbox.seed import seed_world
from bot.sandbox.server import RunningSandbox, SandboxError, start_sandbox
from bot.sandbox.truth import Truth
from bot.sandbox.webhooks import WebhookSender
from bot.sandbox.world import World
from bot.service.inventory import Inventory
from bot.service.scan import scan_once
from bot.settings import Settings, SettingsError, load_settings, resolve_config_path
from bot.store import Store, migrate, open_engine, session_factory

_PROG = "upstream-bot demo"
#: the demo keeps its own database beside the sandbox world it scans
_DATABASE = "upstream-bot.sqlite3"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--once", action="store_true",
                        help="stop after the first scan instead of serving the bot on the sandbox")
    parser.add_argument(
        "--dir",
        type=Path,
        default=Path("var/sandbox"),
        help="where the sandbox world lives (default var/sandbox)",
    )
    parser.add_argument(
        "--packages", type=int, default=60, help="packages in a new world (default 60)"
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of a new world")
    parser.add_argument(
        "--free-ports",
        action="store_true",
        help="serve the forges on any free ports instead of the configured ones",
    )
    parser.add_argument(
        "--config",
        type=Path,
        help="settings file (default: $UPSTREAM_BOT_CONFIG, else config/sandbox.toml)",
    )


def run(args: argparse.Namespace) -> int:
    try:
        path = resolve_config_path(str(args.config) if args.config else None, os.environ)
        settings = load_settings(path, environ=os.environ)
    except SettingsError as error:
        print(f"{_PROG}: {error}", file=sys.stderr)
        return 2
    return asyncio.run(_demo(args, settings))


async def _demo(args: argparse.Namespace, settings: Settings) -> int:
    world, truth = await asyncio.to_thread(_world, args)
    try:
        ports = {} if args.free_ports else forge_ports(settings)[1]
    except ServeError as error:
        print(f"{_PROG}: {error}", file=sys.stderr)
        return 2
    try:
        # the sender has no hooks until the bot serves (after the first cycle)
        running = await start_sandbox(world, apps=SANDBOX_APPS, ports=ports, faults=Faults(),
                                      sender=WebhookSender([]))
    except SandboxError as error:
        print(f"{_PROG}: {error} (or run with --free-ports)", file=sys.stderr)
        return 2
    try:
        await _cycle(settings, world, running, truth)
        if args.once:
            return 0
        return await serve_sandbox(settings, world, running, world.root / _DATABASE)
    finally:
        await running.close()
        await asyncio.to_thread(world.save)


def _world(args: argparse.Namespace) -> tuple[World, Truth | None]:
    clock = lambda: datetime.now(UTC)  # noqa: E731 - the world's clock, read on every write
    if (args.dir / "state.json").is_file():
        world = World.load(args.dir, clock=clock)
        truth_file = args.dir / sandbox_seed.TRUTH_FILE
        truth = (
            Truth.from_json(json.loads(truth_file.read_text())) if truth_file.is_file() else None
        )
        print(f"sandbox world: {args.dir} (existing)")
        return world, truth
    now = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    args.dir.mkdir(parents=True, exist_ok=True)
    world = World(args.dir, clock=clock)
    names = sandbox_seed.read_names(sandbox_seed.default_names_csv())
    truth = seed_world(world, packages=args.packages, seed=args.seed, names=names, now=now)
    world.save()
    (args.dir / sandbox_seed.TRUTH_FILE).write_text(json.dumps(truth.to_json()) + "\n")
    print(f"sandbox world: {args.dir} (new: {args.packages} packages, seed {args.seed})")
    return world, truth


async def _cycle(
    settings: Settings, world: World, running: RunningSandbox, truth: Truth | None
) -> None:
    """One scan pass over the sandbox forges, stored in the sandbox's own database."""
    forges = {
        forge.name: build_forge(
            forge,
            url=running.urls[str(forge.type)],
            token=world.users(str(forge.type))[SANDBOX_BOT].token,
        )
        for forge in settings.forges
    }
    store = await asyncio.to_thread(_demo_store, world.root)
    started = asyncio.get_running_loop().time()
    try:
        # every cycle reads the whole world: the report below counts what it read
        summary = await scan_once(
            settings=settings, forges=forges, store=store, now=datetime.now(UTC),
            incremental=False, keep_inventory=True,
        )
    finally:
        for adapter in forges.values():
            await adapter.close()
    seconds = asyncio.get_running_loop().time() - started
    if summary.inventory is not None:
        _report(summary.inventory, truth, seconds=seconds)
    print()
    print_summary(summary)
    if truth is not None:
        agree, total = await asyncio.to_thread(_statuses_agreeing, store, truth)
        print(
            f"the seeded truth's status agrees with the stored one on {agree} of {total} "
            "(change, target) rows"
        )
    namespace = settings.downstream_forge.namespace or "rpms"
    _where_to_look(running, namespace, summary.inventory or Inventory())
    print(
        f"  UPSTREAM_BOT_DATABASE_URL=sqlite:///{world.root.resolve() / _DATABASE} "
        "upstream-bot status <package>"
    )


def _statuses_agreeing(store: Store, truth: Truth) -> tuple[int, int]:
    agree = total = 0
    for package, branch, change, target in truth.rows():
        total += 1
        state = store.get_target_status(
            scoped_id(package.name, branch.branch, change.id), target.target
        )
        agree += state is not None and state.status == target.status
    return agree, total


def _demo_store(root: Path) -> Store:
    engine = open_engine(f"sqlite:///{root / _DATABASE}")
    migrate(engine)
    return Store(session_factory(engine))


def _report(inventory: Inventory, truth: Truth | None, *, seconds: float) -> None:
    analyzed = inventory.analyzed
    changes = [c for r in analyzed for c in r.analysis.changes]  # type: ignore[union-attr]
    same = sum(r.same_as_base for r in inventory.results)
    failed = [r for r in inventory.results if r.error]
    print(
        f"\nread {inventory.packages} packages through the downstream forge's API in {seconds:.1f}s"
    )
    print(
        f"  {len(analyzed)} branches carry downstream changes, {same} are identical to "
        f"their base, {len(failed)} could not be read"
    )
    kinds = Counter(str(c.kind) for c in changes)
    upstreamable = sum(c.upstreamable for c in changes)
    print(
        f"  {len(changes)} downstream changes: {upstreamable} belong upstream, "
        f"{len(changes) - upstreamable} stay downstream (branding, signing, bookkeeping)"
    )
    print("  by kind: " + ", ".join(f"{kind} {n}" for kind, n in kinds.most_common()))
    findings = [f for r in analyzed for f in r.health.unsuppressed()]  # type: ignore[union-attr]
    errors = [f for f in findings if str(f.severity) == "error"]
    print(f"  health checks: {len(errors)} errors, {len(findings) - len(errors)} other findings")
    for finding in errors[:5]:
        print(f"    error {finding.check}: {finding.file}:{finding.line}: {finding.message}")
    if truth is not None:
        expected = {(p.name, b.branch, c.id) for p, b, c, _t in truth.rows()}
        found = {(r.package, r.branch, c.id) for r in analyzed for c in r.analysis.changes}  # type: ignore[union-attr]
        print(
            f"  the seeded truth has {len(expected)} changes; this cycle found "
            f"{len(expected & found)} of them, and {len(found - expected)} it does not list"
        )


def _where_to_look(running: RunningSandbox, namespace: str, inventory: Inventory) -> None:
    print("\nwhere to look:")
    for forge, url in running.urls.items():
        print(f"  {forge:<7} {url}")
    example = next((r for r in inventory.analyzed), None)
    if example is not None:
        print(
            f"  git clone {running.urls['gitea']}/{namespace}/{example.package}.git "
            f"&& git -C {example.package} diff origin/{example.base} origin/{example.branch}"
        )

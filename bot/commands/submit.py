"""`upstream-bot submit CHANGE_ID --target T [--dry-run]`: open the upstream merge/pull
request for one stored change now (or, with `--dry-run`, prepare and check it and say what
would be opened), optionally over a saved sandbox world."""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import UTC, datetime
from pathlib import Path

from bot.commands.opened import connected, open_store
from bot.domain.model import Target
from bot.domain.submission import SubmitOutcome, SubmitState
from bot.sandbox.server import SandboxError
from bot.service.submission import SubmitDeps, submit_change
from bot.settings import Settings, SettingsError
from bot.store import Store, StoreError

#: exit status per outcome: 1 when nothing was (or would be) opened
_EXIT = {
    SubmitState.OPENED: 0,
    SubmitState.ALREADY_OPEN: 0,
    SubmitState.PLANNED: 0,
    SubmitState.REFUSED: 1,
    SubmitState.FAILED: 1,
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "change",
        help="the stored change's id, or PACKAGE/BRANCH/FILE (e.g. bash/a9/fix.patch)",
    )
    parser.add_argument(
        "--target", required=True, choices=[str(t) for t in Target], help="where to submit it"
    )
    parser.add_argument(
        "--dry-run", action="store_true",
        help="prepare and check everything, open nothing, write nothing",
    )
    parser.add_argument("--actor", default="cli", help="who asks (recorded with the status)")
    parser.add_argument("--sandbox-dir", type=Path, help="submit on the sandbox world saved there")
    parser.add_argument(
        "--work-dir", type=Path,
        help="where temporary git work trees go (default: the database's state directory)",
    )
    parser.add_argument(
        "--config", type=Path,
        help="settings file (default: $UPSTREAM_BOT_CONFIG, else config/sandbox.toml)",
    )


def run(args: argparse.Namespace) -> int:
    try:
        settings, store = open_store(args)
        outcome = asyncio.run(_submit(args, settings, store))
    except (SettingsError, StoreError, SandboxError) as error:
        print(f"upstream-bot submit: {error}", file=sys.stderr)
        return 2
    _print(outcome)
    return _EXIT[outcome.state]


def _change_id(store: Store, given: str) -> str:
    """The id itself, or the id of PACKAGE/BRANCH/FILE's change."""
    package, _, rest = given.partition("/")
    branch, _, name = rest.partition("/")
    if not name:
        return given
    for change in store.list_changes(package, branch):
        if change.record.name == name:
            return change.record.id
    return given


async def _submit(args: argparse.Namespace, settings: Settings, store: Store) -> SubmitOutcome:
    change_id = _change_id(store, args.change)
    async with connected(args, settings, save_world=not args.dry_run) as (settings, forges):
        work = args.work_dir or Path(str(settings.database.state_dir)) / "work"
        deps = SubmitDeps(settings=settings, store=store, forges=forges, work_root=work)
        return await submit_change(
            deps, change_id, Target(args.target), actor=args.actor,
            now=datetime.now(UTC), dry_run=args.dry_run,
        )


def _print(outcome: SubmitOutcome) -> None:
    print(f"{outcome.state}: {outcome.reason}")
    details = (
        ("url", outcome.url),
        ("draft", "yes" if outcome.draft and outcome.state is not SubmitState.REFUSED else None),
        ("branch", outcome.branch),
        ("into", outcome.target_branch),
        ("files", ", ".join(outcome.files) or None),
    )
    for label, value in details:
        if value:
            print(f"  {label}: {value}")
    for check in outcome.checks:
        print(f"  checked: {check}")

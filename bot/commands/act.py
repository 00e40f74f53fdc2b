"""`upstream-bot act [--dry-run] [--package P]`: one pass of acting on the changes still owed
upstream (reminders, merge requests), printing the plan, what became of each action, and
why the other changes wait."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from bot.commands.opened import connected, open_store
from bot.domain.policy import Reason
from bot.sandbox.server import SandboxError
from bot.service.act import ActReport, act_once
from bot.settings import Settings, SettingsError
from bot.store import Store, StoreError

_WAITING_SHOWN = 20


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--dry-run", action="store_true",
        help="decide and print the plan; write nothing to any forge",
    )
    parser.add_argument(
        "--package", action="append", metavar="P",
        help="only this package's changes (repeatable); the caps still count every package",
    )
    parser.add_argument(
        "--all-reasons", action="store_true",
        help="print every waiting change's reason, not only the first "
        f"{_WAITING_SHOWN}",
    )
    parser.add_argument("--sandbox-dir", type=Path, help="act on the sandbox world saved there")
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
        report = asyncio.run(_act(args, settings, store))
    except (SettingsError, StoreError, SandboxError) as error:
        print(f"upstream-bot act: {error}", file=sys.stderr)
        return 2
    _print(report, store, all_reasons=args.all_reasons)
    return 0


async def _act(args: argparse.Namespace, settings: Settings, store: Store) -> ActReport:
    async with connected(args, settings, save_world=not args.dry_run) as (settings, forges):
        work = args.work_dir or Path(str(settings.database.state_dir)) / "work"
        return await act_once(
            settings=settings, store=store, forges=forges, now=datetime.now(UTC),
            work_root=work, packages=args.package, dry_run=args.dry_run,
        )


def _print(report: ActReport, store: Store, *, all_reasons: bool) -> None:
    actions = report.decision.actions
    mode = "dry run: nothing is written to any forge" if report.dry_run else "for real"
    print(f"act at {report.now:%Y-%m-%d %H:%M} UTC ({mode}): {len(actions)} action"
          f"{'s' if len(actions) != 1 else ''}")
    for action in actions:
        outcome = report.executed.outcomes.get(action.key)
        if report.dry_run:
            result = "would do"
        elif outcome is None:
            result = "already done"
        else:
            result = f"{outcome.state}: {outcome.reason}" + (
                f" {outcome.url}" if outcome.url and outcome.url not in outcome.reason else "")
        where = f"{action.target} {action.target_branch}" if action.target_branch else action.target
        print(f"  {action.kind:<11} {action.package} {action.branch} {action.name} -> {where}")
        print(f"              why: {action.reason}")
        print(f"              {result}")
    waiting = [r for r in report.decision.reasons if r.action_key is None
               or r.action_key not in {a.key for a in actions}]
    if waiting:
        counts = Counter(str(r.why) for r in waiting)
        print(f"waiting: {len(waiting)} ("
              + ", ".join(f"{why} {n}" for why, n in counts.most_common()) + ")")
        names = _names(store, waiting)
        shown = waiting if all_reasons else waiting[:_WAITING_SHOWN]
        for reason in shown:
            print(f"  {names.get(reason.change_id, reason.change_id)} -> {reason.target}: "
                  f"[{reason.why}] {reason.text}")
        if len(shown) < len(waiting):
            print(f"  ... and {len(waiting) - len(shown)} more (--all-reasons)")
    if report.refreshed:
        verb = "would be updated" if report.dry_run else "updated"
        print(f"tracking issues {verb}: {', '.join(report.refreshed)}")


def _names(store: Store, reasons: list[Reason]) -> dict[str, str]:
    wanted = {r.change_id for r in reasons}
    return {
        t.change.record.id: f"{t.change.package} {t.change.branch} {t.change.record.name}"
        for t in store.acting.tracked_changes()
        if t.change.record.id in wanted
    }

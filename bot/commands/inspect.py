"""`upstream-bot inspect`: the identity and declarations of patch files."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.commands.output import write_json, write_table
from bot.commands.rules import add_rules_arguments, rules_from_args
from bot.ingest.inspect_patch import PatchReport, inspect_patch
from bot.settings import SettingsError

#: A patch bigger than this is surely not a patch (or not one a packager reviews).
MAX_PATCH_BYTES = 64 * 1024 * 1024


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("patches", nargs="+", type=Path, metavar="PATCH", help="patch files")
    parser.add_argument("--json", action="store_true", help="one JSON object per line per patch")
    add_rules_arguments(parser)


def run(args: argparse.Namespace) -> int:
    try:
        rules = rules_from_args(args).classifier
    except SettingsError as error:
        print(f"upstream-bot inspect: {error}", file=sys.stderr)
        return 2
    reports: list[PatchReport] = []
    failed = False
    for path in args.patches:
        data = _read(path)
        if data is None:
            failed = True
            continue
        report = inspect_patch(data, path=str(path), rules=rules)
        for warning in report.header.warnings:
            print(f"warning: {path}: {warning}", file=sys.stderr)
        if args.json:
            write_json(sys.stdout, report.to_json())
        reports.append(report)
    if not args.json and reports:
        rows = [
            (
                r.path,
                r.patch_id[:12] if r.patch_id else "(none)",
                r.header.declared_status,
                r.kind,
                ", ".join(r.header.cves) or ", ".join(ref.value for ref in r.header.references[:2]),
            )
            for r in reports
        ]
        write_table(sys.stdout, ("patch", "patch id", "declared", "kind", "references"), rows)
    return 1 if failed else 0


def _read(path: Path) -> bytes | None:
    try:
        size = path.stat().st_size
        if size > MAX_PATCH_BYTES:
            print(
                f"upstream-bot inspect: {path}: {size} bytes, over the {MAX_PATCH_BYTES} limit; "
                "skipped",
                file=sys.stderr,
            )
            return None
        return path.read_bytes()
    except OSError as error:
        print(f"upstream-bot inspect: {path}: {error.strerror}", file=sys.stderr)
        return None

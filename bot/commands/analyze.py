"""`upstream-bot analyze`: the changes a downstream dist-git tree makes to its base."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.commands.output import write_json, write_table
from bot.commands.rules import add_rules_arguments, rules_from_args
from bot.ingest.analyze import Analysis, analyze_trees
from bot.ingest.distgit import DistGitError
from bot.service.local_tree import LocalTreeError, read_local_tree
from bot.settings import SettingsError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--base", required=True, type=Path, help="the base dist-git tree (e.g. a c9s checkout)"
    )
    parser.add_argument(
        "--downstream", required=True, type=Path, help="the downstream dist-git tree"
    )
    parser.add_argument("--package", help="package name, when a tree holds several spec files")
    parser.add_argument("--json", action="store_true", help="one JSON object on standard output")
    add_rules_arguments(parser)


def run(args: argparse.Namespace) -> int:
    try:
        base = read_local_tree(args.base)
        downstream = read_local_tree(args.downstream)
        analysis = analyze_trees(
            base.files,
            downstream.files,
            rules=rules_from_args(args),
            package=args.package,
            base_label=str(args.base),
            downstream_label=str(args.downstream),
        )
    except (LocalTreeError, DistGitError, SettingsError) as error:
        print(f"upstream-bot analyze: {error}", file=sys.stderr)
        return 2
    for warning in (*base.warnings, *downstream.warnings, *analysis.warnings):
        print(f"warning: {warning}", file=sys.stderr)
    if args.json:
        write_json(sys.stdout, analysis.to_json())
    else:
        print_analysis(analysis)
    return 0


def print_analysis(analysis: Analysis) -> None:
    out = sys.stdout
    out.write(
        f"{analysis.package}: {len(analysis.changes)} downstream changes "
        f"({analysis.layout} layout)\n\n"
    )
    rows = [
        (
            c.id[:10],
            c.type,
            c.operation,
            c.kind,
            "yes" if c.upstreamable else "no",
            c.declared_status if c.declared_status != "none" else "",
            c.name + (" (file missing)" if c.missing_file else ""),
            c.evidence[0] if c.evidence else "",
        )
        for c in analysis.changes
    ]
    write_table(
        out, ("id", "type", "operation", "kind", "upstream?", "declared", "name", "why"), rows
    )

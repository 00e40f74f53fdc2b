"""`upstream-bot lint`: the health checks over a downstream dist-git tree and its base."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from bot.commands.output import write_json
from bot.commands.rules import add_rules_arguments, rules_from_args
from bot.domain.distgit_model import DistGit
from bot.domain.health import HealthReport, Suppression, run_checks
from bot.domain.model import Severity
from bot.ingest.distgit import DistGitError, read_distgit
from bot.service.local_tree import LocalTreeError, read_local_tree
from bot.settings import SettingsError, load_settings, resolve_config_path

#: exit status when an unsuppressed error remains; 2 is taken by unreadable input
EXIT_FINDINGS = 1
EXIT_UNREADABLE = 2


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--base", required=True, type=Path, help="the base dist-git tree (e.g. a c9s checkout)"
    )
    parser.add_argument(
        "--downstream", required=True, type=Path, help="the downstream dist-git tree"
    )
    parser.add_argument(
        "--previous-base",
        type=Path,
        help="the base of the previous import; enables the upstream-fix-reverted check",
    )
    parser.add_argument("--package", help="package name, when a tree holds several spec files")
    parser.add_argument(
        "--branch", help="downstream branch (e.g. a9), for suppressions limited to one branch"
    )
    parser.add_argument("--json", action="store_true", help="one JSON object on standard output")
    add_rules_arguments(parser)


def run(args: argparse.Namespace) -> int:
    try:
        rules = rules_from_args(args)
        suppressions = _suppressions(args)
        base = _read(args.base, "base", args.package)
        downstream = _read(args.downstream, "downstream", args.package or base.package)
        previous = (
            _read(args.previous_base, "previous base", args.package or base.package)
            if args.previous_base
            else None
        )
    except (LocalTreeError, DistGitError, SettingsError) as error:
        print(f"upstream-bot lint: {error}", file=sys.stderr)
        return EXIT_UNREADABLE
    report = run_checks(
        base,
        downstream,
        rules=rules,
        suppressions=suppressions,
        previous_base=previous,
        branch=args.branch,
    )
    if args.json:
        write_json(sys.stdout, report.to_json())
    else:
        print_report(report)
    return EXIT_FINDINGS if report.has_errors else 0


def _suppressions(args: argparse.Namespace) -> tuple[Suppression, ...]:
    path = resolve_config_path(str(args.config) if args.config else None, os.environ)
    return load_settings(path, environ=os.environ).health.suppressions


def _read(root: Path, what: str, package: str | None) -> DistGit:
    tree = read_local_tree(root)
    for warning in tree.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    git = read_distgit(tree.files, where=str(root), package=package)
    for warning in git.warnings:
        print(f"warning: {what}: {warning}", file=sys.stderr)
    return git


def print_report(report: HealthReport) -> None:
    """A summary line, then one row per finding; messages are never cut, hints follow them."""
    out = sys.stdout
    counts = {severity: len(report.unsuppressed(severity)) for severity in Severity}
    silenced = sum(1 for finding in report.findings if finding.suppressed)
    out.write(
        f"{report.package}: {_count(counts[Severity.ERROR], 'error')}, "
        f"{_count(counts[Severity.WARNING], 'warning')}, {_count(counts[Severity.INFO], 'note')}"
        + (f" ({silenced} suppressed)" if silenced else "")
        + "\n"
    )
    rows = [
        (
            str(finding.severity) + (" (suppressed)" if finding.suppressed else ""),
            finding.check,
            f"{finding.file}:{finding.line}" if finding.line else finding.file,
            finding,
        )
        for finding in report.findings
    ]
    if rows:
        widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(_HEADERS[:3])]
        header = "  ".join(h.ljust(w) for h, w in zip(_HEADERS, widths, strict=False))
        out.write(f"\n{header}  {_HEADERS[3]}\n")
        for *cells, finding in rows:
            lead = "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True))
            out.write(f"{lead}  {finding.message}\n")
            hint = finding.reason if finding.suppressed else finding.hint
            label = "suppressed because" if finding.suppressed else "fix"
            out.write(f"{' ' * len(lead)}  {label}: {hint}\n")
    for note in report.notes:
        out.write(f"note: {note}\n")


_HEADERS = ("severity", "check", "where", "message")


def _count(number: int, word: str) -> str:
    return f"{number} {word}{'' if number == 1 else 's'}"

"""`upstream-bot analyze-autopatch`: the changes an AlmaLinux-style autopatch config declares."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path

from bot.commands.analyze import print_analysis
from bot.commands.output import write_json, write_table
from bot.commands.rules import add_rules_arguments, rules_from_args
from bot.ingest.analyze import analyze_trees
from bot.ingest.autopatch.analysis import ConfigAnalysis, apply_to_tree, changes_from_config
from bot.ingest.autopatch.model import AutopatchError
from bot.ingest.autopatch.parse import parse_config
from bot.ingest.distgit import DistGitError
from bot.service.local_tree import LocalTreeError, read_local_tree
from bot.settings import SettingsError


class ConfigNotFoundError(ValueError):
    """A directory without a config file the command can pick."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "directory", type=Path, metavar="DIR", help="an autopatch checkout: config.yaml and files/"
    )
    parser.add_argument(
        "--base",
        type=Path,
        help="apply the config to this base dist-git tree and analyze the result",
    )
    parser.add_argument("--package", help="package name, when the base holds several specs")
    parser.add_argument("--json", action="store_true", help="one JSON object on standard output")
    add_rules_arguments(parser)


def run(args: argparse.Namespace) -> int:
    try:
        rules = rules_from_args(args)
        config_path = find_config(args.directory)
        config = parse_config(config_path.read_bytes(), path=str(config_path))
        files_dir = args.directory / "files"
        files = read_local_tree(files_dir).files if files_dir.is_dir() else {}
        if args.base is None:
            analysis = changes_from_config(config, files, rules=rules, path=str(config_path))
            _emit(args, analysis)
            return 0
        base = read_local_tree(args.base)
        applied = apply_to_tree(
            config,
            files,
            base.files,
            package=args.package,
            el_version=args.dist_version,
            changelog_date=datetime.now(UTC).strftime("%a %b %d %Y"),
        )
        for problem in applied.problems:
            print(f"warning: {config_path}: {problem}", file=sys.stderr)
        result = analyze_trees(
            base.files,
            applied.files,
            rules=rules,
            package=args.package,
            base_label=str(args.base),
            downstream_label=str(config_path),
        )
    except (
        ConfigNotFoundError,
        AutopatchError,
        LocalTreeError,
        DistGitError,
        SettingsError,
    ) as error:
        print(f"upstream-bot analyze-autopatch: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        print(
            f"upstream-bot analyze-autopatch: {error.filename}: {error.strerror}", file=sys.stderr
        )
        return 2
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if args.json:
        write_json(sys.stdout, result.to_json())
    else:
        print_analysis(result)
    return 0


def find_config(directory: Path) -> Path:
    """`config.yaml`, or the only `*.yaml` of the directory."""
    if not directory.is_dir():
        raise ConfigNotFoundError(f"{directory}: no such directory")
    default = directory / "config.yaml"
    if default.is_file():
        return default
    candidates = sorted(directory.glob("*.y*ml"))
    if len(candidates) == 1:
        return candidates[0]
    found = ", ".join(p.name for p in candidates) or "none"
    raise ConfigNotFoundError(
        f"{directory}: expected config.yaml (or a single .yaml file); found {found}"
    )


def _emit(args: argparse.Namespace, analysis: ConfigAnalysis) -> None:
    for warning in analysis.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if args.json:
        write_json(sys.stdout, analysis.to_json())
        return
    sys.stdout.write(f"{len(analysis.changes)} declared changes\n\n")
    rows = [
        (
            c.id[:10],
            c.type,
            c.operation,
            c.kind,
            "yes" if c.upstreamable else "no",
            c.name + (" (file missing)" if c.missing_file else ""),
            f"line {c.line}",
        )
        for c in analysis.changes
    ]
    write_table(sys.stdout, ("id", "type", "operation", "kind", "upstream?", "name", "where"), rows)

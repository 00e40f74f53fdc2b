"""The command line: parses arguments and hands each subcommand to its function."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot import __version__
from bot.commands import (
    act,
    analyze,
    analyze_autopatch,
    check_config,
    demo,
    inspect,
    lint,
    migrate,
    sandbox,
    scan,
    serve,
    submit,
)
from bot.commands import digest as digest_command
from bot.commands import web as web_command


@dataclass(frozen=True, slots=True)
class Subcommand:
    """One `upstream-bot <name>` entry: how to add its arguments and what runs it."""

    name: str
    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]


def build_subcommands() -> list[Subcommand]:
    """The explicit list of subcommands; nothing registers itself on import."""
    return [
        Subcommand(
            "analyze",
            "List the changes a downstream dist-git tree makes to its base.",
            analyze.add_arguments,
            analyze.run,
        ),
        Subcommand(
            "analyze-autopatch",
            "List the changes an autopatch config declares (or makes, applied to --base).",
            analyze_autopatch.add_arguments,
            analyze_autopatch.run,
        ),
        Subcommand(
            "inspect",
            "Show the patch id, declared upstream status and references of patch files.",
            inspect.add_arguments,
            inspect.run,
        ),
        Subcommand(
            "lint",
            "Run the downstream health checks on a downstream dist-git tree and its base.",
            lint.add_arguments,
            lint.run,
        ),
        Subcommand(
            "demo",
            "Seed a sandbox world, start its forges, and run the bot's main job on it.",
            demo.add_arguments,
            demo.run,
        ),
        Subcommand(
            "migrate",
            "Create or upgrade the database schema (also done at every start).",
            migrate.add_arguments,
            migrate.run,
        ),
        Subcommand(
            "check-config",
            "Validate the settings and reach the database, every forge and the SMTP server.",
            check_config.add_arguments,
            check_config.run,
        ),
        Subcommand(
            "scan",
            "Scan every package's downstream changes and their upstream status (--once).",
            scan.add_arguments,
            scan.run,
        ),
        Subcommand(
            "status",
            "Print the stored inventory: the last scan's counts, or one package's changes.",
            scan.add_status_arguments,
            scan.run_status,
        ),
        Subcommand(
            "digest",
            "Write one week's digest emails to files for review (--preview), or send them.",
            digest_command.add_arguments,
            digest_command.run,
        ),
        Subcommand(
            "submit",
            "Open the upstream merge/pull request for one change now (or --dry-run it).",
            submit.add_arguments,
            submit.run,
        ),
        Subcommand(
            "act",
            "Remind owners and open upstream merge requests as the policy says (--dry-run).",
            act.add_arguments,
            act.run,
        ),
        Subcommand(
            "sandbox",
            "The local sandbox forges: seed a world, serve it on the configured ports.",
            sandbox.add_arguments,
            sandbox.run,
        ),
        Subcommand(
            "serve",
            "Run the bot: dashboard, webhooks, inbox workers, and the scheduled jobs when leading.",
            serve.add_arguments,
            serve.run,
        ),
        Subcommand(
            "web",
            "Serve the dashboard, the JSON API, /metrics, /healthz and /readyz.",
            web_command.add_arguments,
            web_command.run,
        ),
    ]


def build_parser(subcommands: Sequence[Subcommand]) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="upstream-bot",
        description="Inventory downstream changes and get them upstream.",
    )
    parser.add_argument("--version", action="version", version=f"upstream-bot {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for command in subcommands:
        command_parser = sub.add_parser(command.name, help=command.help, description=command.help)
        command.add_arguments(command_parser)
        command_parser.set_defaults(run=command.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser(build_subcommands())
    args = parser.parse_args(argv)
    if not hasattr(args, "run"):
        parser.print_help(sys.stderr)
        return 2
    return int(args.run(args))

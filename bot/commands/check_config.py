"""`upstream-bot check-config`: validate the settings, then reach the database, every forge and
the SMTP server read-only, one line per check; exit status 1 when any check failed."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TextIO

from bot.app import build_forge
from bot.forges.base import Forge
from bot.service.preflight import (
    CheckResult,
    Outcome,
    check_database,
    check_forge,
    check_smtp,
)
from bot.settings import Settings, SettingsError, load_settings, resolve_config_path
from bot.store.errors import MASK, scrub


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config",
        type=Path,
        help="settings file (default: $UPSTREAM_BOT_CONFIG, else config/sandbox.toml)",
    )


def run(args: argparse.Namespace) -> int:
    path = resolve_config_path(str(args.config) if args.config else None, os.environ)
    try:
        settings = load_settings(path, environ=os.environ)
    except SettingsError as error:
        print_results([CheckResult("settings", Outcome.FAIL, str(error))], settings=None)
        return 1
    results = [CheckResult("settings", Outcome.OK, describe(settings))]
    results += asyncio.run(run_checks(settings))
    print_results(results, settings=settings)
    return 1 if any(result.outcome is Outcome.FAIL for result in results) else 0


def describe(settings: Settings) -> str:
    mode = "dry-run" if settings.policy.dry_run else "acting for real"
    return (
        f"{settings.source}: {len(settings.forges)} forges, {len(settings.targets)} targets, "
        f"{len(settings.branches)} branch mappings, {mode}"
    )


async def run_checks(
    settings: Settings, *, forges: Mapping[str, Forge] | None = None
) -> list[CheckResult]:
    """The database, each forge (through `forges`, else adapters built from the settings)
    and the SMTP server, checked at once; results in that order."""
    built = {} if forges is not None else {f.name: build_forge(f) for f in settings.forges}
    adapters = forges if forges is not None else built
    try:
        return list(
            await asyncio.gather(
                check_database(settings.database),
                *(check_forge(forge, adapters[forge.name]) for forge in settings.forges),
                check_smtp(settings.digest),
            )
        )
    finally:
        for adapter in built.values():
            await adapter.close()


def print_results(
    results: Sequence[CheckResult], *, settings: Settings | None, stream: TextIO | None = None
) -> None:
    """One line per check (a multi-line reason indented below it), secrets masked."""
    out = stream or sys.stdout
    width = max(len(result.name) for result in results)
    for result in results:
        first, *rest = redact(result.detail, settings).splitlines() or [""]
        out.write(f"{result.outcome:<4}  {result.name:<{width}}  {first}\n")
        for line in rest:
            out.write(f"      {'':<{width}}  {line}\n")


def redact(text: str, settings: Settings | None) -> str:
    """`text` with every secret the settings hold replaced by the mask (error messages from
    libraries are not trusted to leave them out)."""
    if settings is None:
        return text
    text = scrub(text, settings.database.url.reveal())
    for secret in _secrets(settings):
        if secret:
            text = text.replace(secret, MASK)
    return text


def _secrets(settings: Settings) -> Iterable[str]:
    for forge in settings.forges:
        for secret in (forge.token, forge.webhook_secret):
            if secret is not None:
                yield secret.reveal()
    if settings.digest is not None and settings.digest.smtp_password is not None:
        yield settings.digest.smtp_password.reveal()

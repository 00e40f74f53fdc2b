"""Builds the analysis rules of the configured distribution for the offline commands."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from bot.domain.rules import AnalysisRules
from bot.settings import Settings, load_settings, resolve_config_path


def add_rules_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config",
        type=Path,
        help="settings file (default: $UPSTREAM_BOT_CONFIG, else config/sandbox.toml)",
    )
    parser.add_argument(
        "--dist-version",
        default="10",
        metavar="N",
        help="major version the downstream defines its macros to, for %%if guards (default 10)",
    )


def rules_from_args(args: argparse.Namespace) -> AnalysisRules:
    """Raises SettingsError (with every problem) when the settings file is not valid."""
    path = resolve_config_path(str(args.config) if args.config else None, os.environ)
    return rules_from_settings(load_settings(path, environ=os.environ), version=args.dist_version)


def rules_from_settings(settings: Settings, *, version: str = "10") -> AnalysisRules:
    """The analysis rules of the configured distribution."""
    distribution = settings.distribution
    return AnalysisRules.for_distribution(
        name=distribution.name,
        guard_macro=distribution.guard_macro,
        release_suffix=distribution.release_suffix,
        words=distribution.words,
        vendor_words=distribution.vendor_words,
        version=version,
    )

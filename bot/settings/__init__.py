"""Deployment settings: typed and frozen, read from a TOML file, secrets only from the environment.

`parse_settings` is pure (a mapping and an environment in, Settings or SettingsError out);
`load_settings` adds the file; `resolve_config_path` picks the file. Nothing here runs at
import time.
"""

from bot.settings.errors import Problem, SettingsError
from bot.settings.load import CONFIG_ENV, load_settings, resolve_config_path
from bot.settings.parse import parse_settings
from bot.settings.schema import (
    BranchMapping,
    DatabaseSettings,
    DigestSettings,
    DistributionSettings,
    ForgeRole,
    ForgeSettings,
    ForgeType,
    HealthSettings,
    PolicySettings,
    ScanSettings,
    Settings,
    SmtpTls,
    TargetBranch,
    TargetSettings,
    WebSettings,
    Weekday,
)
from bot.settings.secret import Secret
from bot.settings.sections import DATABASE_URL_ENV
from bot.settings.values import parse_duration

__all__ = [
    "CONFIG_ENV",
    "DATABASE_URL_ENV",
    "BranchMapping",
    "DatabaseSettings",
    "DigestSettings",
    "DistributionSettings",
    "ForgeRole",
    "ForgeSettings",
    "ForgeType",
    "HealthSettings",
    "PolicySettings",
    "Problem",
    "ScanSettings",
    "Secret",
    "Settings",
    "SettingsError",
    "SmtpTls",
    "TargetBranch",
    "TargetSettings",
    "WebSettings",
    "Weekday",
    "load_settings",
    "parse_duration",
    "parse_settings",
    "resolve_config_path",
]

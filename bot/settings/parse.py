"""Turns a TOML mapping into Settings, collecting every problem; pure: no files, no os.environ."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from bot.settings.branches import parse_branches
from bot.settings.chatops import parse_chatops
from bot.settings.errors import Problems
from bot.settings.forges import parse_forges, parse_targets
from bot.settings.health import parse_health
from bot.settings.owners import parse_owners
from bot.settings.schema import ForgeRole, ForgeSettings, ForgeType, Settings
from bot.settings.sections import (
    DATABASE_URL_ENV,
    parse_database,
    parse_digest,
    parse_distribution,
    parse_policy,
    parse_scan,
    parse_web,
)
from bot.settings.table import Table
from bot.settings.values import is_secret_key, quote


def parse_settings(
    data: Mapping[str, Any],
    *,
    source: str,
    environ: Mapping[str, str],
    known_timezones: Collection[str] | None = None,
) -> Settings:
    """Validate `data` (a parsed TOML document) and read secrets from `environ`.

    `source` names the file in messages. `known_timezones`, when given, is the set of
    valid IANA names (the caller reads it from the system); otherwise only the shape of
    the name is checked. Raises SettingsError listing every problem found.
    """
    problems = Problems(source)
    # TOML keys are always text; a mapping built in code may not be, and nothing below
    # could name such a key in a message.
    _non_text_keys(data, path="", problems=problems)
    problems.raise_if_any()
    _literal_secrets(data, path="", problems=problems, root=data)
    top = Table(data, path="", problems=problems)
    distribution = parse_distribution(top)
    database = parse_database(top, environ=environ)
    forges = parse_forges(top, environ=environ, username=distribution.bot_username)
    targets = parse_targets(top, forges=forges)
    branches = parse_branches(top, targets=targets)
    scan = parse_scan(top)
    policy = parse_policy(top)
    digest = parse_digest(top, environ=environ, known_timezones=known_timezones)
    web = parse_web(top)
    health = parse_health(top)
    chatops = parse_chatops(top)
    owners = parse_owners(top)
    top.finish()
    _check_roles(forges, problems)
    for index, name in enumerate(policy.auto_submit or ()):
        if name not in targets:
            problems.add(
                f"policy.auto_submit[{index}]",
                f"target {name} is not defined",
                f"add [targets.{name}] or remove it from auto_submit",
            )
    for owner in owners:
        for forge, _ in owner.usernames:
            if forges and forge not in forges:
                problems.add(
                    f"owners.{owner.username}.usernames.{forge}",
                    f"no forge is called {quote(forge)}",
                    f"use one of: {', '.join(forges)}",
                )
    problems.raise_if_any()
    return Settings(
        source=source,
        distribution=distribution,
        database=database,
        forges=tuple(forges.values()),
        targets=tuple(targets.values()),
        branches=tuple(branches),
        scan=scan,
        policy=policy,
        digest=digest,
        web=web,
        health=health,
        chatops=chatops,
        owners=owners,
    )


def _check_roles(forges: Mapping[str, ForgeSettings], problems: Problems) -> None:
    """Exactly one downstream forge and at most one autopatch forge."""
    downstream = [name for name, forge in forges.items() if forge.role is ForgeRole.DOWNSTREAM]
    autopatch = [name for name, forge in forges.items() if forge.role is ForgeRole.AUTOPATCH]
    if forges and not downstream:
        problems.add(
            "forges",
            'no forge has role = "downstream"',
            'set role = "downstream" on the forge that hosts the distribution\'s dist-git',
        )
    for name in downstream[1:]:
        problems.add(
            f"forges.{name}.role",
            f"a second downstream forge (the first is {quote(downstream[0])})",
            "keep one downstream forge; the bot tracks one distribution",
        )
    for name in autopatch[1:]:
        problems.add(
            f"forges.{name}.role",
            f"a second autopatch forge (the first is {quote(autopatch[0])})",
            "keep one autopatch forge",
        )


def _non_text_keys(node: Any, *, path: str, problems: Problems) -> None:
    items = (
        node.items()
        if isinstance(node, Mapping)
        else enumerate(node)
        if isinstance(node, list)
        else ()
    )
    for key, value in items:
        if isinstance(node, Mapping) and not isinstance(key, str):
            problems.add(
                path or "(top)",
                f"has a key {key!r} that is not text",
                "write keys as names, as TOML does",
            )
            continue
        here = f"{path}[{key}]" if isinstance(node, list) else f"{path}.{key}" if path else key
        _non_text_keys(value, path=here, problems=problems)


def _literal_secrets(
    data: Mapping[str, Any], *, path: str, problems: Problems, root: Mapping[str, Any]
) -> None:
    """Report any key anywhere that holds a credential; its value is never repeated."""
    for key, value in data.items():
        here = f"{path}.{key}" if path else str(key)
        if is_secret_key(str(key)):
            problems.add(here, "a secret is written in the config file", _secret_fix(here, root))
        elif isinstance(value, Mapping):
            _literal_secrets(value, path=here, problems=problems, root=root)
        elif isinstance(value, list):
            for index, item in enumerate(value):
                if isinstance(item, Mapping):
                    _literal_secrets(item, path=f"{here}[{index}]", problems=problems, root=root)


def _secret_fix(path: str, root: Mapping[str, Any]) -> str:
    parts = path.split(".")
    hook = "secret" in parts[-1].lower() and parts[0] == "forges"
    if parts[0] == "forges" and len(parts) >= 3:
        forge = root.get("forges", {}).get(parts[1], {})
        kind = forge.get("type") if isinstance(forge, Mapping) else None
        known = kind in tuple(ForgeType)
        word = (kind if known and isinstance(kind, str) else parts[1]).upper()
        word = word.replace("-", "_")
        variable = f"UPSTREAM_BOT_{word}_{'WEBHOOK_SECRET' if hook else 'TOKEN'}"
        setting = "webhook_secret_env" if hook else "token_env"
    elif parts[0] == "digest":
        variable, setting = "UPSTREAM_BOT_SMTP_PASSWORD", "smtp_password_env"
    elif parts[0] == "database":
        return f"remove it and put the whole database URL in {DATABASE_URL_ENV}"
    else:
        return "remove it and pass the secret through the environment"
    return (
        f'remove it, set {variable} in the environment and write {setting} = "{variable}"; '
        "tokens never go in config files"
    )

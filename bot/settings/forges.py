"""The [forges.<name>] and [targets.<name>] sections, and which forge each target may use."""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from bot.domain.model import Target
from bot.settings.schema import (
    ForgeRole,
    ForgeSettings,
    ForgeType,
    TargetSettings,
)
from bot.settings.sections import read_secret
from bot.settings.table import Table
from bot.settings.values import (
    Invalid,
    choice,
    duration,
    env_name,
    integer,
    quote,
    suggest,
    text,
    url,
)

#: The most items one page of each API returns (Gitea's default MAX_RESPONSE_ITEMS is 50).
PAGE_CAP = {
    ForgeType.GITEA: 50,
    ForgeType.GITLAB: 100,
    ForgeType.PAGURE: 100,
    ForgeType.GITHUB: 100,
}
_API_PATH = {
    ForgeType.GITEA: "/api/v1",
    ForgeType.GITLAB: "/api/v4",
    ForgeType.PAGURE: "/api/0",
    ForgeType.GITHUB: "/api/v3",
}
_NAME = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
_NAMESPACE = re.compile(r"[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*")
_URL_PATH = re.compile(r"(/[A-Za-z0-9._~-]+)+/?")
_SUBMIT_FIELDS = ("package", "change", "target_branch")
#: Which role the forge of each target must have.
_TARGET_ROLE = {
    Target.CENTOS_STREAM: ForgeRole.TARGET,
    Target.FEDORA: ForgeRole.TARGET,
    Target.PROJECT: ForgeRole.PROJECT,
}


def parse_forges(
    top: Table, *, environ: Mapping[str, str], username: str | None
) -> dict[str, ForgeSettings]:
    """Every forge by name; a forge with problems is still listed so references to it resolve."""
    forges = top.table("forges", example="[forges.<name>]")
    if forges is None:
        top.problem("forges", "is missing", "add a [forges.<name>] table for each forge")
        return {}
    found = {}
    for name in forges.data:
        table = forges.table(name, example=f"[forges.{name}]")
        if not _NAME.fullmatch(name):
            forges.problem(
                name,
                f"{quote(name)} is not a forge name",
                'use lower-case words joined by -, e.g. "centos-stream"',
            )
        if table is not None:
            found[name] = _parse_forge(table, name=name, environ=environ, username=username)
    forges.finish()
    return found


def _parse_forge(
    table: Table, *, name: str, environ: Mapping[str, str], username: str | None
) -> ForgeSettings:
    kind = table.require("type", choice(ForgeType), example='"gitea"')
    role = table.require("role", choice(ForgeRole), example='"downstream"')
    base = table.require(
        "url", url(example='"https://git.example.org"'), example='"https://git.example.org"'
    )
    api = _api_url(table, kind, base)
    namespace = _namespace(table, kind, role)
    type_word = (kind or name).upper().replace("-", "_")
    token_env = table.optional("token_env", env_name(example=f"UPSTREAM_BOT_{type_word}_TOKEN"))
    hook_env = table.optional(
        "webhook_secret_env", env_name(example=f"UPSTREAM_BOT_{type_word}_WEBHOOK_SECRET")
    )
    cap = PAGE_CAP.get(kind, 100)
    page_size = table.get("page_size", integer(minimum=1, maximum=cap), default=cap)
    forge = ForgeSettings(
        name=name,
        type=kind,
        role=role,
        url=base,
        api_url=api,
        namespace=namespace,
        username=table.get(
            "username", text(example='"upstream-bot"'), default=username or "upstream-bot"
        ),
        token=None
        if token_env is None
        else read_secret(table, "token_env", token_env, environ=environ, what="token"),
        webhook_secret=None
        if hook_env is None
        else read_secret(table, "webhook_secret_env", hook_env, environ=environ, what="secret"),
        concurrency=table.get("concurrency", integer(minimum=1, maximum=64), default=4),
        requests_per_hour=table.get(
            "requests_per_hour", integer(minimum=1, maximum=1_000_000), default=3600
        ),
        timeout=table.get(
            "timeout",
            duration(minimum=timedelta(seconds=1), maximum=timedelta(minutes=10)),
            default=timedelta(seconds=30),
        ),
        page_size=page_size,
    )
    table.finish()
    return forge


def _api_url(table: Table, kind: ForgeType | None, base: str | None) -> str:
    """`api_url` as written (absolute, or a path on `url`), else the type's usual API root."""
    value = table.raw("api_url")
    if isinstance(value, str) and value.startswith("/"):
        if _URL_PATH.fullmatch(value) is None:
            table.problem(
                "api_url", f"{quote(value)} is not a URL path", 'write "/api/v1" or a full URL'
            )
        return f"{base}{value.rstrip('/')}"
    if table.has("api_url"):
        return table.get(
            "api_url", url(example='"https://api.github.com" or "/api/v1"'), default=""
        )
    if kind is ForgeType.GITHUB and base == "https://github.com":
        return "https://api.github.com"
    return f"{base}{_API_PATH.get(kind, '') if kind else ''}"


def _namespace(table: Table, kind: ForgeType | None, role: ForgeRole | None) -> str | None:
    example = '"rpms"'
    namespace = table.optional(
        "namespace", text(example=example, pattern=_NAMESPACE, expected="an org or group path")
    )
    if role is ForgeRole.PROJECT and table.has("namespace"):
        table.problem(
            "namespace",
            "a project forge serves projects of many owners",
            "remove namespace; each project's owner comes from its URL",
        )
    elif role is not None and role is not ForgeRole.PROJECT and not table.has("namespace"):
        table.problem(
            "namespace", f"is missing: a {role} forge needs its org", f"add namespace = {example}"
        )
    elif namespace and "/" in namespace and kind is not None and kind is not ForgeType.GITLAB:
        table.problem(
            "namespace",
            f"{quote(namespace)} is nested, which only GitLab supports",
            f"use the single {kind} org that holds the repositories",
        )
    return namespace


def parse_targets(
    top: Table, *, forges: Mapping[str, ForgeSettings]
) -> dict[Target, TargetSettings]:
    """Every target by name, each checked against the forge it names."""
    targets = top.table("targets", example="[targets.<name>]")
    if targets is None:
        top.problem("targets", "is missing", "add a [targets.<name>] table, e.g. [targets.fedora]")
        return {}
    found = {}
    for name in targets.data:
        table = targets.table(name, example=f"[targets.{name}]")
        try:
            target = choice(Target)(name)
        except Invalid as error:
            targets.problem(name, f"unknown target {quote(name)}", error.fix)
            continue
        if table is not None:
            found[target] = _parse_target(table, target=target, forges=forges)
    return found


def _parse_target(
    table: Table, *, target: Target, forges: Mapping[str, ForgeSettings]
) -> TargetSettings:
    forge = table.require("forge", text(example='"fedora"'), example='"fedora"')
    settings = TargetSettings(
        name=target,
        forge=forge,
        submit_branch=table.get("submit_branch", _submit_branch, default="upstream-bot/{change}"),
        required_reference=table.optional("required_reference", _regex),
    )
    table.finish()
    if forge is None or not forges:
        return settings
    if forge not in forges:
        close = suggest(forge, sorted(forges))
        hint = (
            f'did you mean "{close}"?'
            if close
            else f"add [forges.{forge}] or name one of: {', '.join(forges)}"
        )
        table.problem("forge", f"no forge is called {quote(forge)}", hint)
        return settings
    role, wanted = forges[forge].role, _TARGET_ROLE[target]
    if role is not None and role is not wanted:
        table.problem(
            "forge",
            f"forge {quote(forge)} has role {role}, but target {target} needs a {wanted} forge",
            f'point forge at a forge with role = "{wanted}"',
        )
    return settings


def _submit_branch(value: Any) -> str:
    example = '"upstream-bot/{target_branch}/{change}"'
    template = text(example=example)(value)
    try:
        fields = [
            field for _, field, _, _ in string.Formatter().parse(template) if field is not None
        ]
    except ValueError:
        raise Invalid(
            f"{quote(template)} has unbalanced braces", f"write a template like {example}"
        ) from None
    unknown = [field for field in fields if field not in _SUBMIT_FIELDS]
    if unknown:
        raise Invalid(
            f"unknown placeholder {{{unknown[0]}}}",
            f"use only {', '.join('{' + name + '}' for name in _SUBMIT_FIELDS)}",
        )
    if "change" not in fields:
        raise Invalid(
            "has no {change} placeholder, so two submissions would share a branch",
            f"include {{change}}, e.g. {example}",
        )
    return template


def _regex(value: Any) -> re.Pattern[str]:
    pattern = text(example=r'"Resolves: RHEL-[0-9]+"')(value)
    try:
        return re.compile(pattern)
    except re.error as error:
        raise Invalid(
            f"{quote(pattern)} is not a regular expression ({error.msg})",
            r'write a Python regular expression, e.g. "Resolves: RHEL-[0-9]+"',
        ) from None

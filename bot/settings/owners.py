"""The [owners.<username>] tables: the people who own downstream changes, keyed by their
username on the downstream forge, with their email and which weekly digests they want.

One table per person, so more about them is more keys in the same table: `usernames`
(their accounts on other forges, by forge name) and `packages` (globs of the packages they
own whatever the forges say; see `bot/domain/owners.py`).
"""

from __future__ import annotations

import re

from bot.settings.schema import DigestMode, OwnerSettings
from bot.settings.table import Table
from bot.settings.values import choice, email, quote, strings, text

_USERNAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
_GLOB = re.compile(r"[A-Za-z0-9._+*?\[\]-]+")
_EXAMPLE = '[owners.mcastell] with email = "mcastell@example.org"'


def parse_owners(top: Table) -> tuple[OwnerSettings, ...]:
    table = top.table("owners", example=_EXAMPLE)
    if table is None:
        return ()
    found = []
    for username in list(table.data):
        entry = table.table(username, example=_EXAMPLE)
        if entry is None:
            continue
        owner = _parse_owner(entry, username)
        if _USERNAME.fullmatch(username) is None:
            table.problem(
                username,
                f"{quote(username)} is not a forge username",
                "name the table after the person's username on the downstream forge, "
                "e.g. [owners.mcastell]",
            )
        elif owner is not None:
            found.append(owner)
    table.finish()
    return tuple(found)


def _parse_owner(table: Table, username: str) -> OwnerSettings | None:
    address = table.optional("email", email)
    digest = table.get("digest", choice(DigestMode), default=DigestMode.WHEN_NEEDED)
    usernames = _usernames(table)
    packages = table.get(
        "packages",
        strings(text(example='"kernel*"', pattern=_GLOB, expected="a package name or glob"),
                example='["kernel", "kernel-*"]'),
        default=(),
    )
    table.finish()
    if digest is DigestMode.ALWAYS and address is None and not table.has("email"):
        table.problem(
            "digest",
            f'"always" needs an address, and {username} has no email',
            'add email = "..." to this table, or remove digest',
        )
        return None
    if digest is None:
        return None
    return OwnerSettings(
        username=username, email=address, digest=digest, usernames=usernames,
        packages=packages or (),
    )


def _usernames(table: Table) -> tuple[tuple[str, str], ...]:
    """`usernames = { centos-stream = "mira-c" }`: the person's account on other forges."""
    inner = table.table("usernames", example='usernames = { centos-stream = "mira-c" }')
    if inner is None:
        return ()
    name = text(example='"mira-c"', pattern=_USERNAME, expected="a user name")
    found = [(forge, inner.convert(forge, value, name)) for forge, value in inner.data.items()]
    return tuple((forge, value) for forge, value in found if value is not None)

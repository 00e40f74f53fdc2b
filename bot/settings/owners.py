"""The [owners.<username>] tables: the people who own downstream changes, keyed by their
username on the downstream forge, with their email and which weekly digests they want.

One table per person, so more about them (their usernames on other forges, packages they
own) is more keys in the same table.
"""

from __future__ import annotations

import re

from bot.settings.schema import DigestMode, OwnerSettings
from bot.settings.table import Table
from bot.settings.values import choice, email, quote

_USERNAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
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
    return OwnerSettings(username=username, email=address, digest=digest)

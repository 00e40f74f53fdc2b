"""Who owns a downstream change: the person a reminder mentions and a digest goes to.

In order: a person's `/upstream assign @user` (an `assign` override), the deployment's own
word (`[owners.<username>] packages`), then what the forges say: the author of the
autopatch `changelog_entry` that carries the change, else the author of the downstream
commit that last touched its file. A person the forges name is mapped to a forge username
through the configured owners' email addresses; an unknown person keeps the name and email
the forge gave, so a digest can still reach them, but nobody can be mentioned.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from fnmatch import fnmatchcase

from bot.domain.overrides import Override

_PERSON = re.compile(r"^\s*(?P<name>[^<>]*?)\s*<(?P<email>[^<>\s]+@[^<>\s]+)>\s*$")
_BARE_EMAIL = re.compile(r"^\s*(?P<email>[^<>\s@]+@[^<>\s@]+)\s*$")
_USERNAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")


class OwnerSource(StrEnum):
    """Where the bot learned who owns a change."""

    ASSIGNED = "assigned"
    CONFIGURED = "configured"
    CHANGELOG = "changelog"
    COMMIT = "commit"
    STORED = "stored"


@dataclass(frozen=True, slots=True)
class Person:
    """Someone a forge names: a changelog entry's or a commit's author."""

    name: str | None
    email: str | None

    def __str__(self) -> str:
        if self.name and self.email:
            return f"{self.name} <{self.email}>"
        return self.email or self.name or "someone"


def parse_person(text: str | None) -> Person | None:
    """`Name <email>`, a bare email, or a bare name; None for blank text."""
    if text is None or not text.strip():
        return None
    if found := _PERSON.match(text):
        return Person(found["name"] or None, found["email"].lower())
    if found := _BARE_EMAIL.match(text):
        return Person(None, found["email"].lower())
    return Person(text.strip(), None)


@dataclass(frozen=True, slots=True)
class OwnerEntry:
    """One configured owner: `username` on the downstream forge, and what identifies them.

    `usernames` maps other forges' names to this person's account there (CentOS Stream
    GitLab, Fedora's Pagure); `packages` are globs of packages this person owns whatever
    the forges say.
    """

    username: str
    email: str | None = None
    usernames: Mapping[str, str] = field(default_factory=dict)
    packages: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class OwnerFacts:
    """What the forges say about who made a change (either may be unknown)."""

    changelog_author: Person | None = None
    commit_author: Person | None = None


@dataclass(frozen=True, slots=True)
class Owner:
    """The owner of a change, and how the bot knows."""

    source: OwnerSource
    #: the downstream forge username, when the bot can mention them
    username: str | None
    name: str | None = None
    email: str | None = None
    #: other forges' usernames, by forge name
    usernames: Mapping[str, str] = field(default_factory=dict)

    @property
    def key(self) -> str:
        """What `changes.owner` stores and caps count by: the username, else the email."""
        return self.username or self.email or self.name or "unknown"

    @property
    def mention(self) -> str | None:
        return f"@{self.username}" if self.username else None

    def on(self, forge: str) -> str | None:
        """This owner's username on `forge` (the downstream username when none is set)."""
        return self.usernames.get(forge, self.username)

    def label(self) -> str:
        """How a human reads who it is: `@user`, else `Name <email>`."""
        if self.username:
            return f"@{self.username}"
        return str(Person(self.name, self.email))


def resolve_owner(
    package: str,
    *,
    entries: Iterable[OwnerEntry],
    assign: Override | None = None,
    facts: OwnerFacts | None = None,
    stored: str | None = None,
) -> Owner | None:
    """The change's owner; None when nothing names one.

    `assign` is the `assign` override in force (its value a username, with or without
    `@`); `stored` is what an earlier run stored in `changes.owner` (a username or an
    email), used when no fresher fact is given.
    """
    known = tuple(entries)
    if assign is not None and assign.value.strip().lstrip("@"):
        username = assign.value.strip().lstrip("@")
        return _from_entry(_by_username(known, username), OwnerSource.ASSIGNED, username)
    for entry in known:
        if any(fnmatchcase(package, pattern) for pattern in entry.packages):
            return _from_entry(entry, OwnerSource.CONFIGURED, entry.username)
    facts = facts or OwnerFacts()
    for source, person in (
        (OwnerSource.CHANGELOG, facts.changelog_author),
        (OwnerSource.COMMIT, facts.commit_author),
    ):
        if person is not None and (owner := _from_person(known, source, person)):
            return owner
    person = parse_person(stored)
    if person is None:
        return None
    if person.email is None and person.name and _USERNAME.fullmatch(person.name):
        # a stored username (an earlier assignment): it stays a username
        return _from_entry(_by_username(known, person.name), OwnerSource.STORED, person.name)
    return _from_person(known, OwnerSource.STORED, person)


def _from_person(
    entries: tuple[OwnerEntry, ...], source: OwnerSource, person: Person
) -> Owner | None:
    entry = _by_email(entries, person.email)
    if entry is not None:
        return _from_entry(entry, source, entry.username, person)
    if person.email:
        return Owner(source, None, person.name, person.email)
    return None


def _from_entry(
    entry: OwnerEntry | None, source: OwnerSource, username: str, person: Person | None = None
) -> Owner:
    if entry is None:
        return Owner(source, username, person.name if person else None)
    return Owner(
        source,
        entry.username,
        person.name if person else None,
        entry.email or (person.email if person else None),
        dict(entry.usernames),
    )


def _by_email(entries: tuple[OwnerEntry, ...], email: str | None) -> OwnerEntry | None:
    if not email:
        return None
    wanted = email.lower()
    return next((e for e in entries if e.email and e.email.lower() == wanted), None)


def _by_username(entries: tuple[OwnerEntry, ...], username: str | None) -> OwnerEntry | None:
    if not username:
        return None
    return next((e for e in entries if e.username == username), None)

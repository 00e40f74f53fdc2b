"""resolve_owner: assign, then configured packages, then the changelog and commit authors."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.domain.overrides import Override, OverrideKind
from bot.domain.owners import (
    OwnerEntry,
    OwnerFacts,
    OwnerSource,
    Person,
    parse_person,
    resolve_owner,
)

AT = datetime(2026, 3, 1, tzinfo=UTC)
ENTRIES = (
    OwnerEntry("mcastell", "mcastell@almalinux.org", {"centos-stream": "mira-c"}),
    OwnerEntry("kernel-team", None, {}, ("kernel", "kernel-*")),
)
MIRA = Person("Mira Castell", "mcastell@almalinux.org")
STRANGER = Person("Sam Stranger", "sam@example.org")


@pytest.mark.parametrize(
    ("text", "person"),
    [
        ("Mira Castell <MCastell@AlmaLinux.org>", Person("Mira Castell", "mcastell@almalinux.org")),
        ("<x@y.org>", Person(None, "x@y.org")),
        ("x@y.org", Person(None, "x@y.org")),
        ("Just A Name", Person("Just A Name", None)),
        ("  ", None),
        (None, None),
    ],
)
def test_parse_person(text: str | None, person: Person | None) -> None:
    assert parse_person(text) == person


def test_an_assignment_wins_over_everything() -> None:
    assign = Override("c", OverrideKind.ASSIGN, "@mcastell", "boss", AT)
    owner = resolve_owner("kernel", entries=ENTRIES, assign=assign,
                          facts=OwnerFacts(STRANGER, STRANGER))
    assert owner is not None
    assert (owner.source, owner.username, owner.on("centos-stream")) == (
        OwnerSource.ASSIGNED, "mcastell", "mira-c")
    assert owner.on("fedora") == "mcastell"


def test_configured_packages_win_over_the_forges() -> None:
    owner = resolve_owner("kernel-rt", entries=ENTRIES, facts=OwnerFacts(MIRA, MIRA))
    assert owner is not None and (owner.source, owner.username) == (
        OwnerSource.CONFIGURED, "kernel-team")


def test_the_changelog_author_comes_before_the_commit_author_and_maps_by_email() -> None:
    owner = resolve_owner("bash", entries=ENTRIES, facts=OwnerFacts(MIRA, STRANGER))
    assert owner is not None
    assert (owner.source, owner.username, owner.label(), owner.key) == (
        OwnerSource.CHANGELOG, "mcastell", "@mcastell", "mcastell")
    by_commit = resolve_owner("bash", entries=ENTRIES, facts=OwnerFacts(None, MIRA))
    assert by_commit is not None and by_commit.source is OwnerSource.COMMIT


def test_an_unknown_person_keeps_name_and_email_but_cannot_be_mentioned() -> None:
    owner = resolve_owner("bash", entries=ENTRIES, facts=OwnerFacts(None, STRANGER))
    assert owner is not None
    assert (owner.username, owner.mention, owner.key, owner.label()) == (
        None, None, "sam@example.org", "Sam Stranger <sam@example.org>")


@pytest.mark.parametrize(
    ("stored", "username", "email"),
    [
        ("mcastell", "mcastell", "mcastell@almalinux.org"),
        ("someone-assigned", "someone-assigned", None),
        ("mcastell@almalinux.org", "mcastell", "mcastell@almalinux.org"),
        ("sam@example.org", None, "sam@example.org"),
    ],
)
def test_what_an_earlier_run_stored_is_used_without_fresh_facts(
    stored: str, username: str | None, email: str | None
) -> None:
    owner = resolve_owner("bash", entries=ENTRIES, stored=stored)
    assert owner is not None
    assert (owner.source, owner.username, owner.email) == (OwnerSource.STORED, username, email)


def test_nothing_known_is_no_owner() -> None:
    assert resolve_owner("bash", entries=ENTRIES) is None
    assert resolve_owner("bash", entries=ENTRIES, facts=OwnerFacts(Person("No Mail", None))) is None

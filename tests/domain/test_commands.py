"""bot/domain/commands.py: one table, rendered as the help reply; every command documented."""

from __future__ import annotations

import pytest

from bot.domain.commands import (
    COMMANDS,
    PREFIX,
    ROLE_WORDS,
    Role,
    command,
    help_markdown,
    help_rows,
)

NAMES = ["help", "status", "submit", "skip", "unskip", "snooze", "link", "jira", "assign",
         "refresh"]


def test_the_table_has_the_commands_of_the_issue_in_order() -> None:
    assert [spec.name for spec in COMMANDS] == NAMES


def test_who_may_run_what() -> None:
    roles = {spec.name: spec.role for spec in COMMANDS}
    assert roles["help"] is roles["status"] is Role.ANYONE
    assert roles["refresh"] is Role.TRIAGER
    assert {roles[n] for n in ("submit", "skip", "unskip", "snooze", "link", "jira", "assign")} == {
        Role.MAINTAINER
    }


def test_help_renders_every_command_with_its_role_and_ref() -> None:
    text = help_markdown()
    for spec in COMMANDS:
        assert f"`{spec.synopsis}`" in text
        assert spec.help in text
    assert "`/upstream skip [<ref>] <reason>`" in text
    assert "`/upstream submit [<target>] [<ref>]`" in text
    assert "(centos-stream, fedora, project)" in text
    # a table cell may hold no pipe, not even in code
    assert all(line.count("|") == 4 for line in text.splitlines() if line.startswith("|"))
    assert ROLE_WORDS[Role.MAINTAINER] in text
    assert len(help_rows()) == len(COMMANDS)
    assert all(row[0].startswith(PREFIX) for row in help_rows())


def test_command_lookup() -> None:
    assert command("skip").name == "skip"
    with pytest.raises(KeyError, match="known: help, status"):
        command("nope")

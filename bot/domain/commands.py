"""The chat-ops commands: the one table of what can be said to the bot (name, arguments, who
may say it, help) and the typed arguments each command parses into.

`/upstream help` and the dashboard's help page both render this table; the grammar that
finds commands in a comment is `bot.domain.command_grammar`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from bot.domain.model import Target

PREFIX = "/upstream"
#: the longest snooze; a longer wait is a skip
MAX_SNOOZE = timedelta(days=365)
MAX_REASON = 500


class Role(StrEnum):
    """Who may run a command, checked against the commenter's role on the downstream repo."""

    ANYONE = "anyone"
    TRIAGER = "triager"
    MAINTAINER = "maintainer"


#: how a refusal names the people a role covers
ROLE_WORDS = {
    Role.ANYONE: "anyone",
    Role.TRIAGER: "people who can triage the package's repository",
    Role.MAINTAINER: "maintainers of the package (write access to its repository)",
}


@dataclass(frozen=True, slots=True)
class NoArguments:
    """help, status, unskip, refresh."""


@dataclass(frozen=True, slots=True)
class SubmitArguments:
    """None: every target the change still needs."""

    target: Target | None


@dataclass(frozen=True, slots=True)
class SkipArguments:
    reason: str


@dataclass(frozen=True, slots=True)
class SnoozeArguments:
    duration: timedelta


@dataclass(frozen=True, slots=True)
class LinkArguments:
    url: str


@dataclass(frozen=True, slots=True)
class JiraArguments:
    ticket: str


@dataclass(frozen=True, slots=True)
class AssignArguments:
    user: str


Arguments = (
    NoArguments
    | SubmitArguments
    | SkipArguments
    | SnoozeArguments
    | LinkArguments
    | JiraArguments
    | AssignArguments
)


class BadArguments(ValueError):
    """Arguments that match a command's shape but not its rules (a snooze of 900 days)."""


@dataclass(frozen=True, slots=True)
class CommandSpec:
    """One command: `usage` is its arguments as shown in help, `pattern` matches the
    argument text (after an optional leading change ref; a pattern may also capture the
    ref itself as group `ref`), `build` turns a match into arguments."""

    name: str
    usage: str
    role: Role
    help: str
    pattern: re.Pattern[str]
    build: Callable[[re.Match[str]], Arguments]
    #: acts on changes, so a ref (the change id's first 8+ characters) may pick one where
    #: the thread has several
    selects_change: bool = False

    @property
    def synopsis(self) -> str:
        if self.selects_change and "<ref>" not in self.usage:
            return f"{PREFIX} {self.name} [<ref>] {self.usage}".rstrip()
        return f"{PREFIX} {self.name} {self.usage}".rstrip()


_UNITS = {"h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1)}
_NOTHING = re.compile(r"")


def _nothing(_: re.Match[str]) -> Arguments:
    return NoArguments()


def _submit(match: re.Match[str]) -> Arguments:
    return SubmitArguments(Target(match["target"].lower()) if match["target"] else None)


def _skip(match: re.Match[str]) -> Arguments:
    return SkipArguments(match["reason"].strip())


def _snooze(match: re.Match[str]) -> Arguments:
    duration = int(match["n"]) * _UNITS[match["unit"][0].lower()]
    if not timedelta(hours=1) <= duration <= MAX_SNOOZE:
        raise BadArguments("a snooze lasts from 1h to 365d; for longer, use skip")
    return SnoozeArguments(duration)


def _link(match: re.Match[str]) -> Arguments:
    return LinkArguments(match["url"].rstrip(".,;:)"))


def _jira(match: re.Match[str]) -> Arguments:
    return JiraArguments(match["ticket"].upper())


def _assign(match: re.Match[str]) -> Arguments:
    return AssignArguments(match["user"])


_TARGETS = "|".join(re.escape(target.value) for target in Target)

#: The table, in the order help shows it.
COMMANDS: tuple[CommandSpec, ...] = (
    CommandSpec("help", "", Role.ANYONE, "Show this list of commands.", _NOTHING, _nothing),
    CommandSpec(
        "status",
        "",
        Role.ANYONE,
        "Show each change of this thread and where it stands upstream, with the reasons.",
        _NOTHING,
        _nothing,
    ),
    CommandSpec(
        "submit",
        "[<target>] [<ref>]",
        Role.MAINTAINER,
        "Open the upstream merge request for the change now: to the target named ("
        + ", ".join(t.value for t in Target)
        + "), or to every target it still needs.",
        re.compile(
            rf"(?:(?P<target>{_TARGETS})(?: |$))?(?:#?(?P<ref>[0-9a-f]{{8,16}}))?", re.IGNORECASE
        ),
        _submit,
        selects_change=True,
    ),
    CommandSpec(
        "skip",
        "<reason>",
        Role.MAINTAINER,
        "Mark the change as not needed upstream, with the reason; no more reminders.",
        re.compile(rf"(?P<reason>\S.{{0,{MAX_REASON - 1}}})"),
        _skip,
        selects_change=True,
    ),
    CommandSpec(
        "unskip",
        "",
        Role.MAINTAINER,
        "Undo a skip: the change counts as pending again.",
        _NOTHING,
        _nothing,
        selects_change=True,
    ),
    CommandSpec(
        "snooze",
        "<duration: 12h, 30d, 8w>",
        Role.MAINTAINER,
        "No reminders for the change for that long (1h to 365d).",
        re.compile(r"(?P<n>\d{1,4})\s*(?P<unit>h|hours?|d|days?|w|weeks?)", re.IGNORECASE),
        _snooze,
        selects_change=True,
    ),
    CommandSpec(
        "link",
        "<url>",
        Role.MAINTAINER,
        "The change was already submitted there (a merge request, pull request or commit).",
        re.compile(r"(?P<url>https?://[^\s<>\"']{1,2000})"),
        _link,
        selects_change=True,
    ),
    CommandSpec(
        "jira",
        "<RHEL-n>",
        Role.MAINTAINER,
        "The ticket a CentOS Stream merge request of the change resolves.",
        re.compile(r"(?P<ticket>[A-Za-z][A-Za-z0-9_]{0,31}-\d{1,9})"),
        _jira,
        selects_change=True,
    ),
    CommandSpec(
        "assign",
        "@user",
        Role.MAINTAINER,
        "Make that person the change's owner: reminders and digests go to them.",
        re.compile(r"@?(?P<user>[A-Za-z0-9][A-Za-z0-9_.-]{0,99})"),
        _assign,
        selects_change=True,
    ),
    CommandSpec(
        "refresh",
        "",
        Role.TRIAGER,
        "Rescan the package now instead of at the next scheduled scan.",
        _NOTHING,
        _nothing,
    ),
)


def command(name: str, table: tuple[CommandSpec, ...] = COMMANDS) -> CommandSpec:
    """The command called `name`; KeyError naming the known ones otherwise."""
    for spec in table:
        if spec.name == name:
            return spec
    raise KeyError(f"no command {name!r}; known: {', '.join(s.name for s in table)}")


def help_rows(table: tuple[CommandSpec, ...] = COMMANDS) -> list[tuple[str, str, str]]:
    """(synopsis, who may run it, what it does) per command, in table order."""
    return [(spec.synopsis, ROLE_WORDS[spec.role], spec.help) for spec in table]


def help_markdown(table: tuple[CommandSpec, ...] = COMMANDS) -> str:
    """The table as Markdown, for `/upstream help` replies."""
    lines = ["| command | who may run it | what it does |", "|---|---|---|"]
    lines += [f"| `{synopsis}` | {who} | {what} |" for synopsis, who, what in help_rows(table)]
    lines.append("")
    lines.append(
        "Write each command at the start of its own line; several lines run in order. "
        "Where a thread covers several changes, name one by its `<ref>` (the first 8 "
        "characters of its id, shown by `/upstream status` and in the tracking issue)."
    )
    return "\n".join(lines)

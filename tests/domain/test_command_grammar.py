"""bot/domain/command_grammar.py: which lines are commands, what each says, what is refused."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.domain.command_grammar import (
    MAX_COMMANDS,
    Invocation,
    Rejected,
    extract,
    is_own,
    parse_line,
    reply_marker,
)
from bot.domain.commands import (
    AssignArguments,
    JiraArguments,
    LinkArguments,
    NoArguments,
    SkipArguments,
    SnoozeArguments,
    SubmitArguments,
)
from bot.domain.model import Target

#: line → (command, arguments, change ref)
GOOD = {
    "/upstream help": ("help", NoArguments(), None),
    "/upstream": ("help", NoArguments(), None),
    "/upstream status": ("status", NoArguments(), None),
    "/upstream submit": ("submit", SubmitArguments(None), None),
    "/upstream submit fedora": ("submit", SubmitArguments(Target.FEDORA), None),
    "/upstream submit CentOS-Stream": ("submit", SubmitArguments(Target.CENTOS_STREAM), None),
    "/upstream submit project 3f2a9c1b": ("submit", SubmitArguments(Target.PROJECT), "3f2a9c1b"),
    "/upstream submit 3f2a9c1b fedora": ("submit", SubmitArguments(Target.FEDORA), "3f2a9c1b"),
    "/upstream skip debranding only": ("skip", SkipArguments("debranding only"), None),
    "/upstream skip 3f2a9c1b  not   for us": ("skip", SkipArguments("not for us"), "3f2a9c1b"),
    "/upstream skip #3F2A9C1B x": ("skip", SkipArguments("x"), "3f2a9c1b"),
    "/upstream unskip": ("unskip", NoArguments(), None),
    "/upstream unskip 3f2a9c1b": ("unskip", NoArguments(), "3f2a9c1b"),
    "/upstream snooze 30d": ("snooze", SnoozeArguments(timedelta(days=30)), None),
    "/upstream snooze 12 hours": ("snooze", SnoozeArguments(timedelta(hours=12)), None),
    "/upstream snooze 3f2a9c1b 8w": ("snooze", SnoozeArguments(timedelta(weeks=8)), "3f2a9c1b"),
    "/upstream link https://src.fedoraproject.org/rpms/bash/pull-request/3.": (
        "link", LinkArguments("https://src.fedoraproject.org/rpms/bash/pull-request/3"), None),
    "/upstream jira rhel-81234": ("jira", JiraArguments("RHEL-81234"), None),
    "/upstream jira 3f2a9c1b RHEL-1": ("jira", JiraArguments("RHEL-1"), "3f2a9c1b"),
    "/upstream assign @alice": ("assign", AssignArguments("alice"), None),
    "/upstream assign bob.smith": ("assign", AssignArguments("bob.smith"), None),
    "/upstream refresh": ("refresh", NoArguments(), None),
    "  /upstream status": ("status", NoArguments(), None),
    "/Upstream STATUS": ("status", NoArguments(), None),
}

BAD = {
    "/upstream sbmit fedora": "did you mean `submit`?",
    "/upstream frobnicate": "there is no command `frobnicate`",
    "/upstream submit rawhide": "`submit` needs",
    "/upstream skip": "`skip` needs <reason>",
    "/upstream snooze soon": "`snooze` needs",
    "/upstream snooze 900d": "from 1h to 365d",
    "/upstream snooze 0h": "from 1h to 365d",
    "/upstream link ftp://x": "`link` needs <url>",
    "/upstream jira 12345": "`jira` needs",
    "/upstream assign @": "`assign` needs",
    "/upstream status please": "`status` takes no arguments",
    "/upstream " + "x" * 3000: "at most",
}


@pytest.mark.parametrize(("line", "expected"), GOOD.items(), ids=list(GOOD))
def test_commands_parse(line: str, expected: tuple) -> None:
    (parsed,) = extract(line)
    assert isinstance(parsed, Invocation), parsed
    assert (parsed.name, parsed.arguments, parsed.change) == expected
    assert parsed.line == 1


@pytest.mark.parametrize(("line", "says"), BAD.items(), ids=[k[:40] for k in BAD])
def test_malformed_commands_are_refused_with_help(line: str, says: str) -> None:
    (parsed,) = extract(line)
    assert isinstance(parsed, Rejected)
    assert says in parsed.problem
    assert parsed.usage is None or parsed.usage.startswith("/upstream")


@pytest.mark.parametrize(
    "line",
    ["/upstreams status", "please /upstream status", "`/upstream status`", "/upstream-status",
     "text", ""],
)
def test_lines_that_are_not_commands(line: str) -> None:
    assert parse_line(line) is None
    assert extract(line) == []


def test_quotes_code_comments_and_indentation_hold_no_commands() -> None:
    body = "\n".join(
        [
            "> /upstream skip quoted",
            ">/upstream skip quoted too",
            "````",
            "/upstream skip fenced",
            "```",
            "/upstream skip still fenced: a shorter fence does not close a longer one",
            "`````",
            "~~~ shell",
            "/upstream skip tilde fenced",
            "~~~",
            "    /upstream skip indented code",
            "\t/upstream skip tab-indented code",
            "<!-- /upstream skip in a comment -->",
            "<!--",
            "/upstream skip in a longer comment",
            "-->",
            "/upstream status",
        ]
    )
    found = extract(body)
    assert [(p.name, p.line) for p in found if isinstance(p, Invocation)] == [("status", 17)]
    assert len(found) == 1


def test_an_unclosed_fence_runs_to_the_end() -> None:
    assert extract("```\n/upstream refresh") == []


def test_several_commands_run_in_order_and_extra_ones_are_refused() -> None:
    body = "Thanks!\n/upstream snooze 2w\nsome text\n/upstream assign @bob\r\n/upstream refresh"
    assert [p.name for p in extract(body)] == ["snooze", "assign", "refresh"]
    many = "\n".join(["/upstream refresh"] * (MAX_COMMANDS + 5))
    found = extract(many)
    assert len(found) == MAX_COMMANDS + 1
    assert isinstance(found[-1], Rejected) and "only the first" in found[-1].problem


def test_the_bots_own_comments_hold_no_commands() -> None:
    reply = "Done: skipped.\n/upstream unskip undoes it\n" + reply_marker("upstream-bot", "gitea:7")
    assert is_own(reply, "upstream-bot")
    assert extract(reply, marker_prefix="upstream-bot") == []
    assert extract(reply) != []  # without the marker check the line would count

"""Random comments never make the command grammar fail, and what it finds is well formed."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.command_grammar import MAX_COMMANDS, Invocation, Rejected, extract, parse_line
from bot.domain.commands import COMMANDS, MAX_SNOOZE

PIECES = st.sampled_from(
    ["/upstream", "/UPSTREAM", " ", "  ", "    ", "\t", "\n", "\r\n", ">", "```", "~~~", "`",
     "<!--", "-->", "#", "@", "help", "status", "submit", "fedora", "centos-stream", "skip",
     "unskip", "snooze", "30d", "9999w", "0h", "link", "https://x.org/p/1", "jira",
     "RHEL-1", "assign", "refresh", "0123abcd", "deadbeefdeadbeef", "é", "\u2028", "\x00"]
)
BODIES = st.lists(PIECES | st.text(max_size=6), max_size=40).map("".join)


@settings(max_examples=1000, deadline=None)
@given(BODIES)
def test_any_comment(body: str) -> None:
    found = extract(body, marker_prefix="upstream-bot")
    assert len(found) <= MAX_COMMANDS + 1
    lines = body.split("\n")
    for parsed in found:
        assert 1 <= parsed.line <= len(lines)
        assert parsed.text.lower().startswith("/upstream")
        if isinstance(parsed, Invocation):
            assert parsed.spec in COMMANDS
            duration = getattr(parsed.arguments, "duration", None)
            assert duration is None or duration <= MAX_SNOOZE
            assert parsed.change is None or 8 <= len(parsed.change) <= 16
        else:
            assert isinstance(parsed, Rejected) and parsed.problem


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=300))
def test_any_line(text: str) -> None:
    parse_line("/upstream " + text)
    parse_line(text)

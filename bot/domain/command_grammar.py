"""Finding chat-ops commands in a comment: what counts as a command line, and what it says.

A command is a line that starts (after at most three spaces) with `/upstream`, followed by a
command name from the table and its arguments. Quoted lines (`>`), fenced code blocks
(``` or ~~~), indented code (four spaces or a tab) and HTML comments never hold commands, so
quoting someone's command, or the bot's help, runs nothing. Several commands in one comment
come back in order. Comments the bot wrote itself carry its marker and hold no commands.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from dataclasses import dataclass

from bot.domain.commands import (
    COMMANDS,
    PREFIX,
    Arguments,
    BadArguments,
    CommandSpec,
    NoArguments,
    command,
)

#: commands after this many in one comment are not run (and the reply says so)
MAX_COMMANDS = 10
#: longer lines are not commands (a command with a 2,000-character URL still fits)
MAX_LINE = 2300

_FENCE = re.compile(r" {0,3}(?P<fence>`{3,}|~{3,})(?P<info>.*)")
#: a change ref leading the arguments: 8 to 16 characters of a change id, `#` optional
_SELECTOR = re.compile(r"#?(?P<change>[0-9A-Fa-f]{8,16})(?: |$)")
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class Invocation:
    """A command as written: `text` is its line with runs of whitespace made single, `line`
    its 1-based line number in the comment, `change` the change ref it names, if any."""

    spec: CommandSpec
    arguments: Arguments
    text: str
    line: int
    change: str | None = None

    @property
    def name(self) -> str:
        return self.spec.name


@dataclass(frozen=True, slots=True)
class Rejected:
    """A command line that does not parse: `problem` says why, `usage` how to write it."""

    text: str
    line: int
    problem: str
    usage: str | None = None


Parsed = Invocation | Rejected


def extract(
    body: str,
    *,
    prefix: str = PREFIX,
    table: tuple[CommandSpec, ...] = COMMANDS,
    marker_prefix: str | None = None,
) -> list[Parsed]:
    """Every command line of `body`, in order; none when the body carries the bot's marker
    (`<!-- <marker_prefix>:`), since then the bot wrote it."""
    if marker_prefix is not None and is_own(body, marker_prefix):
        return []
    found: list[Parsed] = []
    for number, line in command_lines(body):
        parsed = parse_line(line, prefix=prefix, table=table, line_no=number)
        if parsed is None:
            continue
        if len(found) == MAX_COMMANDS:
            found.append(
                Rejected(
                    parsed.text,
                    number,
                    f"only the first {MAX_COMMANDS} commands of a comment run; "
                    "write the rest in another comment",
                )
            )
            break
        found.append(parsed)
    return found


def is_own(body: str, marker_prefix: str) -> bool:
    """Whether `body` carries one of the bot's hidden markers."""
    return f"<!-- {marker_prefix}:" in body


def reply_marker(marker_prefix: str, comment: str) -> str:
    """The hidden marker of the bot's reply to comment `comment` (e.g. "gitea:1234")."""
    return f"<!-- {marker_prefix}:reply:{comment} -->"


def command_lines(body: str) -> Iterator[tuple[int, str]]:
    """(line number, line) of each line that may hold a command: outside code blocks, quotes
    and HTML comments, indented by at most three spaces."""
    fence: str | None = None
    in_comment = False
    for number, raw in enumerate(body.split("\n"), start=1):
        line = raw.rstrip("\r")
        if fence is not None:
            if _closes(line, fence):
                fence = None
            continue
        if in_comment:
            in_comment = "-->" not in line
            continue
        if opened := _opens(line):
            fence = opened
            continue
        line, in_comment = _outside_comments(line)
        indent = len(line) - len(line.lstrip(" "))
        if indent > 3 or line[indent : indent + 1] in ("\t", ">"):
            continue
        yield number, line[indent:]


def parse_line(
    line: str, *, prefix: str = PREFIX, table: tuple[CommandSpec, ...] = COMMANDS, line_no: int = 1
) -> Parsed | None:
    """The command `line` holds, None when it is not a command line at all."""
    head = line[: len(prefix)]
    rest = line[len(prefix) :]
    if head.lower() != prefix.lower() or (rest and not rest[0].isspace()):
        return None
    if len(line) > MAX_LINE:
        return Rejected(
            line[:80] + "…", line_no, f"a command line is at most {MAX_LINE} characters"
        )
    words = _SPACE.sub(" ", rest).strip()
    text = f"{prefix} {words}".rstrip()
    name, _, arguments = words.partition(" ")
    if not name:
        return Invocation(command("help", table), NoArguments(), text, line_no)
    spec = next((s for s in table if s.name == name.lower()), None)
    if spec is None:
        return Rejected(text, line_no, _unknown(name, table), f"{prefix} help")
    change = None
    if spec.selects_change and (selected := _SELECTOR.match(arguments)):
        change = selected["change"].lower()
        arguments = arguments[selected.end() :]
    match = spec.pattern.fullmatch(arguments)
    if match is None:
        return Rejected(text, line_no, _misfit(spec, arguments), spec.synopsis)
    try:
        built = spec.build(match)
    except BadArguments as error:
        return Rejected(text, line_no, str(error), spec.synopsis)
    if change is None and "ref" in match.re.groupindex and match["ref"]:
        change = match["ref"].lower()
    return Invocation(spec, built, text, line_no, change)


def _opens(line: str) -> str | None:
    match = _FENCE.fullmatch(line)
    if match is None:
        return None
    fence = match["fence"]
    # a backtick fence's info string may not hold backticks (that is inline code)
    if fence[0] == "`" and "`" in match["info"]:
        return None
    return fence


def _closes(line: str, fence: str) -> bool:
    stripped = line.strip()
    indent = len(line) - len(line.lstrip(" "))
    return indent <= 3 and len(stripped) >= len(fence) and set(stripped) == {fence[0]}


def _outside_comments(line: str) -> tuple[str, bool]:
    """`line` without its HTML comments, and whether one stays open past its end."""
    kept = []
    while True:
        start = line.find("<!--")
        if start < 0:
            kept.append(line)
            return "".join(kept), False
        kept.append(line[:start])
        end = line.find("-->", start + 4)
        if end < 0:
            return "".join(kept), True
        line = line[end + 3 :]


def _unknown(name: str, table: tuple[CommandSpec, ...]) -> str:
    close = difflib.get_close_matches(name.lower(), [s.name for s in table], n=1)
    hint = f"; did you mean `{close[0]}`?" if close else ""
    return f"there is no command `{name[:40]}`{hint}"


def _misfit(spec: CommandSpec, arguments: str) -> str:
    if not spec.usage:
        return f"`{spec.name}` takes no arguments"
    if not arguments:
        return f"`{spec.name}` needs {spec.usage}"
    return f"`{spec.name}` needs {spec.usage}, not `{arguments[:60]}`"

"""What the bot says in chat-ops replies: the fixed sentences and the status listing."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bot.domain.commands import ROLE_WORDS, CommandSpec
from bot.service.chatops.subjects import ref
from bot.store.records import StoredChange, TargetState

NOT_TRACKED = (
    "I do not track anything in this thread: commands work on a package's tracking issue, "
    "its downstream repository's issues and pull requests, and the merge requests I opened."
)
NO_PERMISSION_CHECK = (
    "I could not check your permission on {repo} ({error}); nothing was changed. The bot's "
    "account needs admin access there to read permissions."
)
MALFORMED = "I did not understand `{text}`: {problem}."
USAGE = " Write it as `{usage}`; `/upstream help` lists every command."
ABOUT_TO_RETRY = "interrupted ({error}); it runs again when the forge answers"


def refusal(
    spec: CommandSpec, user: str, repo: str, forge_url: str, have: str, trusted: Sequence[str]
) -> str:
    """The polite no: who may run the command, and that nothing changed."""
    also = f" (and {', '.join('@' + name for name in trusted)})" if trusted else ""
    return (
        f"Sorry @{user}, `{spec.name}` can be run by {ROLE_WORDS[spec.role]}: people with "
        f"at least {_needed_word(spec)} access to {repo} on {forge_url}{also}. You have "
        f"{have} access there, so nothing was changed. A maintainer of the package can run "
        "it for you."
    )


def status_lines(
    package: str, changes: Sequence[StoredChange], states: Mapping[str, Sequence[TargetState]]
) -> str:
    """One line per change: its ref, name, branch, and each target's status and why."""
    if not changes:
        return f"{package} has no downstream changes on record."
    lines = [f"**{package}**: {len(changes)} change{'s' if len(changes) != 1 else ''}"]
    for change in changes:
        record = change.record
        parts = []
        for state in states.get(record.id, []):
            why = f" ({state.reason})" if state.reason else ""
            where = f" {state.url}" if state.url else ""
            parts.append(f"{state.target} **{state.status}**{where}{why}")
        kind = f", {record.kind}" if record.kind else ""
        shown = "; ".join(parts) if parts else "not checked upstream yet"
        lines.append(f"- `{ref(record.id)}` {record.name} ({change.branch}{kind}): {shown}")
    return "\n".join(lines)


def _needed_word(spec: CommandSpec) -> str:
    return {"triager": "triage", "maintainer": "write"}.get(str(spec.role), "read")

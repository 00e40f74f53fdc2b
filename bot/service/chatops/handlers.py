"""One handler per chat-ops command: what it does and the reply it gives.

`HANDLERS` is the explicit list the runner takes (the composition layer may pass another);
every command of `bot.domain.commands.COMMANDS` must have one. A handler returns the reply's
text; an outage (a forge or the database not answering) propagates so the inbox retries.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

from bot.domain.command_grammar import Invocation
from bot.domain.commands import (
    AssignArguments,
    JiraArguments,
    LinkArguments,
    SkipArguments,
    SnoozeArguments,
    SubmitArguments,
    help_markdown,
)
from bot.domain.model import Target
from bot.domain.overrides import SOFT_STATUSES, Override, OverrideKind
from bot.domain.submission import SubmitOutcome, SubmitState
from bot.forges.errors import NotFound
from bot.service.chatops.deps import ChatopsDeps
from bot.service.chatops.subjects import Subject, ref, select
from bot.service.chatops.texts import NOT_TRACKED, status_lines
from bot.service.forge_urls import UrlKind
from bot.store.records import StoredChange


@dataclass(frozen=True, slots=True)
class CommandContext:
    """One command being run: who asked, where, about what, and when."""

    deps: ChatopsDeps
    invocation: Invocation
    actor: str
    forge: str
    subject: Subject | None
    now: datetime


Handler = Callable[[CommandContext], Awaitable[str]]
_A = TypeVar("_A")


async def help_command(context: CommandContext) -> str:
    return help_markdown()


async def status_command(context: CommandContext) -> str:
    subject = context.subject
    if subject is None:
        return NOT_TRACKED
    changes = subject.changes
    if context.invocation.change or subject.change_id:
        chosen = select(subject, context.invocation.change, doing="show")
        if chosen.problem:
            return chosen.problem
        changes = chosen.changes
    states = context.deps.store.chatops.states_of([c.record.id for c in changes])
    return status_lines(subject.package, changes, states)


async def submit_command(context: CommandContext) -> str:
    subject, deps = context.subject, context.deps
    if subject is None:
        return NOT_TRACKED
    if deps.submit is None:
        return "Submitting is not enabled in this deployment; nothing was opened."
    wanted = _arguments(context, SubmitArguments).target
    states = deps.store.chatops.states_of([c.record.id for c in subject.changes])

    def open_targets(change: StoredChange) -> list[Target]:
        soft = [s.target for s in states.get(change.record.id, []) if s.status in SOFT_STATUSES]
        if wanted is not None:
            return [wanted] if wanted in soft or not states.get(change.record.id) else []
        return soft

    chosen = select(
        subject,
        context.invocation.change,
        eligible=lambda c: c.record.upstreamable and bool(open_targets(c)),
        doing=f"submit to {wanted}" if wanted else "submit",
    )
    if chosen.problem:
        return chosen.problem
    (change,) = chosen.changes
    targets = [wanted] if wanted is not None else open_targets(change)
    if not targets:
        return f"`{ref(change.record.id)}` {change.record.name} needs no submission any more."
    lines = []
    for target in targets:
        outcome = await deps.submit(change.record.id, target, actor=context.actor, now=context.now)
        lines.append(f"- {target}: {_outcome(outcome)}")
    return f"`{ref(change.record.id)}` {change.record.name} ({change.branch}):\n" + "\n".join(lines)


async def skip_command(context: CommandContext) -> str:
    reason = _arguments(context, SkipArguments).reason
    return await _override(
        context, OverrideKind.SKIP, reason, doing="skip", done=f"skipped: {reason}"
    )


async def unskip_command(context: CommandContext) -> str:
    subject = context.subject
    if subject is None:
        return NOT_TRACKED
    overrides = context.deps.store.overrides_of([c.record.id for c in subject.changes])
    skipped = {
        change_id
        for change_id, held in overrides.items()
        if any(o.kind is OverrideKind.SKIP for o in held)
    }
    chosen = select(
        subject,
        context.invocation.change,
        eligible=lambda c: c.record.id in skipped,
        doing="unskip",
    )
    if chosen.problem:
        return chosen.problem
    (change,) = chosen.changes
    cleared = context.deps.store.clear_overrides(
        change.record.id, OverrideKind.SKIP, actor=context.actor, now=context.now
    )
    if not cleared:
        return f"`{ref(change.record.id)}` {change.record.name} was not skipped."
    _refresh(context)
    return (
        f"`{ref(change.record.id)}` {change.record.name} counts as pending again "
        f"from the next scan of {subject.package}."
    )


async def snooze_command(context: CommandContext) -> str:
    duration = _arguments(context, SnoozeArguments).duration
    until = context.now + duration
    return await _override(
        context,
        OverrideKind.SNOOZE,
        _span(duration),
        doing="snooze",
        until=until,
        done=f"snoozed until {until:%Y-%m-%d %H:%M} UTC",
    )


async def link_command(context: CommandContext) -> str:
    url = _arguments(context, LinkArguments).url
    deps = context.deps
    target = Target.PROJECT  # a host no forge of ours serves is the project's own
    found = deps.urls.link(url)
    if found is not None:
        target = next(
            (t.name for t in deps.settings.targets if t.forge == found.forge), Target.PROJECT
        )
        if found.kind is UrlKind.REQUEST and found.number is not None:
            try:
                await deps.forges[found.forge].get_change(found.repo, found.number)
            except NotFound:
                return f"I could not find {url} on {found.forge}; nothing was recorded."
    return await _override(
        context,
        OverrideKind.LINK,
        url,
        doing="link",
        target=target,
        done=f"submitted to {target} at {url}",
    )


async def jira_command(context: CommandContext) -> str:
    ticket = _arguments(context, JiraArguments).ticket
    deps, subject = context.deps, context.subject
    if subject is None:
        return NOT_TRACKED
    if deps.set_reference is None:
        return await _override(
            context,
            OverrideKind.JIRA,
            ticket,
            doing="give a ticket",
            target=Target.CENTOS_STREAM,
            done=f"ticket {ticket} recorded",
        )
    chosen = select(subject, context.invocation.change, eligible=_open, doing="give a ticket")
    if chosen.problem:
        return chosen.problem
    (change,) = chosen.changes
    outcome = await deps.set_reference(
        change.record.id, Target.CENTOS_STREAM, ticket, actor=context.actor, now=context.now
    )
    return f"`{ref(change.record.id)}` {change.record.name}: {_outcome(outcome)}"


async def assign_command(context: CommandContext) -> str:
    user = _arguments(context, AssignArguments).user
    return await _override(
        context, OverrideKind.ASSIGN, user, doing="assign", done=f"now owned by @{user}"
    )


async def refresh_command(context: CommandContext) -> str:
    subject = context.subject
    if subject is None:
        return NOT_TRACKED
    if context.deps.refresh is None:
        return "Refreshing on request is not enabled here; the next scheduled scan covers it."
    context.deps.refresh(subject.package)
    return f"A rescan of {subject.package} is queued; the tracking issue updates after it."


#: The handlers, by command name, in the table's order.
HANDLERS: tuple[tuple[str, Handler], ...] = (
    ("help", help_command),
    ("status", status_command),
    ("submit", submit_command),
    ("skip", skip_command),
    ("unskip", unskip_command),
    ("snooze", snooze_command),
    ("link", link_command),
    ("jira", jira_command),
    ("assign", assign_command),
    ("refresh", refresh_command),
)


async def _override(
    context: CommandContext,
    kind: OverrideKind,
    value: str,
    *,
    doing: str,
    done: str,
    target: Target | None = None,
    until: datetime | None = None,
) -> str:
    subject = context.subject
    if subject is None:
        return NOT_TRACKED
    chosen = select(subject, context.invocation.change, eligible=_open, doing=doing)
    if chosen.problem:
        return chosen.problem
    (change,) = chosen.changes
    context.deps.store.add_override(
        Override(change.record.id, kind, value, context.actor, context.now, target, until)
    )
    _refresh(context)
    return (
        f"`{ref(change.record.id)}` {change.record.name} ({change.branch}): {done}. "
        f"The status follows at the next scan of {subject.package}."
    )


def _span(duration: timedelta) -> str:
    hours = int(duration.total_seconds() // 3600)
    return f"{hours // 24}d" if hours % 24 == 0 else f"{hours}h"


def _open(change: StoredChange) -> bool:
    """A change a person may still decide about: one that could go upstream."""
    return change.record.upstreamable


def _refresh(context: CommandContext) -> None:
    if context.deps.refresh is not None and context.subject is not None:
        context.deps.refresh(context.subject.package)


def _outcome(outcome: SubmitOutcome) -> str:
    match outcome.state:
        case SubmitState.OPENED:
            draft = " (draft)" if outcome.draft else ""
            return f"opened {outcome.url}{draft}. {outcome.reason}".strip()
        case SubmitState.ALREADY_OPEN:
            if outcome.url and outcome.url not in outcome.reason:
                return f"{outcome.reason} ({outcome.url})"
            return outcome.reason
        case SubmitState.PLANNED:
            return f"dry run, nothing opened: {outcome.reason}"
        case SubmitState.REFUSED:
            return f"not submitted: {outcome.reason}"
    return f"could not submit now: {outcome.reason}; write the command again later"


def _arguments(context: CommandContext, kind: type[_A]) -> _A:
    arguments = context.invocation.arguments
    if not isinstance(arguments, kind):
        raise TypeError(f"{context.invocation.name} got {type(arguments).__name__}")
    return arguments

"""Runs the commands of one comment: each at most once, authorized, answered in the thread.

For a comment (new or edited, from a webhook or the poller): the bot's own comments and
those of other bots are skipped; each command line is claimed in the audit log under a key
of (forge, comment, line, occurrence) before it runs, so a redelivery, a poll that sees the
comment again, or an edit that keeps the line never runs it twice, while a line an edit adds
does run. The comment gets an "eyes" reaction at once (where the forge has reactions), each
command its reply in the same thread, and the audit log its outcome. An outage of a forge or
of the database gives the claim back and propagates, so the inbox retries the event. A claim
names the inbox event running it: when its worker dies mid-command, the retry of that event
takes the claim over and first looks in the thread for the reply's hidden marker (which
carries the command's key), so a reply posted just before the death is not posted twice.
"""

from __future__ import annotations

import hashlib
import logging
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from bot.domain.command_grammar import Invocation, Parsed, Rejected, extract, reply_marker
from bot.domain.commands import COMMANDS, CommandSpec
from bot.forges.base import (
    Capability,
    Comment,
    Forge,
    Permission,
    Reaction,
    RepoRef,
    Thread,
    ThreadKind,
)
from bot.forges.errors import AuthFailed, ForgeError, Invalid, NotFound, RateLimited, Unavailable
from bot.ingest.events import CommentEvent
from bot.service.chatops.deps import NEEDED, ChatopsDeps
from bot.service.chatops.handlers import HANDLERS, CommandContext, Handler
from bot.service.chatops.subjects import Subject, location, resolve
from bot.service.chatops.texts import ABOUT_TO_RETRY, MALFORMED, NO_PERMISSION_CHECK, USAGE, refusal
from bot.store import StoreError
from bot.store.audit import Claim

log = logging.getLogger(__name__)

#: errors after which the same event may well succeed later
TRANSIENT = (Unavailable, RateLimited, StoreError)


@dataclass(frozen=True, slots=True)
class Ran:
    """One command line of a comment and how it ended (for logs and tests)."""

    text: str
    outcome: str


class Chatops:
    """The command runner; `handlers` must cover every command of `table`."""

    def __init__(
        self,
        deps: ChatopsDeps,
        handlers: Iterable[tuple[str, Handler]] = HANDLERS,
        *,
        table: tuple[CommandSpec, ...] = COMMANDS,
    ) -> None:
        self._deps = deps
        self._handlers = dict(handlers)
        self._table = table
        missing = [spec.name for spec in table if spec.name not in self._handlers]
        if missing:
            raise ValueError(f"no handler for the commands {', '.join(missing)}")

    async def handle(self, forge: str, event: CommentEvent) -> list[Ran]:
        """Run the comment's new commands; what ran and how it ended, in order."""
        deps = self._deps
        if self._from_a_bot(forge, event):
            return []
        parsed = extract(event.body, table=self._table, marker_prefix=deps.marker_prefix)
        adapter = deps.forges.get(forge)
        if not parsed or adapter is None:
            if parsed:
                log.warning("commands on a forge without an adapter", extra={"forge": forge})
            return []
        thread = Thread(
            RepoRef.parse(event.thread.repo), ThreadKind(event.thread.kind), event.thread.number
        )
        subject = resolve(deps, forge, event.thread)
        where = location(event.thread, forge)
        ran: list[Ran] = []
        seen: Counter[str] = Counter()
        acknowledged = False
        holder = f"{forge}:{event.identity}"  # the inbox event's key (one worker at a time)
        for item in parsed:
            seen[item.text] += 1
            key = command_key(forge, event.comment_id, item.text, seen[item.text])
            claim = deps.store.chatops.claim_command(
                key,
                holder=holder,
                actor=event.author,
                location=where,
                command=item.text,
                now=deps.clock(),
            )
            if claim is None:
                continue  # this line ran before: a redelivery, a poll, or an edit that kept it
            marker = reply_marker(deps.marker_prefix, key.removeprefix("command:"))
            try:
                if claim is Claim.RESUMED:
                    posted = await _posted(adapter, thread, marker)
                    if posted is not None:  # the dead run answered but did not record it
                        outcome = f"answered before a restart: {posted.url}"
                        deps.store.chatops.finish_command(key, outcome=outcome)
                        ran.append(Ran(item.text, outcome))
                        continue
                if not acknowledged:
                    acknowledged = await _acknowledge(adapter, thread, event.comment_id)
                outcome, reply = await self._run(forge, event, item, subject)
                await adapter.post_comment(thread, self._reply(event, item, reply, marker))
            except TRANSIENT as error:
                deps.store.chatops.release_command(
                    key, outcome=ABOUT_TO_RETRY.format(error=_short(error))
                )
                raise
            deps.store.chatops.finish_command(key, outcome=outcome)
            ran.append(Ran(item.text, outcome))
        return ran

    async def _run(
        self, forge: str, event: CommentEvent, item: Parsed, subject: Subject | None
    ) -> tuple[str, str]:
        """(the audit outcome, the reply) of one command line."""
        if isinstance(item, Rejected):
            usage = USAGE.format(usage=item.usage) if item.usage else ""
            return f"malformed: {item.problem}", MALFORMED.format(
                text=item.text[:120], problem=item.problem
            ) + usage
        refused = await self._refusal(item, forge, event.author, subject)
        if refused is not None:
            return f"refused: {refused[0]}", refused[1]
        context = CommandContext(self._deps, item, event.author, forge, subject, self._deps.clock())
        reply = await self._handlers[item.name](context)
        return f"done: {reply.splitlines()[0][:300] if reply else ''}", reply

    async def _refusal(
        self, item: Invocation, forge: str, user: str, subject: Subject | None
    ) -> tuple[str, str] | None:
        """None when `user` may run the command here; else (why, the polite reply)."""
        deps = self._deps
        needed = NEEDED[item.spec.role]
        if (
            needed is Permission.NONE
            or subject is None
            or deps.settings.chatops.trusts(forge, user)
        ):
            return None
        downstream = deps.forges.get(deps.downstream)
        if downstream is None:
            return "no downstream forge", NO_PERMISSION_CHECK.format(
                repo=subject.repo.path, error="no adapter for the downstream forge"
            )
        try:
            have = await deps.permissions.permission(downstream, subject.repo, user)
        except NotFound:
            have = Permission.NONE
        except (AuthFailed, Invalid) as error:
            return f"permission unknown: {_short(error)}", NO_PERMISSION_CHECK.format(
                repo=subject.repo.path, error=_short(error)
            )
        if have >= needed:
            return None
        settings = deps.settings.downstream_forge
        text = refusal(
            item.spec,
            user,
            subject.repo.path,
            settings.url,
            have.name.lower(),
            deps.settings.chatops.trusted_users,
        )
        return f"{user} has {have.name.lower()}, needs {needed.name.lower()}", text

    def _from_a_bot(self, forge: str, event: CommentEvent) -> bool:
        return event.author_is_bot or event.author == self._deps.bot_name(forge)

    def _reply(self, event: CommentEvent, item: Parsed, text: str, marker: str) -> str:
        return f"> {item.text}\n\n@{event.author}: {text}\n\n{marker}"


async def _posted(adapter: Forge, thread: Thread, marker: str) -> Comment | None:
    """The reply carrying `marker` already in the thread, if an earlier run posted it."""
    for comment in await adapter.list_comments(thread):
        if marker in comment.body:
            return comment
    return None


async def _acknowledge(adapter: Forge, thread: Thread, comment_id: str) -> bool:
    """React "eyes" where the forge can; a failed reaction never stops a command."""
    if Capability.REACT not in adapter.capabilities:
        return True
    try:
        await adapter.react(thread, comment_id, Reaction.SEEN)
    except ForgeError as error:
        log.warning("no acknowledgement reaction", extra={"error": _short(error)})
    return True


def command_key(forge: str, comment_id: str, text: str, occurrence: int) -> str:
    """The audit key of the `occurrence`-th line `text` of a comment (its reply's marker)."""
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:20]
    return f"command:{forge}:{comment_id}:{digest}:{occurrence}"


def _short(error: Exception) -> str:
    text = str(error) or type(error).__name__
    return text if len(text) <= 200 else text[:199] + "…"

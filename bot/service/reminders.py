"""Reminders on the downstream forge: one tracking issue per package, kept up to date in
place, and a comment mentioning the owner when something new needs them.

The tracking issue is an action of its own (`tracking-issue:<package>` in the action log,
with the issue's URL and number; chat-ops finds the issue through it); its body carries the
bot's marker, so a lost database finds it again on the forge. A reminder comment carries one
marker per reminder action, so a rerun after a crash sees which reminders were posted.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.domain.model import Status
from bot.domain.policy import PlannedAction
from bot.domain.tracking import (
    Nudge,
    TrackedChange,
    issue_body,
    issue_title,
    marker,
    markers_in,
    mention_body,
    tracking_key,
)
from bot.forges.base import Forge, IssueState, RepoRef, Thread, ThreadKind
from bot.service.executor import Outcome, StepHook, no_step
from bot.store import Store
from bot.store.acting import StatusUpdate
from bot.store.records import ActionRecord, ActionState

log = logging.getLogger(__name__)

ACTOR = "act"
#: what a reminder may turn into `reminded`
REMINDABLE = frozenset({Status.PENDING, Status.SNOOZED})


class ReminderStep:
    """The reminders' points of no return, for the step hook."""

    ISSUE_OPENED = "issue-opened"
    COMMENT_POSTED = "comment-posted"


@dataclass(frozen=True, slots=True)
class TrackingIssue:
    number: int
    url: str


@dataclass(frozen=True, slots=True)
class Downstream:
    """Where reminders go: the downstream forge, its namespace, and the bot's own words."""

    forge: Forge
    namespace: str
    username: str
    distribution: str
    prefix: str

    def repo(self, package: str) -> RepoRef:
        return RepoRef(self.namespace, package)


class TrackingIssues:
    """Finds, opens and edits packages' tracking issues, each once."""

    def __init__(
        self,
        downstream: Downstream,
        store: Store,
        *,
        entries: Callable[[str], Sequence[TrackedChange]],
        now: datetime,
    ) -> None:
        self.downstream = downstream
        self.store = store
        self.entries = entries
        self.now = now

    def body(self, package: str) -> str:
        return issue_body(package, self.entries(package), distribution=self.downstream.distribution,
                          prefix=self.downstream.prefix)

    async def find(self, package: str) -> TrackingIssue | None:
        """The package's tracking issue from the action log, else by its marker on the forge
        (then logged, so the next lookup is free)."""
        logged = self.store.get_action(tracking_key(package))
        if logged is not None and logged.state is ActionState.DONE and logged.url:
            number = (logged.result or {}).get("number")
            if isinstance(number, int):
                return TrackingIssue(number, logged.url)
        found = await self._on_forge(package)
        if found is not None:
            self._log(package, found, body_sha=None)
        return found

    async def ensure(self, package: str, *, step: StepHook = no_step) -> TrackingIssue:
        """The package's tracking issue, opened when there is none yet."""
        found = await self.find(package)
        if found is not None:
            return found
        key = tracking_key(package)
        self.store.acting.claim_action(
            ActionRecord(key=key, type="tracking-issue", payload={"package": package}),
            now=self.now,
        )
        body = self.body(package)
        opened = await self.downstream.forge.open_issue(
            self.downstream.repo(package), issue_title(package), body
        )
        step(ReminderStep.ISSUE_OPENED)
        issue = TrackingIssue(opened.number, opened.url)
        self._log(package, issue, body_sha=_sha(body))
        return issue

    async def refresh(self, package: str, *, dry_run: bool) -> bool:
        """Edit the issue's body when what it should say changed; True when it did (or, in
        a dry run, would). A package without a tracking issue gets none."""
        issue = await self.find(package)
        if issue is None:
            return False
        body = self.body(package)
        logged = self.store.get_action(tracking_key(package))
        if logged is not None and (logged.result or {}).get("body_sha") == _sha(body):
            return False
        if dry_run:
            return True
        await self.downstream.forge.edit_issue(self.downstream.repo(package), issue.number,
                                               body=body)
        self._log(package, issue, body_sha=_sha(body))
        return True

    async def _on_forge(self, package: str) -> TrackingIssue | None:
        sign = marker(tracking_key(package), prefix=self.downstream.prefix)
        issues = await self.downstream.forge.find_issues(
            self.downstream.repo(package), author=self.downstream.username, marker=sign
        )
        if not issues:
            return None
        issues.sort(key=lambda i: (i.state is not IssueState.OPEN, i.number))
        return TrackingIssue(issues[0].number, issues[0].url)

    def _log(self, package: str, issue: TrackingIssue, *, body_sha: str | None) -> None:
        key = tracking_key(package)
        self.store.acting.claim_action(
            ActionRecord(key=key, type="tracking-issue", payload={"package": package}),
            now=self.now,
        )
        self.store.acting.complete_action(
            key, now=self.now, actor=ACTOR, url=issue.url,
            result={"number": issue.number, "body_sha": body_sha},
            reason=f"tracking issue of {package}",
        )


class ReminderHandler:
    """The executor's handler for `remind` actions: one comment per package and owner."""

    def __init__(self, issues: TrackingIssues) -> None:
        self.issues = issues

    def group(self, action: PlannedAction) -> str:
        return f"{action.package}\n{action.owner_key}"

    async def find(self, actions: Sequence[PlannedAction]) -> dict[str, Outcome]:
        package = actions[0].package
        issue = await self.issues.find(package)
        if issue is None:
            return {}
        downstream = self.issues.downstream
        thread = Thread(downstream.repo(package), ThreadKind.ISSUE, issue.number)
        posted: dict[str, str] = {}
        for comment in await downstream.forge.list_comments(thread):
            if comment.author != downstream.username:
                continue
            for key in markers_in(comment.body, prefix=downstream.prefix):
                posted.setdefault(key, comment.url)
        return {
            action.key: _reminded(action, posted[action.key], issue, already=True)
            for action in actions
            if action.key in posted
        }

    async def make(
        self, actions: Sequence[PlannedAction], *, step: StepHook
    ) -> dict[str, Outcome]:
        package = actions[0].package
        issue = await self.issues.ensure(package, step=step)
        downstream = self.issues.downstream
        owner = actions[0].owner
        body = mention_body(
            package,
            [_nudge(action) for action in actions],
            owner=owner.mention if owner else None,
            escalate_to=sorted({name for action in actions for name in action.escalate_to}),
            prefix=downstream.prefix,
        )
        thread = Thread(downstream.repo(package), ThreadKind.ISSUE, issue.number)
        comment = await downstream.forge.post_comment(thread, body)
        step(ReminderStep.COMMENT_POSTED)
        return {action.key: _reminded(action, comment.url, issue, already=False)
                for action in actions}


def _nudge(action: PlannedAction) -> Nudge:
    return Nudge(action.key, action.name, action.branch, action.target, action.target_branch,
                 action.change_id, action.reason)


def _reminded(action: PlannedAction, url: str, issue: TrackingIssue, *, already: bool
              ) -> Outcome:
    who = action.owner.label() if action.owner else "the package's maintainers"
    reason = f"reminded {who} about {action.target} (reminder {action.round})"
    return Outcome(
        ActionState.DONE,
        reason + (" (found posted)" if already else ""),
        url=url,
        result={"issue": issue.number, "issue_url": issue.url, "owner": action.owner_key},
        updates=(StatusUpdate(action.change_id, action.target, Status.REMINDED,
                              f"{reason}: {issue.url}", REMINDABLE),),
    )


@dataclass(frozen=True, slots=True)
class ReminderEntry:
    """A reminder the digest reports: who was nudged about which change, when, and where."""

    owner: str
    change_id: str
    package: str
    target: str
    round: int
    at: datetime
    url: str | None


def reminders_since(store: Store, since: datetime) -> list[ReminderEntry]:
    """The reminders done since `since`, oldest first (for the weekly digest)."""
    found = []
    for action in store.acting.done_actions(["remind"], since=since):
        if action.state is not ActionState.DONE:
            continue
        payload = action.record.payload
        found.append(ReminderEntry(
            owner=str(payload.get("owner") or f"package:{payload.get('package')}"),
            change_id=str(payload.get("change_id")), package=str(payload.get("package")),
            target=str(payload.get("target")), round=int(payload.get("round") or 0),
            at=action.updated_at, url=action.url,
        ))
    return found


def packages_of(actions: Iterable[PlannedAction]) -> list[str]:
    return sorted({action.package for action in actions})


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()

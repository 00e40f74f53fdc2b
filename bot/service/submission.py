"""Opens the upstream merge/pull request for one downstream change, once.

`submit_change` looks for the bot's hidden marker on the target first, then prepares the
change on a fresh temporary work tree of the target branch (the patch moved to the target's
layout and the spec edited, or for the original project the patch itself as a commit),
checks that every patch still applies, forks (reusing the fork), pushes the branch (a
branch that already holds the same tree on the same base is left alone), opens the request
with the marker, and records `submitted`. A crash between any two steps and a rerun gives
exactly one request; the step hook hears each point of no return (see `Step`).
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime

from bot.domain.model import Status, Target
from bot.domain.overrides import Override, OverrideKind, current
from bot.domain.submission import Step, SubmitOutcome, SubmitState
from bot.forges.base import ChangeRequest, ChangeState, RepoRef
from bot.forges.errors import Conflict, ForgeError
from bot.forges.git_push import GitAuthor, push_branch
from bot.service.submission_context import (
    Context,
    Refused,
    SubmitDeps,
    reference_line,
    resolve,
)
from bot.service.submission_prepare import Prepared, prepare
from bot.service.worktree import GitError, WorkTree, checkout
from bot.settings import ForgeType

log = logging.getLogger(__name__)


async def submit_change(
    deps: SubmitDeps,
    change_id: str,
    target: Target,
    *,
    actor: str,
    now: datetime,
    dry_run: bool = False,
) -> SubmitOutcome:
    """Open the change request carrying `change_id` to `target`, unless one is there.

    `actor` is who asked (a username, or "policy"); the status transition is theirs. A
    `dry_run` prepares and checks everything and writes nothing (no fork, push, request or
    status).
    """
    try:
        context = await resolve(
            deps.settings, deps.store, deps.forges, change_id, target, now=now
        )
        existing = await _existing(context)
        if existing is not None:
            return _known(deps, context, existing, actor=actor, now=now, dry_run=dry_run)
        async with checkout(deps.work_root, timeout=deps.git_timeout) as tree:
            prepared = await prepare(deps, context, tree, now=now)
            if prepared.refusal is not None:
                return _outcome(SubmitState.REFUSED, prepared.refusal, context, prepared)
            if dry_run:
                return _outcome(SubmitState.PLANNED, _plan_reason(context, prepared), context,
                                prepared)
            fork = await context.forge.fork(context.repo)
            deps.step(Step.FORKED)
            await _push(deps, context, prepared, tree, fork.clone_url)
            deps.step(Step.PUSHED)
        opened = await _open(context, prepared, fork_ref=fork.ref)
        deps.step(Step.OPENED)
        _record(deps, context, opened, actor=actor, now=now)
        deps.step(Step.RECORDED)
        return _outcome(
            SubmitState.OPENED, _opened_reason(context, opened), context, prepared, opened
        )
    except Refused as refused:
        return SubmitOutcome(SubmitState.REFUSED, str(refused))
    except (ForgeError, GitError) as error:
        log.warning("submission failed", extra={"change": change_id, "target": str(target),
                                                "error": str(error)})
        return SubmitOutcome(SubmitState.FAILED, f"{type(error).__name__}: {error}")


async def set_reference(
    deps: SubmitDeps,
    change_id: str,
    target: Target,
    ticket: str,
    *,
    actor: str,
    now: datetime,
) -> SubmitOutcome:
    """Give the submission its ticket (`/upstream jira RHEL-123`): stored as a `jira`
    override, written into the commit and changelog, and the draft marked ready."""
    try:
        config = deps.settings.target(target)
        if config is None or config.required_reference is None:
            raise Refused(f"{target} asks for no ticket; nothing to fill in")
        line = reference_line(ticket, config)
        held = current(
            deps.store.overrides_of([change_id]).get(change_id, []), target, now=now
        ).get(OverrideKind.JIRA)
        if held is None or held.value != ticket.strip():
            deps.store.add_override(
                Override(change_id, OverrideKind.JIRA, ticket.strip(), actor, now, target)
            )
        context = await resolve(
            deps.settings, deps.store, deps.forges, change_id, target, now=now
        )
        existing = await _existing(context)
        if existing is None or existing.state is not ChangeState.OPEN:
            raise Refused(
                f"{line} is stored, but no open merge request of the bot carries this change: "
                "the one it opens will carry the line"
            )
        async with checkout(deps.work_root, timeout=deps.git_timeout) as tree:
            prepared = await prepare(deps, context, tree, now=now)
            if prepared.refusal is not None:
                return _outcome(SubmitState.REFUSED, prepared.refusal, context, prepared)
            fork = await context.forge.fork(context.repo)
            await _push(deps, context, prepared, tree, fork.clone_url)
        updated = await context.forge.edit_change(
            context.repo, existing.number, title=prepared.title, body=prepared.body, draft=False
        )
        _record(deps, context, updated, actor=actor, now=now)
        return _outcome(
            SubmitState.ALREADY_OPEN,
            f"{line} added to the commit of {updated.url}; marked ready for review",
            context,
            prepared,
            updated,
        )
    except Refused as refused:
        return SubmitOutcome(SubmitState.REFUSED, str(refused))
    except (ForgeError, GitError) as error:
        return SubmitOutcome(SubmitState.FAILED, f"{type(error).__name__}: {error}")


async def _existing(context: Context) -> ChangeRequest | None:
    """The bot's own request for this change on the target: an open one first."""
    found = await context.forge.find_changes(context.repo, marker=context.marker)
    found.sort(key=lambda c: (c.state is not ChangeState.OPEN, c.number))
    return found[0] if found else None


def _known(
    deps: SubmitDeps,
    context: Context,
    existing: ChangeRequest,
    *,
    actor: str,
    now: datetime,
    dry_run: bool,
) -> SubmitOutcome:
    if existing.state is not ChangeState.OPEN:
        return SubmitOutcome(
            SubmitState.REFUSED,
            f"the bot's {_noun(context)} for this change, {existing.url}, was "
            f"{existing.state}: it opens no second one",
            url=existing.url,
            number=existing.number,
            branch=existing.source_branch,
            target_branch=existing.target_branch,
        )
    if not dry_run:
        _record(deps, context, existing, actor=actor, now=now)
    return SubmitOutcome(
        SubmitState.ALREADY_OPEN,
        f"already open: {existing.url}",
        url=existing.url,
        number=existing.number,
        draft=existing.draft,
        branch=existing.source_branch,
        target_branch=existing.target_branch,
    )


async def _push(
    deps: SubmitDeps, context: Context, prepared: Prepared, tree: WorkTree, fork_url: str
) -> None:
    """Push the commit to the fork's branch, unless the branch already holds the same tree
    on the same base (a rerun after a crash)."""
    held = await tree.try_fetch(fork_url, f"refs/heads/{context.branch}")
    if held is not None:
        wanted = await tree.tree_of(prepared.base, prepared.files)
        commit = await tree.git("cat-file", "commit", held)
        parents = [line.split()[1] for line in commit.splitlines() if line.startswith("parent ")]
        same_tree = commit.startswith(f"tree {wanted}\n")
        if same_tree and parents == [prepared.base]:
            return
    credentials = context.forge.push_credentials()
    if credentials is None:
        raise Refused(f"the {context.forge.name} forge has no push credentials configured")
    bot = deps.settings.distribution.bot_username
    await push_branch(
        forge=context.forge.name,
        clone_url=fork_url,
        source_url=prepared.clone_url,
        base_ref=prepared.base,
        files=prepared.files,
        branch=context.branch,
        message=prepared.message,
        author=GitAuthor(context.owner.name, context.owner.email),
        committer=GitAuthor(bot, f"{bot}@users.noreply.localhost"),
        credentials=credentials,
        timeout=deps.git_timeout,
        force=True,
    )


async def _open(context: Context, prepared: Prepared, *, fork_ref: RepoRef) -> ChangeRequest:
    try:
        return await context.forge.open_change(
            context.repo,
            source=fork_ref,
            source_branch=context.branch,
            target_branch=context.target_branch,
            title=prepared.title,
            body=prepared.body,
            draft=prepared.draft,
        )
    except Conflict:
        # a request for this branch is there after all: the one this run must not double
        found = await _existing(context)
        if found is None:
            raise
        return found


def _record(
    deps: SubmitDeps, context: Context, change: ChangeRequest, *, actor: str, now: datetime
) -> None:
    draft = " (draft: waiting for its ticket)" if change.draft else ""
    deps.store.set_target_status(
        context.change_id,
        context.target,
        Status.SUBMITTED,
        reason=f"{_noun(context)} {change.url} opened by upstream-bot{draft}",
        evidence={
            "matched_by": "marker",
            "number": change.number,
            "branch": context.branch,
            "target_branch": context.target_branch,
            "draft": change.draft,
        },
        now=now,
        actor=actor,
        url=change.url,
    )


def _outcome(
    state: SubmitState,
    reason: str,
    context: Context,
    prepared: Prepared,
    change: ChangeRequest | None = None,
) -> SubmitOutcome:
    outcome = SubmitOutcome(
        state,
        reason,
        draft=prepared.draft,
        branch=context.branch,
        target_branch=context.target_branch,
        files=tuple(sorted(prepared.files)),
        checks=prepared.checks,
    )
    if change is not None:
        outcome = replace(outcome, url=change.url, number=change.number, draft=change.draft)
    return outcome


def _noun(context: Context) -> str:
    return "merge request" if context.forge_type is ForgeType.GITLAB else "pull request"


def _plan_reason(context: Context, prepared: Prepared) -> str:
    draft = " as a draft (no ticket yet)" if prepared.draft else ""
    return (
        f"would open a {_noun(context)}{draft} from {context.branch} into "
        f"{context.repo.path} {context.target_branch}"
    )


def _opened_reason(context: Context, change: ChangeRequest) -> str:
    if change.draft:
        return (
            f"opened {change.url} as a draft: it needs a ticket "
            "(`/upstream jira RHEL-<n>`)"
        )
    return f"opened {change.url}"


__all__ = ["SubmitDeps", "SubmitOutcome", "SubmitState", "set_reference", "submit_change"]

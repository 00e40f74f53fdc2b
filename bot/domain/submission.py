"""What submitting a downstream change upstream decides before any I/O: which changes can
be submitted, the branch it goes on, and the shape of the answer a caller gets back."""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from enum import StrEnum

from bot.domain.model import ChangeType, Operation, Target


class SubmitState(StrEnum):
    """How one request to submit a change ended."""

    #: a new merge/pull request was opened
    OPENED = "opened"
    #: the bot's request for it was already there (found by its marker)
    ALREADY_OPEN = "already-open"
    #: the bot will not open it; `reason` says why and what to do (the owner hears it)
    REFUSED = "refused"
    #: something outside the bot failed (a forge, git); a later run may succeed
    FAILED = "failed"
    #: a dry run: everything was prepared and checked, nothing was written
    PLANNED = "planned"


class Step(StrEnum):
    """The points of no return of a submission, in order; the step hook hears each one."""

    FORKED = "forked"
    PUSHED = "pushed"
    OPENED = "opened"
    RECORDED = "recorded"


@dataclass(frozen=True, slots=True)
class SubmitOutcome:
    """The answer of `submit_change`: a state, and a sentence for a human."""

    state: SubmitState
    reason: str
    url: str | None = None
    number: int | None = None
    draft: bool = False
    #: the branch the change goes on (in the bot's fork)
    branch: str | None = None
    #: the target branch it asks to be merged into
    target_branch: str | None = None
    #: files the change request adds or changes (paths in the target repository)
    files: tuple[str, ...] = ()
    #: what was checked, one line each (the patches that applied, or why none could be)
    checks: tuple[str, ...] = ()


#: Placeholders `targets.*.submit_branch` may use (the settings validate the same names).
BRANCH_FIELDS = ("package", "change", "target_branch")
_SLUG_JUNK = re.compile(r"[^a-z0-9]+")
_NUMBER_PREFIX = re.compile(r"^\d{1,4}-")
_SLUG_WORDS = 40


def change_slug(name: str, change_id: str) -> str:
    """A readable, unique branch component for a change: its file name's words and the id's
    first 8 characters (`0001-Fix-the-frobnicator.patch` -> `fix-the-frobnicator-1a2b3c4d`)."""
    stem = name.rsplit("/", 1)[-1]
    for suffix in (".patch", ".diff"):
        stem = stem.removesuffix(suffix)
    words = _SLUG_JUNK.sub("-", _NUMBER_PREFIX.sub("", stem).lower()).strip("-")
    words = words[:_SLUG_WORDS].rstrip("-")
    return f"{words}-{change_id[:8]}" if words else change_id[:8]


def submit_branch(template: str, *, package: str, slug: str, target_branch: str) -> str:
    """The branch name from a `submit_branch` template; unknown placeholders are an error."""
    fields = [f for _, f, _, _ in string.Formatter().parse(template) if f is not None]
    unknown = sorted(set(fields) - set(BRANCH_FIELDS))
    if unknown:
        raise ValueError(
            f"submit_branch {template!r}: unknown placeholder {{{unknown[0]}}}; "
            f"use {', '.join('{' + f + '}' for f in BRANCH_FIELDS)}"
        )
    return template.format(package=package, change=slug, target_branch=target_branch)


def refusal(
    change_type: ChangeType, operation: Operation, *, upstreamable: bool, kind: str | None
) -> str | None:
    """Why a change cannot be submitted by the bot (None when it can): only an added or
    changed patch file carries something a target can take as it is."""
    if not upstreamable:
        return f"a {kind or 'downstream-only'} change is not meant for upstream"
    if change_type is not ChangeType.PATCH:
        return (
            f"only patch files are submitted by the bot; a {change_type} change needs a person "
            "to write the upstream change"
        )
    if operation is Operation.REMOVED:
        return "the downstream removed this patch: there is nothing to send upstream"
    return None


def is_dist_git(target: Target) -> bool:
    """CentOS Stream and Fedora take a spec and its patches; the project takes the patch."""
    return target is not Target.PROJECT

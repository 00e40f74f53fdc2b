"""A merge request or pull request the seed opens, with its comments, as planned up front."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class CommentPlan:
    author: str
    body: str
    when: datetime


@dataclass(frozen=True, slots=True)
class ChangePlan:
    """One change request: `number` is the one the forge will give it, checked on opening."""

    forge: str
    repo: str
    number: int
    title: str
    body: str
    author: str
    source_repo: str
    source_branch: str
    target_branch: str
    head_sha: str
    created_at: datetime
    #: "open", "closed" or "merged"; closing and merging happen at `updated_at`
    state: str
    updated_at: datetime
    draft: bool = False
    comments: tuple[CommentPlan, ...] = ()
    #: GitLab numbers merge requests apart from issues; the other forges share one counter
    shared_numbers: bool = True


def marker(change_id: str, target: str, branch: str) -> str:
    """The bot's hidden marker for the change request carrying a change to a target branch."""
    return f"<!-- upstream-bot:open-change:{change_id}:{target}:{branch} -->"

"""What a comment thread is about: a package (its tracking issue, any issue or pull request
of its downstream repository) or one change (an upstream request the bot opened), and which
of the package's changes a command means.

The store knows the URLs of tracking issues and of the bot's requests (the actions log and
the submitted statuses); any thread on a repository of the downstream (or autopatch) forge
is about the package the repository is named after.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot.domain.model import Target
from bot.forges.base import RepoRef
from bot.ingest.events import ThreadRef
from bot.service.chatops.deps import ChatopsDeps
from bot.settings import ForgeRole
from bot.store.records import StoredChange

#: the short form of a change id people write (`bot.domain.tracking.change_ref` agrees)
REF_LENGTH = 8


@dataclass(frozen=True, slots=True)
class Subject:
    """A thread's package; `change_id`/`target` when the thread carries one change."""

    package: str
    #: the package's downstream repository: permissions are asked there
    repo: RepoRef
    changes: tuple[StoredChange, ...]
    change_id: str | None = None
    target: Target | None = None


@dataclass(frozen=True, slots=True)
class Selection:
    """The changes a command acts on, or why none could be chosen (the reply says it)."""

    changes: tuple[StoredChange, ...] = ()
    problem: str | None = None


def ref(change_id: str) -> str:
    return change_id[:REF_LENGTH]


def location(thread: ThreadRef, forge: str) -> str:
    """Where a command was written, for the audit log: the thread's URL when known."""
    return thread.url or f"{forge}:{thread.repo}#{thread.kind}-{thread.number}"


def resolve(deps: ChatopsDeps, forge: str, thread: ThreadRef) -> Subject | None:
    """The thread's subject, or None when the bot tracks nothing there."""
    link = deps.store.chatops.thread_link(spellings(thread.url)) if thread.url else None
    package = link.package if link is not None else _package_of_repo(deps, forge, thread.repo)
    if package is None:
        return None
    record = deps.store.get_package(package)
    downstream = deps.settings.downstream_forge
    path = record.repo if record is not None else f"{downstream.namespace}/{package}"
    return Subject(
        package=package,
        repo=RepoRef.parse(path),
        changes=tuple(deps.store.chatops.package_changes(package)),
        change_id=link.change_id if link is not None else None,
        target=link.target if link is not None else None,
    )


def select(
    subject: Subject,
    wanted_ref: str | None,
    *,
    eligible: Callable[[StoredChange], bool] = lambda _: True,
    doing: str,
) -> Selection:
    """The change(s) a command means: the one named by `wanted_ref`, else the one the
    thread carries, else the only `eligible` change of the package."""
    changes = subject.changes
    if wanted_ref is not None:
        named = [c for c in changes if c.record.id.startswith(wanted_ref)]
        if len(named) == 1:
            return Selection((named[0],))
        if not named:
            return Selection(
                problem=f"{subject.package} has no change `{wanted_ref}`; "
                f"its changes are {_refs(changes)}"
            )
        return Selection(problem=f"`{wanted_ref}` names {len(named)} changes; write more of the id")
    if subject.change_id is not None:
        carried = [c for c in changes if c.record.id == subject.change_id]
        if carried:
            return Selection((carried[0],))
    candidates = [c for c in changes if eligible(c)]
    if len(candidates) == 1:
        return Selection((candidates[0],))
    if not candidates:
        return Selection(problem=f"{subject.package} has no change to {doing}")
    return Selection(
        problem=f"{subject.package} has {len(candidates)} changes to {doing}: name one by "
        f"its ref, e.g. `{ref(candidates[0].record.id)}` ({_refs(candidates)})"
    )


def spellings(url: str | None) -> list[str]:
    """`url` as the actions log may hold it: with or without a trailing slash or an anchor,
    and GitLab's `/-/` path segment."""
    if not url:
        return []
    base = url.partition("#")[0].rstrip("/")
    found = {base, f"{base}/"}
    if "/-/" in base:
        found.add(base.replace("/-/", "/", 1))
    else:
        for part in ("/merge_requests/", "/issues/"):
            if part in base:
                found.add(base.replace(part, f"/-{part}", 1))
    return sorted(found)


def _package_of_repo(deps: ChatopsDeps, forge: str, repo: str) -> str | None:
    try:
        settings = deps.settings.forge(forge)
    except KeyError:
        return None
    if settings.role not in (ForgeRole.DOWNSTREAM, ForgeRole.AUTOPATCH):
        return None
    namespace, _, name = repo.rpartition("/")
    return name if name and namespace == settings.namespace else None


def _refs(changes: Sequence[StoredChange]) -> str:
    shown = [f"`{ref(c.record.id)}` {c.record.name} ({c.branch})" for c in changes[:10]]
    more = f" and {len(changes) - 10} more" if len(changes) > 10 else ""
    return ", ".join(shown) + more if shown else "none"

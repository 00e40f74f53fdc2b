"""What the forges say about who made a change: the author of the autopatch config's newest
`changelog_entry` for the branch, and of the downstream commit that last touched the
change's file. Read only for changes whose owner is not stored yet; a forge that fails
leaves the fact unknown (the next run asks again), never the run failed."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Iterable, Mapping
from typing import TypeVar

from bot.domain.owners import OwnerFacts, Person
from bot.forges.base import Forge, RepoRef
from bot.forges.errors import ForgeError
from bot.ingest.autopatch.model import ActionKind, AutopatchError, Changelog
from bot.ingest.autopatch.parse import parse_config
from bot.settings import Settings

log = logging.getLogger(__name__)

#: (package, branch, file in the downstream tree)
Where = tuple[str, str, str]
_CONCURRENCY = 8
T = TypeVar("T")


async def owner_facts(
    settings: Settings, forges: Mapping[str, Forge], wanted: Iterable[Where]
) -> dict[Where, OwnerFacts]:
    """The facts for each (package, branch, file); one config read per (package, branch)
    and one commit listing per file."""
    places = sorted(set(wanted))
    gate = asyncio.Semaphore(_CONCURRENCY)
    branches = sorted({(package, branch) for package, branch, _ in places})
    changelog = dict(zip(branches, await asyncio.gather(
        *(_gated(gate, _changelog_author(settings, forges, package, branch))
          for package, branch in branches)
    ), strict=True))
    commits = await asyncio.gather(
        *(_gated(gate, _commit_author(settings, forges, where)) for where in places)
    )
    return {
        where: OwnerFacts(changelog_author=changelog[where[:2]], commit_author=commit)
        for where, commit in zip(places, commits, strict=True)
    }


async def _gated(gate: asyncio.Semaphore, job: Awaitable[T]) -> T:
    async with gate:
        return await job


async def _changelog_author(
    settings: Settings, forges: Mapping[str, Forge], package: str, branch: str
) -> Person | None:
    autopatch = settings.autopatch_forge
    if autopatch is None or autopatch.name not in forges:
        return None
    repo = RepoRef(autopatch.namespace or "autopatch", package)
    try:
        text = await forges[autopatch.name].read_file(repo, "config.yaml", ref=branch)
        config = parse_config(text, path=f"{repo.path}@{branch}:config.yaml")
    except (ForgeError, AutopatchError) as error:
        log.info("no autopatch changelog author", extra={"package": package, "branch": branch,
                                                         "error": str(error)})
        return None
    entries = [e for e in config.entries(ActionKind.CHANGELOG_ENTRY) if isinstance(e, Changelog)]
    if not entries:
        return None
    newest = entries[-1]
    return Person(newest.name or None, newest.email.lower() if newest.email else None)


async def _commit_author(
    settings: Settings, forges: Mapping[str, Forge], where: Where
) -> Person | None:
    package, branch, path = where
    downstream = settings.downstream_forge
    repo = RepoRef(downstream.namespace or "rpms", package)
    try:
        commits = await forges[downstream.name].list_commits(repo, ref=branch, path=path, limit=1)
    except ForgeError as error:
        log.info("no commit author", extra={"package": package, "branch": branch, "path": path,
                                            "error": str(error)})
        return None
    if not commits or not commits[0].author_email:
        return None
    return Person(commits[0].author_name or None, commits[0].author_email.lower())

"""Which packages a scan must read: the downstream org listing, the autopatch org (the
packages the distribution declares modified) and each target's repositories, each read
newest-first down to what the last scan saw, compared with what was stored.

A package is read when it is new, when its downstream or autopatch repository or one of
its target repositories changed, when a target that cannot be listed by activity (Pagure)
was last read more than a day ago, or when its failed scan is due for a retry; the rest
cost nothing but their share of the listings.
"""

from __future__ import annotations

import asyncio
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from bot.forges.base import Capability, Forge
from bot.service.package_scan import Job
from bot.settings import Settings
from bot.store import Store
from bot.store.records import WorkState
from bot.store.scan_records import RepoUpdate, Seen, WatchState, WorkItem

#: how long a target that cannot be listed by activity (Pagure) goes unread, give or take
#: a quarter (spread by package, so the refreshes do not all fall in one scan); merge
#: requests the bot tracks there are re-read by the merge request sync meanwhile
TARGET_REFRESH = timedelta(days=7)
#: the same for targets listed by activity, as a safety net: GitLab updates a project's
#: `last_activity_at` at most hourly, so a second push within the hour shows no change
LISTED_REFRESH = timedelta(days=30)
#: reasons that only say the downstream side was touched: unmoved branch heads end the scan
_DOWNSTREAM_ONLY = frozenset({"downstream updated", "autopatch updated"})


@dataclass(frozen=True, slots=True)
class Watch:
    """A namespace of one forge whose repositories the scanner follows."""

    forge: str
    namespace: str
    by_activity: bool


@dataclass(frozen=True, slots=True)
class Watched:
    """A watched namespace and what is known of its repositories, by repository name."""

    watch: Watch
    states: Mapping[str, WatchState]
    #: repositories the listing returned this time
    listed: int = 0
    #: the listing read every repository (no mark yet, or a full scan)
    complete: bool = False


@dataclass(slots=True)
class Plan:
    """The packages to read, and what the others are."""

    jobs: dict[str, Job] = field(default_factory=dict)
    #: packages unchanged since their last scan
    skipped: int = 0
    #: failed packages waiting for their retry time → the error and when
    deferred: dict[str, str] = field(default_factory=dict)
    listings: dict[str, int] = field(default_factory=dict)


def watches(settings: Settings, forges: Mapping[str, Forge], project_namespace: str) -> dict[
    str, Watch
]:
    """What the scanner follows, by role: "downstream", "autopatch", and each target."""
    found = {}
    downstream = settings.downstream_forge
    found["downstream"] = _watch(forges, downstream.name, downstream.namespace or "rpms")
    autopatch = settings.autopatch_forge
    if autopatch is not None and autopatch.name in forges:
        found["autopatch"] = _watch(forges, autopatch.name, autopatch.namespace or "autopatch")
    for target in settings.targets:
        if target.forge not in forges:
            continue
        namespace = settings.forge(target.forge).namespace or project_namespace
        found[str(target.name)] = _watch(forges, target.forge, namespace)
    return found


async def read_watch(
    forge: Forge, watch: Watch, store: Store, *, full: bool, record: bool
) -> Watched:
    """The watch's stored states with what its listing shows now (forges that cannot list
    by activity are not listed: their repositories are refreshed by age)."""
    if not watch.by_activity:
        states = await asyncio.to_thread(store.scans.watch_states, watch.forge, watch.namespace)
        return Watched(watch, _by_name(states))
    mark = None if full else await asyncio.to_thread(
        store.scans.listing_mark, watch.forge, watch.namespace
    )
    repos = await forge.list_repos(watch.namespace, since=mark)
    listed = [RepoUpdate(r.ref.path, r.updated_at) for r in repos if r.fork_of is None]
    if record:
        await asyncio.to_thread(store.scans.record_listing, watch.forge, watch.namespace, listed)
    states = dict(
        await asyncio.to_thread(store.scans.watch_states, watch.forge, watch.namespace)
    )
    for repo in listed:
        known = states.get(repo.path)
        states[repo.path] = (
            replace(known, listed_update=repo.updated_at)
            if known is not None
            else WatchState(watch.forge, repo.path, watch.namespace, repo.updated_at, None, None)
        )
    if mark is None:
        # a complete listing: what it lacks is gone from the forge
        names = {repo.path for repo in listed}
        states = {path: state for path, state in states.items() if path in names}
    return Watched(watch, _by_name(states), len(listed), complete=mark is None)


def plan_packages(
    watched: Mapping[str, Watched],
    items: Mapping[str, WorkItem],
    *,
    wants: Callable[[str, bool], bool],
    now: datetime,
    asked: Sequence[str] | None = None,
    full: bool = False,
) -> Plan:
    """Which packages to read and why; `wants(package, has_autopatch)` applies the
    include/exclude lists. Asked packages are read whatever changed."""
    downstream = watched["downstream"]
    autopatch = watched.get("autopatch")
    autopatched = autopatch.states if autopatch is not None else {}
    targets = [w for role, w in watched.items() if role not in ("downstream", "autopatch")]
    plan = Plan(listings={role: w.listed for role, w in watched.items()})
    names = sorted(asked) if asked else sorted(downstream.states)
    for name in names:
        state = downstream.states.get(name)
        if not asked and not wants(name, name in autopatched):
            continue
        item = items.get(name)
        reasons = ["asked"] if asked else ["full scan"] if full else _reasons(
            name, state, autopatched.get(name), targets, now
        )
        if item is not None and item.state is WorkState.FAILED and not asked and not full:
            # what was found to read before the failure is still unread: the retry time
            # decides, so a failing package is not read again on every scan
            if item.next_attempt_at > now:
                plan.deferred[name] = f"{item.last_error} (retry at {item.next_attempt_at:%F %T})"
                continue
            reasons.append(f"retry {item.attempts}")
        elif item is not None and item.state in (WorkState.PENDING, WorkState.CLAIMED):
            reasons.append("unfinished")
        if not reasons:
            plan.skipped += 1
            continue
        plan.jobs[name] = _job(name, reasons, state, autopatch, item)
    return plan


def _reasons(
    name: str,
    state: WatchState | None,
    autopatch: WatchState | None,
    targets: list[Watched],
    now: datetime,
) -> list[str]:
    if state is None or (state.seen_update is None and state.observed_at is None):
        return ["new"]
    reasons = []
    if state.changed:
        reasons.append("downstream updated")
    if autopatch is not None and (autopatch.changed or autopatch.observed_at is None):
        reasons.append("autopatch updated")
    for target in targets:
        found = target.states.get(name)
        if target.watch.by_activity and found is not None and found.changed:
            reasons.append(f"{target.watch.forge} updated")
        elif _due(name, found, now, listed=target.watch.by_activity):
            reasons.append(f"{target.watch.forge} refresh due")
    return reasons


def _job(
    name: str,
    reasons: list[str],
    state: WatchState | None,
    autopatch: Watched | None,
    item: WorkItem | None,
) -> Job:
    heads_known = item is not None and item.state is WorkState.DONE and bool(item.heads)
    also = ()
    if autopatch is not None and name in autopatch.states:
        found = autopatch.states[name]
        also = (Seen(found.forge, found.path, found.listed_update),)
    return Job(
        name,
        "; ".join(reasons),
        updated_at=state.listed_update if state is not None else None,
        known_heads=item.heads if heads_known and set(reasons) <= _DOWNSTREAM_ONLY else None,
        also_seen=also,
    )


def _due(name: str, found: WatchState | None, now: datetime, *, listed: bool) -> bool:
    """Whether a target repository was last read too long ago; one a listing never showed
    does not exist there (listed targets), or was never read (the others)."""
    if found is None or found.observed_at is None:
        return not listed
    spread = 0.75 + 0.5 * (zlib.crc32(name.encode("utf-8")) % 1000) / 1000
    return now - found.observed_at >= (LISTED_REFRESH if listed else TARGET_REFRESH) * spread


def _watch(forges: Mapping[str, Forge], name: str, namespace: str) -> Watch:
    by_activity = Capability.REPOS_BY_ACTIVITY in forges[name].capabilities
    return Watch(name, namespace, by_activity)


def _by_name(states: Mapping[str, WatchState]) -> dict[str, WatchState]:
    return {path.rpartition("/")[2]: state for path, state in states.items()}

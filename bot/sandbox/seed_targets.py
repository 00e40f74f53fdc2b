"""Builds a package's target dist-git repositories (CentOS Stream on the GitLab sandbox,
Fedora on the Pagure sandbox) with what each story puts there: the same patch already in
the branch, a renamed copy, a merged, closed or open merge request, or nothing at all.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from bot.domain.model import Target
from bot.ingest.autopatch.analysis import apply_to_tree
from bot.ingest.autopatch.parse import parse_config
from bot.sandbox.gitstore import Author
from bot.sandbox.seed_autopatch import target_config
from bot.sandbox.seed_changes import ChangePlan, CommentPlan, marker
from bot.sandbox.seed_downstream import SeedError, base_variant, fix_patch, rhel_issue
from bot.sandbox.seed_fixes import Fix
from bot.sandbox.seed_history import RepoPlan
from bot.sandbox.seed_names import BOT
from bot.sandbox.seed_patchfile import Header, PatchFormat
from bot.sandbox.seed_plan import (
    BRANCHES,
    FEDORA_BRANCH,
    EditKind,
    EditPlan,
    FixPlan,
    PackagePlan,
    Story,
)
from bot.sandbox.seed_spec import ChangelogEntry, SpecVariant, flat_tree, spec_text
from bot.sandbox.truth import Evidence, MatchedBy

_DAY = timedelta(days=1)
_IN_BRANCH = (Story.PRESENT_SAME, Story.PRESENT_RENAMED, Story.MERGED)
_REJECTION = "Thanks, but this does not belong in this branch for now; closing."
#: (target, target branch) -> (forge, repository path of the package, fork path of a user)
_WHERE = {
    Target.CENTOS_STREAM: ("gitlab", "redhat/centos-stream/rpms/{}", "{user}/{name}"),
    Target.FEDORA: ("pagure", "rpms/{}", "fork/{user}/rpms/{name}"),
}


@dataclass(frozen=True, slots=True)
class TargetFact:
    story: Story
    evidence: Evidence | None
    matched_by: MatchedBy | None


@dataclass(slots=True)
class TargetBuild:
    repos: list[RepoPlan] = field(default_factory=list)
    changes: list[ChangePlan] = field(default_factory=list)
    #: (fix file name or edit kind, target, target branch) -> what the target holds
    facts: dict[tuple[str, Target, str], TargetFact] = field(default_factory=dict)


@dataclass(slots=True)
class _Branch:
    """One target branch being built: its repository, the copy of the spec, and its roots."""

    target: Target
    branch: str
    repo: RepoPlan
    el_version: str | None
    root: int = 0


@dataclass(frozen=True, slots=True)
class _Pending:
    """A story that needs a change request; `index` is its commit when the branch has it."""

    item: FixPlan
    story: Story
    index: int | None = None
    created: datetime | None = None
    updated: datetime | None = None


@dataclass(frozen=True, slots=True)
class _Request:
    created: datetime
    change: ChangePlan
    key: tuple[str, Target, str]
    story: Story
    matched_by: MatchedBy
    path: str
    marker: str | None
    fork: RepoPlan
    head: int


def build_targets(
    plan: PackagePlan,
    patches: Mapping[str, bytes],
    change_ids: Mapping[str, str],
    base_patch_files: Mapping[str, bytes],
    *,
    now: datetime,
) -> TargetBuild:
    build = TargetBuild()
    rng = plan.rng("targets")
    gitlab = RepoPlan("gitlab", _WHERE[Target.CENTOS_STREAM][1].format(plan.name), "c10s")
    pagure = RepoPlan("pagure", _WHERE[Target.FEDORA][1].format(plan.name), FEDORA_BRANCH)
    for repo in (gitlab, pagure):
        repo.members = {"maintainer": "maintain"}
    branches = [_Branch(Target.CENTOS_STREAM, s, gitlab, m) for _, (_, s, m) in BRANCHES.items()]
    branches.append(_Branch(Target.FEDORA, FEDORA_BRANCH, pagure, None))
    waiting: list[tuple[_Branch, _Pending]] = []
    for where in branches:
        _root(where, plan, base_patch_files, build)
        waiting += [(where, p) for p in _chain(where, plan, patches, rng, now, build)]
    forks: dict[tuple[str, str], RepoPlan] = {}
    requests: dict[str, list[_Request]] = {"gitlab": [], "pagure": []}
    for where, pending in waiting:
        request = _request(where, plan, pending, patches, change_ids, rng, now, forks)
        requests[where.repo.forge].append(request)
    build.repos += [gitlab, pagure, *(forks[key] for key in sorted(forks))]
    for planned in requests.values():
        planned.sort(key=lambda r: (r.created, r.change.source_branch))
        for number, request in enumerate(planned, start=1):
            change = replace(request.change, number=number)
            # the forge keeps the request's head in the target repository
            target = gitlab if change.forge == "gitlab" else pagure
            target.adopt(request.fork, request.head, f"refs/pull/{number}/head")
            build.changes.append(change)
            evidence = Evidence(
                change.forge,
                change.repo,
                change.target_branch,
                change.head_sha,
                number,
                path=request.path,
                marker=request.marker,
            )
            build.facts[request.key] = TargetFact(request.story, evidence, request.matched_by)
    return build


def _root(
    where: _Branch, plan: PackagePlan, base_patch_files: Mapping[str, bytes], build: TargetBuild
) -> None:
    """The branch as the target has it before any story: the spec with its own hunks."""
    edits = {
        item.kind: item
        for item in plan.items
        if isinstance(item, EditPlan)
        and item.stories.get((where.target, where.branch)) is Story.HUNK_PRESENT
    }
    if where.target is Target.FEDORA:
        v = plan.versions
        when = v.releases[-1][1] + 5 * _DAY
        variant = SpecVariant(
            v.fedora,
            "1",
            (),
            (),
            autorelease=plan.fedora_autorelease,
            drop=frozenset({"bug_url", "sb_key", "vendor_sentence"}),
        )
        if not plan.fedora_autorelease:
            variant = replace(variant, changelog=(_fedora_entry(plan, when),))
        message = f"Update to {v.fedora}"
        patches: dict[str, bytes] = {}
    else:
        base = "c9" if where.branch == "c9s" else "c10s"
        variant = base_variant(plan, base)
        imported = plan.versions.el9_imported if base == "c9" else plan.versions.el10_imported
        when = imported[1] - 3 * _DAY
        nvr = f"{plan.name}-{variant.version}-{variant.release}.el{where.el_version}"
        message = f"{nvr}\n\nResolves: RHEL-{rhel_issue(plan.name, where.branch)}"
        patches = {name: base_patch_files[name] for name in plan.base_patches}
    variant = replace(
        variant,
        feature_on=EditKind.FEATURE in edits,
        extra_arches=("riscv64",) if EditKind.ARCH_SPEC in edits else (),
        extra_build_requires=(edits[EditKind.BUILD].detail,) if EditKind.BUILD in edits else (),
    )
    tree = flat_tree(plan.name, spec_text(plan.traits, variant), patches, variant.version)
    where.root = where.repo.commit(
        where.branch, tree, message=message, author=plan.maintainer, when=when, parent=None
    )
    for kind in edits:
        evidence = Evidence(
            where.repo.forge,
            where.repo.path,
            where.branch,
            where.repo.shas[where.root],
            path=f"{plan.name}.spec",
        )
        build.facts[(str(kind), where.target, where.branch)] = TargetFact(
            Story.HUNK_PRESENT, evidence, MatchedBy.SPEC_HUNK
        )


def _fedora_entry(plan: PackagePlan, when: datetime) -> ChangelogEntry:
    version = plan.versions.fedora
    return ChangelogEntry(when, plan.maintainer, f"{version}-1", (f"Update to {version}",))


def _chain(
    where: _Branch,
    plan: PackagePlan,
    patches: Mapping[str, bytes],
    rng: random.Random,
    now: datetime,
    build: TargetBuild,
) -> list[_Pending]:
    """Commit the stories that end in the branch, oldest first; return those needing a
    change request (merged ones included, with their commit)."""
    start = where.repo.commits[where.root].when + _DAY
    events: list[tuple[datetime, str, _Pending]] = []
    waiting: list[_Pending] = []
    for item in plan.items:
        story = (
            item.stories.get((where.target, where.branch)) if isinstance(item, FixPlan) else None
        )
        if story is None or story is Story.PENDING:
            continue
        assert isinstance(item, FixPlan)
        if story in (Story.PRESENT_SAME, Story.PRESENT_RENAMED):
            when = _clamp(item.since + rng.randrange(-150, 150) * _DAY, start, now - _DAY)
            events.append((when, item.fix.file_name, _Pending(item, story, created=when)))
        elif story is Story.MERGED:
            created = _clamp(item.since + rng.randrange(1, 60) * _DAY, start, now - 3 * _DAY)
            merged = _clamp(created + rng.randrange(1, 40) * _DAY, created, now - _DAY)
            pending = _Pending(item, story, created=created, updated=merged)
            events.append((merged, item.fix.file_name, pending))
        else:
            waiting.append(_Pending(item, story))
    for _, _, pending in sorted(events, key=lambda e: (e[0], e[1])):
        fix = pending.item.fix
        assert pending.created is not None
        if pending.story is Story.PRESENT_RENAMED:
            header = Header(
                fix.subject,
                fix.body,
                plan.maintainer,
                pending.created,
                trailers=(f"Resolves: RHEL-{rhel_issue(plan.name, fix.file_name)}",),
            )
            name, data = fix.base_name, fix_patch(plan, PatchFormat.FORMAT_PATCH, header, fix.edits)
            author = plan.maintainer
        else:
            name, data = fix.file_name, patches[fix.file_name]
            author = plan.maintainer if pending.story is Story.PRESENT_SAME else plan.owner
        tree = _add_patch(
            where, plan, where.repo.tree(where.branch), name, data, author, pending.created
        )
        index = where.repo.commit(
            where.branch,
            tree,
            message=_message(where, plan, fix.subject, fix.file_name),
            author=author,
            when=pending.created,
        )
        if pending.story is Story.MERGED:
            waiting.append(replace(pending, index=index))
            continue
        matched = MatchedBy.FILE_CONTENT if name == fix.file_name else MatchedBy.PATCH_ID
        evidence = Evidence(
            where.repo.forge, where.repo.path, where.branch, where.repo.shas[index], path=name
        )
        key = (fix.file_name, where.target, where.branch)
        build.facts[key] = TargetFact(pending.story, evidence, matched)
    return waiting


def _request(
    where: _Branch,
    plan: PackagePlan,
    pending: _Pending,
    patches: Mapping[str, bytes],
    change_ids: Mapping[str, str],
    rng: random.Random,
    now: datetime,
    forks: dict[tuple[str, str], RepoPlan],
) -> _Request:
    fix = pending.item.fix
    story = pending.story
    bot = story is Story.OPEN_MARKER
    user = "upstream-bot" if bot else "packager"
    fork = _fork(forks, where.repo, user, plan.name, where.target)
    change_id = change_ids[fix.file_name]
    slug = fix.file_name.removeprefix("0001-").removesuffix(".patch").lower()
    branch = f"upstream-bot/{where.branch}/{change_id}" if bot else f"{where.branch}-{slug}"
    start = where.repo.commits[where.root].when + _DAY
    if pending.index is not None:
        fork.point(branch, pending.index)
        head, name = pending.index, fix.file_name
        created, updated = pending.created, pending.updated
        matched = MatchedBy.FILE_CONTENT
    else:
        created = _clamp(pending.item.since + rng.randrange(1, 90) * _DAY, start, now - 2 * _DAY)
        updated = created
        if story is Story.CLOSED:
            updated = _clamp(created + rng.randrange(2, 60) * _DAY, created, now - _DAY)
        name, data, matched = _request_patch(plan, fix, story, patches, created)
        author = BOT if bot else plan.owner
        tree = _add_patch(where, plan, fork.tree(where.branch), name, data, author, created)
        head = fork.commit(
            branch,
            tree,
            message=_message(where, plan, fix.subject, name),
            author=author,
            when=created,
            parent=fork.tip(where.branch),
        )
    assert created is not None and updated is not None
    sign = marker(change_id, str(where.target), where.branch) if bot else None
    body = _body(where, pending.item, sign)
    state = {Story.CLOSED: "closed", Story.MERGED: "merged"}.get(story, "open")
    comments = (CommentPlan("maintainer", _REJECTION, updated),) if state == "closed" else ()
    change = ChangePlan(
        forge=where.repo.forge,
        repo=where.repo.path,
        number=0,
        title=fix.subject,
        body=body,
        author=user,
        source_repo=fork.path,
        source_branch=branch,
        target_branch=where.branch,
        head_sha=fork.shas[head],
        created_at=created,
        state=state,
        updated_at=updated,
        draft=bot and where.target is Target.CENTOS_STREAM,
        comments=comments,
        shared_numbers=where.repo.forge != "gitlab",
    )
    key = (fix.file_name, where.target, where.branch)
    return _Request(created, change, key, story, matched, name, sign, fork, head)


def _request_patch(
    plan: PackagePlan,
    fix: Fix,
    story: Story,
    patches: Mapping[str, bytes],
    when: datetime,
) -> tuple[str, bytes, MatchedBy]:
    """The patch a change request adds, and the clue that ties it to the downstream's."""
    if story is Story.CLOSED:
        return fix.file_name, patches[fix.file_name], MatchedBy.FILE_CONTENT
    if story is Story.OPEN_PATCH_ID:
        header = Header(fix.subject, fix.body, plan.owner, when)
        data = fix_patch(plan, PatchFormat.FORMAT_PATCH, header, fix.edits)
        return fix.base_name, data, MatchedBy.PATCH_ID
    if story is Story.OPEN_NAME:
        header = Header(fix.subject, fix.body, plan.owner, when)
        data = fix_patch(plan, PatchFormat.FORMAT_PATCH, header, fix.reworked)
        return fix.file_name, data, MatchedBy.FILE_NAME
    header = Header(fix.subject, fix.body, BOT, when)
    data = fix_patch(plan, PatchFormat.FORMAT_PATCH, header, fix.reworked)
    name = f"{plan.name}-{fix.file_name.removeprefix('0001-')}".lower()
    return name, data, MatchedBy.MARKER


def _add_patch(
    where: _Branch,
    plan: PackagePlan,
    tree: Mapping[str, bytes],
    name: str,
    data: bytes,
    author: Author,
    when: datetime,
) -> dict[str, bytes]:
    """The tree with the patch added as the target's maintainer would: Patch tag, release
    bump and changelog entry (left to rpmautospec where the spec uses it)."""
    spec = tree[f"{plan.name}.spec"].decode()
    release = next((line for line in spec.splitlines() if line.startswith("Release:")), None)
    if release is not None and "%autorelease" in release:
        release = None
    lines = [_subject_of(data, name)]
    if where.target is Target.CENTOS_STREAM:
        lines.append(f"Resolves: RHEL-{rhel_issue(plan.name, name, where.branch)}")
    text = target_config(name=name, author=author, lines=lines, release_line=release)
    applied = apply_to_tree(
        parse_config(text, path=f"{where.repo.path}:{where.branch}"),
        {name: data},
        tree,
        changelog_date=f"{when:%a %b %d %Y}",
        el_version=where.el_version,
        package=plan.name,
    )
    if applied.problems:
        raise SeedError(f"{where.repo.path} {where.branch}: adding {name}: {applied.problems}")
    return applied.files


def _subject_of(data: bytes, name: str) -> str:
    for line in data.decode("utf-8", "replace").splitlines():
        if line.startswith(("Subject: [PATCH] ", "Description: ")):
            return line.split(": ", 1)[1].removeprefix("[PATCH] ")
    return f"Add {name}"


def _message(where: _Branch, plan: PackagePlan, subject: str, name: str) -> str:
    if where.target is Target.CENTOS_STREAM:
        return f"{subject}\n\nResolves: RHEL-{rhel_issue(plan.name, name, where.branch)}\n"
    return f"{subject}\n"


def _body(where: _Branch, item: FixPlan, sign: str | None) -> str:
    carried = ", ".join(item.branches)
    if sign is None:
        return f"{item.fix.body}\n\nAlmaLinux carries this fix on {carried}."
    ask = ""
    if where.target is Target.CENTOS_STREAM:
        ask = (
            "\n\nCentOS Stream needs a `Resolves: RHEL-…` ticket: reply `/upstream jira RHEL-<n>`."
        )
    return (
        f"This merge request carries AlmaLinux's downstream change {item.fix.file_name} "
        f"(carried on {carried}).\n\n{item.fix.body}{ask}\n\n{sign}"
    )


def _fork(
    forks: dict[tuple[str, str], RepoPlan], repo: RepoPlan, user: str, name: str, target: Target
) -> RepoPlan:
    if (repo.forge, user) not in forks:
        path = _WHERE[target][2].format(user=user, name=name)
        forks[(repo.forge, user)] = repo.copy_as(repo.forge, path, owner=user)
    return forks[(repo.forge, user)]


def _clamp(moment: datetime, low: datetime, high: datetime) -> datetime:
    return max(low, min(moment, high))

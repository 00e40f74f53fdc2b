"""Builds a package's target dist-git repositories (CentOS Stream on the GitLab sandbox,
Fedora on the Pagure sandbox) with what each story puts there: the same patch already in
the branch, a renamed copy, a merged, closed or open merge request, or nothing at all.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from bot.domain.model import Target
from bot.sandbox.seed_changes import ChangePlan, CommentPlan, marker
from bot.sandbox.seed_downstream import base_variant, rhel_issue
from bot.sandbox.seed_history import RepoPlan
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
from bot.sandbox.seed_target_edits import (
    REJECTION,
    add_patch,
    commit_message,
    request_body,
    story_patch,
)
from bot.sandbox.truth import Evidence, MatchedBy

_DAY = timedelta(days=1)
#: target -> (forge, the package's repository, a user's fork of it)
_WHERE = {
    Target.CENTOS_STREAM: ("gitlab", "redhat/centos-stream/rpms/{name}", "{user}/{name}"),
    Target.FEDORA: ("pagure", "rpms/{name}", "fork/{user}/rpms/{name}"),
}
#: what Fedora's copy of a spec lacks of the base distribution's
_NOT_IN_FEDORA = frozenset({"bug_url", "sb_key", "vendor_sentence"})


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
    target: Target
    branch: str
    repo: RepoPlan
    el_version: str | None
    root: int = 0


@dataclass(frozen=True, slots=True)
class _Waiting:
    """A story that needs a change request; a merged one has its commit and dates."""

    item: FixPlan
    story: Story
    index: int | None = None
    created: datetime | None = None
    merged: datetime | None = None


@dataclass(frozen=True, slots=True)
class _Request:
    """A change request before its number is known."""

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
    """`patches` and `change_ids` are the downstream patch files and their change ids."""
    return _Builder(plan, patches, change_ids, base_patch_files, now).build()


class _Builder:
    def __init__(
        self,
        plan: PackagePlan,
        patches: Mapping[str, bytes],
        change_ids: Mapping[str, str],
        base_patch_files: Mapping[str, bytes],
        now: datetime,
    ) -> None:
        self.plan = plan
        self.patches = patches
        self.change_ids = change_ids
        self.base_patch_files = base_patch_files
        self.now = now
        self.rng = plan.rng("targets")
        self.result = TargetBuild()
        self.forks: dict[tuple[str, str], RepoPlan] = {}

    def build(self) -> TargetBuild:
        repos = {
            target: RepoPlan(forge, path.format(name=self.plan.name), default, {})
            for (target, (forge, path, _)), default in zip(
                _WHERE.items(), ("c10s", FEDORA_BRANCH), strict=True
            )
        }
        for repo in repos.values():
            repo.members = {"maintainer": "maintain"}
        branches = [
            _Branch(Target.CENTOS_STREAM, stream, repos[Target.CENTOS_STREAM], major)
            for _, stream, major in BRANCHES.values()
        ]
        branches.append(_Branch(Target.FEDORA, FEDORA_BRANCH, repos[Target.FEDORA], None))
        waiting: list[tuple[_Branch, _Waiting]] = []
        for where in branches:
            self._root(where)
            waiting += [(where, story) for story in self._chain(where)]
        requests = [self._request(where, story) for where, story in waiting]
        self.result.repos += [*repos.values(), *(self.forks[key] for key in sorted(self.forks))]
        for target, repo in repos.items():
            mine = [r for r in requests if r.key[1] is target]
            mine.sort(key=lambda r: (r.change.created_at, r.change.source_branch))
            self._number(repo, mine)
        return self.result

    def _root(self, where: _Branch) -> None:
        """The branch before any story: the target's own spec, with its own hunks."""
        plan = self.plan
        present = {
            item.kind: item
            for item in plan.items
            if isinstance(item, EditPlan)
            and item.stories.get((where.target, where.branch)) is Story.HUNK_PRESENT
        }
        if where.target is Target.FEDORA:
            version = plan.versions.fedora
            when = plan.versions.releases[-1][1] + 5 * _DAY
            entry = ChangelogEntry(when, plan.maintainer, f"{version}-1", (f"Update to {version}",))
            variant = SpecVariant(
                version,
                "1",
                (),
                () if plan.fedora_autorelease else (entry,),
                autorelease=plan.fedora_autorelease,
                drop=_NOT_IN_FEDORA,
            )
            message, patches = f"Update to {version}", {}
        else:
            base = "c9" if where.branch == "c9s" else "c10s"
            variant = base_variant(plan, base)
            imported = plan.versions.el9_imported if base == "c9" else plan.versions.el10_imported
            when = imported[1] - 3 * _DAY
            nvr = f"{plan.name}-{variant.version}-{variant.release}.el{where.el_version}"
            message = f"{nvr}\n\nResolves: RHEL-{rhel_issue(plan.name, where.branch)}"
            patches = {name: self.base_patch_files[name] for name in plan.base_patches}
        build = present.get(EditKind.BUILD)
        variant = replace(
            variant,
            feature_on=EditKind.FEATURE in present,
            extra_arches=("riscv64",) if EditKind.ARCH_SPEC in present else (),
            extra_build_requires=(build.detail,) if build else (),
        )
        tree = flat_tree(plan.name, spec_text(plan.traits, variant), patches, variant.version)
        where.root = where.repo.commit(
            where.branch, tree, message=message, author=plan.maintainer, when=when, parent=None
        )
        sha = where.repo.shas[where.root]
        for kind in present:
            evidence = Evidence(
                where.repo.forge, where.repo.path, where.branch, sha, path=f"{plan.name}.spec"
            )
            fact = TargetFact(Story.HUNK_PRESENT, evidence, MatchedBy.SPEC_HUNK)
            self.result.facts[(str(kind), where.target, where.branch)] = fact

    def _chain(self, where: _Branch) -> list[_Waiting]:
        """Commit, oldest first, the stories that end in the branch; return the stories
        needing a change request (a merged one with its commit)."""
        start = where.repo.commits[where.root].when + _DAY
        events: list[tuple[datetime, str, FixPlan, Story, datetime]] = []
        waiting: list[_Waiting] = []
        for item in self.plan.items:
            story = item.stories.get((where.target, where.branch))
            if not isinstance(item, FixPlan) or story in (None, Story.PENDING):
                continue
            assert story is not None
            if story in (Story.PRESENT_SAME, Story.PRESENT_RENAMED):
                drift = self.rng.randrange(-150, 150) * _DAY
                when = _clamp(item.since + drift, start, self.now - _DAY)
                events.append((when, item.fix.file_name, item, story, when))
            elif story is Story.MERGED:
                created, merged = self._dates(item, start, closes=True)
                events.append((merged, item.fix.file_name, item, story, created))
            else:
                waiting.append(_Waiting(item, story))
        for entered, _, item, story, when in sorted(events, key=lambda e: (e[0], e[1])):
            name, data, matched, author = story_patch(
                self.plan, item.fix, story, self.patches, when
            )
            tree = add_patch(
                where.repo.tree(where.branch),
                plan=self.plan,
                target=where.target,
                branch=where.branch,
                el_version=where.el_version,
                patch=(name, data),
                author=author,
                when=when,
            )
            message = commit_message(self.plan, where.target, where.branch, item.fix, name)
            index = where.repo.commit(where.branch, tree, message=message, author=author, when=when)
            if story is Story.MERGED:
                waiting.append(_Waiting(item, story, index, when, entered))
                continue
            evidence = Evidence(
                where.repo.forge, where.repo.path, where.branch, where.repo.shas[index], path=name
            )
            key = (item.fix.file_name, where.target, where.branch)
            self.result.facts[key] = TargetFact(story, evidence, matched)
        return waiting

    def _dates(self, item: FixPlan, start: datetime, *, closes: bool) -> tuple[datetime, datetime]:
        """When a change request was opened and, if it `closes`, closed or merged."""
        created = _clamp(item.since + self.rng.randrange(1, 60) * _DAY, start, self.now - 3 * _DAY)
        if not closes:
            return created, created
        return created, _clamp(created + self.rng.randrange(1, 40) * _DAY, created, self.now - _DAY)

    def _request(self, where: _Branch, waiting: _Waiting) -> _Request:
        item, story, fix = waiting.item, waiting.story, waiting.item.fix
        bot = story is Story.OPEN_MARKER
        user = "upstream-bot" if bot else "packager"
        fork = self._fork(where, user)
        change_id = self.change_ids[fix.file_name]
        slug = fix.file_name.removeprefix("0001-").removesuffix(".patch").lower()
        branch = f"upstream-bot/{where.branch}/{change_id}" if bot else f"{where.branch}-{slug}"
        if waiting.index is not None:
            assert waiting.created is not None and waiting.merged is not None
            head, name, matched = waiting.index, fix.file_name, MatchedBy.FILE_CONTENT
            fork.point(branch, head)
            created, updated = waiting.created, waiting.merged
        else:
            start = where.repo.commits[where.root].when + _DAY
            created, updated = self._dates(item, start, closes=story is Story.CLOSED)
            name, data, matched, author = story_patch(self.plan, fix, story, self.patches, created)
            tree = add_patch(
                fork.tree(where.branch),
                plan=self.plan,
                target=where.target,
                branch=where.branch,
                el_version=where.el_version,
                patch=(name, data),
                author=author,
                when=created,
            )
            head = fork.commit(
                branch,
                tree,
                message=commit_message(self.plan, where.target, where.branch, fix, name),
                author=author,
                when=created,
                parent=fork.tip(where.branch),
            )
        sign = marker(change_id, str(where.target), where.branch) if bot else None
        state = {Story.CLOSED: "closed", Story.MERGED: "merged"}.get(story, "open")
        change = ChangePlan(
            forge=where.repo.forge,
            repo=where.repo.path,
            number=0,
            title=fix.subject,
            body=request_body(where.target, item, sign),
            author=user,
            source_repo=fork.path,
            source_branch=branch,
            target_branch=where.branch,
            head_sha=fork.shas[head],
            created_at=created,
            state=state,
            updated_at=updated,
            draft=bot and where.target is Target.CENTOS_STREAM,
            comments=(CommentPlan("maintainer", REJECTION, updated),) if state == "closed" else (),
            shared_numbers=where.repo.forge != "gitlab",
        )
        key = (fix.file_name, where.target, where.branch)
        return _Request(change, key, story, matched, name, sign, fork, head)

    def _fork(self, where: _Branch, user: str) -> RepoPlan:
        key = (where.repo.forge, user)
        if key not in self.forks:
            path = _WHERE[where.target][2].format(user=user, name=self.plan.name)
            self.forks[key] = where.repo.copy_as(where.repo.forge, path, owner=user)
        return self.forks[key]

    def _number(self, repo: RepoPlan, requests: list[_Request]) -> None:
        """Number one repository's requests by opening date; record their facts."""
        for number, request in enumerate(requests, start=1):
            change = replace(request.change, number=number)
            # the forge keeps a request's head in the target repository
            repo.adopt(request.fork, request.head, f"refs/pull/{number}/head")
            self.result.changes.append(change)
            evidence = Evidence(
                change.forge,
                change.repo,
                change.target_branch,
                change.head_sha,
                number,
                path=request.path,
                marker=request.marker,
            )
            self.result.facts[request.key] = TargetFact(request.story, evidence, request.matched_by)


def _clamp(moment: datetime, low: datetime, high: datetime) -> datetime:
    return max(low, min(moment, high))

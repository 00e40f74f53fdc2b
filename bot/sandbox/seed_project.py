"""Builds a package's original project on the GitHub sandbox: releases, unrelated commits,
the commits and pull requests the fixes' project stories call for, and the forks those
requests come from; and says what each fix's patch header declares about it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from bot.domain.model import Target
from bot.sandbox.seed_changes import ChangePlan, CommentPlan, marker
from bot.sandbox.seed_diff import FileEdit, apply_edits
from bot.sandbox.seed_history import RepoPlan
from bot.sandbox.seed_names import BOT, NOUNS
from bot.sandbox.seed_plan import PROJECT_BRANCH, FixPlan, PackagePlan, Story
from bot.sandbox.truth import Evidence, MatchedBy

FORGE = "github"
_DAY = timedelta(days=1)
_KEY = (Target.PROJECT, PROJECT_BRANCH)
_REJECTION = "Thanks for the patch. We would rather fix this differently; closing for now."
#: stories that end with the fix on the project's main branch
_ON_MAIN = (Story.PROJECT_COMMIT, Story.PROJECT_BACKPORT_REF, Story.PROJECT_DECLARED_MERGED)


@dataclass(frozen=True, slots=True)
class ProjectFact:
    """What the project holds for one fix, and what the fix's patch header says about it."""

    story: Story
    evidence: Evidence | None = None
    matched_by: MatchedBy | None = None
    upstream_status: str | None = None
    origin: str | None = None
    forwarded: str | None = None
    commit: str | None = None
    trailers: tuple[str, ...] = ()


@dataclass(slots=True)
class _Draft:
    """A pull request before its number is known."""

    fix: FixPlan
    author: str
    fork: RepoPlan
    branch: str
    head: int
    created: datetime
    state: str
    updated: datetime
    number: int = 0


@dataclass(slots=True)
class ProjectBuild:
    repos: list[RepoPlan] = field(default_factory=list)
    #: by the fix's patch file name
    facts: dict[str, ProjectFact] = field(default_factory=dict)
    drafts: list[_Draft] = field(default_factory=list)

    def changes(self, change_ids: Mapping[str, str]) -> list[ChangePlan]:
        """The pull requests, once the fixes' change ids (by patch file name) are known."""
        return [_change(self.repos[0].path, draft, change_ids) for draft in self.drafts]


def project_path(name: str) -> str:
    return f"upstream/{name}"


def build_project(plan: PackagePlan, now: datetime) -> ProjectBuild:
    if not plan.has_project:
        return ProjectBuild()
    return _Builder(plan, now).build()


class _Builder:
    def __init__(self, plan: PackagePlan, now: datetime) -> None:
        self.plan = plan
        self.now = now
        self.rng = plan.rng("project")
        self.repo = RepoPlan(FORGE, project_path(plan.name), PROJECT_BRANCH)
        self.repo.members = {"maintainer": "maintain"}
        self.url = f"https://github.com/{self.repo.path}"
        self.result = ProjectBuild(repos=[self.repo])
        self.forks: dict[str, RepoPlan] = {}
        self.releases: dict[str, int] = {}
        self.on_main: dict[str, int] = {}

    def build(self) -> ProjectBuild:
        fixes = [item for item in self.plan.items if isinstance(item, FixPlan)]
        files = self._release_history()
        self._main_history(files, fixes)
        for fix in fixes:
            self.result.facts[fix.fix.file_name] = self._fact(fix)
        self.result.repos.extend(self.forks[user] for user in sorted(self.forks))
        self._number_requests()
        return self.result

    def _release_history(self) -> dict[str, str]:
        """The project's releases, each followed by a documentation commit."""
        plan, history = self.plan, ()
        files: dict[str, str] = {}
        for position, (version, when) in enumerate(plan.versions.releases):
            history = (*history, version)
            files |= {p: d.decode() for p, d in plan.project.tree(version, history).items()}
            message = f"Release {version}" if position else f"Import {plan.name} {version}"
            self.releases[version] = self._commit(files, message, when)
            # a release is tagged, as the spec's Source0 archive URL (`archive/v<version>`)
            # expects: the tree there is what the source tarball unpacks to
            self.repo.point(f"refs/tags/v{version}", self.releases[version])
            noun = self.rng.choice(NOUNS)
            files["README.md"] += f"\nThe `{noun}` option is documented in {version}.\n"
            later = when + self.rng.randrange(2, 40) * _DAY
            self._commit(files, f"Document the {noun} option", later)
        return files

    def _main_history(self, files: dict[str, str], fixes: list[FixPlan]) -> None:
        """The fixes that reach main, in date order, after the last release."""
        after = self.plan.versions.releases[-1][1] + _DAY
        events = []
        for fix in fixes:
            story = fix.stories.get(_KEY)
            if story not in _ON_MAIN:
                continue
            if story is Story.PROJECT_DECLARED_MERGED:
                when = _clamp(fix.since + self.rng.randrange(1, 20) * _DAY, after, self.now)
            else:
                when = _clamp(fix.since - self.rng.randrange(5, 120) * _DAY, after, self.now)
            events.append((when, fix.fix.file_name, fix))
        for when, name, fix in sorted(events, key=lambda e: (e[0], e[1])):
            story = fix.stories[_KEY]
            edits = fix.fix.edits if story is Story.PROJECT_COMMIT else fix.fix.reworked
            files |= apply_edits(files, edits)
            by_owner = story is Story.PROJECT_DECLARED_MERGED
            self.on_main[name] = self._commit(files, _message(fix), when, owner=by_owner)

    def _commit(
        self, files: Mapping[str, str], message: str, when: datetime, *, owner: bool = False
    ) -> int:
        author = self.plan.owner if owner else self.plan.upstream_author
        tree = _encoded(files)
        return self.repo.commit(PROJECT_BRANCH, tree, message=message, author=author, when=when)

    def _fact(self, fix: FixPlan) -> ProjectFact:
        story = fix.stories.get(_KEY)
        sha = self.repo.shas[self.on_main[fix.fix.file_name]] if story in _ON_MAIN else ""
        match story:
            case None | Story.PENDING:
                return _plain_header(fix, self.rng.random() < 0.5)
            case Story.PROJECT_COMMIT:
                cherry = (f"(cherry picked from commit {sha})",) if self.rng.random() < 0.5 else ()
                return ProjectFact(
                    story,
                    Evidence(FORGE, self.repo.path, PROJECT_BRANCH, sha),
                    MatchedBy.PATCH_ID,
                    origin=f"upstream, {self.url}/commit/{sha}",
                    commit=sha,
                    trailers=cherry,
                )
            case Story.PROJECT_BACKPORT_REF:
                link = f"{self.url}/commit/{sha}"
                return ProjectFact(
                    story,
                    Evidence(FORGE, self.repo.path, PROJECT_BRANCH, sha, url=link),
                    MatchedBy.DECLARED_BACKPORT,
                    upstream_status=f"Backport [{link}]",
                    origin=f"upstream, {link}",
                )
            case Story.PROJECT_STABLE:
                return self._stable(fix)
            case Story.PROJECT_DECLARED_UNKNOWN:
                link = f"{self.url}/pull/{9000 + self.rng.randrange(1, 999)}"
                return ProjectFact(
                    story,
                    Evidence(FORGE, self.repo.path, url=link),
                    MatchedBy.DECLARED_URL,
                    upstream_status=f"Submitted [{link}]",
                    forwarded=link,
                )
        self._request(fix, story)
        matched = {
            Story.PROJECT_PR_MARKER: MatchedBy.MARKER,
            Story.PROJECT_DECLARED_MERGED: MatchedBy.DECLARED_URL,
        }.get(story, MatchedBy.PATCH_ID)
        return ProjectFact(story, matched_by=matched)

    def _stable(self, fix: FixPlan) -> ProjectFact:
        """The fix on the stable branch of the oldest release, not on main."""
        version = self.plan.versions.releases[0][0]
        branch = "stable-" + ".".join(version.split(".")[:2])
        start = self.repo.refs.get(f"refs/heads/{branch}", self.releases[version])
        files = {p: d.decode() for p, d in self.repo.trees[start].items()}
        low = self.repo.commits[start].when + _DAY
        when = _clamp(fix.since - self.rng.randrange(5, 120) * _DAY, low, self.now)
        index = self.repo.commit(
            branch,
            _encoded(apply_edits(files, fix.fix.edits)),
            message=_message(fix) + "\n(backported to the stable series)\n",
            author=self.plan.upstream_author,
            when=when,
            parent=start,
        )
        sha = self.repo.shas[index]
        evidence = Evidence(FORGE, self.repo.path, branch, sha)
        return ProjectFact(Story.PROJECT_STABLE, evidence, MatchedBy.PATCH_ID, commit=sha)

    def _request(self, fix: FixPlan, story: Story) -> None:
        bot = story is Story.PROJECT_PR_MARKER
        user = "upstream-bot" if bot else "packager"
        if user not in self.forks:
            path = f"{user}/{self.plan.name}"
            self.forks[user] = self.repo.copy_as(FORGE, path, owner=user)
        fork = self.forks[user]
        name = fix.fix.file_name
        branch = f"fix-{name.removeprefix('0001-').removesuffix('.patch').lower()}"
        if story is Story.PROJECT_DECLARED_MERGED:
            head = self.on_main[name]
            fork.point(branch, head)
            created = fork.commits[head].when
            updated = _clamp(created + self.rng.randrange(2, 30) * _DAY, created, self.now - _DAY)
            state = "merged"
        else:
            latest = self.now - 2 * _DAY
            created = _clamp(fix.since + self.rng.randrange(1, 60) * _DAY, fix.since, latest)
            files = {p: d.decode() for p, d in fork.tree(PROJECT_BRANCH).items()}
            edits: tuple[FileEdit, ...] = fix.fix.reworked if bot else fix.fix.edits
            head = fork.commit(
                branch,
                _encoded(apply_edits(files, edits)),
                message=_message(fix),
                author=BOT if bot else self.plan.owner,
                when=created,
                parent=fork.tip(PROJECT_BRANCH),
            )
            state = "closed" if story is Story.PROJECT_PR_CLOSED else "open"
            updated = created
            if state == "closed":
                later = created + self.rng.randrange(2, 60) * _DAY
                updated = _clamp(later, created, self.now - _DAY)
        self.result.drafts.append(_Draft(fix, user, fork, branch, head, created, state, updated))

    def _number_requests(self) -> None:
        """Number the pull requests by opening date; give their facts the evidence."""
        drafts = sorted(self.result.drafts, key=lambda d: (d.created, d.fix.fix.file_name))
        self.result.drafts = drafts
        for number, draft in enumerate(drafts, start=1):
            draft.number = number
            # the forge keeps a request's head in the target repository
            self.repo.adopt(draft.fork, draft.head, f"refs/pull/{number}/head")
            name = draft.fix.fix.file_name
            fact = self.result.facts[name]
            link = f"{self.url}/pull/{number}"
            declared = fact.story is Story.PROJECT_DECLARED_MERGED
            sha = draft.fork.shas[draft.head]
            evidence = Evidence(
                FORGE, self.repo.path, PROJECT_BRANCH, sha, number, url=link if declared else None
            )
            self.result.facts[name] = replace(
                fact,
                evidence=evidence,
                upstream_status=f"Submitted [{link}]" if declared else None,
                forwarded=link if declared else None,
            )


def _plain_header(fix: FixPlan, pending: bool) -> ProjectFact:
    story = fix.stories.get(_KEY, Story.PENDING)
    if not fix.fix.upstreamable:
        return ProjectFact(story, upstream_status="Inappropriate [the build has no network]")
    if pending:
        return ProjectFact(story, upstream_status="Pending", forwarded="no")
    return ProjectFact(story)


def _change(path: str, draft: _Draft, change_ids: Mapping[str, str]) -> ChangePlan:
    fix = draft.fix.fix
    body = f"{fix.body}\n\nAlmaLinux carries this fix downstream."
    if draft.author == "upstream-bot":
        sign = marker(change_ids[fix.file_name], str(Target.PROJECT), PROJECT_BRANCH)
        body = (
            f"{fix.body}\n\nAlmaLinux carries this change downstream ({fix.file_name}); "
            f"this pull request offers it to the project.\n\n{sign}"
        )
    comments = ()
    if draft.state == "closed":
        comments = (CommentPlan("maintainer", _REJECTION, draft.updated),)
    return ChangePlan(
        forge=FORGE,
        repo=path,
        number=draft.number,
        title=fix.subject,
        body=body,
        author=draft.author,
        source_repo=draft.fork.path,
        source_branch=draft.branch,
        target_branch=PROJECT_BRANCH,
        head_sha=draft.fork.shas[draft.head],
        created_at=draft.created,
        state=draft.state,
        updated_at=draft.updated,
        comments=comments,
    )


def _message(fix: FixPlan) -> str:
    return f"{fix.fix.subject}\n\n{fix.fix.body}\n"


def _encoded(files: Mapping[str, str]) -> dict[str, bytes]:
    return {path: text.encode() for path, text in files.items()}


def _clamp(moment: datetime, low: datetime, high: datetime) -> datetime:
    return max(low, min(moment, high))

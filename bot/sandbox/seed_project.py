"""Builds a package's original project on the GitHub sandbox: releases, unrelated commits,
the commits and pull requests the fixes' project stories call for, and the forks those
requests come from; and says what each fix's patch header declares about it.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field
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
_REJECTION = "Thanks for the patch. We would rather fix this differently; closing for now."


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
    fix: FixPlan
    author: str
    fork: RepoPlan
    branch: str
    head: int
    created: datetime
    state: str
    updated: datetime
    reworked: bool
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
    build = ProjectBuild()
    if not plan.has_project:
        return build
    rng = plan.rng("project")
    path = project_path(plan.name)
    url = f"https://github.com/{path}"
    repo = RepoPlan(FORGE, path, PROJECT_BRANCH, {"maintainer": "maintain"})
    build.repos.append(repo)
    files, release_commits = _releases(repo, plan, rng)
    last_release = plan.versions.releases[-1][1]
    fixes = [i for i in plan.items if isinstance(i, FixPlan)]
    events: list[tuple[datetime, FixPlan, tuple[FileEdit, ...]]] = []
    for fix in fixes:
        story = fix.stories.get((Target.PROJECT, PROJECT_BRANCH), Story.PENDING)
        if story in (Story.PROJECT_COMMIT, Story.PROJECT_BACKPORT_REF):
            when = _clamp(fix.since - rng.randrange(5, 120) * _DAY, last_release + _DAY, now)
            edits = fix.fix.edits if story is Story.PROJECT_COMMIT else fix.fix.reworked
            events.append((when, fix, edits))
        elif story is Story.PROJECT_DECLARED_MERGED:
            when = _clamp(fix.since + rng.randrange(1, 20) * _DAY, last_release + _DAY, now)
            events.append((when, fix, fix.fix.reworked))
    main_commits: dict[str, int] = {}
    for when, fix, edits in sorted(events, key=lambda e: (e[0], e[1].fix.file_name)):
        files = apply_edits(files, edits)
        author = (
            plan.owner
            if fix.stories[(Target.PROJECT, PROJECT_BRANCH)] in (Story.PROJECT_DECLARED_MERGED,)
            else plan.upstream_author
        )
        main_commits[fix.fix.file_name] = repo.commit(
            PROJECT_BRANCH, _encoded(files), message=_message(fix), author=author, when=when
        )
    forks: dict[str, RepoPlan] = {}
    for fix in fixes:
        story = fix.stories.get((Target.PROJECT, PROJECT_BRANCH))
        if story is None:
            build.facts[fix.fix.file_name] = _plain_header(fix, rng)
            continue
        build.facts[fix.fix.file_name] = _fact(
            story, fix, repo, main_commits, release_commits, url, plan, rng, now, build, forks
        )
    build.repos.extend(forks[user] for user in sorted(forks))
    build.drafts.sort(key=lambda d: (d.created, d.fix.fix.file_name))
    for number, draft in enumerate(build.drafts, start=1):
        draft.number = number
        # the forge keeps the request's head in the target repository
        repo.adopt(draft.fork, draft.head, f"refs/pull/{number}/head")
    for draft in build.drafts:
        story = draft.fix.stories[(Target.PROJECT, PROJECT_BRANCH)]
        fact = build.facts[draft.fix.fix.file_name]
        evidence = Evidence(
            FORGE,
            path,
            PROJECT_BRANCH,
            draft.fork.shas[draft.head],
            draft.number,
            url=f"{url}/pull/{draft.number}" if story is Story.PROJECT_DECLARED_MERGED else None,
        )
        status = f"Submitted [{url}/pull/{draft.number}]"
        build.facts[draft.fix.fix.file_name] = ProjectFact(
            story,
            evidence,
            fact.matched_by,
            upstream_status=status if story is Story.PROJECT_DECLARED_MERGED else None,
            forwarded=f"{url}/pull/{draft.number}"
            if story is Story.PROJECT_DECLARED_MERGED
            else None,
        )
    return build


def _releases(
    repo: RepoPlan, plan: PackagePlan, rng: random.Random
) -> tuple[dict[str, str], dict[str, int]]:
    """Commit the project's releases, with a documentation commit after each."""
    history: tuple[str, ...] = ()
    files: dict[str, str] = {}
    commits: dict[str, int] = {}
    for position, (version, when) in enumerate(plan.versions.releases):
        history = (*history, version)
        tree = plan.project.tree(version, history)
        files = {**files, **{p: d.decode() for p, d in tree.items()}}
        message = (
            f"Initial import of {plan.name} {version}" if not position else f"Release {version}"
        )
        commits[version] = repo.commit(
            PROJECT_BRANCH, _encoded(files), message=message, author=plan.upstream_author, when=when
        )
        noun = rng.choice(NOUNS)
        files["README.md"] += f"\nThe `{noun}` option is documented in {version}.\n"
        later = when + rng.randrange(2, 40) * _DAY
        repo.commit(
            PROJECT_BRANCH,
            _encoded(files),
            message=f"Document the {noun} option",
            author=plan.upstream_author,
            when=later,
        )
    return files, commits


def _fact(
    story: Story,
    fix: FixPlan,
    repo: RepoPlan,
    main_commits: dict[str, int],
    release_commits: dict[str, int],
    url: str,
    plan: PackagePlan,
    rng: random.Random,
    now: datetime,
    build: ProjectBuild,
    forks: dict[str, RepoPlan],
) -> ProjectFact:
    name = fix.fix.file_name
    match story:
        case Story.PROJECT_COMMIT:
            sha = repo.shas[main_commits[name]]
            trailers = (f"(cherry picked from commit {sha})",) if rng.random() < 0.5 else ()
            return ProjectFact(
                story,
                Evidence(FORGE, repo.path, PROJECT_BRANCH, sha),
                MatchedBy.PATCH_ID,
                origin=f"upstream, {url}/commit/{sha}",
                commit=sha,
                trailers=trailers,
            )
        case Story.PROJECT_BACKPORT_REF:
            sha = repo.shas[main_commits[name]]
            link = f"{url}/commit/{sha}"
            return ProjectFact(
                story,
                Evidence(FORGE, repo.path, PROJECT_BRANCH, sha, url=link),
                MatchedBy.DECLARED_BACKPORT,
                upstream_status=f"Backport [{link}]",
                origin=f"upstream, {link}",
            )
        case Story.PROJECT_STABLE:
            version = plan.versions.releases[0][0]
            branch = "stable-" + ".".join(version.split(".")[:2])
            start = release_commits[version]
            files = {p: d.decode() for p, d in repo.trees[start].items()}
            when = _clamp(fix.since - rng.randrange(5, 120) * _DAY, repo.commits[start].when, now)
            index = repo.commit(
                branch,
                _encoded(apply_edits(files, fix.fix.edits)),
                message=_message(fix) + "\n(backported to the stable series)\n",
                author=plan.upstream_author,
                when=when,
                parent=repo.refs.get(f"refs/heads/{branch}", start),
            )
            sha = repo.shas[index]
            return ProjectFact(
                story, Evidence(FORGE, repo.path, branch, sha), MatchedBy.PATCH_ID, commit=sha
            )
        case Story.PROJECT_DECLARED_UNKNOWN:
            link = f"{url}/pull/{9000 + rng.randrange(1, 999)}"
            return ProjectFact(
                story,
                Evidence(FORGE, repo.path, url=link),
                MatchedBy.DECLARED_URL,
                upstream_status=f"Submitted [{link}]",
                forwarded=link,
            )
        case Story.PENDING:
            return _plain_header(fix, rng)
    user = "upstream-bot" if story is Story.PROJECT_PR_MARKER else "packager"
    fork = _fork(forks, repo, user)
    created = _clamp(fix.since + rng.randrange(1, 60) * _DAY, fix.since, now - 2 * _DAY)
    branch = f"fix-{fix.fix.file_name.removeprefix('0001-').removesuffix('.patch').lower()}"
    if story is Story.PROJECT_DECLARED_MERGED:
        head = main_commits[name]
        fork.point(branch, head)
        state, matched = "merged", MatchedBy.DECLARED_URL
    else:
        reworked = story is Story.PROJECT_PR_MARKER
        edits = fix.fix.reworked if reworked else fix.fix.edits
        files = {p: d.decode() for p, d in fork.tree(PROJECT_BRANCH).items()}
        head = fork.commit(
            branch,
            _encoded(apply_edits(files, edits)),
            message=_message(fix),
            author=BOT if reworked else plan.owner,
            when=created,
            parent=fork.tip(PROJECT_BRANCH),
        )
        state = "closed" if story is Story.PROJECT_PR_CLOSED else "open"
        matched = MatchedBy.MARKER if reworked else MatchedBy.PATCH_ID
    updated = (
        created
        if state == "open"
        else _clamp(created + rng.randrange(2, 60) * _DAY, created, now - _DAY)
    )
    build.drafts.append(
        _Draft(
            fix, user, fork, branch, head, created, state, updated, story is Story.PROJECT_PR_MARKER
        )
    )
    return ProjectFact(story, None, matched)


def _plain_header(fix: FixPlan, rng: random.Random) -> ProjectFact:
    story = fix.stories.get((Target.PROJECT, PROJECT_BRANCH), Story.PENDING)
    if not fix.fix.upstreamable:
        return ProjectFact(story, upstream_status="Inappropriate [the build has no network]")
    if rng.random() < 0.5:
        return ProjectFact(story, upstream_status="Pending", forwarded="no")
    return ProjectFact(story)


def _fork(forks: dict[str, RepoPlan], repo: RepoPlan, user: str) -> RepoPlan:
    if user not in forks:
        forks[user] = repo.copy_as(FORGE, f"{user}/{repo.name}", owner=user)
    return forks[user]


def _change(path: str, draft: _Draft, change_ids: Mapping[str, str]) -> ChangePlan:
    fix = draft.fix
    body = f"{fix.fix.body}\n\nAlmaLinux carries this fix downstream."
    if draft.reworked:
        change_id = change_ids[fix.fix.file_name]
        body = (
            f"{fix.fix.body}\n\nAlmaLinux carries this change downstream "
            f"({fix.fix.file_name}); this pull request offers it to the project.\n\n"
            + marker(change_id, str(Target.PROJECT), PROJECT_BRANCH)
        )
    comments = ()
    if draft.state == "closed":
        comments = (CommentPlan("maintainer", _REJECTION, draft.updated),)
    return ChangePlan(
        forge=FORGE,
        repo=path,
        number=draft.number,
        title=fix.fix.subject,
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

"""`submit_change` on a served sandbox world through the real adapters, real git and SQLite:
a draft MR in the CentOS Stream GitLab, a PR from the fork in Fedora's Pagure, a PR to the
original project on GitHub; each exactly once, checked with git against the sources."""

from __future__ import annotations

import subprocess
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from bot.app import build_forge
from bot.domain.model import ChangeType, Status, Target
from bot.domain.overrides import OverrideKind
from bot.domain.submission import Step, SubmitState
from bot.domain.submission_spec import patch_order
from bot.forges.base import ChangeRequest, ChangeState, Forge, RepoRef
from bot.ingest.distgit import read_distgit
from bot.ingest.spec import parse_spec
from bot.sandbox import gitea_api, github_api, gitlab_api, gitstore, pagure_api
from bot.sandbox.faults import Faults
from bot.sandbox.gitstore import Author
from bot.sandbox.seed import seed_world
from bot.sandbox.server import start_sandbox
from bot.sandbox.world import World
from bot.service.scan import scan_once
from bot.service.submission import SubmitDeps, set_reference, submit_change
from bot.settings import Settings, load_settings
from bot.settings.schema import OwnerSettings
from bot.store import Store, migrate, open_engine, session_factory
from bot.store.records import StoredChange
from tests.sandbox.seeded import NOW, read_tree

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = 12
_APPS = {
    "gitea": gitea_api.build_app,
    "gitlab": gitlab_api.build_app,
    "pagure": pagure_api.build_app,
    "github": github_api.build_app,
}
#: the sandbox forge of each target, and where its repositories live
_WHERE = {
    Target.CENTOS_STREAM: ("gitlab", "redhat/centos-stream/rpms"),
    Target.FEDORA: ("pagure", "rpms"),
    Target.PROJECT: ("github", "upstream"),
}
_BOT = "upstream-bot"


@dataclass
class Sandbox:
    settings: Settings
    world: World
    store: Store
    forges: dict[str, Forge]
    deps: SubmitDeps

    def forge(self, target: Target) -> Forge:
        config = self.settings.target(target)
        assert config is not None
        return self.forges[config.forge]

    def repo(self, target: Target, package: str) -> RepoRef:
        return RepoRef(_WHERE[target][1], package)

    def pending(self, target: Target) -> StoredChange:
        """The first pending patch change for `target` the scan stored."""
        for state in sorted(
            self.store.list_target_states(status=Status.PENDING, target=target),
            key=lambda s: s.change_id,
        ):
            stored = self.store.get_change(state.change_id)
            if stored is not None and stored.record.type is ChangeType.PATCH:
                return stored
        raise AssertionError(f"the seeded world has no pending patch for {target}")

    async def requests(self, target: Target, package: str) -> list[ChangeRequest]:
        """The bot's change requests on the target repository."""
        found = await self.forge(target).find_changes(self.repo(target, package), author=_BOT)
        return [c for c in found if c.source_branch.startswith("upstream-bot/")]


@pytest.fixture
async def sandbox(tmp_path: Path) -> AsyncIterator[Sandbox]:
    settings = load_settings(ROOT / "config/sandbox.toml", environ={})
    world = World(tmp_path / "world", clock=lambda: NOW)
    seed_world(world, packages=PACKAGES, seed=0, now=NOW)
    running = await start_sandbox(world, apps=_APPS, ports={}, faults=Faults())
    engine = open_engine(f"sqlite:///{tmp_path / 'bot.sqlite3'}")
    migrate(engine)
    store = Store(session_factory(engine))
    forges: dict[str, Forge] = {}
    for forge in settings.forges:
        kind = str(forge.type)
        token = world.users(kind)[_BOT].token
        forges[forge.name] = build_forge(forge, url=running.urls[kind], token=token)
    try:
        summary = await scan_once(settings=settings, forges=forges, store=store, now=NOW)
        assert not summary.stale, summary.stale
        deps = SubmitDeps(settings=settings, store=store, forges=forges,
                          work_root=tmp_path / "work", git_timeout=60.0)
        yield Sandbox(settings, world, store, forges, deps)
    finally:
        for adapter in forges.values():
            await adapter.close()
        await running.close()
        engine.dispose()


def _fork_tree(sandbox: Sandbox, target: Target, request: ChangeRequest) -> dict[str, bytes]:
    forge = _WHERE[target][0]
    return read_tree(sandbox.world.git_dir(forge, request.source.path), request.source_branch)


def _git(*args: str, cwd: Path, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=cwd, input=stdin, capture_output=True, check=False)


def _apply_all(sandbox: Sandbox, package: str, tree: dict[str, bytes], where: Path) -> list[str]:
    """`git apply` of every patch of the branch's spec, in %prep's order, on the project's
    release tag of the spec's version (the unpacked sources); returns the patches applied."""
    dist_git = read_distgit(tree, package=package)
    version = dist_git.spec.macros.expand("%{version}")
    project = sandbox.world.git_dir("github", f"upstream/{package}")
    where.mkdir()
    assert _git("clone", "--quiet", "--branch", f"v{version}", str(project), ".", cwd=where)\
        .returncode == 0
    applied = []
    for applying in patch_order(dist_git.spec):
        data = tree[applying.name]
        check = _git("apply", "--check", f"-p{applying.strip}", "-", cwd=where, stdin=data)
        assert check.returncode == 0, (applying.name, check.stderr.decode())
        assert _git("apply", f"-p{applying.strip}", "-", cwd=where, stdin=data).returncode == 0
        applied.append(applying.name)
    return applied


def _added_spec_lines(before: bytes, after: bytes) -> list[str]:
    old = set(before.decode().splitlines())
    return [line for line in after.decode().splitlines() if line not in old]


@pytest.mark.parametrize("target", [Target.CENTOS_STREAM, Target.FEDORA], ids=str)
async def test_dist_git_target_gets_one_request_with_the_adapted_spec_and_patch(
    sandbox: Sandbox, target: Target, tmp_path: Path
) -> None:
    change = sandbox.pending(target)
    name, package = change.record.name, change.package
    outcome = await submit_change(sandbox.deps, change.record.id, target, actor="jane", now=NOW)
    assert outcome.state is SubmitState.OPENED, outcome.reason
    (request,) = await sandbox.requests(target, package)
    assert (request.url, request.number, request.state) == (
        outcome.url, outcome.number, ChangeState.OPEN
    )
    assert request.draft is (target is Target.CENTOS_STREAM), "a draft only for want of a ticket"
    assert request.source.namespace != sandbox.repo(target, package).namespace, "from the fork"
    assert f":{change.record.evidence['analysis_id']}:{target}:" in request.body
    if target is Target.CENTOS_STREAM:
        assert "/upstream jira RHEL-<n>" in request.body
    # the branch: the downstream patch file at the top, the spec edited minimally
    tree = _fork_tree(sandbox, target, request)
    downstream = read_tree(sandbox.world.git_dir("gitea", f"rpms/{package}"), change.branch)
    assert tree[name] == read_distgit(downstream, package=package).files[name]
    base = read_tree(sandbox.world.git_dir(_WHERE[target][0], f"{_WHERE[target][1]}/{package}"),
                     request.target_branch)
    spec_path = f"{package}.spec"
    added = _added_spec_lines(base[spec_path], tree[spec_path])
    assert any(line.startswith("Patch") and line.endswith(name) for line in added), added
    for line in added:
        assert ".alma" not in line and "%{?almalinux}" not in line, line
        assert "AlmaLinux" not in line.partition(">")[2] if line.startswith("*") else line
    assert set(tree) - set(base) == {name}
    assert {p for p in tree if tree[p] != base.get(p)} == {name, spec_path}
    applied = _apply_all(sandbox, package, tree, tmp_path / "sources")
    assert name in applied
    # authorship: the change's owner wrote it, the bot committed it
    git_dir = sandbox.world.git_dir(_WHERE[target][0], request.source.path)
    who = gitstore.run_git(git_dir, "log", "-1", "--format=%an <%ae>%n%cn", request.source_branch)
    author, committer = who.decode().splitlines()
    assert committer == _BOT and "@" in author and _BOT not in author
    state = sandbox.store.get_target_status(change.record.id, target)
    assert state is not None and (state.status, state.url) == (Status.SUBMITTED, request.url)
    assert sandbox.store.status_history(change.record.id, target)[-1].actor == "jane"
    # again: the same request, nothing new
    again = await submit_change(sandbox.deps, change.record.id, target, actor="jane", now=NOW)
    assert (again.state, again.url) == (SubmitState.ALREADY_OPEN, request.url)
    assert [r.number for r in await sandbox.requests(target, package)] == [request.number]


async def test_the_project_gets_the_patch_itself_as_a_commit(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    change = sandbox.pending(Target.PROJECT)
    package = change.package
    outcome = await submit_change(sandbox.deps, change.record.id, Target.PROJECT, actor="policy",
                                  now=NOW)
    assert outcome.state is SubmitState.OPENED, outcome.reason
    (request,) = await sandbox.requests(Target.PROJECT, package)
    assert (request.url, request.draft, request.target_branch) == (outcome.url, False, "main")
    assert request.source.path == f"{_BOT}/{package}"
    tree = _fork_tree(sandbox, Target.PROJECT, request)
    assert not any(p.endswith((".spec", ".patch")) for p in tree), "no spec, no patch file"
    # the branch is exactly main with the downstream patch applied
    project = sandbox.world.git_dir("github", f"upstream/{package}")
    where = tmp_path / "main"
    assert _git("clone", "--quiet", "--branch", "main", str(project), str(where),
                cwd=tmp_path).returncode == 0
    downstream = read_tree(sandbox.world.git_dir("gitea", f"rpms/{package}"), change.branch)
    patch = read_distgit(downstream, package=package).files[change.record.name]
    assert _git("apply", "--check", "-p1", "-", cwd=where, stdin=patch).returncode == 0
    assert _git("apply", "-p1", "-", cwd=where, stdin=patch).returncode == 0
    assert read_tree(where / ".git", "HEAD") != tree
    for path, data in tree.items():
        assert (where / path).read_bytes() == data, path
    again = await submit_change(sandbox.deps, change.record.id, Target.PROJECT, actor="policy",
                                now=NOW)
    assert again.state is SubmitState.ALREADY_OPEN
    assert len(await sandbox.requests(Target.PROJECT, package)) == 1


@pytest.mark.parametrize("crash_after", [Step.FORKED, Step.PUSHED, Step.OPENED], ids=str)
async def test_a_crash_after_any_step_and_a_rerun_give_one_request(
    sandbox: Sandbox, crash_after: Step
) -> None:
    change = sandbox.pending(Target.CENTOS_STREAM)

    class Crash(Exception):
        pass

    def hook(step: str) -> None:
        if step == crash_after:
            raise Crash(step)

    with pytest.raises(Crash):
        await submit_change(replace(sandbox.deps, step=hook), change.record.id,
                            Target.CENTOS_STREAM, actor="policy", now=NOW)
    state = sandbox.store.get_target_status(change.record.id, Target.CENTOS_STREAM)
    assert state is not None and state.status is Status.PENDING, "no status before the request"
    fork = sandbox.world.git_dir("gitlab", f"{_BOT}/{change.package}")
    pushed = dict(gitstore.branches(fork)) if fork.exists() else {}
    steps: list[str] = []
    rerun = await submit_change(replace(sandbox.deps, step=steps.append), change.record.id,
                                Target.CENTOS_STREAM, actor="policy", now=NOW)
    expected = SubmitState.ALREADY_OPEN if crash_after is Step.OPENED else SubmitState.OPENED
    assert rerun.state is expected, rerun.reason
    assert len(await sandbox.requests(Target.CENTOS_STREAM, change.package)) == 1
    state = sandbox.store.get_target_status(change.record.id, Target.CENTOS_STREAM)
    assert state is not None and (state.status, state.url) == (Status.SUBMITTED, rerun.url)
    if crash_after is not Step.OPENED:
        assert steps == [Step.FORKED, Step.PUSHED, Step.OPENED, Step.RECORDED]
    if crash_after is not Step.FORKED:
        branch = rerun.branch or ""
        assert dict(gitstore.branches(fork))[branch] == pushed[branch], "not pushed again"


async def test_a_patch_that_no_longer_applies_is_refused_with_gits_words(
    sandbox: Sandbox,
) -> None:
    change = sandbox.pending(Target.CENTOS_STREAM)
    package, name = change.package, change.record.name
    repo = f"redhat/centos-stream/rpms/{package}"
    # the target fixed the same lines its own way: its patch applies first, ours then fails
    downstream = read_tree(sandbox.world.git_dir("gitea", f"rpms/{package}"), change.branch)
    patch = read_distgit(downstream, package=package).files[name]
    target_branch = "c10s" if change.branch.startswith("a10") else "c9s"
    base = read_tree(sandbox.world.git_dir("gitlab", repo), target_branch)
    spec = base[f"{package}.spec"].decode()
    parsed = parse_spec(spec, path=f"{package}.spec")
    number = max((t.number for t in parsed.patches()), default=-1) + 1
    anchor = parsed.sources()[-1].line if not parsed.patches() else parsed.patches()[-1].line
    lines = spec.splitlines()
    lines.insert(anchor, f"Patch{number}: 0900-their-own-fix.patch")
    sandbox.world.commit(
        "gitlab", repo, target_branch,
        {f"{package}.spec": ("\n".join(lines) + "\n").encode(), "0900-their-own-fix.patch": patch},
        message="Fix it our way", author=Author("RH Packager", "rh@example.com"),
    )
    outcome = await submit_change(sandbox.deps, change.record.id, Target.CENTOS_STREAM,
                                  actor="policy", now=NOW)
    assert outcome.state is SubmitState.REFUSED
    assert name in outcome.reason and "does not apply" in outcome.reason
    assert "patch does not apply" in outcome.reason or "already exists" in outcome.reason
    assert await sandbox.requests(Target.CENTOS_STREAM, package) == []
    assert not any(r.path == f"{_BOT}/{package}" for r in sandbox.world.repos("gitlab")), \
        "refused before forking"
    state = sandbox.store.get_target_status(change.record.id, Target.CENTOS_STREAM)
    assert state is not None and state.status is Status.PENDING


async def test_project_refusal_when_main_moved_under_the_patch(sandbox: Sandbox) -> None:
    change = sandbox.pending(Target.PROJECT)
    package = change.package
    downstream = read_tree(sandbox.world.git_dir("gitea", f"rpms/{package}"), change.branch)
    patch = read_distgit(downstream, package=package).files[change.record.name].decode()
    # `+++ pkg-1.2/src/x.c<TAB>date`: -p1 drops the first component
    new_file = next(line[4:] for line in patch.splitlines() if line.startswith("+++ "))
    path = new_file.split("\t")[0].split("/", 1)[1]
    main = read_tree(sandbox.world.git_dir("github", f"upstream/{package}"), "main")
    sandbox.world.commit(
        "github", f"upstream/{package}", "main",
        {path: b"/* rewritten from scratch */\n" + main[path].replace(b"rc", b"status")},
        message="Rewrite", author=Author("Upstream Dev", "dev@example.com"),
    )
    outcome = await submit_change(sandbox.deps, change.record.id, Target.PROJECT, actor="policy",
                                  now=NOW)
    assert outcome.state is SubmitState.REFUSED
    assert f"does not apply to upstream/{package} main" in outcome.reason
    assert path in outcome.reason
    assert await sandbox.requests(Target.PROJECT, package) == []


async def test_dry_run_plans_and_writes_nothing(sandbox: Sandbox) -> None:
    change = sandbox.pending(Target.FEDORA)
    repos = {forge: len(sandbox.world.repos(forge)) for forge in ("gitlab", "pagure", "github")}
    history = sandbox.store.status_history(change.record.id, Target.FEDORA)
    outcome = await submit_change(sandbox.deps, change.record.id, Target.FEDORA, actor="policy",
                                  now=NOW, dry_run=True)
    assert outcome.state is SubmitState.PLANNED, outcome.reason
    assert outcome.branch and outcome.branch.startswith("upstream-bot/rawhide/")
    assert set(outcome.files) == {change.record.name, f"{change.package}.spec"}
    assert any("applied" in line for line in outcome.checks), outcome.checks
    assert repos == {forge: len(sandbox.world.repos(forge)) for forge in repos}, "no fork"
    assert await sandbox.requests(Target.FEDORA, change.package) == []
    assert sandbox.store.status_history(change.record.id, Target.FEDORA) == history
    real = await submit_change(sandbox.deps, change.record.id, Target.FEDORA, actor="policy",
                               now=NOW)
    assert (real.state, real.branch, real.files) == (
        SubmitState.OPENED, outcome.branch, outcome.files
    )


async def test_the_ticket_fills_in_and_undrafts(sandbox: Sandbox) -> None:
    change = sandbox.pending(Target.CENTOS_STREAM)
    opened = await submit_change(sandbox.deps, change.record.id, Target.CENTOS_STREAM,
                                 actor="policy", now=NOW)
    assert opened.state is SubmitState.OPENED and opened.draft
    bad = await set_reference(sandbox.deps, change.record.id, Target.CENTOS_STREAM, "JIRA-1",
                              actor="jane", now=NOW)
    assert bad.state is SubmitState.REFUSED and "Resolves: RHEL-[0-9]+" in bad.reason
    done = await set_reference(sandbox.deps, change.record.id, Target.CENTOS_STREAM,
                               "RHEL-12345", actor="jane", now=NOW)
    assert done.state is SubmitState.ALREADY_OPEN, done.reason
    assert (done.url, done.draft) == (opened.url, False)
    (request,) = await sandbox.requests(Target.CENTOS_STREAM, change.package)
    assert not request.draft and "`Resolves: RHEL-12345`" in request.body
    assert "please reply" not in request.body
    git_dir = sandbox.world.git_dir("gitlab", request.source.path)
    message = gitstore.run_git(git_dir, "log", "-1", "--format=%B", request.source_branch)
    assert message.decode().rstrip().endswith("Resolves: RHEL-12345")
    spec = _fork_tree(sandbox, Target.CENTOS_STREAM, request)[f"{change.package}.spec"]
    assert b"  Resolves: RHEL-12345\n" in spec
    diff = await sandbox.forge(Target.CENTOS_STREAM).change_diff(
        sandbox.repo(Target.CENTOS_STREAM, change.package), request.number
    )
    assert b"Resolves: RHEL-12345" in diff, "the request shows the amended commit"
    jira = sandbox.store.overrides_of([change.record.id])[change.record.id]
    assert [(o.kind, o.value, o.actor) for o in jira] == [(OverrideKind.JIRA, "RHEL-12345", "jane")]
    # the scanner recognizes the bot's request by its marker
    await scan_once(settings=sandbox.settings, forges=sandbox.forges, store=sandbox.store,
                    now=NOW, incremental=False)
    state = sandbox.store.get_target_status(change.record.id, Target.CENTOS_STREAM)
    assert state is not None and (state.status, state.url) == (Status.SUBMITTED, request.url)


async def test_changes_the_bot_cannot_submit_are_refused(sandbox: Sandbox) -> None:
    refused = await submit_change(sandbox.deps, "no-such-change", Target.FEDORA, actor="policy",
                                  now=NOW)
    assert refused.state is SubmitState.REFUSED and "no change no-such-change" in refused.reason
    branding = next(
        s for s in sandbox.store.list_target_states(status=Status.NOT_NEEDED)
    )
    outcome = await submit_change(sandbox.deps, branding.change_id, branding.target,
                                  actor="policy", now=NOW)
    assert outcome.state is SubmitState.REFUSED


async def test_the_configured_owner_is_credited_and_named_by_the_target_forge_account(
    sandbox: Sandbox,
) -> None:
    change = sandbox.pending(Target.CENTOS_STREAM)
    owner = OwnerSettings(
        username="jdoe", email="jane@example.org",
        usernames=(("centos-stream", "jane-cs"),), packages=(change.package,),
    )
    deps = replace(sandbox.deps, settings=replace(sandbox.settings, owners=(owner,)))
    outcome = await submit_change(deps, change.record.id, Target.CENTOS_STREAM, actor="policy",
                                  now=NOW)
    assert outcome.state is SubmitState.OPENED, outcome.reason
    (request,) = await sandbox.requests(Target.CENTOS_STREAM, change.package)
    assert "Owner: @jane-cs." in request.body and "@jane-cs, please reply" in request.body
    git_dir = sandbox.world.git_dir("gitlab", request.source.path)
    author = gitstore.run_git(git_dir, "log", "-1", "--format=%an <%ae>", request.source_branch)
    assert author.decode().strip() == "jdoe <jane@example.org>"
    spec = _fork_tree(sandbox, Target.CENTOS_STREAM, request)[f"{change.package}.spec"]
    assert b"jdoe <jane@example.org> - " in spec

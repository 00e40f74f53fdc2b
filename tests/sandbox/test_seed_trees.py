"""What the seeded git repositories hold agrees with the truth: the analysis of the trees read
back from git, the autopatch configs, and every piece of evidence a status rests on."""

from __future__ import annotations

import pytest

from bot.domain.hunks import content_id
from bot.domain.model import ChangeType, Status, Target
from bot.domain.patch_id import patch_id
from bot.ingest.analyze import analyze_trees
from bot.ingest.autopatch.analysis import apply_to_tree
from bot.ingest.autopatch.parse import parse_config
from bot.ingest.distgit import read_distgit
from bot.sandbox import gitstore
from bot.sandbox.seed import sandbox_rules
from bot.sandbox.truth import MatchedBy
from tests.sandbox.seeded import Seeded, commit_diff, read_tree, seeded_world

_MAJOR = {"a9": "9", "a10s": "10"}


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Seeded:
    return seeded_world(tmp_path_factory)


def _modified_branches(seeded: Seeded):
    for package in seeded.truth.packages:
        for branch in package.branches:
            if branch.changes:
                yield package, branch


def test_the_truth_is_what_the_analysis_finds_in_git(seeded: Seeded):
    compared = 0
    for package, branch in _modified_branches(seeded):
        git = seeded.git("gitea", f"rpms/{package.name}")
        base = read_tree(git, branch.base)
        downstream = read_tree(git, branch.branch)
        analysis = analyze_trees(base, downstream, rules=sandbox_rules(), package=package.name)
        found = [
            (c.id, c.type, c.operation, c.name, c.kind, c.upstreamable, c.patch_id, c.content_id)
            for c in analysis.changes
        ]
        expected = [
            (c.id, c.type, c.operation, c.name, c.kind, c.upstreamable, c.patch_id, c.content_id)
            for c in branch.changes
        ]
        assert found == expected, f"{package.name} {branch.branch}"
        assert gitstore.branch_head(git, branch.branch) == branch.head
        assert gitstore.branch_head(git, branch.base) == branch.base_head
        compared += 1
    assert compared >= 20


def test_the_autopatch_config_makes_the_downstream_branch(seeded: Seeded):
    for package, branch in _modified_branches(seeded):
        config_git = seeded.git("gitea", f"autopatch/{package.name}")
        config_tree = read_tree(config_git, branch.branch)
        assert gitstore.branch_head(config_git, branch.branch) == branch.autopatch_head
        files = {
            path.removeprefix("files/"): data
            for path, data in config_tree.items()
            if path.startswith("files/")
        }
        git = seeded.git("gitea", f"rpms/{package.name}")
        made = gitstore.log(git, [branch.branch], limit=1)[0].authored_at
        applied = apply_to_tree(
            parse_config(config_tree["config.yaml"]),
            files,
            read_tree(git, branch.base),
            changelog_date=f"{made:%a %b %d %Y}",
            el_version=_MAJOR[branch.branch],
            package=package.name,
        )
        assert applied.problems == ()
        assert applied.files == read_tree(git, branch.branch), f"{package.name} {branch.branch}"


def test_the_downstream_layouts_are_the_real_ones(seeded: Seeded):
    package = next(p for p in seeded.truth.packages if p.modified)
    git = seeded.git("gitea", f"rpms/{package.name}")
    assert str(read_distgit(read_tree(git, "c9")).layout) == "specs-sources"
    assert f".{package.name}.metadata" in read_tree(git, "a9")
    assert str(read_distgit(read_tree(git, "c10s")).layout) == "flat"
    assert "sources" in read_tree(git, "a10s")
    tags = gitstore.run_git(git, "tag", "--list", "imports/*").decode().split()
    assert any(t.startswith("imports/c9/") for t in tags)
    assert any(t.startswith("imports/c10s/") for t in tags)


def _present_rows(seeded: Seeded, *targets: Target):
    for package, branch, change, target in seeded.truth.rows():
        if target.status is Status.PRESENT and target.target in targets:
            yield package, branch, change, target


def test_present_patches_are_in_the_target_branch(seeded: Seeded):
    seen = set()
    for package, branch, change, target in _present_rows(
        seeded, Target.CENTOS_STREAM, Target.FEDORA
    ):
        evidence = target.evidence
        assert evidence is not None and evidence.path is not None
        git = seeded.git(evidence.forge, evidence.repo)
        assert gitstore.merge_base_is(git, evidence.sha, target.branch)
        found = gitstore.read_blob(git, target.branch, evidence.path)
        assert found is not None, (package.name, change.name, target)
        if target.matched_by is MatchedBy.SPEC_HUNK:
            git_down = seeded.git("gitea", f"rpms/{package.name}")
            base, ours = read_tree(git_down, branch.base), read_tree(git_down, branch.branch)
            analysis = analyze_trees(base, ours, rules=sandbox_rules(), package=package.name)
            diff = next(c.diff for c in analysis.changes if c.id == change.id)
            added = [line[1:] for line in diff.splitlines() if line.startswith("+")]
            lines = {"".join(line.split()) for line in found.decode().splitlines()}
            assert added and all("".join(line.split()) in lines for line in added)
        else:
            downstream_git = seeded.git("gitea", f"rpms/{package.name}")
            prefix = "SOURCES/" if branch.branch == "a9" else ""
            ours = gitstore.read_blob(downstream_git, branch.branch, prefix + change.name)
            if target.matched_by is MatchedBy.FILE_CONTENT:
                assert found == ours and evidence.path == change.name
            else:
                assert target.matched_by is MatchedBy.PATCH_ID
                assert evidence.path != change.name
                assert content_id(found) == change.content_id
        seen.add(target.matched_by)
    assert seen == {MatchedBy.FILE_CONTENT, MatchedBy.PATCH_ID, MatchedBy.SPEC_HUNK}


def test_present_in_the_project_is_a_real_commit(seeded: Seeded):
    seen = set()
    for _, _, change, target in _present_rows(seeded, Target.PROJECT):
        evidence = target.evidence
        assert evidence is not None and evidence.sha is not None
        git = seeded.git("github", evidence.repo)
        assert gitstore.merge_base_is(git, evidence.sha, evidence.branch)
        upstream = patch_id(commit_diff(git, evidence.sha))
        if target.matched_by is MatchedBy.PATCH_ID:
            assert upstream == change.content_id
        else:
            assert target.matched_by is MatchedBy.DECLARED_BACKPORT
            assert upstream != change.content_id
            assert evidence.url is not None and evidence.url.endswith(evidence.sha)
        seen.add((target.matched_by, evidence.branch == "main"))
    assert seen == {
        (MatchedBy.PATCH_ID, True),
        (MatchedBy.PATCH_ID, False),
        (MatchedBy.DECLARED_BACKPORT, True),
    }


def test_submitted_requests_carry_the_patch_as_the_truth_says(seeded: Seeded):
    seen = set()
    for _, _, change, target in seeded.truth.rows():
        evidence = target.evidence
        if target.status is not Status.SUBMITTED or target.target is Target.PROJECT:
            continue
        assert evidence is not None and evidence.path is not None
        git = seeded.git(evidence.forge, evidence.repo)
        carried = gitstore.read_blob(git, f"refs/pull/{evidence.number}/head", evidence.path)
        assert carried is not None
        same_id = content_id(carried) == change.content_id
        same_name = evidence.path == change.name
        expected = {
            MatchedBy.PATCH_ID: (True, False),
            MatchedBy.FILE_NAME: (False, True),
            MatchedBy.MARKER: (False, False),
        }[target.matched_by]
        assert (same_id, same_name) == expected, (change.name, target)
        seen.add(target.matched_by)
    assert len(seen) == 3


def test_declared_statuses_point_at_what_the_world_holds(seeded: Seeded):
    seen = set()
    for package, branch, change, target in seeded.truth.rows():
        if target.matched_by is not MatchedBy.DECLARED_URL or change.type is not ChangeType.PATCH:
            continue
        evidence = target.evidence
        assert evidence is not None and evidence.url is not None
        downstream_git = seeded.git("gitea", f"rpms/{package.name}")
        prefix = "SOURCES/" if branch.branch == "a9" else ""
        patch = gitstore.read_blob(downstream_git, branch.branch, prefix + change.name)
        assert evidence.url.encode() in patch
        number = int(evidence.url.rsplit("/", 1)[1])
        numbers = [c.number for c in seeded.world.changes("github", evidence.repo)]
        if target.status is Status.MERGED:
            assert number in numbers
            assert seeded.world.change("github", evidence.repo, number).state == "merged"
        else:
            assert target.status is Status.PENDING and number not in numbers
        seen.add(target.status)
    assert seen == {Status.MERGED, Status.PENDING}

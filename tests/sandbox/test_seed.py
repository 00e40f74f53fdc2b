"""The seeded world as a whole: the same seed gives the same world, every state is there,
and the change requests say what the truth says they do."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from bot.domain.model import Status, Target
from bot.sandbox import gitstore
from bot.sandbox.seed_plan import Story
from bot.sandbox.truth import MatchedBy
from bot.sandbox.world import World
from tests.sandbox.seeded import NOW, Seeded, seeded_world

#: a change request's state for each status the truth gives it
_STATE = {Status.SUBMITTED: "open", Status.REJECTED: "closed", Status.MERGED: "merged"}


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Seeded:
    return seeded_world(tmp_path_factory)


def _heads(seeded: Seeded) -> dict[str, list[tuple[str, str]]]:
    heads = {}
    for forge in ("gitea", "gitlab", "pagure", "github"):
        for repo in seeded.world.repos(forge):
            heads[f"{forge}:{repo.path}"] = gitstore.branches(seeded.git(forge, repo.path))
    return heads


def test_same_seed_same_world(seeded: Seeded, tmp_path_factory: pytest.TempPathFactory):
    again = seeded_world(tmp_path_factory, copy="b")
    assert json.dumps(again.truth.to_json()) == json.dumps(seeded.truth.to_json())
    state = json.loads((seeded.root / "state.json").read_text())
    assert json.loads((again.root / "state.json").read_text()) == state
    assert _heads(again) == _heads(seeded)


def test_another_seed_another_world(seeded: Seeded, tmp_path_factory: pytest.TempPathFactory):
    other = seeded_world(tmp_path_factory, seed=1)
    assert other.truth.to_json() != seeded.truth.to_json()
    assert {p.name for p in other.truth.packages} == {p.name for p in seeded.truth.packages}


@pytest.mark.parametrize("seed", [0, 1], ids=["seed-0", "seed-1"])
def test_every_state_is_in_a_small_world(tmp_path_factory: pytest.TempPathFactory, seed: int):
    truth = seeded_world(tmp_path_factory, seed=seed).truth
    rows = list(truth.rows())
    assert {row[3].status for row in rows} >= {
        Status.PENDING,
        Status.SUBMITTED,
        Status.MERGED,
        Status.REJECTED,
        Status.NOT_NEEDED,
        Status.PRESENT,
    }
    stories = {row[3].story for row in rows}
    assert stories >= {str(story) for story in Story}
    assert {row[3].matched_by for row in rows} >= set(MatchedBy)
    assert {row[3].target for row in rows} == set(Target)


def test_about_a_third_of_the_packages_are_modified(seeded: Seeded):
    modified = [p for p in seeded.truth.packages if p.modified]
    assert len(modified) == len(seeded.truth.packages) // 3
    unmodified = [p for p in seeded.truth.packages if not p.modified]
    assert all(not b.changes and b.head == b.base_head for p in unmodified for b in p.branches)
    assert all(any(b.changes for b in p.branches) for p in modified)


def test_pending_changes_have_ages_from_months_to_two_years(seeded: Seeded):
    ages = [
        (NOW - change.since).days
        for _, _, change, target in seeded.truth.rows()
        if target.status is Status.PENDING
    ]
    assert min(ages) >= 60
    assert max(ages) <= 730
    assert max(ages) - min(ages) > 300


def test_change_requests_are_in_the_state_the_truth_says(seeded: Seeded):
    checked = Counter()
    for _, _, change, target in seeded.truth.rows():
        evidence = target.evidence
        if target.status not in _STATE or evidence is None or evidence.number is None:
            continue
        request = seeded.world.change(evidence.forge, evidence.repo, evidence.number)
        assert request.state == _STATE[target.status], (change.name, target)
        assert request.head_sha == evidence.sha
        assert request.created_at <= request.updated_at <= NOW
        if target.matched_by is MatchedBy.MARKER:
            assert evidence.marker is not None and change.id in evidence.marker
            assert evidence.marker in request.body
            assert request.author == "upstream-bot"
        else:
            assert "<!-- upstream-bot:" not in request.body
        checked[target.status] += 1
    assert set(checked) == set(_STATE)


def test_rejected_requests_were_closed_with_a_comment(seeded: Seeded):
    closed = [
        t.evidence
        for _, _, _, t in seeded.truth.rows()
        if t.status is Status.REJECTED and t.evidence is not None
    ]
    assert closed
    for evidence in closed:
        comments = seeded.world.comments(evidence.forge, evidence.repo, "change", evidence.number)
        assert [c.author for c in comments] == ["maintainer"]


def test_the_saved_world_loads_back(seeded: Seeded):
    loaded = World.load(seeded.root, clock=lambda: NOW)
    for forge in ("gitea", "gitlab", "pagure", "github"):
        assert [r.path for r in loaded.repos(forge)] == [r.path for r in seeded.world.repos(forge)]
    assert loaded.users("gitea")["upstream-bot"].token == "gitea-upstream-bot-token"
    assert loaded.role("gitea", "rpms/pkg-0001", "packager") == "write"
    assert loaded.role("gitea", "rpms/pkg-0001", "outsider") == "read"
    forks = [r for r in loaded.repos("pagure") if r.fork_of]
    assert forks and all(r.path.startswith("fork/") for r in forks)

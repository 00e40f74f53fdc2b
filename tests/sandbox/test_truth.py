"""The truth's JSON: what goes out comes back, and a broken document names what is wrong."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime

import pytest

from bot.domain.model import ChangeType, Kind, Operation, Status, Target
from bot.sandbox.truth import (
    BranchTruth,
    ChangeTruth,
    Evidence,
    MatchedBy,
    PackageTruth,
    TargetTruth,
    Truth,
    TruthError,
)

WHEN = datetime(2026, 11, 1, tzinfo=UTC)
TRUTH = Truth(
    seed=7,
    now=WHEN,
    packages=(
        PackageTruth(
            "bash",
            True,
            "upstream/bash",
            (
                BranchTruth(
                    "a9",
                    "c9",
                    "1" * 40,
                    "2" * 40,
                    "3" * 40,
                    (
                        ChangeTruth(
                            "0123456789abcdef",
                            ChangeType.PATCH,
                            Operation.ADDED,
                            "0001-Fix.patch",
                            Kind.BUGFIX,
                            True,
                            "a" * 40,
                            "a" * 40,
                            WHEN,
                            (
                                TargetTruth(
                                    Target.CENTOS_STREAM,
                                    "c9s",
                                    Status.SUBMITTED,
                                    "an open change request",
                                    "open-by-marker",
                                    MatchedBy.MARKER,
                                    Evidence(
                                        "gitlab",
                                        "redhat/centos-stream/rpms/bash",
                                        "c9s",
                                        "4" * 40,
                                        3,
                                        "bash-fix.patch",
                                        marker="<!-- m -->",
                                    ),
                                ),
                                TargetTruth(
                                    Target.FEDORA, "rawhide", Status.PENDING, "nothing", "pending"
                                ),
                            ),
                        ),
                    ),
                ),
            ),
        ),
        PackageTruth("zsh", False, None, ()),
    ),
)


def test_the_json_comes_back_as_it_went():
    text = json.dumps(TRUTH.to_json())
    assert Truth.from_json(json.loads(text)) == TRUTH


def test_rows_and_counts():
    assert [row[3].status for row in TRUTH.rows()] == [Status.SUBMITTED, Status.PENDING]
    assert TRUTH.counts() == {"pending": 1, "submitted": 1}
    assert TRUTH.package("zsh").modified is False
    with pytest.raises(KeyError, match="no package 'fish'"):
        TRUTH.package("fish")


def _broken(path: list[object], value: object) -> dict:
    data = copy.deepcopy(TRUTH.to_json())
    target = data
    for key in path[:-1]:
        target = target[key]
    if value is KeyError:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return data


_CHANGE = ["packages", 0, "branches", 0, "changes", 0]


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (["format"], 2, 'expected an object with "format": 1'),
        (["packages"], {}, "truth.packages: expected a list"),
        ([*_CHANGE, "kind"], "weird", r"changes\[0\]\.kind: 'weird' is not valid"),
        ([*_CHANGE, "since"], "2026-11-01T00:00:00", "has no time zone"),
        ([*_CHANGE, "id"], KeyError, r"changes\[0\]: missing field 'id'"),
        ([*_CHANGE, "targets", 0, "evidence"], [], "evidence: expected an object"),
    ],
    ids=["format", "not-a-list", "bad-enum", "naive-date", "missing-field", "bad-evidence"],
)
def test_a_broken_document_names_the_field(path: list[object], value: object, message: str):
    with pytest.raises(TruthError, match=message):
        Truth.from_json(_broken(path, value))

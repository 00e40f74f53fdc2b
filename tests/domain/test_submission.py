"""What a submission decides before any I/O: branch names, which changes can go, and what
the commit and the change request say."""

from __future__ import annotations

import pytest

from bot.domain.model import ChangeType, Kind, Operation, Target
from bot.domain.submission import change_slug, refusal, submit_branch
from bot.domain.submission_text import (
    Story,
    body,
    changelog_summary,
    commit_message,
    needs_reference,
    subject_from_name,
    title,
)
from bot.domain.upstream_status import marker

MARKER = marker("0123456789abcdef", "centos-stream", "c10s")


def _story(**overrides: object) -> Story:
    values: dict[str, object] = {
        "distribution": "AlmaLinux",
        "package": "frob",
        "downstream_branch": "a10s",
        "patch_name": "0001-Fix-the-frobnicator.patch",
        "subject": "Fix the frobnicator",
        "description": "The frobnicator crashed on empty input.",
        "kind": Kind.BUGFIX,
        "source_url": "https://git.example.org/rpms/frob/src/branch/a10s/0001-Fix.patch",
        "owner": "@jane",
        "reference": None,
        "required_reference": "Resolves: RHEL-[0-9]+",
        "target": Target.CENTOS_STREAM,
        "target_branch": "c10s",
        "checks": ("`git apply` of the spec's patches in %prep order: 3 applied",),
    }
    values.update(overrides)
    return Story(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("0001-Fix-the-frobnicator.patch", "fix-the-frobnicator-abcdef01"),
        ("frob-1.2-CVE-2024-1234.diff", "frob-1-2-cve-2024-1234-abcdef01"),
        ("SOURCES/x.patch", "x-abcdef01"),
        ("0002-.patch", "abcdef01"),
        ("0003-" + "a" * 80 + ".patch", "a" * 40 + "-abcdef01"),
    ],
)
def test_change_slug(name: str, slug: str) -> None:
    assert change_slug(name, "abcdef0123456789") == slug


def test_submit_branch_fills_the_template_and_refuses_unknown_placeholders() -> None:
    made = submit_branch("upstream-bot/{target_branch}/{change}", package="frob", slug="fix-1",
                         target_branch="c10s")
    assert made == "upstream-bot/c10s/fix-1"
    assert submit_branch("upstream-bot/{package}/{change}", package="frob", slug="fix-1",
                         target_branch="c10s") == "upstream-bot/frob/fix-1"
    with pytest.raises(ValueError, match=r"unknown placeholder \{owner\}"):
        submit_branch("upstream-bot/{owner}", package="frob", slug="x", target_branch="c10s")


@pytest.mark.parametrize(
    ("change_type", "operation", "upstreamable", "expected"),
    [
        (ChangeType.PATCH, Operation.ADDED, True, None),
        (ChangeType.PATCH, Operation.MODIFIED, True, None),
        (ChangeType.PATCH, Operation.REMOVED, True, "removed this patch"),
        (ChangeType.SPEC_EDIT, Operation.MODIFIED, True, "only patch files"),
        (ChangeType.SOURCE, Operation.ADDED, True, "only patch files"),
        (ChangeType.PATCH, Operation.ADDED, False, "not meant for upstream"),
    ],
)
def test_refusal(
    change_type: ChangeType, operation: Operation, upstreamable: bool, expected: str | None
) -> None:
    found = refusal(change_type, operation, upstreamable=upstreamable, kind="branding")
    assert found is None if expected is None else expected in (found or "")


def test_a_draft_body_asks_for_the_ticket_and_carries_marker_and_commands() -> None:
    story = _story()
    text = body(story, marker=MARKER)
    assert needs_reference(story)
    assert text.rstrip().endswith(MARKER)
    assert "**What**: Fix the frobnicator" in text
    assert "The frobnicator crashed on empty input." in text
    assert "it fixes a bug" in text
    assert story.source_url in text and "`frob`" in text and "`a10s`" in text
    assert "@jane, please reply `/upstream jira RHEL-<n>`" in text
    for command in ("/upstream jira RHEL-<n>", "/upstream status", "/upstream skip <reason>"):
        assert f"`{command}`" in text
    assert "3 applied" in text


def test_with_a_ticket_the_body_shows_it_and_the_commit_ends_with_it() -> None:
    story = _story(reference="Resolves: RHEL-12345")
    assert not needs_reference(story)
    text = body(story, marker=MARKER)
    assert "please reply" not in text and "`Resolves: RHEL-12345`" in text
    message = commit_message(story, dist_git=True)
    assert message.splitlines()[0] == "Fix the frobnicator"
    assert message.rstrip().endswith("Resolves: RHEL-12345")
    assert "AlmaLinux carries this patch in frob (a10s); it fixes a bug." in message
    assert f"From: {story.source_url}" in message


def test_a_target_without_a_required_reference_offers_no_jira_command() -> None:
    story = _story(required_reference=None, target=Target.FEDORA, target_branch="rawhide")
    text = body(story, marker=MARKER)
    assert not needs_reference(story) and "/upstream jira" not in text


def test_without_a_subject_the_file_name_speaks() -> None:
    story = _story(subject=None, description=None)
    assert title(story) == "Fix the frobnicator"
    assert commit_message(story, dist_git=True).splitlines()[0] == (
        "Add 0001-Fix-the-frobnicator.patch"
    )
    assert commit_message(story, dist_git=False).splitlines()[0] == "Fix the frobnicator"
    assert changelog_summary(story) == "Fix the frobnicator"
    assert subject_from_name("fix_memory-leak.diff") == "Fix memory leak"

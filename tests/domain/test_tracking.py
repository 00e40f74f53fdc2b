"""The tracking issue's body and the owner's mention: stable text, one entry per change,
and markers the bot finds again."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.domain.model import Kind, Status, Target
from bot.domain.tracking import (
    Nudge,
    TargetLine,
    TrackedChange,
    issue_body,
    markers_in,
    mention_body,
    tracking_key,
)

AT = datetime(2026, 1, 5, tzinfo=UTC)


def entry(change_id: str, *statuses: Status, name: str = "0001-fix.patch") -> TrackedChange:
    lines = tuple(
        TargetLine(target, branch, status, note="waits")
        for (target, branch), status in zip(
            ((Target.CENTOS_STREAM, "c9s"), (Target.FEDORA, "rawhide")), statuses, strict=False
        )
    )
    return TrackedChange(change_id, "a9", name, Kind.BUGFIX, AT, "@mcastell", lines)


def test_the_body_lists_each_change_once_open_ones_first_and_carries_the_marker() -> None:
    done = entry("bbbbbbbb00000000", Status.SUBMITTED, Status.MERGED, name="0002-done.patch")
    waiting = entry("aaaaaaaa00000000", Status.REMINDED, Status.PENDING)
    body = issue_body("bash", [done, waiting], distribution="AlmaLinux", prefix="upstream-bot")
    assert markers_in(body) == {tracking_key("bash")}
    assert body.count("ref `aaaaaaaa`") == 1 and body.count("ref `bbbbbbbb`") == 1
    assert body.index("- [ ] `a9` `0001-fix.patch` (bugfix)") < body.index("- [x] `a9` `0002")
    assert "  - centos-stream `c9s`: **reminded**: waits" in body
    assert "`/upstream skip [<ref>] <reason>`" in body
    assert body == issue_body("bash", [waiting, done], distribution="AlmaLinux",
                              prefix="upstream-bot")


def test_markers_of_another_prefix_are_not_ours() -> None:
    assert markers_in("<!-- other-bot:tracking-issue:x --> <!-- upstream-bot:remind:c:t:1 -->"
                      ) == {"remind:c:t:1"}


def test_the_mention_names_the_owner_and_carries_one_marker_per_reminder() -> None:
    nudges = [
        Nudge("remind:aaaa:centos-stream:1", "0001-fix.patch", "a9", Target.CENTOS_STREAM,
              "c9s", "aaaaaaaa00000000", "first reminder"),
        Nudge("remind:bbbb:fedora:2", "0002-x.patch", "a10s", Target.FEDORA, "rawhide",
              "bbbbbbbb00000000", "reminder 2"),
    ]
    body = mention_body("bash", nudges, owner="@mcastell", escalate_to=("releng",),
                        prefix="upstream-bot")
    assert markers_in(body) == {"remind:aaaa:centos-stream:1", "remind:bbbb:fedora:2"}
    assert "@mcastell: 2 changes of **bash** still wait upstream" in body
    assert "cc @releng" in body
    assert "Maintainers of this package: 1 change" in mention_body(
        "bash", nudges[:1], owner=None, escalate_to=(), prefix="upstream-bot")

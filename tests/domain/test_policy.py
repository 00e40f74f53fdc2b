"""decide_case and decide: which change gets a reminder, a merge request, or a reason to wait."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.model import Kind, Status, Target
from bot.domain.overrides import Override, OverrideKind
from bot.domain.owners import Owner, OwnerSource
from bot.domain.policy import (
    ActionKind,
    Case,
    Policy,
    Standing,
    Usage,
    Why,
    decide,
    decide_case,
)
from bot.domain.policy_rules import ALESCO_RULES, Caps, PolicyRule
from bot.domain.upstream_status import marker

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)
CS, FEDORA, PROJECT = Target.CENTOS_STREAM, Target.FEDORA, Target.PROJECT
OWNER = Owner(OwnerSource.CHANGELOG, "mcastell", "Mira Castell", "mcastell@almalinux.org")
POLICY = Policy(
    grace_period=14 * DAY,
    reminder_cadence=30 * DAY,
    submit_after=7 * DAY,
    escalate_after=3,
    escalate_to=("releng",),
    approve_first_submission=False,
)


def case(
    *,
    kind: Kind = Kind.BUGFIX,
    package: str = "bash",
    age: timedelta = 20 * DAY,
    cs: Status | None = Status.PENDING,
    fedora: Status | None = Status.PENDING,
    reminded: dict[Target, tuple[datetime, ...]] | None = None,
    overrides: tuple[Override, ...] = (),
    name: str = "0001-fix-crash.patch",
    known: frozenset[Target] = frozenset(),
) -> Case:
    targets = []
    if cs is not None:
        targets.append(Standing(CS, cs, "c9s", "https://gitlab/mr/1" if cs is Status.SUBMITTED
                                else None))
    if fedora is not None:
        targets.append(Standing(FEDORA, fedora, "rawhide"))
    return Case(
        change_id="c0ffee0000000001", analysis_id="a1b2c3d4e5f60708", package=package,
        branch="a9", name=name, kind=kind, first_seen=NOW - age, targets=tuple(targets),
        overrides=overrides, owner=OWNER, reminded=reminded or {}, known_repos=known,
    )


def only(decision_case: Case, policy: Policy = POLICY) -> tuple[list[str], dict[Target, Why]]:
    decision = decide_case(decision_case, now=NOW, policy=policy)
    return [a.key for a in decision.actions], {r.target: r.why for r in decision.reasons}


def override(kind: OverrideKind, value: str = "x", *, until: datetime | None = None,
             target: Target | None = None) -> Override:
    return Override("c0ffee0000000001", kind, value, "jekberg", NOW - DAY, target, until)


@pytest.mark.parametrize(
    ("given", "keys", "whys"),
    [
        pytest.param(case(age=3 * DAY), [], {CS: Why.GRACE_PERIOD, FEDORA: Why.EARLIER_TARGET},
                     id="grace-period"),
        pytest.param(case(), ["remind:c0ffee0000000001:centos-stream:1"],
                     {CS: Why.REMIND, FEDORA: Why.EARLIER_TARGET}, id="first-reminder"),
        pytest.param(case(reminded={CS: (NOW - 2 * DAY,)}), [],
                     {CS: Why.CADENCE, FEDORA: Why.EARLIER_TARGET}, id="cadence"),
        pytest.param(case(reminded={CS: (NOW - 31 * DAY,)}),
                     ["remind:c0ffee0000000001:centos-stream:2"],
                     {CS: Why.REMIND, FEDORA: Why.EARLIER_TARGET}, id="second-reminder"),
        pytest.param(case(cs=Status.SUBMITTED), [],
                     {CS: Why.SUBMITTED, FEDORA: Why.EARLIER_TARGET}, id="open-mr-blocks-next"),
        pytest.param(case(cs=Status.MERGED), ["remind:c0ffee0000000001:fedora:1"],
                     {FEDORA: Why.REMIND}, id="merged-moves-on"),
        pytest.param(case(cs=Status.REJECTED), ["remind:c0ffee0000000001:fedora:1"],
                     {FEDORA: Why.REMIND}, id="rejected-moves-on"),
        pytest.param(case(cs=Status.PRESENT, fedora=Status.PRESENT), [], {}, id="nothing-left"),
        pytest.param(case(cs=None), ["remind:c0ffee0000000001:fedora:1"], {FEDORA: Why.REMIND},
                     id="no-centos-stream-branch"),
        pytest.param(case(kind=Kind.ARCH_ENABLEMENT), ["remind:c0ffee0000000001:fedora:1"],
                     {CS: Why.ROUTED_AWAY, FEDORA: Why.REMIND}, id="x86-64-v2-never-centos"),
        pytest.param(case(name="0002-epel-compat.patch"), ["remind:c0ffee0000000001:fedora:1"],
                     {CS: Why.ROUTED_AWAY, FEDORA: Why.REMIND}, id="epel-to-fedora"),
        pytest.param(case(overrides=(override(OverrideKind.SKIP, "not ours"),)), [],
                     {CS: Why.SKIPPED, FEDORA: Why.EARLIER_TARGET}, id="skipped"),
        pytest.param(case(overrides=(override(OverrideKind.SNOOZE, until=NOW + DAY),)), [],
                     {CS: Why.SNOOZED, FEDORA: Why.EARLIER_TARGET}, id="snoozed"),
        pytest.param(case(overrides=(override(OverrideKind.SNOOZE, until=NOW - DAY),)),
                     ["remind:c0ffee0000000001:centos-stream:1"],
                     {CS: Why.REMIND, FEDORA: Why.EARLIER_TARGET}, id="snooze-expired"),
        pytest.param(case(overrides=(override(OverrideKind.SKIP, target=FEDORA),)),
                     ["remind:c0ffee0000000001:centos-stream:1"],
                     {CS: Why.REMIND, FEDORA: Why.EARLIER_TARGET}, id="skip-other-target"),
        pytest.param(case(overrides=(override(OverrideKind.LINK, "https://x/pr/1"),)), [],
                     {CS: Why.LINKED, FEDORA: Why.EARLIER_TARGET}, id="linked"),
    ],
)
def test_decide_case(given: Case, keys: list[str], whys: dict[Target, Why]) -> None:
    assert only(given) == (keys, whys)


def test_the_grace_period_says_when_it_ends() -> None:
    reason = decide_case(case(age=3 * DAY), now=NOW, policy=POLICY).reasons[0]
    assert reason.until == NOW + 11 * DAY
    assert "2026-03-13" in reason.text


def test_auto_submit_opens_a_change_after_the_reminder_with_the_scanners_marker_words() -> None:
    policy = replace(POLICY, auto_submit=frozenset({CS}))
    early = case(reminded={CS: (NOW - 3 * DAY,)})
    assert only(early, policy) == ([], {CS: Why.CADENCE, FEDORA: Why.EARLIER_TARGET})
    due = case(reminded={CS: (NOW - 8 * DAY,)},
               overrides=(override(OverrideKind.JIRA, "RHEL-123"),))
    decision = decide_case(due, now=NOW, policy=policy)
    (action,) = decision.actions
    assert action.kind is ActionKind.OPEN_CHANGE
    assert action.jira == "RHEL-123"
    assert f"<!-- upstream-bot:{action.key} -->" == marker("a1b2c3d4e5f60708", "centos-stream",
                                                          "c9s")


def test_the_first_merge_request_to_a_repository_waits_for_a_person() -> None:
    policy = replace(POLICY, auto_submit=frozenset({CS}), approve_first_submission=True)
    waiting = case(reminded={CS: (NOW - 8 * DAY,)})
    keys, whys = only(waiting, policy)
    assert keys == [] and whys[CS] is Why.NEEDS_APPROVAL
    assert only(replace(waiting, known_repos=frozenset({CS})), policy)[0] == [
        "open-change:a1b2c3d4e5f60708:centos-stream:c9s"
    ]


def test_a_reminder_after_escalate_after_mentions_the_escalation_contacts() -> None:
    reminded = tuple(NOW - (100 - 31 * n) * DAY for n in range(3))
    decision = decide_case(case(reminded={CS: reminded}), now=NOW, policy=POLICY)
    (action,) = decision.actions
    assert (action.round, action.escalate_to) == (4, ("releng",))
    assert "escalated to @releng" in action.reason


def test_config_rules_come_after_alesco_and_win_per_knob() -> None:
    rules = (*ALESCO_RULES,
             PolicyRule("bash to Fedora first", packages=("ba*",), order=(FEDORA, CS)),
             PolicyRule("fast Fedora", target=FEDORA, grace_period=DAY, auto_submit=True))
    policy = replace(POLICY, rules=rules)
    decision = decide_case(case(age=2 * DAY, reminded={FEDORA: (NOW - 8 * DAY,)}), now=NOW,
                           policy=policy)
    assert [a.key for a in decision.actions] == ["open-change:a1b2c3d4e5f60708:fedora:rawhide"]
    assert {r.target: r.why for r in decision.reasons}[CS] is Why.EARLIER_TARGET
    # the ALESCo `never` still holds for an EPEL change, whatever order a later rule sets
    epel = decide_case(case(name="epel.patch"), now=NOW, policy=policy)
    assert {r.target: r.why for r in epel.reasons}[CS] is Why.ROUTED_AWAY


def test_kernel_fixes_go_to_centos_stream_first_even_when_the_default_changes() -> None:
    rules = (PolicyRule("Fedora first", order=(FEDORA, CS)), *ALESCO_RULES)
    decision = decide_case(case(package="kernel"), now=NOW, policy=replace(POLICY, rules=rules))
    assert [a.target for a in decision.actions] == [CS]


def test_decide_holds_what_the_caps_do_not_allow_and_says_so() -> None:
    policy = replace(POLICY, auto_submit=frozenset({CS}),
                     caps=Caps(submissions_per_hour=2, submissions_per_day=3))
    cases = [
        replace(case(reminded={CS: (NOW - 8 * DAY,)}), change_id=f"change{n:04d}",
                analysis_id=f"analysis{n:04d}", first_seen=NOW - (30 + n) * DAY)
        for n in range(10)
    ]
    earlier = (NOW - 50 * timedelta(minutes=1),)
    decision = decide(cases, now=NOW, policy=policy, usage=Usage(submissions=earlier))
    # the oldest change goes first; the hour already holds one merge request
    assert [a.change_id for a in decision.actions] == ["change0009"]
    held = [r for r in decision.reasons if r.why is Why.CAP_SUBMISSIONS_PER_HOUR]
    assert len(held) == 9
    assert all(r.action_key and r.action_key.startswith("open-change:") for r in held)
    assert held[0].until == earlier[0] + timedelta(hours=1)
    assert [r.change_id for r in decision.reasons if r.why is Why.OPEN_CHANGE] == ["change0009"]


def test_a_refused_submission_is_not_retried_and_the_reminder_carries_why() -> None:
    policy = replace(POLICY, auto_submit=frozenset({CS}))
    refused = replace(case(reminded={CS: (NOW - 40 * DAY,)}),
                      refused={CS: "0001-fix-crash.patch does not apply to c9s"})
    (action,) = decide_case(refused, now=NOW, policy=policy).actions
    assert action.kind is ActionKind.REMIND
    assert "could not submit it to centos-stream: 0001-fix-crash.patch does not apply" in (
        action.reason)

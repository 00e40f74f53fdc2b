"""[policy] and [[policy.rules]]: the knobs and rules `decide` reads, and their mistakes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from bot.domain.model import Kind, Target
from bot.domain.owners import OwnerEntry
from bot.domain.policy_rules import ALESCO_RULES, PolicyRule
from bot.settings import SettingsError, parse_settings

from .conftest import ENV, edited


def _parse(edits: dict[str, Any]):
    return parse_settings(edited(edits), source="test.toml", environ=ENV)


def _problems(edits: dict[str, Any]) -> list[tuple[str, str]]:
    with pytest.raises(SettingsError) as caught:
        _parse(edits)
    return [(p.key, p.message) for p in caught.value.problems]


def test_defaults_give_alesco_rules_and_the_documented_caps() -> None:
    policy = _parse({}).policy.as_policy()
    assert policy.rules == ALESCO_RULES
    assert (policy.caps.submissions_per_hour, policy.caps.submissions_per_day,
            policy.caps.reminders_per_owner_per_week) == (2, 10, 10)
    assert policy.approve_first_submission
    assert policy.submit_after == timedelta(days=7)


def test_policy_knobs_and_rules_are_read_in_order_after_alesco() -> None:
    settings = _parse({
        "policy.submit_after": "3d",
        "policy.escalate_after": 2,
        "policy.escalate_to": ["releng"],
        "policy.approve_first_submission": False,
        "policy.max_submissions_per_hour": 1,
        "policy.max_submissions_per_day": 4,
        "policy.max_reminders_per_owner_per_week": 3,
        "policy.rules": [
            {"name": "grub to Fedora only", "packages": ["grub*"], "order": ["fedora"],
             "never": ["centos-stream"]},
            {"name": "quick a10s Fedora", "branches": ["a10s"], "kinds": ["bugfix"],
             "target": "fedora", "auto_submit": True, "grace_period": "1d"},
        ],
    })
    policy = settings.policy.as_policy()
    assert policy.rules[: len(ALESCO_RULES)] == ALESCO_RULES
    assert policy.rules[len(ALESCO_RULES):] == (
        PolicyRule("grub to Fedora only", packages=("grub*",), order=(Target.FEDORA,),
                   never=(Target.CENTOS_STREAM,)),
        PolicyRule("quick a10s Fedora", branches=("a10s",), kinds=(Kind.BUGFIX,),
                   target=Target.FEDORA, auto_submit=True, grace_period=timedelta(days=1)),
    )
    assert (policy.escalate_after, policy.escalate_to, policy.submit_after) == (
        2, ("releng",), timedelta(days=3))
    assert (policy.caps.submissions_per_hour, policy.caps.submissions_per_day,
            policy.caps.reminders_per_owner_per_week) == (1, 4, 3)
    assert not policy.approve_first_submission


def test_alesco_defaults_can_be_turned_off() -> None:
    assert _parse({"policy.alesco_defaults": False}).policy.as_policy().rules == ()


@pytest.mark.parametrize(
    ("rule", "key", "message"),
    [
        ({"name": "x"}, "policy.rules[0].name", "the rule changes nothing"),
        ({"order": ["fedora"]}, "policy.rules[0].name", "is missing"),
        ({"name": "x", "order": ["fedro"]}, "policy.rules[0].order", "expected one of"),
        ({"name": "x", "kinds": ["bugfixes"], "auto_submit": True}, "policy.rules[0].kinds",
         "expected one of"),
        ({"name": "x", "target": "fedora", "order": ["fedora"]}, "policy.rules[0].target",
         "route the whole change"),
        ({"name": "x", "order": ["fedora"], "never": ["fedora"]}, "policy.rules[0].never",
         "is also in order"),
        ({"name": "x", "auto_submit": True, "grace": "1d"}, "policy.rules[0].grace",
         'unknown key "grace"'),
    ],
    ids=["no-effect", "no-name", "bad-target", "bad-kind", "target-with-order", "order-and-never",
         "unknown-key"],
)
def test_rule_mistakes_are_reported_where_they_are(
    rule: dict[str, Any], key: str, message: str
) -> None:
    found = _problems({"policy.rules": [rule]})
    assert [k for k, _ in found] == [key], found
    assert message in found[0][1]


def test_owners_carry_forge_usernames_and_packages_for_the_owner_resolution() -> None:
    settings = _parse({"owners.mcastell": {
        "email": "Mira Castell <MCastell@example.org>",
        "usernames": {"centos-stream": "mira-c"},
        "packages": ["bash", "kernel-*"],
    }})
    owner = settings.owner("mcastell")
    assert owner is not None
    assert owner.as_entry() == OwnerEntry("mcastell", "mcastell@example.org",
                                          {"centos-stream": "mira-c"}, ("bash", "kernel-*"))
    found = _problems({"owners.mcastell": {"usernames": {"nowhere": "x"}}})
    assert found == [("owners.mcastell.usernames.nowhere", 'no forge is called "nowhere"')]

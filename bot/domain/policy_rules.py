"""The policy's settings as plain values: global knobs, caps, and rules per package, branch,
kind and target that route a change to its targets in order and tune when the bot acts.

Rules are read in order, the built-in ALESCo defaults first and the deployment's own after
them; for each knob the last matching rule that sets it wins, and `never` adds up (a target
one rule forbids stays forbidden).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from fnmatch import fnmatchcase

from bot.domain.model import Kind, Target

#: Where a change goes when no rule says otherwise: the target closest to the base first.
DEFAULT_ORDER = (Target.CENTOS_STREAM, Target.FEDORA, Target.PROJECT)


@dataclass(frozen=True, slots=True)
class PolicyRule:
    """Which changes it matches (every given field must match; empty matches all) and what
    it sets for them (None leaves the knob as earlier rules or the defaults set it)."""

    name: str
    packages: tuple[str, ...] = ()
    branches: tuple[str, ...] = ()
    kinds: tuple[Kind, ...] = ()
    #: words looked for, case-insensitively, in the change's name and subject
    words: tuple[str, ...] = ()
    #: the knobs below apply only to this target (order and never ignore it)
    target: Target | None = None
    order: tuple[Target, ...] | None = None
    never: tuple[Target, ...] = ()
    auto_submit: bool | None = None
    grace_period: timedelta | None = None
    reminder_cadence: timedelta | None = None
    submit_after: timedelta | None = None

    def matches(self, *, package: str, branch: str, kind: Kind | None, text: str) -> bool:
        if self.packages and not any(fnmatchcase(package, p) for p in self.packages):
            return False
        if self.branches and branch not in self.branches:
            return False
        if self.kinds and kind not in self.kinds:
            return False
        lowered = text.lower()
        return not self.words or any(word.lower() in lowered for word in self.words)


#: ALESCo's rules (AlmaLinux Engineering Steering Committee) for where changes go.
ALESCO_RULES = (
    PolicyRule(
        name="ALESCo: kernel fixes go to CentOS Stream first",
        packages=("kernel", "kernel-*"),
        kinds=(Kind.BUGFIX, Kind.SECURITY, Kind.BACKPORT),
        order=(Target.CENTOS_STREAM, Target.FEDORA, Target.PROJECT),
    ),
    PolicyRule(
        name="ALESCo: EPEL-related changes go to Fedora",
        words=("epel",),
        order=(Target.FEDORA, Target.PROJECT),
        never=(Target.CENTOS_STREAM,),
    ),
    PolicyRule(
        name="ALESCo: x86_64_v2 and re-enabled hardware go to Fedora or the project, "
        "never CentOS Stream",
        kinds=(Kind.ARCH_ENABLEMENT, Kind.FEATURE_REENABLE),
        order=(Target.FEDORA, Target.PROJECT),
        never=(Target.CENTOS_STREAM,),
    ),
)


@dataclass(frozen=True, slots=True)
class Caps:
    """How much the bot may do; a cap of 0 stops that kind of action."""

    open_submissions_per_target: int = 20
    submissions_per_hour: int = 2
    submissions_per_day: int = 10
    submissions_per_run: int = 5
    reminders_per_owner_per_week: int = 10
    reminders_per_run: int = 50


@dataclass(frozen=True, slots=True)
class Policy:
    """Everything `decide` needs to know about the deployment's wishes."""

    grace_period: timedelta = timedelta(days=14)
    reminder_cadence: timedelta = timedelta(days=30)
    #: how long after the first reminder an auto-submitted change waits for its owner
    submit_after: timedelta = timedelta(days=7)
    #: from this reminder on, `escalate_to` is mentioned too (0: never)
    escalate_after: int = 3
    escalate_to: tuple[str, ...] = ()
    auto_submit: frozenset[Target] = frozenset()
    #: the bot's first merge request to a repository waits for a person's `submit`
    approve_first_submission: bool = True
    caps: Caps = Caps()
    rules: tuple[PolicyRule, ...] = ALESCO_RULES


@dataclass(frozen=True, slots=True)
class Route:
    """Where one change goes: its targets in order, those ruled out and why."""

    order: tuple[Target, ...]
    never: frozenset[Target]
    #: the rule that set the order, or None for the default order
    order_rule: str | None
    #: target -> the rule that ruled it out
    never_rules: dict[Target, str]


@dataclass(frozen=True, slots=True)
class Knobs:
    """When the bot acts on one change in one target."""

    auto_submit: bool
    grace_period: timedelta
    reminder_cadence: timedelta
    submit_after: timedelta


def route(policy: Policy, *, package: str, branch: str, kind: Kind | None, text: str) -> Route:
    order: tuple[Target, ...] = DEFAULT_ORDER
    order_rule: str | None = None
    never: dict[Target, str] = {}
    for rule in _matching(policy.rules, package, branch, kind, text):
        if rule.target is not None:
            continue
        if rule.order is not None:
            order, order_rule = rule.order, rule.name
        for target in rule.never:
            never.setdefault(target, rule.name)
    return Route(order, frozenset(never), order_rule, never)


def knobs(
    policy: Policy, target: Target, *, package: str, branch: str, kind: Kind | None, text: str
) -> Knobs:
    auto = target in policy.auto_submit
    grace, cadence, after = policy.grace_period, policy.reminder_cadence, policy.submit_after
    for rule in _matching(policy.rules, package, branch, kind, text):
        if rule.target is not None and rule.target is not target:
            continue
        auto = auto if rule.auto_submit is None else rule.auto_submit
        grace = grace if rule.grace_period is None else rule.grace_period
        cadence = cadence if rule.reminder_cadence is None else rule.reminder_cadence
        after = after if rule.submit_after is None else rule.submit_after
    return Knobs(auto, grace, cadence, after)


def _matching(
    rules: Iterable[PolicyRule], package: str, branch: str, kind: Kind | None, text: str
) -> list[PolicyRule]:
    return [
        r for r in rules if r.matches(package=package, branch=branch, kind=kind, text=text)
    ]

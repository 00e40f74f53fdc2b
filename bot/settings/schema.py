"""The shape of a deployment's settings: typed, frozen sections that the rest of the bot reads."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time, timedelta
from enum import StrEnum
from pathlib import PurePosixPath

from bot.domain.health.suppress import Suppression
from bot.domain.model import Target
from bot.domain.owners import OwnerEntry, parse_person
from bot.domain.policy_rules import ALESCO_RULES, Caps, Policy, PolicyRule
from bot.settings.secret import Secret


class ForgeType(StrEnum):
    """Which API a forge speaks (Forgejo speaks Gitea's)."""

    GITEA = "gitea"
    GITLAB = "gitlab"
    PAGURE = "pagure"
    GITHUB = "github"


class ForgeRole(StrEnum):
    """What the bot uses a forge for."""

    DOWNSTREAM = "downstream"
    AUTOPATCH = "autopatch"
    TARGET = "target"
    PROJECT = "project"


class SmtpTls(StrEnum):
    """How the SMTP connection is protected."""

    NONE = "none"
    STARTTLS = "starttls"
    TLS = "tls"


class Weekday(StrEnum):
    """A day of the week, spelled out in English."""

    MONDAY = "monday"
    TUESDAY = "tuesday"
    WEDNESDAY = "wednesday"
    THURSDAY = "thursday"
    FRIDAY = "friday"
    SATURDAY = "saturday"
    SUNDAY = "sunday"

    @property
    def number(self) -> int:
        """0 for Monday as in `datetime.weekday()`."""
        return list(Weekday).index(self)


@dataclass(frozen=True, slots=True)
class DistributionSettings:
    """The downstream distribution: its name, its spec conventions and the bot's identity."""

    name: str
    release_suffix: str
    guard_macro: str
    #: more names of the distribution than `name` and `guard_macro` (e.g. "alma linux")
    words: tuple[str, ...]
    #: names of the base's vendor; downstream text that removes them is branding
    vendor_words: tuple[str, ...]
    bot_username: str
    marker_prefix: str


@dataclass(frozen=True, slots=True)
class DatabaseSettings:
    """Where state lives; `url` is already resolved against `state_dir` for relative SQLite."""

    url: Secret
    state_dir: PurePosixPath


@dataclass(frozen=True, slots=True)
class ForgeSettings:
    """One forge account the bot talks to, with its limits."""

    name: str
    type: ForgeType
    role: ForgeRole
    url: str
    api_url: str
    namespace: str | None
    username: str
    token: Secret | None
    webhook_secret: Secret | None
    concurrency: int
    requests_per_hour: int
    timeout: timedelta
    page_size: int


@dataclass(frozen=True, slots=True)
class TargetSettings:
    """Where a change can go upstream, and what a submission there needs."""

    name: Target
    forge: str
    submit_branch: str
    required_reference: re.Pattern[str] | None


@dataclass(frozen=True, slots=True)
class TargetBranch:
    """The branch of one target that a downstream branch is compared with and submitted to."""

    target: Target
    branch: str


@dataclass(frozen=True, slots=True)
class BranchMapping:
    """A downstream branch, the base it is imported from, and its branch in each target."""

    downstream: str
    base: str
    targets: tuple[TargetBranch, ...]

    def branch_for(self, target: Target) -> str | None:
        """The target's branch for this downstream branch, or None when it has none."""
        return next((item.branch for item in self.targets if item.target == target), None)


@dataclass(frozen=True, slots=True)
class ScanSettings:
    """How often to scan and which packages; an empty `include` means every package."""

    interval: timedelta
    include: tuple[str, ...]
    exclude: tuple[str, ...]
    #: each scheduled scan starts up to this much later, at random, so replicas and
    #: neighbouring bots do not hit the forges at the same second
    jitter: timedelta = timedelta(minutes=5)
    #: how often the state of submitted change requests is re-read between full scans
    sync_interval: timedelta = timedelta(hours=1)

    def wants(self, package: str) -> bool:
        if package in self.exclude:
            return False
        return not self.include or package in self.include


@dataclass(frozen=True, slots=True)
class PolicySettings:
    """How far the bot may act on its own, and how often it nudges people."""

    dry_run: bool
    grace_period: timedelta
    reminder_cadence: timedelta
    max_reminders_per_run: int
    max_submissions_per_run: int
    max_open_submissions_per_target: int
    auto_submit: tuple[Target, ...]
    submit_after: timedelta = timedelta(days=7)
    escalate_after: int = 3
    escalate_to: tuple[str, ...] = ()
    approve_first_submission: bool = True
    max_submissions_per_hour: int = 2
    max_submissions_per_day: int = 10
    max_reminders_per_owner_per_week: int = 10
    #: whether ALESCo's routing rules come before `rules`
    alesco_defaults: bool = True
    rules: tuple[PolicyRule, ...] = ()

    def as_policy(self) -> Policy:
        """The domain's view of these settings, for `bot.domain.policy.decide`."""
        return Policy(
            grace_period=self.grace_period,
            reminder_cadence=self.reminder_cadence,
            submit_after=self.submit_after,
            escalate_after=self.escalate_after,
            escalate_to=self.escalate_to,
            auto_submit=frozenset(self.auto_submit),
            approve_first_submission=self.approve_first_submission,
            caps=Caps(
                open_submissions_per_target=self.max_open_submissions_per_target,
                submissions_per_hour=self.max_submissions_per_hour,
                submissions_per_day=self.max_submissions_per_day,
                submissions_per_run=self.max_submissions_per_run,
                reminders_per_owner_per_week=self.max_reminders_per_owner_per_week,
                reminders_per_run=self.max_reminders_per_run,
            ),
            rules=(*(ALESCO_RULES if self.alesco_defaults else ()), *self.rules),
        )


class DigestMode(StrEnum):
    """Which weekly digests an owner wants."""

    #: only when something waits on them or moved this week
    WHEN_NEEDED = "when-needed"
    #: every week, even to say that nothing waits
    ALWAYS = "always"
    NEVER = "never"


@dataclass(frozen=True, slots=True)
class DigestSettings:
    """When the weekly digest goes out, to whom, and through which SMTP server."""

    weekday: Weekday
    time: time
    timezone: str
    from_address: str
    project_list: str
    smtp_host: str
    smtp_port: int
    smtp_tls: SmtpTls
    smtp_username: str | None
    smtp_password: Secret | None
    #: more addresses that get the project digest besides `project_list`
    recipients: tuple[str, ...] = ()
    #: addresses that get no digest at all, whatever else says so
    opt_out: tuple[str, ...] = ()
    #: the List-Unsubscribe target (mailto: or https:); None: a mail to `from_address`
    unsubscribe: str | None = None
    #: tries per message before it is left failed for the next run
    send_attempts: int = 4
    smtp_timeout: timedelta = timedelta(seconds=30)


@dataclass(frozen=True, slots=True)
class OwnerSettings:
    """A person who owns downstream changes, by their username on the downstream forge."""

    username: str
    email: str | None = None
    digest: DigestMode = DigestMode.WHEN_NEEDED
    #: (forge name, username there) for forges where the person has another account
    usernames: tuple[tuple[str, str], ...] = ()
    #: globs of packages this person owns, whatever the forges say
    packages: tuple[str, ...] = ()

    def as_entry(self) -> OwnerEntry:
        """The domain's view, for `bot.domain.owners.resolve_owner`."""
        person = parse_person(self.email)
        return OwnerEntry(
            self.username, person.email if person else None, dict(self.usernames), self.packages
        )


@dataclass(frozen=True, slots=True)
class WebSettings:
    """Where the web server listens and the address people reach it at."""

    host: str
    port: int
    public_url: str


@dataclass(frozen=True, slots=True)
class HealthSettings:
    """How the downstream health checks are tuned: which findings are silenced, and why."""

    suppressions: tuple[Suppression, ...] = ()


@dataclass(frozen=True, slots=True)
class ChatopsSettings:
    """The [chatops] section (bot/settings/chatops.py); the defaults suit one process."""

    #: people who may run every command on every package, whatever their forge role:
    #: "alice" on any forge, or "<forge name>:alice" on that forge only
    trusted_users: tuple[str, ...] = ()
    #: how long a commenter's permission on a repository is believed without asking again
    permission_ttl: timedelta = timedelta(minutes=5)
    #: the largest webhook body accepted, in bytes (larger: 413)
    max_body_size: int = 5 * 1024 * 1024
    #: inbox workers per process, and attempts per event before it is kept as dead
    workers: int = 2
    max_attempts: int = 6
    #: how often the comments of upstream requests the bot opened are read (0s: never)
    poll_interval: timedelta = timedelta(minutes=10)

    def trusts(self, forge: str, user: str) -> bool:
        return user in self.trusted_users or f"{forge}:{user}" in self.trusted_users


@dataclass(frozen=True, slots=True)
class Settings:
    """A whole, validated deployment configuration; `source` names the file it came from."""

    source: str
    distribution: DistributionSettings
    database: DatabaseSettings
    forges: tuple[ForgeSettings, ...]
    targets: tuple[TargetSettings, ...]
    branches: tuple[BranchMapping, ...]
    scan: ScanSettings
    policy: PolicySettings
    digest: DigestSettings | None
    web: WebSettings
    health: HealthSettings = HealthSettings()
    owners: tuple[OwnerSettings, ...] = ()
    chatops: ChatopsSettings = ChatopsSettings()

    def forge(self, name: str) -> ForgeSettings:
        """The forge called `name`; raises KeyError for a name the configuration lacks."""
        for forge in self.forges:
            if forge.name == name:
                return forge
        raise KeyError(name)

    @property
    def downstream_forge(self) -> ForgeSettings:
        """The forge that hosts the downstream dist-git (validation guarantees exactly one)."""
        return next(forge for forge in self.forges if forge.role == ForgeRole.DOWNSTREAM)

    @property
    def autopatch_forge(self) -> ForgeSettings | None:
        return next((f for f in self.forges if f.role == ForgeRole.AUTOPATCH), None)

    def target(self, name: Target) -> TargetSettings | None:
        return next((target for target in self.targets if target.name == name), None)

    def branch(self, downstream: str) -> BranchMapping | None:
        return next((b for b in self.branches if b.downstream == downstream), None)

    def owner(self, username: str) -> OwnerSettings | None:
        return next((o for o in self.owners if o.username == username), None)

"""Which digests a week has and for whom: reads the store once, builds the project digest
and every owner's, renders them, and leaves out owners with nothing to report (unless they
asked for every week), owners who asked for none, and opted-out addresses."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta, tzinfo
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.domain.digest import DigestLimits, owner_digest, project_digest, week_window
from bot.domain.digest_view import build_view
from bot.domain.digest_week import IsoWeek
from bot.domain.model import Target
from bot.notify.links import Dashboard
from bot.notify.message import bare_address, digest_message_id, mail_domain
from bot.notify.render import Branding, RenderedDigest, Renderer
from bot.settings.schema import DigestMode, DigestSettings, Settings
from bot.store import Store


class DigestKind(StrEnum):
    OWNER = "owner"
    PROJECT = "project"


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One digest for one address, rendered, with its ledger key and list identity."""

    kind: DigestKind
    address: str
    #: the owner's username (owner digests)
    owner: str | None
    rendered: RenderedDigest
    message_id: str
    list_id: str
    list_name: str

    @property
    def key(self) -> str:
        """The ledger's recipient: which digest, to which address (an owner who also reads
        the project list gets both, each once)."""
        return f"{self.kind}:{bare_address(self.address).lower()}"


@dataclass(slots=True)
class Prepared:
    week: IsoWeek
    outgoing: list[Outgoing] = field(default_factory=list)
    #: owners with nothing to report who did not ask for every week
    quiet: list[str] = field(default_factory=list)
    #: owners of changes with no address in the settings
    unaddressed: list[str] = field(default_factory=list)
    #: addresses left out because they opted out or asked for no digest
    opted_out: list[str] = field(default_factory=list)


def zone_of(settings: DigestSettings) -> tzinfo:
    return ZoneInfo(settings.timezone)


def unsubscribe_target(settings: DigestSettings) -> str:
    if settings.unsubscribe:
        return settings.unsubscribe
    return f"mailto:{bare_address(settings.from_address)}?subject=unsubscribe"


def prepare_week(
    settings: Settings,
    store: Store,
    week: IsoWeek,
    *,
    limits: DigestLimits | None = None,
) -> Prepared:
    """Every digest of `week` that should go out under `settings`, rendered."""
    digest = settings.digest
    if digest is None:
        raise ValueError("the settings have no [digest] section; add one to send digests")
    limits = limits or DigestLimits()
    zone = zone_of(digest)
    window = week_window(week, zone)
    inputs = store.digest_inputs(
        since=week.shifted(-1).start(zone),
        week_start=window.start,
        week_end=window.end,
        trend_since=week.shifted(1 - limits.trend_weeks).start(zone) - timedelta(days=1),
    )
    view = build_view(inputs, window, required_references=required_references(settings))
    renderer = Renderer(
        dashboard=Dashboard(settings.web.public_url),
        branding=Branding(settings.distribution.name, settings.distribution.bot_username,
                          unsubscribe_target(digest)),
    )
    prepared = Prepared(week)
    blocked = {bare_address(a).lower() for a in digest.opt_out}
    domain = mail_domain(digest.from_address)

    def add(kind: DigestKind, address: str, owner: str | None, rendered: RenderedDigest) -> None:
        if bare_address(address).lower() in blocked:
            prepared.opted_out.append(address)
            return
        prepared.outgoing.append(Outgoing(
            kind, address, owner, rendered,
            digest_message_id(str(week), address, kind=str(kind), sender=digest.from_address),
            f"{kind}.upstream-digest.{domain}",
            f"{settings.distribution.name} upstream digest ({kind})",
        ))

    configured = {owner.username: owner for owner in settings.owners}
    for owner in configured.values():
        if owner.digest is DigestMode.NEVER or owner.email is None:
            if owner.email is not None:
                prepared.opted_out.append(owner.email)
            continue
        mine = owner_digest(view, owner.username, limits=limits)
        if not mine.has_news and owner.digest is not DigestMode.ALWAYS:
            prepared.quiet.append(owner.username)
            continue
        add(DigestKind.OWNER, owner.email, owner.username, renderer.owner(mine))
    prepared.unaddressed = sorted(
        name for name in view.by_owner
        if name and (name not in configured or configured[name].email is None)
    )
    project = renderer.project(project_digest(view, inputs, zone=zone, limits=limits))
    for address in _unique((digest.project_list, *digest.recipients)):
        add(DigestKind.PROJECT, address, None, project)
    return prepared


def required_references(settings: Settings) -> dict[Target, str]:
    """Each target's required reference as people write it (``Resolves: RHEL-<n>``)."""
    return {
        target.name: _readable(target.required_reference.pattern)
        for target in settings.targets
        if target.required_reference
    }


def _readable(pattern: str) -> str:
    text = re.sub(r"\[0-9\]\+|\\d\+|\[0-9\]\*|\\d\*", "<n>", pattern)
    return text.replace("\\", "").strip("^$")


def _unique(addresses: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    found = []
    for address in addresses:
        key = bare_address(address).lower()
        if key not in seen:
            seen.add(key)
            found.append(address)
    return found

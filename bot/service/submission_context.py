"""Everything a submission needs to know before it touches git: the stored change, its
downstream patch file and owner, the target repository, branch, marker and ticket."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from bot.domain.distgit_model import DistGit
from bot.domain.model import Target
from bot.domain.overrides import OverrideKind, current
from bot.domain.owners import Person as PersonFact
from bot.domain.owners import resolve_owner
from bot.domain.submission import change_slug, refusal, submit_branch
from bot.domain.submission_spec import patch_order
from bot.domain.submission_text import REFERENCE_LINE
from bot.domain.upstream_status import marker
from bot.forges.base import Forge, RepoRef
from bot.forges.errors import NotFound
from bot.ingest.distgit import DistGitError, read_distgit
from bot.ingest.patch_header import PatchHeader, parse_patch_header
from bot.service.owner_facts import owner_facts
from bot.service.remote_tree import read_remote_tree
from bot.settings import ForgeType, Settings, TargetSettings
from bot.store import Store
from bot.store.records import StoredChange

#: where the original projects live on the project forge when its settings name no namespace
#: (the scanner's default too)
PROJECT_NAMESPACE = "upstream"


def _no_step(_step: str) -> None:
    return None


@dataclass(frozen=True, slots=True)
class SubmitDeps:
    """What a submission uses: settings, the store, the forges by configured name, a folder
    for temporary work trees, and a hook called after each step (tests stop there)."""

    settings: Settings
    store: Store
    forges: Mapping[str, Forge]
    work_root: Path
    step: Callable[[str], None] = _no_step
    #: bounds each git job (a clone, the checks, a push)
    git_timeout: float = 300.0


class Refused(Exception):
    """The bot will not submit this change; the message is the sentence a human reads."""


@dataclass(frozen=True, slots=True)
class Person:
    name: str
    email: str
    #: how the texts name them: `@user`, else `Name <email>`
    label: str


@dataclass(frozen=True, slots=True)
class Context:
    """One (change, target) submission, resolved."""

    change_id: str
    #: the analysis id the scanner's marker carries (the same fix on two branches of one
    #: package going to one target branch is one change request)
    analysis_id: str
    stored: StoredChange
    target: Target
    config: TargetSettings
    forge: Forge
    forge_type: ForgeType
    repo: RepoRef
    target_branch: str
    branch: str
    marker: str
    patch: bytes
    #: how the downstream spec strips the patch's paths (`-p1`)
    strip: int
    subject: str | None
    description: str | None
    owner: Person
    source_url: str | None
    #: `Resolves: RHEL-123` when a ticket is known
    reference: str | None

    @property
    def package(self) -> str:
        return self.stored.package

    @property
    def name(self) -> str:
        return self.stored.record.name


async def resolve(
    settings: Settings,
    store: Store,
    forges: Mapping[str, Forge],
    change_id: str,
    target: Target,
    *,
    now: datetime,
) -> Context:
    """The submission's context; raises `Refused` with the reason when there is none."""
    stored = store.get_change(change_id)
    if stored is None:
        raise Refused(f"no change {change_id} in the store: run a scan first")
    record = stored.record
    why_not = refusal(record.type, record.operation, upstreamable=record.upstreamable,
                      kind=str(record.kind) if record.kind else None)
    if why_not is not None:
        raise Refused(f"{record.name}: {why_not}")
    if stored.gone_at is not None:
        raise Refused(f"{record.name} is no longer in {stored.package} {stored.branch}")
    config = settings.target(target)
    if config is None or config.forge not in forges:
        raise Refused(f"no {target} target is configured")
    forge = forges[config.forge]
    forge_settings = settings.forge(config.forge)
    namespace = forge_settings.namespace or (
        PROJECT_NAMESPACE if target is Target.PROJECT else "rpms"
    )
    repo = RepoRef(namespace, stored.package)
    target_branch = await _target_branch(settings, forge, repo, target, stored)
    analysis_id = str(record.evidence.get("analysis_id") or change_id)
    slug = change_slug(record.name, change_id)
    branch = submit_branch(
        config.submit_branch, package=stored.package, slug=slug, target_branch=target_branch
    )
    downstream = await _downstream(settings, forges, stored)
    patch = downstream.files.get(record.name)
    if patch is None:
        raise Refused(
            f"{record.name} is not in {stored.package} {stored.branch} any more (or lives in "
            "the lookaside cache): nothing to submit"
        )
    header = parse_patch_header(patch, path=record.name)
    owner = await _owner(settings, store, forges, stored, downstream, header,
                         target_forge=config.forge, now=now)
    return Context(
        change_id=change_id,
        analysis_id=analysis_id,
        stored=stored,
        target=target,
        config=config,
        forge=forge,
        forge_type=forge_settings.type,
        repo=repo,
        target_branch=target_branch,
        branch=branch,
        marker=marker(analysis_id, str(target), target_branch),
        patch=patch,
        strip=_strip(downstream, record.name),
        subject=header.subject,
        description=header.description,
        owner=owner,
        source_url=await _source_url(settings, forges, stored, downstream),
        reference=reference_of(store, change_id, target, config, now=now),
    )


def reference_of(
    store: Store, change_id: str, target: Target, config: TargetSettings, *, now: datetime
) -> str | None:
    """The ticket line from the `jira` override in force, when the target asks for one."""
    if config.required_reference is None:
        return None
    overrides = store.overrides_of([change_id]).get(change_id, [])
    ticket = current(overrides, target, now=now).get(OverrideKind.JIRA)
    return reference_line(ticket.value, config) if ticket else None


def reference_line(ticket: str, config: TargetSettings) -> str:
    """`Resolves: RHEL-123` for `RHEL-123`; `Refused` when it does not match the target's
    required pattern."""
    line = REFERENCE_LINE.format(ticket=ticket.strip())
    pattern = config.required_reference
    if pattern is not None and not pattern.search(line):
        raise Refused(
            f"{ticket!r} does not make a line matching `{pattern.pattern}`; "
            "give the ticket like RHEL-12345"
        )
    return line


async def _target_branch(
    settings: Settings, forge: Forge, repo: RepoRef, target: Target, stored: StoredChange
) -> str:
    if target is Target.PROJECT:
        try:
            return (await forge.get_repo(repo)).default_branch
        except NotFound:
            raise Refused(f"the project {repo.path} is not on the {forge.name} forge") from None
    mapping = settings.branch(stored.branch)
    branch = mapping.branch_for(target) if mapping else None
    if branch is None:
        raise Refused(f"{stored.branch} has no {target} branch configured")
    return branch


async def _downstream(
    settings: Settings, forges: Mapping[str, Forge], stored: StoredChange
) -> DistGit:
    forge_settings = settings.downstream_forge
    repo = RepoRef(forge_settings.namespace or "rpms", stored.package)
    tree = await read_remote_tree(forges[forge_settings.name], repo, ref=stored.branch)
    try:
        return read_distgit(tree, where=f"{repo.path}@{stored.branch}", package=stored.package)
    except DistGitError as error:
        raise Refused(str(error)) from None


def _strip(downstream: DistGit, name: str) -> int:
    """The `-pN` the downstream spec applies the patch with; 1 when it does not say."""
    found = next((a for a in patch_order(downstream.spec) if a.name == name), None)
    return found.strip if found is not None else 1


async def _owner(
    settings: Settings,
    store: Store,
    forges: Mapping[str, Forge],
    stored: StoredChange,
    downstream: DistGit,
    header: PatchHeader,
    *,
    target_forge: str,
    now: datetime,
) -> Person:
    """Who the commit credits and the request names: the change's owner as the policy
    resolves it (`/upstream assign`, the configured owners, the autopatch changelog entry,
    the downstream commit), with the name and email the forges or the patch give when the
    configuration has none; the bot itself when nobody is known."""
    path = downstream.paths.get(stored.record.name, stored.record.name)
    where = (stored.package, stored.branch, path)
    facts = (await owner_facts(settings, forges, [where]))[where]
    overrides = store.overrides_of([stored.record.id]).get(stored.record.id, [])
    held = [found for target in Target
            if (found := current(overrides, target, now=now).get(OverrideKind.ASSIGN))]
    owner = resolve_owner(
        stored.package,
        entries=[o.as_entry() for o in settings.owners],
        assign=max(held, key=lambda o: o.at) if held else None,
        facts=facts,
        stored=stored.record.owner,
    )
    known = [p for p in (facts.changelog_author, facts.commit_author,
                         PersonFact(header.author, header.email)) if p is not None]
    email = (owner.email if owner else None) or next((p.email for p in known if p.email), None)
    name = (owner.name if owner else None) or next(
        (p.name for p in known if p.name and p.email == email), None
    ) or (owner.username if owner else None)
    if not email:
        bot = settings.distribution.bot_username
        return Person(bot, f"{bot}@users.noreply.localhost", f"@{bot}")
    username = owner.on(target_forge) if owner else None
    label = f"@{username}" if username else f"{name or email} <{email}>"
    return Person(name or email, email, label)


async def _source_url(
    settings: Settings, forges: Mapping[str, Forge], stored: StoredChange, downstream: DistGit
) -> str | None:
    forge_settings = settings.downstream_forge
    repo = RepoRef(forge_settings.namespace or "rpms", stored.package)
    try:
        web = (await forges[forge_settings.name].get_repo(repo)).web_url.rstrip("/")
    except NotFound:
        return None
    path = downstream.paths.get(stored.record.name, stored.record.name)
    return file_url(forge_settings.type, web, stored.branch, path)


def file_url(kind: ForgeType, web_url: str, branch: str, path: str) -> str:
    """A link to a file on a branch, the way each forge's web pages spell it."""
    return {
        ForgeType.GITEA: f"{web_url}/src/branch/{branch}/{path}",
        ForgeType.GITLAB: f"{web_url}/-/blob/{branch}/{path}",
        ForgeType.GITHUB: f"{web_url}/blob/{branch}/{path}",
        ForgeType.PAGURE: f"{web_url}/blob/{branch}/f/{path}",
    }[kind]

"""Builds a package's downstream side on the Gitea sandbox: the base imports (`c9`, `c10s`),
the autopatch config repository, and the downstream branches (`a9`, `a10s`) made by really
applying that config to the base; then analyzes each downstream branch against its base.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.domain.rules import AnalysisRules
from bot.ingest.analyze import Analysis, analyze_trees
from bot.ingest.autopatch.analysis import apply_to_tree
from bot.ingest.autopatch.parse import parse_config
from bot.sandbox.seed_autopatch import downstream_config
from bot.sandbox.seed_diff import FileEdit
from bot.sandbox.seed_history import RepoPlan
from bot.sandbox.seed_names import IMPORTER
from bot.sandbox.seed_patchfile import Header, PatchFormat, patch_bytes
from bot.sandbox.seed_plan import BRANCHES, FixPlan, Item, PackagePlan, Story
from bot.sandbox.seed_project import ProjectBuild
from bot.sandbox.seed_spec import ChangelogEntry, SpecVariant, flat_tree, spec_text, split_tree

FORGE = "gitea"
#: the packager maintains the package; the bot administers it, as a deployment's bot does
_MEMBERS = {"packager": "write", "upstream-bot": "admin"}


class SeedError(RuntimeError):
    """The seed planned something the autopatch engine or the analysis disagrees with: a bug
    in the seed, reported with the package and branch."""


@dataclass(frozen=True, slots=True)
class BranchBuild:
    branch: str
    base: str
    base_tree: Mapping[str, bytes]
    base_head: str
    head: str
    analysis: Analysis | None
    autopatch_head: str | None
    #: the downstream changes the branch carries, oldest first
    items: tuple[Item, ...]


@dataclass(slots=True)
class DownstreamBuild:
    rpms: RepoPlan
    autopatch: RepoPlan | None
    #: the downstream patch files by name
    patches: dict[str, bytes] = field(default_factory=dict)
    branches: dict[str, BranchBuild] = field(default_factory=dict)


def base_variant(plan: PackagePlan, branch: str, *, old: bool = False) -> SpecVariant:
    """The base distribution's spec of `branch` (`c9`, `c10s`); `old` is the import before."""
    v = plan.versions
    el9 = branch == "c9"
    version, newest, imported = (
        (v.el9, v.el9_release, v.el9_imported) if el9 else (v.el10, v.el10_release, v.el10_imported)
    )
    release = newest - old
    entries = []
    for number in range(release, release - 3 + old, -1):
        # each release's entry keeps its date from one import to the next
        anchor = imported[1] if number == newest else imported[0]
        when = anchor - timedelta(days=7 + 45 * (newest - 1 - number if number < newest else 0))
        what = f"Update to {version}" if number == release - 2 + old else "Rebuild"
        lines = (f"Resolves: RHEL-{rhel_issue(plan.name, branch, number)}", what)
        entries.append(ChangelogEntry(when, plan.maintainer, f"{version}-{number}", lines))
    return SpecVariant(version, str(release), plan.base_patches, tuple(entries))


def rhel_issue(*parts: object) -> int:
    """A stable Jira-looking number for a base distribution's change."""
    digest = hashlib.sha1("/".join(map(str, parts)).encode(), usedforsecurity=False)
    return 10000 + int.from_bytes(digest.digest()[:4], "big") % 80000


def build_downstream(
    plan: PackagePlan,
    project: ProjectBuild,
    base_patch_files: Mapping[str, bytes],
    *,
    now: datetime,
    rules: AnalysisRules,
) -> DownstreamBuild:
    rpms = RepoPlan(FORGE, f"rpms/{plan.name}", "a9", dict(_MEMBERS))
    autopatch = None
    if plan.modified:
        autopatch = RepoPlan(FORGE, f"autopatch/{plan.name}", plan.branches[0], dict(_MEMBERS))
    build = DownstreamBuild(rpms, autopatch, patches=_patches(plan, project))
    for branch, (base, _, major) in BRANCHES.items():
        base_index, base_tree = _imports(rpms, plan, base, base_patch_files)
        base_head = rpms.shas[base_index]
        items = tuple(plan.items_on(branch))
        if not items or autopatch is None:
            # an unmodified package is built from the import as it is
            rpms.point(branch, base_index)
            build.branches[branch] = BranchBuild(
                branch, base, base_tree, base_head, base_head, None, None, ()
            )
            continue
        config_head = _config_history(autopatch, plan, branch, items, build.patches)
        config = downstream_config(plan, items, build.patches)
        when = max(rpms.commits[base_index].when, items[-1].since)
        when += timedelta(hours=1 + rhel_issue(plan.name, branch) % 70)
        when = min(when, now - timedelta(hours=1))
        applied = apply_to_tree(
            parse_config(config.text, path=f"autopatch/{plan.name}/config.yaml"),
            config.files,
            base_tree,
            changelog_date=f"{when:%a %b %d %Y}",
            el_version=major,
            package=plan.name,
        )
        if applied.problems:
            raise SeedError(f"{plan.name} {branch}: the config did not apply: {applied.problems}")
        lines = [f"AlmaLinux changes for {plan.name}", "", *(f"- {_line(i)}" for i in items)]
        head = rpms.commit(
            branch,
            applied.files,
            message="\n".join(lines),
            author=plan.owner,
            when=when,
            parent=base_index,
        )
        build.branches[branch] = BranchBuild(
            branch,
            base,
            base_tree,
            base_head,
            rpms.shas[head],
            analyze_trees(base_tree, applied.files, rules=rules, package=plan.name),
            autopatch.shas[config_head],
            items,
        )
    return build


def _imports(
    rpms: RepoPlan, plan: PackagePlan, base: str, patch_files: Mapping[str, bytes]
) -> tuple[int, Mapping[str, bytes]]:
    """Commit the two latest imports of the base branch; return the newest and its tree."""
    index = None
    tree: Mapping[str, bytes] = {}
    for old in (True, False):
        variant = base_variant(plan, base, old=old)
        spec = spec_text(plan.traits, variant)
        files = {name: patch_files[name] for name in plan.base_patches}
        if base == "c9":
            tree = split_tree(plan.name, spec, files, variant.version)
            nvr = f"{plan.name}-{variant.version}-{variant.release}.el9"
            message = f"import {nvr}"
        else:
            tree = flat_tree(plan.name, spec, files, variant.version)
            nvr = f"{plan.name}-{variant.version}-{variant.release}.el10"
            message = f"import CS {nvr}"
        imported = plan.versions.el9_imported if base == "c9" else plan.versions.el10_imported
        index = rpms.commit(
            base,
            tree,
            message=message,
            author=IMPORTER,
            when=imported[0 if old else 1],
            parent=index,
        )
        rpms.point(f"refs/tags/imports/{base}/{nvr}", index)
    assert index is not None
    return index, tree


def _config_history(
    repo: RepoPlan,
    plan: PackagePlan,
    branch: str,
    items: tuple[Item, ...],
    patches: dict[str, bytes],
) -> int:
    """One commit per change, on the day the packager added it; returns the last one."""
    index = None
    for count in range(1, len(items) + 1):
        config = downstream_config(plan, items[:count], patches)
        tree = {"config.yaml": config.text.encode()}
        tree.update({f"files/{name}": data for name, data in config.files.items()})
        index = repo.commit(
            branch,
            tree,
            message=_line(items[count - 1]),
            author=plan.owner,
            when=items[count - 1].since,
            parent=index,
        )
    assert index is not None
    return index


def _line(item: Item) -> str:
    return item.fix.subject if isinstance(item, FixPlan) else item.changelog


def _patches(plan: PackagePlan, project: ProjectBuild) -> dict[str, bytes]:
    """The downstream patch files: each in its format, with what its header declares."""
    patches = {}
    for item in plan.items:
        if not isinstance(item, FixPlan):
            continue
        fact = project.facts.get(item.fix.file_name)
        from_project = fact is not None and fact.story in (
            Story.PROJECT_COMMIT,
            Story.PROJECT_STABLE,
        )
        header = Header(
            subject=item.fix.subject,
            body=item.fix.body,
            author=plan.upstream_author if from_project else plan.owner,
            when=item.since,
            upstream_status=fact.upstream_status if fact else None,
            origin=fact.origin if fact else None,
            forwarded=fact.forwarded if fact else None,
            trailers=fact.trailers if fact else (),
            commit=fact.commit if fact else None,
        )
        patches[item.fix.file_name] = fix_patch(plan, item.format, header, item.fix.edits)
    return patches


def fix_patch(
    plan: PackagePlan, fmt: PatchFormat, header: Header, edits: tuple[FileEdit, ...]
) -> bytes:
    return patch_bytes(
        fmt, header, plan.project.files, edits, root=f"{plan.name}-{plan.versions.el9}"
    )


def base_patch_files(plan: PackagePlan) -> dict[str, bytes]:
    """The base distribution's own patches: small changes to the project's config file."""
    conf = plan.project.conf
    lines = plan.project.files[conf].split("\n")
    limit_name, _, limit = lines[2].partition(" = ")
    edits = {
        "log-level": (FileEdit(conf, 1, 1, ("log_level = warning",)), "Log warnings only"),
        "limits": (
            FileEdit(conf, 2, 1, (f"{limit_name} = {int(limit) * 2}",)),
            f"Raise the default {limit_name}",
        ),
        "redhat-defaults": (
            FileEdit(conf, 9, 1, ("support_url = https://access.redhat.com/support",)),
            "Point users to Red Hat support",
        ),
    }
    files = {}
    for name in plan.base_patches:
        edit, subject = next(v for k, v in edits.items() if name.endswith(f"-{k}.patch"))
        when = plan.versions.el9_imported[0] - timedelta(days=400)
        header = Header(
            subject,
            f"{subject} in the {plan.name} configuration.",
            plan.maintainer,
            when,
            trailers=(f"Resolves: RHEL-{rhel_issue(plan.name, name)}",),
        )
        files[name] = fix_patch(plan, PatchFormat.FORMAT_PATCH, header, (edit,))
    return files

"""Prepares one submission on a temporary work tree of the target branch: the files the
commit changes, its message, the request's title and body, and what was checked.

For a dist-git target the patch goes beside the target's spec and the spec gets its minimal
edit; every patch of the new spec must then apply to the sources. For the original project
the patch itself is applied to the default branch and the files it changes are the commit.
A patch that does not apply is a refusal carrying git's words.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from bot.domain.distgit_model import Layout
from bot.domain.submission import is_dist_git
from bot.domain.submission_spec import SpecEditError, SpecOptions, add_patch, leaks
from bot.domain.submission_text import (
    Story,
    body,
    changelog_summary,
    commit_message,
    needs_reference,
    title,
)
from bot.ingest.distgit import DistGitError, decode_text, read_distgit
from bot.ingest.spec import parse_spec
from bot.service.submission_context import Context, Refused, SubmitDeps
from bot.service.submission_sources import check_patches
from bot.service.worktree import GitError, WorkTree
from bot.settings import Settings


@dataclass(frozen=True, slots=True)
class Prepared:
    """A submission ready to push, or the reason it must not be made."""

    clone_url: str
    #: the target branch's commit the change is made on
    base: str
    files: Mapping[str, bytes | None]
    message: str
    title: str
    body: str
    draft: bool
    checks: tuple[str, ...]
    refusal: str | None = None


async def prepare(deps: SubmitDeps, context: Context, tree: WorkTree, *, now: datetime) -> Prepared:
    """Check out the target branch in `tree` and build the change on it."""
    repo = await context.forge.get_repo(context.repo)
    try:
        base = await tree.fetch(repo.clone_url, f"refs/heads/{context.target_branch}")
    except GitError as error:
        raise Refused(
            f"{context.repo.path} has no branch {context.target_branch} to submit to ({error})"
        ) from None
    await tree.check_out(base)
    if is_dist_git(context.target):
        files, checks, refusal = await _dist_git(deps, context, tree, now=now)
    else:
        files, checks, refusal = await _project(context, tree)
    story = story_of(deps.settings, context, checks)
    return Prepared(
        clone_url=repo.clone_url,
        base=base,
        files=files,
        message=commit_message(story, dist_git=is_dist_git(context.target)),
        title=title(story),
        body=body(story, marker=context.marker),
        draft=needs_reference(story),
        checks=checks,
        refusal=refusal,
    )


def story_of(settings: Settings, context: Context, checks: tuple[str, ...]) -> Story:
    """What the texts tell about this submission."""
    required = context.config.required_reference
    return Story(
        distribution=settings.distribution.name,
        package=context.package,
        downstream_branch=context.stored.branch,
        patch_name=context.name,
        subject=context.subject,
        description=context.description,
        kind=context.stored.record.kind,
        source_url=context.source_url,
        owner=context.owner.label,
        reference=context.reference,
        required_reference=required.pattern if required is not None else None,
        target=context.target,
        target_branch=context.target_branch,
        checks=checks,
    )


_Built = tuple[dict[str, bytes | None], tuple[str, ...], str | None]


async def _dist_git(
    deps: SubmitDeps, context: Context, tree: WorkTree, *, now: datetime
) -> _Built:
    where = f"{context.repo.path}@{context.target_branch}"
    try:
        target = read_distgit(tree.files() | _specs_sources(tree), where=where,
                              package=context.package)
    except DistGitError as error:
        raise Refused(str(error)) from None
    name = context.name
    if target.files.get(name) == context.patch:
        raise Refused(f"{name} is already in {where} with the same content")
    prefix = "SOURCES/" if target.layout is Layout.SPECS_SOURCES else ""
    raw = tree.read(target.spec_path) or b""
    _, warnings = decode_text(raw, where=target.spec_path)
    options = SpecOptions(
        author=context.owner.name,
        email=context.owner.email,
        day=now.date(),
        summary=changelog_summary(story_of(deps.settings, context, ())),
        reference=context.reference,
    )
    try:
        edit = add_patch(target.spec, name, options)
    except SpecEditError as error:
        return {}, (), f"the target's spec cannot carry {name}: {error}"
    distribution = deps.settings.distribution
    leaked = leaks(edit, release_suffix=distribution.release_suffix,
                   guard_macro=distribution.guard_macro)
    if leaked:
        return {}, (), f"the spec edit would carry {distribution.name}'s own lines: {leaked}"
    data = edit.text.encode("latin-1" if warnings else "utf-8")
    files: dict[str, bytes | None] = {target.spec_path: data, f"{prefix}{name}": context.patch}
    new_spec = parse_spec(edit.text, path=target.spec_path)
    check = await check_patches(
        settings=deps.settings,
        forges=deps.forges,
        work_root=deps.work_root,
        timeout=deps.git_timeout,
        package=context.package,
        spec=new_spec,
        files={**target.files, name: context.patch},
        ours=name,
    )
    spec_line = _spec_summary(edit.number, edit.tag_line, edit.apply_line, edit.release,
                              edit.changelog)
    return files, (spec_line, *check.lines), check.error


async def _project(context: Context, tree: WorkTree) -> _Built:
    where = f"{context.repo.path} {context.target_branch}"
    applied = await tree.apply(context.name, context.patch, strip=context.strip, check=False)
    if applied.error is not None:
        return {}, (), f"{context.name} does not apply to {where}: {applied.error}"
    files = await tree.changed("HEAD")
    if not files:
        raise Refused(f"{context.name} changes nothing on {where}: it is there already")
    check = f"`git apply -p{context.strip}` of {context.name} on {where}: applies"
    return files, (check, f"changes {', '.join(f'`{p}`' for p in files)}"), None


def _specs_sources(tree: WorkTree) -> dict[str, bytes]:
    """`SPECS/` and `SOURCES/` of a tree in the AlmaLinux 8/9 layout (empty when flat)."""
    found: dict[str, bytes] = {}
    for folder in ("SPECS", "SOURCES"):
        directory = tree.path / folder
        if directory.is_dir():
            for entry in sorted(directory.iterdir()):
                if entry.is_file():
                    found[f"{folder}/{entry.name}"] = entry.read_bytes()
    return found


def _spec_summary(
    number: int,
    tag_line: str | None,
    apply_line: str | None,
    release: str | None,
    changelog: tuple[str, ...] | None,
) -> str:
    parts = [f"spec: `{tag_line}` added" if tag_line else f"spec already declares patch {number}"]
    parts.append(f"applied by `{apply_line}`" if apply_line else "applied by the spec as it is")
    parts.append(f"Release {release}" if release else "Release kept (%autorelease)")
    parts.append("changelog entry added" if changelog else "changelog kept (%autochangelog)")
    return "; ".join(parts)

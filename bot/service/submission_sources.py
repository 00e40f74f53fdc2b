"""Checks that every patch of a target spec still applies, the way %prep would apply it:
`git apply` of each patch in order on the unpacked sources of the spec's version.

The sources are the original project's tree at the release the spec builds: the ref its
`Source0` archive URL names (`…/archive/v1.2/…` -> `v1.2`), else a tag `v<version>`,
`<version>` or `<name>-<version>`, fetched with git from the configured project forge.
Without such a ref the sources are not available (the lookaside tarballs are not read), and
the check says so rather than pass.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from bot.domain.model import Target
from bot.domain.spec_model import Spec
from bot.domain.submission_spec import patch_order
from bot.forges.base import Forge, RepoRef
from bot.forges.errors import ForgeError
from bot.service.submission_context import PROJECT_NAMESPACE
from bot.service.worktree import GitError, checkout
from bot.settings import Settings

_ARCHIVE_REF = re.compile(r"/archive/(?:refs/tags/)?(?P<ref>[^/]+?)(?:/|\.tar|\.zip|$)")


@dataclass(frozen=True, slots=True)
class SourcesCheck:
    """What the check found: one line per fact for the change request's body, and the
    error of the patch being submitted when it does not apply."""

    lines: tuple[str, ...]
    #: git's words when `ours` does not apply; None when it did or could not be checked
    error: str | None
    #: whether the sources were there to check against
    available: bool


async def check_patches(
    *,
    settings: Settings,
    forges: Mapping[str, Forge],
    work_root: Path,
    timeout: float,
    package: str,
    spec: Spec,
    files: Mapping[str, bytes],
    ours: str,
) -> SourcesCheck:
    """Apply the spec's patches (from `files`, the target tree with the new patch) in %prep's
    order on the sources; `ours` is the patch being submitted."""
    version = spec.macros.expand("%{version}")
    where = await _project(settings, forges, package)
    if where is None or "%" in version:
        return SourcesCheck(
            (f"not checked against the sources: no project of {package} is configured "
             f"or its version {version!r} could not be read",),
            None,
            False,
        )
    clone_url, project = where
    async with checkout(work_root, timeout=timeout, prefix="sources-") as tree:
        try:
            refs = await tree.remote_refs(clone_url, "refs/tags/*")
        except GitError as error:
            return SourcesCheck((f"not checked against the sources: {error}",), None, False)
        ref = _release_ref(refs, spec, version)
        if ref is None:
            return SourcesCheck(
                (f"not checked against the sources: {project} has no tag for {version}",),
                None,
                False,
            )
        await tree.check_out(await tree.fetch(clone_url, ref))
        lines = [f"sources: {project} at `{ref.removeprefix('refs/tags/')}` ({version})"]
        error: str | None = None
        applied = 0
        for applying in patch_order(spec):
            data = files.get(applying.name)
            if data is None:
                lines.append(f"`{applying.name}` is not in the tree (lookaside?): not applied")
                continue
            result = await tree.apply(applying.name, data, strip=applying.strip, check=False)
            if result.error is None:
                applied += 1
                continue
            if applying.name == ours:
                error = f"{ours} does not apply after the target's patches: {result.error}"
            elif applying.guarded:
                lines.append(f"`{applying.name}` (under %if) does not apply: {result.error}")
            else:
                lines.append(f"the target's own `{applying.name}` does not apply with "
                             f"`git apply`: {result.error}")
        lines.insert(1, f"`git apply` of the spec's patches in %prep order: {applied} applied")
        if ours not in {a.name for a in patch_order(spec)}:
            error = error or f"{ours} is declared but %prep does not apply it"
        return SourcesCheck(tuple(lines), error, True)


async def _project(
    settings: Settings, forges: Mapping[str, Forge], package: str
) -> tuple[str, str] | None:
    config = settings.target(Target.PROJECT)
    if config is None or config.forge not in forges:
        return None
    namespace = settings.forge(config.forge).namespace or PROJECT_NAMESPACE
    repo = RepoRef(namespace, package)
    try:
        found = await forges[config.forge].get_repo(repo)
    except ForgeError:
        return None
    return found.clone_url, repo.path


def _release_ref(refs: Mapping[str, str], spec: Spec, version: str) -> str | None:
    """The tag the spec's sources are a snapshot of, by the archive URL, else by name."""
    candidates: list[str] = []
    source = next((t for t in spec.sources() if t.number == 0), None)
    if source is not None:
        found = _ARCHIVE_REF.search(spec.macros.expand(source.value))
        if found and "%" not in found.group("ref"):
            candidates.append(found.group("ref"))
    name = spec.macros.expand("%{name}")
    candidates += [f"v{version}", version, f"{name}-{version}"]
    for candidate in candidates:
        if f"refs/tags/{candidate}" in refs:
            return f"refs/tags/{candidate}"
    return None

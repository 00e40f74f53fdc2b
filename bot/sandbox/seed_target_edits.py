"""How a seeded target branch gets a patch: the patch file a story puts there (same file,
renamed copy, reworked copy), the spec edit its maintainer makes, and the words around it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from bot.domain.model import Target
from bot.ingest.autopatch.analysis import apply_to_tree
from bot.ingest.autopatch.parse import parse_config
from bot.sandbox.gitstore import Author
from bot.sandbox.seed_autopatch import target_config
from bot.sandbox.seed_downstream import SeedError, fix_patch, rhel_issue
from bot.sandbox.seed_fixes import Fix
from bot.sandbox.seed_names import BOT
from bot.sandbox.seed_patchfile import Header, PatchFormat
from bot.sandbox.seed_plan import FixPlan, PackagePlan, Story
from bot.sandbox.truth import MatchedBy

REJECTION = "Thanks, but this does not belong in this branch for now; closing."


def story_patch(
    plan: PackagePlan,
    fix: Fix,
    story: Story,
    patches: Mapping[str, bytes],
    when: datetime,
) -> tuple[str, bytes, MatchedBy, Author]:
    """The patch file a story puts in a target branch or change request, the clue that ties
    it to the downstream's, and who wrote it."""
    match story:
        case Story.PRESENT_SAME | Story.MERGED | Story.CLOSED:
            author = plan.maintainer if story is Story.PRESENT_SAME else plan.owner
            return fix.file_name, patches[fix.file_name], MatchedBy.FILE_CONTENT, author
        case Story.PRESENT_RENAMED:
            trailer = f"Resolves: RHEL-{rhel_issue(plan.name, fix.file_name)}"
            header = Header(fix.subject, fix.body, plan.maintainer, when, trailers=(trailer,))
            data = fix_patch(plan, PatchFormat.FORMAT_PATCH, header, fix.edits)
            return fix.base_name, data, MatchedBy.PATCH_ID, plan.maintainer
        case Story.OPEN_PATCH_ID:
            header = Header(fix.subject, fix.body, plan.owner, when)
            data = fix_patch(plan, PatchFormat.FORMAT_PATCH, header, fix.edits)
            return fix.base_name, data, MatchedBy.PATCH_ID, plan.owner
        case Story.OPEN_NAME:
            header = Header(fix.subject, fix.body, plan.owner, when)
            data = fix_patch(plan, PatchFormat.FORMAT_PATCH, header, fix.reworked)
            return fix.file_name, data, MatchedBy.FILE_NAME, plan.owner
    header = Header(fix.subject, fix.body, BOT, when)
    data = fix_patch(plan, PatchFormat.FORMAT_PATCH, header, fix.reworked)
    name = f"{plan.name}-{fix.file_name.removeprefix('0001-')}".lower()
    return name, data, MatchedBy.MARKER, BOT


def add_patch(
    tree: Mapping[str, bytes],
    *,
    plan: PackagePlan,
    target: Target,
    branch: str,
    el_version: str | None,
    patch: tuple[str, bytes],
    author: Author,
    when: datetime,
) -> dict[str, bytes]:
    """The tree with the patch added as the target's maintainer would: Patch tag, release
    bump and changelog entry (left to rpmautospec where the spec uses it)."""
    name, data = patch
    spec = tree[f"{plan.name}.spec"].decode()
    release = next((line for line in spec.splitlines() if line.startswith("Release:")), None)
    if release is not None and "%autorelease" in release:
        release = None
    lines = [_subject_of(data, name)]
    if target is Target.CENTOS_STREAM:
        lines.append(f"Resolves: RHEL-{rhel_issue(plan.name, name, branch)}")
    text = target_config(name=name, author=author, lines=lines, release_line=release)
    applied = apply_to_tree(
        parse_config(text, path=f"{plan.name}:{branch}"),
        {name: data},
        tree,
        changelog_date=f"{when:%a %b %d %Y}",
        el_version=el_version,
        package=plan.name,
    )
    if applied.problems:
        raise SeedError(f"{plan.name} {target} {branch}: adding {name}: {applied.problems}")
    return applied.files


def commit_message(plan: PackagePlan, target: Target, branch: str, fix: Fix, name: str) -> str:
    if target is Target.CENTOS_STREAM:
        return f"{fix.subject}\n\nResolves: RHEL-{rhel_issue(plan.name, name, branch)}\n"
    return f"{fix.subject}\n"


def request_body(target: Target, item: FixPlan, sign: str | None) -> str:
    """A packager's plain description, or the bot's, which ends with its marker."""
    carried = ", ".join(item.branches)
    if sign is None:
        return f"{item.fix.body}\n\nAlmaLinux carries this fix on {carried}."
    ask = ""
    if target is Target.CENTOS_STREAM:
        ask = (
            "\n\nCentOS Stream needs a `Resolves: RHEL-…` ticket: reply `/upstream jira RHEL-<n>`."
        )
    return (
        f"This merge request carries AlmaLinux's downstream change {item.fix.file_name} "
        f"(carried on {carried}).\n\n{item.fix.body}{ask}\n\n{sign}"
    )


def _subject_of(data: bytes, name: str) -> str:
    for line in data.decode("utf-8", "replace").splitlines():
        if line.startswith(("Subject: [PATCH] ", "Description: ")):
            return line.split(": ", 1)[1].removeprefix("[PATCH] ")
    return f"Add {name}"

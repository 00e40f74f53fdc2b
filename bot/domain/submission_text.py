"""What a submission says: the commit message, the change request's title and body (what,
why, where it comes from, what was checked, the commands, the hidden marker)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.domain.model import Kind, Target

#: the line CentOS Stream wants in every commit, given a ticket (`RHEL-123`)
REFERENCE_LINE = "Resolves: {ticket}"

_WHY = {
    Kind.BUGFIX: "it fixes a bug",
    Kind.SECURITY: "it fixes a security problem",
    Kind.BACKPORT: "it backports a fix the original project already has",
    Kind.BUILD: "it fixes the build",
    Kind.ARCH_ENABLEMENT: "it enables an architecture",
    Kind.FEATURE_REENABLE: "it re-enables a feature",
}
_TARGET_NAMES = {
    Target.CENTOS_STREAM: "CentOS Stream",
    Target.FEDORA: "Fedora",
    Target.PROJECT: "the project",
}
#: the commands a reader of the change request can give, in a comment
COMMANDS = (
    ("/upstream status", "where this change stands, and why"),
    ("/upstream skip <reason>", "this change is not wanted here; the bot stops proposing it"),
    ("/upstream snooze 30d", "ask again later"),
    ("/upstream assign @user", "someone else owns the downstream change"),
)
JIRA_COMMAND = ("/upstream jira RHEL-<n>", "the ticket to resolve; the bot amends the commit "
                "and marks this ready")
_BLANKS = re.compile(r"\n{3,}")
_NUMBER_PREFIX = re.compile(r"^\d{1,4}-")


@dataclass(frozen=True, slots=True)
class Story:
    """What the texts tell, gathered by the service from the store and the downstream."""

    distribution: str
    package: str
    downstream_branch: str
    patch_name: str
    #: the patch's own subject and description (its header), when it has them
    subject: str | None
    description: str | None
    kind: Kind | None
    #: a link to the patch in the downstream dist-git
    source_url: str | None
    #: who owns the change: `@user` or `Name <email>`
    owner: str
    #: the ticket line (`Resolves: RHEL-123`), when known
    reference: str | None
    #: the pattern of the line the target requires, when it requires one
    required_reference: str | None
    target: Target
    target_branch: str
    #: one line per check made before opening (patches applied, or why none could be)
    checks: tuple[str, ...] = ()


def summary(story: Story) -> str:
    """One line: the patch's subject, else its file name read as one
    (`0001-Fix-a-crash.patch` -> `Fix a crash`)."""
    subject = (story.subject or "").strip()
    return subject or subject_from_name(story.patch_name)


def subject_from_name(name: str) -> str:
    stem = name.rsplit("/", 1)[-1]
    for suffix in (".patch", ".diff"):
        stem = stem.removesuffix(suffix)
    words = _NUMBER_PREFIX.sub("", stem).replace("-", " ").replace("_", " ").strip()
    return words[:1].upper() + words[1:] if words else f"Apply {name}"


def why(story: Story) -> str:
    reason = _WHY.get(story.kind) if story.kind is not None else None
    return reason or "it is a change the downstream carries that may be useful here"


def needs_reference(story: Story) -> bool:
    return story.required_reference is not None and story.reference is None


def commit_message(story: Story, *, dist_git: bool) -> str:
    """What, why and where from; the ticket line last, where CentOS Stream looks for it."""
    head = summary(story)
    if dist_git and not story.subject:
        head = f"Add {story.patch_name}"
    parts = [head]
    if story.description:
        parts.append(story.description.strip())
    origin = (
        f"{story.distribution} carries this patch in {story.package} "
        f"({story.downstream_branch}); {why(story)}."
    )
    if story.source_url:
        origin += f"\nFrom: {story.source_url}"
    parts.append(origin)
    if story.reference:
        parts.append(story.reference)
    return "\n\n".join(parts) + "\n"


def title(story: Story) -> str:
    return summary(story)


def changelog_summary(story: Story) -> str:
    """The changelog item: what the patch does (where it comes from is the commit's and the
    request's to say; the target's changelog is about the target)."""
    return summary(story)


def body(story: Story, *, marker: str) -> str:
    """The change request's description."""
    where = f"[{story.patch_name}]({story.source_url})" if story.source_url else story.patch_name
    parts = [
        f"**What**: {summary(story)}",
        story.description.strip() if story.description else "",
        f"**Why**: {why(story)}; {story.distribution} carries it and would like "
        f"{_TARGET_NAMES[story.target]} to have it too, so that it stops being a "
        "downstream-only change.",
        f"**Where it comes from**: {where} in {story.distribution}'s `{story.package}` "
        f"(branch `{story.downstream_branch}`). Owner: {story.owner}.",
    ]
    if story.checks:
        parts.append("**Checked before opening**:\n" + "\n".join(f"- {c}" for c in story.checks))
    if needs_reference(story):
        parts.append(
            f"**Draft: needs a ticket.** {_TARGET_NAMES[story.target]} takes commits with a "
            f"line matching `{story.required_reference}`, which a bot cannot invent. "
            f"{story.owner}, please reply `/upstream jira RHEL-<n>`: the bot adds the line "
            "to the commit and marks this ready for review."
        )
    elif story.reference:
        parts.append(f"**Ticket**: `{story.reference}`")
    commands = list(COMMANDS)
    if story.required_reference is not None:
        commands.insert(0, JIRA_COMMAND)
    parts.append(
        "Commands (write them in a comment):\n"
        + "\n".join(f"- `{command}`: {what}" for command, what in commands)
    )
    parts.append(
        f"_Opened by upstream-bot for {story.owner}; it will not open another one for this "
        "change._"
    )
    parts.append(marker)
    return _BLANKS.sub("\n\n", "\n\n".join(p for p in parts if p)) + "\n"

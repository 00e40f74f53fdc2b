"""Which bugs, commits, pull requests, CVEs and RHEL issues one line of a patch header names.

Every reference keeps where it came from (`source`: the header field's name, `body`,
or the phrase that introduced it such as `cherry-pick`), because the same commit id
means different things after `(cherry picked from commit …)` (this change *is* that
commit) and after `Fixes:` (this change repairs that commit).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class RefKind(StrEnum):
    """What a reference points at."""

    URL = "url"
    COMMIT = "commit"
    BUG = "bug"
    RHEL = "rhel"
    CVE = "cve"
    PR = "pr"


@dataclass(frozen=True, slots=True)
class Reference:
    """One thing a patch header points at, normalized, and the field or phrase that said so."""

    kind: RefKind
    value: str
    source: str
    #: The URL the value was read from, when the value itself is not that URL (a commit id).
    url: str | None = None


#: Sources whose commit says "this change is that commit" and so is evidence of a backport.
BACKPORT_SOURCES = frozenset({"cherry-pick", "backport-of", "upstream-commit"})
#: Sources whose commit names this same change somewhere (as opposed to `Fixes:`, which
#: names the commit being repaired).
IDENTITY_SOURCES = BACKPORT_SOURCES | {
    "mbox",
    "Git-commit",
    "Applied-Upstream",
    "Origin",
    "Upstream-Status",
}

_SHA = r"([0-9a-fA-F]{7,40})\b"
_URL = re.compile(r"https?://[^\s<>\"'\]\[)(]+", re.IGNORECASE)
_URL_TRAILING = ".,;:!?'\""

_CHERRY_PICK = re.compile(r"cherry[- ]picked\s+from\s+commit\s+" + _SHA, re.IGNORECASE)
_BACKPORT_OF = re.compile(
    r"\bbackport(?:ed)?\s+(?:of|from)\s+(?:upstream\s+)?(?:commit\s+)?(\S+)", re.IGNORECASE
)
_UPSTREAM_COMMIT = re.compile(
    r"\bupstream\s+commit:?\s+" + _SHA + r"|^\s*commit\s+([0-9a-fA-F]{40})\s+upstream\b",
    re.IGNORECASE,
)
# DEP-3's "commit:<id>" (Origin, Applied-Upstream) and SUSE's "Git-commit: <id>".
_COMMIT_PREFIX = re.compile(r"\bcommit:\s*" + _SHA, re.IGNORECASE)
_FIXES_SHA = re.compile(r"^\s*Fixes:\s*([0-9a-fA-F]{8,40})\b", re.IGNORECASE)

_CVE = re.compile(r"\bCVE-(\d{4})-(\d{4,})\b", re.IGNORECASE)
# Three digits at least: "RHEL-8" and "RHEL-10" name releases, not Jira issues.
_RHEL = re.compile(r"\bRHEL-(\d{3,})\b")
_RHBZ = re.compile(r"\b(?:rhbz\s*#?|bz\s*#)\s*(\d+)\b", re.IGNORECASE)
_SUSE_BUG = re.compile(r"\b(bsc|bnc|boo|jsc|fate)#([A-Za-z0-9-]+)", re.IGNORECASE)
_LAUNCHPAD = re.compile(r"\bLP:?\s*#(\d+)\b")
# GitHub's cross-repository form, "owner/repo#123".
_REPO_ISSUE = re.compile(r"(?<![\w/.-])([A-Za-z0-9][\w.-]*/[\w.-]+)#(\d+)\b")
_IDENTIFIERS = (
    (_CVE, RefKind.CVE, "CVE-{}-{}"),
    (_RHEL, RefKind.RHEL, "RHEL-{}"),
    (_RHBZ, RefKind.BUG, "rhbz#{}"),
    (_LAUNCHPAD, RefKind.BUG, "lp#{}"),
    (_REPO_ISSUE, RefKind.BUG, "{}#{}"),
)
# Red Hat's changelog convention: "Resolves: #123456" names a Red Hat Bugzilla bug.
_RESOLVES_HASH = re.compile(r"^\s*(?:Resolves|Related):.*?(?<![\w#])#(\d+)\b", re.IGNORECASE)
# Forge convention: "Fixes #933" names an issue of the project the patch belongs to.
_FIXES_HASH = re.compile(r"\b(?:fix(?:es|ed)?|close[sd]?)\b:?\s+#(\d+)\b", re.IGNORECASE)
# GitHub's squash merge appends "(#123)", the pull request number, to the subject.
_SUBJECT_PR = re.compile(r"\(#(\d+)\)\s*$")

_RHEL_JIRA_URL = re.compile(r"issues\.redhat\.com/browse/(RHEL-\d+)", re.IGNORECASE)
_RHBZ_URL = re.compile(r"bugzilla\.redhat\.com/(?:show_bug\.cgi\?id=)?(\d+)", re.IGNORECASE)
_PR_PATH = re.compile(
    r"https?://[^/]+/\S*?/(?:pull|pulls|-/merge_requests|merge_requests|pull-request)/\d+",
    re.IGNORECASE,
)
_COMMIT_URL = re.compile(
    # GitHub/GitLab/Gitea `/commit/<sha>`, Pagure `/c/<sha>`
    r"/(?:-/)?(?:commits?|c)/"
    + _SHA
    + r"|(?:commit(?:diff)?/?\?(?:[^#]*[&;])?id=|a=commit(?:diff)?;h=)"
    + _SHA,
    re.IGNORECASE,
)
_ISSUE_URL = re.compile(
    r"/(?:-/)?issues?/\d+|/\+bug/\d+|show_bug\.cgi\?id=\d+|bugs\.debian\.org/\d+|/browse/[A-Z]+-\d+",
    re.IGNORECASE,
)


def classify_url(url: str, *, source: str) -> Reference:
    """Turn a URL into the most specific reference it denotes (pull request, commit, bug)."""
    if found := _RHEL_JIRA_URL.search(url):
        return Reference(RefKind.RHEL, found.group(1).upper(), source)
    if found := _RHBZ_URL.search(url):
        return Reference(RefKind.BUG, f"rhbz#{found.group(1)}", source, url)
    if found := _PR_PATH.match(url):
        return Reference(RefKind.PR, found.group(0), source)
    if found := _COMMIT_URL.search(url):
        sha = found.group(1) or found.group(2)
        return Reference(RefKind.COMMIT, sha.lower(), source, url)
    # A URL given in a Bug field is a bug report whatever its shape.
    if _ISSUE_URL.search(url) or source.lower().startswith("bug"):
        return Reference(RefKind.BUG, url, source)
    return Reference(RefKind.URL, url, source)


def find_references(line: str, *, source: str) -> list[Reference]:
    """Every reference one header line names, in the order found; duplicates are kept."""
    found = _commit_phrases(line, source=source)
    for match in _URL.finditer(line):
        url = match.group(0).rstrip(_URL_TRAILING)
        found.append(classify_url(url, source=source))
    found.extend(_identifiers(line, source=source))
    return found


def _commit_phrases(line: str, *, source: str) -> list[Reference]:
    found = [
        Reference(RefKind.COMMIT, m.group(1).lower(), "cherry-pick")
        for m in _CHERRY_PICK.finditer(line)
    ]
    for match in _BACKPORT_OF.finditer(line):
        token = match.group(1).rstrip(_URL_TRAILING + ")")
        if _URL.fullmatch(token):
            found.append(classify_url(token, source="backport-of"))
        elif re.fullmatch(r"[0-9a-fA-F]{7,40}", token):
            found.append(Reference(RefKind.COMMIT, token.lower(), "backport-of"))
    for match in _UPSTREAM_COMMIT.finditer(line):
        sha = match.group(1) or match.group(2)
        found.append(Reference(RefKind.COMMIT, sha.lower(), "upstream-commit"))
    found.extend(
        Reference(RefKind.COMMIT, m.group(1).lower(), source) for m in _COMMIT_PREFIX.finditer(line)
    )
    if match := _FIXES_SHA.match(line):
        found.append(Reference(RefKind.COMMIT, match.group(1).lower(), "Fixes"))
    return found


def _identifiers(line: str, *, source: str) -> list[Reference]:
    found = [
        Reference(kind, template.format(*m.groups()), source)
        for pattern, kind, template in _IDENTIFIERS
        for m in pattern.finditer(line)
    ]
    found.extend(
        Reference(RefKind.BUG, f"{m.group(1).lower()}#{m.group(2)}", source)
        for m in _SUSE_BUG.finditer(line)
    )
    if match := _RESOLVES_HASH.match(line):
        found.append(Reference(RefKind.BUG, f"rhbz#{match.group(1)}", source))
    else:
        found.extend(
            Reference(RefKind.BUG, f"#{m.group(1)}", source) for m in _FIXES_HASH.finditer(line)
        )
    if source == "Subject" and (match := _SUBJECT_PR.search(line)):
        found.append(Reference(RefKind.PR, f"#{match.group(1)}", source))
    return found

"""parse_patch_header: statuses, references and metadata a patch declares about itself."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.domain.model import DeclaredStatus as S
from bot.ingest.patch_header import parse_patch_header
from bot.ingest.references import Reference, RefKind

DATA = Path(__file__).resolve().parent.parent / "data" / "headers"
SHA = "76b9c2bc067717cb70c777027c24c76b565ade63"
DIFF = "---\n a | 1 +\n\ndiff --git a/a b/a\n--- a/a\n+++ b/a\n@@ -1 +1 @@\n-x\n+y\n"


def mbox(*body: str, subject: str = "[PATCH] fix it") -> str:
    """A `git format-patch` message with the given body lines, then a diff."""
    head = f"From {SHA} Mon Sep 17 00:00:00 2001\nFrom: A U Thor <a@example.org>\n"
    head += f"Date: Tue, 10 Mar 2026 13:30:54 +0100\nSubject: {subject}\n\n"
    return head + "Why this is needed.\n\n" + "\n".join(body) + "\n" + DIFF


# (id, header text, expected status, expected reason)
STATUS_CASES = [
    # Yocto Upstream-Status, the documented values
    ("yocto-pending", "Upstream-Status: Pending", S.PENDING, None),
    ("yocto-submitted-where", "Upstream-Status: Submitted [https://lists.example.org/m/1]",
     S.SUBMITTED, "https://lists.example.org/m/1"),
    ("yocto-accepted", "Upstream-Status: Accepted", S.ACCEPTED, None),
    ("yocto-backport-version", "Upstream-Status: Backport [2.4.1]", S.BACKPORT, "2.4.1"),
    ("yocto-denied", "Upstream-Status: Denied", S.DENIED, None),
    ("yocto-inappropriate", "Upstream-Status: Inappropriate [oe-core specific]",
     S.INAPPROPRIATE, "oe-core specific"),
    ("yocto-inactive", "Upstream-Status: Inactive-Upstream [lastcommit: 2011, lastrelease: 2010]",
     S.INACTIVE_UPSTREAM, "lastcommit: 2011, lastrelease: 2010"),
    # Yocto spellings seen in the wild
    ("yocto-lowercase", "upstream-status: pending", S.PENDING, None),
    ("yocto-uppercase", "UPSTREAM-STATUS: BACKPORT", S.BACKPORT, None),
    ("yocto-space", "Upstream Status: Submitted", S.SUBMITTED, None),
    ("yocto-underscore", "Upstream_Status: Denied", S.DENIED, None),
    ("yocto-lower-status", "Upstream-status: Accepted", S.ACCEPTED, None),
    ("yocto-no-colon", "Upstream-Status Pending", S.PENDING, None),
    ("yocto-leading-space", "    Upstream-Status: Pending", S.PENDING, None),
    ("yocto-hash", "# Upstream-Status: Inappropriate [configuration]",
     S.INAPPROPRIATE, "configuration"),
    ("yocto-trailing-text", "Upstream-Status: Pending, will send after the release",
     S.PENDING, "will send after the release"),
    ("yocto-no-space-bracket", "Upstream-Status: Inappropriate[oe specific]",
     S.INAPPROPRIATE, "oe specific"),
    ("yocto-inactive-space", "Upstream-Status: Inactive Upstream", S.INACTIVE_UPSTREAM, None),
    ("yocto-parens", "Upstream-Status: Submitted (libfoo-devel list)",
     S.SUBMITTED, "libfoo-devel list"),
    ("yocto-backported-synonym", "Upstream-Status: Backported from 1.2", S.BACKPORT, "from 1.2"),
    ("yocto-unknown-value", "Upstream-Status: Maybe later", S.UNKNOWN, None),
    ("yocto-prose-is-no-declaration", "Upstream status is unclear to me", S.NONE, None),
    # DEP-3
    ("dep3-forwarded-no", "Forwarded: no", S.PENDING, None),
    ("dep3-forwarded-not-needed", "Forwarded: not-needed", S.INAPPROPRIATE, None),
    ("dep3-forwarded-url", "Forwarded: https://github.com/o/r/pull/12",
     S.SUBMITTED, "https://github.com/o/r/pull/12"),
    ("dep3-forwarded-yes", "Forwarded: yes", S.SUBMITTED, None),
    ("dep3-origin-upstream", "Origin: upstream, https://github.com/o/r/commit/abcdef1234567",
     S.BACKPORT, "https://github.com/o/r/commit/abcdef1234567"),
    ("dep3-origin-backport", "Origin: backport, https://example.org/p.diff",
     S.BACKPORT, "https://example.org/p.diff"),
    ("dep3-origin-vendor", "Origin: vendor, https://example.org/p.diff", S.NONE, None),
    ("dep3-origin-other", "Origin: other", S.NONE, None),
    ("dep3-applied-version", "Applied-Upstream: 2.5.0", S.ACCEPTED, "2.5.0"),
    ("dep3-applied-commit", "Applied-Upstream: commit:abcdef1234", S.ACCEPTED, "commit:abcdef1234"),
    ("dep3-origin-beats-forwarded", "Origin: upstream, commit:abcdef1\nForwarded: not-needed",
     S.BACKPORT, "commit:abcdef1"),
    ("dep3-applied-beats-forwarded", "Forwarded: https://x.example/1\nApplied-Upstream: 3.0",
     S.ACCEPTED, "3.0"),
    # SUSE Patch-mainline
    ("suse-version", f"Patch-mainline: v5.10-rc1\nGit-commit: {SHA}", S.BACKPORT, "v5.10-rc1"),
    ("suse-yes", "Patch-mainline: Yes", S.BACKPORT, None),
    ("suse-submitted", "Patch-mainline: Submitted, 2023-01-01 linux-nfs",
     S.SUBMITTED, "2023-01-01 linux-nfs"),
    ("suse-no", "Patch-mainline: No, handled differently upstream",
     S.PENDING, "handled differently upstream"),
    ("suse-never", "Patch-mainline: Never, SLES specific", S.INAPPROPRIATE, "SLES specific"),
    ("suse-queued", "Patch-mainline: Queued in subsystem maintainer repository",
     S.ACCEPTED, "in subsystem maintainer repository"),
    ("suse-not-yet", "Patch-mainline: Not yet, waiting for review",
     S.PENDING, "waiting for review"),
    ("suse-unknown", "Patch-mainline: n/a", S.UNKNOWN, None),
    # phrases naming the upstream commit
    ("cherry-pick", f"(cherry picked from commit {SHA})", S.BACKPORT, SHA),
    ("backport-of-url", "Backport of https://github.com/o/r/commit/abcdef1234567",
     S.BACKPORT, "abcdef1234567"),
    ("backport-of-sha", "Backport of 1234abcd", S.BACKPORT, "1234abcd"),
    ("kernel-upstream-commit", f"[ Upstream commit {SHA} ]", S.BACKPORT, SHA),
    ("stable-commit-upstream", f"commit {SHA} upstream.", S.BACKPORT, SHA),
    ("fixes-sha-is-not-backport", 'Fixes: 1234567890ab ("frob: break it")', S.NONE, None),
    # precedence
    ("yocto-beats-cherry-pick", f"Upstream-Status: Pending\n(cherry picked from commit {SHA})",
     S.PENDING, None),
    ("yocto-agrees-cherry-pick", f"Upstream-Status: Backport\n(cherry picked from commit {SHA})",
     S.BACKPORT, None),
    ("yocto-beats-suse", "Upstream-Status: Submitted [lkml]\nPatch-mainline: Never, no",
     S.SUBMITTED, "lkml"),
    ("known-beats-unknown", "Upstream-Status: Later maybe\nForwarded: no", S.PENDING, None),
    # what is not a header
    ("empty", "", S.NONE, None),
    ("plain-commit-message", "Fix the frobnicator.\n\nIt was broken.", S.NONE, None),
]


@pytest.mark.parametrize(
    ("text", "status", "reason"),
    [case[1:] for case in STATUS_CASES],
    ids=[case[0] for case in STATUS_CASES],
)
def test_declared_status_in_a_mbox_body(text: str, status: S, reason: str | None) -> None:
    header = parse_patch_header(mbox(text))
    assert header.declared_status is status
    assert header.reason == reason


#: The STATUS_CASES that must warn; every other spelling and combination reads cleanly.
WARNING_CASES = {
    "yocto-unknown-value", "yocto-backported-synonym", "suse-unknown", "yocto-beats-cherry-pick",
    "yocto-beats-suse", "known-beats-unknown",
}


@pytest.mark.parametrize(
    ("case_id", "text"),
    [case[:2] for case in STATUS_CASES],
    ids=[case[0] for case in STATUS_CASES],
)
def test_which_declarations_warn(case_id: str, text: str) -> None:
    assert bool(parse_patch_header(mbox(text)).warnings) is (case_id in WARNING_CASES)


@pytest.mark.parametrize(
    ("text", "status"),
    [case[1:3] for case in STATUS_CASES],
    ids=[case[0] for case in STATUS_CASES],
)
def test_declared_status_as_a_bare_header(text: str, status: S) -> None:
    """The same lines at the very top of a patch file (DEP-3 style) mean the same."""
    assert parse_patch_header(text + "\n" + DIFF).declared_status is status


@pytest.mark.parametrize(
    ("text", "raw", "source"),
    [
        ("Upstream-Status: Inappropriate [oe-core specific]", "Inappropriate [oe-core specific]",
         "Upstream-Status"),
        ("upstream_status pending", "pending", "Upstream-Status"),
        ("Forwarded: no", "no", "Forwarded"),
        ("Patch-mainline: v6.1", "v6.1", "Patch-mainline"),
        (f"(cherry picked from commit {SHA})", f"(cherry picked from commit {SHA})",
         "cherry-pick"),
    ],
    ids=["yocto", "yocto-odd-spelling", "dep3", "suse", "cherry-pick"],
)
def test_status_raw_keeps_the_value_as_written(text: str, raw: str, source: str) -> None:
    header = parse_patch_header(mbox(text))
    assert (header.status_raw, header.status_source) == (raw, source)


def test_nothing_declared_is_none_with_no_raw_value() -> None:
    header = parse_patch_header(mbox("Signed-off-by: A U Thor <a@example.org>"))
    assert (header.declared_status, header.status_raw, header.reason) == (S.NONE, None, None)
    assert header.warnings == ()


@pytest.mark.parametrize(
    ("text", "warning"),
    [
        ("Upstream-Status: Maybe later", r"line 8: unknown Upstream-Status value 'Maybe later'"),
        ("Patch-mainline: n/a", r"unknown Patch-mainline value 'n/a'"),
        ("Upstream-Status: Inappropriate", r"Inappropriate gives no \[reason\]"),
        ("Upstream-Status: Rejected", r"non-standard Upstream-Status 'Rejected' read as denied"),
        (f"Upstream-Status: Pending\n(cherry picked from commit {SHA})",
         r"line 9: conflicting declarations: cherry-pick says backport but Upstream-Status "
         r"\(line 8\) says pending; using Upstream-Status"),
        ("Upstream-Status: Pending\nUpstream-Status: Denied",
         r"line 9: Upstream-Status given again as 'Denied'; using the first, 'Pending' \(line 8\)"),
        ("Upstream-Status: Submitted\nPatch-mainline: Never, no", r"conflicting declarations"),
    ],
    ids=["unknown-yocto", "unknown-suse", "no-reason", "synonym", "conflict", "duplicate",
         "cross-family"],
)
def test_problems_become_warnings_with_their_line(text: str, warning: str) -> None:
    warnings = parse_patch_header(mbox(text)).warnings
    assert any(re.search(warning, w) for w in warnings), warnings


@pytest.mark.parametrize(
    "text",
    [
        f"Upstream-Status: Backport\n(cherry picked from commit {SHA})",
        "Origin: upstream, commit:abcdef1\nForwarded: not-needed",
        "Upstream-Status: Backport [3.1]\nForwarded: not-needed",
        "Upstream-Status: Accepted\nForwarded: https://x.example/1",
        f"Upstream-Status: Accepted\ncommit {SHA} upstream.",
    ],
    ids=["backport-cherry", "dep3-backport", "not-needed-backport", "forwarded-then-accepted",
         "accepted-is-backport"],
)
def test_agreeing_declarations_do_not_warn(text: str) -> None:
    assert parse_patch_header(mbox(text)).warnings == ()


def test_warnings_name_the_file() -> None:
    header = parse_patch_header(mbox("Upstream-Status: Maybe"), path="SOURCES/fix.patch")
    assert header.warnings[0].startswith("SOURCES/fix.patch:8: unknown Upstream-Status")


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-Upstream-Status: Pending\n",
         S.NONE),
        ("Index: x.c\n===\n--- x.c\n+++ x.c\n+Forwarded: no\n", S.NONE),
        ("--- a/x\n+++ b/x\n+Upstream-Status: Accepted\n", S.NONE),
        ("Subject: x\n\nText\n---\nUpstream-Status: Denied\n", S.NONE),
        ("The log said:\n--- FAILED test_x\nUpstream-Status: Denied\n--- a/x\n+++ b/x\n",
         S.DENIED),
    ],
    ids=["after-diff-git", "after-index", "after-unified-pair", "after-separator",
         "quoted-dashes-are-not-a-diff"],
)
def test_only_the_header_counts(text: str, status: S) -> None:
    assert parse_patch_header(text).declared_status is status


# (id, header text, references that must be among the result)
REFERENCE_CASES = [
    ("rhel-jira", "Resolves: RHEL-12345", {(RefKind.RHEL, "RHEL-12345")}),
    ("rhel-hash", "Resolves: #RHEL-15328", {(RefKind.RHEL, "RHEL-15328")}),
    ("rhbz", "Related: rhbz#1991688", {(RefKind.BUG, "rhbz#1991688")}),
    ("rhbz-resolves-hash", "Resolves: #2143420", {(RefKind.BUG, "rhbz#2143420")}),
    ("bz-hash", "See BZ#1234567 for details", {(RefKind.BUG, "rhbz#1234567")}),
    ("cve", "Fix CVE-2023-12345 and cve-2024-0001",
     {(RefKind.CVE, "CVE-2023-12345"), (RefKind.CVE, "CVE-2024-0001")}),
    ("fixes-issue", "Fixes #933", {(RefKind.BUG, "#933")}),
    ("repo-issue", "Resolves: almalinux/almalinux-deploy#186",
     {(RefKind.BUG, "almalinux/almalinux-deploy#186")}),
    ("github-pr", "See https://github.com/o/r/pull/5.", {(RefKind.PR, "https://github.com/o/r/pull/5")}),
    ("gitlab-mr", "https://gitlab.com/redhat/centos-stream/rpms/x/-/merge_requests/12",
     {(RefKind.PR, "https://gitlab.com/redhat/centos-stream/rpms/x/-/merge_requests/12")}),
    ("pagure-pr", "https://src.fedoraproject.org/rpms/x/pull-request/3",
     {(RefKind.PR, "https://src.fedoraproject.org/rpms/x/pull-request/3")}),
    ("gitea-pr", "https://git.almalinux.org/rpms/x/pulls/4#issuecomment-9",
     {(RefKind.PR, "https://git.almalinux.org/rpms/x/pulls/4")}),
    ("redhat-bugzilla-url", "Fixes: https://bugzilla.redhat.com/show_bug.cgi?id=2001636",
     {(RefKind.BUG, "rhbz#2001636")}),
    ("other-bugzilla-url", "https://bugzilla.suse.com/show_bug.cgi?id=1",
     {(RefKind.BUG, "https://bugzilla.suse.com/show_bug.cgi?id=1")}),
    ("jira-url", "https://issues.redhat.com/browse/RHEL-5678", {(RefKind.RHEL, "RHEL-5678")}),
    ("github-issue", "https://github.com/o/r/issues/9", {(RefKind.BUG, "https://github.com/o/r/issues/9")}),
    ("bug-vendor-field", "Bug-Debian: https://bugs.debian.org/1012345",
     {(RefKind.BUG, "https://bugs.debian.org/1012345")}),
    ("bug-field-any-url", "Bug: https://tracker.example.org/view/55",
     {(RefKind.BUG, "https://tracker.example.org/view/55")}),
    ("suse-references", "References: bsc#1234567, jsc#PED-123, CVE-2021-1234",
     {(RefKind.BUG, "bsc#1234567"), (RefKind.BUG, "jsc#PED-123"), (RefKind.CVE, "CVE-2021-1234")}),
    ("cgit-commit", f"https://git.kernel.org/pub/scm/linux/kernel/git/t/linux.git/commit/?id={SHA}",
     {(RefKind.COMMIT, SHA)}),
    ("gitweb-commit", f"https://sourceware.org/git/?p=glibc.git;a=commit;h={SHA}",
     {(RefKind.COMMIT, SHA)}),
    ("launchpad", "LP: #1234567", {(RefKind.BUG, "lp#1234567")}),
    ("plain-url", "Docs: https://example.org/page.", {(RefKind.URL, "https://example.org/page")}),
]


@pytest.mark.parametrize(
    ("text", "expected"),
    [case[1:] for case in REFERENCE_CASES],
    ids=[case[0] for case in REFERENCE_CASES],
)
def test_references(text: str, expected: set[tuple[RefKind, str]]) -> None:
    found = {(r.kind, r.value) for r in parse_patch_header(mbox(text)).references}
    assert expected <= found


@pytest.mark.parametrize(
    "text",
    ["Tested on RHEL-8 and RHEL-10", "bug 562906", "Fixes a bug in #3764."],
    ids=["release-names", "untagged-number", "prose-hash"],
)
def test_no_reference_is_invented(text: str) -> None:
    refs = parse_patch_header(mbox(text, subject="x")).references
    assert [r for r in refs if r.source != "mbox"] == []


def test_reference_in_the_diff_is_ignored() -> None:
    text = mbox("Why.") + "+CVE-2020-0001 https://github.com/o/r/pull/1\n"
    assert parse_patch_header(text).cves == ()


def test_commits_are_the_changes_identity_not_what_it_fixes() -> None:
    header = parse_patch_header(
        mbox(f"(cherry picked from commit {SHA.upper()})", 'Fixes: 1234567890ab ("broke")')
    )
    assert header.commits == (SHA,)  # envelope and cherry-pick name the same commit
    fixes = [r for r in header.references if r.source == "Fixes"]
    assert fixes == [Reference(RefKind.COMMIT, "1234567890ab", "Fixes")]


def test_commit_url_keeps_the_url() -> None:
    url = "https://github.com/o/r/commit/abcdef1234567"
    header = parse_patch_header(f"Origin: upstream, {url}\n" + DIFF)
    assert Reference(RefKind.COMMIT, "abcdef1234567", "Origin", url) in header.references
    assert header.commits == ("abcdef1234567",)


def test_subject_pull_request_number_from_a_squash_merge() -> None:
    header = parse_patch_header(mbox(subject="[PATCH] added AlmaLinux (#2219)"))
    assert Reference(RefKind.PR, "#2219", "Subject") in header.references


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("[PATCH] fix it", "fix it"),
        ("[PATCH v2 3/7] fix it", "fix it"),
        ("[RFC PATCH] [PATCH 1/2] fix it", "fix it"),
        ("[policies] Fix distro detection", "[policies] Fix distro detection"),
        ("[PATCH] [policies] Add policy", "[policies] Add policy"),
        ("=?UTF-8?q?Caf=C3=A9=20menu?=", "Café menu"),
        ("[PATCH] =?UTF-8?q?fix:=20O(n=C2=B2)?=\n =?UTF-8?q?=20insertion?=",
         "fix: O(n²) insertion"),
        ("[PATCH] feat: long subject\n (#5264)", "feat: long subject (#5264)"),
        ("=?x-no-such-charset?q?abc?=", "=?x-no-such-charset?q?abc?="),
    ],
    ids=["patch", "numbered", "rfc-and-series", "subsystem-tag", "patch-then-tag", "encoded",
         "encoded-folded", "folded", "bad-charset"],
)
def test_mbox_subject(subject: str, expected: str) -> None:
    assert parse_patch_header(mbox(subject=subject)).subject == expected


def test_bad_charset_is_a_warning() -> None:
    header = parse_patch_header(mbox(subject="=?x-no-such-charset?q?abc?="))
    assert any("cannot decode Subject" in w for w in header.warnings)


@pytest.mark.parametrize(
    ("line", "author", "email"),
    [
        ("From: A U Thor <a@example.org>", "A U Thor", "a@example.org"),
        ('From: "Richard W.M. Jones" <rj@example.com>', "Richard W.M. Jones", "rj@example.com"),
        ("From: =?UTF-8?q?Jos=C3=A9?= <j@example.com>", "José", "j@example.com"),
        ("From: nobody@example.com", None, "nobody@example.com"),
        ("Author: Sam Maintainer", "Sam Maintainer", None),
    ],
    ids=["plain", "quoted", "encoded", "address-only", "dep3-name-only"],
)
def test_author_and_email(line: str, author: str | None, email: str | None) -> None:
    header = parse_patch_header(f"{line}\nSubject: x\n\n" + DIFF)
    assert (header.author, header.email) == (author, email)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Date: Tue, 10 Mar 2026 13:30:54 +0100", "2026-03-10T12:30:54+00:00"),
        ("Last-Update: 2023-11-20", "2023-11-20T00:00:00+00:00"),
        ("Date:   Tue Mar 10 13:30:54 2026 +0100", "2026-03-10T12:30:54+00:00"),
    ],
    ids=["rfc2822", "dep3-day", "git-show"],
)
def test_date(line: str, expected: str) -> None:
    date = parse_patch_header(f"Subject: x\n{line}\n\n" + DIFF).date
    assert date is not None and date.astimezone(UTC).isoformat() == expected


def test_unreadable_date_is_a_warning() -> None:
    header = parse_patch_header("Subject: x\nDate: the day before yesterday\n\n" + DIFF)
    assert header.date is None
    assert header.warnings == ("line 2: cannot read Date 'the day before yesterday' as a date",)


def test_dep3_description_gives_subject_and_long_description() -> None:
    text = "Description: Fix the frob\n Longer words.\n .\n Second paragraph.\nForwarded: no\n"
    header = parse_patch_header(text + DIFF)
    assert header.subject == "Fix the frob"
    assert header.description == "Longer words.\n\nSecond paragraph."


def test_git_show_output() -> None:
    text = (
        f"commit {SHA}\nAuthor: A U Thor <a@example.org>\nDate:   Tue Mar 10 13:30:54 2026 +0100\n"
        "\n    fix: the frob\n\n    It was broken.\n\n" + DIFF
    )
    header = parse_patch_header(text)
    assert (header.author, header.subject, header.description) == (
        "A U Thor", "fix: the frob", "It was broken.")
    assert header.commits == (SHA,)


def test_free_text_header_splits_subject_from_description() -> None:
    text = "rpm: adjust the foo setting\n\nLonger reason.\n\nUpstream-Status: Pending\n" + DIFF
    header = parse_patch_header(text)
    assert (header.subject, header.description) == ("rpm: adjust the foo setting", "Longer reason.")


def test_description_keeps_trailers_but_not_status_fields() -> None:
    header = parse_patch_header(mbox("Upstream-Status: Pending", "Signed-off-by: A <a@x.org>"))
    assert header.description == "Why this is needed.\n\nSigned-off-by: A <a@x.org>"


@pytest.mark.parametrize(
    ("data", "author", "warned"),
    [
        (b"From: Fran\xe7ois <f@x.fr>\nSubject: s\n\n" + DIFF.encode(), "Fran\u00e7ois", True),
        ("From: Fran\u00e7ois <f@x.fr>\nSubject: s\n\n".encode() + DIFF.encode() + b"+\xff\xfe\n",
         "Fran\u00e7ois", False),
        ("\ufeffFrom: Ann <a@x.org>\r\nSubject: s\r\n\r\n".encode() + DIFF.encode(), "Ann", False),
    ],
    ids=["latin1-header", "latin1-only-in-diff", "bom-and-crlf"],
)
def test_bytes_input(data: bytes, author: str, warned: bool) -> None:
    header = parse_patch_header(data)
    assert header.author == author
    assert any("not valid UTF-8; read as latin-1" in w for w in header.warnings) is warned


def test_empty_input() -> None:
    assert parse_patch_header(b"") == parse_patch_header("")
    assert parse_patch_header("").declared_status is S.NONE


# --- our own fixtures in tests/data/headers -----------------------------------------------


def fixture(name: str):
    path = DATA / name
    return parse_patch_header(path.read_bytes(), path=name)


def test_fixture_yocto_submitted() -> None:
    header = fixture("yocto-submitted.patch")
    assert header.declared_status is S.SUBMITTED  # the "Denied" after the diff is ignored
    assert header.reason == "https://github.com/example/libbar/pull/41"
    assert header.subject == "configure: honour the sysroot when probing for libfoo"
    pull = "https://github.com/example/libbar/pull/41"
    assert Reference(RefKind.PR, pull, "Upstream-Status") in header.references
    assert header.date == datetime(2024, 1, 3, 9, 15, tzinfo=UTC)
    assert header.warnings == ()


def test_fixture_dep3_backport() -> None:
    header = fixture("dep3-backport.patch")
    assert (header.declared_status, header.status_source) == (S.BACKPORT, "Origin")
    assert (header.author, header.email) == ("Sam Maintainer", "sam@example.net")
    assert header.subject == "Avoid a crash when the config file is empty"
    assert header.description.endswith("Taken from the upstream repository, fixed in 3.2.")
    assert header.commits == ("5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b",)
    assert {(r.source, r.kind) for r in header.references} >= {
        ("Bug", RefKind.BUG), ("Bug-Debian", RefKind.BUG)}
    assert header.date == datetime(2023, 11, 20, tzinfo=UTC)
    assert header.warnings == ()


def test_fixture_suse_kernel() -> None:
    header = fixture("suse-kernel.patch")
    assert (header.declared_status, header.reason) == (S.BACKPORT, "v6.8-rc3")
    assert header.commits == ("9f8e7d6c5b4a39281706f5e4d3c2b1a098765432",)
    assert header.cves == ("CVE-2024-26601",)
    bugs = {r.value for r in header.references if r.kind is RefKind.BUG}
    assert bugs == {"bsc#1219876", "jsc#PED-5432"}


def test_fixture_almalinux_obtained_from() -> None:
    header = fixture("almalinux-sos-obtained-from.patch")
    assert Reference(RefKind.PR, "https://github.com/sosreport/sos/pull/3870", "Obtained from") in (
        header.references
    )
    assert header.declared_status is S.NONE  # "Backport upstream patch…" names no commit


def test_fixture_centos_cve_backport() -> None:
    header = fixture("centos-cve-backport.patch")
    assert header.declared_status is S.BACKPORT
    assert header.author == "José Martínez"
    assert header.subject == "parser: reject over\u2011long names (CVE-2024-1111)"
    assert header.cves == ("CVE-2024-1111",)
    assert header.rhel_issues == ("RHEL-31234",)
    assert (RefKind.BUG, "rhbz#2270001") in {(r.kind, r.value) for r in header.references}
    assert header.commits[-1] == "1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e"


def test_fixture_headerless() -> None:
    header = fixture("headerless.patch")
    assert header == parse_patch_header("")


def test_fixture_latin1() -> None:
    header = fixture("latin1-header.patch")
    assert (header.author, header.subject) == ("François Dupré", "Corrige l'échappement")
    assert header.declared_status is S.INAPPROPRIATE
    assert header.warnings == (
        "latin1-header.patch:1: 2 header line(s) are not valid UTF-8; read as latin-1",
    )


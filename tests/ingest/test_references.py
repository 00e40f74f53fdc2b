"""references: which pull requests, commits, bugs, CVEs and RHEL issues a URL or a line names."""

from __future__ import annotations

import pytest

from bot.ingest.references import Reference, RefKind, classify_url, find_references

K = RefKind
SHA = "76b9c2bc067717cb70c777027c24c76b565ade63"
CGIT = f"https://git.kernel.org/pub/scm/linux/kernel/git/t/linux.git/commit/?id={SHA}"
GITWEB = f"https://sourceware.org/git/?p=glibc.git;a=commit;h={SHA}"
RHBZ = "https://bugzilla.redhat.com/show_bug.cgi?id=2001636"
COMMIT = "https://github.com/o/r/commit/abcdef1234567"

# (id, url, source, expected reference)
URL_CASES = [
    ("github-pr", "https://github.com/o/r/pull/5", "Forwarded",
     Reference(K.PR, "https://github.com/o/r/pull/5", "Forwarded")),
    ("github-pr-subpage-is-the-pr", "https://github.com/o/r/pull/5/files", "body",
     Reference(K.PR, "https://github.com/o/r/pull/5", "body")),
    ("github-commit-lowercased-keeps-url", f"https://github.com/o/r/commit/{SHA.upper()}",
     "Origin", Reference(K.COMMIT, SHA, "Origin", f"https://github.com/o/r/commit/{SHA.upper()}")),
    ("github-issue", "https://github.com/o/r/issues/9", "body",
     Reference(K.BUG, "https://github.com/o/r/issues/9", "body")),
    ("gitlab-mr", "https://gitlab.com/redhat/centos-stream/rpms/x/-/merge_requests/12", "body",
     Reference(K.PR, "https://gitlab.com/redhat/centos-stream/rpms/x/-/merge_requests/12", "body")),
    ("gitlab-commit", f"https://gitlab.com/g/p/-/commit/{SHA}", "body",
     Reference(K.COMMIT, SHA, "body", f"https://gitlab.com/g/p/-/commit/{SHA}")),
    ("gitlab-issue", "https://gitlab.gnome.org/GNOME/glib/-/issues/3", "body",
     Reference(K.BUG, "https://gitlab.gnome.org/GNOME/glib/-/issues/3", "body")),
    ("pagure-pr", "https://src.fedoraproject.org/rpms/x/pull-request/3", "body",
     Reference(K.PR, "https://src.fedoraproject.org/rpms/x/pull-request/3", "body")),
    ("gitea-pr", "https://git.almalinux.org/rpms/x/pulls/4", "body",
     Reference(K.PR, "https://git.almalinux.org/rpms/x/pulls/4", "body")),
    ("cgit-commit", CGIT, "body", Reference(K.COMMIT, SHA, "body", CGIT)),
    ("gitweb-commit", GITWEB, "body", Reference(K.COMMIT, SHA, "body", GITWEB)),
    ("rhbz-show-bug", RHBZ, "body", Reference(K.BUG, "rhbz#2001636", "body", RHBZ)),
    ("rhbz-short", "https://bugzilla.redhat.com/2001636", "body",
     Reference(K.BUG, "rhbz#2001636", "body", "https://bugzilla.redhat.com/2001636")),
    ("other-bugzilla", "https://bugzilla.suse.com/show_bug.cgi?id=1", "body",
     Reference(K.BUG, "https://bugzilla.suse.com/show_bug.cgi?id=1", "body")),
    ("rhel-jira-uppercased", "https://issues.redhat.com/browse/rhel-5678", "body",
     Reference(K.RHEL, "RHEL-5678", "body")),
    ("other-jira", "https://issues.apache.org/jira/browse/FOO-12", "body",
     Reference(K.BUG, "https://issues.apache.org/jira/browse/FOO-12", "body")),
    ("launchpad-bug", "https://bugs.launchpad.net/ubuntu/+source/x/+bug/42", "body",
     Reference(K.BUG, "https://bugs.launchpad.net/ubuntu/+source/x/+bug/42", "body")),
    ("debian-bug", "https://bugs.debian.org/1012345", "body",
     Reference(K.BUG, "https://bugs.debian.org/1012345", "body")),
    ("bug-field-any-shape", "https://tracker.example.org/view/55", "Bug-Vendor",
     Reference(K.BUG, "https://tracker.example.org/view/55", "Bug-Vendor")),
    ("plain-page", "https://example.org/page", "body",
     Reference(K.URL, "https://example.org/page", "body")),
]


@pytest.mark.parametrize(
    ("url", "source", "expected"),
    [case[1:] for case in URL_CASES],
    ids=[case[0] for case in URL_CASES],
)
def test_classify_url(url: str, source: str, expected: Reference) -> None:
    assert classify_url(url, source=source) == expected


@pytest.mark.parametrize(
    "url",
    [f"https://src.fedoraproject.org/rpms/x/c/{SHA}", f"https://pagure.io/p/c/{SHA}?branch=main"],
    ids=["fedora-dist-git", "pagure-io"],
)
def test_classify_url_pagure_commit(url: str) -> None:
    assert classify_url(url, source="body") == Reference(K.COMMIT, SHA, "body", url)


# (id, line, source, expected references in order)
LINE_CASES = [
    ("cve-normalized", "Fix CVE-2023-12345 and cve-2024-0001", "body",
     [Reference(K.CVE, "CVE-2023-12345", "body"), Reference(K.CVE, "CVE-2024-0001", "body")]),
    ("rhel-jira", "Resolves: RHEL-12345", "body", [Reference(K.RHEL, "RHEL-12345", "body")]),
    ("rhel-jira-hash", "Resolves: #RHEL-15328", "body", [Reference(K.RHEL, "RHEL-15328", "body")]),
    ("rhel-releases-are-not-issues", "Tested on RHEL-8 and RHEL-10", "body", []),
    ("rhbz", "Related: rhbz#1991688", "body", [Reference(K.BUG, "rhbz#1991688", "body")]),
    ("bz-hash", "See BZ#1234567", "body", [Reference(K.BUG, "rhbz#1234567", "body")]),
    ("resolves-bare-hash-is-rhbz", "Resolves: #2143420", "body",
     [Reference(K.BUG, "rhbz#2143420", "body")]),
    ("fixes-bare-hash", "Fixes #933", "body", [Reference(K.BUG, "#933", "body")]),
    ("closes-bare-hash", "closes: #12", "body", [Reference(K.BUG, "#12", "body")]),
    ("prose-bare-hash", "see #933", "body", []),
    ("fix-verb-not-before-hash", "Fixes a bug in #3764.", "body", []),
    ("untagged-number", "bug 562906", "body", []),
    ("subject-squash-pr", "added AlmaLinux (#2219)", "Subject",
     [Reference(K.PR, "#2219", "Subject")]),
    ("squash-pr-only-in-subject", "added AlmaLinux (#2219)", "body", []),
    ("owner-repo-issue", "Resolves: almalinux/almalinux-deploy#186", "body",
     [Reference(K.BUG, "almalinux/almalinux-deploy#186", "body")]),
    ("owner-repo-inside-url-is-not-an-issue", "https://github.com/o/r#5", "body",
     [Reference(K.URL, "https://github.com/o/r#5", "body")]),
    ("suse-bugs-lowercased", "References: bsc#1234567, JSC#PED-123", "References",
     [Reference(K.BUG, "bsc#1234567", "References"),
      Reference(K.BUG, "jsc#PED-123", "References")]),
    ("launchpad", "LP: #1234567", "body", [Reference(K.BUG, "lp#1234567", "body")]),
    ("cherry-pick", f"(cherry picked from commit {SHA.upper()})", "body",
     [Reference(K.COMMIT, SHA, "cherry-pick")]),
    # The phrase says "this change is that commit"; the URL itself is found again, as a
    # plain mention under the line's own source. Callers deduplicate, keeping the first.
    ("backport-of-url-twice", f"Backport of {COMMIT}", "body",
     [Reference(K.COMMIT, "abcdef1234567", "backport-of", COMMIT),
      Reference(K.COMMIT, "abcdef1234567", "body", COMMIT)]),
    ("backport-of-sha", "Backport of 1234abcd", "body",
     [Reference(K.COMMIT, "1234abcd", "backport-of")]),
    ("kernel-upstream-commit", f"[ Upstream commit {SHA} ]", "body",
     [Reference(K.COMMIT, SHA, "upstream-commit")]),
    ("stable-commit-upstream", f"commit {SHA} upstream.", "body",
     [Reference(K.COMMIT, SHA, "upstream-commit")]),
    ("fixes-sha", 'Fixes: 1234567890ab ("frob: break it")', "body",
     [Reference(K.COMMIT, "1234567890ab", "Fixes")]),
    ("dep3-commit-prefix", "Origin: upstream, commit:abcdef1", "Origin",
     [Reference(K.COMMIT, "abcdef1", "Origin")]),
    ("url-trailing-dot", "See https://github.com/o/r/pull/5.", "body",
     [Reference(K.PR, "https://github.com/o/r/pull/5", "body")]),
    ("url-in-brackets", "(see https://example.org/a), <https://example.org/b>", "body",
     [Reference(K.URL, "https://example.org/a", "body"),
      Reference(K.URL, "https://example.org/b", "body")]),
    ("nothing", "nothing here", "body", []),
]


@pytest.mark.parametrize(
    ("line", "source", "expected"),
    [case[1:] for case in LINE_CASES],
    ids=[case[0] for case in LINE_CASES],
)
def test_find_references(line: str, source: str, expected: list[Reference]) -> None:
    assert find_references(line, source=source) == expected

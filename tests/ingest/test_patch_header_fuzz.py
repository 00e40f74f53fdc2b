"""parse_patch_header never raises and always answers with the vocabulary, whatever it reads."""

from __future__ import annotations

import re
from datetime import datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.domain.model import DeclaredStatus
from bot.ingest.patch_header import PatchHeader, parse_patch_header
from bot.ingest.references import Reference, RefKind

FUZZ = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])

#: Pieces real headers are made of, including the awkward ones.
FRAGMENTS = [
    "From 76b9c2bc067717cb70c777027c24c76b565ade63 Mon Sep 17 00:00:00 2001",
    "commit 76b9c2bc067717cb70c777027c24c76b565ade63",
    "From: A U Thor <a@example.org>", "From: =?UTF-8?q?Jos=C3=A9?= <j@x>", "From: <>",
    "From: =?bogus?b?!!!?=", "Author:", "Date: Tue, 10 Mar 2026 13:30:54 +0100",
    "Date: Mon, 99 Foo 99999999 99:99:99 +9999", "Date: 9999-99-99", "Last-Update: 2023-11-20",
    "Subject: [PATCH v2 1/3] fix", "Subject: =?UTF-8?q?a?=", "Subject: [PATCH", "Subject:",
    " =?UTF-8?b?w6k=?=", " continued", " .", "Description: d", "MIME-Version: 1.0",
    "Upstream-Status: Pending", "Upstream-Status: Submitted [", "Upstream-Status:",
    "Upstream Status Inappropriate [", "# upstream_status: backport (x", "Upstream-Status: ???",
    "Forwarded: no", "Forwarded: not-needed", "Forwarded: https://github.com/o/r/pull/1",
    "Forwarded:", "Origin: upstream,", "Origin: backport, commit:abc1234", "Origin: vendor",
    "Applied-Upstream: commit:", "Bug: https://", "Bug-Debian: https://bugs.debian.org/1",
    "Patch-mainline: v5.10-rc1", "Patch-mainline: Never,", "Patch-mainline: Queued",
    "Patch-mainline: n/a", "Git-commit: 9f8e7d6c5b4a39281706f5e4d3c2b1a098765432",
    "References: bsc#1 jsc#PED-1 CVE-2024-1", "(cherry picked from commit abcdef1)",
    "Backport of https://github.com/o/r/commit/abcdef1", "Backport of", "[ Upstream commit abc ]",
    "commit 76b9c2bc067717cb70c777027c24c76b565ade63 upstream.", "Resolves: RHEL-12345",
    "Resolves: #", "Related: rhbz#", "Fixes #933", "Fixes: 1234567890ab", "CVE-2024-",
    "https://bugzilla.redhat.com/show_bug.cgi?id=", "https://issues.redhat.com/browse/RHEL-1",
    "https://gitlab.com/a/b/-/merge_requests/", "https://x/commit/?id=", "o/r#1", "(#12)",
    "", " ", "\t", "\r", "---", "--- a/x", "+++ b/x", "diff --git a/x b/x", "Index: x",
    "\ufeff", "\x00", "=?", "?=", "[", "]", "#", ":", "\u2028", "\udcff",
]

fragment_lines = st.lists(st.sampled_from(FRAGMENTS) | st.text(max_size=30), max_size=30)


def assert_valid(header: PatchHeader) -> None:
    assert isinstance(header.declared_status, DeclaredStatus)
    if header.declared_status is DeclaredStatus.NONE:
        assert (header.status_raw, header.reason, header.status_source) == (None, None, None)
    else:
        assert header.status_raw is not None and header.status_source
    for ref in header.references:
        assert isinstance(ref, Reference) and isinstance(ref.kind, RefKind) and ref.value
    assert all(re.fullmatch(r"CVE-\d{4}-\d{4,}", cve) for cve in header.cves)
    assert all(re.fullmatch(r"RHEL-\d+", issue) for issue in header.rhel_issues)
    assert all(re.fullmatch(r"[0-9a-f]{7,40}", sha) for sha in header.commits)
    assert header.date is None or (isinstance(header.date, datetime) and header.date.tzinfo)
    assert all(isinstance(w, str) and w for w in header.warnings)


@FUZZ
@given(st.binary(max_size=3000))
def test_random_bytes(data: bytes) -> None:
    assert_valid(parse_patch_header(data, path="fuzz.patch"))


@FUZZ
@given(st.text(max_size=2000))
def test_random_text(text: str) -> None:
    assert_valid(parse_patch_header(text))


@FUZZ
@given(fragment_lines, st.sampled_from(["\n", "\r\n"]))
def test_header_like_text(lines: list[str], newline: str) -> None:
    assert_valid(parse_patch_header(newline.join(lines)))


@FUZZ
@given(fragment_lines, st.binary(max_size=40))
def test_header_like_bytes_with_junk(lines: list[str], junk: bytes) -> None:
    data = "\n".join(lines).encode("utf-8", "surrogatepass") + junk
    assert_valid(parse_patch_header(data))


no_surrogates = st.lists(
    st.sampled_from([f for f in FRAGMENTS if "\udcff" not in f])
    | st.text(st.characters(blacklist_categories=("Cs",)), max_size=30),
    max_size=30,
)


@FUZZ
@given(no_surrogates)
def test_bytes_and_text_agree(lines: list[str]) -> None:
    text = "\n".join(lines)
    assert parse_patch_header(text.encode("utf-8")) == parse_patch_header(text)


@FUZZ
@given(no_surrogates, st.text(max_size=300))
def test_nothing_after_the_diff_matters(lines: list[str], tail: str) -> None:
    head = "\n".join(lines) + "\n"
    diff = "diff --git a/x b/x\n--- a/x\n+++ b/x\n"
    assert parse_patch_header(head + diff + tail) == parse_patch_header(head + diff)

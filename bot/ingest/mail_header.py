"""What the mail parts of a patch say: envelope commit, author, date, and the decoded subject.

`git format-patch` writes an mbox message (`From <sha> Mon Sep 17 …`, RFC 5322 fields,
RFC 2047 encoded words); `git show` writes `commit <sha>` and `Author:`/`Date:` lines;
DEP-3 headers reuse `From:`/`Author:` and give `Last-Update:` as an ISO day. These
functions read single values; finding the fields is the caller's business.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email.errors import HeaderParseError
from email.header import decode_header, make_header
from email.utils import parsedate_to_datetime

_ENVELOPE = re.compile(r"^(?:From ([0-9a-fA-F]{40}) |commit ([0-9a-fA-F]{40})(?: \(.*\))?$)")
_ADDRESS = re.compile(r"^(.*?)\s*<([^<>\s]+@[^<>\s]+)>\s*$")
_BRACKETED = re.compile(r"\s*\[([^\]]*)\]\s*")


def envelope_commit(line: str) -> str | None:
    """The commit a first line `From <sha> …` (mbox) or `commit <sha>` (git show) names."""
    if match := _ENVELOPE.match(line):
        return (match[1] or match[2]).lower()
    return None


def decode_words(value: str) -> tuple[str, str | None]:
    """A field value unfolded (RFC 5322) with its RFC 2047 words ("=?UTF-8?q?…?=") decoded.

    The second item says why the words could not be decoded; the value is then kept as
    written (unfolded).
    """
    value = value.replace("\n", "").strip()
    if "=?" not in value:
        return value, None
    try:
        return str(make_header(decode_header(value))).strip(), None
    except (LookupError, ValueError, HeaderParseError) as error:
        return value, str(error)


def name_and_address(value: str) -> tuple[str | None, str | None]:
    """The display name and the e-mail address of a `From:`/`Author:` value."""
    value = value.strip()
    if not value:
        return None, None
    if match := _ADDRESS.match(value):
        return match[1].strip().strip('"').strip() or None, match[2]
    if re.fullmatch(r"\S+@\S+", value):
        return None, value
    return value, None


def mail_date(value: str) -> datetime | None:
    """An RFC 2822, `git show` or ISO 8601 date, UTC when it names no zone; None if unreadable."""
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def without_patch_tags(subject: str) -> str | None:
    """A subject without its leading "[PATCH v2 3/7]"-style tags; None when nothing is left."""
    # "[PATCH v2 3/7]" is transport; "[policies]" (sos' subsystem tag) is the subject.
    while (tag := _BRACKETED.match(subject)) and "patch" in tag[1].lower().split():
        subject = subject[tag.end() :]
    return subject.strip() or None

"""What a patch file declares about itself: upstream status, references, author, subject.

Only the header counts: the lines before the first `diff `, `Index: `, `---` separator
or `--- `/`+++ ` pair. Three conventions are read (Yocto `Upstream-Status:`, Debian DEP-3,
SUSE `Patch-mainline:`) plus `git format-patch`/`git show` mail headers and the phrases
that name an upstream commit. When several declarations exist, this precedence decides
(within one family the first line wins; a later line that disagrees is a warning):

1. Yocto `Upstream-Status:`, the only field whose single purpose is the status.
2. SUSE `Patch-mainline:`.
3. DEP-3: `Origin: upstream|backport` (backport), else `Applied-Upstream:` (accepted),
   else `Forwarded:` (`no` pending, `not-needed` inappropriate, anything else submitted).
4. Phrases: `(cherry picked from commit …)`, `Backport of …`, `Upstream commit …`,
   `commit … upstream.` (backport).

A lower family that disagrees with the chosen one is reported as a conflict. These pairs
agree: accepted/backport (both "upstream has it"), submitted→accepted (the usual
progression), and DEP-3 `Forwarded: not-needed` with either (how DEP-3 marks a backport).
`none` means the header declares nothing; `unknown` means it declared something that does
not map (and a warning says what).
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.errors import HeaderParseError
from email.header import decode_header, make_header
from email.utils import parsedate_to_datetime

from bot.domain.model import DeclaredStatus
from bot.ingest.references import (
    BACKPORT_SOURCES,
    IDENTITY_SOURCES,
    Reference,
    RefKind,
    find_references,
)

S = DeclaredStatus
_Warn = Callable[[int, str], None]


@dataclass(frozen=True, slots=True)
class PatchHeader:
    """What one patch says about itself; `warnings` say what could not be read and where."""

    declared_status: DeclaredStatus = S.NONE
    #: The status value as written, e.g. "Inappropriate [oe-core specific]".
    status_raw: str | None = None
    #: The qualifier of the status: Inappropriate's reason, Submitted's where, a version.
    reason: str | None = None
    #: The field or phrase the status came from ("Upstream-Status", "Forwarded", "cherry-pick").
    status_source: str | None = None
    references: tuple[Reference, ...] = ()
    author: str | None = None
    email: str | None = None
    date: datetime | None = None
    subject: str | None = None
    description: str | None = None
    warnings: tuple[str, ...] = ()

    @property
    def cves(self) -> tuple[str, ...]:
        return tuple(r.value for r in self.references if r.kind is RefKind.CVE)

    @property
    def rhel_issues(self) -> tuple[str, ...]:
        return tuple(r.value for r in self.references if r.kind is RefKind.RHEL)

    @property
    def commits(self) -> tuple[str, ...]:
        """Commits that are this same change elsewhere (not the ones it merely mentions)."""
        return tuple(
            r.value
            for r in self.references
            if r.kind is RefKind.COMMIT and r.source in IDENTITY_SOURCES
        )


@dataclass(frozen=True, slots=True)
class _Field:
    key: str
    name: str
    value: str
    line: int


@dataclass(frozen=True, slots=True)
class _Declaration:
    status: DeclaredStatus
    raw: str
    reason: str | None
    source: str
    line: int


_ENVELOPE = re.compile(r"^(?:From ([0-9a-fA-F]{40}) |commit ([0-9a-fA-F]{40})(?: \(.*\))?$)")
_FIELD = re.compile(r"^([A-Za-z][A-Za-z0-9_-]*):(?:[ \t]+(.*))?$")
#: A trailer-like line in free text ("Obtained from: …"), to name where a reference came from.
_TRAILER = re.compile(r"^\s*([A-Za-z][\w-]*(?: [A-Za-z][\w-]*)?):\s")
_BODY_FIELD = re.compile(r"^[\s#]*([A-Za-z][A-Za-z0-9_-]*)[ \t]*:[ \t]*(.*)$")
_YOCTO_LINE = re.compile(r"^[\s#]*upstream[\s_-]*status\b[ \t]*(:)?[ \t]*(.*)$", re.IGNORECASE)
_YOCTO_VALUE = re.compile(r"(inactive[-_ ]upstream|[A-Za-z]+)\b(.*)", re.IGNORECASE)
_SUSE_VALUE = re.compile(r"(yes|queued|submitted|not[- ]yet|no|never)\b[\s,:;-]*(.*)", re.I)
_VERSION = re.compile(r"v?\d+(?:\.\d+)+(?:-rc\d+)?\b")
_BRACKETED = re.compile(r"\s*\[([^\]]*)\]\s*")
_ADDRESS = re.compile(r"^(.*?)\s*<([^<>\s]+@[^<>\s]+)>\s*$")

_CANONICAL = {
    name.lower(): name
    for name in (
        "From",
        "Author",
        "Date",
        "Subject",
        "Description",
        "Forwarded",
        "Origin",
        "Applied-Upstream",
        "Bug",
        "Last-Update",
        "Patch-mainline",
        "Git-commit",
        "Git-repo",
        "References",
        "Upstream-Status",
    )
}
#: Fields that may open a header block; any "Name: value" line may continue one.
_OPENERS = frozenset(_CANONICAL) | {"message-id", "mime-version", "to", "cc", "in-reply-to"}
#: Fields recognized below the top block too (Yocto and DEP-3 put them after free text).
_BODY_KEYS = frozenset(_CANONICAL) - {"from", "date", "subject", "description"}
_YOCTO_WORDS = {
    "pending": S.PENDING,
    "submitted": S.SUBMITTED,
    "accepted": S.ACCEPTED,
    "backport": S.BACKPORT,
    "backported": S.BACKPORT,
    "denied": S.DENIED,
    "rejected": S.DENIED,
    "inappropriate": S.INAPPROPRIATE,
    "inactive-upstream": S.INACTIVE_UPSTREAM,
}
_YOCTO_STANDARD = frozenset(_YOCTO_WORDS) - {"backported", "rejected"}
_SUSE_WORDS = {
    "yes": S.BACKPORT,
    "queued": S.ACCEPTED,
    "submitted": S.SUBMITTED,
    "not yet": S.PENDING,
    "not-yet": S.PENDING,
    "no": S.PENDING,
    "never": S.INAPPROPRIATE,
}
_UPSTREAM_HAS_IT = frozenset({S.ACCEPTED, S.BACKPORT})


def parse_patch_header(data: bytes | str, *, path: str = "") -> PatchHeader:
    """Read what a patch declares about itself; never raises, problems become `warnings`."""
    warnings: list[str] = []

    def warn(line: int, message: str) -> None:
        warnings.append(f"{path}:{line}: {message}" if path else f"line {line}: {message}")

    lines, latin1 = _header_lines(data)
    if latin1:
        warn(latin1[0], f"{len(latin1)} header line(s) are not valid UTF-8; read as latin-1")
    start, refs = 0, []
    if lines and (envelope := _ENVELOPE.match(lines[0])):
        refs.append(Reference(RefKind.COMMIT, (envelope[1] or envelope[2]).lower(), "mbox"))
        start = 1
    top, start = _top_block(lines, start)
    top = [_decoded(field, warn) for field in top]
    body, free = _body_fields(lines, start)
    fields = top + body
    for field in fields:
        text = f"{field.name}: {field.value}".replace("\n", " ")
        refs.extend(find_references(text, source=field.name))
    phrases: list[_Declaration] = []
    for number, text in free:
        trailer = _TRAILER.match(text)
        found = find_references(text, source=trailer[1] if trailer else "body")
        refs.extend(found)
        if hit := next((r for r in found if r.source in BACKPORT_SOURCES), None):
            phrases.append(_Declaration(S.BACKPORT, text.strip(), hit.value, hit.source, number))
    unique: dict[tuple[RefKind, str], Reference] = {}
    for ref in refs:
        unique.setdefault((ref.kind, ref.value), ref)
    references = tuple(unique.values())
    chosen = _choose_status(fields, phrases, warn)
    subject, description = _texts(top, free)
    author, email = _author(fields)
    return PatchHeader(
        declared_status=chosen.status if chosen else S.NONE,
        status_raw=chosen.raw if chosen else None,
        reason=chosen.reason if chosen else None,
        status_source=chosen.source if chosen else None,
        references=references,
        author=author,
        email=email,
        date=_date(fields, warn),
        subject=subject,
        description=description,
        warnings=tuple(warnings),
    )


def _header_lines(data: bytes | str) -> tuple[list[str], list[int]]:
    """The decoded lines before the diff, and the line numbers that needed latin-1."""
    raw = data.split("\n") if isinstance(data, str) else bytes(data).split(b"\n")
    lines: list[str] = []
    latin1: list[int] = []
    for index, item in enumerate(raw):
        text = _decode(item, index + 1, latin1).rstrip("\r")
        if index == 0:
            text = text.removeprefix("\ufeff")
        following = _decode(raw[index + 1], 0, []) if index + 1 < len(raw) else ""
        if text.startswith(("diff ", "Index: ")) or text.rstrip() == "---":
            break
        # A description may quote "--- something"; only a "+++ " line makes it a diff.
        if text.startswith("--- ") and following.startswith("+++ "):
            break
        lines.append(text)
    return lines, latin1


def _decode(item: str | bytes, number: int, latin1: list[int]) -> str:
    if isinstance(item, str):
        return item
    try:
        return item.decode("utf-8")
    except UnicodeDecodeError:
        latin1.append(number)
        return item.decode("latin-1")


def _key(name: str) -> str:
    return re.sub(r"[\s_]+", "-", name.strip().lower())


def _top_block(lines: list[str], start: int) -> tuple[list[_Field], int]:
    """Mail or DEP-3 fields at the top, with RFC 5322 / DEP-3 continuation lines."""
    fields: list[_Field] = []
    index = start
    while index < len(lines):
        text = lines[index]
        match = _FIELD.match(text)
        if match and (fields or _key(match[1]) in _OPENERS):
            key = _key(match[1])
            name = _CANONICAL.get(key, match[1])
            fields.append(_Field(key, name, (match[2] or "").strip(), index + 1))
        elif fields and text[:1] in (" ", "\t") and text.strip():
            last = fields[-1]
            fields[-1] = _Field(last.key, last.name, f"{last.value}\n{text}", last.line)
        else:
            if fields and not text.strip():
                index += 1
            break
        index += 1
    return fields, index


def _body_fields(lines: list[str], start: int) -> tuple[list[_Field], list[tuple[int, str]]]:
    """Known fields below the top block, and the free text lines that remain."""
    fields: list[_Field] = []
    free: list[tuple[int, str]] = []
    for index in range(start, len(lines)):
        text = lines[index]
        yocto = _YOCTO_LINE.match(text)
        match = _BODY_FIELD.match(text)
        if yocto and (yocto[1] or _yocto_word(yocto[2]) is not None):
            fields.append(_Field("upstream-status", "Upstream-Status", yocto[2].strip(), index + 1))
        elif match and (_key(match[1]) in _BODY_KEYS or _key(match[1]).startswith("bug-")):
            key = _key(match[1])
            fields.append(_Field(key, _CANONICAL.get(key, match[1]), match[2].strip(), index + 1))
        else:
            free.append((index + 1, text))
    return fields, free


def _yocto_word(value: str) -> tuple[str, str] | None:
    """The normalized status word of an Upstream-Status value and the text after it."""
    match = _YOCTO_VALUE.match(value.strip())
    word = _key(match[1]) if match else ""
    return (word, match[2]) if match and word in _YOCTO_WORDS else None


def _qualifier(rest: str) -> str | None:
    """The text that qualifies a status: "[where]", "(reason)" or ", reason"."""
    text = rest.strip().lstrip(":,;-").strip()
    for opening, closing in (("[", "]"), ("(", ")")):
        if text.startswith(opening):
            text = text[1:].partition(closing)[0]
    return text.strip() or None


def _declare(field: _Field, warn: _Warn) -> _Declaration | None:
    """The status one field declares, or None when the field says nothing about status."""
    value, low = field.value.strip(), field.value.strip().lower()
    status: DeclaredStatus | None = None
    reason: str | None = None
    if field.key == "upstream-status":
        found = _yocto_word(value)
        status = _YOCTO_WORDS[found[0]] if found else S.UNKNOWN
        reason = _qualifier(found[1]) if found else None
        if found is None:
            warn(
                field.line,
                f"unknown Upstream-Status value {value!r}: expected Pending, "
                "Submitted, Accepted, Backport, Denied, Inappropriate or Inactive-Upstream",
            )
        elif found[0] not in _YOCTO_STANDARD:
            warn(field.line, f"non-standard Upstream-Status {value!r} read as {status}")
        elif status is S.INAPPROPRIATE and reason is None:
            warn(field.line, "Upstream-Status: Inappropriate gives no [reason]")
    elif field.key == "patch-mainline":
        match = _SUSE_VALUE.match(value)
        if match:
            status, reason = _SUSE_WORDS[match[1].lower()], match[2].strip() or None
        elif _VERSION.match(value):
            status, reason = S.BACKPORT, value
        else:
            status = S.UNKNOWN
            warn(
                field.line,
                f"unknown Patch-mainline value {value!r}: expected a version, "
                "Yes, Queued, Submitted, Not yet, No or Never",
            )
    elif field.key == "forwarded" and low:
        word = _key(low)
        status = {"no": S.PENDING, "not-needed": S.INAPPROPRIATE}.get(word, S.SUBMITTED)
        reason = None if word in ("no", "not-needed", "yes") else value
    elif field.key == "origin":
        category, _, rest = value.partition(",")
        if category.strip().lower() in ("upstream", "backport"):
            status, reason = S.BACKPORT, rest.strip() or None
    elif field.key == "applied-upstream" and value:
        status, reason = S.ACCEPTED, value
    if status is None:
        return None
    return _Declaration(status, value, reason, field.name, field.line)


def _choose_status(
    fields: list[_Field], phrases: list[_Declaration], warn: _Warn
) -> _Declaration | None:
    declared = [d for f in fields if (d := _declare(f, warn)) is not None]
    for source in dict.fromkeys(d.source for d in declared):
        same = [d for d in declared if d.source == source]
        for later in same[1:]:
            if later.status is not same[0].status:
                warn(
                    later.line,
                    f"{source} given again as {later.raw!r}; "
                    f"using the first, {same[0].raw!r} (line {same[0].line})",
                )

    def first(*sources: str) -> _Declaration | None:
        return next((d for s in sources for d in declared if d.source == s), None)

    families = [
        first("Upstream-Status"),
        first("Patch-mainline"),
        next((d for d in declared if d.source == "Origin"), None)
        or first("Applied-Upstream", "Forwarded"),
        phrases[0] if phrases else None,
    ]
    candidates = [d for d in families if d is not None]
    known = [d for d in candidates if d.status is not S.UNKNOWN]
    chosen = known[0] if known else (candidates[0] if candidates else None)
    for other in known[1:]:
        if chosen is not None and not _agree(chosen, other):
            warn(
                other.line,
                f"conflicting declarations: {other.source} says {other.status} "
                f"but {chosen.source} (line {chosen.line}) says {chosen.status}; "
                f"using {chosen.source}",
            )
    return chosen


def _agree(a: _Declaration, b: _Declaration) -> bool:
    pair = {a.status, b.status}
    if len(pair) == 1 or pair <= _UPSTREAM_HAS_IT or pair == {S.SUBMITTED, S.ACCEPTED}:
        return True
    not_needed = any(d.source == "Forwarded" and d.status is S.INAPPROPRIATE for d in (a, b))
    return not_needed and bool(pair & _UPSTREAM_HAS_IT)


def _texts(top: list[_Field], free: list[tuple[int, str]]) -> tuple[str | None, str | None]:
    """The one-line subject and the free-text description."""
    subject_field = next((f for f in top if f.key == "subject"), None)
    described = next((f for f in top if f.key == "description"), None)
    long: list[str] = []
    subject: str | None = None
    if subject_field is not None:
        subject = subject_field.value
    if described is not None:
        first, *rest = described.value.split("\n")
        subject = subject or first.strip()
        long = ["" if line.strip() == "." else line[1:] for line in rest]
    text = textwrap.dedent("\n".join(line for _, line in free)).split("\n")
    while text and not text[0].strip():
        text.pop(0)
    if subject is None and described is None and text:
        subject = text.pop(0).strip()
    # "[PATCH v2 3/7]" is transport; "[policies]" (sos' subsystem tag) is the subject.
    while subject and (tag := _BRACKETED.match(subject)) and "patch" in tag[1].lower().split():
        subject = subject[tag.end() :]
    subject = subject.strip() if subject else None
    description = "\n".join([*long, "", *text] if long else text).strip("\n")
    return subject, description if description.strip() else None


def _decoded(field: _Field, warn: _Warn) -> _Field:
    """A mail field unfolded (RFC 5322), its RFC 2047 words ("=?UTF-8?q?…?=") decoded."""
    if field.key not in ("subject", "from", "author"):
        return field
    value = field.value.replace("\n", "").strip()
    if "=?" in value:
        try:
            value = str(make_header(decode_header(value))).strip()
        except (LookupError, ValueError, HeaderParseError) as error:
            warn(field.line, f"cannot decode {field.name} ({error}); kept as written")
    return _Field(field.key, field.name, value, field.line)


def _author(fields: list[_Field]) -> tuple[str | None, str | None]:
    field = next((f for f in fields if f.key in ("from", "author")), None)
    value = field.value.strip() if field is not None else ""
    if not value:
        return None, None
    if match := _ADDRESS.match(value):
        return match[1].strip().strip('"').strip() or None, match[2]
    if re.fullmatch(r"\S+@\S+", value):
        return None, value
    return value, None


def _date(fields: list[_Field], warn: _Warn) -> datetime | None:
    field = next((f for f in fields if f.key in ("date", "last-update")), None)
    if field is None or not field.value.strip():
        return None
    value = field.value.replace("\n", " ").strip()
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            warn(field.line, f"cannot read {field.name} {value!r} as a date")
            return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)

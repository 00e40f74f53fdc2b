"""What a patch file declares about itself: upstream status, references, author, subject.

Only the header counts: the lines before the first `diff `, `Index: `, `---` separator
or `--- `/`+++ ` pair. Its fields are read wherever they stand: a mail or DEP-3 block at
the top, and Yocto/DEP-3/SUSE fields below free text. Which status wins when several are
declared is decided in `bot.ingest.declared_status`; the mail envelope, author, date and
encoded subject are read by `bot.ingest.mail_header`.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass
from datetime import datetime

from bot.domain.model import DeclaredStatus
from bot.ingest.declared_status import (
    Declaration,
    HeaderField,
    Warn,
    choose_status,
    field_key,
    yocto_word,
)
from bot.ingest.mail_header import (
    decode_words,
    envelope_commit,
    mail_date,
    name_and_address,
    without_patch_tags,
)
from bot.ingest.references import (
    BACKPORT_SOURCES,
    IDENTITY_SOURCES,
    Reference,
    RefKind,
    find_references,
)

S = DeclaredStatus


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


_FIELD = re.compile(r"^([A-Za-z][A-Za-z0-9_-]*):(?:[ \t]+(.*))?$")
#: A trailer-like line in free text ("Obtained from: …"), to name where a reference came from.
_TRAILER = re.compile(r"^\s*([A-Za-z][\w-]*(?: [A-Za-z][\w-]*)?):\s")
_BODY_FIELD = re.compile(r"^[\s#]*([A-Za-z][A-Za-z0-9_-]*)[ \t]*:[ \t]*(.*)$")
_YOCTO_LINE = re.compile(r"^[\s#]*upstream[\s_-]*status\b[ \t]*(:)?[ \t]*(.*)$", re.IGNORECASE)

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


def parse_patch_header(data: bytes | str, *, path: str = "") -> PatchHeader:
    """Read what a patch declares about itself; never raises, problems become `warnings`."""
    warnings: list[str] = []

    def warn(line: int, message: str) -> None:
        warnings.append(f"{path}:{line}: {message}" if path else f"line {line}: {message}")

    lines, latin1 = _header_lines(data)
    if latin1:
        warn(latin1[0], f"{len(latin1)} header line(s) are not valid UTF-8; read as latin-1")
    start, refs = 0, []
    if lines and (commit := envelope_commit(lines[0])):
        refs.append(Reference(RefKind.COMMIT, commit, "mbox"))
        start = 1
    top, start = _top_block(lines, start)
    top = [_decoded(field, warn) for field in top]
    body, free = _body_fields(lines, start)
    fields = top + body
    for field in fields:
        text = f"{field.name}: {field.value}".replace("\n", " ")
        refs.extend(find_references(text, source=field.name))
    phrases: list[Declaration] = []
    for number, text in free:
        trailer = _TRAILER.match(text)
        found = find_references(text, source=trailer[1] if trailer else "body")
        refs.extend(found)
        if hit := next((r for r in found if r.source in BACKPORT_SOURCES), None):
            phrases.append(Declaration(S.BACKPORT, text.strip(), hit.value, hit.source, number))
    unique: dict[tuple[RefKind, str], Reference] = {}
    for ref in refs:
        unique.setdefault((ref.kind, ref.value), ref)
    references = tuple(unique.values())
    chosen = choose_status(fields, phrases, warn)
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


def _top_block(lines: list[str], start: int) -> tuple[list[HeaderField], int]:
    """Mail or DEP-3 fields at the top, with RFC 5322 / DEP-3 continuation lines."""
    fields: list[HeaderField] = []
    index = start
    while index < len(lines):
        text = lines[index]
        match = _FIELD.match(text)
        if match and (fields or field_key(match[1]) in _OPENERS):
            key = field_key(match[1])
            name = _CANONICAL.get(key, match[1])
            fields.append(HeaderField(key, name, (match[2] or "").strip(), index + 1))
        elif fields and text[:1] in (" ", "\t") and text.strip():
            last = fields[-1]
            fields[-1] = HeaderField(last.key, last.name, f"{last.value}\n{text}", last.line)
        else:
            if fields and not text.strip():
                index += 1
            break
        index += 1
    return fields, index


def _body_fields(lines: list[str], start: int) -> tuple[list[HeaderField], list[tuple[int, str]]]:
    """Known fields below the top block, and the free text lines that remain."""
    fields: list[HeaderField] = []
    free: list[tuple[int, str]] = []
    for index in range(start, len(lines)):
        text = lines[index]
        yocto = _YOCTO_LINE.match(text)
        match = _BODY_FIELD.match(text)
        key = field_key(match[1]) if match else ""
        if yocto and (yocto[1] or yocto_word(yocto[2]) is not None):
            value = yocto[2].strip()
            fields.append(HeaderField("upstream-status", "Upstream-Status", value, index + 1))
        elif match and (key in _BODY_KEYS or key.startswith("bug-")):
            name = _CANONICAL.get(key, match[1])
            fields.append(HeaderField(key, name, match[2].strip(), index + 1))
        else:
            free.append((index + 1, text))
    return fields, free


def _texts(top: list[HeaderField], free: list[tuple[int, str]]) -> tuple[str | None, str | None]:
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
    subject = without_patch_tags(subject) if subject else None
    description = "\n".join([*long, "", *text] if long else text).strip("\n")
    return subject, description if description.strip() else None


def _decoded(field: HeaderField, warn: Warn) -> HeaderField:
    """A mail field that may be folded and encoded, as text."""
    if field.key not in ("subject", "from", "author"):
        return field
    value, problem = decode_words(field.value)
    if problem is not None:
        warn(field.line, f"cannot decode {field.name} ({problem}); kept as written")
    return HeaderField(field.key, field.name, value, field.line)


def _author(fields: list[HeaderField]) -> tuple[str | None, str | None]:
    field = next((f for f in fields if f.key in ("from", "author")), None)
    return name_and_address(field.value) if field is not None else (None, None)


def _date(fields: list[HeaderField], warn: Warn) -> datetime | None:
    field = next((f for f in fields if f.key in ("date", "last-update")), None)
    if field is None or not field.value.strip():
        return None
    value = field.value.replace("\n", " ").strip()
    parsed = mail_date(value)
    if parsed is None:
        warn(field.line, f"cannot read {field.name} {value!r} as a date")
    return parsed

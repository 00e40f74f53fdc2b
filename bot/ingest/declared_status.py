"""Which upstream status a patch header's fields and phrases declare, and which one wins.

Three conventions are read: Yocto `Upstream-Status:`, SUSE `Patch-mainline:` and Debian
DEP-3, plus the phrases that name an upstream commit. When several declarations exist,
this precedence decides (within one family the first line wins; a later line that
disagrees is a warning):

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
from collections.abc import Callable
from dataclasses import dataclass

from bot.domain.model import DeclaredStatus

S = DeclaredStatus
#: Reports a problem at a line of the patch: `warn(line, message)`.
Warn = Callable[[int, str], None]


@dataclass(frozen=True, slots=True)
class HeaderField:
    """One "Name: value" line of a header (with its continuation lines) and where it starts."""

    #: The name normalized by `field_key`, e.g. "upstream-status".
    key: str
    #: The name to show: the canonical spelling of a known field, else as written.
    name: str
    value: str
    line: int


@dataclass(frozen=True, slots=True)
class Declaration:
    """One status a field or phrase declares, with the text it came from."""

    status: DeclaredStatus
    raw: str
    reason: str | None
    source: str
    line: int


_YOCTO_VALUE = re.compile(r"(inactive[-_ ]upstream|[A-Za-z]+)\b(.*)", re.IGNORECASE)
_SUSE_VALUE = re.compile(r"(yes|queued|submitted|not[- ]yet|no|never)\b[\s,:;-]*(.*)", re.I)
_VERSION = re.compile(r"v?\d+(?:\.\d+)+(?:-rc\d+)?\b")

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
_DEP3_FORWARDED = {"no": S.PENDING, "not-needed": S.INAPPROPRIATE}
_UPSTREAM_HAS_IT = frozenset({S.ACCEPTED, S.BACKPORT})


def field_key(name: str) -> str:
    """A field name as compared: lower case, spaces and underscores read as `-`."""
    return re.sub(r"[\s_]+", "-", name.strip().lower())


def yocto_word(value: str) -> tuple[str, str] | None:
    """The normalized status word of an Upstream-Status value and the text after it."""
    match = _YOCTO_VALUE.match(value.strip())
    word = field_key(match[1]) if match else ""
    return (word, match[2]) if match and word in _YOCTO_WORDS else None


def choose_status(
    fields: list[HeaderField], phrases: list[Declaration], warn: Warn
) -> Declaration | None:
    """The declaration that wins by the precedence above; disagreements become warnings."""
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

    def first(*sources: str) -> Declaration | None:
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


def _declare(field: HeaderField, warn: Warn) -> Declaration | None:
    """The status one field declares, or None when the field says nothing about status."""
    value = field.value.strip()
    declared: tuple[DeclaredStatus, str | None] | None = None
    if field.key == "upstream-status":
        declared = _yocto(value, field.line, warn)
    elif field.key == "patch-mainline":
        declared = _suse(value, field.line, warn)
    elif field.key == "forwarded" and value:
        word = field_key(value.lower())
        status = _DEP3_FORWARDED.get(word, S.SUBMITTED)
        declared = status, None if word in ("no", "not-needed", "yes") else value
    elif field.key == "origin":
        category, _, rest = value.partition(",")
        if category.strip().lower() in ("upstream", "backport"):
            declared = S.BACKPORT, rest.strip() or None
    elif field.key == "applied-upstream" and value:
        declared = S.ACCEPTED, value
    if declared is None:
        return None
    return Declaration(declared[0], value, declared[1], field.name, field.line)


def _yocto(value: str, line: int, warn: Warn) -> tuple[DeclaredStatus, str | None]:
    """Status and qualifier of a Yocto `Upstream-Status:` value."""
    found = yocto_word(value)
    if found is None:
        warn(
            line,
            f"unknown Upstream-Status value {value!r}: expected Pending, "
            "Submitted, Accepted, Backport, Denied, Inappropriate or Inactive-Upstream",
        )
        return S.UNKNOWN, None
    status, reason = _YOCTO_WORDS[found[0]], _qualifier(found[1])
    if found[0] not in _YOCTO_STANDARD:
        warn(line, f"non-standard Upstream-Status {value!r} read as {status}")
    elif status is S.INAPPROPRIATE and reason is None:
        warn(line, "Upstream-Status: Inappropriate gives no [reason]")
    return status, reason


def _suse(value: str, line: int, warn: Warn) -> tuple[DeclaredStatus, str | None]:
    """Status and qualifier of a SUSE `Patch-mainline:` value (a version means backport)."""
    if match := _SUSE_VALUE.match(value):
        return _SUSE_WORDS[match[1].lower()], match[2].strip() or None
    if _VERSION.match(value):
        return S.BACKPORT, value
    warn(
        line,
        f"unknown Patch-mainline value {value!r}: expected a version, "
        "Yes, Queued, Submitted, Not yet, No or Never",
    )
    return S.UNKNOWN, None


def _qualifier(rest: str) -> str | None:
    """The text that qualifies a status: "[where]", "(reason)" or ", reason"."""
    text = rest.strip().lstrip(":,;-").strip()
    for opening, closing in (("[", "]"), ("(", ")")):
        if text.startswith(opening):
            text = text[1:].partition(closing)[0]
    return text.strip() or None


def _agree(a: Declaration, b: Declaration) -> bool:
    pair = {a.status, b.status}
    if len(pair) == 1 or pair <= _UPSTREAM_HAS_IT or pair == {S.SUBMITTED, S.ACCEPTED}:
        return True
    not_needed = any(d.source == "Forwarded" and d.status is S.INAPPROPRIATE for d in (a, b))
    return not_needed and bool(pair & _UPSTREAM_HAS_IT)

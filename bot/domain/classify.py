"""Decides why a downstream change exists (its kind) and whether it can go upstream."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.domain.model import NOT_UPSTREAMABLE_KINDS, ChangeType, DeclaredStatus, Kind, Operation


@dataclass(frozen=True, slots=True)
class ClassifierRules:
    """What a distribution's own changes look like; the values come from the settings."""

    #: names of the downstream distribution ("almalinux", "alma linux")
    distribution_words: tuple[str, ...]
    #: names of the base's vendor ("red hat", "rhel", "centos"); removing them is branding
    vendor_words: tuple[str, ...]
    #: the macro the distribution's build system defines ("almalinux")
    guard_macro: str


@dataclass(frozen=True, slots=True)
class Features:
    """What the classifier looks at; built by the analyzer from both trees."""

    type: ChangeType
    operation: Operation
    name: str
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    subject: str = ""
    description: str = ""
    declared_status: DeclaredStatus = DeclaredStatus.NONE
    cves: tuple[str, ...] = ()
    bookkeeping: str | None = None  # why the analyzer already knows it is bookkeeping
    notes: tuple[str, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class Classification:
    kind: Kind
    upstreamable: bool
    evidence: tuple[str, ...]


_SIGNING = re.compile(
    r"secure ?boot|\bsb_key\b|%pesign\b|\bsbat\b|\.cer\b|\.crt\b|sig-key|signing key|"
    r"\bsigning\b|efi_vendor|\bcert(?:ificate)?s?\b",
    re.I,
)
_ARCH = re.compile(
    r"x86_64_v[234]|%\{x86_64\}|versioned[- _]x86|\bGOAMD64\b|\briscv64\b|\barch_?map\b", re.I
)
_BRANDING_NAME = re.compile(
    r"brand|logo|bug ?tracker|help[- ]message|release[- ]notes|redhat-help|vendor|\bos-release\b",
    re.I,
)
_DISTRO_SUPPORT = re.compile(
    r"support|detect|identif|definition|policy|runner|\bcpe\b|improvement|distro", re.I
)
_BACKPORT = re.compile(r"backport|upstream|cherry[- ]?pick|\bbz[-#]?\d+", re.I)
_FIX = re.compile(
    r"\bfix|bug|crash|leak|overflow|\brace\b|segfault|error|fail|correct|premature|use[- ]after",
    re.I,
)
_SECURITY = re.compile(r"\bCVE-\d{4}-\d+|\bsecurity\b|vulnerab", re.I)
_REENABLE_LINE = re.compile(
    r"%(?:define|global)\s+with_\w+\s+1|%bcond_without|%\{?with\b|\benable\b", re.I
)


def classify(features: Features, rules: ClassifierRules) -> Classification:
    """Pick the first kind whose evidence holds, in order of how sure the evidence can be."""
    kind, reasons = _kind(features, rules)
    upstreamable = kind not in NOT_UPSTREAMABLE_KINDS
    evidence = [*features.notes, *reasons]
    if upstreamable and features.declared_status is DeclaredStatus.INAPPROPRIATE:
        upstreamable = False
        evidence.append("the patch declares itself inappropriate for upstream")
    if not upstreamable and kind in NOT_UPSTREAMABLE_KINDS:
        evidence.append(f"{kind} changes stay downstream")
    return Classification(kind, upstreamable, tuple(evidence))


def _kind(f: Features, rules: ClassifierRules) -> tuple[Kind, list[str]]:
    name_and_subject = f"{f.name}\n{f.subject}"
    changed_text = "\n".join((*f.added, *f.removed))
    added_text = "\n".join(f.added)
    removed_text = "\n".join(f.removed)
    if f.bookkeeping:
        return Kind.BOOKKEEPING, [f.bookkeeping]
    if found := _ARCH.search(f"{name_and_subject}\n{changed_text}"):
        return Kind.ARCH_ENABLEMENT, [f"mentions {found.group(0)!r} (architecture enablement)"]
    if found := _SIGNING.search(f"{name_and_subject}\n{changed_text}"):
        return Kind.SIGNING, [f"mentions {found.group(0)!r} (Secure Boot / signing)"]
    if f.cves or (found := _SECURITY.search(name_and_subject)):
        what = ", ".join(f.cves) if f.cves else found.group(0)
        return Kind.SECURITY, [f"references {what}"]
    distro = _word(rules.distribution_words, name_and_subject)
    if distro and _DISTRO_SUPPORT.search(name_and_subject) and not _BRANDING_NAME.search(f.name):
        return Kind.BUGFIX, [
            f"teaches the software about {distro}: a candidate for the original project, "
            "not for the base distribution"
        ]
    if found := _BRANDING_NAME.search(name_and_subject):
        return Kind.BRANDING, [f"name mentions {found.group(0)!r}"]
    if f.type is not ChangeType.PATCH and re.search(
        rf"%\{{!?\??{re.escape(rules.guard_macro)}\}}", added_text
    ):
        return Kind.FEATURE_REENABLE, [f"adds a %{{?{rules.guard_macro}}} guard enabling something"]
    vendor_removed = _word(rules.vendor_words, removed_text)
    distro_added = _word(rules.distribution_words, added_text)
    if f.type is ChangeType.PATCH and f.operation is Operation.REMOVED:
        vendor = _word(rules.vendor_words, f.name)
        if vendor:
            return Kind.BRANDING, [f"drops a base patch named after {vendor!r}"]
    elif vendor_removed or (distro_added and not f.removed and f.type is not ChangeType.PATCH):
        what = vendor_removed or distro_added
        if not _REENABLE_LINE.search(added_text) or vendor_removed:
            return Kind.BRANDING, [f"replaces or removes vendor-specific text ({what!r})"]
    if (
        f.type is not ChangeType.PATCH
        and f.operation is not Operation.REMOVED
        and _REENABLE_LINE.search(added_text)
    ):
        return Kind.FEATURE_REENABLE, ["turns a build option on"]
    if f.declared_status in (DeclaredStatus.BACKPORT, DeclaredStatus.ACCEPTED):
        return Kind.BACKPORT, [f"the patch declares itself {f.declared_status}"]
    if found := _BACKPORT.search(name_and_subject):
        return Kind.BACKPORT, [f"name mentions {found.group(0)!r}"]
    if f.type is ChangeType.PATCH:
        if found := _FIX.search(name_and_subject):
            return Kind.BUGFIX, [f"name mentions {found.group(0)!r}"]
        if f.operation is Operation.REMOVED:
            return Kind.BUILD, ["a base patch is no longer applied downstream"]
        return Kind.BUGFIX, ["a code patch with no more specific sign"]
    return Kind.BUILD, ["a packaging change with no more specific sign"]


def _word(words: tuple[str, ...], text: str) -> str | None:
    lowered = text.lower()
    for word in words:
        if re.search(rf"(?<![a-z]){re.escape(word.lower())}", lowered):
            return word
    return None

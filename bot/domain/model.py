"""The shared vocabulary of the bot: what a change is, why it exists, and where it stands."""

from __future__ import annotations

from enum import StrEnum


class ChangeType(StrEnum):
    """What a downstream change is made of."""

    PATCH = "patch"
    SPEC_EDIT = "spec-edit"
    SOURCE = "source"


class Operation(StrEnum):
    """What the downstream did to the base."""

    ADDED = "added"
    REMOVED = "removed"
    MODIFIED = "modified"


class Kind(StrEnum):
    """Why a downstream change exists."""

    BRANDING = "branding"
    SIGNING = "signing"
    ARCH_ENABLEMENT = "arch-enablement"
    FEATURE_REENABLE = "feature-reenable"
    BACKPORT = "backport"
    SECURITY = "security"
    BUGFIX = "bugfix"
    BUILD = "build"
    BOOKKEEPING = "bookkeeping"


#: Kinds that never go upstream: the target has its own branding, keys and bookkeeping.
NOT_UPSTREAMABLE_KINDS = frozenset({Kind.BRANDING, Kind.SIGNING, Kind.BOOKKEEPING})


class DeclaredStatus(StrEnum):
    """What a patch says about its own upstream status, normalized."""

    PENDING = "pending"
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    BACKPORT = "backport"
    DENIED = "denied"
    INAPPROPRIATE = "inappropriate"
    INACTIVE_UPSTREAM = "inactive-upstream"
    UNKNOWN = "unknown"
    NONE = "none"


class Target(StrEnum):
    """Where a change can go upstream."""

    CENTOS_STREAM = "centos-stream"
    FEDORA = "fedora"
    PROJECT = "project"


class Status(StrEnum):
    """Where a (change, target) pair stands; see DESIGN.md §2 for the lifecycle."""

    PENDING = "pending"
    REMINDED = "reminded"
    SUBMITTED = "submitted"
    MERGED = "merged"
    REJECTED = "rejected"
    NOT_NEEDED = "not-needed"
    PRESENT = "present"
    SUPERSEDED = "superseded"
    SNOOZED = "snoozed"


class Severity(StrEnum):
    """How bad a health-check finding is."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

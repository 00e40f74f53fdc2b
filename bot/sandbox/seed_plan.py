"""Decides, from the seed alone, what each package of a seeded world is: modified or not, on
which branches, which downstream changes it carries, and what happened to each of them in
each target (the story the world then tells and the truth records).

Stories are dealt from shuffled decks rather than drawn independently, so even a small
world holds every kind of state, in proportions that stay the same as the world grows.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Generic, TypeVar

from bot.domain.model import Target
from bot.sandbox.gitstore import Author
from bot.sandbox.seed_fixes import Fix
from bot.sandbox.seed_patchfile import PatchFormat
from bot.sandbox.seed_source import Project
from bot.sandbox.seed_spec import SpecTraits

#: downstream branch -> (base branch, CentOS Stream branch, major version)
BRANCHES = {"a9": ("c9", "c9s", "9"), "a10s": ("c10s", "c10s", "10")}
FEDORA_BRANCH = "rawhide"
PROJECT_BRANCH = "main"
T = TypeVar("T")


class Story(StrEnum):
    """What happened to one upstreamable change in one target branch."""

    PENDING = "pending"
    PRESENT_SAME = "present-same-file"
    PRESENT_RENAMED = "present-renamed"
    OPEN_PATCH_ID = "open-by-patch-id"
    OPEN_NAME = "open-by-file-name"
    OPEN_MARKER = "open-by-marker"
    CLOSED = "closed"
    MERGED = "merged"
    PROJECT_COMMIT = "project-commit"
    PROJECT_STABLE = "project-commit-on-stable-branch"
    PROJECT_BACKPORT_REF = "project-declared-backport"
    PROJECT_PR_OPEN = "project-pr-open"
    PROJECT_PR_MARKER = "project-pr-by-marker"
    PROJECT_PR_CLOSED = "project-pr-closed"
    PROJECT_DECLARED_MERGED = "project-declared-submitted-merged"
    PROJECT_DECLARED_UNKNOWN = "project-declared-submitted-unknown"
    HUNK_PRESENT = "spec-hunk-present"


class Profile(StrEnum):
    """What kind of downstream changes a modified package carries."""

    DEBRAND = "debrand"
    SIGNING = "signing"
    UNPATCH = "unpatch"
    FIXES = "fixes"
    ARCH = "arch"
    FEATURE = "feature"
    BUILD = "build"
    INAPPROPRIATE = "inappropriate"


class EditKind(StrEnum):
    """A downstream change made by editing the spec or adding a source, not by a patch."""

    VENDOR_SENTENCE = "vendor-sentence"
    BUG_URL = "bug-url"
    SB_KEY = "sb-key"
    CERT = "certificate"
    UNPATCH = "drop-base-patch"
    FEATURE = "feature"
    BUILD = "build-requires"
    ARCH_SPEC = "exclusive-arch"


UPSTREAMABLE_EDITS = frozenset({EditKind.FEATURE, EditKind.BUILD, EditKind.ARCH_SPEC})

MODIFIED_DECK = (True, False, False)
PROFILE_DECK = (*[Profile.FIXES] * 4, Profile.DEBRAND, Profile.DEBRAND, *Profile)
DISTGIT_DECK = (
    *[Story.PENDING] * 3,
    Story.PRESENT_SAME,
    Story.PRESENT_RENAMED,
    Story.OPEN_PATCH_ID,
    Story.OPEN_NAME,
    Story.OPEN_MARKER,
    Story.CLOSED,
    Story.MERGED,
)
PROJECT_DECK = (
    *[Story.PENDING] * 2,
    Story.PROJECT_COMMIT,
    Story.PROJECT_STABLE,
    Story.PROJECT_BACKPORT_REF,
    Story.PROJECT_PR_OPEN,
    Story.PROJECT_PR_MARKER,
    Story.PROJECT_PR_CLOSED,
    Story.PROJECT_DECLARED_MERGED,
    Story.PROJECT_DECLARED_UNKNOWN,
)
EDIT_DECK = (Story.PENDING, Story.HUNK_PRESENT)
#: stories whose evidence is in the patch's own header, so the patch must have one
HEADER_STORIES = frozenset(
    {Story.PROJECT_BACKPORT_REF, Story.PROJECT_DECLARED_MERGED, Story.PROJECT_DECLARED_UNKNOWN}
)


class Deck(Generic[T]):
    """Cards dealt in a shuffled order, reshuffled when they run out."""

    def __init__(self, cards: Sequence[T], rng: random.Random) -> None:
        self._cards = list(cards)
        self._rng = rng
        self._hand: list[T] = []

    def deal(self) -> T:
        if not self._hand:
            self._hand = list(self._cards)
            self._rng.shuffle(self._hand)
        return self._hand.pop()


@dataclass(slots=True)
class Dealer:
    """The world-wide decks; one per seed, consulted package after package in order."""

    modified: Deck[bool]
    profiles: Deck[Profile]
    stories: dict[Target, Deck[Story]]
    edits: Deck[Story]

    @classmethod
    def from_seed(cls, seed: int) -> Dealer:
        def rng(what: str) -> random.Random:
            return seeded_random(seed, "deck", what)

        return cls(
            Deck(MODIFIED_DECK, rng("modified")),
            Deck(PROFILE_DECK, rng("profiles")),
            {
                Target.CENTOS_STREAM: Deck(DISTGIT_DECK, rng("centos-stream")),
                Target.FEDORA: Deck(DISTGIT_DECK, rng("fedora")),
                Target.PROJECT: Deck(PROJECT_DECK, rng("project")),
            },
            Deck(EDIT_DECK, rng("edits")),
        )


TargetKey = tuple[Target, str]


@dataclass(frozen=True, slots=True)
class FixPlan:
    fix: Fix
    format: PatchFormat
    since: datetime
    branches: tuple[str, ...]
    stories: Mapping[TargetKey, Story]


@dataclass(frozen=True, slots=True)
class EditPlan:
    kind: EditKind
    since: datetime
    branches: tuple[str, ...]
    stories: Mapping[TargetKey, Story]
    changelog: str
    #: the feature switched on, or the build requirement added
    detail: str = ""


Item = FixPlan | EditPlan


@dataclass(frozen=True, slots=True)
class Versions:
    """Versions and releases of each copy of the package, and when each was imported."""

    el9: str
    el9_release: int
    el9_imported: tuple[datetime, datetime]
    el10: str
    el10_release: int
    el10_imported: tuple[datetime, datetime]
    fedora: str
    #: the project's release dates, oldest first: (version, date)
    releases: tuple[tuple[str, datetime], ...]


@dataclass(frozen=True, slots=True)
class PackagePlan:
    name: str
    seed: int
    traits: SpecTraits
    project: Project
    has_project: bool
    versions: Versions
    base_patches: tuple[str, ...]
    redhat_patch: str | None
    owner: Author
    maintainer: Author
    upstream_author: Author
    fedora_autorelease: bool
    profile: Profile | None
    branches: tuple[str, ...]
    items: tuple[Item, ...] = field(default=())

    @property
    def modified(self) -> bool:
        return bool(self.items)

    def items_on(self, branch: str) -> list[Item]:
        return sorted((i for i in self.items if branch in i.branches), key=lambda i: i.since)

    def rng(self, purpose: str) -> random.Random:
        return seeded_random(self.seed, self.name, purpose)


def seeded_random(*parts: object) -> random.Random:
    """A generator that depends only on `parts`: str seeds hash the same in every process."""
    return random.Random("/".join(map(str, parts)))  # noqa: S311 - a reproducible world

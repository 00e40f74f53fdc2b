"""Plans one package of a seeded world from its name, the seed and the world's decks."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import datetime, timedelta

from bot.domain.model import Target
from bot.sandbox.seed_fixes import CODE_FIXES, FixKind, make_fix
from bot.sandbox.seed_names import (
    ALMA_PEOPLE,
    BASE_PEOPLE,
    FEATURES,
    LIBS,
    LICENSES,
    NOUNS,
    SUMMARY_FORMS,
    UPSTREAM_PEOPLE,
    VERBS,
)
from bot.sandbox.seed_patchfile import PatchFormat
from bot.sandbox.seed_plan import (
    BRANCHES,
    FEDORA_BRANCH,
    HEADER_STORIES,
    PROJECT_BRANCH,
    UPSTREAMABLE_EDITS,
    Dealer,
    EditKind,
    EditPlan,
    FixPlan,
    Item,
    PackagePlan,
    Profile,
    Story,
    TargetKey,
    Versions,
    seeded_random,
)
from bot.sandbox.seed_source import make_project
from bot.sandbox.seed_spec import SpecTraits

BUILD_TOOLS = ("bison", "flex", "gettext-devel", "autoconf", "help2man")
#: the profiles whose changes include a fix for the original project
_FIX_PROFILES = frozenset({Profile.FIXES, Profile.ARCH, Profile.INAPPROPRIATE})
_CHANGELOG = {
    EditKind.VENDOR_SENTENCE: "Debrand for AlmaLinux",
    EditKind.BUG_URL: "Use the AlmaLinux bug tracker",
    EditKind.SB_KEY: "Use the AlmaLinux Secure Boot key",
    EditKind.CERT: "Add the AlmaLinux Secure Boot CA certificate",
    EditKind.UNPATCH: "Unpatch Red Hat defaults",
    EditKind.FEATURE: "Enable {} support",
    EditKind.BUILD: "Add {} to BuildRequires",
    EditKind.ARCH_SPEC: "Add riscv64 to ExclusiveArch",
}


def plan_package(name: str, *, seed: int, dealer: Dealer, now: datetime) -> PackagePlan:
    rng = seeded_random(seed, name, "plan")
    project = make_project(name, seeded_random(seed, name, "source"))
    modified = dealer.modified.deal()
    profile = dealer.profiles.deal() if modified else None
    edits, fixes = _changes(profile, rng)
    tool = rng.choice(BUILD_TOOLS)
    traits = SpecTraits(
        name=name,
        summary=rng.choice(SUMMARY_FORMS).format(verb=rng.choice(VERBS), noun=rng.choice(NOUNS)),
        license=rng.choice(LICENSES),
        url=f"https://github.com/upstream/{name}",
        libs=tuple(sorted(rng.sample(LIBS, rng.randrange(0, 3)))),
        feature=rng.choice(FEATURES) if EditKind.FEATURE in edits or rng.random() < 0.3 else None,
        exclusive_arch=EditKind.ARCH_SPEC in edits or rng.random() < 0.3,
        sb_key=EditKind.SB_KEY in edits or rng.random() < 0.1,
        bug_url=EditKind.BUG_URL in edits or rng.random() < 0.2,
        vendor_sentence=EditKind.VENDOR_SENTENCE in edits or rng.random() < 0.25,
        autosetup=rng.random() < 0.6,
    )
    versions = _versions(rng, now)
    base_patches = [f"{name}-{versions.el9}-log-level.patch"]
    if rng.random() < 0.5:
        base_patches.append(f"{name}-{versions.el9}-limits.patch")
    redhat_patch = None
    if EditKind.UNPATCH in edits or rng.random() < 0.3:
        redhat_patch = f"{name}-redhat-defaults.patch"
        base_patches.append(redhat_patch)
    has_project = profile in _FIX_PROFILES or bool(fixes) or rng.random() < 0.35
    branches = _branches(rng) if modified else ()
    plan = PackagePlan(
        name=name,
        seed=seed,
        traits=traits,
        project=project,
        has_project=has_project,
        versions=versions,
        base_patches=tuple(base_patches),
        redhat_patch=redhat_patch,
        owner=rng.choice(ALMA_PEOPLE),
        maintainer=rng.choice(BASE_PEOPLE),
        upstream_author=rng.choice(UPSTREAM_PEOPLE),
        fedora_autorelease=rng.random() < 0.6,
        profile=profile,
        branches=branches,
    )
    items: list[Item] = []
    used: set[str] = set()
    for kind in fixes:
        fix = make_fix(kind, project, rng, used=used)
        spread = _spread(branches, rng)
        stories = _stories(plan, spread, dealer, upstreamable=fix.upstreamable, edit=False)
        fmt = rng.choices(list(PatchFormat), weights=(5, 2, 3))[0]
        if set(stories.values()) & HEADER_STORIES and fmt is PatchFormat.BARE:
            fmt = PatchFormat.FORMAT_PATCH
        if not fix.upstreamable:
            fmt = PatchFormat.FORMAT_PATCH
        items.append(FixPlan(fix, fmt, _since(rng, now), spread, stories))
    for kind in edits:
        spread = _spread(branches, rng)
        upstreamable = kind in UPSTREAMABLE_EDITS
        stories = _stories(plan, spread, dealer, upstreamable=upstreamable, edit=True)
        detail = traits.feature if kind is EditKind.FEATURE else tool
        text = _CHANGELOG[kind].format(detail)
        items.append(EditPlan(kind, _since(rng, now), spread, stories, text, detail or ""))
    return _with_items(plan, tuple(items))


def _changes(profile: Profile | None, rng: random.Random) -> tuple[list[EditKind], list[FixKind]]:
    """The edits and fixes a profile calls for, in the order the config lists them."""
    code = [k for k in CODE_FIXES if k is not FixKind.BACKPORT or rng.random() < 0.5]
    match profile:
        case None:
            return [], []
        case Profile.DEBRAND:
            extra = [EditKind.BUG_URL] if rng.random() < 0.5 else []
            return [EditKind.VENDOR_SENTENCE, *extra], []
        case Profile.SIGNING:
            extra = [EditKind.SB_KEY] if rng.random() < 0.5 else []
            return [EditKind.CERT, *extra], []
        case Profile.UNPATCH:
            extra = [EditKind.VENDOR_SENTENCE] if rng.random() < 0.5 else []
            return [EditKind.UNPATCH, *extra], []
        case Profile.FIXES:
            fixes = rng.sample([*code, FixKind.DISTRO], rng.randrange(1, 4))
            extra = [EditKind.VENDOR_SENTENCE] if rng.random() < 0.3 else []
            return extra, fixes
        case Profile.ARCH:
            extra = [EditKind.ARCH_SPEC] if rng.random() < 0.5 else []
            return extra, [FixKind.ARCH]
        case Profile.FEATURE:
            return [EditKind.FEATURE], rng.sample(code, rng.randrange(0, 2))
        case Profile.BUILD:
            return [EditKind.BUILD], rng.sample(code, rng.randrange(0, 2))
        case _:
            return [], [FixKind.INAPPROPRIATE, rng.choice(code)]


def _stories(
    plan: PackagePlan,
    branches: tuple[str, ...],
    dealer: Dealer,
    *,
    upstreamable: bool,
    edit: bool,
) -> dict[TargetKey, Story]:
    if not upstreamable:
        return {}
    keys: list[TargetKey] = [(Target.CENTOS_STREAM, BRANCHES[b][1]) for b in branches]
    keys.append((Target.FEDORA, FEDORA_BRANCH))
    if plan.has_project and not edit:
        keys.append((Target.PROJECT, PROJECT_BRANCH))
    if edit:
        return {key: dealer.edits.deal() for key in keys}
    return {key: dealer.stories[key[0]].deal() for key in keys}


def _branches(rng: random.Random) -> tuple[str, ...]:
    roll = rng.random()
    return ("a9", "a10s") if roll < 0.5 else ("a9",) if roll < 0.75 else ("a10s",)


def _spread(branches: tuple[str, ...], rng: random.Random) -> tuple[str, ...]:
    """Most changes are carried on every modified branch, a few on one only."""
    if len(branches) > 1 and rng.random() < 0.2:
        return (rng.choice(branches),)
    return branches


def _since(rng: random.Random, now: datetime) -> datetime:
    """From two months to two years before `now`, to the second."""
    return now - timedelta(seconds=rng.randrange(60 * 86400, 730 * 86400))


def _versions(rng: random.Random, now: datetime) -> Versions:
    major, minor, patch = rng.randrange(0, 6), rng.randrange(0, 20), rng.randrange(0, 10)
    el9 = f"{major}.{minor}.{patch}"
    el10 = f"{major}.{minor + rng.randrange(1, 4)}.0"
    fedora = f"{major}.{minor + rng.randrange(4, 6)}.{rng.randrange(0, 3)}"

    def days(low: int, high: int) -> timedelta:
        return timedelta(seconds=rng.randrange(low * 86400, high * 86400))

    el9_new = now - days(20, 300)
    el10_new = now - days(5, 200)
    releases = (
        (el9, now - days(1600, 1900)),
        (el10, now - days(1000, 1200)),
        (fedora, now - days(800, 950)),
    )
    return Versions(
        el9=el9,
        el9_release=rng.randrange(3, 12),
        el9_imported=(el9_new - days(60, 300), el9_new),
        el10=el10,
        el10_release=rng.randrange(3, 8),
        el10_imported=(el10_new - days(30, 120), el10_new),
        fedora=fedora,
        releases=releases,
    )


def _with_items(plan: PackagePlan, items: tuple[Item, ...]) -> PackagePlan:
    return replace(plan, items=items)

"""Finds declared patches the downstream no longer applies, or never applies at all."""

from __future__ import annotations

from collections.abc import Iterator

from bot.domain.health.applied import active_patches, applied_patches
from bot.domain.health.lines import tree_path
from bot.domain.health.model import Finding, HealthInput
from bot.domain.model import Severity
from bot.domain.spec_model import Tag

PATCH_UNAPPLIED = "patch-unapplied"
PATCH_UNUSED = "patch-unused"


def check_patch_unapplied(given: HealthInput) -> Iterator[Finding]:
    """Declared downstream and applied by the base, but no longer applied downstream."""
    macros = given.rules.macros
    base = applied_patches(given.base, macros)
    downstream = applied_patches(given.downstream, macros)
    for tag in downstream.declared:
        if tag.filename in downstream.how or tag.filename not in base.how:
            continue
        yield Finding(
            check=PATCH_UNAPPLIED,
            severity=Severity.ERROR,
            message=(
                f"{_label(tag)} ({tag.filename}) is declared but no longer applied; "
                f"the base applies it with `{base.how[tag.filename]}`"
            ),
            file=tree_path(given.downstream, tag.file),
            line=tag.line,
            hint=(
                f"apply it again (`%patch -P {tag.number} -p1`, or keep the base's "
                "`%autosetup`/`%autopatch`), or delete the Patch line if dropping it is intended"
            ),
            subject=tag.filename,
        )


def check_patch_unused(given: HealthInput) -> Iterator[Finding]:
    """A patch the downstream adds that nothing applies."""
    macros = given.rules.macros
    in_base = {tag.filename for tag in active_patches(given.base, macros)}
    downstream = applied_patches(given.downstream, macros)
    for tag in downstream.declared:
        if tag.filename in in_base or tag.filename in downstream.how:
            continue
        yield Finding(
            check=PATCH_UNUSED,
            severity=Severity.WARNING,
            message=(
                f"{_label(tag)} ({tag.filename}) is added by the downstream but nothing applies it"
            ),
            file=tree_path(given.downstream, tag.file),
            line=tag.line,
            hint=(
                f"apply it in %prep (`%patch -P {tag.number} -p1`), "
                "or check that the number in the %patch line matches the Patch tag"
            ),
            subject=tag.filename,
        )


def _label(tag: Tag) -> str:
    return f"Patch{tag.number}"

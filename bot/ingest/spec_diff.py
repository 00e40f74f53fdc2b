"""Splits the difference between two versions of a text into hunks of nearby edits."""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass

#: Edits at most this many unchanged lines apart belong to one hunk.
MERGE_GAP = 2


@dataclass(frozen=True, slots=True)
class Edit:
    """Lines removed from the old text and lines added in the new one, with 1-based starts."""

    old_start: int
    removed: tuple[str, ...]
    new_start: int
    added: tuple[str, ...]

    def unified(self) -> str:
        header = f"@@ -{self.old_start},{len(self.removed)} +{self.new_start},{len(self.added)} @@"
        return "\n".join((header, *(f"-{x}" for x in self.removed), *(f"+{x}" for x in self.added)))


def edits(
    old: list[str],
    new: list[str],
    *,
    merge_gap: int = MERGE_GAP,
    barrier: Callable[[str], bool] | None = None,
) -> list[Edit]:
    """The edits turning `old` into `new`, with close edits merged into one.

    Edits are never merged across an unchanged line for which `barrier` is true (a spec
    section header, say), so an edit in one section never swallows one in the next.
    """
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    groups: list[list[tuple[int, int, int, int]]] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        if groups:
            last = groups[-1][-1]
            between = old[last[1] : i1]
            blocked = barrier is not None and any(barrier(line) for line in between)
            if i1 - last[1] <= merge_gap and j1 - last[3] <= merge_gap and not blocked:
                groups[-1].append((i1, i2, j1, j2))
                continue
        groups.append([(i1, i2, j1, j2)])
    result = []
    for group in groups:
        i1, j1 = group[0][0], group[0][2]
        # The unchanged lines between merged edits are context, not part of the change.
        removed = tuple(line for a, b, _, _ in group for line in old[a:b])
        added = tuple(line for _, _, c, d in group for line in new[c:d])
        result.append(Edit(i1 + 1, removed, j1 + 1, added))
    return result

from __future__ import annotations

from bot.domain.change import change_id, normalize_lines, scoped_id
from bot.domain.model import ChangeType, Operation


def test_change_id_depends_on_every_part_and_their_boundaries() -> None:
    base = change_id(ChangeType.PATCH, Operation.ADDED, "ab", "c")
    assert base == change_id(ChangeType.PATCH, Operation.ADDED, "ab", "c")
    assert base != change_id(ChangeType.PATCH, Operation.ADDED, "a", "bc")
    assert base != change_id(ChangeType.PATCH, Operation.REMOVED, "ab", "c")
    assert base != change_id(ChangeType.SOURCE, Operation.ADDED, "ab", "c")
    assert len(base) == 16


def test_scoped_ids_differ_per_package_and_branch() -> None:
    ids = {scoped_id(p, b, "0123456789abcdef") for p in ("dnf", "libdnf") for b in ("a9", "a10s")}
    assert len(ids) == 4


def test_normalize_lines_ignores_whitespace_and_blank_lines() -> None:
    assert normalize_lines(["  %if 0%{?rhel}", "", "Requires:\tfoo "]) == normalize_lines(
        ["%if 0%{?rhel}", "Requires: foo"]
    )

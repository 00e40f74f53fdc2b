from __future__ import annotations

import pytest

from bot.domain.spec_conditions import Condition, branch_truth, directive_of, evaluate

ALMA = {"almalinux": "9", "rhel": "9"}


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        pytest.param("0%{?almalinux}", True, id="defined"),
        pytest.param("0%{?fedora}", False, id="undefined"),
        pytest.param("0%{!?almalinux}", False, id="negated-exists-is-always-empty"),
        pytest.param("0%{!?fedora}", False, id="negated-exists-undefined-still-empty"),
        pytest.param("%{!?fedora:1}%{?fedora:0}", True, id="negated-with-body"),
        pytest.param("0%{?rhel} >= 9", True, id="comparison"),
        pytest.param("0%{?rhel} < 9", False, id="comparison-false"),
        pytest.param("! 0%{?almalinux}", False, id="not"),
        pytest.param("0%{?fedora} || 0%{?almalinux}", True, id="or"),
        pytest.param("0%{?fedora} && 0%{?almalinux}", False, id="and"),
        pytest.param("%{with bodhi}", None, id="unknown-macro"),
        pytest.param("0%{?fedora} || %{with x}", None, id="or-unknown"),
        pytest.param("0%{?fedora} && %{with x}", False, id="and-short-circuit"),
        pytest.param("", None, id="empty"),
    ],
)
def test_evaluate(expression: str, expected: bool | None) -> None:
    assert evaluate(expression, ALMA) is expected


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("%if 0%{?rhel}", ("%if", "0%{?rhel}")),
        ("%endif # with python3", ("%endif", "")),
        ("  %ifarch x86_64", ("%ifarch", "x86_64")),
        ("%else", ("%else", "")),
        ("%iffy", None),
        ("Requires: foo", None),
    ],
)
def test_directive_of(line: str, expected: tuple[str, str] | None) -> None:
    assert directive_of(line) == expected


def test_else_branch_of_a_true_condition_is_inactive() -> None:
    conditions = (Condition("%if", "0%{?almalinux}", 3, negated=True),)
    assert branch_truth(conditions, ALMA) is False


def test_arch_conditions_stay_unknown() -> None:
    conditions = (Condition("%ifarch", "x86_64", 3, negated=False),)
    assert branch_truth(conditions, ALMA) is None

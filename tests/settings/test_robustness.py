"""Whatever the TOML holds, parse_settings returns Settings or raises SettingsError, no other."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.settings import Settings, SettingsError, parse_settings

from .conftest import ENV, edited

SECTIONS = ["distribution", "database", "forges", "targets", "branches", "scan", "policy",
            "digest", "web"]
KEYS = st.sampled_from(
    [*SECTIONS, "type", "role", "url", "token", "fedora", "downstream"]
) | st.text(max_size=8)
LEAVES = (
    st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats(allow_nan=False)
    | st.text(max_size=12)
    | st.sampled_from(["gitea", "target", "30d", "https://x.example.org", "/api/v1", "{change}"])
    | st.times()
    | st.dates()
)
VALUES = st.recursive(
    LEAVES,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(KEYS, inner, max_size=4),
    max_leaves=20,
)


def _parse(data: dict[str, Any]) -> Settings | SettingsError:
    try:
        return parse_settings(data, source="fuzz.toml", environ=ENV)
    except SettingsError as error:
        assert error.problems
        assert all(p.source == "fuzz.toml" and p.message and p.fix for p in error.problems)
        return error


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(KEYS, VALUES, max_size=6))
def test_random_documents_never_crash(data):
    assert isinstance(_parse(data), SettingsError | Settings)


def _paths(node: Any, prefix: str = "") -> list[str]:
    found = []
    if isinstance(node, dict):
        items: Any = node.items()
    else:
        items = enumerate(node) if isinstance(node, list) else ()
    for key, value in items:
        path = f"{prefix}[{key}]" if isinstance(key, int) else f"{prefix}.{key}" if prefix else key
        found.append(path)
        found.extend(_paths(value, path))
    return found


PATHS = _paths(edited({}))


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(PATHS), VALUES), min_size=1, max_size=3))
def test_a_valid_document_with_random_values_never_crashes(changes):
    try:
        data = edited(dict(changes))
    except (KeyError, IndexError, TypeError, AttributeError):
        return  # an earlier change removed or replaced the parent of a later one
    assert isinstance(_parse(data), SettingsError | Settings)


def test_keys_that_are_not_text_are_a_problem_not_a_crash():
    data = edited({})
    data["forges"] = {1: {"type": "gitea"}}
    result = _parse(data)
    assert isinstance(result, SettingsError)
    assert [(p.key, p.message) for p in result.problems] == [
        ("forges", "has a key 1 that is not text")
    ]

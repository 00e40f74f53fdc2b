"""[[health.suppress]]: each entry silences one check for one package, with a required reason."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.domain.health import CHECK_IDS, Suppression
from bot.settings import Problem, SettingsError, load_settings, parse_settings

from .conftest import DATA, ENV, edited

SOURCE = "test.toml"
GOOD = {"package": "grub2", "check": "patch-unapplied", "reason": "replaced by 1001-x.patch"}


def _problems(health: Any) -> list[Problem]:
    with pytest.raises(SettingsError) as caught:
        parse_settings(edited({"health": health}), source=SOURCE, environ=ENV)
    return list(caught.value.problems)


def test_no_health_section_means_no_suppressions(valid_data):
    assert parse_settings(valid_data, source=SOURCE, environ=ENV).health.suppressions == ()


def test_suppressions_parse_into_domain_values():
    entries = [GOOD, {**GOOD, "package": "shim", "check": "sbat-malformed", "branch": "a9"}]
    settings = parse_settings(edited({"health": {"suppress": entries}}), source=SOURCE,
                              environ=ENV)
    assert settings.health.suppressions == (
        Suppression("grub2", "patch-unapplied", "replaced by 1001-x.patch"),
        Suppression("shim", "sbat-malformed", "replaced by 1001-x.patch", branch="a9"),
    )


def _without(key: str) -> dict[str, str]:
    return {k: v for k, v in GOOD.items() if k != key}


MISTAKES = [
    pytest.param({"suppress": [_without("reason")]}, "health.suppress[0].reason",
                 "is missing", "add reason =", id="reason-required"),
    pytest.param({"suppress": [{**GOOD, "reason": ""}]}, "health.suppress[0].reason",
                 "is empty", "write a value", id="reason-empty"),
    pytest.param({"suppress": [{**GOOD, "check": "patch-unaplied"}]}, "health.suppress[0].check",
                 'unknown check "patch-unaplied"', 'did you mean "patch-unapplied"?',
                 id="check-typo"),
    pytest.param({"suppress": [{**GOOD, "check": "everything"}]}, "health.suppress[0].check",
                 'unknown check "everything"', "use one of patch-unapplied,", id="check-unknown"),
    pytest.param({"suppress": [GOOD, {**GOOD, "package": "grub 2"}]},
                 "health.suppress[1].package", '"grub 2" is not an RPM package name',
                 '"grub2"', id="package-name"),
    pytest.param({"suppress": [{**GOOD, "branch": "a 9"}]}, "health.suppress[0].branch",
                 "is not a branch name", '"a9"', id="branch-name"),
    pytest.param({"suppress": [{**GOOD, "resaon": "x"}]}, "health.suppress[0].resaon",
                 'unknown key "resaon"', 'did you mean "reason"?', id="unknown-key"),
    pytest.param({"suppress": GOOD}, "health.suppress", "expected an array of tables",
                 "[[health.suppress]]", id="table-not-array"),
    pytest.param({"supress": [GOOD]}, "health.supress", 'unknown key "supress"',
                 'did you mean "suppress"?', id="section-key-typo"),
    pytest.param("off", "health", "expected a table", "[health]", id="not-a-table"),
]


@pytest.mark.parametrize(("health", "key", "message", "fix"), MISTAKES)
def test_each_mistake_names_key_message_and_fix(health, key, message, fix):
    found = _problems(health)
    assert [p.key for p in found] == [key], found
    assert message in found[0].message
    assert fix in found[0].fix


def test_every_check_id_is_accepted():
    entries = [{**GOOD, "check": check} for check in CHECK_IDS]
    settings = parse_settings(edited({"health": {"suppress": entries}}), source=SOURCE,
                              environ=ENV)
    assert [s.check for s in settings.health.suppressions] == list(CHECK_IDS)


def test_problems_in_a_file_point_at_their_line(tmp_path: Path):
    text = (DATA / "valid.toml").read_text(encoding="utf-8") + (
        '\n[[health.suppress]]\npackage = "grub2"\ncheck = "patch-unapplied"\n'
        'reason = "ok"\n\n[[health.suppress]]\npackage = "shim"\ncheck = "sbat-malfomed"\n'
    )
    path = tmp_path / "bot.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SettingsError) as caught:
        load_settings(path, environ=ENV)
    lines = text.splitlines()
    located = {p.key: p.line for p in caught.value.problems}
    assert lines[located["health.suppress[1].check"] - 1] == 'check = "sbat-malfomed"'
    assert lines[located["health.suppress[1].reason"] - 1] == "[[health.suppress]]"


def test_the_almalinux_config_shows_a_suppression_only_as_a_comment():
    text = (DATA.parents[2] / "config" / "almalinux.toml").read_text(encoding="utf-8")
    assert "# [[health.suppress]]" in text
    assert "\n[[health.suppress]]" not in text

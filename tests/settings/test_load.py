"""load_settings and resolve_config_path: the shipped files, syntax errors, lines, which file."""

from __future__ import annotations

import zoneinfo
from pathlib import Path

import pytest

from bot.domain.model import Target
from bot.settings import (
    ForgeRole,
    ForgeType,
    SettingsError,
    load_settings,
    resolve_config_path,
)

from .conftest import DATA, ENV, ROOT

ALMALINUX_ENV = {
    "UPSTREAM_BOT_GITEA_TOKEN": "gitea-5e1f",
    "UPSTREAM_BOT_GITEA_WEBHOOK_SECRET": "hook-8a0b",
    "UPSTREAM_BOT_GITLAB_TOKEN": "gitlab-2c9d",
    "UPSTREAM_BOT_PAGURE_TOKEN": "pagure-6f7e",
    "UPSTREAM_BOT_GITHUB_TOKEN": "github-3b4a",
}
MAPPINGS = {
    "a8": ("c8", {Target.FEDORA: "rawhide"}),
    "a9": ("c9", {Target.CENTOS_STREAM: "c9s", Target.FEDORA: "rawhide"}),
    "a10": ("c10", {Target.CENTOS_STREAM: "c10s", Target.FEDORA: "rawhide"}),
    "a10s": ("c10s", {Target.CENTOS_STREAM: "c10s", Target.FEDORA: "rawhide"}),
}


def _mappings(settings):
    return {
        b.downstream: (b.base, {t.target: t.branch for t in b.targets}) for b in settings.branches
    }


def test_the_almalinux_config_loads_with_its_tokens_from_the_environment():
    settings = load_settings(ROOT / "config" / "almalinux.toml", environ=ALMALINUX_ENV)
    assert settings.distribution.release_suffix == ".alma"
    assert settings.distribution.guard_macro == "almalinux"
    assert settings.policy.dry_run is True
    downstream = settings.downstream_forge
    assert (downstream.type, downstream.api_url, downstream.namespace, downstream.page_size) == (
        ForgeType.GITEA, "https://git.almalinux.org/api/v1", "rpms", 50,
    )
    assert settings.autopatch_forge.namespace == "autopatch"
    stream = settings.forge(settings.target(Target.CENTOS_STREAM).forge)
    assert (stream.type, stream.url, stream.namespace) == (
        ForgeType.GITLAB, "https://gitlab.com", "redhat/centos-stream/rpms",
    )
    fedora = settings.forge(settings.target(Target.FEDORA).forge)
    assert (fedora.type, fedora.api_url, fedora.namespace) == (
        ForgeType.PAGURE, "https://src.fedoraproject.org/api/0", "rpms",
    )
    project = settings.forge(settings.target(Target.PROJECT).forge)
    assert (project.type, project.role, project.api_url) == (
        ForgeType.GITHUB, ForgeRole.PROJECT, "https://api.github.com",
    )
    assert settings.target(Target.CENTOS_STREAM).required_reference.search("Resolves: RHEL-12345")
    assert settings.target(Target.FEDORA).required_reference is None
    assert _mappings(settings) == MAPPINGS
    assert {f.token.env for f in settings.forges if f.token} == {
        name for name in ALMALINUX_ENV if name.endswith("_TOKEN")
    }
    for secret in ALMALINUX_ENV.values():
        assert secret not in repr(settings)


def test_the_almalinux_config_names_every_missing_token_at_once():
    with pytest.raises(SettingsError) as caught:
        load_settings(ROOT / "config" / "almalinux.toml", environ={})
    unset = {p.message.split()[0] for p in caught.value.problems}
    assert unset == set(ALMALINUX_ENV)
    assert all(p.line is not None for p in caught.value.problems)


def test_the_sandbox_config_needs_no_secrets_and_stays_on_loopback():
    settings = load_settings(ROOT / "config" / "sandbox.toml", environ={})
    assert all(f.token is None and f.webhook_secret is None for f in settings.forges)
    assert {f.url for f in settings.forges} == {
        "http://127.0.0.1:3000", "http://127.0.0.1:3001",
        "http://127.0.0.1:3002", "http://127.0.0.1:3003",
    }
    ports = {f.type: f.url for f in settings.forges}
    assert len(set(ports.values())) == len(ForgeType)  # one port per forge type
    assert settings.database.url.reveal().startswith("sqlite:///")
    assert settings.digest.smtp_host == "127.0.0.1"
    assert _mappings(settings) == MAPPINGS


def test_a_toml_syntax_error_names_file_line_and_column():
    path = DATA / "broken.toml"
    with pytest.raises(SettingsError) as caught:
        load_settings(path, environ={})
    [problem] = caught.value.problems
    assert (problem.source, problem.line, problem.column) == (str(path), 3, 18)
    assert problem.message.startswith("TOML syntax error: ")
    assert "line 3, column 18" in problem.fix
    assert f"{path}:3:18: TOML syntax error" in str(caught.value)


def test_a_syntax_error_at_the_end_points_at_the_last_line(tmp_path):
    path = tmp_path / "cut.toml"
    path.write_text('[distribution]\nname = "Example', encoding="utf-8")
    with pytest.raises(SettingsError) as caught:
        load_settings(path, environ={})
    [problem] = caught.value.problems
    assert problem.line == 2


def test_several_problems_come_in_file_order_with_their_lines():
    path = DATA / "several.toml"
    with pytest.raises(SettingsError) as caught:
        load_settings(path, environ={})
    found = [(p.line, p.key) for p in caught.value.problems]
    assert found == [
        (7, "forges.downstream.type"),
        (11, "forges.downstream.token"),
        (18, "forges.fedora.timeout"),
        (26, "branches[0].targets.centos-stream"),
        (28, "polcy"),
    ]
    text = str(caught.value)
    assert text.startswith(f"{path}: 5 problems")
    assert "do-not-leak-this-value" not in text
    assert 'write token_env = "UPSTREAM_BOT_DOWNSTREAM_TOKEN"' in text


@pytest.mark.parametrize(
    ("content", "message", "fix"),
    [
        pytest.param(
            None, "cannot read the configuration file", "UPSTREAM_BOT_CONFIG", id="absent"
        ),
        pytest.param(b"name = \"caf\xe9\"\n", "not UTF-8", "save it as UTF-8", id="latin-1"),
    ],
)
def test_an_unreadable_file_is_a_settings_error(tmp_path, content, message, fix):
    path = tmp_path / "config.toml"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(SettingsError) as caught:
        load_settings(path, environ={})
    [problem] = caught.value.problems
    assert message in problem.message
    assert fix in problem.fix
    assert problem.source == str(path)


def test_a_directory_is_not_a_config_file(tmp_path):
    with pytest.raises(SettingsError) as caught:
        load_settings(tmp_path, environ={})
    assert "cannot read the configuration file" in caught.value.problems[0].message


@pytest.mark.skipif(not zoneinfo.available_timezones(), reason="this system has no tz database")
def test_load_checks_timezones_against_the_system(tmp_path):
    text = (DATA / "valid.toml").read_text(encoding="utf-8")
    path = tmp_path / "zone.toml"
    path.write_text(text.replace('"Europe/Berlin"', '"Europe/Berln"'), encoding="utf-8")
    with pytest.raises(SettingsError) as caught:
        load_settings(path, environ=ENV)
    [problem] = caught.value.problems
    assert problem.key == "digest.timezone"
    assert problem.line == text.splitlines().index('timezone = "Europe/Berlin"') + 1


@pytest.mark.parametrize(
    ("arg", "environ", "expected"),
    [
        pytest.param("mine.toml", {"UPSTREAM_BOT_CONFIG": "env.toml"}, Path("mine.toml"),
                     id="argument-wins"),
        pytest.param(None, {"UPSTREAM_BOT_CONFIG": "env.toml"}, Path("env.toml"), id="environment"),
        pytest.param(None, {}, ROOT / "config" / "sandbox.toml", id="sandbox-default"),
        pytest.param("", {"UPSTREAM_BOT_CONFIG": ""}, ROOT / "config" / "sandbox.toml",
                     id="empty-means-unset"),
    ],
)
def test_resolve_config_path(arg, environ, expected):
    assert resolve_config_path(arg, environ) == expected


def test_the_default_config_path_exists():
    assert resolve_config_path(None, {}).is_file()

"""parse_settings: every kind of mistake is reported with its key, what is wrong and the fix."""

from __future__ import annotations

import re
from typing import Any

import pytest

from bot.domain.model import Target
from bot.settings import (
    ForgeRole,
    ForgeType,
    Problem,
    SettingsError,
    SmtpTls,
    Weekday,
    parse_settings,
)

from .conftest import DELETE, ENV, edited

SOURCE = "test.toml"


def problems(
    edits: dict[str, Any], *, environ: dict[str, str] = ENV, **options: Any
) -> list[Problem]:
    with pytest.raises(SettingsError) as caught:
        parse_settings(edited(edits), source=SOURCE, environ=environ, **options)
    return list(caught.value.problems)


def test_the_example_parses_into_typed_values(valid_data):
    settings = parse_settings(valid_data, source=SOURCE, environ=ENV)
    downstream = settings.downstream_forge
    assert downstream.name == "downstream"
    assert downstream.type is ForgeType.GITEA
    assert downstream.url == "https://git.example.org"  # trailing slash dropped
    assert downstream.api_url == "https://git.example.org/api/v1"
    assert downstream.username == "example-bot"
    assert settings.forge("github").api_url == "https://api.github.com"
    assert settings.forge("centos-stream").timeout.total_seconds() == 45
    assert settings.forge("fedora").page_size == 100
    assert settings.forge("fedora").token is None
    assert settings.autopatch_forge is None
    assert settings.branch("e9").branch_for(Target.CENTOS_STREAM) == "c9s"
    assert settings.branch("e9").branch_for(Target.PROJECT) is None
    assert settings.target(Target.FEDORA).submit_branch == "bot/{package}/{change}"
    assert settings.target(Target.PROJECT).submit_branch == "upstream-bot/{change}"
    assert settings.target(Target.CENTOS_STREAM).required_reference.search("Resolves: RHEL-42")
    assert settings.policy.dry_run is True
    assert settings.policy.grace_period.days == 7
    assert settings.policy.auto_submit == (Target.FEDORA,)
    assert not settings.scan.wants("kernel")
    assert settings.scan.wants("grub2")
    assert settings.digest.weekday is Weekday.FRIDAY
    assert settings.digest.weekday.number == 4
    assert settings.digest.time.isoformat() == "17:30:00"
    assert settings.digest.smtp_tls is SmtpTls.TLS
    assert settings.digest.smtp_port == 465
    assert settings.web.public_url == "https://bot.example.org"
    assert settings.database.url.reveal() == "sqlite:////srv/bot/var/bot.sqlite3"


def test_the_example_reads_its_secrets_from_the_given_environment(valid_data):
    settings = parse_settings(valid_data, source=SOURCE, environ=ENV)
    assert settings.forge("downstream").token.reveal() == ENV["EXAMPLE_GITEA_TOKEN"]
    assert settings.forge("downstream").token.env == "EXAMPLE_GITEA_TOKEN"
    assert settings.forge("downstream").webhook_secret.reveal() == ENV["EXAMPLE_WEBHOOK_SECRET"]
    assert settings.digest.smtp_password.reveal() == ENV["EXAMPLE_SMTP_PASSWORD"]


def test_secrets_never_show_in_repr_or_str(valid_data):
    settings = parse_settings(valid_data, source=SOURCE, environ=ENV)
    for text in (repr(settings), str(settings), repr(settings.forges), str(settings.digest)):
        for secret in ENV.values():
            assert secret not in text
    assert "$EXAMPLE_GITEA_TOKEN" in repr(settings)


def test_parsing_ignores_the_process_environment(valid_data, monkeypatch):
    monkeypatch.setenv("EXAMPLE_GITLAB_TOKEN", "from-the-process")
    environ = {k: v for k, v in ENV.items() if k != "EXAMPLE_GITLAB_TOKEN"}
    with pytest.raises(SettingsError) as caught:
        parse_settings(valid_data, source=SOURCE, environ=environ)
    assert [p.key for p in caught.value.problems] == ["forges.centos-stream.token_env"]


def test_settings_are_frozen(valid_data):
    settings = parse_settings(valid_data, source=SOURCE, environ=ENV)
    with pytest.raises(AttributeError):
        settings.policy.dry_run = False  # type: ignore[misc]
    with pytest.raises(AttributeError):
        settings.forge("downstream").token._value = "x"  # type: ignore[union-attr]


MISTAKES = [
    # wrong types
    pytest.param({"forges.centos-stream.type": "gitlb"}, "forges.centos-stream.type",
                 "expected one of gitea, gitlab, pagure, github", 'did you mean "gitlab"?',
                 id="enum-typo"),
    pytest.param({"forges.fedora.role": 3}, "forges.fedora.role",
                 "expected one of downstream, autopatch, target, project, got the integer 3",
                 "in quotes", id="enum-not-a-string"),
    pytest.param({"forges.downstream.concurrency": "4"}, "forges.downstream.concurrency",
                 'expected an integer, got the string "4"', "without quotes", id="int-as-string"),
    pytest.param({"forges.downstream.concurrency": True}, "forges.downstream.concurrency",
                 "expected an integer, got the boolean true", "whole number", id="bool-as-int"),
    pytest.param({"policy.dry_run": "no"}, "policy.dry_run", "expected true or false",
                 "without quotes", id="bool-as-string"),
    pytest.param({"scan.exclude": "kernel"}, "scan.exclude", "expected a list", "write a list",
                 id="string-as-list"),
    pytest.param({"scan.exclude": ["kernel", 7]}, "scan.exclude",
                 "item 2: expected a string, got the integer 7", "in quotes", id="list-item-type"),
    pytest.param({"web": "localhost"}, "web", "expected a table", "[web]", id="string-as-table"),
    pytest.param({"distribution.name": ""}, "distribution.name", "is empty", "write a value",
                 id="empty-string"),
    pytest.param({"digest.time": "8am"}, "digest.time", '"8am" is not a time of day', '"08:00"',
                 id="time-of-day"),
    pytest.param({"digest.project_list": "devel at example.org"}, "digest.project_list",
                 "is not an email address", "upstream-bot@example.org", id="email"),
    # ranges and shapes
    pytest.param({"forges.downstream.page_size": 100}, "forges.downstream.page_size",
                 "100 is out of range", "from 1 to 50", id="gitea-page-cap"),
    pytest.param({"web.port": 70000}, "web.port", "out of range", "from 1 to 65535", id="port"),
    pytest.param({"distribution.release_suffix": "alma"}, "distribution.release_suffix",
                 '"alma" is not a dot followed by letters or digits', '".alma"', id="suffix"),
    pytest.param({"distribution.marker_prefix": "bot--x"}, "distribution.marker_prefix",
                 "is not lower-case words joined by -", '"upstream-bot"', id="marker"),
    pytest.param({"forges.fedora.url": "ftp://src.example.org"}, "forges.fedora.url",
                 "is not an http(s) URL", "https://", id="url-scheme"),
    pytest.param({"forges.github.api_url": "api.github.com"}, "forges.github.api_url",
                 "is not an http(s) URL", "/api/v1", id="api-url"),
    pytest.param({"forges.downstream.namespace": "rpms/extra"}, "forges.downstream.namespace",
                 "nested, which only GitLab supports", "single gitea org", id="nested-namespace"),
    pytest.param({"forges.github.namespace": "someorg"}, "forges.github.namespace",
                 "serves projects of many owners", "remove namespace", id="project-namespace"),
    pytest.param({"forges.Mirror": {"type": "pagure", "role": "target",
                                    "url": "https://m.example.org", "namespace": "rpms"}},
                 "forges.Mirror", "is not a forge name", "lower-case words", id="forge-name"),
    pytest.param({"forges.fedora.api_url": "/api 0"}, "forges.fedora.api_url",
                 '"/api 0" is not a URL path', '"/api/v1"', id="api-path"),
    pytest.param({"database.url": "mysql://db/bot"}, "database.url",
                 "is not a SQLite or PostgreSQL URL", "sqlite:///", id="database-scheme"),
    pytest.param({"targets.fedora.submit_branch": "bot/{package}"}, "targets.fedora.submit_branch",
                 "has no {change} placeholder", "include {change}", id="submit-branch-unique"),
    pytest.param({"targets.fedora.submit_branch": "bot/{pkg}/{change}"},
                 "targets.fedora.submit_branch", "unknown placeholder {pkg}",
                 "{package}, {change}, {target_branch}", id="submit-branch-field"),
    pytest.param({"targets.centos-stream.required_reference": "Resolves: (RHEL"},
                 "targets.centos-stream.required_reference", "is not a regular expression",
                 "Resolves: RHEL-[0-9]+", id="bad-regex"),
    pytest.param({"digest.timezone": "Europe Berlin"}, "digest.timezone",
                 "is not an IANA time zone name", '"Europe/Berlin"', id="timezone-shape"),
    # unknown keys
    pytest.param({"forges.centos-stream.tiemout": "30s"}, "forges.centos-stream.tiemout",
                 'unknown key "tiemout"', 'did you mean "timeout"?', id="unknown-key"),
    pytest.param({"polcy": {"dry_run": False}}, "polcy", 'unknown key "polcy"',
                 'did you mean "policy"?', id="unknown-section"),
    pytest.param({"digest.colour": "red"}, "digest.colour", 'unknown key "colour"',
                 "remove it; allowed here: from_address, opt_out, project_list",
                 id="unknown-no-suggestion"),
    pytest.param({"branches[0].bsae": "c9"}, "branches[0].bsae", 'unknown key "bsae"',
                 'did you mean "base"?', id="unknown-in-branch"),
    # missing
    pytest.param({"distribution.release_suffix": DELETE}, "distribution.release_suffix",
                 "is missing", 'add release_suffix = ".alma"', id="missing-key"),
    pytest.param({"distribution": DELETE}, "distribution", "is missing", "[distribution]",
                 id="missing-section"),
    pytest.param({"forges.fedora.namespace": DELETE}, "forges.fedora.namespace",
                 "a target forge needs its org", 'add namespace = "rpms"', id="missing-namespace"),
    pytest.param({"branches": DELETE}, "branches", "is missing", "[[branches]]",
                 id="missing-branches"),
    pytest.param({"digest.smtp_password_env": DELETE}, "digest.smtp_password_env",
                 "SMTP login needs both a user name and a password", "or neither",
                 id="half-smtp-login"),
    # literal secrets
    pytest.param({"forges.downstream.token": "s3cr3t-literal"}, "forges.downstream.token",
                 "a secret is written in the config file",
                 'set UPSTREAM_BOT_GITEA_TOKEN in the environment and write token_env = '
                 '"UPSTREAM_BOT_GITEA_TOKEN"; tokens never go in config files', id="literal-token"),
    pytest.param({"forges.fedora.webhook_secret": "s3cr3t-literal"},
                 "forges.fedora.webhook_secret", "a secret is written",
                 "set UPSTREAM_BOT_PAGURE_WEBHOOK_SECRET in the environment", id="literal-hook"),
    pytest.param({"digest.smtp_password": "s3cr3t-literal"}, "digest.smtp_password",
                 "a secret is written", 'smtp_password_env = "UPSTREAM_BOT_SMTP_PASSWORD"',
                 id="literal-password"),
    pytest.param({"database.url": "postgresql://bot:s3cr3t-literal@db/bot"}, "database.url",
                 "carries a password", "set UPSTREAM_BOT_DATABASE_URL", id="literal-db-password"),
    pytest.param({"forges.fedora.url": "https://bot:s3cr3t-literal@src.example.org"},
                 "forges.fedora.url", "carries a user name or password", "remove the credentials",
                 id="url-credentials"),
    pytest.param({"forges.downstream.token_env": "s3cr3t-literal"}, "forges.downstream.token_env",
                 "is not the name of an environment variable",
                 '"UPSTREAM_BOT_GITEA_TOKEN"', id="token-pasted-into-env-name"),
    # durations
    pytest.param({"scan.interval": "6 hours"}, "scan.interval", '"6 hours" is not a duration',
                 'like "45s", "15m", "6h", "30d" or "2w"', id="duration-words"),
    pytest.param({"policy.grace_period": "2y"}, "policy.grace_period", '"2y" is not a duration',
                 "one unit", id="duration-unit"),
    pytest.param({"policy.grace_period": "1d12h"}, "policy.grace_period", "is not a duration",
                 "one unit", id="duration-compound"),
    pytest.param({"forges.centos-stream.timeout": 30}, "forges.centos-stream.timeout",
                 "expected a duration string, got the integer 30", '"15m"', id="duration-int"),
    pytest.param({"forges.centos-stream.timeout": "1h"}, "forges.centos-stream.timeout",
                 '"1h" is out of range', 'from "1s" to "10m"', id="duration-range"),
    # references between sections
    pytest.param({"branches[0].targets.fedoro": "rawhide"}, "branches[0].targets.fedoro",
                 'unknown target "fedoro"', 'did you mean "fedora"?', id="branch-unknown-target"),
    pytest.param({"targets.centos-stream": DELETE,
                  "branches[1].targets": {"fedora": "rawhide"}},
                 "branches[0].targets.centos-stream", "target centos-stream is not defined",
                 "add [targets.centos-stream]", id="branch-target-not-configured"),
    pytest.param({"branches[0].targets.project": "main"}, "branches[0].targets.project",
                 "no distribution branch", "default branch", id="branch-project-target"),
    pytest.param({"targets.fedora.forge": "fedoraa"}, "targets.fedora.forge",
                 'no forge is called "fedoraa"', 'did you mean "fedora"?',
                 id="target-missing-forge"),
    pytest.param({"targets.fedora.forge": "pagure-prod"}, "targets.fedora.forge",
                 'no forge is called "pagure-prod"', "add [forges.pagure-prod] or name one of",
                 id="target-missing-forge-no-suggestion"),
    pytest.param({"targets.fedora.forge": "github"}, "targets.fedora.forge",
                 "has role project, but target fedora needs a target forge", 'role = "target"',
                 id="target-forge-role"),
    pytest.param({"targets.fedoro": {"forge": "fedora"}}, "targets.fedoro",
                 'unknown target "fedoro"', 'did you mean "fedora"?', id="unknown-target"),
    pytest.param({"policy.auto_submit": ["fedoro"]}, "policy.auto_submit",
                 "item 1: expected one of centos-stream, fedora, project", 'did you mean "fedora"?',
                 id="auto-submit-unknown"),
    pytest.param({"targets.fedora": DELETE, "branches[0].targets": {}, "branches[1].targets": {}},
                 "policy.auto_submit[0]", "target fedora is not defined",
                 "remove it from auto_submit",
                 id="auto-submit-undefined"),
    pytest.param({"forges.mirror": {"type": "gitea", "role": "downstream",
                                    "url": "https://m.example.org", "namespace": "rpms"}},
                 "forges.mirror.role", 'a second downstream forge (the first is "downstream")',
                 "keep one downstream forge", id="two-downstream"),
    pytest.param({"forges.downstream.role": "autopatch"}, "forges",
                 'no forge has role = "downstream"', 'set role = "downstream"', id="no-downstream"),
    pytest.param({"branches[1].downstream": "e9"}, "branches[1].downstream",
                 'branch "e9" is mapped twice', "one [[branches]] entry", id="duplicate-branch"),
    pytest.param({"branches": {"downstream": "e9"}}, "branches",
                 "expected an array of tables, got a table", "[[branches]]", id="branches-table"),
    pytest.param({"scan.include": ["kernel"]}, "scan.exclude", '"kernel" is also in include',
                 "remove it from one", id="include-exclude-overlap"),
]


@pytest.mark.parametrize(("edits", "key", "message", "fix"), MISTAKES)
def test_each_mistake_is_one_problem_with_key_message_and_fix(edits, key, message, fix):
    found = problems(edits)
    assert [p.key for p in found] == [key], found
    assert message in found[0].message
    assert fix in found[0].fix
    assert found[0].source == SOURCE
    assert f"{SOURCE}: {key}: " in str(found[0])


def test_a_secret_inside_an_unknown_table_is_reported_as_a_secret_too():
    found = problems({"forges.downstream.auth": {"password": "s3cr3t-literal"}})
    assert {p.key: p.message for p in found} == {
        "forges.downstream.auth": 'unknown key "auth"',
        "forges.downstream.auth.password": "a secret is written in the config file",
    }
    secret = next(p for p in found if p.key.endswith("password"))
    assert 'token_env = "UPSTREAM_BOT_GITEA_TOKEN"' in secret.fix


@pytest.mark.parametrize(
    "edits",
    [pytest.param({k: v}, id=i) for k, v, i in [
        ("forges.downstream.token", "s3cr3t-literal", "literal-token"),
        ("forges.downstream.token_env", "s3cr3t-literal", "pasted-token"),
        ("database.url", "postgresql://bot:s3cr3t-literal@db/bot", "db-password"),
        ("database.url", "mysql://bot:s3cr3t-literal@db/bot", "bad-db-url-with-password"),
        ("forges.fedora.url", "https://bot:s3cr3t-literal@src.example.org", "url-password"),
    ]],
)
def test_a_literal_secret_is_never_repeated_in_the_error(edits):
    with pytest.raises(SettingsError) as caught:
        parse_settings(edited(edits), source=SOURCE, environ=ENV)
    assert "s3cr3t-literal" not in str(caught.value)
    assert "s3cr3t-literal" not in repr(caught.value.problems)


@pytest.mark.parametrize(
    ("missing", "key"),
    [
        pytest.param("EXAMPLE_GITLAB_TOKEN", "forges.centos-stream.token_env", id="token"),
        pytest.param("EXAMPLE_WEBHOOK_SECRET", "forges.downstream.webhook_secret_env", id="hook"),
        pytest.param("EXAMPLE_SMTP_PASSWORD", "digest.smtp_password_env", id="smtp"),
    ],
)
def test_an_unset_environment_variable_is_named_with_the_fix(missing, key):
    environ = {name: value for name, value in ENV.items() if name != missing}
    [problem] = problems({}, environ=environ)
    assert problem.key == key
    assert problem.message == f"{missing} is not set in the environment"
    assert f"set {missing} in the environment" in problem.fix
    assert "never go in config files" in problem.fix


def test_an_empty_environment_variable_counts_as_unset():
    [problem] = problems({}, environ={**ENV, "EXAMPLE_GITEA_TOKEN": ""})
    assert problem.key == "forges.downstream.token_env"


def test_every_problem_is_reported_at_once():
    found = problems(
        {
            "forges.centos-stream.type": "gitlb",
            "forges.downstream.token": "s3cr3t-literal",
            "scan.interval": "often",
            "branches[0].targets.fedoro": "rawhide",
            "web.prot": 80,
        },
        environ={k: v for k, v in ENV.items() if k != "EXAMPLE_SMTP_PASSWORD"},
    )
    assert sorted(p.key for p in found) == sorted([
        "forges.centos-stream.type",
        "forges.downstream.token",
        "scan.interval",
        "branches[0].targets.fedoro",
        "web.prot",
        "digest.smtp_password_env",
    ])


def test_the_error_message_lists_every_problem():
    with pytest.raises(SettingsError) as caught:
        parse_settings(
            edited({"scan.interval": "often", "web.port": "80"}), source=SOURCE, environ=ENV
        )
    text = str(caught.value)
    assert text.startswith(f"{SOURCE}: 2 problems in the configuration")
    assert re.search(r"scan\.interval: .* fix: write a whole number", text)
    assert re.search(r"web\.port: expected an integer", text)


@pytest.mark.parametrize(
    ("zone", "fix"),
    [
        pytest.param("Europe/Berln", 'did you mean "Europe/Berlin"?', id="typo"),
        pytest.param("Mars/Olympus", 'use an IANA name like "UTC"', id="unknown"),
    ],
)
def test_timezones_are_checked_against_the_given_names(zone, fix):
    known = {"UTC", "Europe/Berlin", "America/New_York"}
    [problem] = problems({"digest.timezone": zone}, known_timezones=known)
    assert problem.key == "digest.timezone"
    assert problem.message == f'unknown time zone "{zone}"'
    assert fix in problem.fix


def test_without_a_zone_list_only_the_shape_is_checked(valid_data):
    valid_data["digest"]["timezone"] = "Mars/Olympus"
    settings = parse_settings(valid_data, source=SOURCE, environ=ENV)
    assert settings.digest.timezone == "Mars/Olympus"


@pytest.mark.parametrize(
    ("configured", "environ_url", "revealed", "shown"),
    [
        pytest.param("sqlite:///var/bot.sqlite3", None, "sqlite:////srv/bot/var/bot.sqlite3",
                     "sqlite:////srv/bot/var/bot.sqlite3", id="relative-sqlite-in-state-dir"),
        pytest.param("sqlite:////data/bot.sqlite3", None, "sqlite:////data/bot.sqlite3",
                     "sqlite:////data/bot.sqlite3", id="absolute-sqlite"),
        pytest.param("sqlite://", None, "sqlite://", "sqlite://", id="memory"),
        pytest.param(DELETE, None, "sqlite:////srv/bot/var/upstream-bot.sqlite3",
                     "sqlite:////srv/bot/var/upstream-bot.sqlite3", id="default"),
        pytest.param("sqlite:///var/bot.sqlite3", "postgresql+psycopg://bot:pw-77x@db:5432/bot",
                     "postgresql+psycopg://bot:pw-77x@db:5432/bot",
                     "postgresql+psycopg://bot:***@db:5432/bot", id="environment-wins"),
    ],
)
def test_the_database_url(configured, environ_url, revealed, shown):
    environ = dict(ENV)
    if environ_url:
        environ["UPSTREAM_BOT_DATABASE_URL"] = environ_url
    settings = parse_settings(edited({"database.url": configured}), source=SOURCE, environ=environ)
    assert settings.database.url.reveal() == revealed
    assert settings.database.url.shown == shown
    assert "pw-77x" not in repr(settings)


def test_a_bad_database_url_from_the_environment_is_not_echoed():
    environ = {**ENV, "UPSTREAM_BOT_DATABASE_URL": "mysql://bot:pw-77x@db/bot"}
    [problem] = problems({}, environ=environ)
    assert problem.key == "database.url"
    assert "$UPSTREAM_BOT_DATABASE_URL is not a SQLite or PostgreSQL URL" in problem.message
    assert "pw-77x" not in str(problem)


def test_optional_sections_take_their_defaults():
    settings = parse_settings(
        edited({"scan": DELETE, "policy": DELETE, "digest": DELETE, "web": DELETE,
                "database": DELETE}),
        source=SOURCE,
        environ=ENV,
    )
    assert settings.digest is None
    assert settings.policy.dry_run is True
    assert settings.policy.auto_submit == ()
    assert settings.scan.interval.total_seconds() == 6 * 3600
    assert settings.web.public_url == "http://127.0.0.1:8080"
    assert settings.database.url.reveal() == "sqlite:///var/upstream-bot.sqlite3"
    assert settings.forge("fedora").role is ForgeRole.TARGET

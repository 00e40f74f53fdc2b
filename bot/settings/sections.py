"""The simple sections: distribution, database, scan, policy, digest and web."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from datetime import time, timedelta
from pathlib import PurePosixPath
from urllib.parse import urlsplit

from bot.domain.model import Target
from bot.settings.errors import Problems
from bot.settings.policy_rules import parse_policy_rules
from bot.settings.schema import (
    DatabaseSettings,
    DigestSettings,
    DistributionSettings,
    PolicySettings,
    ScanSettings,
    SmtpTls,
    WebSettings,
    Weekday,
)
from bot.settings.secret import Secret
from bot.settings.table import Table
from bot.settings.values import (
    boolean,
    choice,
    clock_time,
    duration,
    email,
    env_name,
    integer,
    quote,
    strings,
    suggest,
    text,
    url,
)

DATABASE_URL_ENV = "UPSTREAM_BOT_DATABASE_URL"
DEFAULT_DATABASE_URL = "sqlite:///var/upstream-bot.sqlite3"
_DATABASE_EXAMPLE = '"sqlite:///var/upstream-bot.sqlite3" or "postgresql+psycopg://bot@db/upstream"'
_DATABASE_SCHEME = re.compile(r"sqlite(\+pysqlite)?|postgresql(\+[a-z0-9]+)?")
_SUFFIX = re.compile(r"\.[A-Za-z0-9_]+")
_MACRO = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_USERNAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
# the marker goes inside an HTML comment, where "--" would end it early
_MARKER = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
PACKAGE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+-]*")
_TIMEZONE = re.compile(r"[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+)*")
_HOST = re.compile(r"[A-Za-z0-9.:-]+")
_UNSUBSCRIBE = re.compile(r"(mailto:|https://)[^\s<>]+")
_SMTP_PORTS = {SmtpTls.NONE: 25, SmtpTls.STARTTLS: 587, SmtpTls.TLS: 465}
_NO_TABLE: Mapping[str, object] = {}


def _section(top: Table, name: str) -> Table:
    """The section, or an empty one so that its defaults apply."""
    return top.table(name, example=f"[{name}]") or Table(
        _NO_TABLE, path=name, problems=top.problems
    )


def parse_distribution(top: Table) -> DistributionSettings:
    table = _section(top, "distribution")
    if not top.has("distribution"):
        top.problem("distribution", "is missing", 'add a [distribution] table with name = "..."')
        # one problem for the missing table, not one more for each key it lacks
        table = Table(_NO_TABLE, path="distribution", problems=Problems(top.problems.source))
    words = strings(text(example='"AlmaLinux"'), example='["AlmaLinux", "Red Hat"]')
    settings = DistributionSettings(
        name=table.require("name", text(example='"AlmaLinux"'), example='"AlmaLinux"'),
        release_suffix=table.require(
            "release_suffix",
            text(
                example='".alma"', pattern=_SUFFIX, expected="a dot followed by letters or digits"
            ),
            example='".alma"',
        ),
        guard_macro=table.require(
            "guard_macro",
            text(example='"almalinux"', pattern=_MACRO, expected="an RPM macro name"),
            example='"almalinux"',
        ),
        words=table.get("words", words, default=()),
        vendor_words=table.get("vendor_words", words, default=()),
        bot_username=table.get(
            "bot_username",
            text(example='"upstream-bot"', pattern=_USERNAME, expected="a user name"),
            default="upstream-bot",
        ),
        marker_prefix=table.get(
            "marker_prefix",
            text(
                example='"upstream-bot"', pattern=_MARKER, expected="lower-case words joined by -"
            ),
            default="upstream-bot",
        ),
    )
    table.finish()
    return settings


def parse_database(top: Table, *, environ: Mapping[str, str]) -> DatabaseSettings:
    table = _section(top, "database")
    configured = table.get("url", text(example=_DATABASE_EXAMPLE), default=DEFAULT_DATABASE_URL)
    state_dir = table.get("state_dir", text(example='"/var/lib/upstream-bot"'), default=".")
    table.finish()
    from_env = environ.get(DATABASE_URL_ENV, "")
    value = from_env or configured
    if value is None or state_dir is None:
        return DatabaseSettings(url=Secret("", env=""), state_dir=PurePosixPath("."))
    resolved = _database_url(table, value, state_dir=PurePosixPath(state_dir), env=bool(from_env))
    return DatabaseSettings(url=resolved, state_dir=PurePosixPath(state_dir))


def _database_url(table: Table, value: str, *, state_dir: PurePosixPath, env: bool) -> Secret:
    origin = DATABASE_URL_ENV if env else ""
    scheme, separator, rest = value.partition("://")
    if not separator or _DATABASE_SCHEME.fullmatch(scheme) is None:
        # a URL from the environment may hold a password: never echo it
        shown = f"${DATABASE_URL_ENV}" if env else quote(_redact(value))
        table.problem(
            "url", f"{shown} is not a SQLite or PostgreSQL URL", f"use {_DATABASE_EXAMPLE}"
        )
        return Secret(value, env=origin)
    if scheme.startswith("sqlite"):
        path = rest.removeprefix("/")
        if path and path != ":memory:" and not path.startswith("/"):
            value = f"{scheme}:///{state_dir / path}"
        return Secret(value, env=origin, shown=value)
    password = _password(value)
    if password and not env:
        table.problem(
            "url",
            "the database URL carries a password",
            f"remove url from the file and set {DATABASE_URL_ENV} in the environment; "
            "passwords never go in config files",
        )
    return Secret(value, env=origin, shown=_redact(value))


def _password(value: str) -> str | None:
    try:
        return urlsplit(value).password
    except ValueError:
        return None


def _redact(value: str) -> str:
    password = _password(value)
    return value.replace(f":{password}@", ":***@", 1) if password else value


def parse_scan(top: Table) -> ScanSettings:
    table = _section(top, "scan")
    package = text(example='"grub2"', pattern=PACKAGE, expected="an RPM package name")
    names = strings(package, example='["grub2", "shim"]')
    interval = table.get(
        "interval",
        duration(minimum=timedelta(minutes=1), maximum=timedelta(weeks=1)),
        default=timedelta(hours=6),
    )
    settings = ScanSettings(
        interval=interval,
        include=table.get("include", names, default=()),
        exclude=table.get("exclude", names, default=()),
        jitter=table.get(
            "jitter",
            duration(minimum=timedelta(0), maximum=timedelta(days=1)),
            # a mistyped interval is reported; the jitter then follows the default one
            default=min(timedelta(minutes=5), (interval or timedelta(hours=6)) / 10),
        ),
        sync_interval=table.get(
            "sync_interval",
            duration(minimum=timedelta(minutes=1), maximum=timedelta(days=1)),
            default=timedelta(hours=1),
        ),
    )
    table.finish()
    if settings.interval and settings.jitter and settings.jitter >= settings.interval:
        table.problem(
            "jitter", "is not shorter than the scan interval", "use a jitter below `interval`"
        )
    for both in sorted(set(settings.include or ()) & set(settings.exclude or ())):
        table.problem(
            "exclude", f"{quote(both)} is also in include", "remove it from one of the two lists"
        )
    return settings


def parse_policy(top: Table) -> PolicySettings:
    table = _section(top, "policy")
    year = timedelta(days=366)
    settings = PolicySettings(
        dry_run=table.get("dry_run", boolean, default=True),
        grace_period=table.get(
            "grace_period", duration(minimum=timedelta(0), maximum=year), default=timedelta(days=14)
        ),
        reminder_cadence=table.get(
            "reminder_cadence",
            duration(minimum=timedelta(days=1), maximum=year),
            default=timedelta(days=30),
        ),
        max_reminders_per_run=table.get(
            "max_reminders_per_run", integer(minimum=0, maximum=100_000), default=50
        ),
        max_submissions_per_run=table.get(
            "max_submissions_per_run", integer(minimum=0, maximum=10_000), default=5
        ),
        max_open_submissions_per_target=table.get(
            "max_open_submissions_per_target", integer(minimum=0, maximum=100_000), default=20
        ),
        auto_submit=tuple(
            Target(name)
            for name in table.get(
                "auto_submit", strings(choice(Target), example='["fedora"]'), default=()
            )
            or ()
        ),
        submit_after=table.get(
            "submit_after", duration(minimum=timedelta(0), maximum=year), default=timedelta(days=7)
        ),
        escalate_after=table.get("escalate_after", integer(minimum=0, maximum=100), default=3),
        escalate_to=table.get(
            "escalate_to",
            strings(text(example='"releng"', pattern=_USERNAME, expected="a user name"),
                    example='["releng"]'),
            default=(),
        ),
        approve_first_submission=table.get("approve_first_submission", boolean, default=True),
        max_submissions_per_hour=table.get(
            "max_submissions_per_hour", integer(minimum=0, maximum=10_000), default=2
        ),
        max_submissions_per_day=table.get(
            "max_submissions_per_day", integer(minimum=0, maximum=100_000), default=10
        ),
        max_reminders_per_owner_per_week=table.get(
            "max_reminders_per_owner_per_week", integer(minimum=0, maximum=100_000), default=10
        ),
        alesco_defaults=table.get("alesco_defaults", boolean, default=True),
        rules=parse_policy_rules(table),
    )
    table.finish()
    return settings


def parse_digest(
    top: Table, *, environ: Mapping[str, str], known_timezones: Collection[str] | None
) -> DigestSettings | None:
    """The digest section; None when the deployment sends no digest."""
    table = top.table("digest", example="[digest]")
    if table is None:
        return None
    tls = table.get("smtp_tls", choice(SmtpTls), default=SmtpTls.STARTTLS)
    username = table.optional("smtp_username", text(example='"upstream-bot"'))
    password_env = table.optional(
        "smtp_password_env", env_name(example="UPSTREAM_BOT_SMTP_PASSWORD")
    )
    password = None
    if password_env is not None:
        password = read_secret(
            table, "smtp_password_env", password_env, environ=environ, what="password"
        )
    if table.has("smtp_username") != table.has("smtp_password_env"):
        missing = "smtp_password_env" if table.has("smtp_username") else "smtp_username"
        table.problem(
            missing,
            "is missing: an SMTP login needs both a user name and a password",
            "set both smtp_username and smtp_password_env, or neither",
        )
    settings = DigestSettings(
        weekday=table.get("weekday", choice(Weekday), default=Weekday.MONDAY),
        time=table.get("time", clock_time, default=time(8, 0)),
        timezone=_timezone(table, known_timezones),
        from_address=table.require("from_address", email, example='"upstream-bot@example.org"'),
        project_list=table.require("project_list", email, example='"devel@lists.example.org"'),
        smtp_host=table.get(
            "smtp_host",
            text(example='"localhost"', pattern=_HOST, expected="a host name"),
            default="localhost",
        ),
        smtp_port=table.get(
            "smtp_port", integer(minimum=1, maximum=65535), default=_SMTP_PORTS.get(tls, 25)
        ),
        smtp_tls=tls,
        smtp_username=username,
        smtp_password=password,
        recipients=table.get(
            "recipients", strings(email, example='["release-eng@example.org"]'), default=()
        ),
        opt_out=table.get(
            "opt_out", strings(email, example='["someone@example.org"]'), default=()
        ),
        unsubscribe=table.optional(
            "unsubscribe",
            text(
                example='"mailto:upstream-bot@example.org?subject=unsubscribe"',
                pattern=_UNSUBSCRIBE,
                expected="a mailto: or https: address",
            ),
        ),
        send_attempts=table.get("send_attempts", integer(minimum=1, maximum=20), default=4),
        smtp_timeout=table.get(
            "smtp_timeout",
            duration(minimum=timedelta(seconds=1), maximum=timedelta(minutes=10)),
            default=timedelta(seconds=30),
        ),
    )
    table.finish()
    return settings


def _timezone(table: Table, known: Collection[str] | None) -> str:
    zone = table.get(
        "timezone",
        text(example='"Europe/Berlin"', pattern=_TIMEZONE, expected="an IANA time zone name"),
        default="UTC",
    )
    if zone is not None and known and zone not in known:
        close = suggest(zone, sorted(known))
        fix = (
            f'did you mean "{close}"?'
            if close
            else 'use an IANA name like "UTC" or "Europe/Berlin"'
        )
        table.problem("timezone", f"unknown time zone {quote(zone)}", fix)
    return zone


def read_secret(
    table: Table, key: str, name: str, *, environ: Mapping[str, str], what: str
) -> Secret | None:
    """The secret in environment variable `name`; a Problem at `key` when it is unset."""
    value = environ.get(name, "")
    if value:
        return Secret(value, env=name)
    table.problem(
        key,
        f"{name} is not set in the environment",
        f"set {name} in the environment ({what}s never go in config files), "
        f"or remove {key} if none is needed",
    )
    return None


def parse_web(top: Table) -> WebSettings:
    table = _section(top, "web")
    host = table.get(
        "host",
        text(example='"127.0.0.1"', pattern=_HOST, expected="a host name or IP address"),
        default="127.0.0.1",
    )
    port = table.get("port", integer(minimum=1, maximum=65535), default=8080)
    shown_host = f"[{host}]" if host and ":" in host else host
    public_url = table.get(
        "public_url",
        url(example='"https://upstream-bot.example.org"'),
        default=f"http://{shown_host}:{port}",
    )
    table.finish()
    return WebSettings(host=host, port=port, public_url=public_url)

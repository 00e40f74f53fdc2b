"""Whether a deployment can run: its database, every configured forge and its SMTP server,
each reached read-only and reported as one `CheckResult` with the reason.

Nothing is written anywhere: the database is only asked for its schema version (a SQLite
file that does not exist is reported, not created), each forge is asked for one repository,
and the SMTP server gets EHLO, STARTTLS and a login when configured, then QUIT.
"""

from __future__ import annotations

import asyncio
import ssl
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import aiosmtplib

from bot.forges.base import Forge, RepoRef
from bot.forges.errors import AuthFailed, ForgeError, NotFound, RateLimited
from bot.settings import DatabaseSettings, DigestSettings, ForgeSettings, SmtpTls
from bot.store import StoreError, current_revision, head_revision, mask_url, open_engine, parse_url

#: the repository asked for on each forge: its existence does not matter, only that the forge
#: answers at the configured API and accepts the token (a wrong token is refused even here)
PROBE_REPOSITORY = "upstream-bot-check-config"
#: what a forge gets beyond its own request timeout for retries of quick failures
FORGE_SLACK_SECONDS = 10.0
SMTP_TIMEOUT_SECONDS = 15.0


class Outcome(StrEnum):
    OK = "OK"
    FAIL = "FAIL"
    SKIP = "SKIP"


@dataclass(frozen=True, slots=True)
class CheckResult:
    """One check: what was checked (`name`), how it went, and why."""

    name: str
    outcome: Outcome
    detail: str


def probe_ref(forge: ForgeSettings) -> RepoRef:
    """The repository asked for: in the forge's namespace, else in the bot's own account."""
    return RepoRef(forge.namespace or forge.username, PROBE_REPOSITORY)


async def check_forge(settings: ForgeSettings, forge: Forge) -> CheckResult:
    """Ask `forge` for one repository; any answer but a refusal or a failure is OK."""
    name = f"forge {settings.name}"
    where = f"{settings.type} at {settings.url}"
    who = f"token from ${settings.token.env}" if settings.token else "anonymously (no token_env)"
    limit = settings.timeout.total_seconds() + FORGE_SLACK_SECONDS
    try:
        await asyncio.wait_for(forge.get_repo(probe_ref(settings)), limit)
    except NotFound:
        pass
    except AuthFailed as error:
        refused = f"the {who}" if settings.token else "anonymous reads (no token_env)"
        return CheckResult(name, Outcome.FAIL, f"{where} refused {refused}: {error}")
    except RateLimited as error:
        return CheckResult(name, Outcome.FAIL, f"{where} is rate limiting this token: {error}")
    except ForgeError as error:
        return CheckResult(name, Outcome.FAIL, f"{where}: {error}")
    except TimeoutError:
        return CheckResult(name, Outcome.FAIL, f"{where} gave no answer within {limit:.0f}s")
    except Exception as error:
        # a check reports every failure as a line; an adapter's own bug included
        return CheckResult(
            name, Outcome.FAIL, f"{where}: the adapter failed: {type(error).__name__} {error}"
        )
    return CheckResult(name, Outcome.OK, f"{where} answered, {who}")


async def check_database(database: DatabaseSettings) -> CheckResult:
    """Reach the database and compare its schema with this version's newest migration."""
    return await asyncio.to_thread(_check_database, database)


def _check_database(database: DatabaseSettings) -> CheckResult:
    url = database.url.reveal()
    shown = mask_url(url)
    try:
        parsed = parse_url(url)
        if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
            path = Path(parsed.database)
            if not path.is_file():
                return CheckResult(
                    "database", Outcome.FAIL,
                    f"{shown}: no database file at {path}; run `upstream-bot migrate`",
                )
        engine = open_engine(parsed)
        try:
            revision = current_revision(engine)
        finally:
            engine.dispose()
        head = head_revision()
    except StoreError as error:
        return CheckResult("database", Outcome.FAIL, str(error))
    if revision == head:
        return CheckResult("database", Outcome.OK, f"{shown}: schema at {head} (newest)")
    if revision is None:
        reason = "no schema yet; run `upstream-bot migrate`"
    else:
        reason = (
            f"schema at {revision}, this version needs {head}; run `upstream-bot migrate` "
            "(a revision it does not know means a newer upstream-bot migrated it)"
        )
    return CheckResult("database", Outcome.FAIL, f"{shown}: {reason}")


async def check_smtp(
    digest: DigestSettings | None, *, tls_context: ssl.SSLContext | None = None
) -> CheckResult:
    """Greet the digest's SMTP server, upgrade and log in as configured, and say goodbye;
    `tls_context` is the trust for its certificate (None: the system's CAs)."""
    if digest is None:
        return CheckResult("smtp", Outcome.SKIP, "no [digest] section: no mail is sent")
    where = f"{digest.smtp_host}:{digest.smtp_port} ({digest.smtp_tls})"
    client = aiosmtplib.SMTP(
        hostname=digest.smtp_host,
        port=digest.smtp_port,
        use_tls=digest.smtp_tls is SmtpTls.TLS,
        start_tls=False,
        timeout=SMTP_TIMEOUT_SECONDS,
        tls_context=tls_context,
    )
    steps: list[str] = []
    try:
        await client.connect()
        steps.append("connected")
        await client.ehlo()
        steps.append("EHLO")
        if digest.smtp_tls is SmtpTls.STARTTLS:
            await client.starttls()
            steps.append("STARTTLS")
        if digest.smtp_username is not None and digest.smtp_password is not None:
            await client.login(digest.smtp_username, digest.smtp_password.reveal())
            steps.append(f"login as {digest.smtp_username}")
        await client.quit()
    except (aiosmtplib.SMTPException, OSError, ssl.SSLError, TimeoutError) as error:
        done = ", ".join(steps) if steps else "nothing"
        client.close()
        return CheckResult("smtp", Outcome.FAIL, f"{where}: {_smtp_reason(error)} (done: {done})")
    return CheckResult("smtp", Outcome.OK, f"{where}: {', '.join(steps)}; no mail sent")


def _smtp_reason(error: BaseException) -> str:
    if isinstance(error, aiosmtplib.SMTPAuthenticationError):
        return f"login refused ({error.code} {error.message})"
    if isinstance(error, aiosmtplib.SMTPResponseException):
        return f"the server answered {error.code} {error.message}"
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__

"""The digest ledger: each (week, recipient) digest is handed to an SMTP server at most once.

A sender first claims the row (a lease, and the Message-ID fixed at the first claim),
then marks it ``sending`` in its own transaction just before the message data goes to
the server, then ``sent``. Every step is a conditional update that only the lease's holder
can make, so a double-fired job or a second replica gets nothing. A claim whose sender
died before ``sending`` is free again once its lease expires; a row left in ``sending``
may have reached the server and is never claimed again (losing one mail beats sending
it twice: the operator sees it in the ledger).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, and_, func, or_, select, update
from sqlalchemy.orm import Session

from bot.store.errors import StoreError
from bot.store.models import DigestEntry
from bot.store.records import DigestClaim, DigestEntryRecord, DigestState
from bot.store.sql import insert_ignore, required
from bot.store.types import require_aware

ISO_WEEK = re.compile(r"\d{4}-W(0[1-9]|[1-4]\d|5[0-3])")
_ERROR_LIMIT = 2000


def claim_digest(
    session: Session,
    week: str,
    recipient: str,
    *,
    now: datetime,
    lease: timedelta,
    owner: str,
    message_id: str,
) -> DigestClaim | None:
    """Take the right to send ``recipient``'s digest for ``week`` until ``now + lease``.

    None when it was sent, is being sent, or is claimed by a lease that has not expired.
    ``message_id`` is stored on the first claim; a later claim keeps the stored one.
    """
    now = require_aware(now, field="now")
    check_week(week)
    required(recipient, field="digest recipient")
    required(owner, field="digest lease owner")
    required(message_id, field="digest message id")
    if lease <= timedelta(0):
        raise StoreError(f"digest {week} for {recipient}: lease must be positive, got {lease}")
    expires = now + lease
    if not insert_ignore(session, DigestEntry, {
        "week": week, "recipient": recipient, "state": DigestState.CLAIMED,
        "message_id": message_id, "claimed_at": now, "lease_owner": owner,
        "lease_expires_at": expires, "attempts": 1,
    }):
        taken = session.execute(
            update(DigestEntry)
            .where(
                DigestEntry.week == week,
                DigestEntry.recipient == recipient,
                or_(
                    DigestEntry.state == DigestState.FAILED,
                    and_(
                        DigestEntry.state == DigestState.CLAIMED,
                        or_(DigestEntry.lease_expires_at.is_(None),
                            DigestEntry.lease_expires_at <= now),
                    ),
                ),
            )
            .values(
                state=DigestState.CLAIMED, claimed_at=now, lease_owner=owner,
                lease_expires_at=expires, attempts=DigestEntry.attempts + 1,
                message_id=func.coalesce(DigestEntry.message_id, message_id),
            )
            .execution_options(synchronize_session=False)
        )
        if _rowcount(taken) != 1:
            return None
    row = _row(session, week, recipient)
    assert row.message_id is not None and row.lease_expires_at is not None
    return DigestClaim(week=week, recipient=recipient, message_id=row.message_id,
                       lease_owner=owner, lease_expires_at=row.lease_expires_at,
                       attempts=row.attempts)


def mark_digest_sending(
    session: Session, week: str, recipient: str, *, owner: str, now: datetime
) -> bool:
    """Record that the message is about to go to the server; False when ``owner`` no longer
    holds the claim (its lease expired and another sender took it): do not send then."""
    require_aware(now, field="now")
    done = session.execute(
        update(DigestEntry)
        .where(
            DigestEntry.week == week,
            DigestEntry.recipient == recipient,
            DigestEntry.state == DigestState.CLAIMED,
            DigestEntry.lease_owner == owner,
        )
        .values(state=DigestState.SENDING)
        .execution_options(synchronize_session=False)
    )
    return _rowcount(done) == 1


def finish_digest(
    session: Session,
    week: str,
    recipient: str,
    *,
    owner: str,
    state: DigestState,
    now: datetime,
    error: str | None = None,
) -> bool:
    """Record how ``owner``'s attempt ended; False when the row is not in ``owner``'s hands.

    ``sent``: the server accepted it (from ``sending``). ``failed``: the server refused it,
    or could not be reached before the data was sent; it may be claimed again.
    ``sending``: the attempt broke off while the data was on its way; the row stays
    ``sending`` with the error, and is never claimed again.
    """
    now = require_aware(now, field="now")
    allowed = {
        DigestState.SENT: (DigestState.SENDING,),
        DigestState.FAILED: (DigestState.CLAIMED, DigestState.SENDING),
        DigestState.SENDING: (DigestState.SENDING,),
    }
    if state not in allowed:
        raise StoreError(f"digest {week} for {recipient}: cannot finish as {state}")
    values: dict[str, Any] = {"state": state, "last_error": _clip(error)}
    if state is DigestState.SENT:
        values |= {"sent_at": now, "lease_expires_at": None}
    elif state is DigestState.FAILED:
        values |= {"lease_expires_at": None}
    done = session.execute(
        update(DigestEntry)
        .where(
            DigestEntry.week == week,
            DigestEntry.recipient == recipient,
            DigestEntry.state.in_(allowed[state]),
            DigestEntry.lease_owner == owner,
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return _rowcount(done) == 1


def digest_entries(session: Session, week: str) -> list[DigestEntryRecord]:
    """The ledger's rows for ``week``, by recipient."""
    check_week(week)
    rows = session.scalars(
        select(DigestEntry).where(DigestEntry.week == week).order_by(DigestEntry.recipient)
    )
    return [
        DigestEntryRecord(
            week=row.week, recipient=row.recipient, state=row.state, message_id=row.message_id,
            claimed_at=row.claimed_at, sent_at=row.sent_at, attempts=row.attempts,
            lease_owner=row.lease_owner, lease_expires_at=row.lease_expires_at,
            last_error=row.last_error,
        )
        for row in rows
    ]


def last_sent_week(session: Session, recipient: str) -> str | None:
    """The newest week whose digest reached ``recipient``'s server (weeks sort as text)."""
    return session.scalar(
        select(func.max(DigestEntry.week)).where(
            DigestEntry.recipient == recipient, DigestEntry.state == DigestState.SENT
        )
    )


def check_week(week: str) -> None:
    if not isinstance(week, str) or not ISO_WEEK.fullmatch(week):
        raise StoreError(f"digest week {week!r}: expected an ISO week like 2026-W05")


def _row(session: Session, week: str, recipient: str) -> DigestEntry:
    return session.scalars(
        select(DigestEntry)
        .where(DigestEntry.week == week, DigestEntry.recipient == recipient)
        .execution_options(populate_existing=True)
    ).one()


def _rowcount(result: Any) -> int:
    return cast(CursorResult[Any], result).rowcount


def _clip(error: str | None) -> str | None:
    if error is None or len(error) <= _ERROR_LIMIT:
        return error
    return error[: _ERROR_LIMIT - 1] + "…"

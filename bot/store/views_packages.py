"""Read-only queries for packages and owners: lists with their counts, and one package."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from enum import StrEnum

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from bot.domain.model import Status
from bot.store.models import Branch, Change, ChangeTarget, Package
from bot.store.view_records import (
    WAITING,
    BranchView,
    ChangeFilter,
    OwnerRow,
    PackageDetail,
    PackageRow,
    Page,
    PageRequest,
)
from bot.store.views import actions_naming, audit_at, list_changes

#: Actions and commands of a package are looked up for at most this many of its changes.
LINKED_CHANGES = 2000


class PackageOrder(StrEnum):
    NAME = "name"
    WAITING = "waiting"


def list_packages(
    session: Session, page: PageRequest, *, q: str | None = None,
    order: PackageOrder = PackageOrder.NAME,
) -> Page[PackageRow]:
    """Packages (name containing ``q``) with their counts, by name or most waiting first."""
    names = select(Package.name)
    if q:
        names = names.where(Package.name.icontains(q, autoescape=True))
    total = session.scalar(select(func.count()).select_from(names.subquery())) or 0
    if order is PackageOrder.WAITING:
        waiting = _pair_counts().where(ChangeTarget.status.in_(WAITING))
        if q:
            waiting = waiting.where(Change.package.icontains(q, autoescape=True))
        ranked = session.execute(
            waiting.order_by(func.count().desc(), Change.package)
            .limit(page.per_page).offset(page.offset)
        ).all()
        chosen = [row.package for row in ranked]
    else:
        chosen = list(session.scalars(
            names.order_by(Package.name).limit(page.per_page).offset(page.offset)
        ))
    return Page(tuple(package_rows(session, chosen)), total, page.page, page.per_page)


def package_rows(session: Session, names: Sequence[str]) -> list[PackageRow]:
    """The rows of ``names``, in that order, counted in two grouped queries."""
    if not names:
        return []
    stale = dict(session.execute(select(Package.name, Package.stale)
                                 .where(Package.name.in_(names))).all())
    changes = dict(session.execute(
        select(Change.package, func.count())
        .where(Change.package.in_(names), Change.gone_at.is_(None))
        .group_by(Change.package)
    ).all())
    pairs: dict[str, dict[Status, int]] = defaultdict(dict)
    for package, status, n in session.execute(
        select(Change.package, ChangeTarget.status, func.count())
        .join(ChangeTarget, ChangeTarget.change_id == Change.id)
        .where(Change.package.in_(names), Change.gone_at.is_(None))
        .group_by(Change.package, ChangeTarget.status)
    ):
        pairs[package][status] = n
    return [
        PackageRow(
            name=name, stale=bool(stale.get(name, False)), changes=changes.get(name, 0),
            waiting=sum(pairs[name].get(s, 0) for s in WAITING),
            submitted=pairs[name].get(Status.SUBMITTED, 0),
            merged=pairs[name].get(Status.MERGED, 0),
        )
        for name in names
    ]


def package_detail(session: Session, name: str, page: PageRequest) -> PackageDetail | None:
    """One package: its branches, a page of its changes, and what was done about them."""
    package = session.get(Package, name)
    if package is None:
        return None
    counts = dict(session.execute(
        select(Change.branch, func.count())
        .where(Change.package == name, Change.gone_at.is_(None))
        .group_by(Change.branch)
    ).all())
    branches = tuple(
        BranchView(
            name=row.name, base=row.base, head=row.head, scan_status=row.scan_status,
            scan_error=row.scan_error, scanned_at=row.scanned_at, changes=counts.get(row.name, 0),
        )
        for row in session.scalars(select(Branch).where(Branch.package == name)
                                   .order_by(Branch.name))
    )
    changes = list_changes(session, ChangeFilter(package=name), page)
    ids, analysis_ids = [], []
    for change_id, evidence in session.execute(
        select(Change.id, Change.evidence).where(Change.package == name)
        .order_by(Change.id).limit(LINKED_CHANGES)
    ):
        ids.append(change_id)
        analysis_ids.append(str((evidence or {}).get("analysis_id") or ""))
    actions = actions_naming(session, [name, *ids, *analysis_ids])
    urls = {a.url for a in actions if a.url} | set(session.scalars(
        select(ChangeTarget.url).join(Change, Change.id == ChangeTarget.change_id)
        .where(Change.package == name, ChangeTarget.url.is_not(None))
    ))
    return PackageDetail(
        name=package.name, repo=package.repo, stale=package.stale,
        last_error=package.last_error, checked_at=package.checked_at, branches=branches,
        changes=changes, actions=actions, audit=audit_at(session, urls),
    )


def list_owners(session: Session) -> list[OwnerRow]:
    """Every owner of a current change (None: nobody yet), most waiting pairs first."""
    totals = {
        owner: (packages, changes)
        for owner, packages, changes in session.execute(
            select(Change.owner, func.count(func.distinct(Change.package)), func.count())
            .where(Change.gone_at.is_(None))
            .group_by(Change.owner)
        )
    }
    pairs: dict[str | None, dict[Status, int]] = defaultdict(dict)
    for owner, status, n in session.execute(
        select(Change.owner, ChangeTarget.status, func.count())
        .join(ChangeTarget, ChangeTarget.change_id == Change.id)
        .where(Change.gone_at.is_(None))
        .group_by(Change.owner, ChangeTarget.status)
    ):
        pairs[owner][status] = n
    rows = [
        OwnerRow(
            owner=owner, packages=packages, changes=changes,
            waiting=sum(pairs[owner].get(s, 0) for s in WAITING),
            submitted=pairs[owner].get(Status.SUBMITTED, 0),
            merged=pairs[owner].get(Status.MERGED, 0),
        )
        for owner, (packages, changes) in totals.items()
    ]
    return sorted(rows, key=lambda r: (-r.waiting, r.owner is None, r.owner or ""))


def _pair_counts() -> Select[tuple[str, int]]:
    return (
        select(Change.package, func.count().label("n"))
        .join(ChangeTarget, ChangeTarget.change_id == Change.id)
        .where(Change.gone_at.is_(None))
        .group_by(Change.package)
    )


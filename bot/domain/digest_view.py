"""One week seen from the store's rows: each pair's status at the week's end and at its start,
the changes still pending, what happened during the week, and the requests waiting on owners.

Statuses at a past moment come from rewinding the current status through the transitions
written since: the first transition after a moment starts from the status held at it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from bot.domain.digest_input import DigestInputs, PairState, StatusStep
from bot.domain.digest_model import (
    OWNER_EVENT_STATUSES,
    PENDING_STATUSES,
    UPSTREAM_STATUSES,
    ChangeRef,
    NextStep,
    PendingChange,
    WaitingRequest,
    WeekEvent,
)
from bot.domain.model import Status, Target

PairKey = tuple[str, Target]
_TARGET_ORDER = {target: index for index, target in enumerate(Target)}


@dataclass(frozen=True, slots=True)
class Window:
    """The digest's week: [start, end), both timezone-aware."""

    week: str
    start: datetime
    end: datetime


def statuses_at(
    pairs: Mapping[PairKey, PairState], steps: Iterable[StatusStep], at: datetime
) -> dict[PairKey, Status]:
    """Each pair's status at `at`; pairs that did not exist then are absent.

    `steps` must hold every transition at or after `at`, oldest first.
    """
    found = {
        key: pair.status
        for key, pair in pairs.items()
        if pair.first_seen <= at and (pair.gone_at is None or pair.gone_at > at)
    }
    rewound: set[PairKey] = set()
    for step in steps:
        key = (step.change_id, step.target)
        if step.at < at or key in rewound or key not in pairs:
            continue
        rewound.add(key)
        if step.from_status is None:
            found.pop(key, None)
        elif key in found:
            found[key] = step.from_status
    return found


@dataclass(slots=True)
class WeekView:
    """The week's facts, indexed for building many owners' digests cheaply."""

    window: Window
    pairs: dict[PairKey, PairState]
    at_end: dict[PairKey, Status]
    at_start: dict[PairKey, Status]
    #: every pending change, oldest first
    pending: list[PendingChange] = field(default_factory=list)
    events: list[WeekEvent] = field(default_factory=list)
    waiting: list[WaitingRequest] = field(default_factory=list)
    by_owner: dict[str, tuple[list[PendingChange], list[WeekEvent], list[WaitingRequest]]] = (
        field(default_factory=dict)
    )


def build_view(
    inputs: DigestInputs,
    window: Window,
    *,
    required_references: Mapping[Target, str] | None = None,
) -> WeekView:
    """Index `inputs` for `window`; `required_references` names, per target, the reference
    a submission needs before it can leave draft (e.g. ``Resolves: RHEL-[0-9]+``)."""
    pairs = {(pair.change_id, pair.target): pair for pair in inputs.pairs}
    steps = sorted(inputs.steps, key=lambda step: step.at)
    view = WeekView(
        window=window,
        pairs=pairs,
        at_end=statuses_at(pairs, steps, window.end),
        at_start=statuses_at(pairs, steps, window.start),
    )
    view.pending = _pending(view, inputs.tracking_issues)
    view.events = _events(view, steps)
    view.waiting = _waiting(view, required_references or {})
    for item in view.pending:
        _slot(view, item.change.owner)[0].append(item)
    for event in view.events:
        _slot(view, event.change.owner)[1].append(event)
    for request in view.waiting:
        _slot(view, request.change.owner)[2].append(request)
    return view


def change_ref(pair: PairState) -> ChangeRef:
    return ChangeRef(pair.change_id, pair.package, pair.branch, pair.name, pair.kind, pair.owner)


def _slot(
    view: WeekView, owner: str | None
) -> tuple[list[PendingChange], list[WeekEvent], list[WaitingRequest]]:
    return view.by_owner.setdefault(owner or "", ([], [], []))


def _pending(view: WeekView, tracking: Mapping[str, str]) -> list[PendingChange]:
    by_change: dict[str, list[PairState]] = defaultdict(list)
    for key, status in view.at_end.items():
        if status in PENDING_STATUSES:
            by_change[key[0]].append(view.pairs[key])
    found = []
    for pairs in by_change.values():
        pairs.sort(key=lambda pair: _TARGET_ORDER[pair.target])
        first = pairs[0]
        reminded = any(view.at_end[(p.change_id, p.target)] is Status.REMINDED for p in pairs)
        issue = tracking.get(first.package)
        found.append(
            PendingChange(
                change=change_ref(first),
                targets=tuple(pair.target for pair in pairs),
                status=Status.REMINDED if reminded else Status.PENDING,
                since=first.first_seen.date(),
                age_days=max((view.window.end - first.first_seen).days, 0),
                step=NextStep(
                    command=f"/upstream submit {first.target}",
                    url=issue,
                    place="the tracking issue" if issue else None,
                ),
            )
        )
    found.sort(key=lambda item: (-item.age_days, item.change.package, item.change.name,
                                 item.change.change_id))
    return found


def _events(view: WeekView, steps: list[StatusStep]) -> list[WeekEvent]:
    """Pairs that were submitted, merged, rejected or found upstream during the week."""
    wanted = OWNER_EVENT_STATUSES | UPSTREAM_STATUSES
    seen: set[tuple[str, Target, Status]] = set()
    found = []
    for step in steps:
        if not view.window.start <= step.at < view.window.end:
            continue
        key = (step.change_id, step.target)
        pair = view.pairs.get(key)
        if pair is None or step.to_status not in wanted or not _news(step):
            continue
        if (step.change_id, step.target, step.to_status) in seen:
            continue
        seen.add((step.change_id, step.target, step.to_status))
        url = pair.url or _evidence_url(pair)
        found.append(WeekEvent(change_ref(pair), step.target, step.to_status, step.at, url,
                               step.reason))
    return found


def _news(step: StatusStep) -> bool:
    # A pair first seen already submitted or merged is the scan learning old news, and a
    # merged change found in the branch too is still the same news.
    if step.from_status is None or step.from_status is step.to_status:
        return False
    return not (step.from_status in UPSTREAM_STATUSES and step.to_status in UPSTREAM_STATUSES)


def _waiting(view: WeekView, references: Mapping[Target, str]) -> list[WaitingRequest]:
    found = []
    for key, status in view.at_end.items():
        pair = view.pairs[key]
        if status is not Status.SUBMITTED or pair.status is not Status.SUBMITTED:
            continue
        needs, command = waiting_for(pair, references.get(pair.target))
        if needs is not None:
            found.append(WaitingRequest(change_ref(pair), pair.target,
                                        pair.url or _evidence_url(pair), needs, command))
    found.sort(key=lambda item: (item.change.package, item.change.name, item.target))
    return found


def waiting_for(pair: PairState, reference: str | None) -> tuple[str | None, str | None]:
    """What a submitted request needs from its owner, and the command that gives it.

    The action executor says so in the pair's evidence: ``needs`` (what is missing) and
    ``command`` (how to give it); a ``draft`` on a target that requires a reference needs
    that reference.
    """
    evidence = pair.evidence
    needs = evidence.get("needs")
    command = evidence.get("command")
    command = command if isinstance(command, str) and command.strip() else None
    if isinstance(needs, str) and needs.strip():
        return needs, command
    if evidence.get("draft") is True:
        if reference:
            return f"a {reference} reference", command or "/upstream jira <ticket>"
        return "the draft to be marked ready", command
    return None, None


def _evidence_url(pair: PairState) -> str | None:
    url = pair.evidence.get("url")
    return url if isinstance(url, str) and url else None

"""The bot's own metrics: which families exist, what feeds each, and what is read from the
store at scrape time.

Fed in process: forge calls (a `CallObserver` given to `build_forge`), scan durations
(`scan_finished`), HTTP requests (the web middleware). Read from the database when
`/metrics` is scraped, so every replica reports the same truth: inbox depth and age,
actions by type and state, digests by state, statuses per target, the last scan.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from bot.service.metrics import Registry
from bot.store.view_records import OpsCounts

PREFIX = "upstream_bot"


@dataclass(frozen=True, slots=True)
class ForgeState:
    """What this process has seen of one forge: answers by outcome and pauses by reason."""

    forge: str
    outcomes: tuple[tuple[str, int], ...]
    pauses: tuple[tuple[str, int, float], ...]

    @property
    def requests(self) -> int:
        return sum(n for _, n in self.outcomes)

    @property
    def errors(self) -> int:
        return sum(n for outcome, n in self.outcomes if outcome != "ok")


class Telemetry:
    """The metric families of one bot process; also the forges' `CallObserver`."""

    def __init__(self, registry: Registry | None = None) -> None:
        r = self.registry = registry or Registry()
        self.scan_seconds = r.histogram(
            f"{PREFIX}_scan_duration_seconds", "Duration of scan passes run by this process.",
            ("status",),
        )
        self.forge_requests = r.counter(
            f"{PREFIX}_forge_requests_total",
            "Forge call attempts by forge and outcome (ok or the error: NotFound, RateLimited, "
            "Unavailable, ...).",
            ("forge", "status"),
        )
        self.forge_seconds = r.histogram(
            f"{PREFIX}_forge_request_duration_seconds", "Duration of forge call attempts.",
            ("forge",),
        )
        self.forge_pauses = r.counter(
            f"{PREFIX}_forge_pauses_total",
            "Pauses before a forge call: reason budget (hourly budget used up), RateLimited "
            "(the forge asked us to wait) or the error being retried.",
            ("forge", "reason"),
        )
        self.forge_pause_seconds = r.counter(
            f"{PREFIX}_forge_pause_seconds_total", "Seconds spent in those pauses.",
            ("forge", "reason"),
        )
        self.http_requests = r.counter(
            f"{PREFIX}_http_requests_total", "HTTP requests served, by route and status.",
            ("route", "method", "status"),
        )
        self.http_seconds = r.histogram(
            f"{PREFIX}_http_request_duration_seconds", "Server time of HTTP requests.",
            ("route",),
        )
        self.inbox_items = r.gauge(
            f"{PREFIX}_inbox_items", "Inbox events by state (read from the database).",
            ("state",),
        )
        self.inbox_age = r.gauge(
            f"{PREFIX}_inbox_oldest_pending_age_seconds",
            "Age of the oldest inbox event still waiting; 0 when none waits.",
        )
        self.actions = r.gauge(
            f"{PREFIX}_actions", "Logged actions by type and state (read from the database).",
            ("type", "state"),
        )
        self.digests = r.gauge(
            f"{PREFIX}_digests", "Weekly digest emails by state, sent ones included.", ("state",),
        )
        self.change_targets = r.gauge(
            f"{PREFIX}_changes", "Current (change, target) pairs by target and status.",
            ("target", "status"),
        )
        self.stale_packages = r.gauge(
            f"{PREFIX}_stale_packages", "Packages whose last scan failed and keep old statuses.",
        )
        self.last_scan_finished = r.gauge(
            f"{PREFIX}_last_scan_finished_timestamp_seconds",
            "When the newest finished scan run ended (Unix time).",
        )
        self.database_up = r.gauge(
            f"{PREFIX}_database_up", "1 when the last scrape could read the database, else 0.",
        )
        self.last_scan_duration = r.gauge(
            f"{PREFIX}_last_scan_duration_seconds", "How long the newest finished scan run took.",
        )

    # CallObserver

    def attempted(self, forge: str, outcome: str, seconds: float) -> None:
        self.forge_requests.inc(forge=forge, status=outcome)
        self.forge_seconds.observe(seconds, forge=forge)

    def paused(self, forge: str, reason: str, seconds: float) -> None:
        self.forge_pauses.inc(forge=forge, reason=reason)
        self.forge_pause_seconds.inc(max(seconds, 0.0), forge=forge, reason=reason)

    # Other feeds

    def scan_finished(self, seconds: float, *, status: str) -> None:
        self.scan_seconds.observe(seconds, status=status)

    def served(self, route: str, method: str, status: int, seconds: float) -> None:
        self.http_requests.inc(route=route, method=method, status=status)
        self.http_seconds.observe(seconds, route=route)

    def refresh(self, counts: OpsCounts, *, now: datetime) -> None:
        """Set the database-derived gauges from `counts`, read at `now`."""
        self.inbox_items.replace(({"state": s}, n) for s, n in counts.inbox_by_state.items())
        oldest = counts.inbox_oldest_waiting
        self.inbox_age.set(max((now - oldest).total_seconds(), 0.0) if oldest else 0.0)
        self.actions.replace(
            ({"type": t, "state": s}, n) for (t, s), n in counts.actions.items()
        )
        self.digests.replace(({"state": s}, n) for s, n in counts.digests.items())
        self.change_targets.replace(
            ({"target": t, "status": s}, n) for (t, s), n in counts.targets.items()
        )
        self.stale_packages.set(counts.stale_packages)
        scan = counts.last_finished_scan
        if scan is not None and scan.finished_at is not None:
            self.last_scan_finished.set(scan.finished_at.timestamp())
            self.last_scan_duration.set((scan.finished_at - scan.started_at).total_seconds())

    def render(self) -> str:
        return self.registry.render()

    def forge_states(self) -> list[ForgeState]:
        """Per forge, what this process's calls met: for the health page."""
        outcomes: dict[str, list[tuple[str, int]]] = defaultdict(list)
        for _, (forge, status), _, value in self.forge_requests.samples():
            outcomes[forge].append((status, int(value)))
        pauses: dict[str, list[tuple[str, int, float]]] = defaultdict(list)
        for _, (forge, reason), _, value in self.forge_pauses.samples():
            seconds = self.forge_pause_seconds.value(forge=forge, reason=reason)
            pauses[forge].append((reason, int(value), seconds))
        return [
            ForgeState(forge, tuple(outcomes[forge]), tuple(pauses[forge]))
            for forge in sorted(set(outcomes) | set(pauses))
        ]

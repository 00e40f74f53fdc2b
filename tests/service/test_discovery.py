"""bot/service/discovery.py's plan: which packages a scan reads and why, from what the
listings show and what the store remembers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.service.discovery import TARGET_REFRESH, Watch, Watched, plan_packages
from bot.store.records import WorkState
from bot.store.scan_records import WatchState, WorkItem

NOW = datetime(2026, 11, 1, 12, tzinfo=UTC)
EARLIER = NOW - timedelta(hours=6)


def _state(forge: str, path: str, listed: datetime | None, seen: datetime | None,
           observed: datetime | None = None) -> WatchState:
    return WatchState(forge, path, path.rpartition("/")[0], listed, seen, observed)


def _watched(role: str, forge: str, namespace: str, by_activity: bool,
             states: dict[str, WatchState]) -> tuple[str, Watched]:
    return role, Watched(Watch(forge, namespace, by_activity), states)


def _world(**downstream: WatchState) -> dict[str, Watched]:
    seen = NOW - timedelta(hours=1)
    fedora = {name: _state("fedora", f"rpms/{name}", None, None, seen)
              for name in ("bash", "zsh", "dash", "fish")}
    return dict([
        _watched("downstream", "almalinux", "rpms", True, dict(downstream)),
        _watched("autopatch", "autopatch", "autopatch", True, {
            "fish": _state("autopatch", "autopatch/fish", EARLIER, EARLIER, EARLIER),
        }),
        _watched("centos-stream", "centos-stream", "redhat/centos-stream/rpms", True, {
            "zsh": _state("centos-stream", "redhat/centos-stream/rpms/zsh", NOW, EARLIER,
                          EARLIER),
        }),
        _watched("fedora", "fedora", "rpms", False, fedora),
    ])


def _item(package: str, state: WorkState, **fields: object) -> WorkItem:
    values: dict[str, object] = {
        "package": package, "run_id": 1, "state": state, "reason": "x", "attempts": 0,
        "next_attempt_at": NOW, "lease_owner": None, "lease_expires_at": None,
        "last_error": None, "heads": {"a9": "1", "c9": "2"},
    }
    values.update(fields)
    return WorkItem(**values)  # type: ignore[arg-type]


def _everyone(_package: str, _autopatched: bool) -> bool:
    return True


DOWNSTREAM = {
    "bash": _state("almalinux", "rpms/bash", NOW, EARLIER, EARLIER),
    "zsh": _state("almalinux", "rpms/zsh", EARLIER, EARLIER, EARLIER),
    "dash": _state("almalinux", "rpms/dash", EARLIER, EARLIER, EARLIER),
    "fish": _state("almalinux", "rpms/fish", EARLIER, EARLIER, EARLIER),
    "new": _state("almalinux", "rpms/new", NOW, None, None),
}


def test_only_what_changed_is_read_and_why() -> None:
    items = {name: _item(name, WorkState.DONE) for name in DOWNSTREAM}
    plan = plan_packages(_world(**DOWNSTREAM), items, wants=_everyone, now=NOW)
    reasons = {name: job.reason for name, job in plan.jobs.items()}
    assert reasons == {
        "bash": "downstream updated",
        "zsh": "centos-stream updated",
        "new": "new",
    }
    assert plan.skipped == 2
    # only a downstream touch keeps the known heads: unmoved branches end the scan early
    assert plan.jobs["bash"].known_heads == {"a9": "1", "c9": "2"}
    assert plan.jobs["zsh"].known_heads is None
    assert plan.jobs["bash"].updated_at == NOW


def test_targets_that_cannot_be_listed_are_refreshed_by_age() -> None:
    world = _world(**DOWNSTREAM)
    later = NOW + TARGET_REFRESH * 1.3
    plan = plan_packages(world, {}, wants=_everyone, now=later)
    assert all("fedora refresh due" in plan.jobs[n].reason for n in ("bash", "zsh", "dash"))
    # never read there (no state): due at once
    plan = plan_packages(world, {}, wants=_everyone, now=NOW)
    assert plan.jobs["new"].reason == "new" and "dash" not in plan.jobs


def test_a_failed_package_waits_for_its_retry_time() -> None:
    failing = _item("dash", WorkState.FAILED, attempts=2, last_error="Unavailable: down",
                    next_attempt_at=NOW + timedelta(minutes=30))
    plan = plan_packages(_world(**DOWNSTREAM), {"dash": failing, "bash": failing},
                         wants=_everyone, now=NOW)
    assert set(plan.deferred) == {"dash", "bash"}
    assert "Unavailable: down" in plan.deferred["dash"]
    later = plan_packages(_world(**DOWNSTREAM), {"dash": failing}, wants=_everyone,
                          now=NOW + timedelta(hours=1))
    assert later.jobs["dash"].reason == "retry 2"


def test_include_and_exclude_lists_with_autopatch_packages_always_in() -> None:
    def wants(package: str, autopatched: bool) -> bool:
        return package != "bash" and (package == "zsh" or autopatched)

    fish = dict(DOWNSTREAM, fish=_state("almalinux", "rpms/fish", NOW, EARLIER, EARLIER))
    plan = plan_packages(_world(**fish), {}, wants=wants, now=NOW)
    assert set(plan.jobs) == {"zsh", "fish"}
    assert plan.jobs["fish"].also_seen[0].path == "autopatch/fish"


def test_asked_and_full_scans_read_regardless_and_unfinished_work_is_picked_up() -> None:
    items = {"dash": _item("dash", WorkState.CLAIMED)}
    plan = plan_packages(_world(**DOWNSTREAM), items, wants=_everyone, now=NOW)
    assert plan.jobs["dash"].reason == "unfinished"
    asked = plan_packages(_world(**DOWNSTREAM), {}, wants=_everyone, now=NOW,
                          asked=["fish", "elsewhere"])
    assert {n: j.reason for n, j in asked.jobs.items()} == {"elsewhere": "asked",
                                                            "fish": "asked"}
    full = plan_packages(_world(**DOWNSTREAM), {}, wants=_everyone, now=NOW, full=True)
    assert set(full.jobs) == set(DOWNSTREAM) and full.skipped == 0
    assert all(j.known_heads is None for j in full.jobs.values())


def test_listed_targets_are_read_again_after_a_month_as_a_safety_net() -> None:
    world = _world(**DOWNSTREAM)
    centos = world["centos-stream"]
    dash = _state("centos-stream", "redhat/centos-stream/rpms/dash", EARLIER, EARLIER, EARLIER)
    world["centos-stream"] = Watched(centos.watch, {"dash": dash})
    fresh = {n: _state("fedora", f"rpms/{n}", None, None, NOW + timedelta(days=39))
             for n in DOWNSTREAM}
    world["fedora"] = Watched(world["fedora"].watch, fresh)
    soon = plan_packages(world, {}, wants=_everyone, now=NOW + timedelta(days=10))
    assert "dash" not in soon.jobs
    later = plan_packages(world, {}, wants=_everyone, now=NOW + timedelta(days=40))
    assert later.jobs["dash"].reason == "centos-stream refresh due"

"""Incremental scans on a served 40-package world: a rescan with nothing changed reads only
the listings; after a downstream push and a merge in a target, the next scan reads those
two packages only, records what changed (the replaced patch superseded by its successor,
the merged request), and leaves every other stored status as it was."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from bot.domain.change import scoped_id
from bot.domain.model import Status, Target
from bot.domain.overrides import Override, OverrideKind
from bot.sandbox import gitstore
from bot.sandbox.gitstore import Author
from bot.service.scan import ScanSummary, scan_once
from bot.store.records import ScanStatus
from tests.sandbox.seeded import NOW
from tests.service.served import Served, served_world

PACKAGES = 40
#: a package whose a9 patch is replaced by a new version of itself
PUSHED = "pkg-0036"
PATCH = "0001-Fix-crash-in-pkg-0036-scan-entry-when-entry-name-is.patch"
#: a package with an open CentOS Stream merge request on c9s, merged between the scans
MERGED = "pkg-0016"
AUTHOR = Author("Packager", "packager@sandbox.test")


def _requests(served: Served) -> int:
    return sum(served.faults(kind).requests for kind in ("gitea", "gitlab", "pagure", "github"))


async def _scan(served: Served, *, hours: int, **options: object) -> ScanSummary:
    return await scan_once(
        settings=served.settings, forges=served.forges, store=served.store,
        now=NOW + timedelta(hours=hours), **options,  # type: ignore[arg-type]
    )


def _all_states(served: Served) -> dict[tuple[str, str], tuple[object, ...]]:
    everyone = {p.name for p in served.truth.packages}
    return {
        key: (state.status, state.reason, state.url)
        for key, state in served.states(everyone).items()
    }


def _replace_patch(served: Served) -> None:
    """Push a new version of PATCH to a9 (same name, one added line different)."""
    path = f"rpms/{PUSHED}"
    tree = gitstore.run_git(served.world.git_dir("gitea", path), "ls-tree", "-r",
                            "--name-only", "a9").decode().split()
    where = next(p for p in tree if p.endswith(PATCH))
    data = gitstore.run_git(served.world.git_dir("gitea", path), "show", f"a9:{where}")
    lines = data.split(b"\n")
    index = next(i for i, line in enumerate(lines)
                 if line.startswith(b"+") and not line.startswith(b"+++"))
    lines[index] += b" /* and the empty name */"
    served.world.commit("gitea", path, "a9", {where: b"\n".join(lines)},
                        message="Update the fix", author=AUTHOR)


async def test_a_rescan_reads_only_the_packages_that_changed(tmp_path: Path) -> None:
    async with served_world(tmp_path, packages=PACKAGES) as served:
        cold_before = _requests(served)
        first = await _scan(served, hours=0)
        cold = _requests(served) - cold_before
        assert not first.stale and not served.disagreements()
        assert first.finished and len(first.touched) == PACKAGES and first.skipped == 0

        before = _requests(served)
        quiet = await _scan(served, hours=1)
        assert quiet.touched == [] and quiet.skipped == PACKAGES
        assert quiet.transitions == 0 and quiet.finished
        # one listing per watched namespace (Gitea also asks for the org's id once each)
        assert _requests(served) - before <= 8, _requests(served) - before
        assert cold > 20 * (_requests(served) - before)
        states = _all_states(served)

        served.world.clock = lambda: NOW + timedelta(hours=2)
        _replace_patch(served)
        gitlab = f"redhat/centos-stream/rpms/{MERGED}"
        [request] = [c for c in served.world.changes("gitlab", gitlab) if c.state == "open"]
        served.world.set_change_state("gitlab", gitlab, request.number, "merged")

        changed = await _scan(served, hours=3)
        assert sorted(changed.touched) == sorted([PUSHED, MERGED])
        assert changed.skipped == PACKAGES - 2 and not changed.stale

        # the replaced patch: its old version superseded by the new one in every target
        old = next(s for s in served.store.list_changes(PUSHED, "a9", include_gone=True)
                   if s.record.name == PATCH and s.gone_at is not None)
        new = next(s for s in served.store.list_changes(PUSHED, "a9") if s.record.name == PATCH)
        assert old.record.superseded_by == new.record.id
        for target in (Target.CENTOS_STREAM, Target.FEDORA):
            state = served.store.get_target_status(old.record.id, target)
            assert state is not None and state.status is Status.SUPERSEDED
            assert state.evidence["superseded_by"] == new.record.id
            assert PATCH in (state.reason or "")
            assert served.store.get_target_status(new.record.id, target) is not None

        # the merged request: its change is no longer submitted in CentOS Stream
        submitted = [
            scoped_id(package.name, branch.branch, change.id)
            for package, branch, change, row in served.truth.rows()
            if package.name == MERGED and row.target is Target.CENTOS_STREAM
            and row.branch == request.target_branch and row.status is Status.SUBMITTED
        ]
        assert submitted, "the seeded request was tracked as submitted"
        for change_id in submitted:
            state = served.store.get_target_status(change_id, Target.CENTOS_STREAM)
            assert state is not None and state.status in (Status.MERGED, Status.PRESENT)

        # nothing else moved
        after = _all_states(served)
        untouched = {k: v for k, v in states.items() if not _of(k, (PUSHED, MERGED), served)}
        assert {k: after[k] for k in untouched} == untouched


async def test_a_dry_run_writes_nothing_and_lists_what_a_scan_would_write(
    tmp_path: Path,
) -> None:
    async with served_world(tmp_path, packages=12) as served:
        planned = await _scan(served, hours=0, dry_run=True)
        assert planned.dry_run and planned.run_id == 0 and planned.planned
        assert served.store.list_packages() == []
        assert served.store.latest_snapshots(1) == []
        assert served.store.scans.work_items() == {}
        real = await _scan(served, hours=0)
        assert real.transitions == len(planned.planned)
        assert {(p.change_id, p.target, p.to_status) for p in planned.planned} == {
            (key[0], Target(key[1]), state.status)
            for key, state in served.states({p.name for p in served.truth.packages}).items()
        }
        assert real.finished
        assert served.store.scans.run_state(real.run_id).status is ScanStatus.OK


async def test_an_unmoved_branch_after_a_touch_costs_one_request(tmp_path: Path) -> None:
    async with served_world(tmp_path, packages=12) as served:
        await _scan(served, hours=0)
        served.world.clock = lambda: NOW + timedelta(hours=2)
        # an issue or a settings change bumps the repository's date, not its branches
        name = served.truth.packages[0].name
        served.world.touch("gitea", f"rpms/{name}")
        before = served.faults("gitea").requests
        again = await _scan(served, hours=3)
        assert again.touched == [name] and again.unchanged == [name]
        # the rpms and autopatch listings (each asking for its org's id the first time)
        # and the package's branch list
        assert served.faults("gitea").requests - before <= 5
        quiet = await _scan(served, hours=4)
        assert quiet.touched == []


def _of(key: tuple[str, str], packages: tuple[str, ...], served: Served) -> bool:
    return any(
        key[0] == scoped_id(package.name, branch.branch, change.id)
        for package, branch, change, _ in served.truth.rows()
        if package.name in packages
    )


async def test_rescans_keep_reminders_and_follow_overrides(tmp_path: Path) -> None:
    async with served_world(tmp_path, packages=PACKAGES) as served:
        await _scan(served, hours=0)
        store = served.store
        # pending pairs, of PUSHED's only those on a9 (pushed to below) other than PATCH
        pending = {
            key: state for key, state in served.states({PUSHED, MERGED}).items()
            if state.status is Status.PENDING
            and (stored := store.get_change(key[0])) is not None
            and (stored.package == MERGED
                 or (stored.branch == "a9" and stored.record.name != PATCH))
        }

        def pick(package: str, taken: tuple[str, ...] = ()) -> tuple[str, Target]:
            key = next(k for k in sorted(pending) if _of(k, (package,), served)
                       and k[0] not in taken)
            return key[0], Target(key[1])

        # the act pass reminded the owner of a change of the package pushed to below
        reminded = pick(PUSHED)
        old = pending[(reminded[0], str(reminded[1]))]
        store.set_target_status(*reminded, Status.REMINDED, reason="reminded @owner",
                                evidence={**old.evidence, "action": "remind:1"},
                                now=NOW + timedelta(minutes=30), actor="act")
        # commands about changes of a package nobody pushes to: a skip, a snooze of an hour
        skipped, snoozed = pick(MERGED), pick(MERGED, (pick(MERGED)[0],))
        store.add_override(Override(skipped[0], OverrideKind.SKIP, "ours", "alice",
                                    NOW + timedelta(minutes=40)))
        store.add_override(Override(snoozed[0], OverrideKind.SNOOZE, "1h", "alice",
                                    NOW + timedelta(minutes=40),
                                    until=NOW + timedelta(minutes=100)))
        assert _status(served, skipped) is Status.NOT_NEEDED
        assert _status(served, snoozed) is Status.SNOOZED

        served.world.clock = lambda: NOW + timedelta(hours=2)
        _replace_patch(served)
        again = await _scan(served, hours=3)
        assert again.touched == [PUSHED]
        state = store.get_target_status(*reminded)
        assert state is not None and (state.status, state.reason) == (
            Status.REMINDED, "reminded @owner")
        assert [t.to_status for t in store.status_history(*reminded)] == [
            Status.PENDING, Status.REMINDED], "no pending/reminded noise"
        assert _status(served, skipped) is Status.NOT_NEEDED
        # the snooze ran out at 1:40: pending again, though its package was not read
        state = store.get_target_status(*snoozed)
        assert state is not None and (state.status, state.reason) == (
            Status.PENDING, pending[(snoozed[0], str(snoozed[1]))].reason)


def _status(served: Served, pair: tuple[str, Target]) -> Status | None:
    state = served.store.get_target_status(*pair)
    return state.status if state is not None else None

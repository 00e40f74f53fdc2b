"""`scan_once` on a served 40-package world (seed 0), through the real forge adapters and
SQLite, agrees with the seeded truth on every (package, branch, change, target) row, and a
second scan with nothing changed writes no transition."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.app import build_forge
from bot.domain.change import scoped_id
from bot.forges.base import Forge
from bot.sandbox import gitea_api, github_api, gitlab_api, pagure_api
from bot.sandbox.faults import Faults
from bot.sandbox.seed import seed_world
from bot.sandbox.server import start_sandbox
from bot.sandbox.truth import Truth
from bot.sandbox.world import World
from bot.service.scan import scan_once
from bot.settings import Settings, load_settings
from bot.store import Store, migrate, open_engine, session_factory
from tests.sandbox.seeded import NOW

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = 40
_APPS = {
    "gitea": gitea_api.build_app,
    "gitlab": gitlab_api.build_app,
    "pagure": pagure_api.build_app,
    "github": github_api.build_app,
}


class Counting:
    """A forge that counts the Protocol calls made through it."""

    def __init__(self, forge: Forge, calls: Counter[str]) -> None:
        self._forge = forge
        self._calls = calls
        self.name = forge.name
        self.capabilities = forge.capabilities

    def __getattr__(self, attribute: str) -> Any:
        inner = getattr(self._forge, attribute)
        if not callable(inner) or attribute in ("close", "push_credentials"):
            return inner

        async def call(*args: Any, **kwargs: Any) -> Any:
            self._calls[f"{self.name}.{attribute}"] += 1
            return await inner(*args, **kwargs)

        return call


@dataclass
class Scanned:
    settings: Settings
    truth: Truth
    store: Store
    forges: dict[str, Forge]
    calls: Counter[str]


@pytest.fixture
async def scanned(tmp_path: Path) -> AsyncIterator[Scanned]:
    settings = load_settings(ROOT / "config/sandbox.toml", environ={})
    world = World(tmp_path / "world", clock=lambda: NOW)
    truth = seed_world(world, packages=PACKAGES, seed=0, now=NOW)
    running = await start_sandbox(world, apps=_APPS, ports={}, faults=Faults())
    engine = open_engine(f"sqlite:///{tmp_path / 'bot.sqlite3'}")
    migrate(engine)
    calls: Counter[str] = Counter()
    forges: dict[str, Forge] = {}
    for forge in settings.forges:
        kind = str(forge.type)
        token = world.users(kind)["upstream-bot"].token
        adapter = build_forge(forge, url=running.urls[kind], token=token)
        forges[forge.name] = Counting(adapter, calls)  # type: ignore[assignment]
    try:
        yield Scanned(settings, truth, Store(session_factory(engine)), forges, calls)
    finally:
        for adapter in forges.values():
            await adapter.close()
        await running.close()
        engine.dispose()


async def test_scan_agrees_with_the_truth_and_a_rescan_writes_nothing(scanned: Scanned) -> None:
    started = time.perf_counter()
    summary = await scan_once(
        settings=scanned.settings, forges=scanned.forges, store=scanned.store, now=NOW
    )
    seconds = time.perf_counter() - started
    assert not summary.stale, summary.stale
    store, agree = scanned.store, Counter[str]()
    wrong: list[str] = []
    missing: list[str] = []
    expected: set[tuple[str, str]] = set()
    for package, branch, change, row in scanned.truth.rows():
        key = scoped_id(package.name, branch.branch, change.id)
        expected.add((key, str(row.target)))
        state = store.get_target_status(key, row.target)
        if state is None:
            missing.append(f"{package.name} {branch.branch} {change.name} {row.target}")
        elif state.status is row.status:
            agree[str(row.status)] += 1
        else:
            wrong.append(
                f"{package.name} {branch.branch} {change.name} {row.target} {row.branch}: "
                f"truth {row.status} ({row.story}), scan {state.status}: {state.reason}"
            )
    extra = [
        (s.package, s.branch, s.record.name, target)
        for package in scanned.truth.packages
        for branch in package.branches
        for s in store.list_changes(package.name, branch.branch)
        for target in ("centos-stream", "fedora", "project")
        if store.get_target_status(s.record.id, target) is not None  # type: ignore[arg-type]
        and (s.record.id, target) not in expected
    ]
    requests = sum(scanned.calls.values())
    diffs = sum(n for call, n in scanned.calls.items() if call.endswith(".commit_diff"))
    print(
        f"\nscan of {PACKAGES} packages: {sum(agree.values())} rows agree, {len(wrong)} disagree, "
        f"{len(missing)} missing, {len(extra)} extra; {summary.transitions} transitions; "
        f"{requests} forge calls ({diffs} commit diffs); {seconds:.1f}s; {dict(agree)}\n"
        + "\n".join(wrong)
    )
    before = sum(scanned.calls.values())
    again = await scan_once(
        settings=scanned.settings, forges=scanned.forges, store=scanned.store, now=NOW
    )
    print(f"rescan: {sum(scanned.calls.values()) - before} forge calls")
    assert again.transitions == 0
    assert not missing and not extra
    assert not wrong, "\n".join(wrong[:40])
    assert sum(agree.values()) > 100

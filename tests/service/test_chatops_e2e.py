"""End to end on the sandbox: a maintainer writes `/upstream submit fedora` on a package's
tracking issue in the sandbox Gitea; Gitea's webhook reaches the bot's web app, the inbox
worker runs the command through `submit_change`, the Fedora pull request opens on the
sandbox Pagure and the reply in the issue links it. The same comment by someone who is not
a member of the package is refused, and nothing more is opened.

Everything is real: the sandbox forges over HTTP and git, their webhook sender, the bot's
web app with the webhook routes, the inbox in SQLite, the workers, the adapters."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from aiohttp import web

from bot.app import build_forge
from bot.chatops_runtime import ChatopsRuntime, build_chatops_runtime
from bot.commands.opened import sandbox_settings
from bot.domain.change import scoped_id
from bot.domain.model import ChangeType, Status, Target
from bot.domain.tracking import tracking_key
from bot.forges.base import Forge, RepoRef, Thread, ThreadKind
from bot.sandbox.faults import Faults
from bot.sandbox.seed import seed_world
from bot.sandbox.server import RunningSandbox, start_sandbox
from bot.sandbox.truth import Truth
from bot.sandbox.webhooks import Hook, WebhookSender
from bot.sandbox.world import World
from bot.service.act import act_once
from bot.service.scan import scan_once
from bot.service.submission import SubmitDeps
from bot.settings import Secret, Settings, load_settings
from bot.store import Store, migrate, open_engine, session_factory
from bot.web.app import build_web_app
from tests.sandbox.seeded import NOW
from tests.service.acting import SCANNED, acting_settings, at
from tests.service.served import APPS, ROOT

SECRET = "e2e-webhook-secret"
BOT = "upstream-bot"
MAINTAINER = "pkg-maintainer"
OUTSIDER = "drive-by"


@dataclass
class Bench:
    world: World
    settings: Settings
    store: Store
    forges: dict[str, Forge]
    running: RunningSandbox
    runtime: ChatopsRuntime
    package: str
    change_id: str
    issue: int

    async def comment(self, author: str, body: str) -> None:
        """`author` writes `body` on the tracking issue through the Gitea API."""
        forge = build_forge(self.settings.forge("almalinux"),
                            token=self.world.users("gitea")[author].token)
        try:
            thread = Thread(RepoRef("rpms", self.package), ThreadKind.ISSUE, self.issue)
            await forge.post_comment(thread, body)
        finally:
            await forge.close()

    async def replies(self, count: int) -> list[str]:
        """The bot's comments on the tracking issue once there are `count` (waits for the
        webhook delivery and the inbox worker; gives up after a minute)."""
        for _ in range(600):
            assert self.running.sender is not None
            await self.running.sender.drain()
            found = [c.body for c in self.world.comments("gitea", f"rpms/{self.package}",
                                                          "issue", self.issue)
                     if c.author == BOT and "<!-- upstream-bot:reply:" in c.body]
            if len(found) >= count:
                return found
            await asyncio.sleep(0.1)
        raise AssertionError(f"no reply {count} after a minute: {found}")

    def fedora_requests(self) -> list[int]:
        """The numbers of the bot's pull requests on the package's Fedora repository."""
        return [c.number for c in self.world.changes("pagure", f"rpms/{self.package}")
                if c.author == BOT]


def _story(truth: Truth) -> tuple[str, str]:
    """A package with exactly one pending patch for Fedora (so the comment needs no ref)."""
    pending: dict[str, list[str]] = {}
    for package, branch, change, row in truth.rows():
        wanted = row.target is Target.FEDORA and row.status is Status.PENDING
        if wanted and change.type is ChangeType.PATCH and change.upstreamable:
            pending.setdefault(package.name, []).append(
                scoped_id(package.name, branch.branch, change.id)
            )
    for package, ids in sorted(pending.items()):
        if len(ids) == 1:
            return package, ids[0]
    raise AssertionError("the seeded world has no package with one pending Fedora patch")


@asynccontextmanager
async def bench(tmp_path: Path) -> AsyncIterator[Bench]:
    world = World(tmp_path / "world", clock=lambda: NOW)
    truth = seed_world(world, packages=10, seed=0, now=NOW)
    package, change_id = _story(truth)
    world.add_user("gitea", MAINTAINER)
    world.add_user("gitea", OUTSIDER)
    with world.lock:
        world.repo("gitea", f"rpms/{package}").members[MAINTAINER] = "write"
    sender = WebhookSender([])
    running = await start_sandbox(world, apps=APPS, ports={},
                                  faults={kind: Faults() for kind in APPS}, sender=sender)
    base = acting_settings(
        sandbox_settings(load_settings(ROOT / "config/sandbox.toml", environ={}), running.urls)
    )
    settings = replace(base, forges=tuple(
        replace(f, webhook_secret=Secret(SECRET, env="UPSTREAM_BOT_GITEA_WEBHOOK_SECRET"))
        if f.name == "almalinux" else f
        for f in base.forges
    ))
    engine = open_engine(f"sqlite:///{tmp_path / 'bot.sqlite3'}")
    migrate(engine)
    store = Store(session_factory(engine))
    forges = {f.name: build_forge(f, token=world.users(str(f.type))[BOT].token)
              for f in settings.forges}
    (tmp_path / "work").mkdir()
    runner: web.AppRunner | None = None
    runtime: ChatopsRuntime | None = None
    try:
        await scan_once(settings=settings, forges=forges, store=store, now=SCANNED,
                        packages=[package])
        # the act pass reminds the owner in the package's tracking issue (opening it)
        await act_once(settings=settings, store=store, forges=forges, now=at(15),
                       work_root=tmp_path / "work", packages=[package])
        tracking = store.get_action(tracking_key(package))
        assert tracking is not None and tracking.result is not None, "no tracking issue"
        deps = SubmitDeps(settings=settings, store=store, forges=forges,
                          work_root=tmp_path / "work", git_timeout=60.0)
        runtime = build_chatops_runtime(settings, store, forges, clock=lambda: at(16),
                                        submit_deps=deps, owner="e2e")
        app = build_web_app(settings, store, routes=[runtime.routes()])
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = runner.addresses[0][1]
        sender.hooks.append(Hook("gitea", f"http://127.0.0.1:{port}/webhooks/gitea", SECRET))
        await runtime.start()
        yield Bench(world, settings, store, forges, running, runtime, package, change_id,
                    int(tracking.result["number"]))
    finally:
        if runtime is not None:
            await runtime.stop()
        if runner is not None:
            await runner.cleanup()
        for adapter in forges.values():
            await adapter.close()
        await running.close()
        engine.dispose()


async def test_submit_fedora_by_a_maintainer_and_by_a_non_member(tmp_path: Path) -> None:
    async with bench(tmp_path) as b:
        assert b.fedora_requests() == []

        await b.comment(MAINTAINER, "Looks right to me.\n\n/upstream submit fedora")
        (reply,) = await b.replies(1)
        (opened,) = [c for c in b.world.changes("pagure", f"rpms/{b.package}")
                     if c.author == BOT]
        assert f"/rpms/{b.package}/pull-request/{opened.number}" in reply, reply
        assert "fedora: opened http" in reply
        state = b.store.get_target_status(b.change_id, Target.FEDORA)
        assert state is not None and state.status is Status.SUBMITTED
        assert state.url is not None and state.url in reply
        delivered = [d for d in b.running.sender.deliveries if d.event == "issue_comment"]
        assert delivered and all(d.status == 202 for d in delivered)

        await b.comment(OUTSIDER, "/upstream submit fedora")
        first, refused = await b.replies(2)
        assert first == reply
        assert f"Sorry @{OUTSIDER}, `submit` can be run by maintainers of the package" in refused
        assert f"rpms/{b.package}" in refused
        assert b.fedora_requests() == [opened.number]
        outcomes = [e.outcome for e in b.store.chatops.audit_entries()]
        assert any(o.startswith(f"refused: {OUTSIDER} has read") for o in outcomes)
        assert any(o.startswith("done: ") for o in outcomes)

"""A chat-ops test bench: the Gitea (downstream) and Pagure (Fedora) sandboxes served on
loopback with the real adapters, a SQLite store holding package `bash` with two changes and
its tracking issue, and the command runner wired to them. Comments are written in the
sandbox as people would and handed to the runner as the webhook would."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

from bot.domain.model import ChangeType, Kind, Operation, Status, Target
from bot.forges.base import Forge, RepoRef
from bot.forges.gitea import GiteaForge
from bot.forges.pagure import PagureForge
from bot.ingest.events import CommentAction, CommentEvent, ThreadKind, ThreadRef
from bot.sandbox import gitea_api, pagure_api
from bot.sandbox.faults import Faults
from bot.sandbox.gitstore import Author
from bot.sandbox.server import start_sandbox
from bot.sandbox.world import SandboxComment, World
from bot.service.chatops import Chatops, ChatopsDeps, PermissionCache
from bot.service.forge_urls import UrlMap
from bot.settings import Settings, load_settings
from bot.store import Store, migrate, open_engine, session_factory
from bot.store.records import ActionRecord, ActionState, BranchRecord, ChangeRecord, PackageRecord
from tests.fakes.submissions import RecordingSubmissions
from tests.forges.harness import make_caller

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 5, 4, 12, 0, tzinfo=UTC)
BOT = "upstream-bot"
MAINTAINER = "maintainer"
OUTSIDER = "outsider"
FIX = "3f2a9c1b00000001"
LOGO = "77aa00bb00000002"
AUTHOR = Author("Importer", "importer@sandbox.test")


@dataclass
class Desk:
    world: World
    store: Store
    chatops: Chatops
    deps: ChatopsDeps
    gitea: Forge
    pagure: Forge
    faults: Faults
    issue: int
    issue_url: str
    submissions: RecordingSubmissions
    refreshed: list[str] = field(default_factory=list)

    def write(
        self, body: str, *, author: str, forge: str = "gitea", number: int | None = None
    ) -> tuple[SandboxComment, CommentEvent]:
        """A comment on the tracking issue (or issue `number`), and its webhook event."""
        number = number or self.issue
        comment = self.world.add_comment(forge, "rpms/bash", "issue", number, author=author,
                                         body=body)
        return comment, self.event(comment, forge=forge)

    def edit(self, comment: SandboxComment, body: str) -> CommentEvent:
        edited = self.world.edit_comment(comment.forge, comment.id, body)
        return self.event(edited, action=CommentAction.EDITED)

    def event(
        self, comment: SandboxComment, *, forge: str = "gitea",
        action: CommentAction = CommentAction.CREATED,
    ) -> CommentEvent:
        url = self.issue_url if forge == "gitea" else None
        return CommentEvent(
            thread=ThreadRef("rpms/bash", ThreadKind.ISSUE, comment.number, url),
            comment_id=str(comment.id), author=comment.author, body=comment.body,
            action=action, created_at=comment.created_at, updated_at=comment.updated_at,
        )

    async def handle(self, event: CommentEvent, forge: str = "almalinux"):
        return await self.chatops.handle(forge, event)

    def replies(self, forge: str = "gitea", number: int | None = None) -> list[str]:
        comments = self.world.comments(forge, "rpms/bash", "issue", number or self.issue)
        return [c.body for c in comments if c.author == BOT]

    def outcomes(self) -> list[str]:
        return [entry.outcome for entry in reversed(self.store.chatops.audit_entries())]


def _stored_world(root: Path) -> World:
    ticks = iter(NOW + timedelta(seconds=n) for n in range(10**6))
    world = World(root, clock=lambda: next(ticks))
    for forge in ("gitea", "pagure"):
        for name in (BOT, MAINTAINER, OUTSIDER):
            world.add_user(forge, name)
        world.create_repo(forge, "rpms/bash", default_branch="a9",
                          members={MAINTAINER: "write", BOT: "admin"})
        world.commit(forge, "rpms/bash", "a9", {"bash.spec": b"Name: bash\n"}, message="import",
                     author=AUTHOR)
    return world


def _stored_inventory(store: Store) -> None:
    store.upsert_package(PackageRecord(name="bash", repo="rpms/bash"), now=NOW)
    store.upsert_branch(BranchRecord(package="bash", name="a9", base="c9"), now=NOW)
    store.record_changes("bash", "a9", [
        ChangeRecord(id=FIX, type=ChangeType.PATCH, operation=Operation.ADDED,
                     name="0001-fix-completion.patch", content_id="c-fix", kind=Kind.BUGFIX),
        ChangeRecord(id=LOGO, type=ChangeType.SOURCE, operation=Operation.MODIFIED,
                     name="logo.png", content_id="c-logo", kind=Kind.BRANDING,
                     upstreamable=False),
    ], now=NOW)
    for target in (Target.CENTOS_STREAM, Target.FEDORA):
        store.set_target_status(FIX, target, Status.PENDING, reason="not found upstream",
                                evidence={}, now=NOW, actor="scan")
    store.set_target_status(LOGO, Target.FEDORA, Status.NOT_NEEDED, reason="branding",
                            evidence={}, now=NOW, actor="scan")


async def open_desk(tmp_path: Path, *, settings: Settings | None = None) -> AsyncIterator[Desk]:
    settings = settings or load_settings(ROOT / "config/sandbox.toml", environ={})
    world = _stored_world(tmp_path / "world")
    faults = Faults()
    running = await start_sandbox(
        world, apps={"gitea": gitea_api.build_app, "pagure": pagure_api.build_app}, ports={},
        faults={"gitea": faults, "pagure": Faults()},
    )
    gitea = GiteaForge(name="almalinux", base_url=running.urls["gitea"],
                       token=world.users("gitea")[BOT].token,
                       caller=make_caller("almalinux", timeout=5.0), page_size=50, username=BOT)
    pagure = PagureForge(name="fedora", base_url=running.urls["pagure"],
                         token=world.users("pagure")[BOT].token, username=BOT,
                         caller=make_caller("fedora", timeout=5.0), page_size=50,
                         default_branch="a9")
    engine = open_engine(f"sqlite:///{tmp_path / 'bot.sqlite3'}")
    migrate(engine)
    store = Store(session_factory(engine))
    _stored_inventory(store)
    issue = await gitea.open_issue(RepoRef("rpms", "bash"), "Upstream status of bash",
                                   "<!-- upstream-bot:tracking-issue:bash -->")
    store.record_action(ActionRecord(key="tracking-issue:bash", type="tracking-issue",
                                     payload={"package": "bash"}), now=NOW)
    store.finish_action("tracking-issue:bash", state=ActionState.DONE, now=NOW, url=issue.url)
    submissions = RecordingSubmissions()
    refreshed: list[str] = []
    hosts = {urlsplit(running.urls[name]).netloc: forge
             for name, forge in (("gitea", "almalinux"), ("pagure", "fedora"))}
    deps = ChatopsDeps(
        settings=settings, store=store, forges={"almalinux": gitea, "fedora": pagure},
        clock=lambda: NOW, permissions=PermissionCache(timedelta(minutes=5), lambda: NOW),
        urls=UrlMap(hosts), submit=submissions.submit, set_reference=submissions.set_reference,
        refresh=refreshed.append,
    )
    try:
        yield Desk(world, store, Chatops(deps), deps, gitea, pagure, faults, issue.number,
                   issue.url, submissions, refreshed)
    finally:
        await gitea.close()
        await pagure.close()
        await running.close()
        engine.dispose()

"""Real `upstream-bot serve` replicas on the sandbox forges, for the serve tests: a seeded
world served in the test's own process (with latency, its webhooks delivered to every
replica), a settings file pointing at it, the replicas as child processes, and readers of
what the forges and the database hold afterwards.

The test's event loop serves the forges, so it must never block: waits on the replicas go
through `asyncio.to_thread`."""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, text

from bot.app import build_forge
from bot.commands.opened import sandbox_settings
from bot.forges.base import Forge, RepoRef, Thread, ThreadKind
from bot.sandbox import gitstore
from bot.sandbox.faults import Faults
from bot.sandbox.push_payloads import ZERO, push_payload, read_push
from bot.sandbox.seed import seed_world
from bot.sandbox.server import RunningSandbox, start_sandbox
from bot.sandbox.truth import Truth
from bot.sandbox.webhooks import Hook, WebhookSender
from bot.sandbox.world import World
from bot.service.leader import SCHEDULER_LOCK_KEY, _lock_ids
from bot.settings import Settings, load_settings
from tests.fakes.smtp import free_port
from tests.sandbox.seeded import NOW
from tests.service.replicas import Replica
from tests.service.served import APPS, ROOT

BOT = "upstream-bot"
MAINTAINER = "pkg-maintainer"
SECRET = "serve-replicas-webhook-secret"
SERVE = ROOT / "bot" / "__main__.py"
_TOKENS = {kind: f"SERVE_TEST_{kind.upper()}_TOKEN" for kind in APPS}
_MARKER = re.compile(r"<!-- upstream-bot:([^>]*?) -->")


def settings_text(urls: Mapping[str, str], *, smtp_port: int, interval: str) -> str:
    """config/sandbox.toml with the forges where the sandbox serves them (tokens and the
    Gitea webhook secret from the environment), scans every `interval`, a day-one policy
    (no grace, submit right after the reminder), every owner's digest every week, and the
    test's SMTP server."""
    config = (ROOT / "config/sandbox.toml").read_text()
    ports = {"gitea": 3000, "gitlab": 3001, "pagure": 3002, "github": 3003}
    for kind, port in ports.items():
        old = f'url = "http://127.0.0.1:{port}"\n'
        extra = f'token_env = "{_TOKENS[kind]}"\n'
        if kind == "gitea":
            extra += 'webhook_secret_env = "SERVE_TEST_HOOK_SECRET"\n'
        config = _replace(config, old, f'url = "{urls[kind]}"\n{extra}')
    config = _replace(config, 'interval = "15m"\n',
                      f'interval = "{interval}"\njitter = "1s"\nsync_interval = "{interval}"\n')
    config = _replace(config, 'submit_after = "1d"\n', 'submit_after = "0s"\n')
    config = _replace(config, "smtp_port = 8025\n", f"smtp_port = {smtp_port}\n")
    config = re.sub(r"(\[owners\.\w+\]\nemail = [^\n]+\n)", r'\1digest = "always"\n', config)
    return config + '\n[chatops]\npoll_interval = "0s"\n'


def _replace(config: str, old: str, new: str) -> str:
    assert old in config, f"config/sandbox.toml no longer has {old!r}"
    return config.replace(old, new)


@dataclass
class Bench:
    """The served world, the settings file, the replicas' environment."""

    world: World
    truth: Truth
    running: RunningSandbox
    settings: Settings
    config: Path
    environ: dict[str, str]

    @property
    def sender(self) -> WebhookSender:
        assert self.running.sender is not None
        return self.running.sender

    def maintainer_forge(self) -> Forge:
        forge = self.settings.forge("almalinux")
        return build_forge(forge, token=self.world.users("gitea")[MAINTAINER].token)

    async def open_issue(self, package: str, title: str) -> Thread:
        forge = self.maintainer_forge()
        try:
            issue = await forge.open_issue(RepoRef("rpms", package), title, "from the test")
        finally:
            await forge.close()
        return Thread(RepoRef("rpms", package), ThreadKind.ISSUE, issue.number)

    async def comment(self, thread: Thread, body: str) -> None:
        """The maintainer comments; Gitea delivers the webhook to every replica."""
        forge = self.maintainer_forge()
        try:
            await forge.post_comment(thread, body)
        finally:
            await forge.close()
        await self.sender.drain()

    async def push(self, package: str, branch: str) -> None:
        """Gitea's push webhook for `branch` of `package` as it is (created from nothing),
        signed, to every replica."""
        path = f"rpms/{package}"
        head = gitstore.run_git(self.world.git_dir("gitea", path), "rev-parse", branch)
        event = read_push(self.world, "gitea", path, pusher=self.world.users("gitea")[MAINTAINER],
                          branch=branch, before=ZERO, after=head.decode().strip(),
                          base_url=self.running.urls["gitea"])
        name, body = push_payload(event)
        await self.sender.send("gitea", name, body)

    def replies(self, thread: Thread) -> list[str]:
        return [c.body for c in self.world.comments("gitea", thread.repo.path, "issue",
                                                    thread.number)
                if c.author == BOT and "<!-- upstream-bot:reply:" in c.body]

    def duplicates(self) -> list[str]:
        """Anything the bot made twice on any forge: a comment with the same marker in one
        thread, an issue or a request with the same marker or source branch in one repo."""
        found = []
        for kind in APPS:
            for repo in self.world.repos(kind):
                made: Counter[str] = Counter()
                for change in self.world.changes(kind, repo.path):
                    if change.author == BOT:
                        made[f"request {change.source_repo}:{change.source_branch}"] += 1
                        made.update(f"request {m}" for m in _MARKER.findall(change.body))
                        found += _twice(self.world.comments(kind, repo.path, "change",
                                                            change.number), f"{repo.path}!")
                for issue in self.world.issues(kind, repo.path):
                    if issue.author == BOT:
                        made.update(f"issue {m}" for m in _MARKER.findall(issue.body))
                    found += _twice(self.world.comments(kind, repo.path, "issue", issue.number),
                                    f"{repo.path}#{issue.number}")
                found += [f"{kind} {repo.path}: {what} x{n}" for what, n in made.items() if n > 1]
        return found

    def bot_requests(self) -> int:
        return sum(1 for kind in APPS for repo in self.world.repos(kind)
                   for change in self.world.changes(kind, repo.path) if change.author == BOT)


def _twice(comments: list, where: str) -> list[str]:
    # a reply's marker names the comment it answers: a comment with two commands gets two
    # replies with one marker (`replies` counts those per command)
    markers = Counter(m for c in comments if c.author == BOT for m in _MARKER.findall(c.body)
                      if not m.startswith("reply:"))
    return [f"{where}: comment {m} x{n}" for m, n in markers.items() if n > 1]


@asynccontextmanager
async def bench(tmp_path: Path, database_url: str, *, packages: int, latency: float,
                smtp_port: int, interval: str = "1m") -> AsyncIterator[Bench]:
    world = World(tmp_path / "world", clock=lambda: NOW)
    truth = seed_world(world, packages=packages, seed=0, now=NOW)
    world.add_user("gitea", MAINTAINER)
    with world.lock:
        for repo in world.repos("gitea", "rpms"):
            repo.members[MAINTAINER] = "write"
    running = await start_sandbox(world, apps=APPS, ports={},
                                  faults={kind: Faults(latency=latency) for kind in APPS},
                                  sender=WebhookSender([]))
    try:
        config = tmp_path / "upstream-bot.toml"
        config.write_text(settings_text(running.urls, smtp_port=smtp_port, interval=interval))
        environ = {name: world.users(kind)[BOT].token for kind, name in _TOKENS.items()}
        environ |= {"SERVE_TEST_HOOK_SECRET": SECRET, "UPSTREAM_BOT_DATABASE_URL": database_url}
        settings = sandbox_settings(load_settings(config, environ=environ), running.urls)
        yield Bench(world, truth, running, settings, config, environ)
    finally:
        await running.close()


@contextmanager
def serving(bench: Bench, count: int, *extra: str) -> Iterator[list[tuple[Replica, int]]]:
    """`count` serve processes, each on a port of its own that Gitea delivers to; every one
    is killed and reaped at the end."""
    started: list[tuple[Replica, int]] = []
    try:
        for _ in range(count):
            port = free_port()
            replica = Replica(SERVE, ["serve", "--config", str(bench.config), "--port", str(port),
                                      *extra], env=bench.environ)
            started.append((replica, port))
            bench.sender.hooks.append(
                Hook("gitea", f"http://127.0.0.1:{port}/webhooks/gitea", SECRET)
            )
        yield started
    finally:
        for replica, _ in started:
            replica.reap()


def leader_pid(admin: Engine) -> int | None:
    """The OS pid of the replica holding the scheduler's lock, from its application_name."""
    high, low = _lock_ids(SCHEDULER_LOCK_KEY)
    with admin.connect() as connection:
        names = connection.execute(
            text("SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a USING (pid)"
                 " WHERE l.locktype = 'advisory' AND l.granted AND l.classid = :high"
                 " AND l.objid = :low AND l.objsubid = 1"),
            {"high": high, "low": low},
        ).scalars().all()
    return int(names[0].rsplit(":", 1)[1]) if names else None


async def until(check: Callable[[], object], *, what: str, timeout: float = 90.0,
                every: float = 0.2, state: Callable[[], object] | None = None) -> object:
    """Await `check()` (run in a thread) until it is truthy; fail naming `what` (and saying
    what `state()` says then)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        result = await asyncio.to_thread(check)
        if result:
            return result
        if loop.time() > deadline:
            seen = "" if state is None else f"; then: {await asyncio.to_thread(state)!r}"
            raise AssertionError(f"timed out after {timeout}s waiting for {what}{seen}")
        await asyncio.sleep(every)

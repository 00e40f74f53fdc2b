"""Writes planned repositories and change requests into a sandbox World.

Three things happen at once: the caller plans packages; a small thread pool writes each
repository's git data (one `git fast-import` per repository); one recorder thread makes
the World's records (repositories, change requests, comments) package after package in
the caller's order, so ids and numbers are the same on every run. Each written commit id
is checked against the plan's.
"""

from __future__ import annotations

import queue
import tempfile
import threading
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from types import TracebackType

from bot.sandbox import gitstore
from bot.sandbox.seed_changes import ChangePlan
from bot.sandbox.seed_downstream import SeedError
from bot.sandbox.seed_history import RepoPlan
from bot.sandbox.world import World

#: packages planned ahead of the one the recorder is working on
_WINDOW = 16
_Job = tuple[Sequence[RepoPlan], list[Future[None]], Sequence[ChangePlan]]


class WorldWriter:
    def __init__(self, world: World, *, workers: int = 2) -> None:
        self.world = world
        self._workers = max(1, workers)
        self._pool: ThreadPoolExecutor | None = None
        self._template: tempfile.TemporaryDirectory[str] | None = None
        self._jobs: queue.Queue[_Job | None] = queue.Queue(maxsize=_WINDOW)
        self._recorder = threading.Thread(target=self._record, name="seed-recorder")
        self._error: BaseException | None = None

    def __enter__(self) -> WorldWriter:
        self._template = tempfile.TemporaryDirectory(prefix="seed-template-")
        gitstore.init_bare_minimal(self._template_dir, default_branch="main")
        self._pool = ThreadPoolExecutor(self._workers, thread_name_prefix="seed-git")
        self._recorder.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._jobs.put(None)
        self._recorder.join()
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
        if self._template is not None:
            self._template.cleanup()
        if kind is None and self._error is not None:
            raise self._error

    @property
    def _template_dir(self) -> Path:
        assert self._template is not None
        return Path(self._template.name) / "template.git"

    def add(self, repos: Sequence[RepoPlan], changes: Sequence[ChangePlan]) -> None:
        """Write the repositories' git data soon, then record them and open the changes."""
        if self._error is not None:
            raise self._error
        assert self._pool is not None
        futures = [self._pool.submit(self._write, plan) for plan in repos]
        self._jobs.put((repos, futures, changes))

    def _write(self, plan: RepoPlan) -> None:
        git_dir = self.world.git_dir(plan.forge, plan.path)
        gitstore.init_bare_from(self._template_dir, git_dir, default_branch=plan.default_branch)
        if not plan.commits:
            return
        shas = gitstore.write_batch(git_dir, plan.commits, refs=plan.refs)
        if shas != plan.shas:
            raise SeedError(f"{plan.forge}:{plan.path}: git wrote other commits than planned")

    def _record(self) -> None:
        while (job := self._jobs.get()) is not None:
            if self._error is not None:
                continue  # keep taking jobs so that the planner never blocks
            repos, futures, changes = job
            try:
                for plan in repos:
                    self._create(plan)
                for future in futures:
                    future.result()
                for change in changes:
                    self._open(change)
            except BaseException as error:
                self._error = error

    def _create(self, plan: RepoPlan) -> None:
        repo = self.world.create_repo(
            plan.forge,
            plan.path,
            default_branch=plan.default_branch,
            members=dict(plan.members),
            init=False,
        )
        repo.fork_of = plan.fork_of
        first, last = plan.first_date(), plan.last_date()
        if first is not None and last is not None:
            repo.created_at, repo.updated_at = first, last

    def _open(self, plan: ChangePlan) -> None:
        world = self.world
        with world.writing():
            repo = world.repo(plan.forge, plan.repo)
            updated = repo.updated_at
            change = world.open_change(
                plan.forge,
                plan.repo,
                title=plan.title,
                body=plan.body,
                author=plan.author,
                source_repo=plan.source_repo,
                source_branch=plan.source_branch,
                target_branch=plan.target_branch,
                draft=plan.draft,
                shared_numbers=plan.shared_numbers,
            )
            if change.number != plan.number or change.head_sha != plan.head_sha:
                raise SeedError(
                    f"{plan.forge}:{plan.repo}: opened #{change.number} at {change.head_sha}, "
                    f"planned #{plan.number} at {plan.head_sha}"
                )
            # the forge stamps "now"; the story happened earlier
            change.created_at = plan.created_at
            change.updated_at = plan.updated_at
            change.state = plan.state
            change.merged_at = plan.updated_at if plan.state == "merged" else None
            for planned in plan.comments:
                comment = world.add_comment(
                    plan.forge,
                    plan.repo,
                    "change",
                    change.number,
                    author=planned.author,
                    body=planned.body,
                )
                comment.created_at = comment.updated_at = planned.when
            change.updated_at = plan.updated_at
            repo.updated_at = max(updated, plan.updated_at)

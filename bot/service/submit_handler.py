"""The executor's handler for `open-change` actions: the bot's merge request found by its
marker, else opened through `submit_change` (bot/service/submission.py), which forks, pushes
and opens it, and itself looks for the marker once more before creating anything."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import datetime
from pathlib import Path

from bot.domain.model import Status, Target
from bot.domain.policy import PlannedAction
from bot.domain.submission import SubmitOutcome, SubmitState
from bot.domain.upstream_status import marker
from bot.forges.base import ChangeState, Forge, RepoRef
from bot.service.executor import Outcome, StepHook
from bot.service.submission import submit_change
from bot.service.submission_context import PROJECT_NAMESPACE, SubmitDeps
from bot.settings import Settings
from bot.store import Store
from bot.store.acting import StatusUpdate
from bot.store.records import ActionState

#: the actor of the status transitions a policy-driven submission writes
ACTOR = "policy"
#: what a submission may turn into `submitted`
SUBMITTABLE = frozenset({Status.PENDING, Status.REMINDED, Status.SNOOZED})

Submit = Callable[..., Awaitable[SubmitOutcome]]
_DONE = {SubmitState.OPENED: ActionState.DONE, SubmitState.ALREADY_OPEN: ActionState.DONE,
         SubmitState.REFUSED: ActionState.SKIPPED, SubmitState.FAILED: ActionState.FAILED}


class SubmitHandler:
    """Opens upstream merge requests, one per action."""

    def __init__(
        self,
        *,
        settings: Settings,
        store: Store,
        forges: Mapping[str, Forge],
        work_root: Path,
        now: datetime,
        submit: Submit = submit_change,
    ) -> None:
        self.settings = settings
        self.store = store
        self.forges = forges
        self.work_root = work_root
        self.now = now
        self.submit = submit

    def group(self, action: PlannedAction) -> str:
        return action.key

    async def find(self, actions: Sequence[PlannedAction]) -> dict[str, Outcome]:
        found: dict[str, Outcome] = {}
        for action in actions:
            where = self._where(action.target, action.package)
            if where is None or not action.target_branch:
                continue
            forge, repo = where
            sign = marker(action.analysis_id, str(action.target), action.target_branch)
            requests = await forge.find_changes(repo, marker=sign)
            requests.sort(key=lambda c: (c.state is not ChangeState.OPEN, c.number))
            if not requests:
                continue
            request = requests[0]
            if request.state is ChangeState.OPEN:
                found[action.key] = _submitted(action, request.url, f"already open: {request.url}")
            else:
                found[action.key] = Outcome(
                    ActionState.SKIPPED,
                    f"the bot's request {request.url} was {request.state}: it opens no second one",
                    url=request.url,
                )
        return found

    async def make(
        self, actions: Sequence[PlannedAction], *, step: StepHook
    ) -> dict[str, Outcome]:
        deps = SubmitDeps(self.settings, self.store, self.forges, self.work_root, step=step)
        made: dict[str, Outcome] = {}
        for action in actions:
            outcome = await self.submit(deps, action.change_id, action.target, actor=ACTOR,
                                        now=self.now)
            state = _DONE.get(outcome.state, ActionState.FAILED)
            if state is ActionState.DONE and outcome.url:
                made[action.key] = _submitted(action, outcome.url, outcome.reason,
                                              number=outcome.number, draft=outcome.draft)
            else:
                made[action.key] = Outcome(state, outcome.reason, url=outcome.url)
        return made

    def _where(self, target: Target, package: str) -> tuple[Forge, RepoRef] | None:
        config = self.settings.target(target)
        if config is None or config.forge not in self.forges:
            return None
        namespace = self.settings.forge(config.forge).namespace or (
            PROJECT_NAMESPACE if target is Target.PROJECT else "rpms"
        )
        return self.forges[config.forge], RepoRef(namespace, package)


def _submitted(
    action: PlannedAction, url: str, reason: str, *, number: int | None = None,
    draft: bool = False,
) -> Outcome:
    return Outcome(
        ActionState.DONE,
        reason,
        url=url,
        result={"change_id": action.change_id, "package": action.package,
                "target": str(action.target), "number": number, "draft": draft},
        updates=(StatusUpdate(action.change_id, action.target, Status.SUBMITTED,
                              f"submitted by upstream-bot: {url}", SUBMITTABLE, url=url),),
    )

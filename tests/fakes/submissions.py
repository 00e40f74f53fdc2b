"""The submission seam of chat-ops (`submit_change` and `set_reference` with their
dependencies bound), recording what was asked and answering a given outcome."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from bot.domain.model import Target
from bot.domain.submission import SubmitOutcome, SubmitState

OPENED = SubmitOutcome(SubmitState.OPENED, "opened as asked", url="https://forge.test/pr/1")


@dataclass
class RecordingSubmissions:
    """`submit` and `set_reference` for `ChatopsDeps`; `calls` lists what they were asked."""

    outcome: SubmitOutcome = OPENED
    calls: list[tuple] = field(default_factory=list)

    async def submit(self, change_id: str, target: Target, *, actor: str, now: datetime):
        self.calls.append(("submit", change_id, target, actor))
        return self.outcome

    async def set_reference(
        self, change_id: str, target: Target, ticket: str, *, actor: str, now: datetime
    ):
        self.calls.append(("set_reference", change_id, target, ticket, actor))
        return self.outcome

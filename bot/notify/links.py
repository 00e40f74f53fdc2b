"""Where the digest's links point on the dashboard (bot/web routes)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, urlencode


@dataclass(frozen=True, slots=True)
class Dashboard:
    """Links into the dashboard at `base` (the settings' `web.public_url`)."""

    base: str

    def overview(self) -> str:
        return f"{self.base}/"

    def change(self, change_id: str) -> str:
        return f"{self.base}/changes/{quote(change_id, safe='')}"

    def package(self, name: str) -> str:
        return f"{self.base}/packages/{quote(name, safe='')}"

    def changes(self, **query: str) -> str:
        return f"{self.base}/changes?{urlencode(sorted(query.items()))}"

    def owner_pending(self, owner: str) -> str:
        return self.changes(owner=owner, status="pending")

    def health(self) -> str:
        return f"{self.base}/health"

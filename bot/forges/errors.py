"""The forge-neutral errors every adapter maps its forge's failures to."""

from __future__ import annotations


class ForgeError(Exception):
    """A forge call failed; `forge` names the forge, the message says what and where."""

    def __init__(self, forge: str, message: str) -> None:
        super().__init__(f"{forge}: {message}")
        self.forge = forge


class NotFound(ForgeError):
    """The repository, file, branch, change or user does not exist (or is hidden from us)."""


class Conflict(ForgeError):
    """The thing exists already, or the forge refuses because of its current state."""


class RateLimited(ForgeError):
    """The forge asks us to slow down; `retry_after` is in seconds when the forge says."""

    def __init__(self, forge: str, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(forge, message)
        self.retry_after = retry_after


class Unavailable(ForgeError):
    """The forge did not answer usefully: 5xx, a reset connection, a timeout."""


class AuthFailed(ForgeError):
    """The token is missing, wrong, expired, or lacks the permission the call needs."""


class Invalid(ForgeError):
    """The forge rejected the request as malformed, or answered with something we cannot read."""


class Unsupported(Invalid):
    """The forge's API has no way to do this (e.g. Pagure cannot edit a comment); callers
    check `Forge.capabilities` first and choose another way."""


#: Errors worth retrying after a pause; the others will fail the same way again.
RETRYABLE: tuple[type[ForgeError], ...] = (RateLimited, Unavailable)

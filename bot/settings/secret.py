"""A value taken from the environment that must never be printed: tokens, passwords, URLs."""

from __future__ import annotations

import hmac


class Secret:
    """Holds a secret; `repr`/`str` name only where it came from. Call `reveal()` where it is used.

    `shown` is a redacted form that is safe to print (e.g. a database URL with its password
    replaced by `***`).
    """

    __slots__ = ("_value", "env", "shown")

    _value: str
    env: str
    shown: str

    def __init__(self, value: str, *, env: str, shown: str = "***") -> None:
        object.__setattr__(self, "_value", value)
        object.__setattr__(self, "env", env)
        object.__setattr__(self, "shown", shown)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"Secret is immutable: cannot set {name}")

    def reveal(self) -> str:
        """The secret itself, for the one call that sends it (an HTTP header, a login)."""
        return self._value

    def __repr__(self) -> str:
        origin = f"${self.env}" if self.env else "the config file"
        return f"Secret({self.shown!r} from {origin})"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Secret):
            return NotImplemented
        # constant-time comparison: equality of secrets should not leak through timing
        return self.env == other.env and hmac.compare_digest(
            self._value.encode(), other._value.encode()
        )

    def __hash__(self) -> int:
        return hash((Secret, self.env))

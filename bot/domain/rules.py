"""How to read one distribution's downstream: its words, its macros, its release suffix."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bot.domain.classify import ClassifierRules


@dataclass(frozen=True, slots=True)
class AnalysisRules:
    """How to read a distribution's downstream: its classifier words and the macros it defines."""

    classifier: ClassifierRules
    #: macros the downstream's build system defines, used to evaluate `%if` guards
    macros: Mapping[str, str]
    release_suffix: str

    @classmethod
    def for_distribution(
        cls,
        *,
        name: str,
        guard_macro: str,
        release_suffix: str,
        words: tuple[str, ...] = (),
        vendor_words: tuple[str, ...] = (),
        version: str = "10",
    ) -> AnalysisRules:
        """Rules for a RHEL rebuild: it defines its own macro and `%rhel`, both as `version`."""
        names = tuple(dict.fromkeys(w.lower() for w in (name, guard_macro, *words)))
        return cls(
            classifier=ClassifierRules(
                distribution_words=names,
                vendor_words=tuple(w.lower() for w in vendor_words),
                guard_macro=guard_macro,
            ),
            macros={guard_macro: version, "rhel": version},
            release_suffix=release_suffix,
        )

"""Where the shared real-data corpus is, and its autopatch cases, for parametrizing tests."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CORPUS = Path(os.environ.get("UPSTREAM_BOT_CORPUS", ROOT.parent / "shared" / "corpus"))


def autopatch_cases() -> list[str]:
    """The case names, or one placeholder so the `corpus` fixture can skip with its message."""
    folder = CORPUS / "autopatch"
    cases = sorted(p.name for p in folder.glob("*") if p.is_dir()) if folder.is_dir() else []
    return cases or ["(corpus absent)"]

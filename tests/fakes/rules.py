"""Analysis rules for AlmaLinux as `config/almalinux.toml` sets them, for tests of the pure core."""

from __future__ import annotations

from bot.domain.rules import AnalysisRules

ALMALINUX = AnalysisRules.for_distribution(
    name="AlmaLinux",
    guard_macro="almalinux",
    release_suffix=".alma",
    words=("alma linux",),
    vendor_words=("Red Hat", "redhat", "RHEL", "CentOS", "RHTS"),
    version="9",
)

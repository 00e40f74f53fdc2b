from __future__ import annotations

import pytest

from bot.domain.classify import ClassifierRules, Features, classify
from bot.domain.model import ChangeType, DeclaredStatus, Kind, Operation
from tests.fakes.rules import ALMALINUX

RULES = ALMALINUX.classifier
P, S, E = ChangeType.PATCH, ChangeType.SOURCE, ChangeType.SPEC_EDIT
ADD, REM, MOD = Operation.ADDED, Operation.REMOVED, Operation.MODIFIED


@pytest.mark.parametrize(
    ("features", "kind", "upstreamable"),
    [
        pytest.param(
            Features(E, MOD, "Release", bookkeeping="release suffix"),
            Kind.BOOKKEEPING,
            False,
            id="bookkeeping",
        ),
        pytest.param(
            Features(S, ADD, "almalinuxsecurebootca0.cer"), Kind.SIGNING, False, id="certificate"
        ),
        pytest.param(
            Features(
                E,
                MOD,
                "preamble",
                removed=("%define sb_key redhatsecureboot502",),
                added=("%define sb_key almalinuxsecurebootca0",),
            ),
            Kind.SIGNING,
            False,
            id="sb-key",
        ),
        pytest.param(
            Features(P, ADD, "0001-Add-x86_64_v2-to-_BASEARCH_MAP.patch"),
            Kind.ARCH_ENABLEMENT,
            True,
            id="x86_64_v2",
        ),
        pytest.param(
            Features(
                P,
                ADD,
                "0003-Add-versioned-x86_64-arches-support.patch",
                subject="Add versioned x86_64 arches support",
            ),
            Kind.ARCH_ENABLEMENT,
            True,
            id="pesign-versioned-arches",
        ),
        pytest.param(
            Features(P, ADD, "openssh-9.8p1-upstream-cve-2024-6387.patch", cves=("CVE-2024-6387",)),
            Kind.SECURITY,
            True,
            id="cve",
        ),
        pytest.param(
            Features(P, ADD, "anaconda-user-help-almalinux-branding.patch"),
            Kind.BRANDING,
            False,
            id="branding-name",
        ),
        pytest.param(
            Features(P, ADD, "0001-Add-link-to-AlmaLinux-bugtracker.patch"),
            Kind.BRANDING,
            False,
            id="bugtracker",
        ),
        pytest.param(
            Features(P, REM, "openssh-8.7p1-redhat-help.patch"),
            Kind.BRANDING,
            False,
            id="removed-redhat-patch",
        ),
        pytest.param(
            Features(P, ADD, "python-2.7-almalinux_support.patch"),
            Kind.BUGFIX,
            True,
            id="distro-support-goes-to-project",
        ),
        pytest.param(
            Features(
                E,
                MOD,
                "%package almalinux",
                removed=("Summary: %{name}'s CentOS Bug Tracker workflow",),
                added=("Summary: %{name}'s AlmaLinux Bug Tracker workflow",),
            ),
            Kind.BRANDING,
            False,
            id="vendor-text-replaced",
        ),
        pytest.param(
            Features(
                E, ADD, "preamble", added=("%if 0%{?almalinux}", "%define with_v3d 1", "%endif")
            ),
            Kind.FEATURE_REENABLE,
            True,
            id="guard-enables",
        ),
        pytest.param(
            Features(P, ADD, "glibc-upstream-2.39-bz-32470.patch"),
            Kind.BACKPORT,
            True,
            id="upstream-backport-name",
        ),
        pytest.param(
            Features(P, ADD, "0001-cherry.patch", declared_status=DeclaredStatus.BACKPORT),
            Kind.BACKPORT,
            True,
            id="declared-backport",
        ),
        pytest.param(Features(P, ADD, "hellod-1.4-fd-leak.patch"), Kind.BUGFIX, True, id="leak"),
        pytest.param(
            Features(P, ADD, "0002-something.patch"), Kind.BUGFIX, True, id="plain-code-patch"
        ),
        pytest.param(
            Features(E, MOD, "%build", removed=("make",), added=("make V=1",)),
            Kind.BUILD,
            True,
            id="build-tweak",
        ),
        pytest.param(
            Features(P, ADD, "x.patch", declared_status=DeclaredStatus.INAPPROPRIATE),
            Kind.BUGFIX,
            False,
            id="inappropriate-stays-down",
        ),
    ],
)
def test_classify(features: Features, kind: Kind, upstreamable: bool) -> None:
    verdict = classify(features, RULES)
    assert (verdict.kind, verdict.upstreamable) == (kind, upstreamable)
    assert verdict.evidence, "every verdict says why"


def test_distribution_words_come_from_the_rules() -> None:
    rocky = ClassifierRules(
        distribution_words=("rocky linux", "rocky"), vendor_words=("red hat",), guard_macro="rocky"
    )
    verdict = classify(Features(P, ADD, "0001-Add-Rocky-Linux-support.patch"), rocky)
    assert verdict.kind is Kind.BUGFIX
    assert "rocky" in verdict.evidence[0].lower()

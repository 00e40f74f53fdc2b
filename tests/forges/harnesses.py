"""The explicit list of forge harnesses the contract suite runs against."""

from __future__ import annotations

from tests.forges.harness import Harness
from tests.forges.harness_gitea import HARNESS as GITEA
from tests.forges.harness_github import HARNESS as GITHUB
from tests.forges.harness_gitlab import HARNESS as GITLAB
from tests.forges.harness_pagure import HARNESS as PAGURE

HARNESSES: list[Harness] = [PAGURE, GITHUB, GITEA, GITLAB]

"""key_lines/line_of: problems point at the line of their key, or of the nearest parent."""

from __future__ import annotations

import pytest

from bot.settings.locate import key_lines, line_of

TEXT = """\
# comment
[distribution]
name = "X"

[forges.centos-stream]
type = "gitlab"
"api_url" = "/api/v4"

[[branches]]
downstream = "a9"
targets = { fedora = "rawhide" }

[[branches]]
downstream = "a10"

[ digest ]  # spaces are allowed
smtp.host = "x"
"""


@pytest.mark.parametrize(
    ("key", "line"),
    [
        pytest.param("distribution", 2, id="table"),
        pytest.param("distribution.name", 3, id="key"),
        pytest.param("distribution.release_suffix", 2, id="missing-key-points-at-table"),
        pytest.param("forges.centos-stream.type", 6, id="dashed-table"),
        pytest.param("forges.centos-stream.api_url", 7, id="quoted-key"),
        pytest.param("branches[0].targets.fedora", 11, id="inside-inline-table"),
        pytest.param("branches[1].downstream", 14, id="second-array-table"),
        pytest.param("branches[1].base", 13, id="missing-in-array-table"),
        pytest.param("digest.smtp.host", 17, id="dotted-key"),
        pytest.param("web.port", None, id="absent"),
        pytest.param("", None, id="whole-file"),
    ],
)
def test_line_of(key, line):
    assert line_of(key, key_lines(TEXT)) == line

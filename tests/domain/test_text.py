from __future__ import annotations

import pytest

from bot.domain.text import byte_lines_of, lines_of


@pytest.mark.parametrize(
    ("text", "lines"),
    [
        pytest.param("a\nb\n", ["a", "b"], id="trailing-newline"),
        pytest.param("a\nb", ["a", "b"], id="no-trailing-newline"),
        pytest.param("a\r\nb\r\n", ["a", "b"], id="crlf"),
        pytest.param("a\x0cb\x85c\u2028d\n", ["a\x0cb\x85c\u2028d"], id="only-newlines-split"),
        pytest.param("", [], id="empty"),
        pytest.param("\n\n", ["", ""], id="blank-lines"),
    ],
)
def test_lines_split_at_newlines_only(text: str, lines: list[str]) -> None:
    assert lines_of(text) == lines
    assert byte_lines_of(text.encode()) == [line.encode() for line in lines]

"""parse_config and declared_changes on small autopatch configs modeled on AlmaLinux's."""

from __future__ import annotations

import string
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.domain.model import ChangeType, Operation
from bot.ingest.autopatch.parse import (
    ActionKind,
    AddFile,
    AddLine,
    AutopatchConfig,
    AutopatchError,
    Changelog,
    DeclaredType,
    DeleteFile,
    DeleteLine,
    FileKind,
    Location,
    ModifyRelease,
    Parameters,
    Replace,
    RunScript,
    ScriptCwd,
    declared_changes,
    parse_config,
)

DATA = Path(__file__).resolve().parents[2] / "data" / "autopatch"
CONFIGS = DATA / "configs"


def _config(name: str) -> AutopatchConfig:
    return parse_config((CONFIGS / name).read_bytes(), path=name)


@pytest.mark.parametrize(
    ("fixture", "kind", "entries"),
    [
        pytest.param(
            "replace.yaml",
            ActionKind.REPLACE,
            (
                Replace(3, "spec", "Upstream Vendor Linux", "AlmaLinux", count=2),
                Replace(
                    7, "spec", "--with-vendor=\\w+", "--with-vendor=almalinux", regex=True, count=1
                ),
                Replace(
                    11,
                    "widget-vendor-defaults.patch",
                    '-vendor = "upstream"\n+vendor = "rhel"\n',
                    '-vendor = "upstream"\n+vendor = "almalinux"\n',
                ),
                Replace(
                    18,
                    "spec",
                    "%patch1 -p1 -b .vendor-defaults",
                    "%if 0%{!?almalinux}\n%patch1 -p1 -b .vendor-defaults\n%endif\n",
                    count=1,
                ),
            ),
            id="replace",
        ),
        pytest.param(
            "delete_line.yaml",
            ActionKind.DELETE_LINE,
            (
                DeleteLine(
                    3,
                    "spec",
                    ("--enable-telemetry \\", "%files tools\n%{_bindir}/widget-tool\n"),
                    (5, 6),
                ),
            ),
            id="delete_line",
        ),
        pytest.param(
            "modify_release.yaml",
            ActionKind.MODIFY_RELEASE,
            (
                ModifyRelease(3, ".alma.1"),
                ModifyRelease(6, ".alma.2", enabled=False, auto_increment=True),
            ),
            id="modify_release",
        ),
        pytest.param(
            "changelog_entry.yaml",
            ActionKind.CHANGELOG_ENTRY,
            (
                Changelog(
                    3,
                    "Ada Packager",
                    "ada@example.org",
                    (
                        "Debrand for AlmaLinux",
                        "Resolves: https://bugs.example.org/show_bug.cgi?id=1234",
                    ),
                ),
                Changelog(
                    8, "Bo Maintainer", "bo@example.org", ("Add the x86_64_v2 architecture",)
                ),
            ),
            id="changelog_entry",
        ),
        pytest.param(
            "add_files.yaml",
            ActionKind.ADD_FILES,
            (
                AddFile(6, FileKind.PATCH, "1000-almalinux-defaults.patch", 1000),
                AddFile(9, FileKind.PATCH, "widget-1.4-extra.fix.patch", None, no_backup=True),
                # Unquoted 0300 is YAML 1.1 octal: the tool reads 192, so do we (and warn).
                AddFile(
                    13, FileKind.SOURCE, "almalinux-cert.cer", 0o300, insert_almalinux_line=False
                ),
                AddFile(17, FileKind.SOURCE, "extra-notes.txt", None, modify_spec=False),
            ),
            id="add_files",
        ),
        pytest.param(
            "delete_files.yaml",
            ActionKind.DELETE_FILES,
            (DeleteFile(3, "vendor-cert.cer"), DeleteFile(4, "widget-build.patch")),
            id="delete_files",
        ),
        pytest.param(
            "run_script.yaml",
            ActionKind.RUN_SCRIPT,
            (RunScript(3, "make-symlinks.sh"), RunScript(4, "regenerate.sh", ScriptCwd.AUTOPATCH)),
            id="run_script",
        ),
        pytest.param(
            "add_line.yaml",
            ActionKind.ADD_LINE,
            (
                AddLine(
                    3,
                    "spec",
                    "install",
                    Location.BOTTOM,
                    "install -p -m 0644 %{SOURCE1} %{buildroot}%{_sysconfdir}/pki/\n",
                ),
                AddLine(
                    8, "spec", "files", Location.TOP, "%{_bindir}/widget-almalinux-tool", "tools"
                ),
            ),
            id="add_line",
        ),
    ],
)
def test_each_action_kind_parses_to_typed_entries(fixture, kind, entries):
    config = _config(fixture)

    assert {action.kind for action in config.actions} == {kind}
    assert config.entries(kind) == entries
    assert all(action.yaml_line < action.entries[0].yaml_line for action in config.actions)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("actions: []\n", Parameters(), id="defaults"),
        pytest.param(
            "parameters:\n  insert_almalinux_line: false\n  el_version: 9\n  tag_prefix: 'x-'\n"
            "  ignore_release_macros: true\nactions: []\n",
            Parameters(
                insert_almalinux_line=False,
                el_version="9",
                tag_prefix="x-",
                ignore_release_macros=True,
            ),
            id="set",
        ),
        pytest.param(
            "parameters:\n  rhel_version: '10'\nactions: []\n",
            Parameters(el_version="10"),
            id="rhel_version",
        ),
    ],
)
def test_parameters(text, expected):
    assert parse_config(text).parameters == expected


def test_number_forms_match_the_tool():
    config = parse_config(
        "actions:\n  - add_files:\n"
        "    - {type: patch, name: a.patch, number: 0003}\n"
        "    - {type: patch, name: b.patch, number: '0009'}\n"
        "    - {type: patch, name: c.patch, number: Latest}\n"
        "    - {type: patch, name: d.patch}\n"
    )

    assert [e.number for e in config.entries()] == [3, 9, None, None]
    assert config.warnings == ()


BAD = [
    # (id, text, line, field, words the message must contain)
    ("yaml-syntax", 'actions:\n  - replace:\n      - target: "spec\n', 4, "", "YAML syntax error"),
    (
        "yaml-indent",
        "actions:\n  - replace:\n      - target: spec\n        find: x\n       replace: y\n",
        5,
        "",
        "indentation",
    ),
    ("yaml-tab", "actions:\n\t- replace: []\n", 2, "", "'\\t'"),
    ("empty", "", 1, "", "empty"),
    ("not-mapping", "- replace: []\n", 1, "", "must be a mapping"),
    ("no-actions", "parameters: {}\n", 1, "actions", "missing"),
    ("actions-mapping", "actions:\n  replace: []\n", 2, "actions", "must be a list"),
    (
        "unknown-action",
        "actions:\n  - replce:\n      - target: spec\n",
        2,
        "actions[0].replce",
        "unknown action",
    ),
    (
        "field-as-action",
        "actions:\n  - replace:\n    target: spec\n",
        3,
        "actions[0].target",
        "unknown action",
    ),
    (
        "entries-mapping",
        "actions:\n  - replace:\n      target: spec\n      find: a\n      replace: b\n",
        3,
        "actions[0].replace",
        "must be a list",
    ),
    (
        "missing-find",
        "actions:\n  - replace:\n      - target: spec\n        replace: b\n",
        3,
        "actions[0].replace[0].find",
        "missing",
    ),
    (
        "find-and-rfind",
        "actions:\n  - replace:\n      - {target: spec, find: a, rfind: a, replace: b}\n",
        3,
        "actions[0].replace[0].find",
        "both",
    ),
    (
        "bad-regex",
        "actions:\n  - replace:\n      - target: spec\n        rfind: 'a(b'\n        replace: c\n",
        4,
        "actions[0].replace[0].rfind",
        "regular expression",
    ),
    (
        "count-text",
        "actions:\n  - replace:\n      - {target: spec, find: a, replace: b, count: one}\n",
        3,
        "actions[0].replace[0].count",
        "positive integer",
    ),
    (
        "count-zero",
        "actions:\n  - replace:\n      - {target: spec, find: a, replace: b, count: 0}\n",
        3,
        "actions[0].replace[0].count",
        "positive integer",
    ),
    (
        "target-number",
        "actions:\n  - replace:\n      - target: 42\n        find: a\n        replace: b\n",
        3,
        "actions[0].replace[0].target",
        "must be text",
    ),
    (
        "replace-null",
        "actions:\n  - replace:\n      - target: spec\n        find: a\n        replace:\n",
        5,
        "actions[0].replace[0].replace",
        "empty",
    ),
    (
        "changelog-line-text",
        "actions:\n  - changelog_entry:\n      - name: A\n        email: a@b\n"
        "        line: Debrand\n",
        5,
        "actions[0].changelog_entry[0].line",
        "must be a list",
    ),
    (
        "changelog-no-email",
        "actions:\n  - changelog_entry:\n      - name: A\n        line: [x]\n",
        3,
        "actions[0].changelog_entry[0].email",
        "missing",
    ),
    (
        "file-type",
        "actions:\n  - add_files:\n      - {type: diff, name: a.patch}\n",
        3,
        "actions[0].add_files[0].type",
        "must be one of",
    ),
    (
        "number-lowercase",
        "actions:\n  - add_files:\n      - {type: patch, name: a.patch, number: latest}\n",
        3,
        "actions[0].add_files[0].number",
        "Latest",
    ),
    (
        "number-bool",
        "actions:\n  - add_files:\n      - {type: patch, name: a.patch, number: true}\n",
        3,
        "actions[0].add_files[0].number",
        "positive integer",
    ),
    (
        "enabled-text",
        "actions:\n  - modify_release:\n      - suffix: .alma.1\n        enabled: 'yes'\n",
        4,
        "actions[0].modify_release[0].enabled",
        "true or false",
    ),
    (
        "auto-increment-suffix",
        "actions:\n  - modify_release:\n      - suffix: .alma\n        auto_increment: true\n",
        3,
        "actions[0].modify_release[0].suffix",
        "end with a number",
    ),
    (
        "location",
        "actions:\n  - add_line:\n      - {target: spec, section: build, location: middle,"
        " content: x}\n",
        3,
        "actions[0].add_line[0].location",
        "must be one of",
    ),
    (
        "add-line-target",
        "actions:\n  - add_line:\n      - {target: Makefile, section: build,"
        " location: top, content: x}\n",
        3,
        "actions[0].add_line[0].target",
        "must be one of",
    ),
    (
        "cwd",
        "actions:\n  - run_script:\n      - {script: a.sh, cwd: /tmp}\n",
        3,
        "actions[0].run_script[0].cwd",
        "must be one of",
    ),
    (
        "entry-scalar",
        "actions:\n  - delete_files:\n      - old.cer\n",
        3,
        "actions[0].delete_files[0]",
        "must be a mapping",
    ),
    (
        "lines-empty",
        "actions:\n  - delete_line:\n      - target: spec\n        lines: []\n",
        4,
        "actions[0].delete_line[0].lines",
        "non-empty list",
    ),
    ("key-not-name", "actions: []\n42: x\n", 2, "", "key must be a name"),
    (
        "too-deep",
        "actions:\n  - replace:\n      - target: " + "[" * 70 + "]" * 70 + "\n",
        3,
        "",
        "nested",
    ),
    ("control-char", "actions: []\n# \x07\n", 2, "", "not allowed"),
]


@pytest.mark.parametrize(
    ("text", "line", "field", "words"), [b[1:] for b in BAD], ids=[b[0] for b in BAD]
)
def test_bad_configs_name_file_line_and_field(text, line, field, words):
    with pytest.raises(AutopatchError) as caught:
        parse_config(text, path="autopatch/pkg/config.yaml")

    matching = [p for p in caught.value.problems if p.line == line and p.field == field]
    assert matching, caught.value.problems
    assert any(words in p.message or words in p.hint for p in matching), matching
    shown = str(caught.value)
    assert f"autopatch/pkg/config.yaml:{line}: " in shown
    assert field in shown


def test_every_problem_is_reported_at_once():
    text = (
        "actions:\n"
        "  - replace:\n"
        "      - target: spec\n"
        "        replace: b\n"  # no find
        "  - add_files:\n"
        "      - {type: patch, name: a.patch, number: -3}\n"
        "  - frobnicate: []\n"
    )

    with pytest.raises(AutopatchError) as caught:
        parse_config(text)

    assert [(p.line, p.field) for p in caught.value.problems] == [
        (3, "actions[0].replace[0].find"),
        (6, "actions[1].add_files[0].number"),
        (7, "actions[2].frobnicate"),
    ]
    assert str(caught.value).startswith("3 problems in autopatch config")


def test_bytes_that_are_not_utf8():
    with pytest.raises(AutopatchError) as caught:
        parse_config(b"actions: []\n# caf\xe9\n", path="c.yaml")

    assert caught.value.problems[0].line == 2
    assert "UTF-8" in caught.value.problems[0].message


WARNED = [
    (
        "unknown-entry-key",
        "actions:\n  - delete_files:\n      - file_name: a.cer\n        why: old\n",
        4,
        "actions[0].delete_files[0].why",
        "unknown key",
    ),
    ("unknown-top-key", "version: 2\nactions: []\n", 1, "version", "unknown top-level key"),
    (
        "unknown-parameter",
        "parameters:\n  colour: blue\nactions: []\n",
        2,
        "parameters.colour",
        "unknown key",
    ),
    (
        "duplicate-key",
        "actions:\n  - delete_files:\n      - file_name: a\n        file_name: b\n",
        4,
        "file_name",
        "duplicate key",
    ),
    (
        "octal-number",
        "actions:\n  - add_files:\n      - type: patch\n        name: a.patch\n"
        "        number: 0010\n",
        5,
        "actions[0].add_files[0].number",
        "octal",
    ),
    (
        "multi-line-rfind",
        "actions:\n  - replace:\n      - target: spec\n        rfind: |\n          a.*\n"
        "          b.*\n        replace: c\n",
        4,
        "actions[0].replace[0].rfind",
        "literally",
    ),
    ("no-actions", "actions: []\n", 1, "actions", "changes nothing"),
    ("no-entries", "actions:\n  - replace: []\n", 2, "actions[0].replace", "does nothing"),
]


@pytest.mark.parametrize(
    ("text", "line", "field", "words"), [w[1:] for w in WARNED], ids=[w[0] for w in WARNED]
)
def test_doubtful_but_usable_input_warns(text, line, field, words):
    config = parse_config(text, path="c.yaml")

    assert any(
        w.line == line and w.field == field and words in w.message for w in config.warnings
    ), config.warnings
    assert all(str(w).startswith("c.yaml:") for w in config.warnings)


def test_declared_changes_of_a_realistic_config():
    config = _config("widget.yaml")
    notes = config.entries(ActionKind.CHANGELOG_ENTRY)

    changes = declared_changes(config)

    assert [(c.type, c.operation, c.action, c.yaml_line, c.target) for c in changes] == [
        (DeclaredType.SPEC_EDIT, Operation.MODIFIED, ActionKind.REPLACE, 4, "spec"),
        (DeclaredType.SPEC_EDIT, Operation.MODIFIED, ActionKind.REPLACE, 8, "spec"),
        (
            DeclaredType.PATCH_EDIT,
            Operation.MODIFIED,
            ActionKind.REPLACE,
            12,
            "widget-vendor-defaults.patch",
        ),
        (DeclaredType.SPEC_EDIT, Operation.REMOVED, ActionKind.DELETE_LINE, 20, "spec"),
        (DeclaredType.SOURCE, Operation.REMOVED, ActionKind.DELETE_FILES, 23, "vendor-cert.cer"),
        (DeclaredType.SOURCE, Operation.ADDED, ActionKind.ADD_FILES, 26, "almalinux-cert.cer"),
        (
            DeclaredType.PATCH,
            Operation.ADDED,
            ActionKind.ADD_FILES,
            29,
            "1000-fix-memory-leak.patch",
        ),
        (DeclaredType.BOOKKEEPING, Operation.MODIFIED, ActionKind.MODIFY_RELEASE, 34, "spec"),
        (DeclaredType.BOOKKEEPING, Operation.ADDED, ActionKind.CHANGELOG_ENTRY, 38, "spec"),
    ]
    assert (changes[0].before, changes[0].after) == ("Upstream Vendor Linux", "AlmaLinux")
    assert (changes[2].before, changes[2].after) == ('+vendor = "rhel"', '+vendor = "almalinux"')
    assert (changes[3].before, changes[3].after) == ("--enable-telemetry \\", "")
    assert (changes[6].file_name, changes[6].number) == ("1000-fix-memory-leak.patch", 1000)
    assert changes[7].after == ".alma.1"
    bookkeeping = changes[8]
    assert (bookkeeping.author_name, bookkeeping.author_email) == (
        "Ada Packager",
        "ada@example.org",
    )
    assert bookkeeping.lines[1].startswith("Fix a memory leak in the parser")
    assert all(change.changelog == notes for change in changes)
    assert [c.change_type for c in changes] == [
        ChangeType.SPEC_EDIT,
        ChangeType.SPEC_EDIT,
        ChangeType.PATCH,
        ChangeType.SPEC_EDIT,
        ChangeType.SOURCE,
        ChangeType.SOURCE,
        ChangeType.PATCH,
        None,
        None,
    ]


@pytest.mark.parametrize(
    ("fixture", "expected"),
    [
        pytest.param(
            "delete_line.yaml",
            [
                (DeclaredType.SPEC_EDIT, 5, "--enable-telemetry \\"),
                (DeclaredType.SPEC_EDIT, 6, "%files tools\n%{_bindir}/widget-tool\n"),
            ],
            id="one-change-per-deleted-item",
        ),
        pytest.param(
            "modify_release.yaml",
            [(DeclaredType.BOOKKEEPING, 3, None)],
            id="disabled-declares-nothing",
        ),
        pytest.param(
            "delete_files.yaml",
            [(DeclaredType.SOURCE, 3, None), (DeclaredType.PATCH, 4, None)],
            id="removed-patch-or-source",
        ),
        pytest.param(
            "add_line.yaml",
            [(DeclaredType.SPEC_EDIT, 3, "%install"), (DeclaredType.SPEC_EDIT, 8, "%files tools")],
            id="add-line-names-its-section",
        ),
        pytest.param(
            "run_script.yaml",
            [(DeclaredType.SCRIPT, 3, None), (DeclaredType.SCRIPT, 4, None)],
            id="scripts",
        ),
    ],
)
def test_declared_changes_per_kind(fixture, expected):
    changes = declared_changes(_config(fixture))

    assert [(c.type, c.yaml_line, c.before) for c in changes] == expected


def test_edits_of_other_files_are_source_edits():
    config = parse_config(
        "actions:\n  - replace:\n"
        "      - {target: sbat.csv.in, find: 'Red Hat', replace: AlmaLinux}\n"
        "      - {target: '*.patch', find: rhel, replace: almalinux}\n"
    )

    assert [c.type for c in declared_changes(config)] == [
        DeclaredType.SOURCE_EDIT,
        DeclaredType.PATCH_EDIT,
    ]


def _assert_parses_or_explains(text: str | bytes) -> None:
    try:
        config = parse_config(text, path="fuzz.yaml")
    except AutopatchError as error:
        assert error.problems
        assert all(str(problem).startswith("fuzz.yaml") for problem in error.problems)
    else:
        assert isinstance(config, AutopatchConfig)
        declared_changes(config)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet=string.printable + "äé\u2028{}[]-:&*!|>'\"%#", max_size=300))
def test_fuzz_random_text_never_crashes(text):
    _assert_parses_or_explains(text)


KEYS = [
    "actions",
    "parameters",
    "replace",
    "delete_line",
    "add_files",
    "changelog_entry",
    "target",
    "find",
    "rfind",
    "count",
    "number",
    "lines",
    "line",
    "name",
    "type",
    "suffix",
    "enabled",
    "x",
]
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 5000),
    st.sampled_from(["spec", "Latest", "patch", "(", "a.*"]),
    st.text(max_size=12),
)
DOCS = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.sampled_from(KEYS), inner, max_size=4)
    ),
    max_leaves=25,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(DOCS)
def test_fuzz_yaml_shaped_documents_never_crash(document):
    _assert_parses_or_explains(yaml.safe_dump(document))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(sorted(p.name for p in CONFIGS.glob("*.yaml"))), st.data())
def test_fuzz_mutated_fixtures_never_crash(name, data):
    text = (CONFIGS / name).read_text()
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, min(len(text), start + 20)))
    insert = data.draw(st.text(alphabet=" \n\t-:'\"|&*[]{}#0aZ", max_size=8))
    _assert_parses_or_explains(text[:start] + insert + text[end:])


def test_alias_bombs_are_refused():
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 10)}]\n" for i in range(6)
    )

    with pytest.raises(AutopatchError, match="more than"):
        parse_config(bomb + "actions: []\n")

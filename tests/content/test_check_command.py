"""`detente content check PATH`: one line per valid scenario, every error
otherwise, and exit code 1 on any error."""

from __future__ import annotations

from pathlib import Path

from bot.content import CONTENT_DIR, SCENARIOS_DIR, check_command, check_path
from tests.content.test_validation import MODERATOR_SCENARIO


def test_valid_file_prints_one_summary_line_and_exits_0(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text(MODERATOR_SCENARIO, encoding="utf-8")
    text, code = check_command(path)
    assert code == 0
    lines = text.splitlines()
    assert lines[0].startswith("ok  ") and 'my-class "My class": 2 states' in lines[0]
    assert "3 rounds of 10 min" in lines[0]
    assert lines[-1] == "All good: 1 scenario valid (1 file checked)."
    assert len(lines) == 2


def test_shipped_scenarios_folder_one_line_each():
    text, code = check_command(SCENARIOS_DIR)
    assert code == 0
    ok_lines = [line for line in text.splitlines() if line.startswith("ok  ")]
    assert len(ok_lines) == len(list(SCENARIOS_DIR.glob("*.toml")))


def test_whole_content_folder_checks_catalogs_too():
    report = check_path(CONTENT_DIR)
    assert report.ok
    assert any("catalog, 21 cbms" in line for line in report.summaries)


def test_folder_with_a_broken_file_lists_every_error_and_exits_1(tmp_path):
    (tmp_path / "good.toml").write_text(MODERATOR_SCENARIO, encoding="utf-8")
    broken = MODERATOR_SCENARIO.replace("sanctions = 0.9", "sanctions = 3").replace(
        'victim = "alpha"', 'victim = "alfa"'
    )
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "bad.toml").write_text(broken, encoding="utf-8")
    (tmp_path / "syntax.toml").write_text("rounds = [1,\n", encoding="utf-8")
    text, code = check_command(tmp_path)
    assert code == 1
    lines = text.splitlines()
    assert sum(line.startswith("ok  ") for line in lines) == 1
    assert any(
        'bad.toml: state "bravo", field "interests.sanctions": 3 is out of range' in line
        for line in lines
    )
    assert any(
        'bad.toml: inject #1 (round 1, incident), field "victim": no state "alfa"' in line
        for line in lines
    )
    assert any("syntax.toml: line" in line and "TOML syntax error" in line for line in lines)
    assert lines[-1] == "3 problems in 2 files (3 checked)."


def test_missing_path_exits_1(tmp_path):
    text, code = check_command(tmp_path / "nope.toml")
    assert code == 1
    assert "no such file or folder" in text


def test_empty_folder_exits_1(tmp_path):
    text, code = check_command(tmp_path)
    assert code == 1
    assert "no .toml files" in text


def test_a_string_path_works_too(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text(MODERATOR_SCENARIO, encoding="utf-8")
    assert check_command(str(path))[1] == 0
    assert check_command(Path(str(path)))[1] == 0


def test_the_documented_example_is_a_valid_scenario(tmp_path):
    """docs/scenarios.md's commented example must stay in step with the loader."""
    import re

    docs = (CONTENT_DIR.parent / "docs" / "scenarios.md").read_text(encoding="utf-8")
    example = re.search(r"## The format, by example.*?```toml\n(.*?)```", docs, re.S)
    assert example, "the example block is missing from docs/scenarios.md"
    path = tmp_path / "example.toml"
    path.write_text(example.group(1), encoding="utf-8")
    text, code = check_command(path)
    assert code == 0, text

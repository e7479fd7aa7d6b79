"""docs/rules.md mirrors the permissions table."""

from pathlib import Path

from game.permissions import TABLE

RULES = Path(__file__).resolve().parents[2] / "docs" / "rules.md"


def test_every_command_of_the_table_is_documented():
    text = RULES.read_text()
    assert [t for t in TABLE if f"| `{t}` |" not in text] == []

"""The core is sans-I/O: no module in game/ imports asyncio, discord, slack,
sqlite or aiohttp (or sockets), reads the clock, or uses global randomness."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

GAME = Path(__file__).resolve().parents[2] / "game"
FORBIDDEN_IMPORTS = (
    "asyncio",
    "discord",
    "slack",
    "slack_bolt",
    "slack_sdk",
    "sqlite3",
    "aiosqlite",
    "aiohttp",
    "socket",
    "time",
)
CLOCK_CALLS = {
    ("datetime", "now"),
    ("datetime", "utcnow"),
    ("datetime", "today"),
    ("date", "today"),
    ("time", "time"),
    ("time", "monotonic"),
}


def modules() -> list[Path]:
    return sorted(GAME.glob("*.py"))


def _violations(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found: list[str] = []
    random_names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                root = alias.name.split(".")[0]
                if root in FORBIDDEN_IMPORTS:
                    found.append(f"imports {alias.name}")
                if root == "random":
                    random_names.add(alias.asname or "random")
        elif isinstance(node, ast.ImportFrom) and node.module:
            root = node.module.split(".")[0]
            if root in FORBIDDEN_IMPORTS:
                found.append(f"imports from {node.module}")
            if root == "random" and any(a.name != "Random" for a in node.names):
                found.append("imports a global random function")
        elif (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and (node.value.id, node.attr) in CLOCK_CALLS
        ):
            found.append(f"reads the clock ({node.value.id}.{node.attr})")
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in random_names
            and node.attr != "Random"
        ):
            found.append(f"uses global randomness ({node.value.id}.{node.attr})")
    return found


@pytest.mark.parametrize("path", modules(), ids=lambda p: p.name)
def test_game_module_is_pure(path: Path) -> None:
    assert _violations(path) == []


def test_the_check_catches_impurity(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text(
        "import asyncio\nimport random\nfrom datetime import datetime\n"
        "x = datetime.now()\ny = random.choice([1])\n"
    )
    assert len(_violations(bad)) == 3

"""Détente's shipped content: TOML catalogs and scenarios (data only).

Loaded and validated by `bot/content.py`; the authoring format is described
in `docs/scenarios.md`.
"""

from pathlib import Path

CONTENT_DIR: Path = Path(__file__).resolve().parent
CATALOGS_DIR: Path = CONTENT_DIR / "catalogs"
SCENARIOS_DIR: Path = CONTENT_DIR / "scenarios"

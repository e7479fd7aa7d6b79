"""Run `detente` as a subprocess, as a newcomer would, in a clean folder."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

Detente = Callable[..., subprocess.CompletedProcess[str]]


def detente_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DETENTE_")}
    env["TZ"] = "UTC"  # deadlines render in local time: fix it for comparisons
    env["PYTHONIOENCODING"] = "utf-8"
    env.update(extra or {})
    return env


def detente_argv(*args: str) -> list[str]:
    return [sys.executable, "-m", "bot.cli", *args]


@pytest.fixture
def detente(tmp_path: Path) -> Detente:
    def run(
        *args: str, input: str | None = None, env: dict[str, str] | None = None, timeout: float = 60
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            detente_argv(*args),
            input=input,
            capture_output=True,
            text=True,
            encoding="utf-8",
            cwd=tmp_path,
            env=detente_env(env),
            timeout=timeout,
        )

    return run

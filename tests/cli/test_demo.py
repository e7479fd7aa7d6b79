"""`detente demo`: a whole game, the same every time, and resumable after a kill."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.cli.conftest import Detente, detente_argv, detente_env

SCENARIO = "harbour-ransom"  # the short classroom scenario
SEED = "3"


def debrief_of(stdout: str) -> str:
    assert "# Debrief" in stdout, stdout[-2000:]
    return stdout[stdout.index("# Debrief") :]


def test_demo_plays_a_whole_game_with_every_audience_labelled(
    detente: Detente, tmp_path: Path
) -> None:
    result = detente(
        "demo", "--scenario", SCENARIO, "--seed", SEED, "--db", "games.db", "--report-dir", "report"
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for label in ("[public]", "[to ", "[moderator]", "[mediator]"):
        assert label in out
    debrief = debrief_of(out)
    for section in (
        "## Scores",
        "## Secret objectives, revealed",
        "## Timeline",
        "## The real instruments",
    ):
        assert section in debrief
    assert str(tmp_path / "games.db") in result.stderr  # says where the game is kept
    assert "Traceback" not in result.stderr
    report = tmp_path / "report"
    assert (report / f"demo-{SCENARIO}-{SEED}-debrief.md").read_text().startswith("# Debrief")
    assert (report / f"demo-{SCENARIO}-{SEED}-tension.png").read_bytes()[:4] == b"\x89PNG"


def test_the_same_seed_gives_the_same_transcript(detente: Detente) -> None:
    first = detente("demo", "--scenario", SCENARIO, "--seed", SEED, "--db", "a.db", "-q")
    second = detente("demo", "--scenario", SCENARIO, "--seed", SEED, "--db", "b.db", "-q")
    assert first.returncode == second.returncode == 0
    assert first.stdout == second.stdout
    other = detente("demo", "--scenario", SCENARIO, "--seed", "4", "--db", "c.db", "-q")
    assert other.stdout != first.stdout


def _event_log(detente: Detente, db: str) -> list[dict]:
    result = detente("export", f"demo-{SCENARIO}-{SEED}", "--db", db, "--format", "json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)["events"]


@pytest.mark.parametrize("kill_after_lines", [5, 120, 600, 850])
def test_a_demo_killed_and_restarted_ends_as_an_uninterrupted_run(
    detente: Detente, tmp_path: Path, kill_after_lines: int
) -> None:
    whole = detente("demo", "--scenario", SCENARIO, "--seed", SEED, "--db", "whole.db", "-q")
    assert whole.returncode == 0, whole.stderr

    transcript = tmp_path / "killed.txt"
    with transcript.open("w") as out:
        process = subprocess.Popen(
            detente_argv("demo", "--scenario", SCENARIO, "--seed", SEED, "--db", "killed.db", "-q"),
            stdout=out,
            stderr=subprocess.DEVNULL,
            cwd=tmp_path,
            env=detente_env(),
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and process.poll() is None:
            if len(transcript.read_text(errors="replace").splitlines()) >= kill_after_lines:
                break
            time.sleep(0.005)
        process.send_signal(signal.SIGKILL)
        process.wait()

    resumed = detente("demo", "--scenario", SCENARIO, "--seed", SEED, "--db", "killed.db", "-q")
    assert resumed.returncode == 0, resumed.stderr
    assert debrief_of(resumed.stdout) == debrief_of(whole.stdout)
    assert _event_log(detente, "killed.db") == _event_log(detente, "whole.db")


def test_unknown_scenario_lists_the_known_ones(detente: Detente) -> None:
    result = detente("demo", "--scenario", "atlantis", "--db", "x.db")
    assert result.returncode == 2
    assert "No scenario 'atlantis'" in result.stderr and "twin-grids" in result.stderr
    assert "Traceback" not in result.stderr

"""The debrief a demo writes: facts that match the reference, a readable
chart, the transcript printed once per message."""

from __future__ import annotations

import asyncio
import re
import struct
import subprocess
from pathlib import Path

import pytest

from bot.debrief import MOVE_INSTRUMENTS, debrief_markdown, tension_series
from bot.export import load_game
from tests.cli.conftest import detente_argv, detente_env

SCENARIO, SEED = "meridian-forum", "7"  # six states: fifteen pairs on the chart
GAME = f"demo-{SCENARIO}-{SEED}"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    folder = tmp_path_factory.mktemp("debrief")
    result = subprocess.run(
        detente_argv(
            "demo", "--scenario", SCENARIO, "--seed", SEED, "--db", "d.db", "--report-dir", "r"
        ),
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=folder,
        env=detente_env(),
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return folder, result.stdout


def test_the_instruments_say_what_the_reference_says() -> None:
    text = " ".join(instrument for _, instrument in MOVE_INSTRUMENTS)
    assert "1202 (March 2016" in text and "1106 (December 2013" in text
    assert not re.search(r"1202\D{0,20}2015", text)  # the old mistake
    assert "A/70/174" in text and "Art. 29" in text and "Art. 35" in text
    assert "Article 33" not in text  # not in the reference: no article numbers invented
    kinds = [kind for kind, _ in MOVE_INSTRUMENTS]
    for kind in ("Confidence-building measures", "Bilateral agreements", "Forum norms"):
        assert kind in kinds


def test_the_debrief_covers_every_part_of_the_game(demo: tuple[Path, str]) -> None:
    folder, _ = demo
    report = (folder / "r" / f"{GAME}-debrief.md").read_text(encoding="utf-8")
    for section in (
        "## Scores",
        "Shared stability:",
        "## Secret objectives, revealed",
        "## Agreements, CBMs and their fate",
        "## Forum votes",
        "## Incidents and attributions",
        "Public attributions:",
        "## Mediations",
        "## Timeline",
        "## The real instruments behind the moves",
        f"![Tension per pair over the rounds]({GAME}-tension.png)",
    ):
        assert section in report
    assert "March 2016" in report


def test_the_chart_is_a_wide_png_and_every_pair_reaches_the_last_round(
    demo: tuple[Path, str],
) -> None:
    folder, _ = demo
    png = (folder / "r" / f"{GAME}-tension.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])
    assert width > 1000 and 400 < height < 700  # the legend sits beside the plot
    state, events = asyncio.run(load_game(folder / "d.db", GAME))
    series = tension_series(state, events)
    assert len(series) == 15
    last = {points[-1][0] for points in series.values()}
    assert last == {state.round}
    assert debrief_markdown(state, events) in demo[1]


def test_a_message_to_several_audiences_is_printed_once(demo: tuple[Path, str]) -> None:
    _, out = demo
    assert "[public · to " in out
    blocks = re.split(r"\n(?=\[|── \[)", out.split("# Debrief")[0])
    repeats = [b for previous, b in zip(blocks, blocks[1:], strict=False) if b == previous]
    assert repeats == []
    bodies = [b.split("\n", 1)[1] for b in blocks if "\n" in b and "agreed" in b.split("\n")[0]]
    assert len(bodies) == len(set(bodies))  # each agreement told once, with all its labels

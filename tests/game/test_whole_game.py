"""A whole game of computer delegations (game/autoplay.py) on a fixed seed:
the founding scenario plays from start to end with the good outcomes the
design expects, and the log replays to the same final state."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from game.autoplay import play_out
from game.engine import replay
from tests.game import factories

START = datetime(2030, 1, 1, 9, 0, tzinfo=UTC)


def founding_scenario():
    content = pytest.importorskip("bot.content")
    return content.load_scenario("twin-grids")


@pytest.fixture(scope="module")
def twin_grids_game():
    return play_out(founding_scenario(), 7, START)


def test_a_computer_game_of_the_founding_scenario_ends_with_cbm_agreement_and_mediation(
    twin_grids_game,
) -> None:
    events, final = twin_grids_game
    assert final.phase == "ended"
    assert final.ended_reason == "rounds"
    in_force = [p for p in final.proposals.values() if p.status == "in_force"]
    assert any(p.kind == "cbm" for p in in_force)
    assert any(p.kind == "agreement" for p in in_force)
    assert final.mediations, "no mediation happened"
    assert any(m.status == "settled" for m in final.mediations.values())
    assert any(e.type == "mediator_text_tabled" and e.builtin for e in events)


def test_the_log_replays_to_the_same_final_state(twin_grids_game) -> None:
    events, final = twin_grids_game
    assert replay(events) == final


def test_the_same_seed_plays_the_same_game(twin_grids_game) -> None:
    events, final = twin_grids_game
    again, final_again = play_out(founding_scenario(), 7, START)
    assert again == events
    assert final_again == final


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_seed_plays_to_the_end_and_replays(seed: int) -> None:
    events, final = play_out(founding_scenario(), seed, START)
    assert final.phase == "ended"
    assert replay(events) == final


@pytest.mark.parametrize("seed", [1, 7])
def test_a_three_state_game_plays_to_the_end_and_replays(seed: int) -> None:
    events, final = play_out(factories.scenario(), seed, START)
    assert final.phase == "ended"
    assert final.round == final.scenario.rounds
    assert replay(events) == final

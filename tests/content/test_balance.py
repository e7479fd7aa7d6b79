"""The balance report: figures per scenario from seeded games, and its table."""

from __future__ import annotations

import pytest

from bot.content import load_scenario

balance = pytest.importorskip("bot.balance", reason="needs game/autoplay.py")


@pytest.fixture(scope="module")
def report():
    return balance.balance_report("harbour-ransom", games=3)


def test_report_counts_every_game(report):
    (figures,) = report.scenarios
    assert figures.scenario_id == "harbour-ransom"
    assert figures.games == 3
    assert 0 <= figures.conflicts <= 3
    assert 1 <= figures.rounds_played <= load_scenario("harbour-ransom").rounds
    assert [s.state for s in figures.spreads] == ["calder", "vessa", "dunmore"]
    for spread in figures.spreads:
        assert spread.low <= spread.mean <= spread.high
        assert 0 <= spread.objectives_met <= 1


def test_same_seeds_same_report(report):
    assert balance.balance_report("harbour-ransom", games=3) == report


def test_progress_is_reported_per_game():
    calls = []
    balance.balance_report("twin-grids", games=2, progress=lambda *a: calls.append(a))
    assert calls == [(1, 2, "twin-grids"), (2, 2, "twin-grids")]


def test_the_cli_keyword_form_takes_several_scenarios():
    result = balance.balance_report(scenarios=["twin-grids", "harbour-ransom"], games=1)
    assert [b.scenario_id for b in result.scenarios] == ["twin-grids", "harbour-ransom"]


def test_table_has_a_line_per_scenario_and_per_delegation(report):
    text = str(report)
    lines = text.splitlines()
    assert lines[0].split()[:3] == ["scenario", "games", "conflict"]
    assert lines[1].startswith("harbour-ransom")
    assert any(line.strip().startswith("dunmore") for line in lines)
    assert report.scenarios[0].verdict in text


def test_verdicts():
    figures = balance.ScenarioBalance(
        scenario_id="x",
        title="X",
        games=4,
        conflicts=0,
        agreements=0,
        cbms=0,
        norms=0,
        mediations=0,
        mediations_settled=0,
        rounds_played=3.0,
        spreads=(),
    )
    assert figures.verdict == "always peaceful"
    assert (
        balance.ScenarioBalance(**{**figures.__dict__, "conflicts": 4}).verdict
        == "always in conflict"
    )
    assert balance.ScenarioBalance(**{**figures.__dict__, "conflicts": 1}).verdict == "balanced"


# --- does the scoring reward good play? ------------------------------------------------


def test_good_play_report_plays_the_same_seeds_without_each_move():
    result = balance.good_play_report("twin-grids", games=2, variants=["back-channels"])
    assert result.scenario_id == "twin-grids"
    assert result.states == ("aldmark", "borova")
    assert result.full.games == 2
    (without,) = result.without
    assert without.id == "no back-channels"
    assert set(without.mean_scores) == {"aldmark", "borova"}
    assert set(result.rewarded(without)) == {"aldmark", "borova"}
    text = str(result)
    assert "full play" in text and "no back-channel talks" in text


def test_twin_grids_rewards_back_channel_talks_and_the_forum():
    """Issue 3: in the founding scenario the scoring rewards back-channel talks
    (both sides speaking lowers tension) and the UN forum (each side's secret
    objective is a norm). The full 200-game table is in docs/scenarios.md."""
    result = balance.good_play_report("twin-grids", games=20, variants=["back-channels", "forum"])
    for variant in result.without:
        assert all(result.rewarded(variant).values()), str(result)


def test_every_good_move_is_a_variant():
    ids = [vid for vid, _, _ in balance.GOOD_PLAY]
    assert ids == ["back-channels", "mediation", "joint-reporting", "agreement", "forum"]


def test_a_skipped_move_is_never_made():
    from game.autoplay import play_out

    sc = load_scenario("twin-grids")
    skips = dict((vid, skip) for vid, _, skip in balance.GOOD_PLAY)
    events, _ = play_out(sc, 3, balance.START)
    assert any(e.type == "backchannel_opened" for e in events)
    events, final = play_out(sc, 3, balance.START, skip=skips["back-channels"])
    assert not any(e.type == "backchannel_opened" for e in events)
    events, final = play_out(sc, 3, balance.START, skip=skips["agreement"])
    forced = [final.proposals[e.proposal] for e in events if e.type == "entered_into_force"]
    assert forced and all(p.kind != "agreement" for p in forced)

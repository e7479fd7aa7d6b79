"""The start of a round: a crisis already there is announced, and the narration
follows the order of the events when the game ends as a round begins."""

from __future__ import annotations

from game.narrate import notices_for
from game.scenario import IncidentInject, RuleSettings
from tests.game.factories import ANA, Table, scenario, started


def _quiet(**rules):
    settings = {"leak_chance": 0.0, "escalation_tension": 0, **rules}
    return settings


def test_a_crisis_at_the_starting_tension_is_declared_when_round_1_begins():
    """Any pair at ≥ 80 is a crisis (everyone is told) — also a pair that starts
    there: the crisis is announced when round 1 begins, not first when tension
    next moves."""
    sc = scenario(injects=[], rules=RuleSettings(**_quiet(starting_tension=85)))
    t = started(sc)
    types = t.types()
    assert "crisis_declared" in types
    first_round = types.index("round_started")
    declared = [e for e in t.events if e.type == "crisis_declared"]
    assert all(t.events.index(e) > first_round for e in declared)
    assert {e.pair for e in declared} == set(t.s.relations)
    assert all(r.crisis for r in t.s.relations.values())


def test_the_crisis_at_the_start_is_told_in_public_with_round_1():
    sc = scenario(injects=[], rules=RuleSettings(**_quiet(starting_tension=85)))
    t = Table(sc)
    t.do("join_game", ANA, state="alba")
    before = t.s
    events = t.do("start_game")
    public = [n for n in notices_for(before, events, t.s) if n.audience.kind == "public"]
    assert any(n.title.startswith("⚠ Crisis") for n in public)
    (summary,) = [n for n in public if n.kind == "round"]
    assert summary.title.startswith("Round 1")
    assert "Crisis" in summary.body


def test_a_pair_below_crisis_at_the_start_is_not_declared():
    sc = scenario(injects=[], rules=RuleSettings(**_quiet(starting_tension=79)))
    t = started(sc)
    assert "crisis_declared" not in t.types()


def test_game_over_at_the_start_of_a_round_is_told_after_the_round_begins():
    """The game ends in conflict by an incident of round 2's inject step: the
    notices follow the events — round 2 begins, then the game is over."""
    strike = IncidentInject(
        round=2, headline="Grid down", template="grid", victim="alba", author="borea", severity=3
    )
    sc = scenario(injects=[strike], rules=RuleSettings(**_quiet(starting_tension=88)))
    t = started(sc)
    before = t.s
    events = t.do("advance_round")
    types = t.types(events)
    assert types.index("round_started") < types.index("game_ended")
    assert t.s.ended_reason == "conflict"
    titles = [n.title for n in notices_for(before, events, t.s) if n.audience.kind == "public"]
    begins = next(i for i, title in enumerate(titles) if title.startswith("Round 2"))
    over = titles.index("Game over")
    assert begins < over, titles


def test_a_round_that_ends_the_game_does_not_invite_negotiation():
    strike = IncidentInject(
        round=2, headline="Grid down", template="grid", victim="alba", author="borea", severity=3
    )
    sc = scenario(injects=[strike], rules=RuleSettings(**_quiet(starting_tension=88)))
    t = started(sc)
    before = t.s
    events = t.do("advance_round")
    (summary,) = [n for n in notices_for(before, events, t.s) if n.kind == "round"]
    assert "Negotiate now" not in summary.body
    assert summary.deadline is None


def test_game_over_after_the_last_round_is_told_after_the_round_ends():
    sc = scenario(injects=[], rules=RuleSettings(**_quiet()), rounds=1)
    t = started(sc)
    before = t.s
    events = t.do("advance_round")
    assert t.s.ended_reason == "rounds"
    titles = [n.title for n in notices_for(before, events, t.s) if n.audience.kind == "public"]
    ends = next(i for i, title in enumerate(titles) if title.startswith("Round 1"))
    assert ends < titles.index("Game over"), titles

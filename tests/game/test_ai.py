"""Computer delegations (game/ai.py): they play from their own view, answer
by their interests, investigate before they attribute, keep or break their
word by their conduct, and never send a command the rules refuse."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from game.ai import computer_commands
from game.base import Context
from game.commands import (
    AcceptProposal,
    Attribute,
    CastVote,
    ConsentMediation,
    CounterProposal,
    Investigate,
    MarkReady,
    OpenBackchannel,
    RequestMediation,
    StandDown,
    TakeMeasure,
    Whisper,
)
from game.engine import apply, decide
from game.scenario import Conduct, DomesticInject, RuleSettings
from game.state import computer_player
from tests.game.factories import ANA, Table, scenario, states

START = datetime(2030, 1, 1, 9, 0, tzinfo=UTC)


def table(sc=None) -> Table:
    """Ana leads alba; computers hold borea and cyra."""
    t = Table(sc or scenario())
    t.do("join_game", ANA, state="alba")
    t.do("fill_seats")
    t.do("start_game")
    return t


def commands(t: Table, state_id: str) -> list:
    return computer_commands(t.s, state_id, Context.for_game(t.now, t.seed, t.s.seq))


def of(cmds: list, kind: type) -> list:
    return [c for c in cmds if isinstance(c, kind)]


def with_conduct(state_id: str, **conduct: float):
    profiles = [
        p.model_copy(update={"conduct": Conduct(**conduct)}) if p.id == state_id else p
        for p in states()
    ]
    return scenario(states=profiles)


def test_every_command_it_sends_is_accepted_in_order() -> None:
    t = table()
    t.do("propose_agreement", ANA, parties=["borea"], clauses={"contacts": "24-7"})
    for sid in ("borea", "cyra"):
        state = t.s
        for command in commands(t, sid):
            events = decide(state, command, Context.for_game(t.now, t.seed, state.seq))
            for e in events:
                state = apply(state, e)


def test_command_ids_are_deterministic_and_name_the_seat() -> None:
    t = table()
    first = commands(t, "borea")
    assert first == commands(t, "borea")
    assert [c.command_id for c in first] == [
        f"ai:{t.s.game_id}:{t.s.seq}:borea:{i}" for i in range(len(first))
    ]
    assert all(c.actor == computer_player("borea", "Borea") for c in first)


def test_it_does_not_play_a_human_seat_or_outside_negotiation() -> None:
    t = table()
    assert commands(t, "alba") == []
    lobby = Table()
    lobby.do("fill_seats")
    assert computer_commands(lobby.s, "borea", Context.for_game(START, 7, lobby.s.seq)) == []


def test_it_accepts_a_proposal_that_serves_its_interests() -> None:
    """Borea weighs contacts 0.5: a 24/7 contact point is worth .1 + .5 + .03."""
    t = table()
    t.do("propose_agreement", ANA, parties=["borea"], clauses={"contacts": "24-7"})
    answers = of(commands(t, "borea"), AcceptProposal)
    assert [(a.proposal, a.version) for a in answers] == [("P1", 1)]


def test_it_does_not_accept_a_clause_it_cannot_live_with() -> None:
    """Borea weighs IP protection -0.4 and must avoid the IP clause: it counters
    or asks the mediator, it does not sign."""
    t = table()
    t.do("propose_agreement", ANA, parties=["borea"], clauses={"ip": "verified"})
    cmds = commands(t, "borea")
    assert not of(cmds, AcceptProposal)
    assert of(cmds, CounterProposal) or of(cmds, RequestMediation)


def test_it_consents_to_mediation_offered_to_it() -> None:
    t = table()
    t.do("propose_agreement", ANA, parties=["borea"], clauses={"contacts": "desk"})
    t.do("request_mediation", ANA, proposal="P1")
    consents = of(commands(t, "borea"), ConsentMediation)
    assert [c.mediation for c in consents] == ["M1"]


def test_it_votes_in_the_forum_by_interest() -> None:
    """Cyra's secret objective is the critical-infrastructure norm."""
    t = table()
    t.do("propose_norm", ANA, norm="no-ci-attacks")
    votes = of(commands(t, "cyra"), CastVote)
    assert [(v.proposal, v.vote) for v in votes] == [("P1", "yes")]


def test_it_investigates_before_it_attributes() -> None:
    """Alba (a computer here) is hit in round 1 and holds no evidence yet."""
    t = Table(scenario())
    t.do("join_game", ANA, state="cyra")
    t.do("fill_seats")
    t.do("start_game")
    cmds = commands(t, "alba")
    assert of(cmds, Investigate)
    assert not of(cmds, Attribute)


def _agreed_sparing_energy(sc) -> Table:
    """Ana (alba) and computer borea agree to spare the grid; borea's proxy
    has an operation planned against alba's grid for round 2."""
    t = table(sc)
    t.do("propose_agreement", ANA, parties=["borea"], clauses={"spare-energy": "full"})
    t.do("accept_proposal", computer_player("borea"), proposal="P1")
    planned = [i for i in t.s.incidents.values() if i.status == "planned"]
    assert planned and planned[0].responsible == "borea" and planned[0].sector == "energy"
    return t


def test_a_reliable_delegation_stands_down_an_operation_that_would_breach_its_word() -> None:
    t = _agreed_sparing_energy(with_conduct("borea", reliability=1.0, cooperativeness=0.0))
    stand_downs = of(commands(t, "borea"), StandDown)
    assert [s.operation for s in stand_downs] == [
        i.id for i in t.s.incidents.values() if i.status == "planned"
    ]


def test_a_norm_the_forum_adopted_this_round_binds_like_an_agreement() -> None:
    """Adopted now, in force at the resolution step — before the planned
    strike on alba's grid would hit: a reliable borea calls it off."""
    t = table(with_conduct("borea", reliability=1.0, cooperativeness=0.0))
    t.do("propose_norm", ANA, norm="no-ci-attacks")
    for sid in ("borea", "cyra"):
        t.do("cast_vote", computer_player(sid), proposal="P1", vote="yes")
    assert t.s.proposals["P1"].status == "accepted"
    stand_downs = of(commands(t, "borea"), StandDown)
    assert [s.operation for s in stand_downs] == [
        i.id for i in t.s.incidents.values() if i.status == "planned"
    ]


def test_an_unreliable_delegation_lets_the_operation_go_ahead() -> None:
    t = _agreed_sparing_energy(with_conduct("borea", reliability=0.0, cooperativeness=0.0))
    assert not of(commands(t, "borea"), StandDown)


def test_it_plays_from_its_own_view_only() -> None:
    """Another delegation's weights and objectives change nothing in what a
    computer delegation does."""
    t1 = table()
    others = [
        p.model_copy(update={"interests": {"ci": -1.0, "sanctions": -1.0}})
        if p.id != "borea"
        else p
        for p in states()
    ]
    t2 = table(scenario(states=others))
    for t in (t1, t2):
        t.do("propose_agreement", ANA, parties=["borea"], clauses={"spare-energy": "partial"})
    strip = [c.model_dump(exclude={"command_id"}) for c in commands(t1, "borea")]
    assert strip == [c.model_dump(exclude={"command_id"}) for c in commands(t2, "borea")]


def test_it_speaks_once_a_round_in_every_back_channel_it_is_in() -> None:
    """Talks both sides keep up lower tension at the resolution step, so a
    computer delegation speaks in each open channel every round, once."""
    t = table(scenario(injects=[], rules=RuleSettings(leak_chance=0.0)))
    t.do("open_backchannel", ANA, states=["borea"])
    for _ in range(2):
        t.do("whisper", ANA, channel="B1", text="shall we talk?")
        cmds = commands(t, "borea")
        assert [c.channel for c in of(cmds, Whisper)] == ["B1"]
        for c in cmds:
            t.do_command(c)
        assert not of(commands(t, "borea"), Whisper)
        before = t.s.tension("alba", "borea")
        t.do("advance_round")
        assert t.s.tension("alba", "borea") <= before - t.s.rules.backchannel_relief


def test_it_opens_a_back_channel_when_tension_runs_high() -> None:
    profiles = [
        p.model_copy(update={"conduct": Conduct(cooperativeness=1.0)}) if p.id == "borea" else p
        for p in states()
    ]
    t = table(scenario(states=profiles, injects=[]))
    assert not of(commands(t, "borea"), OpenBackchannel)  # tension 30: no need
    t.do(
        "inject_event",
        inject=DomesticInject(round=1, headline="Row", state="borea", tension_with={"alba": 15}),
    )
    opened = of(commands(t, "borea"), OpenBackchannel)
    assert [o.states for o in opened] == [["alba"]]


def test_it_marks_itself_ready_once_it_has_nothing_left_to_do() -> None:
    t = table()
    for _ in range(6):
        cmds = commands(t, "cyra")
        if cmds == [] or of(cmds, MarkReady):
            break
        for c in cmds:
            t.do_command(c)
    assert of(cmds, MarkReady) and len(cmds) == 1


@pytest.mark.parametrize("seed", [3, 11])
def test_whole_games_of_computers_never_send_a_refused_command(seed: int) -> None:
    from game.autoplay import play_out

    # play_out raises on any RuleError: reaching the end is the assertion.
    _, final = play_out(scenario(), seed, START)
    assert final.phase == "ended"


@pytest.mark.parametrize("name", ["twin-grids", "harbour-ransom"])
def test_it_asks_for_crisis_mediation_with_a_state_at_most_once_a_round(name: str) -> None:
    """A crisis mediation that failed or settled this round is not asked again
    until the next round: the mediator has just said what it can offer."""
    from game.autoplay import play_out

    content = pytest.importorskip("bot.content")
    sc = content.load_scenario(name)
    for seed in range(1, 9):
        _, final = play_out(sc, seed, START)
        crisis_talks = [
            (frozenset(m.parties), m.opened_round)
            for m in final.mediations.values()
            if final.proposals[m.proposal].proposer == "mediator"
        ]
        assert len(crisis_talks) == len(set(crisis_talks)), f"{name} seed {seed}"


def _hit_alba(sc) -> Table:
    """Alba (a computer) is hit in round 1; Ana holds cyra."""
    t = Table(sc)
    t.do("join_game", ANA, state="cyra")
    t.do("fill_seats")
    t.do("start_game")
    return t


def _passes(t: Table, state_id: str, n: int = 6) -> list:
    sent: list = []
    for _ in range(n):
        cmds = commands(t, state_id)
        for c in cmds:
            t.do_command(c)
        sent += cmds
    return sent


def test_an_assertive_delegation_follows_its_attribution_with_a_diplomatic_measure() -> None:
    t = _hit_alba(with_conduct("alba", assertiveness=1.0, cooperativeness=0.0))
    sent = _passes(t, "alba")
    attributions = of(sent, Attribute)
    measures = of(sent, TakeMeasure)
    assert attributions and measures
    accused = {t.s.group_state(a.culprit) or a.culprit for a in attributions}
    assert {m.target for m in measures} <= accused
    assert len(measures) <= len(attributions)  # one answer per accusation, not one a pass


def test_a_restrained_delegation_neither_accuses_nor_retaliates() -> None:
    t = _hit_alba(with_conduct("alba", assertiveness=0.0, cooperativeness=1.0))
    sent = _passes(t, "alba")
    assert not of(sent, Attribute) and not of(sent, TakeMeasure)


def test_an_uncooperative_delegation_does_not_take_every_cbm_offered() -> None:
    """Cooperativeness sets how readily it accepts: an uncooperative state
    holds out early for more; a cooperative one takes the CBM."""
    answers = {}
    for cooperativeness in (0.0, 1.0):
        t = table(with_conduct("borea", cooperativeness=cooperativeness))
        t.do("propose_cbm", ANA, cbm="hotline", parties=["borea"])
        answers[cooperativeness] = of(_passes(t, "borea", 3), AcceptProposal)
    assert answers[1.0] and not answers[0.0]


def test_conduct_moves_the_outcome_of_whole_games() -> None:
    """Assertive, uncooperative, unreliable delegations end games more tense
    than restrained, cooperative, reliable ones (same scenario, same seeds)."""
    from game.autoplay import play_out

    def final_tension(conduct: Conduct) -> float:
        profiles = [p.model_copy(update={"conduct": conduct}) for p in states()]
        total = 0
        for seed in range(1, 6):
            _, final = play_out(scenario(states=profiles), seed, START)
            total += max(r.tension for r in final.relations.values())
        return total / 5

    hawks = final_tension(Conduct(reliability=0.2, assertiveness=0.9, cooperativeness=0.1))
    doves = final_tension(Conduct(reliability=1.0, assertiveness=0.1, cooperativeness=0.9))
    assert hawks > doves + 10


def test_once_norm_b_is_adopted_it_wants_more_evidence_before_it_accuses() -> None:
    """Norm (b), consider all relevant information: once adopted, a computer
    delegation gathers more evidence before it names a culprit in public."""

    def before_accusing(norm_adopted: bool) -> list[str]:
        t = _hit_alba(with_conduct("alba", assertiveness=1.0, cooperativeness=0.0))
        if norm_adopted:
            t.state = t.s.model_copy(
                update={"norms_in_force": [*t.s.norms_in_force, "consider-info"]}
            )
        moves = [type(c).__name__ for c in _passes(t, "alba")]
        intel = [m for m in moves if m in ("Investigate", "Attribute")]
        assert "Attribute" in intel
        return intel[: intel.index("Attribute")]

    assert len(before_accusing(True)) > len(before_accusing(False)) >= 1

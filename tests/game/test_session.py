"""Lobby, seats, permissions and the session's clock."""

from __future__ import annotations

from datetime import timedelta

from game.base import SYSTEM
from game.permissions import TABLE, allowed
from game.state import computer_player
from game.views import audiences_of, delegation_view
from tests.game.factories import ANA, BEN, CAT, DAN, MEL, MODERATOR, OLI, Table, scenario, started


def test_permissions_table_messages_name_the_role_and_the_phase():
    t = Table()
    assert t.refuse("pause_game", ANA) == "Only the moderator can pause the game."
    t.do("join_game", ANA, state="alba")
    assert t.refuse("cast_vote", ANA, proposal="P1", vote="yes") == (
        "You can vote in the forum only in the negotiation phase; the game is in the lobby."
    )
    assert allowed("advance_round", "moderator", "negotiation")
    assert not allowed("accept_proposal", "member", "negotiation")
    assert set(TABLE) >= {"tick", "rule_arbitration", "stand_down"}


def test_members_draft_and_leads_table():
    t = started()
    t.do("join_game", DAN, state="alba")
    message = t.refuse("propose_cbm", DAN, cbm="hotline", parties=["borea"])
    assert "lead" in message and "draft" in message
    t.do("propose_cbm", DAN, cbm="hotline", parties=["borea"], draft=True)
    assert "ask Ana" in t.refuse("table_draft", DAN, proposal="P1")
    t.do("table_draft", ANA, proposal="P1")
    assert t.s.proposals["P1"].status == "tabled"


def test_start_assigns_unseated_players_and_computers_hold_empty_seats():
    t = Table()
    t.do("join_game", ANA)
    t.do("join_game", BEN, state="cyra")
    t.do("start_game")
    assert t.s.seat_of(ANA.key).state == "alba" and t.s.seat_of(ANA.key).lead
    assert t.s.delegations["borea"].control == "computer"
    t.do("propose_cbm", computer_player("borea"), cbm="hotline", parties=["alba"])


def test_a_seat_left_empty_is_held_by_a_computer_until_taken():
    t = started()
    t.do("kick_player", MODERATOR, player=BEN)
    assert t.s.delegations["borea"].control == "computer"
    t.do("join_game", OLI, state="borea")
    assert t.s.delegations["borea"].control == "human" and t.s.lead_of("borea").player == OLI


def test_leaving_lead_hands_over_to_a_member():
    t = started()
    t.do("join_game", DAN, state="alba")
    t.do("leave_game", ANA)
    assert t.s.lead_of("alba").player == DAN


def test_pause_stops_the_clock_and_resume_shifts_deadlines():
    t = started()
    deadline = t.s.round_deadline
    t.do("pause_game")
    assert t.s.next_deadline() is None
    t.now += timedelta(minutes=30)
    t.do("resume_game")
    assert t.s.round_deadline == deadline + timedelta(minutes=30)


def test_round_timer_reminds_who_owes_a_move_then_advances():
    t = started()
    t.do("mark_ready", CAT)
    reminder = t.tick(17)
    assert reminder[0].type == "reminder_sent" and reminder[0].owing == ["alba", "borea"]
    assert t.s.next_deadline() == t.s.round_deadline
    events = t.tick(3)
    assert "round_started" in t.types(events) and t.s.round == 2


def test_every_human_delegation_ready_ends_the_round_early():
    t = started()
    t.do("mark_ready", ANA)
    t.do("mark_ready", BEN)
    t.do("mark_ready", CAT)
    assert t.s.round == 2
    t.do("set_early_advance", allowed=False)
    for who in (ANA, BEN, CAT):
        t.do("mark_ready", who)
    assert t.s.round == 2


def test_extend_and_tick_is_a_no_op_when_nothing_is_due():
    t = started()
    before = t.s.round_deadline
    t.do("extend_deadline", minutes=5)
    assert t.s.round_deadline == before + timedelta(minutes=5)
    assert t.do("tick", SYSTEM) == []


def test_the_game_ends_after_the_last_round_with_scores():
    t = started()
    for _ in range(3):
        events = t.do("advance_round")
    assert events[-1].type == "game_ended" and events[-1].reason == "rounds"
    assert set(events[-1].scores) == {"alba", "borea", "cyra"}
    assert "over" in t.refuse("join_game", OLI)


def test_views_and_audiences():
    t = started()
    t.do("join_game", MEL, role="mediator")
    t.do("open_backchannel", ANA, states=["borea"], with_mediator=True)
    kinds = {a.kind for a in audiences_of(t.s, MEL.key)}
    assert kinds == {"public", "mediator", "backchannel", "person"}
    assert {a.kind for a in audiences_of(t.s, MODERATOR.key)} == {"public", "moderator", "person"}
    view = delegation_view(t.s, "borea")
    assert [op.id for op in view.operations] == ["I2"]  # the proxy's planned strike
    assert not delegation_view(t.s, "alba").operations


def test_start_needs_the_scenarios_players_unless_a_rehearsal():
    t = Table(scenario(min_players=2))
    t.do("join_game", ANA, state="alba")
    message = t.refuse("start_game")
    assert "needs at least 2 players; 1 joined" in message
    assert "game start rehearsal" in message
    t.do("start_game", rehearsal=True)
    assert t.s.phase == "negotiation" and t.s.round == 1
    assert t.s.delegations["alba"].control == "human"
    assert {t.s.delegations[s].control for s in ("borea", "cyra")} == {"computer"}


def test_a_rehearsal_starts_with_computer_delegations_in_every_seat():
    t = Table()
    t.do("fill_seats")
    t.do("start_game", rehearsal=True)
    assert t.s.round == 1
    assert all(d.control == "computer" for d in t.s.delegations.values())
    assert not [s for s in t.s.seats if s.role == "delegate"]

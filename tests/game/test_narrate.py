"""Narration (game/narrate.py): who is told what.

The audience tests run over every batch of a whole autoplayed game: no
delegation's secrets (objectives, interest weights, planned operations,
evidence, back-channel words) reach any other audience."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from game.autoplay import play_out
from game.events import Event
from game.narrate import notices_for
from game.notice import Audience, Notice
from game.state import GameState
from tests.game.factories import ANA, BEN, started

START = datetime(2030, 1, 1, 9, 0, tzinfo=UTC)

Batch = tuple[GameState | None, list[Event], GameState, list[Notice]]


def _narrated_game(scenario, seed: int) -> list[Batch]:
    batches: list[Batch] = []

    def record(before, events, after) -> None:
        batches.append((before, list(events), after, notices_for(before, events, after)))

    play_out(scenario, seed, START, on_batch=record)
    return batches


@pytest.fixture(scope="module")
def game() -> list[Batch]:
    from bot.content import load_scenario

    return _narrated_game(load_scenario("twin-grids"), 7)


@pytest.fixture(scope="module")
def three_state_game() -> list[Batch]:
    from tests.game.factories import scenario

    return _narrated_game(scenario(), 7)


def _text(n: Notice) -> str:
    parts = [n.title, n.body, *(f"{f.name} {f.value}" for f in n.fields)]
    parts += [a.label + " " + a.command for a in n.actions]
    return "\n".join(parts)


def _all(batches: list[Batch]) -> list[Notice]:
    return [n for *_, notices in batches for n in notices]


def _may_see_delegation_secrets(audience: Audience, state_id: str) -> bool:
    return audience == Audience.delegation(state_id) or audience.kind == "moderator"


@pytest.mark.parametrize("which", ["game", "three_state_game"])
def test_no_delegation_objectives_or_weights_reach_another_audience(which, request) -> None:
    batches = request.getfixturevalue(which)
    final = batches[-1][2]
    for profile in final.scenario.states:
        secrets = [o.description for o in profile.objectives]
        for notice in _all(batches):
            if _may_see_delegation_secrets(notice.audience, profile.id):
                continue
            text = _text(notice)
            for secret in secrets:
                assert secret not in text, (notice.audience, notice.title)
    for notice in _all(batches):
        if "private weights" in _text(notice):
            # Interest weights appear only in a delegation's own briefing.
            assert notice.audience.kind == "delegation"
            assert notice.title.endswith(final.profile(notice.audience.state or "").name)


@pytest.mark.parametrize("which", ["game", "three_state_game"])
def test_each_delegation_is_briefed_privately_at_the_start(which, request) -> None:
    batches = request.getfixturevalue(which)
    start = next(b for b in batches if any(e.type == "game_started" for e in b[1]))
    notices = start[3]
    for profile in start[2].scenario.states:
        briefing = [
            n
            for n in notices
            if n.kind == "briefing" and n.audience == Audience.delegation(profile.id)
        ]
        assert len(briefing) == 1
        text = _text(briefing[0])
        for objective in profile.objectives:
            assert objective.description in text
    assert any(n.kind == "briefing" and n.audience == Audience.public() for n in notices)
    assert any(n.kind == "briefing" and n.audience == Audience.mediator() for n in notices)


@pytest.mark.parametrize("which", ["game", "three_state_game"])
def test_operations_and_breaches_are_told_only_to_their_owner(which, request) -> None:
    batches = request.getfixturevalue(which)
    for _, events, _after, notices in batches:
        for e in events:
            if e.type == "operation_planned":
                owner = e.planner
                told = [n for n in notices if n.key == f"operation:{e.incident.id}"]
                assert told
                assert {n.audience for n in told} == {Audience.delegation(owner)}
        secret = [n for n in notices if n.title.startswith("Secret")]
        for n in secret:
            assert n.audience.kind == "delegation"


@pytest.mark.parametrize("which", ["game", "three_state_game"])
def test_evidence_is_told_only_to_who_learns_it_and_never_its_false_flag(which, request) -> None:
    batches = request.getfixturevalue(which)
    seen = 0
    for _, events, _after, notices in batches:
        for e in events:
            if e.type != "investigation_completed":
                continue
            readers = {s for item in e.evidence for s in (item.found_by, *item.known_by)}
            readers.add(e.state)
            evidence = [
                n for n in notices if n.kind == "evidence" and n.title.startswith("Evidence")
            ]
            assert evidence
            for n in evidence:
                assert n.audience.kind == "delegation" and n.audience.state in readers
                assert "false flag" not in _text(n).lower()
                assert "planted" not in n.title.lower()
            seen += 1
    assert seen


def test_back_channel_words_stay_in_the_back_channel() -> None:
    from tests.game.factories import scenario

    # Whole games on a few seeds, until back-channel talk has happened.
    batches = [b for seed in (7, 8, 9, 10, 11) for b in _narrated_game(scenario(), seed)]
    whispers = 0
    for _, events, _after, notices in batches:
        for e in events:
            if e.type != "whisper_sent":
                continue
            for n in notices:
                if e.message.text in n.body:
                    assert n.audience == Audience.backchannel(e.channel)
                    assert n.author
                    whispers += 1
    assert whispers


@pytest.mark.parametrize("which", ["game", "three_state_game"])
def test_open_proposals_go_to_their_parties_only(which, request) -> None:
    batches = request.getfixturevalue(which)
    for _, _events, after, notices in batches:
        for n in notices:
            if n.kind != "proposal" or not n.key or not n.key.startswith("proposal:"):
                continue
            p = after.proposals[n.key.removeprefix("proposal:")]
            if n.audience.kind == "public":
                assert p.status in ("accepted", "in_force")
            elif n.audience.kind == "delegation":
                assert n.audience.state in p.terms.parties
            else:
                assert n.audience.kind == "mediator" and p.mediation is not None


def test_a_proposal_carries_accept_reject_counter_with_its_version() -> None:
    t = started()
    before = t.s
    events = t.do(
        "propose_agreement",
        ANA,
        parties=["borea"],
        clauses={"contacts": "24-7"},
    )
    notices = notices_for(before, events, t.s)
    to_borea = [n for n in notices if n.audience == Audience.delegation("borea")]
    assert len(to_borea) == 1
    n = to_borea[0]
    pid = next(iter(t.s.proposals))
    assert n.key == f"proposal:{pid}"
    assert n.deadline == t.s.proposals[pid].deadline
    verbs = {a.verb: a for a in n.actions}
    assert set(verbs) >= {"respond.accept", "respond.reject", "respond.counter"}
    for action in verbs.values():
        assert action.args == {"game": t.s.game_id, "proposal": pid, "version": 1}
    assert verbs["respond.accept"].command == f"respond accept {pid} 1"
    counter = verbs["respond.counter"]
    assert counter.command == f"respond counter {pid} 1 contacts=24-7"
    assert {f.name: f.value for f in counter.form}["contacts"] == "24-7"
    assert not any(n.audience.kind == "public" for n in notices)


def test_a_forum_norm_carries_vote_actions_in_public() -> None:
    t = started()
    before = t.s
    norm = next(iter(t.s.scenario.catalogs.norms))
    events = t.do("propose_norm", BEN, norm=norm)
    notices = notices_for(before, events, t.s)
    forum = [n for n in notices if n.kind == "forum"]
    assert forum and forum[0].audience == Audience.public()
    commands = {a.command for a in forum[0].actions}
    pid = forum[0].key.removeprefix("proposal:")
    assert f"forum vote {pid} yes" in commands and f"forum vote {pid} no" in commands


def test_a_round_change_posts_a_public_summary_with_the_next_deadline() -> None:
    t = started()
    before = t.s
    events = t.tick(minutes=t.s.scenario.timers.round_minutes)
    notices = notices_for(before, events, t.s)
    rounds = [n for n in notices if n.kind == "round"]
    assert len(rounds) == 1
    assert rounds[0].audience == Audience.public()
    assert rounds[0].deadline == t.s.round_deadline
    assert "Round 2" in rounds[0].title


def test_reminders_go_only_to_delegations_that_still_owe_a_move() -> None:
    t = started()
    t.do("mark_ready", ANA)
    before = t.s
    lead = t.s.scenario.timers.reminder_minutes_before
    events = t.tick(minutes=t.s.scenario.timers.round_minutes - lead)
    reminders = [n for n in notices_for(before, events, t.s) if n.kind == "reminder"]
    assert reminders
    assert {n.audience.state for n in reminders} == {"borea", "cyra"}
    assert all(n.deadline == t.s.round_deadline for n in reminders)


def test_player_text_carries_its_author() -> None:
    t = started()
    before = t.s
    events = t.do("make_statement", ANA, text="We seek calm @everyone")
    (n,) = notices_for(before, events, t.s)
    assert n.audience == Audience.public()
    assert n.body == "We seek calm @everyone"
    assert n.author and "Ana" in n.author


def test_the_end_is_announced_publicly(game) -> None:
    *_, last = game
    ended = [n for n in last[3] if n.title == "Game over"]
    assert ended and ended[0].audience == Audience.public()


@pytest.mark.parametrize("which", ["game", "three_state_game"])
def test_every_action_command_is_one_the_terminal_understands(which, request) -> None:
    parser = pytest.importorskip("adapters.console.parser")
    for notice in _all(request.getfixturevalue(which)):
        for action in notice.actions:
            if "<" in action.command:
                continue  # a template the player completes (a message to type)
            intent = parser.parse(action.command)
            assert isinstance(intent, parser.CommandIntent | parser.LocalIntent), action.command


def _narrated(t, type_: str, actor=None, **fields) -> list[Notice]:
    before = t.state
    events = t.do(type_, actor, **fields) if actor is not None else t.do(type_, **fields)
    return notices_for(before, events, t.s)


def test_a_planned_operation_by_a_proxy_names_it_as_written() -> None:
    from tests.game.factories import CAT, Table

    t = Table()
    for who, sid in ((ANA, "alba"), (BEN, "borea"), (CAT, "cyra")):
        t.do("join_game", who, state=sid)
    notices = _narrated(t, "start_game")
    planned = [n for n in notices if n.title.startswith("Secret: an operation is planned")]
    proxy = [n for n in planned if "Bear Proxy" in n.body]
    assert proxy and proxy[0].audience == Audience.delegation("borea")
    assert "Bear Proxy, a group you sponsor, plans “Grid again”" in proxy[0].body


def test_the_round_summary_names_the_deals_entering_into_force() -> None:
    t = started()
    t.do("propose_cbm", ANA, cbm="hotline", parties=["borea"])
    pid = next(iter(t.s.proposals))
    t.do("accept_proposal", BEN, proposal=pid, version=1)
    notices = _narrated(t, "advance_round")
    summary = next(n for n in notices if n.kind == "round" and "Entering into force" in n.body)
    name = t.s.scenario.catalogs.cbms["hotline"].name
    assert f"- {pid} (" in summary.body
    assert f"CBM “{name}”" in summary.body
    assert "**" not in summary.body.split("Entering into force:")[1].splitlines()[1]


def test_a_computer_delegation_speaks_as_itself() -> None:
    from game.commands import MakeStatement
    from game.state import computer_player

    t = started(players=False)
    actor = computer_player("alba", t.s.name_of("alba"))
    before = t.state
    events = t.do_command(
        MakeStatement(command_id="s1", game_id=t.s.game_id, actor=actor, text="We seek calm.")
    )
    notice = next(n for n in notices_for(before, events, t.s) if n.kind == "statement")
    assert notice.author is not None and "(" not in notice.author
    assert t.s.name_of("alba") in notice.author

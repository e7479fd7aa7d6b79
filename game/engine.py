"""The engine: `decide` (command -> events), `apply` (event -> state), `replay`.

    decide(state, command, ctx) -> list[Event]   # raises RuleError; never mutates
    apply(state, event) -> GameState             # pure fold; no randomness, no clock
    replay(events) -> GameState                  # apply from nothing

`decide` refuses anything on a finished game, then checks the permissions
table (game/permissions.py), then hands the command to the rules module
that owns it (`HANDLERS`). Rules emit events through a `Decision`, which
applies each at once, so the returned events replay to exactly the state
`decide` reasoned about.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable
from typing import Any

from game import attribution, forum, incidents, lobby, mediation, proposals, session, talk
from game.base import Context, RuleError
from game.commands import COMMAND_ADAPTER, COMMAND_CLASS, Command, CreateGame
from game.decision import Decision, GameOver
from game.events import EVENT_ADAPTER, Event
from game.fold import fold
from game.permissions import acting_state, check
from game.state import GameState

__all__ = ["COMMAND_ADAPTER", "EVENT_ADAPTER", "HANDLERS", "apply", "decide", "replay"]

Handler = Callable[[Decision, Any, Any, set[str]], None]


def _sid(fn: Callable[[Decision, Any, str], None]) -> Handler:
    def handler(d: Decision, c: Any, sid: str | None, roles: set[str]) -> None:
        if sid is None:  # the table let a role without a state through: a bug
            raise RuleError("Take a seat in a delegation first with `game pick <state>`.")
        fn(d, c, sid)

    return handler


def _plain(fn: Callable[[Decision, Any], None]) -> Handler:
    return lambda d, c, sid, roles: fn(d, c)


def _propose(d: Decision, c: Any, sid: str | None, roles: set[str]) -> None:
    if sid is None:
        raise RuleError("Take a seat in a delegation first with `game pick <state>`.")
    proposals.propose(d, c, sid, roles)


HANDLERS: dict[str, Handler] = {
    "join_game": _plain(lobby.join_game),
    "leave_game": _plain(lobby.leave_game),
    "pick_state": _plain(lobby.pick_state),
    "assign_seat": _plain(lobby.assign_seat),
    "fill_seats": _plain(lobby.fill_seats),
    "set_early_advance": _plain(lobby.set_early_advance),
    "start_game": _plain(lobby.start_game),
    "pause_game": _plain(session.pause),
    "resume_game": _plain(session.resume),
    "advance_round": _plain(session.advance_round),
    "inject_event": _plain(session.inject),
    "extend_deadline": _plain(session.extend),
    "kick_player": _plain(lobby.kick_player),
    "end_game": _plain(session.end),
    "tick": _plain(session.tick),
    "mark_ready": _sid(session.ready),
    "make_statement": lambda d, c, sid, roles: talk.statement(d, c, sid),
    "open_backchannel": _sid(talk.open_channel),
    "close_backchannel": _sid(talk.close_channel),
    "whisper": lambda d, c, sid, roles: talk.whisper(d, c, sid),
    "propose_cbm": _propose,
    "propose_agreement": _propose,
    "propose_norm": _propose,
    "propose_assistance": _propose,
    "propose_cooperation": _propose,
    "table_draft": _sid(proposals.table_draft),
    "accept_proposal": _sid(proposals.accept),
    "accept_with_conditions": _sid(mediation.accept_with_conditions),
    "reject_proposal": _sid(proposals.reject),
    "counter_proposal": _sid(proposals.counter),
    "withdraw_proposal": _sid(proposals.withdraw),
    "cast_vote": _sid(forum.vote),
    "investigate": _sid(attribution.investigate),
    "attribute": _sid(attribution.attribute),
    "take_measure": _sid(attribution.take_measure),
    "engage_actor": _sid(attribution.engage_actor),
    "stand_down": _sid(incidents.stand_down),
    "request_mediation": _sid(mediation.request),
    "consent_mediation": _sid(mediation.consent),
    "mediator_text": _plain(mediation.mediator_text),
    "revise_text": _plain(mediation.mediator_text),
    "set_mediation_deadline": _plain(mediation.set_deadline),
    "call_cooloff": _plain(mediation.cooloff),
    "rule_arbitration": _plain(mediation.rule),
}

_unhandled = set(COMMAND_CLASS) - set(HANDLERS) - {"create_game"}
assert not _unhandled, f"commands without a handler: {sorted(_unhandled)}"

_END_REASONS = {
    "rounds": "its last round was played",
    "moderator": "the moderator ended it",
    "conflict": "it ended in cyber conflict",
}


def decide(state: GameState | None, command: Command, ctx: Context) -> list[Event]:
    """The events `command` causes on `state` now. Raises `RuleError` (with a
    message for the player) and changes nothing if the command breaks a rule."""
    if isinstance(command, CreateGame):
        return lobby.create_game(state, command, ctx)
    if state is None:
        raise RuleError(
            f"There is no game {command.game_id}; the moderator creates one with `game new`."
        )
    if state.phase == "ended":
        why = _END_REASONS.get(state.ended_reason or "", "it is over")
        raise RuleError(
            f"This game is over ({why}); nothing more can be done in it. Read the debrief, or "
            "start a new game with `game new`."
        )
    if command.game_id != state.game_id:
        raise RuleError(f"That command is for game {command.game_id}, not {state.game_id}.")
    roles = check(state, command.type, command.actor)
    decision = Decision(state, ctx)
    with contextlib.suppress(GameOver):
        HANDLERS[command.type](decision, command, acting_state(state, command.actor), roles)
    return decision.events


def apply(state: GameState | None, event: Event) -> GameState:
    """The state after `event` (the first event must be `GameCreated`)."""
    return fold(state, event)


def replay(events: Iterable[Event]) -> GameState:
    state: GameState | None = None
    for event in events:
        state = apply(state, event)
    if state is None:
        raise ValueError("no events to replay")
    return state

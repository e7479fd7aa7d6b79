"""THE table: which role may issue which command in which phase.

`decide` calls `check(state, command)` before any rule, so authorization
lives here and nowhere else (adapters only translate). A player's roles come
from their seat: the moderator; a delegation's lead or member; the
mediator; an observer; someone not in the game yet ("outsider"); the clock
("system"). A computer delegation acts as its state's lead.

The finer rules that depend on the command's arguments (you may only
accept a proposal your state is party to) are the rules modules' business.
"""

from __future__ import annotations

from typing import Literal, NamedTuple

from game.base import PlayerRef, RuleError
from game.state import GameState, Phase, computer_state_of

Role = Literal["moderator", "lead", "member", "mediator", "observer", "outsider", "system"]
ROLES: tuple[Role, ...] = (
    "moderator",
    "lead",
    "member",
    "mediator",
    "observer",
    "outsider",
    "system",
)


class Permission(NamedTuple):
    what: str  # completes "Only … can <what>."
    roles: frozenset[Role]
    phases: frozenset[Phase]


def _p(what: str, roles: str, phases: str) -> Permission:
    return Permission(what, frozenset(roles.split()), frozenset(phases.split()))  # type: ignore[arg-type]


LIVE = "lobby negotiation paused"
PLAYERS = "lead member"
MEDIATION = "mediator moderator"

# command type -> (what it does, who may, when). Read top to bottom, this is
# the whole of who-may-do-what; docs/rules.md mirrors it.
TABLE: dict[str, Permission] = {
    # game: lobby
    "join_game": _p("join the game", "outsider observer", "lobby negotiation paused"),
    "leave_game": _p("leave the game", "lead member mediator observer", LIVE),
    "pick_state": _p("pick a state", "outsider observer lead member", "lobby negotiation"),
    "assign_seat": _p("seat a player", "moderator", LIVE),
    "fill_seats": _p("fill empty seats with computer delegations", "moderator", LIVE),
    "set_early_advance": _p("allow or forbid early advance", "moderator", LIVE),
    "start_game": _p("start the game", "moderator", "lobby"),
    # game: moderator in play
    "pause_game": _p("pause the game", "moderator", "negotiation"),
    "resume_game": _p("resume the game", "moderator", "paused"),
    "advance_round": _p("advance the round", "moderator", "negotiation"),
    "inject_event": _p("push an inject", "moderator", "negotiation"),
    "extend_deadline": _p("extend a deadline", "moderator", "negotiation paused"),
    "kick_player": _p("remove a player", "moderator", LIVE),
    "end_game": _p("end the game", "moderator", LIVE),
    "tick": _p("run the clock", "system", LIVE),
    "mark_ready": _p("mark your delegation ready", "lead", "negotiation"),
    # talk
    "make_statement": _p("make a public statement", "lead member mediator", "negotiation"),
    "open_backchannel": _p("open a back-channel", PLAYERS, "negotiation"),
    "close_backchannel": _p("close a back-channel", PLAYERS, "negotiation"),
    "whisper": _p("speak in a back-channel", "lead member mediator", "negotiation"),
    # propose
    "propose_cbm": _p("propose a confidence-building measure", PLAYERS, "negotiation"),
    "propose_agreement": _p("propose an agreement", PLAYERS, "negotiation"),
    "propose_norm": _p("propose a norm at the forum", PLAYERS, "negotiation"),
    "propose_assistance": _p("offer assistance", PLAYERS, "negotiation"),
    "propose_cooperation": _p("request cooperation", PLAYERS, "negotiation"),
    "table_draft": _p("table a draft", "lead", "negotiation"),
    # respond
    "accept_proposal": _p("accept a proposal", "lead", "negotiation"),
    "accept_with_conditions": _p("accept with conditions", "lead", "negotiation"),
    "reject_proposal": _p("reject a proposal", "lead", "negotiation"),
    "counter_proposal": _p("counter a proposal", "lead", "negotiation"),
    "withdraw_proposal": _p("withdraw a proposal", "lead", "negotiation"),
    # forum
    "cast_vote": _p("vote in the forum", "lead", "negotiation"),
    # intel
    "investigate": _p("investigate an incident", PLAYERS, "negotiation"),
    "attribute": _p("attribute an incident publicly", "lead", "negotiation"),
    "take_measure": _p("take a diplomatic measure", "lead", "negotiation"),
    "engage_actor": _p("engage a private-sector actor", "lead", "negotiation"),
    "stand_down": _p("call off an operation", "lead", "negotiation"),
    # mediate
    "request_mediation": _p("request mediation", "lead", "negotiation"),
    "consent_mediation": _p("consent to mediation", "lead", "negotiation"),
    "mediator_text": _p("table a mediator's text", MEDIATION, "negotiation"),
    "revise_text": _p("revise the mediator's text", MEDIATION, "negotiation"),
    "set_mediation_deadline": _p("set a mediation deadline", MEDIATION, "negotiation"),
    "call_cooloff": _p("call a cooling-off", MEDIATION, "negotiation"),
    "rule_arbitration": _p("rule in arbitration", MEDIATION, "negotiation"),
}

_ROLE_NAMES: dict[str, str] = {
    "moderator": "the moderator",
    "lead": "a delegation's lead",
    "member": "a delegation's members",
    "mediator": "the mediator",
    "observer": "observers",
    "outsider": "someone not yet in the game",
    "system": "the game's clock",
}

_PHASE_WHEN: dict[str, str] = {
    "lobby": "in the lobby",
    "negotiation": "in the negotiation phase",
    "paused": "while the game is paused",
    "ended": "after the game",
}


def roles_of(state: GameState, player: PlayerRef) -> set[Role]:
    """Every role the player holds in this game."""
    if player.platform == "system":
        computer = computer_state_of(player)
        if computer is None:
            return {"system"}
        delegation = state.delegations.get(computer)
        return {"lead"} if delegation is not None and delegation.control == "computer" else set()
    roles: set[Role] = set()
    if player.key == state.moderator.key:
        roles.add("moderator")
    seat = state.seat_of(player.key)
    if seat is None:
        roles.add("outsider")
    elif seat.role == "mediator":
        roles.add("mediator")
    elif seat.role == "observer":
        roles.add("observer")
    elif seat.state is None:
        roles.add("observer")  # joined, no state picked yet
    else:
        roles.add("lead" if seat.lead else "member")
    return roles


def acting_state(state: GameState, player: PlayerRef) -> str | None:
    """The state a player acts for (a computer acts for its own)."""
    computer = computer_state_of(player)
    if computer is not None:
        return computer
    seat = state.seat_of(player.key)
    if seat is None or seat.role != "delegate":
        return None
    return seat.state


def _join(words: list[str]) -> str:
    if len(words) == 1:
        return words[0]
    return ", ".join(words[:-1]) + " or " + words[-1]


def phase_text(state: GameState) -> str:
    match state.phase:
        case "lobby":
            return "the game is in the lobby"
        case "negotiation":
            return f"the game is in round {state.round}'s negotiation"
        case "paused":
            return "the game is paused"
        case _:
            return "the game is over"


def allowed(command_type: str, role: Role, phase: Phase) -> bool:
    rule = TABLE.get(command_type)
    return rule is not None and role in rule.roles and phase in rule.phases


def check(state: GameState, command_type: str, player: PlayerRef) -> set[Role]:
    """Raise a RuleError unless one of the player's roles may issue this command
    now; return the roles."""
    rule = TABLE[command_type]
    roles = roles_of(state, player)
    if not roles & rule.roles:
        who = _join([_ROLE_NAMES[r] for r in ROLES if r in rule.roles])
        hint = ""
        if "member" in roles and "lead" in rule.roles:
            seat = state.seat_of(player.key)
            lead = state.lead_of(seat.state) if seat and seat.state else None
            if lead is not None:
                hint = f"; ask {lead.player.name}, your lead"
        elif "outsider" in roles and rule.roles & {"lead", "member", "mediator"}:
            hint = "; join the game first with `game join`"
        raise RuleError(f"Only {who} can {rule.what}{hint}.")
    if state.phase not in rule.phases:
        when = _join(
            [_PHASE_WHEN[p] for p in ("lobby", "negotiation", "paused") if p in rule.phases]
        )
        raise RuleError(f"You can {rule.what} only {when}; {phase_text(state)}.")
    return roles

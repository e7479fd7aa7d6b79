"""Seats: creating a game, joining, picking and assigning states, leaving,
being removed, computer delegations holding empty seats, and the start.

A state's seat is "open" (nobody yet, lobby only), "human" (at least one
player) or "computer". A seat whose last player leaves or is removed during
play is held by a computer delegation until someone takes it.
"""

from __future__ import annotations

from game.base import Context, RuleError
from game.commands import (
    AssignSeat,
    CreateGame,
    FillSeats,
    JoinGame,
    KickPlayer,
    LeaveGame,
    PickState,
    SetEarlyAdvance,
    StartGame,
)
from game.decision import Decision
from game.events import (
    EarlyAdvanceSet,
    GameCreated,
    GameStarted,
    PlayerJoined,
    PlayerLeft,
    SeatAssigned,
    SeatsFilled,
)
from game.state import Control, GameState, Seat


def create_game(state: GameState | None, command: CreateGame, ctx: Context) -> list:
    if state is not None:
        raise RuleError(
            f"Game {command.game_id} already exists; join it with `game join`, or create "
            "a new one with another id."
        )
    sc = command.scenario
    ids = [s.id for s in sc.states]
    if len(set(ids)) != len(ids):
        raise RuleError(
            f"Scenario {sc.id} names a state twice; fix it with `detente content check`."
        )
    return [
        GameCreated(
            at=ctx.now,
            game_id=command.game_id,
            scenario=sc,
            seed=command.seed,
            moderator=command.moderator or command.actor,
        )
    ]


def _state_list(state: GameState, ids: list[str] | None = None) -> str:
    ids = state.state_ids if ids is None else ids
    return ", ".join(f"{state.profile(i).flag} {i}" for i in ids) or "none"


def known_state(state: GameState, state_id: str) -> None:
    if state_id not in state.delegations:
        raise RuleError(
            f"There is no state {state_id!r} in this game; the states are {_state_list(state)}."
        )


def _after_departure(state: GameState, player_key: str) -> tuple[str | None, dict[str, Control]]:
    """Who leads, and who controls, a state after this player leaves it."""
    seat = state.seat_of(player_key)
    if seat is None or seat.role != "delegate" or seat.state is None:
        return None, {}
    others = [s for s in state.players_of(seat.state) if s.player.key != player_key]
    if others:
        new_lead = None if any(s.lead for s in others) else others[0].player.key
        return new_lead, {}
    control: Control = "open" if state.phase == "lobby" else "computer"
    return None, {seat.state: control}


def _take_seat(
    d: Decision, player, state_id: str, lead: bool = False, by_moderator: bool = False
) -> None:
    s = d.state
    known_state(s, state_id)
    current = s.seat_of(player.key)
    if current is not None and current.role == "delegate" and current.state == state_id:
        if lead and not current.lead:
            d.emit(
                SeatAssigned,
                seat=current.model_copy(update={"lead": True}),
                previous_state=state_id,
                new_leads={state_id: player.key},
                by_moderator=by_moderator,
            )
            return
        raise RuleError(f"{player.name} already sits with {s.name_of(state_id)}.")
    others = [x for x in s.players_of(state_id) if x.player.key != player.key]
    becomes_lead = lead or not any(x.lead for x in others)
    new_leads: dict[str, str] = {state_id: player.key} if becomes_lead else {}
    controls: dict[str, Control] = {}
    if s.delegations[state_id].control != "human":
        controls[state_id] = "human"
    previous = current.state if current is not None and current.role == "delegate" else None
    if previous is not None:
        lead_after, control_after = _after_departure(s, player.key)
        if lead_after is not None:
            new_leads[previous] = lead_after
        controls.update(control_after)
    d.emit(
        SeatAssigned,
        seat=Seat(player=player, role="delegate", state=state_id, lead=becomes_lead),
        previous_state=previous,
        new_leads=new_leads,
        controls=controls,
        by_moderator=by_moderator,
    )


def _full(state: GameState) -> bool:
    delegates = [s for s in state.seats if s.role == "delegate"]
    return len(delegates) >= state.scenario.max_players


def join_game(d: Decision, c: JoinGame) -> None:
    s = d.state
    seat = s.seat_of(c.actor.key)
    if c.role == "mediator":
        _mediator_seat(d, c.actor)
        return
    if c.role == "observer":
        if seat is not None and seat.role == "observer":
            raise RuleError("You are already observing this game.")
        d.emit(PlayerJoined, seat=Seat(player=c.actor, role="observer"))
        return
    if seat is None and _full(s):
        raise RuleError(
            f"The game is full ({s.scenario.max_players} players); join as an observer with "
            "`game join as observer`."
        )
    if c.state is not None:
        if (
            s.phase != "lobby"
            and s.delegations.get(c.state)
            and s.delegations[c.state].control == "open"
        ):
            raise RuleError("That seat is not in play.")
        _take_seat(d, c.actor, c.state)
        return
    if s.phase != "lobby":
        held = [i for i, x in s.delegations.items() if x.control == "computer"]
        hint = (
            f"the seats a computer holds are {_state_list(s, held)}"
            if held
            else f"the states are {_state_list(s)}"
        )
        raise RuleError(f"The game is under way: join a state with `game join <state>`; {hint}.")
    d.emit(PlayerJoined, seat=Seat(player=c.actor, role="delegate"))


def _mediator_seat(d: Decision, player, by_moderator: bool = False) -> None:
    s = d.state
    holder = s.human_mediator
    if holder is not None:
        if holder.player.key == player.key:
            raise RuleError("You already hold the mediator's seat.")
        raise RuleError(f"{holder.player.name} already holds the mediator's seat.")
    seat = s.seat_of(player.key)
    lead_after, controls = _after_departure(s, player.key)
    previous = seat.state if seat is not None else None
    d.emit(
        SeatAssigned,
        seat=Seat(player=player, role="mediator"),
        previous_state=previous,
        new_leads={previous: lead_after} if previous and lead_after else {},
        controls=controls,
        by_moderator=by_moderator,
    )


def pick_state(d: Decision, c: PickState) -> None:
    s = d.state
    if s.seat_of(c.actor.key) is None and _full(s):
        raise RuleError(f"The game is full ({s.scenario.max_players} players).")
    _take_seat(d, c.actor, c.state)


def assign_seat(d: Decision, c: AssignSeat) -> None:
    s = d.state
    if c.role == "mediator":
        _mediator_seat(d, c.player, by_moderator=True)
        return
    if c.role == "observer" or c.state is None:
        lead_after, controls = _after_departure(s, c.player.key)
        seat = s.seat_of(c.player.key)
        previous = seat.state if seat is not None else None
        d.emit(
            SeatAssigned,
            seat=Seat(player=c.player, role="observer" if c.role == "observer" else "delegate"),
            previous_state=previous,
            new_leads={previous: lead_after} if previous and lead_after else {},
            controls=controls,
            by_moderator=True,
        )
        return
    _take_seat(d, c.player, c.state, lead=c.lead, by_moderator=True)


def _leave(d: Decision, player, kicked: bool) -> None:
    s = d.state
    seat = s.seat_of(player.key)
    if seat is None:
        raise RuleError(f"{player.name} is not in this game.")
    new_lead, controls = _after_departure(s, player.key)
    d.emit(
        PlayerLeft,
        player=seat.player,
        state=seat.state if seat.role == "delegate" else None,
        kicked=kicked,
        new_lead=new_lead,
        controls=controls,
    )


def leave_game(d: Decision, c: LeaveGame) -> None:
    _leave(d, c.actor, kicked=False)


def kick_player(d: Decision, c: KickPlayer) -> None:
    _leave(d, c.player, kicked=True)


def fill_seats(d: Decision, c: FillSeats) -> None:
    s = d.state
    for sid in c.states:
        known_state(s, sid)
    candidates = c.states or s.state_ids
    empty = [sid for sid in candidates if s.delegations[sid].control == "open"]
    if not empty:
        taken = ", ".join(c.states) if c.states else "every seat"
        raise RuleError(f"No empty seat to fill: {taken} already has a player or a computer.")
    d.emit(SeatsFilled, states=empty)


def set_early_advance(d: Decision, c: SetEarlyAdvance) -> None:
    if d.state.early_advance == c.allowed:
        raise RuleError(f"Early advance is already {'on' if c.allowed else 'off'}.")
    d.emit(EarlyAdvanceSet, allowed=c.allowed)


def start_game(d: Decision, c: StartGame) -> None:
    from game.rounds import begin_round

    s = d.state
    delegates = [x for x in s.seats if x.role == "delegate"]
    if len(delegates) < s.scenario.min_players and not c.rehearsal:
        raise RuleError(
            f"This scenario needs at least {s.scenario.min_players} "
            f"player{'s' if s.scenario.min_players != 1 else ''}; {len(delegates)} joined. Wait for more, or `game start rehearsal` to let computer delegations "
            "hold every empty seat."
        )
    count = {sid: len(s.players_of(sid)) for sid in s.state_ids}
    assignments: dict[str, str] = {}
    for seat in delegates:
        if seat.state is None:
            # The emptiest non-computer state first, in scenario order.
            free = [i for i in s.state_ids if s.delegations[i].control != "computer"]
            if not free:
                continue
            target = min(free, key=lambda i: (count[i], s.state_ids.index(i)))
            assignments[seat.player.key] = target
            count[target] += 1
    new_leads: dict[str, str] = {}
    for sid in s.state_ids:
        members = [x for x in delegates if (assignments.get(x.player.key) or x.state) == sid]
        if members and not any(x.lead for x in members if x.state == sid):
            new_leads[sid] = members[0].player.key
    computer = [sid for sid in s.state_ids if count[sid] == 0]
    d.emit(GameStarted, assignments=assignments, new_leads=new_leads, computer_states=computer)
    begin_round(d, 1)

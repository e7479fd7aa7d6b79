"""Audience routing: who may read a notice. The one place it is decided.

Every notice names one `Audience`; `recipients(state, audience)` turns it
into the set of people allowed to read it, from the game's seats. Adapters
post only to those people (or to the private place that holds exactly
them), so a delegation's notice never reaches another delegation, on any
platform.

| audience | recipients |
|---|---|
| public | every seated person (delegates, mediator, observers) and the moderator |
| delegation S | the players seated for S |
| back-channel B | the players of B's member states, and the mediator if B includes them |
| mediator | the seated mediator(s) (none when the built-in mediator plays) |
| moderator | the moderator |
| person K | that person |

Computer-held delegations have no human players, so their notices reach
nobody (the computer reads the state directly).

This agrees with `game.views.may_see` (the core's statement of who may see
what; the tests check the two agree) with one deliberate difference: the
members of a back-channel that was just closed still receive its last
notices ("back-channel closed"), where `may_see` already counts the
channel as gone.
"""

from __future__ import annotations

from game.base import PlayerRef
from game.notice import Audience
from game.state import GameState


def recipients(state: GameState, audience: Audience) -> frozenset[PlayerRef]:
    """The people allowed to read a notice for `audience` in this game.
    Computer delegations and the clock (platform "system") are nobody's
    readers and are left out."""
    return frozenset(p for p in _members(state, audience) if p.platform != "system")


def _members(state: GameState, audience: Audience) -> frozenset[PlayerRef]:
    match audience.kind:
        case "public":
            return frozenset([state.moderator, *(seat.player for seat in state.seats)])
        case "delegation":
            return _delegates(state, {audience.state} if audience.state else set())
        case "backchannel":
            channel = state.backchannels.get(audience.channel or "")
            if channel is None:
                return frozenset()
            people = _delegates(state, set(channel.states))
            if channel.mediator:
                people |= _mediators(state)
            return people
        case "mediator":
            return _mediators(state)
        case "moderator":
            return frozenset([state.moderator])
        case "person":
            return (
                frozenset([person_of(state, audience.person)]) if audience.person else frozenset()
            )
    return frozenset()  # an audience kind this module does not know reaches nobody


def person_of(state: GameState, key: str) -> PlayerRef:
    """The person with this `PlayerRef.key`: as seated, or as the moderator,
    or rebuilt from the key for someone not in the game (an error reply to an
    outsider)."""
    if state.moderator.key == key:
        return state.moderator
    seat = state.seat_of(key)
    if seat is not None:
        return seat.player
    platform, _, user_id = key.partition(":")
    return PlayerRef(platform=platform, user_id=user_id or key, name=user_id or key)  # type: ignore[arg-type]


def _delegates(state: GameState, states: set[str]) -> frozenset[PlayerRef]:
    return frozenset(
        seat.player
        for seat in state.seats
        if seat.role == "delegate" and seat.state is not None and seat.state in states
    )


def _mediators(state: GameState) -> frozenset[PlayerRef]:
    return frozenset(seat.player for seat in state.seats if seat.role == "mediator")

"""The engine: `decide` (command -> events), `apply` (event -> state), `replay`.

    decide(state, command, ctx) -> list[Event]   # raises RuleError; never mutates
    apply(state, event) -> GameState             # pure fold; no randomness, no clock
    replay(events) -> GameState                  # apply from nothing

`decide` first checks the permissions table (game/permissions.py), then
hands the command to the rules module that owns it.
"""

from __future__ import annotations

from collections.abc import Iterable

from game.base import Context, RuleError
from game.commands import COMMAND_ADAPTER, Command
from game.events import EVENT_ADAPTER, Event
from game.state import GameState

__all__ = ["COMMAND_ADAPTER", "EVENT_ADAPTER", "apply", "decide", "replay"]


def decide(state: GameState | None, command: Command, ctx: Context) -> list[Event]:
    raise RuleError("Not implemented yet.")


def apply(state: GameState | None, event: Event) -> GameState:
    raise NotImplementedError


def replay(events: Iterable[Event]) -> GameState:
    state: GameState | None = None
    for event in events:
        state = apply(state, event)
    if state is None:
        raise ValueError("no events to replay")
    return state

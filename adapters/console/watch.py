"""`detente demo`: watch a whole game of computer delegations and the
built-in mediator, through the real service on SQLite, then its debrief.

The game id is a function of the scenario and the seed
(`demo-<scenario>-<seed>`), every command id is derived from the game, and
the simulated clock resumes where the log stops: a demo killed at any
moment and started again with the same `--db` carries on with the same
game and ends exactly as an uninterrupted run would.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from adapters.console.session import (
    Table,
    TerminalView,
    advance_to_next_deadline,
    open_table,
    run_computer_turns,
)
from bot.debrief import debrief_markdown, write_debrief
from bot.settings import Settings
from game.base import PlayerRef
from game.commands import CreateGame, FillSeats, JoinGame, LeaveGame, StartGame
from game.scenario import Scenario

DEMO_MODERATOR = PlayerRef(platform="console", user_id="demo-moderator", name="Moderator")
# Only used if the core refuses to start a game with no human delegate.
DEMO_STAND_IN = PlayerRef(platform="console", user_id="demo-stand-in", name="Stand-in")

ProgressFn = Callable[..., None]


def demo_game_id(scenario: Scenario, seed: int) -> str:
    return f"demo-{scenario.id}-{seed}"


def load_demo_scenario(ref: str | None) -> Scenario:
    from bot.content import DEFAULT_SCENARIO_ID, load_scenario

    return load_scenario(ref or DEFAULT_SCENARIO_ID)


def _err(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


async def _set_up(table: Table, game_id: str, scenario: Scenario, seed: int) -> None:
    """Create, fill and start the game; each step is idempotent (fixed command
    ids), so a set-up interrupted half-way completes on the next run."""

    def cid(step: str) -> str:
        return f"demo:{game_id}:{step}"

    m = DEMO_MODERATOR
    await table.send(
        CreateGame(command_id=cid("create"), game_id=game_id, actor=m, scenario=scenario, seed=seed)
    )
    state = await table.state(game_id)
    if state is not None and state.phase == "lobby":
        if any(d.control == "open" for d in state.delegations.values()):
            await table.send(FillSeats(command_id=cid("fill"), game_id=game_id, actor=m))
        reply = await table.send(StartGame(command_id=cid("start"), game_id=game_id, actor=m))
        if not reply.ok and "players" in reply.message:
            # Seam: the core wants a human delegate to start; a stand-in takes
            # a seat for the start and hands it to a computer at once.
            first = scenario.states[0].id
            await table.send(
                JoinGame(
                    command_id=cid("stand-in-join"),
                    game_id=game_id,
                    actor=DEMO_STAND_IN,
                    state=first,
                )
            )
            reply = await table.send(StartGame(command_id=cid("start-2"), game_id=game_id, actor=m))
            await table.send(
                LeaveGame(command_id=cid("stand-in-leave"), game_id=game_id, actor=DEMO_STAND_IN)
            )
        if not reply.ok:
            raise RuntimeError(f"the demo game could not start: {reply.message}")


async def run_demo(
    settings: Settings,
    *,
    scenario: str | None,
    seed: int,
    report_dir: Path | None,
    progress: ProgressFn,
) -> int:
    chosen = load_demo_scenario(scenario)
    game_id = demo_game_id(chosen, seed)
    db = settings.db_path
    view = TerminalView()
    async with open_table(db, view, game_id) as table:
        state = await table.state(game_id)
        if state is None:
            _err(
                f"Demo: {chosen.title} ({chosen.id}), seed {seed} — game {game_id} in {db.resolve()}"
            )
            await _set_up(table, game_id, chosen, seed)
        elif state.phase == "ended":
            _err(
                f"Game {game_id} already finished in {db.resolve()}; here is its debrief. "
                "Another --seed (or another --db) plays a new game."
            )
        else:
            _err(f"Resuming game {game_id} at round {state.round} from {db.resolve()}")
            await table.flush()  # what a crash left unprinted
            if state.phase == "lobby":
                await _set_up(table, game_id, state.scenario, state.seed)

        steps = 0
        while True:
            state = await table.state(game_id)
            assert state is not None
            progress(state.round, state.scenario.rounds, f"round (tension {_max_tension(state)})")
            if state.phase == "ended":
                break
            steps += 1
            await run_computer_turns(table, game_id)
            state = await table.state(game_id)
            assert state is not None
            if state.phase == "ended":
                continue
            if not await advance_to_next_deadline(table, game_id):
                _err(f"Game {game_id} has nothing left due (phase {state.phase}); stopping.")
                return 1
        await table.flush()
        events = await _events(table, game_id)
    print()
    print(debrief_markdown(state, events))
    if report_dir is not None:
        files = write_debrief(state, events, report_dir)
        _err(f"Debrief written to {files.markdown} and {files.chart}")
    _err(f"Game {game_id} kept in {db.resolve()} (see: detente export {game_id} --db {db})")
    return 0


def _max_tension(state) -> int:  # noqa: ANN001 - GameState
    return max((r.tension for r in state.relations.values()), default=0)


async def _events(table: Table, game_id: str) -> list:
    from game.engine import EVENT_ADAPTER

    return [EVENT_ADAPTER.validate_json(e.payload) for e in await table.store.events(game_id)]

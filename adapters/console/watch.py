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
    open_table,
)
from bot.debrief import debrief_markdown, write_debrief
from bot.settings import Settings
from game.base import PlayerRef
from game.commands import CreateGame, FillSeats, StartGame
from game.scenario import Scenario
from game.state import GameState

DEMO_MODERATOR = PlayerRef(platform="console", user_id="demo-moderator", name="Moderator")
# Only used if the core refuses to start a game with no human delegate.

ProgressFn = Callable[..., None]


def demo_game_id(scenario: Scenario, seed: int) -> str:
    return f"demo-{scenario.id}-{seed}"


def load_demo_scenario(ref: str | None) -> Scenario:
    from bot.content import DEFAULT_SCENARIO_ID, load_scenario

    return load_scenario(ref or DEFAULT_SCENARIO_ID)


def _err(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


async def _set_up(table: Table, game_id: str, scenario: Scenario, seed: int) -> None:
    """Create, fill and start the game. Each step looks at the state first and
    has a fixed command id, so a set-up interrupted anywhere completes on the
    next run exactly as it would have."""

    def cid(step: str) -> str:
        return f"demo:{game_id}:{step}"

    m = DEMO_MODERATOR
    state = await table.state(game_id)
    if state is None:
        await table.send(
            CreateGame(
                command_id=cid("create"), game_id=game_id, actor=m, scenario=scenario, seed=seed
            )
        )
        state = await table.state(game_id)
    assert state is not None
    if state.phase == "lobby":
        if any(d.control == "open" for d in state.delegations.values()):
            await table.send(FillSeats(command_id=cid("fill"), game_id=game_id, actor=m))
        reply = await table.send(
            StartGame(command_id=cid("start"), game_id=game_id, actor=m, rehearsal=True)
        )
        if not reply.ok:
            raise RuntimeError(f"the demo game could not start: {reply.message}")
        state = await table.state(game_id)
        assert state is not None


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
    # The simulated clock starts where the log stops: a run killed just after
    # a step ends resumes live at that instant, not at the game's start (the
    # driver re-executes an unfinished step on the log's own times).
    async with open_table(db, view, game_id, resume_clock=True) as table:
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
            await _set_up(table, game_id, state.scenario, state.seed)

        from bot.driver import play_to_end

        last_round = -1

        def report_progress(current: GameState) -> None:
            nonlocal last_round
            if current.round != last_round:
                last_round = current.round
                progress(current.round, current.scenario.rounds, "round")

        table.service.after_command = report_progress
        state = await play_to_end(table.service, game_id, table.clock)
        await table.flush()
        events = await _events(table, game_id)
    print()
    print(debrief_markdown(state, events))
    if report_dir is not None:
        files = write_debrief(state, events, report_dir)
        _err(f"Debrief written to {files.markdown} and {files.chart}")
    _err(f"Game {game_id} kept in {db.resolve()} (see: detente export {game_id} --db {db})")
    return 0


async def _events(table: Table, game_id: str) -> list:
    from game.engine import EVENT_ADAPTER

    return [EVENT_ADAPTER.validate_json(e.payload) for e in await table.store.events(game_id)]

"""The driver: computer delegations and the clock acting through the service.

`game/autoplay.py` plays a whole computer game in memory; this module plays
the same loop through `GameService`, so every move is deduplicated,
persisted and narrated like a player's:

    until the game ends:
        every computer delegation acts (up to PASSES passes, so they can
        answer each other) — `run_computer_turns`
        the clock jumps to the next deadline and a Tick decides what is due
        (no deadline ahead: the moderator advances the round)

Same order, same contexts (time, seed, sequence) as autoplay, so the same
scenario and seed play the same game. Command ids are deterministic —
`ai:{game}:{seq}:{state}:{i}` for the i-th command a computer delegation
chose on the state at `seq`, `tick:{game}:{seq}`, `mod:{game}:{seq}` — so a
driver killed half-way can simply be started again.

Resuming exactly where a killed `play_to_end` stopped takes one more step:
the loop's position inside a pass lives only in the running driver. On
start, `play_to_end` finds the last step boundary in the log (the last
tick or advance it recorded) and re-executes from there on a local replay
of the log: commands already recorded are answered from their records,
never decided again, until the replay reaches the live end of the log.
The result is the very game an uninterrupted run plays.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from bot.clock import Clock, SimulatedClock
from bot.service import GameService, Reply
from game.ai import computer_commands
from game.base import SYSTEM, Context, InvariantBroken
from game.commands import AdvanceRound, Command, Tick
from game.engine import EVENT_ADAPTER, apply
from game.events import Event
from game.state import GameState

log = logging.getLogger(__name__)

# As in game/autoplay.py: passes of every computer delegation between ticks,
# and the number of steps after which a game is stuck (a bug).
PASSES = 4
MAX_STEPS = 5_000


def ai_command_id(game_id: str, seq: int, state_id: str, index: int) -> str:
    return f"ai:{game_id}:{seq}:{state_id}:{index}"


async def run_computer_turns(service: GameService, game_id: str) -> int:
    """Let every computer-held delegation act on the current state (up to
    PASSES passes, stopping early when a pass changes nothing). Returns how
    many of their commands were accepted."""
    state = await service.state(game_id)
    if state is None:
        return 0
    run = _Run(service, game_id, None, live=True, state=state, now=service.clock.now())
    return await run.computers_act()


async def play_to_end(service: GameService, game_id: str, clock: Clock) -> GameState:
    """Play the game to its end: computer turns, then the clock to the next
    deadline and a tick, again and again. Safe to call again after a crash
    (see the module docstring). Human seats, if any, are simply waited for
    by their deadlines. Returns the final state."""
    state = await service.state(game_id)
    if state is None:
        raise ValueError(f"there is no game {game_id}")
    run = await _Run.resume(service, game_id, clock)
    for _ in range(MAX_STEPS):
        if run.state.phase == "ended":
            return run.state
        await run.computers_act()
        if run.state.phase == "ended":
            break
        before = run.state.seq
        await run.tick()
        if run.state.seq == before:
            # A tick that changed nothing: step past the deadline it woke for.
            run.move_clock(run.now + timedelta(seconds=1))
    if run.state.phase != "ended":
        raise InvariantBroken(f"game {game_id} did not end after {MAX_STEPS} driver steps")
    return run.state


class _Run:
    """One driver run: the state and time it reasons on, and whether it is
    still re-executing recorded history (`live` False) or acting anew."""

    def __init__(
        self,
        service: GameService,
        game_id: str,
        clock: Clock | None,
        *,
        live: bool,
        state: GameState,
        now: datetime,
        log: list[Event] | None = None,
    ) -> None:
        self.service = service
        self.game_id = game_id
        self.clock = clock
        self.live = live
        self.state = state
        self.now = now
        self.log = log or []

    # --- resuming ------------------------------------------------------------------

    @classmethod
    async def resume(cls, service: GameService, game_id: str, clock: Clock) -> _Run:
        current = await service.state(game_id)
        assert current is not None
        log = [EVENT_ADAPTER.validate_json(e.payload) for e in await service.store.events(game_id)]
        boundary = await _last_boundary(service, game_id, log)
        if boundary is None or boundary >= len(log):
            # Nothing of this driver to re-execute: act on the present.
            return cls(service, game_id, clock, live=True, state=current, now=clock.now())
        state: GameState | None = None
        for event in log[:boundary]:
            state = apply(state, event)
        assert state is not None
        log_now = log[boundary - 1].at
        return cls(service, game_id, clock, live=False, state=state, now=log_now, log=log)

    # --- the two halves of a step ---------------------------------------------------------

    async def computers_act(self) -> int:
        accepted = 0
        for _ in range(PASSES):
            acted = False
            for state_id in self.state.state_ids:
                if self.state.phase != "negotiation":
                    return accepted
                if self.state.delegations[state_id].control != "computer":
                    continue
                seq = self.state.seq
                ctx = Context.for_game(self.now, self.state.seed, seq)
                round_ = self.state.round
                for index, command in enumerate(computer_commands(self.state, state_id, ctx)):
                    if self.state.phase != "negotiation" or self.state.round != round_:
                        break
                    command = command.model_copy(
                        update={"command_id": ai_command_id(self.game_id, seq, state_id, index)}
                    )
                    reply = await self.send(command)
                    acted = True
                    if reply.ok and reply.events:
                        accepted += 1
            if not acted:
                return accepted
        return accepted

    async def tick(self) -> None:
        deadline = self.state.next_deadline()
        seq = self.state.seq
        if deadline is None:
            await self.send(
                AdvanceRound(
                    command_id=f"mod:{self.game_id}:{seq}",
                    game_id=self.game_id,
                    actor=self.state.moderator,
                )
            )
            return
        self.move_clock(max(self.now, deadline))
        await self.send(
            Tick(command_id=f"tick:{self.game_id}:{seq}", game_id=self.game_id, actor=SYSTEM)
        )

    # --- sending -----------------------------------------------------------------------

    async def send(self, command: Command) -> Reply:
        if not self.live:
            recorded = await self.service.recorded(command.command_id)
            if recorded is not None:
                self._follow(recorded.seq)
                return recorded
            if self.state.seq < len(self.log):
                # Sent before the crash and changed nothing (refused, or
                # nothing due): the same again, without asking the service,
                # which would decide it on the latest state.
                return Reply(
                    ok=False, message="(no effect)", game_id=self.game_id, seq=self.state.seq
                )
            self._go_live()
        reply = await self.service.handle(command)
        if reply.ok and reply.events:
            state = await self.service.state(self.game_id)
            assert state is not None
            self.state = state
        return reply

    def move_clock(self, when: datetime) -> None:
        self.now = max(self.now, when)
        if self.live and isinstance(self.clock, SimulatedClock):
            self.clock.advance_to(self.now)

    def _follow(self, seq: int) -> None:
        """Replay the log up to `seq` (the state a recorded reply left)."""
        state = self.state
        while state.seq < seq:
            state = apply(state, self.log[state.seq])
        self.state = state
        if state.seq >= len(self.log):
            self._go_live()

    def _go_live(self) -> None:
        self.live = True
        self.log = []
        if isinstance(self.clock, SimulatedClock):
            if self.clock.now() > self.now:
                log.warning(
                    "resuming game %s: the clock is already at %s, past the driver's %s",
                    self.game_id,
                    self.clock.now(),
                    self.now,
                )
            self.clock.advance_to(self.now)


async def _last_boundary(service: GameService, game_id: str, log: list[Event]) -> int | None:
    """The sequence right after the last step boundary (a tick or advance this
    driver recorded), or where the game first entered negotiation; None if
    it never did."""
    start = None
    state: GameState | None = None
    for event in log:
        state = apply(state, event)
        if state.phase == "negotiation":
            start = state.seq
            break
    # (`start` may fall inside the command that started the game: the probes
    # below only ever return the end of a recorded command.)
    if start is None:
        return None
    assert state is not None
    for seq in range(len(log) - 1, start - 1, -1):
        for command_id in (f"tick:{game_id}:{seq}", f"mod:{game_id}:{seq}"):
            record = await service.recorded(command_id)
            if record is not None:
                return record.seq
    # No step finished yet: the driver's first pass began at the sequence of
    # the first computer command it recorded.
    computers = [d.id for d in state.delegations.values() if d.control == "computer"]
    for seq in range(start, len(log) + 1):
        for state_id in computers:
            for index in range(3):
                if await service.recorded(ai_command_id(game_id, seq, state_id, index)):
                    return seq
    return None

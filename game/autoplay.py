"""A whole game of computer delegations, on a simulated clock.

    play_out(scenario, seed, start) -> (events, final state)

The order is the one the service-based demo follows: create the game, fill
every seat with a computer delegation, start; then, until the game ends,
let every computer delegation act (a few passes, so they can answer each
other), and move the clock to the next deadline and `Tick`. The built-in
mediator acts inside the rules: once every party to a stalled negotiation
has consented to mediation, it tables its text at once. Pure: no clock, no
I/O; the same scenario and seed always play the same game. Used by the
balance report and the tests.

`skip`, if given, is asked about every command a computer delegation would
send; the ones it returns True for are not sent (nor any later command of
that batch the rules then refuse). The balance report uses it to play the
same seeds without one kind of move — no back-channels, no mediation — and
see what the scoring makes of the difference.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from game.ai import computer_commands
from game.base import SYSTEM, Context, InvariantBroken, PlayerRef, RuleError
from game.commands import (
    AdvanceRound,
    Command,
    CreateGame,
    FillSeats,
    StartGame,
    Tick,
)
from game.engine import apply, decide
from game.events import Event
from game.scenario import Scenario
from game.state import GameState

MODERATOR = PlayerRef(platform="console", user_id="autoplay", name="Moderator")
# Passes of every computer delegation between two ticks: enough for a
# proposal, a counter, a counter back and an answer.
PASSES = 4
# A game that needs more steps than this is stuck: a bug, not a long game.
MAX_STEPS = 5_000

# Told of every batch of events: (state before, events, state after).
BatchFn = Callable[[GameState | None, list[Event], GameState], None]
# Asked of every computer command before it is sent: True drops it.
SkipFn = Callable[[GameState, Command], bool]


class _Game:
    def __init__(
        self,
        scenario: Scenario,
        seed: int,
        start: datetime,
        on_batch: BatchFn | None,
        skip: SkipFn | None = None,
    ) -> None:
        self.skip = skip
        self.scenario = scenario
        self.seed = seed
        self.now = start
        self.on_batch = on_batch
        self.game_id = f"autoplay-{scenario.id}-{seed}"
        self.state: GameState | None = None
        self.events: list[Event] = []

    @property
    def s(self) -> GameState:
        assert self.state is not None
        return self.state

    def run(self, command) -> list[Event]:
        seq = self.state.seq if self.state is not None else 0
        events = decide(self.state, command, Context.for_game(self.now, self.seed, seq))
        before = self.state
        for event in events:
            self.state = apply(self.state, event)
        self.events.extend(events)
        if self.on_batch is not None and events:
            self.on_batch(before, events, self.s)
        return events

    def moderator(self, cls, actor: PlayerRef = MODERATOR, **fields) -> list[Event]:
        seq = self.state.seq if self.state is not None else 0
        return self.run(
            cls(command_id=f"mod:{self.game_id}:{seq}", game_id=self.game_id, actor=actor, **fields)
        )

    def set_up(self) -> None:
        self.moderator(CreateGame, scenario=self.scenario, seed=self.seed)
        self.moderator(FillSeats)
        self.moderator(StartGame, rehearsal=True)

    def computers_act(self) -> None:
        for _ in range(PASSES):
            acted = False
            for sid in self.s.state_ids:
                if self.s.phase != "negotiation":
                    return
                if self.s.delegations[sid].control != "computer":
                    continue
                ctx = Context.for_game(self.now, self.seed, self.s.seq)
                round_ = self.s.round
                for command in computer_commands(self.s, sid, ctx):
                    if self.s.phase != "negotiation" or self.s.round != round_:
                        break
                    if self.skip is None:
                        self.run(command)
                    elif self.skip(self.s, command):
                        continue
                    else:
                        try:
                            self.run(command)
                        except RuleError:
                            continue  # it followed a command that was skipped
                    acted = True
            if not acted:
                return

    def tick(self) -> None:
        deadline = self.s.next_deadline()
        if deadline is None:
            self.moderator(AdvanceRound)
            return
        self.now = max(self.now, deadline)
        self.run(
            Tick(command_id=f"tick:{self.game_id}:{self.s.seq}", game_id=self.game_id, actor=SYSTEM)
        )


def play_out(
    scenario: Scenario,
    seed: int,
    start: datetime,
    on_batch: BatchFn | None = None,
    skip: SkipFn | None = None,
) -> tuple[list[Event], GameState]:
    """Play a whole game of computer delegations; return its log and end state.
    `on_batch`, if given, is told of every batch of events as it happens (the
    narration tests read the notices of each); `skip` drops the computer
    commands it returns True for."""
    game = _Game(scenario, seed, start, on_batch, skip)
    game.set_up()
    for _ in range(MAX_STEPS):
        if game.s.phase == "ended":
            return game.events, game.s
        game.computers_act()
        if game.s.phase == "ended":
            break
        before = game.s.seq
        game.tick()
        if game.s.seq == before:
            # A tick that changed nothing: step past the moment it woke for.
            game.now += timedelta(seconds=1)
    if game.s.phase != "ended":
        raise InvariantBroken(f"autoplay of {scenario.id} (seed {seed}) did not end")
    return game.events, game.s

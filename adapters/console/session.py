"""What `detente demo` and `detente play` share: the service on SQLite with
a simulated clock, the terminal publisher, and moving the game along
(computer delegations' turns, deadlines falling due).

Time in the terminal is simulated: the clock starts where the game's log
stops (so a resumed game goes on from the same instant) and moves only when
the terminal moves it, to the next deadline. Every command this module
sends has an id derived from the game and its sequence, so a run killed at
any moment and started again repeats nothing and skips nothing.
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from adapters.console.render import (
    Directory,
    directory_from_state,
    group_identical,
    render_notice,
)
from bot.clock import SimulatedClock
from bot.driver import run_computer_turns as driver_turns
from bot.routing import recipients
from bot.service import GameService, Reply
from bot.sqlite_store import SqliteStore
from game.base import PlayerRef
from game.commands import Command
from game.engine import EVENT_ADAPTER
from game.notice import Action, Audience, Notice
from game.state import GameState

GAME_START = datetime(2030, 1, 1, 9, 0, tzinfo=UTC)


@dataclass
class TerminalView:
    """Who is reading this terminal: a watcher sees every audience; a player
    sees what their seat may see (`viewer` is matched against the notice's
    recipients, which bot.routing computes from the game's seats)."""

    viewer: PlayerRef | None = None  # None: watcher
    moderator: bool = False
    out: TextIO = field(default_factory=lambda: sys.stdout)
    shown_actions: list[Action] = field(default_factory=list)


class ConsolePublisher:
    """The terminal's `bot.delivery.Publisher`: prints each notice, as text,
    if this terminal's reader may see it."""

    def __init__(self, view: TerminalView, clock: SimulatedClock) -> None:
        self.view = view
        self.clock = clock
        self.service: GameService | None = None
        self.printed = 0

    async def deliver(self, game_id: str, notice: Notice, recipients: frozenset[PlayerRef]) -> bool:
        if self.visible(notice, recipients):
            state = await self.service.state(game_id) if self.service else None
            self.show(notice, self.directory(state))
        return True  # shown, or not for this reader: settled either way

    def visible(self, notice: Notice, recipients: frozenset[PlayerRef]) -> bool:
        """Whether this terminal's reader reads the notice: a player what
        bot.routing sends them; a watcher everything but the computers'
        one-person confirmations."""
        if self.view.viewer is None:
            return notice.audience.kind != "person"
        return self.view.viewer in recipients

    def directory(self, state: GameState | None) -> Directory:
        if state is None:
            return Directory()
        view = self.view
        you_state = None
        if view.viewer is not None:
            seat = state.seat_of(view.viewer.key)
            you_state = seat.state if seat and seat.role == "delegate" else None
        return directory_from_state(
            state,
            you_state=you_state,
            you_person=view.viewer.key if view.viewer else None,
            you_moderator=view.moderator,
        )

    def show(self, notice: Notice, directory: Directory, also: tuple[Audience, ...] = ()) -> None:
        """Print one block (`also`: the further audiences the same words went to)."""
        view = self.view
        if view.viewer is None:
            # A watcher cannot press buttons: each notice numbers its own actions.
            text = render_notice(notice, directory, now=self.clock.now(), also=also).text
        else:
            rendered = render_notice(
                notice,
                directory,
                now=self.clock.now(),
                first_action=len(view.shown_actions) + 1,
                also=also,
                forms=True,
            )
            view.shown_actions.extend(rendered.actions)
            text = rendered.text
        print(text, file=view.out, flush=True)
        self.printed += 1


@dataclass
class Table:
    """An open game table in this terminal."""

    store: SqliteStore
    clock: SimulatedClock
    service: GameService
    publisher: ConsolePublisher

    async def flush(self) -> None:
        """Print every notice not yet shown: the outbox, oldest first, each
        routed to its recipients (bot.routing), then marked delivered. The
        terminal drains the outbox itself rather than through the service's
        delivery task, because a watcher also reads the notices that reach
        no human (a computer delegation's briefing)."""
        while True:
            items = await self.store.undelivered(200)
            if not items:
                return
            # What this reader may see, per game, in order; then the notices
            # that differ only in their audience are printed as one block.
            shown: list[tuple[str, Notice]] = []
            for item in items:
                notice = Notice.model_validate_json(item.notice)
                state = await self.service.state(item.game_id)
                to = recipients(state, notice.audience) if state is not None else frozenset()
                if self.publisher.visible(notice, to):
                    shown.append((item.game_id, notice))
            start = 0
            while start < len(shown):
                game_id = shown[start][0]
                end = start
                while end < len(shown) and shown[end][0] == game_id:
                    end += 1
                directory = self.publisher.directory(await self.service.state(game_id))
                for notice, audiences in group_identical(n for _, n in shown[start:end]):
                    self.publisher.show(notice, directory, also=audiences[1:])
                start = end
            await self.store.mark_delivered([item.id for item in items])

    async def send(self, command: Command) -> Reply:
        return await self.service.handle(command)  # prints as it goes

    async def state(self, game_id: str) -> GameState | None:
        return await self.service.state(game_id)


async def last_event_time(store: SqliteStore, game_id: str) -> datetime | None:
    seq = await store.last_seq(game_id)
    if seq == 0:
        return None
    stored = await store.events(game_id, after=seq - 1)
    return EVENT_ADAPTER.validate_json(stored[-1].payload).at


class PrintingService(GameService):
    """The service, printing what each command produced as soon as it is
    stored (the driver sends its commands through `handle`)."""

    table: Table | None = None
    after_command: Callable[[GameState], None] | None = None

    async def handle(self, command: Command) -> Reply:
        reply = await super().handle(command)
        if self.table is not None:
            await self.table.flush()
        if self.after_command is not None:
            state = await self.state(command.game_id)
            if state is not None:
                self.after_command(state)
        return reply


@asynccontextmanager
async def open_table(
    db_path: Path, view: TerminalView, game_id: str | None, *, resume_clock: bool = True
) -> AsyncIterator[Table]:
    """The game table on this database. `resume_clock`: start the simulated
    clock where the game's log stops (interactive play); otherwise at the
    start of every game, for a driver that moves the clock itself (the demo)."""
    db_path.parent.mkdir(parents=True, exist_ok=True)
    store = SqliteStore(db_path)
    await store.open()
    try:
        start = (await last_event_time(store, game_id)) if game_id and resume_clock else None
        clock = SimulatedClock(start or GAME_START)
        publisher = ConsolePublisher(view, clock)
        service = PrintingService(store, clock)
        publisher.service = service
        table = Table(store, clock, service, publisher)
        service.table = table
        try:
            yield table
        finally:
            await service.close()
    finally:
        await store.close()


# --- moving the game along -----------------------------------------------------------


async def run_computer_turns(table: Table, game_id: str) -> int:
    """Let the computer delegations move until none has anything left to do
    now (bot/driver.py: one command at a time, each decided afresh, so a run
    killed after any command resumes exactly); returns how many were accepted."""
    accepted = await driver_turns(table.service, game_id)
    await table.flush()
    return int(accepted or 0)


async def advance_to_next_deadline(table: Table, game_id: str) -> bool:
    """Jump the clock to the game's next deadline and let it fall due.
    False when the game has no deadline ahead (ended, paused, lobby)."""
    state = await table.state(game_id)
    if state is None:
        return False
    deadline = state.next_deadline()
    if deadline is None:
        return False
    table.clock.advance_to(deadline)
    await table.service.tick(game_id)
    await table.flush()
    return True

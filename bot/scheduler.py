"""Timers: wake each game when its next deadline falls due.

The scheduler knows nothing of rules. Every game has at most one pending
deadline (`GameState.next_deadline()`, copied into the store's game summary
by each append); when it is due the scheduler asks the service to send a
`Tick` whose command id is derived from the game's sequence
(`tick:{game_id}:{seq}`), so a tick delivered twice — by a restart, by the
demo driver and the scheduler racing — is applied once. What a tick does
(round end, proposal expiry, reminders to those who still owe a move) is
the core's business.

One task drives every timer from a heap, rather than one asyncio task per
game: ten thousand idle games cost ten thousand heap entries, not ten
thousand sleeping tasks, and recovery after a restart is one query
(`store.deadlines()`) and one heapify.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import logging
from datetime import datetime
from typing import TYPE_CHECKING

from bot.clock import Clock

if TYPE_CHECKING:
    from bot.service import GameService

log = logging.getLogger(__name__)


class Scheduler:
    """Turns due deadlines into ticks. Use `start()` after the service is
    ready, `close()` on shutdown; the service reports new deadlines through
    `schedule`, which the constructor registers with it."""

    def __init__(
        self, service: GameService, clock: Clock, *, max_concurrent_ticks: int = 64
    ) -> None:
        self._service = service
        self._clock = clock
        self._deadlines: dict[str, datetime] = {}  # the truth: one deadline per game
        self._heap: list[tuple[datetime, str]] = []  # may hold stale entries; checked on pop
        self._changed = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._ticks = asyncio.Semaphore(max_concurrent_ticks)
        self._in_flight: set[asyncio.Task[None]] = set()
        self.fired = 0  # ticks sent (for tests and the benchmark)
        service.add_deadline_listener(self.schedule)

    # --- public ---------------------------------------------------------------

    async def start(self) -> None:
        """Load every stored deadline and start the timer task. Overdue
        deadlines fire at once (each exactly once: the tick id is
        deterministic); future ones wait for their time."""
        for game_id, when in await self._service.store.deadlines():
            self._deadlines[game_id] = when
        self._heap = [(when, game_id) for game_id, when in self._deadlines.items()]
        heapq.heapify(self._heap)
        self._task = asyncio.create_task(self._run(), name="detente-scheduler")

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._in_flight:
            await asyncio.gather(*self._in_flight, return_exceptions=True)

    def schedule(self, game_id: str, when: datetime | None) -> None:
        """Set (or clear, with None) the game's next deadline."""
        if when is None:
            if self._deadlines.pop(game_id, None) is not None:
                self._changed.set()
            return
        if self._deadlines.get(game_id) == when:
            return
        self._deadlines[game_id] = when
        heapq.heappush(self._heap, (when, game_id))
        self._changed.set()

    def pending(self) -> dict[str, datetime]:
        """A copy of every game's next deadline."""
        return dict(self._deadlines)

    def next_due(self) -> datetime | None:
        self._drop_stale()
        return self._heap[0][0] if self._heap else None

    async def fire_due(self) -> int:
        """Send a tick to every game whose deadline has passed and wait for
        them; return how many fired. The timer task does this on its own;
        tests and the driver may call it directly."""
        due = self._pop_due()
        if due:
            await asyncio.gather(*(self._fire(game_id, when) for game_id, when in due))
        return len(due)

    # --- the timer task -------------------------------------------------------

    async def _run(self) -> None:
        while True:
            self._changed.clear()
            due = self._pop_due()
            for game_id, when in due:
                task = asyncio.create_task(self._fire(game_id, when))
                self._in_flight.add(task)
                task.add_done_callback(self._in_flight.discard)
            if due:
                continue
            nxt = self.next_due()
            if nxt is None:
                await self._changed.wait()
                continue
            sleeper = asyncio.ensure_future(self._clock.sleep_until(nxt))
            changed = asyncio.ensure_future(self._changed.wait())
            try:
                await asyncio.wait({sleeper, changed}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                sleeper.cancel()
                changed.cancel()

    def _pop_due(self) -> list[tuple[str, datetime]]:
        now = self._clock.now()
        due: list[tuple[str, datetime]] = []
        while self._heap and self._heap[0][0] <= now:
            when, game_id = heapq.heappop(self._heap)
            if self._deadlines.get(game_id) == when:
                del self._deadlines[game_id]
                due.append((game_id, when))
        return due

    def _drop_stale(self) -> None:
        while self._heap and self._deadlines.get(self._heap[0][1]) != self._heap[0][0]:
            heapq.heappop(self._heap)

    async def _fire(self, game_id: str, when: datetime) -> None:
        async with self._ticks:
            try:
                reply = await self._service.tick(game_id)
            except Exception:
                log.exception("tick for game %s (due %s) failed", game_id, when)
                return
        self.fired += 1
        if reply is not None and not reply.ok:
            log.warning("tick for game %s refused: %s", game_id, reply.message)
        # A tick that leaves the same deadline in place decided nothing: do
        # not spin on it. The next command that changes the game reschedules.
        again = self._deadlines.get(game_id)
        if again is not None and again <= when:
            log.warning("game %s still due at %s after its tick; not retrying", game_id, when)
            self._deadlines.pop(game_id, None)

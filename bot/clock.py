"""Time for the service: the `Clock` protocol, the real UTC clock, and a
simulated clock that jumps from deadline to deadline.

The core never reads a clock (it gets `ctx.now`); the service, the scheduler
and the demo driver read this one, so a test or `detente demo` can run a
20-minute round in a blink by swapping in `SimulatedClock`.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware (UTC)."""
        ...

    async def sleep_until(self, when: datetime) -> None:
        """Return once `now() >= when` (at once if it already is)."""
        ...


class SystemClock:
    """Wall-clock UTC time; sleeps with the event loop's timer."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    async def sleep_until(self, when: datetime) -> None:
        # Re-check after waking: the loop's monotonic timer and the wall clock
        # may drift apart (NTP adjustments), and waking early would fire a
        # deadline before it is due.
        while (delay := (when - self.now()).total_seconds()) > 0:
            await asyncio.sleep(delay)


class SimulatedClock:
    """A clock that moves only when told to.

    `advance_to(t)` sets the time and wakes every sleeper due by then;
    `advance_to_next()` jumps straight to the earliest sleeper's time, which
    is how the demo skips the waiting between deadlines.
    """

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2030, 1, 1, 9, 0, tzinfo=UTC)
        if self._now.tzinfo is None:
            raise ValueError("SimulatedClock needs a timezone-aware start time")
        self._sleepers: list[tuple[datetime, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    def now(self) -> datetime:
        return self._now

    async def sleep_until(self, when: datetime) -> None:
        if when <= self._now:
            await asyncio.sleep(0)  # still a suspension point, like a real sleep
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (when, next(self._order), future))
        await future

    def next_wakeup(self) -> datetime | None:
        """The earliest time a live sleeper waits for, if any."""
        self._drop_cancelled()
        return self._sleepers[0][0] if self._sleepers else None

    def advance_to(self, when: datetime) -> None:
        """Move the time forward (never back) and wake the sleepers now due.
        The woken tasks run at the caller's next await."""
        if when > self._now:
            self._now = when
        while self._sleepers and self._sleepers[0][0] <= self._now:
            _, _, future = heapq.heappop(self._sleepers)
            if not future.done():
                future.set_result(None)

    def advance_to_next(self) -> datetime | None:
        """Jump to the earliest sleeper's time and wake it; None if nobody sleeps."""
        when = self.next_wakeup()
        if when is not None:
            self.advance_to(when)
        return when

    def _drop_cancelled(self) -> None:
        while self._sleepers and self._sleepers[0][2].done():
            heapq.heappop(self._sleepers)

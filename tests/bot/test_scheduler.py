"""The clock and the scheduler on their own: a fake service records the ticks.
(Deadlines surviving a restart through the real service and store are in
test_service_reliability.py.)"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from bot.clock import SimulatedClock, SystemClock
from bot.scheduler import Scheduler

T0 = datetime(2030, 1, 1, 9, 0, tzinfo=UTC)


async def settle() -> None:
    """Let every ready task run until nothing moves."""
    for _ in range(20):
        await asyncio.sleep(0)


class FakeStore:
    def __init__(self, deadlines: dict[str, datetime]) -> None:
        self._deadlines = deadlines

    async def deadlines(self) -> list[tuple[str, datetime]]:
        return sorted(self._deadlines.items(), key=lambda item: item[1])


class FakeService:
    def __init__(self, clock: SimulatedClock, deadlines: dict[str, datetime] | None = None) -> None:
        self.clock = clock
        self.store = FakeStore(deadlines or {})
        self.listeners: list = []
        self.ticks: list[tuple[str, datetime]] = []
        self.next_after_tick: dict[str, datetime | None] = {}

    def add_deadline_listener(self, listener) -> None:
        self.listeners.append(listener)

    async def tick(self, game_id: str):
        self.ticks.append((game_id, self.clock.now()))
        if game_id in self.next_after_tick:
            for listener in self.listeners:
                listener(game_id, self.next_after_tick.pop(game_id))
        return None


# --- the clocks -------------------------------------------------------------------


async def test_simulated_clock_wakes_sleepers_in_time_order() -> None:
    clock = SimulatedClock(T0)
    woke: list[str] = []

    async def sleeper(name: str, minutes: int) -> None:
        await clock.sleep_until(T0 + timedelta(minutes=minutes))
        woke.append(name)

    tasks = [asyncio.create_task(sleeper(n, m)) for n, m in (("late", 20), ("early", 5))]
    await settle()
    assert clock.next_wakeup() == T0 + timedelta(minutes=5)
    assert clock.advance_to_next() == T0 + timedelta(minutes=5)
    await settle()
    assert woke == ["early"]
    clock.advance_to(T0 + timedelta(hours=1))
    await settle()
    assert woke == ["early", "late"]
    assert clock.now() == T0 + timedelta(hours=1)
    await asyncio.gather(*tasks)


async def test_simulated_clock_never_goes_back_and_past_times_do_not_block() -> None:
    clock = SimulatedClock(T0)
    clock.advance_to(T0 - timedelta(minutes=1))
    assert clock.now() == T0
    await asyncio.wait_for(clock.sleep_until(T0 - timedelta(days=1)), 1)


async def test_simulated_clock_forgets_cancelled_sleepers() -> None:
    clock = SimulatedClock(T0)
    task = asyncio.create_task(clock.sleep_until(T0 + timedelta(minutes=1)))
    await settle()
    task.cancel()
    await settle()
    assert clock.next_wakeup() is None


def test_simulated_clock_wants_an_aware_start() -> None:
    with pytest.raises(ValueError):
        SimulatedClock(datetime(2030, 1, 1))


async def test_system_clock_is_utc_and_sleeps_until_the_moment() -> None:
    clock = SystemClock()
    start = clock.now()
    assert start.tzinfo is not None and start.utcoffset() == timedelta(0)
    await clock.sleep_until(start + timedelta(milliseconds=20))
    assert clock.now() >= start + timedelta(milliseconds=20)


# --- the scheduler ------------------------------------------------------------------


async def test_on_start_overdue_deadlines_fire_once_and_future_ones_wait() -> None:
    clock = SimulatedClock(T0)
    service = FakeService(
        clock,
        {
            "overdue": T0 - timedelta(minutes=3),
            "soon": T0 + timedelta(minutes=5),
            "later": T0 + timedelta(minutes=30),
        },
    )
    scheduler = Scheduler(service, clock)  # type: ignore[arg-type]
    await scheduler.start()
    await settle()
    assert [g for g, _ in service.ticks] == ["overdue"]
    assert set(scheduler.pending()) == {"soon", "later"}

    clock.advance_to_next()
    await settle()
    assert [g for g, _ in service.ticks] == ["overdue", "soon"]
    assert service.ticks[-1][1] == T0 + timedelta(minutes=5)

    clock.advance_to(T0 + timedelta(hours=2))
    await settle()
    assert [g for g, _ in service.ticks] == ["overdue", "soon", "later"]
    assert scheduler.fired == 3
    await scheduler.close()


async def test_a_new_earlier_deadline_wakes_the_timer_task() -> None:
    clock = SimulatedClock(T0)
    service = FakeService(clock, {"a": T0 + timedelta(hours=1)})
    scheduler = Scheduler(service, clock)  # type: ignore[arg-type]
    await scheduler.start()
    await settle()
    scheduler.schedule("b", T0 + timedelta(minutes=1))
    await settle()
    assert clock.next_wakeup() == T0 + timedelta(minutes=1)
    clock.advance_to_next()
    await settle()
    assert [g for g, _ in service.ticks] == ["b"]
    await scheduler.close()


async def test_rescheduling_replaces_and_none_clears() -> None:
    clock = SimulatedClock(T0)
    service = FakeService(clock)
    scheduler = Scheduler(service, clock)  # type: ignore[arg-type]
    await scheduler.start()
    scheduler.schedule("g", T0 + timedelta(minutes=1))
    scheduler.schedule("g", T0 + timedelta(minutes=10))  # extended
    scheduler.schedule("h", T0 + timedelta(minutes=2))
    scheduler.schedule("h", None)  # the game ended
    await settle()
    clock.advance_to(T0 + timedelta(minutes=5))
    await settle()
    assert service.ticks == []
    clock.advance_to(T0 + timedelta(minutes=10))
    await settle()
    assert service.ticks == [("g", T0 + timedelta(minutes=10))]
    await scheduler.close()


async def test_the_service_reports_the_next_deadline_after_a_tick() -> None:
    clock = SimulatedClock(T0)
    service = FakeService(clock, {"g": T0 + timedelta(minutes=1)})
    service.next_after_tick["g"] = T0 + timedelta(minutes=4)
    scheduler = Scheduler(service, clock)  # type: ignore[arg-type]
    await scheduler.start()
    await settle()
    clock.advance_to_next()
    await settle()
    assert scheduler.pending() == {"g": T0 + timedelta(minutes=4)}
    clock.advance_to_next()
    await settle()
    assert [when for _, when in service.ticks] == [
        T0 + timedelta(minutes=1),
        T0 + timedelta(minutes=4),
    ]
    await scheduler.close()


async def test_a_tick_that_leaves_the_deadline_in_place_does_not_spin() -> None:
    clock = SimulatedClock(T0)
    service = FakeService(clock, {"stuck": T0})
    service.next_after_tick["stuck"] = T0  # the core decided nothing
    scheduler = Scheduler(service, clock)  # type: ignore[arg-type]
    await scheduler.start()
    await settle()
    assert len(service.ticks) == 1
    assert scheduler.pending() == {}
    await scheduler.close()


async def test_fire_due_sends_every_due_tick_and_waits_for_them() -> None:
    clock = SimulatedClock(T0)
    service = FakeService(clock)
    scheduler = Scheduler(service, clock)  # type: ignore[arg-type]
    for n in range(50):
        scheduler.schedule(f"g{n}", T0 + timedelta(seconds=n))
    clock.advance_to(T0 + timedelta(seconds=24))
    assert await scheduler.fire_due() == 25
    assert len(service.ticks) == 25
    assert scheduler.next_due() == T0 + timedelta(seconds=25)

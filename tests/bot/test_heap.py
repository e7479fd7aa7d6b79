"""The service settles its heap between commands (bot/heap.py): after as
many new games as it held at the last settling, and every so many
commands, it collects once and freezes what is alive, so a full garbage
collection never walks thousands of cached game states in a command's path."""

from __future__ import annotations

import asyncio
import gc

import pytest

from bot.clock import SimulatedClock
from bot.heap import HeapSettler
from bot.memory_store import MemoryStore
from bot.service import GameService
from game.commands import CreateGame, JoinGame
from tests.game.factories import ANA, BEN, MODERATOR, T0, scenario


@pytest.fixture(autouse=True)
def _unfrozen():
    yield
    gc.unfreeze()


def test_settling_follows_the_games_held() -> None:
    heap = HeapSettler(every=3)
    assert [heap.game_loaded(n) for n in (1, 2, 3)] == [False, False, True]
    # Next time after as many new games as were held then, and at least `every`.
    assert [heap.game_loaded(n) for n in (4, 5, 6)] == [False, False, True]
    heap = HeapSettler(every=2)
    assert [heap.game_loaded(n) for n in (1, 2)] == [False, True]
    assert [heap.game_loaded(n) for n in (3, 4)] == [False, True]
    heap.settled_at = 5  # five games held at the last settling: wait for five more
    assert [heap.game_loaded(n) for n in range(5, 10)] == [False] * 4 + [True]


def test_commands_counted_until_the_period() -> None:
    heap = HeapSettler(every_commands=3)
    assert [heap.command_applied() for _ in range(6)] == [False, False, True] * 2


def test_settling_freezes_what_is_alive() -> None:
    gc.unfreeze()
    HeapSettler.settle()
    assert gc.get_freeze_count() > 0


async def test_the_service_settles_between_commands_after_new_games() -> None:
    gc.unfreeze()
    async with MemoryStore() as store:
        service = GameService(store, SimulatedClock(T0), settle_every=3)
        sc = scenario()
        for n in range(3):
            reply = await service.handle(
                CreateGame(
                    command_id=f"create-{n}",
                    game_id=f"g{n}",
                    actor=MODERATOR,
                    scenario=sc,
                    seed=n,
                )
            )
            assert reply.ok
            assert gc.get_freeze_count() == 0  # never inside a command
        await asyncio.sleep(0)
        assert gc.get_freeze_count() > 0


async def test_the_service_settles_every_so_many_commands() -> None:
    gc.unfreeze()
    async with MemoryStore() as store:
        service = GameService(store, SimulatedClock(T0), settle_every=1000)
        service._heap.every_commands = 3
        ok = await service.handle(
            CreateGame(command_id="c", game_id="g", actor=MODERATOR, scenario=scenario(), seed=1)
        )
        assert ok.ok
        for n, (who, state) in enumerate([(ANA, "alba"), (BEN, "borea")]):
            reply = await service.handle(
                JoinGame(command_id=f"j{n}", game_id="g", actor=who, state=state)
            )
            assert reply.ok
        await asyncio.sleep(0)
        assert gc.get_freeze_count() > 0

"""Nothing lost, nothing doubled: duplicates, concurrent writers, restarts,
crashes — through the real service on SQLite (the in-memory store where only
the logic matters)."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.clock import SimulatedClock
from bot.driver import play_to_end
from bot.memory_store import MemoryStore
from bot.scheduler import Scheduler
from bot.service import GameService, Reply
from bot.sqlite_store import SqliteStore
from game.autoplay import MODERATOR as AUTOPLAY_MODERATOR
from game.autoplay import play_out
from game.base import PlayerRef
from game.commands import COMMAND_CLASS, CreateGame, FillSeats, StartGame
from game.engine import EVENT_ADAPTER, replay
from game.state import GameState
from tests.game.factories import ANA, BEN, CAT, MODERATOR, T0, scenario

REPO = Path(__file__).resolve().parents[2]


def command(game_id: str, command_id: str, type_: str, actor: PlayerRef, **fields: Any):
    return COMMAND_CLASS[type_](command_id=command_id, game_id=game_id, actor=actor, **fields)


async def start_game(service: GameService, game_id: str) -> None:
    """Round 1 of the test scenario: Ana/alba, Ben/borea, Cat/cyra."""
    create = CreateGame(
        command_id=f"{game_id}:create",
        game_id=game_id,
        actor=MODERATOR,
        scenario=scenario(),
        seed=7,
    )
    assert (await service.handle(create)).ok
    for player, state_id in ((ANA, "alba"), (BEN, "borea"), (CAT, "cyra")):
        join = command(game_id, f"{game_id}:join:{state_id}", "join_game", player, state=state_id)
        assert (await service.handle(join)).ok
    assert (await service.handle(command(game_id, f"{game_id}:start", "start_game", MODERATOR))).ok


async def stored_state(store: Any, game_id: str) -> GameState:
    return replay(EVENT_ADAPTER.validate_json(e.payload) for e in await store.events(game_id))


async def eventually(check: Callable[[], Awaitable[bool]], seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not await check():
        assert time.monotonic() < deadline, "condition not reached in time"
        await asyncio.sleep(0.01)


# --- a whole game, every command delivered twice --------------------------------------------


class TwiceService(GameService):
    """Every command is delivered twice: once more after it was answered, and
    once more at the same time (a double click racing a platform retry)."""

    async def handle(self, command) -> Reply:  # type: ignore[override]
        first, racing = await asyncio.gather(super().handle(command), super().handle(command))
        again = await super().handle(command)
        assert first == racing == again
        return first


async def set_up_like_autoplay(service: GameService, game_id: str, sc, seed: int) -> None:
    """The same set-up as game/autoplay.py — create, fill the open seats with
    computer delegations, start as a rehearsal — through the service, with
    the same command ids; each step is chosen from the state, so a set-up cut
    short completes on a rerun."""

    async def moderator(cls, **fields: Any) -> Reply:
        state = await service.state(game_id)
        seq = state.seq if state is not None else 0
        return await service.handle(
            cls(
                command_id=f"mod:{game_id}:{seq}",
                game_id=game_id,
                actor=AUTOPLAY_MODERATOR,
                **fields,
            )
        )

    state = await service.state(game_id)
    if state is None:
        assert (await moderator(CreateGame, scenario=sc, seed=seed)).ok
        state = await service.state(game_id)
    assert state is not None
    if state.phase == "lobby":
        if any(d.control == "open" for d in state.delegations.values()):
            assert (await moderator(FillSeats)).ok
        assert (await moderator(StartGame, rehearsal=True)).ok


async def test_the_driver_plays_the_same_game_as_autoplay() -> None:
    sc, seed = scenario(), 11
    _, expected = play_out(sc, seed, T0)
    async with MemoryStore() as store:
        clock = SimulatedClock(T0)
        service = GameService(store, clock)
        game_id = f"autoplay-{sc.id}-{seed}"
        await set_up_like_autoplay(service, game_id, sc, seed)
        final = await play_to_end(service, game_id, clock)
    assert final.phase == "ended"
    assert final == expected


async def test_every_command_of_a_whole_game_delivered_twice_gives_the_same_game() -> None:
    sc, seed = scenario(), 11
    _, expected = play_out(sc, seed, T0)
    async with MemoryStore() as store:
        clock = SimulatedClock(T0)
        service = TwiceService(store, clock)
        game_id = f"autoplay-{sc.id}-{seed}"
        await set_up_like_autoplay(service, game_id, sc, seed)
        final = await play_to_end(service, game_id, clock)
        assert final == expected
        assert await stored_state(store, game_id) == expected


# --- concurrent writers ---------------------------------------------------------------------


async def _acceptances(store: Any, game_id: str) -> list[Any]:
    events = [EVENT_ADAPTER.validate_json(e.payload) for e in await store.events(game_id)]
    return [e for e in events if e.type == "proposal_accepted" and e.state == "borea"]


async def test_twenty_concurrent_accepts_make_exactly_one_acceptance(tmp_path: Path) -> None:
    async with SqliteStore(tmp_path / "game.sqlite") as store:
        service = GameService(store, SimulatedClock(T0))
        await start_game(service, "g")
        proposal = command("g", "propose", "propose_cbm", ANA, cbm="hotline", parties=["borea"])
        assert (await service.handle(proposal)).ok
        replies = await asyncio.gather(
            *(
                service.handle(command("g", f"accept-{n}", "accept_proposal", BEN, proposal="P1"))
                for n in range(20)
            )
        )
        assert sum(r.ok for r in replies) == 1
        assert all(r.message for r in replies if not r.ok)
        assert len(await _acceptances(store, "g")) == 1
        assert await stored_state(store, "g") == await service.state("g")


async def test_two_services_on_one_file_make_exactly_one_acceptance(tmp_path: Path) -> None:
    """Two processes' worth of service (each its own store connection, cache
    and locks): only the store's (game, seq) guard keeps them honest."""
    path = tmp_path / "game.sqlite"
    async with SqliteStore(path) as store_a, SqliteStore(path) as store_b:
        clock = SimulatedClock(T0)
        first, second = GameService(store_a, clock), GameService(store_b, clock)
        await start_game(first, "g")
        await second.state("g")  # both caches warm, then one goes stale
        proposal = command("g", "propose", "propose_cbm", ANA, cbm="hotline", parties=["borea"])
        assert (await first.handle(proposal)).ok
        replies = await asyncio.gather(
            *(
                (first if n % 2 else second).handle(
                    command("g", f"accept-{n}", "accept_proposal", BEN, proposal="P1")
                )
                for n in range(20)
            )
        )
        assert sum(r.ok for r in replies) == 1
        assert len(await _acceptances(store_a, "g")) == 1
        final = await stored_state(store_a, "g")
        assert final.proposals["P1"].accepted_by == ["borea"] or final.proposals["P1"].status in (
            "accepted",
            "in_force",
        )


async def test_two_services_interleaving_commands_keep_one_consistent_log(tmp_path: Path) -> None:
    path = tmp_path / "game.sqlite"
    async with SqliteStore(path) as store_a, SqliteStore(path) as store_b:
        clock = SimulatedClock(T0)
        first, second = GameService(store_a, clock), GameService(store_b, clock)
        await start_game(first, "g")
        speakers = [ANA, BEN, CAT]
        replies = await asyncio.gather(
            *(
                (first if n % 2 else second).handle(
                    command("g", f"say-{n}", "make_statement", speakers[n % 3], text=f"Point {n}.")
                )
                for n in range(30)
            )
        )
        assert all(r.ok for r in replies), [r.message for r in replies if not r.ok]
        seqs = sorted(r.seq for r in replies)
        assert len(set(seqs)) == 30  # every statement got its own place in the log
        assert await stored_state(store_a, "g") == await second.state("g")


# --- restarts -----------------------------------------------------------------------------------


async def test_a_new_process_loads_the_same_state_from_a_snapshot_and_tail(tmp_path: Path) -> None:
    path = tmp_path / "game.sqlite"
    async with SqliteStore(path) as store:
        service = GameService(store, SimulatedClock(T0), snapshot_every=5)
        await start_game(service, "g")
        for n in range(23):
            say = command("g", f"say-{n}", "make_statement", [ANA, BEN][n % 2], text=f"{n}.")
            assert (await service.handle(say)).ok
        before = await service.state("g")
        await service.close()
    async with SqliteStore(path) as store:
        snapshot = await store.latest_snapshot("g")
        assert snapshot is not None and 0 < snapshot.seq < await store.last_seq("g")
        loaded = await GameService(store, SimulatedClock(T0)).state("g")
        assert loaded == before == await stored_state(store, "g")


async def test_deadlines_survive_a_restart(tmp_path: Path) -> None:
    """Overdue deadlines fire exactly once after a restart; future ones are
    rescheduled and fire on time."""
    path = tmp_path / "game.sqlite"
    clock = SimulatedClock(T0)
    async with SqliteStore(path) as store:
        service = GameService(store, clock)
        await start_game(service, "early")
        clock.advance_to(T0 + timedelta(minutes=10))
        await start_game(service, "late")
        early = (await service.state("early")).next_deadline()  # type: ignore[union-attr]
        late = (await service.state("late")).next_deadline()  # type: ignore[union-attr]
        early_seq = (await service.state("early")).seq  # type: ignore[union-attr]
        late_seq = (await service.state("late")).seq  # type: ignore[union-attr]
        assert early is not None and late is not None and early < late
        await service.close()

    async def restart(at: datetime) -> tuple[SqliteStore, GameService, Scheduler]:
        store = SqliteStore(path)
        await store.open()
        clock.advance_to(at)
        service = GameService(store, clock)
        scheduler = Scheduler(service, clock)
        await scheduler.start()
        return store, service, scheduler

    # The process was down while the early game's deadline passed.
    store, service, scheduler = await restart(early + timedelta(seconds=30))

    async def early_ticked() -> bool:
        return await store.command(f"tick:early:{early_seq}") is not None

    await eventually(early_ticked)
    after_tick = await store.last_seq("early")
    assert after_tick > early_seq
    assert "late" in scheduler.pending() and scheduler.pending()["late"] == late
    await scheduler.close()
    await store.close()

    # Restarted again at the same moment: the early deadline does not fire again.
    store, service, scheduler = await restart(early + timedelta(seconds=30))
    await asyncio.sleep(0.05)
    assert await store.last_seq("early") == after_tick
    assert scheduler.pending()["late"] == late
    assert await store.command(f"tick:late:{late_seq}") is None

    # The future one fires when its time comes.
    clock.advance_to(late)

    async def late_ticked() -> bool:
        return await store.command(f"tick:late:{late_seq}") is not None

    await eventually(late_ticked)
    await scheduler.close()
    await service.close()
    await store.close()


# --- crashes ----------------------------------------------------------------------------------


class Crash(BaseException):
    """The process dies (not an Exception: nothing may catch it)."""


class CrashingStore(SqliteStore):
    """Dies at the n-th append, before its commit or right after it."""

    def __init__(self, path: Path, *, at_append: int, after_commit: bool) -> None:
        super().__init__(path)
        self.remaining = at_append
        self.after_commit = after_commit

    async def append(self, batch):  # type: ignore[override]
        self.remaining -= 1
        if self.remaining == 0 and not self.after_commit:
            raise Crash()
        result = await super().append(batch)
        if self.remaining == 0:
            raise Crash()
        return result


async def _play_until_crash(path: Path, game_id: str, sc, seed: int, store: SqliteStore) -> None:
    await store.open()
    clock = SimulatedClock(T0)
    service = GameService(store, clock)
    try:
        await set_up_like_autoplay(service, game_id, sc, seed)
        await play_to_end(service, game_id, clock)
    except Crash:
        pass
    finally:
        await store.close()


async def _resume(path: Path, game_id: str, sc, seed: int) -> GameState:
    """What `detente demo` does on the next run: the clock at the last event."""
    async with SqliteStore(path) as store:
        seq = await store.last_seq(game_id)
        start = T0
        if seq:
            last = (await store.events(game_id, after=seq - 1))[-1]
            start = EVENT_ADAPTER.validate_json(last.payload).at
        clock = SimulatedClock(start)
        service = GameService(store, clock)
        await set_up_like_autoplay(service, game_id, sc, seed)
        final = await play_to_end(service, game_id, clock)
        assert final == await stored_state(store, game_id)
        return final


@pytest.mark.parametrize("after_commit", [False, True], ids=["before-commit", "after-commit"])
@pytest.mark.parametrize("at_append", [2, 9, 23, 40, 61])
async def test_a_driver_killed_anywhere_resumes_to_the_same_game(
    tmp_path: Path, at_append: int, after_commit: bool
) -> None:
    sc, seed = scenario(), 11
    game_id = f"autoplay-{sc.id}-{seed}"
    _, expected = play_out(sc, seed, T0)
    path = tmp_path / "game.sqlite"
    store = CrashingStore(path, at_append=at_append, after_commit=after_commit)
    await _play_until_crash(path, game_id, sc, seed, store)
    assert await _resume(path, game_id, sc, seed) == expected


SUBPROCESS_PLAYER = textwrap.dedent(
    """
    import asyncio, sys
    from bot.clock import SimulatedClock
    from bot.driver import play_to_end
    from bot.service import GameService
    from bot.sqlite_store import SqliteStore
    from tests.bot.test_service_reliability import set_up_like_autoplay
    from tests.game.factories import T0, scenario

    async def main(path):
        sc = scenario()
        async with SqliteStore(path) as store:
            clock = SimulatedClock(T0)
            service = GameService(store, clock)
            await set_up_like_autoplay(service, "autoplay-test-scenario-11", sc, 11)
            print("ready", flush=True)
            await play_to_end(service, "autoplay-test-scenario-11", clock)

    asyncio.run(main(sys.argv[1]))
    """
)


def _events_in(path: Path) -> int:
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5) as db:
            return db.execute("SELECT COUNT(*) FROM events").fetchone()[0]
    except sqlite3.OperationalError:
        return 0


async def test_a_driver_process_killed_with_sigkill_resumes_to_the_same_game(
    tmp_path: Path,
) -> None:
    sc, seed = scenario(), 11
    game_id = f"autoplay-{sc.id}-{seed}"
    _, expected = play_out(sc, seed, T0)
    path = tmp_path / "game.sqlite"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    player = subprocess.Popen(
        [sys.executable, "-c", SUBPROCESS_PLAYER, str(path)],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while _events_in(path) < 30 and player.poll() is None:
            assert time.monotonic() < deadline, "the player never got going"
            await asyncio.sleep(0.005)
    finally:
        player.send_signal(signal.SIGKILL)
        player.wait()
    killed_at = _events_in(path)
    assert player.returncode == -signal.SIGKILL
    assert 0 < killed_at < expected.seq, "the kill did not land mid-game"
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    final = await _resume(path, game_id, sc, seed)
    assert final == expected, f"killed at {killed_at} events"

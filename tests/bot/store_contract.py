"""The store contract: what every `bot.store.Store` backend must do.

Collected through `tests/bot/test_store_contract.py`. Each test runs once per
selected backend; `DETENTE_STORE_BACKENDS` (comma-separated, default
"memory,sqlite") selects them. A new backend (PostgreSQL) joins by calling
`register_backend(name, factory)` where `factory(tmp_path)` is an async
context manager yielding a fresh, opened, empty store and cleaning up after.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from bot.memory_store import MemoryStore
from bot.sqlite_store import SqliteStore
from bot.store import (
    Append,
    DuplicateCommand,
    GameSummary,
    SequenceConflict,
    Snapshot,
    Store,
    StoreError,
)

StoreFactory = Callable[[Path], AbstractAsyncContextManager[Store]]

BACKENDS: dict[str, StoreFactory] = {}


def register_backend(name: str, factory: StoreFactory) -> None:
    BACKENDS[name] = factory


def selected_backends() -> list[str]:
    names = [
        name.strip()
        for name in os.environ.get("DETENTE_STORE_BACKENDS", "memory,sqlite").split(",")
        if name.strip()
    ]
    unknown = [name for name in names if name not in BACKENDS]
    if unknown:
        raise pytest.UsageError(
            f"DETENTE_STORE_BACKENDS names unknown store backends {unknown}; "
            f"known: {sorted(BACKENDS)}"
        )
    return names


@asynccontextmanager
async def _memory(tmp_path: Path) -> AsyncIterator[Store]:
    async with MemoryStore() as store:
        yield store


@asynccontextmanager
async def _sqlite(tmp_path: Path) -> AsyncIterator[Store]:
    async with SqliteStore(tmp_path / "contract.sqlite") as store:
        yield store


register_backend("memory", _memory)
register_backend("sqlite", _sqlite)


@pytest.fixture(params=selected_backends())
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    async with BACKENDS[request.param](tmp_path) as opened:
        yield opened


# -- helpers ---------------------------------------------------------------

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


def summary(game_id: str, *, deadline: datetime | None = None, round: int = 1) -> GameSummary:
    return GameSummary(
        game_id=game_id,
        scenario="baltic-cable",
        status="running",
        round=round,
        players=["Ada", "Grace"],
        updated_at=T0,
        next_deadline=deadline,
    )


def command(
    game_id: str,
    expected_seq: int,
    command_id: str,
    *,
    events: int = 2,
    notices: int = 0,
    with_summary: bool = False,
    deadline: datetime | None = None,
) -> Append:
    return Append(
        game_id=game_id,
        expected_seq=expected_seq,
        command_id=command_id,
        events=[(f"Tested{n}", f'{{"command": "{command_id}", "n": {n}}}') for n in range(events)],
        reply=f'{{"ok": "{command_id}"}}',
        notices=[f'{{"notice": "{command_id}/{n}"}}' for n in range(notices)],
        summary=summary(game_id, deadline=deadline) if with_summary or deadline else None,
    )


async def settle(*calls: object) -> list[object]:
    """Run the appends concurrently; return each one's result or exception."""
    return await asyncio.gather(*calls, return_exceptions=True)  # type: ignore[arg-type]


# -- the event log ---------------------------------------------------------


class TestEventLog:
    async def test_appended_events_read_back_in_order(self, store: Store) -> None:
        batch = command("g1", 0, "c1", events=3)
        assert await store.append(batch) == 3
        events = await store.events("g1")
        assert [(e.game_id, e.seq, e.type, e.payload) for e in events] == [
            ("g1", seq, event_type, payload)
            for seq, (event_type, payload) in enumerate(batch.events, start=1)
        ]

    async def test_sequence_continues_across_commands(self, store: Store) -> None:
        assert await store.append(command("g1", 0, "c1", events=2)) == 2
        assert await store.append(command("g1", 2, "c2", events=3)) == 5
        assert await store.last_seq("g1") == 5
        assert [e.seq for e in await store.events("g1")] == [1, 2, 3, 4, 5]

    async def test_unknown_game_is_empty(self, store: Store) -> None:
        assert await store.last_seq("nowhere") == 0
        assert await store.events("nowhere") == []
        assert await store.latest_snapshot("nowhere") is None
        assert await store.game("nowhere") is None

    async def test_events_after_returns_the_tail(self, store: Store) -> None:
        await store.append(command("g1", 0, "c1", events=4))
        await store.append(command("g1", 4, "c2", events=2))
        assert [e.seq for e in await store.events("g1", after=3)] == [4, 5, 6]
        assert await store.events("g1", after=6) == []
        assert [e.seq for e in await store.events("g1", after=0)] == [1, 2, 3, 4, 5, 6]

    async def test_games_have_separate_sequences(self, store: Store) -> None:
        await store.append(command("g1", 0, "c1", events=3))
        assert await store.append(command("g2", 0, "c2", events=1)) == 1
        assert [e.game_id for e in await store.events("g2")] == ["g2"]

    async def test_command_without_events_is_recorded(self, store: Store) -> None:
        await store.append(command("g1", 0, "c1", events=2))
        assert await store.append(command("g1", 2, "quiet", events=0)) == 2
        record = await store.command("quiet")
        assert record is not None and record.last_seq == 2
        assert await store.last_seq("g1") == 2


# -- optimistic concurrency and idempotency --------------------------------


class TestConcurrency:
    async def test_stale_expected_seq_is_a_conflict(self, store: Store) -> None:
        await store.append(command("g1", 0, "c1"))
        with pytest.raises(SequenceConflict):
            await store.append(command("g1", 0, "c2", notices=1, with_summary=True))
        assert await store.last_seq("g1") == 2
        assert await store.command("c2") is None
        assert await store.undelivered() == []
        assert await store.game("g1") is None

    async def test_expected_seq_ahead_of_the_log_is_a_conflict(self, store: Store) -> None:
        await store.append(command("g1", 0, "c1"))
        with pytest.raises(SequenceConflict):
            await store.append(command("g1", 5, "c2"))
        assert [e.seq for e in await store.events("g1")] == [1, 2]

    async def test_replayed_command_is_a_duplicate_with_its_reply(self, store: Store) -> None:
        first = command("g1", 0, "click-1", events=2)
        await store.append(first)
        # A platform retry: same id, and by now the caller's view is stale too.
        with pytest.raises(DuplicateCommand):
            await store.append(command("g1", 2, "click-1", events=2))
        with pytest.raises(DuplicateCommand):
            await store.append(command("g1", 0, "click-1", events=2))
        record = await store.command("click-1")
        assert record is not None
        assert (record.game_id, record.reply, record.last_seq) == ("g1", first.reply, 2)
        assert await store.last_seq("g1") == 2

    async def test_unknown_command_has_no_record(self, store: Store) -> None:
        assert await store.command("never-seen") is None

    async def test_twenty_racing_appends_one_wins(self, store: Store) -> None:
        await store.append(command("g1", 0, "setup", events=1))
        results = await settle(
            *(store.append(command("g1", 1, f"accept-{n}", events=2)) for n in range(20))
        )
        winners = [n for n, result in enumerate(results) if result == 3]
        assert len(winners) == 1
        assert all(
            isinstance(result, SequenceConflict)
            for n, result in enumerate(results)
            if n not in winners
        )
        events = await store.events("g1")
        assert [e.seq for e in events] == [1, 2, 3]
        assert {json.loads(e.payload)["command"] for e in events[1:]} == {f"accept-{winners[0]}"}
        recorded = [n for n in range(20) if await store.command(f"accept-{n}") is not None]
        assert recorded == winners

    async def test_double_click_applies_once(self, store: Store) -> None:
        results = await settle(*(store.append(command("g1", 0, "click")) for _ in range(5)))
        assert results.count(2) == 1
        assert sum(isinstance(r, DuplicateCommand) for r in results) == 4
        assert await store.last_seq("g1") == 2

    async def test_fifty_games_append_concurrently(self, store: Store) -> None:
        results = await settle(
            *(
                store.append(command(f"g{n}", 0, f"c{n}", events=3, notices=1, with_summary=True))
                for n in range(50)
            )
        )
        assert results == [3] * 50
        for n in range(50):
            assert [e.seq for e in await store.events(f"g{n}")] == [1, 2, 3]
            assert await store.command(f"c{n}") is not None
        assert len(await store.games()) == 50
        assert len(await store.undelivered(limit=100)) == 50

    async def test_refused_appends_do_not_fail_their_neighbours(self, store: Store) -> None:
        await store.append(command("busy", 0, "first"))
        await store.append(command("other", 0, "taken"))
        results = await settle(
            store.append(command("a", 0, "a1")),
            store.append(command("busy", 0, "stale")),  # conflict
            store.append(command("b", 0, "b1", notices=2)),
            store.append(command("other", 2, "taken")),  # duplicate
            store.append(command("c", 0, "c1", with_summary=True)),
        )
        assert results[0] == 2 and results[2] == 2 and results[4] == 2
        assert isinstance(results[1], SequenceConflict)
        assert isinstance(results[3], DuplicateCommand)
        assert await store.last_seq("busy") == 2
        assert await store.last_seq("other") == 2
        assert len(await store.undelivered()) == 2
        assert [g.game_id for g in await store.games()] == ["c"]

    async def test_summary_for_another_game_is_refused(self, store: Store) -> None:
        batch = command("g1", 0, "c1").model_copy(update={"summary": summary("g2")})
        with pytest.raises(ValueError):
            await store.append(batch)
        assert await store.last_seq("g1") == 0


# -- snapshots -------------------------------------------------------------


class TestSnapshots:
    async def test_latest_snapshot_wins(self, store: Store) -> None:
        await store.append(command("g1", 0, "c1", events=5))
        await store.save_snapshot(Snapshot(game_id="g1", seq=2, payload='{"at": 2}'))
        await store.save_snapshot(Snapshot(game_id="g1", seq=4, payload='{"at": 4}'))
        await store.save_snapshot(Snapshot(game_id="g1", seq=3, payload='{"at": 3}'))  # late
        assert await store.latest_snapshot("g1") == Snapshot(
            game_id="g1", seq=4, payload='{"at": 4}'
        )

    async def test_snapshots_are_per_game(self, store: Store) -> None:
        await store.append(command("g1", 0, "c1", events=2))
        await store.append(command("g2", 0, "c2", events=2))
        await store.save_snapshot(Snapshot(game_id="g1", seq=2, payload="{}"))
        assert await store.latest_snapshot("g2") is None

    async def test_snapshot_beyond_the_log_is_refused(self, store: Store) -> None:
        await store.append(command("g1", 0, "c1", events=2))
        with pytest.raises(StoreError):
            await store.save_snapshot(Snapshot(game_id="g1", seq=3, payload="{}"))
        assert await store.latest_snapshot("g1") is None


# -- the outbox ------------------------------------------------------------


class TestOutbox:
    async def test_notices_wait_in_order_until_delivered(self, store: Store) -> None:
        await store.append(command("g1", 0, "c1", events=2, notices=2))
        await store.append(command("g2", 0, "c2", events=1, notices=1))
        waiting = await store.undelivered()
        assert [(item.game_id, item.seq, item.notice) for item in waiting] == [
            ("g1", 2, '{"notice": "c1/0"}'),
            ("g1", 2, '{"notice": "c1/1"}'),
            ("g2", 1, '{"notice": "c2/0"}'),
        ]
        assert len({item.id for item in waiting}) == 3
        assert [item.id for item in waiting] == sorted(item.id for item in waiting)
        assert all(item.created_at.tzinfo is not None for item in waiting)

        await store.mark_delivered([waiting[0].id, waiting[2].id])
        assert await store.undelivered() == [waiting[1]]
        await store.mark_delivered([waiting[1].id, waiting[1].id, 10_000])  # repeats, unknown
        assert await store.undelivered() == []

    async def test_undelivered_honours_the_limit(self, store: Store) -> None:
        await store.append(command("g1", 0, "c1", notices=5))
        first = await store.undelivered(limit=2)
        assert [item.notice for item in first] == ['{"notice": "c1/0"}', '{"notice": "c1/1"}']
        await store.mark_delivered([item.id for item in first])
        assert [item.notice for item in await store.undelivered(limit=2)] == [
            '{"notice": "c1/2"}',
            '{"notice": "c1/3"}',
        ]

    async def test_marking_nothing_is_harmless(self, store: Store) -> None:
        await store.mark_delivered([])
        assert await store.undelivered() == []


# -- summaries and deadlines -----------------------------------------------


class TestSummaries:
    async def test_summary_is_upserted_with_each_command(self, store: Store) -> None:
        await store.append(command("g1", 0, "c1", with_summary=True))
        assert await store.game("g1") == summary("g1")
        later = summary("g1", round=2, deadline=T0 + timedelta(minutes=10))
        await store.append(command("g1", 2, "c2").model_copy(update={"summary": later}))
        assert await store.game("g1") == later
        assert await store.games() == [later]

    async def test_command_without_summary_keeps_the_old_one(self, store: Store) -> None:
        await store.append(command("g1", 0, "c1", with_summary=True))
        await store.append(command("g1", 2, "c2"))
        assert await store.game("g1") == summary("g1")

    async def test_games_are_listed_by_id(self, store: Store) -> None:
        for game_id in ["b", "c", "a"]:
            await store.append(command(game_id, 0, f"c-{game_id}", with_summary=True))
        assert [g.game_id for g in await store.games()] == ["a", "b", "c"]

    async def test_deadlines_soonest_first_without_undated_games(self, store: Store) -> None:
        await store.append(command("late", 0, "c1", deadline=T0 + timedelta(hours=2)))
        await store.append(command("none", 0, "c2", with_summary=True))
        await store.append(command("soon", 0, "c3", deadline=T0 + timedelta(minutes=5)))
        assert await store.deadlines() == [
            ("soon", T0 + timedelta(minutes=5)),
            ("late", T0 + timedelta(hours=2)),
        ]

    async def test_a_cleared_deadline_leaves_the_list(self, store: Store) -> None:
        await store.append(command("g1", 0, "c1", deadline=T0))
        await store.append(command("g1", 2, "c2", with_summary=True))
        assert await store.deadlines() == []

    async def test_deadlines_compare_as_instants(self, store: Store) -> None:
        paris = datetime(2025, 3, 1, 11, 0, tzinfo=timezone(timedelta(hours=1)))
        await store.append(command("paris", 0, "c1", deadline=paris))
        await store.append(
            command("utc", 0, "c2", deadline=datetime(2025, 3, 1, 10, 30, tzinfo=UTC))
        )
        deadlines = await store.deadlines()
        assert [game_id for game_id, _ in deadlines] == ["paris", "utc"]  # 10:00Z first
        assert deadlines[0][1] == paris
        assert all(deadline.utcoffset() == timedelta(0) for _, deadline in deadlines)

"""What the SQLite store does beyond the contract: durability settings, group
commit, the constraint as the final guard, reopening, and closing."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.memory_store import MemoryStore
from bot.sqlite_store import SCHEMA_VERSION, SqliteStore
from bot.store import DuplicateCommand, SequenceConflict, Snapshot, Store, StoreError
from tests.bot.store_contract import T0, command, settle, summary


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "detente.sqlite"


async def test_database_uses_wal_and_full_sync(path: Path) -> None:
    async with SqliteStore(path) as store:
        # Asked of the connection that commits, on its thread.
        async def writer_pragma(name: str) -> object:
            return await store.on_writer(lambda db: db.execute(f"PRAGMA {name}").fetchone()[0])

        assert await writer_pragma("synchronous") == 2  # FULL
        assert await writer_pragma("busy_timeout") == 5000
        assert await writer_pragma("journal_mode") == "wal"
    with closing(sqlite3.connect(path)) as db:
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert db.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)


async def test_checkpoints_run_in_the_background_not_in_commits(path: Path) -> None:
    async with SqliteStore(path, checkpoint_delay=0.0, wal_autocheckpoint=4000) as store:
        # The writer checkpoints by itself only past the bound on the WAL.
        assert (
            await store.on_writer(lambda db: db.execute("PRAGMA wal_autocheckpoint").fetchone()[0])
            == 4000
        )
        await settle(*(store.append(command(f"g{n}", 0, f"c{n}", notices=1)) for n in range(20)))
        for _ in range(500):  # the background task prompted by those commits
            if store.checkpoints:
                break
            await asyncio.sleep(0.01)
        assert store.checkpoints >= 1
        # Nothing left to copy: a checkpoint now copies every frame there is.
        busy, frames, copied = await store.checkpoint() or (None, None, None)
        assert busy == 0 and copied == frames
        assert [e.seq for e in await store.events("g7")] == [1, 2]


async def test_the_wal_stays_bounded_without_background_checkpoints(path: Path) -> None:
    async with SqliteStore(path, checkpoint_delay=3600, wal_autocheckpoint=16) as store:
        for n in range(300):
            await store.append(command(f"g{n % 7}", await store.last_seq(f"g{n % 7}"), f"c{n}"))
        wal = path.with_name(path.name + "-wal")
        # Without the bound 300 commits of several pages each would need a
        # WAL of megabytes; with it the WAL is rewound to its start.
        assert wal.stat().st_size < 64 * 4096
        assert store.checkpoints == 0


async def test_on_writer_runs_between_transactions(path: Path) -> None:
    async with SqliteStore(path) as store:
        appended = asyncio.ensure_future(store.append(command("g1", 0, "c1")))
        await asyncio.sleep(0)  # let it queue
        seen = await store.on_writer(
            lambda db: (db.in_transaction, db.execute("SELECT COUNT(*) FROM events").fetchone()[0])
        )
        assert seen == (False, 2)  # the append queued first was committed first
        assert await appended == 2
        with pytest.raises(ZeroDivisionError):
            await store.on_writer(lambda db: 1 / 0)
        assert await store.append(command("g1", 2, "c2")) == 4  # the writer carries on


async def test_everything_survives_a_reopen(path: Path) -> None:
    async with SqliteStore(path) as store:
        await store.append(command("g1", 0, "c1", events=3, notices=2, with_summary=True))
        await store.save_snapshot(Snapshot(game_id="g1", seq=3, payload='{"state": 3}'))
        delivered = (await store.undelivered())[0].id
        await store.mark_delivered([delivered])
    async with SqliteStore(path) as store:
        assert [e.seq for e in await store.events("g1")] == [1, 2, 3]
        record = await store.command("c1")
        assert record is not None and record.last_seq == 3
        assert await store.latest_snapshot("g1") == Snapshot(
            game_id="g1", seq=3, payload='{"state": 3}'
        )
        assert [item.notice for item in await store.undelivered()] == ['{"notice": "c1/1"}']
        assert await store.game("g1") == summary("g1")
        # Numbering and outbox ids carry on where they were.
        assert await store.append(command("g1", 3, "c2", events=1, notices=1)) == 4
        assert (await store.undelivered())[-1].id > delivered


async def test_concurrent_appends_share_transactions(path: Path) -> None:
    async with SqliteStore(path) as store:
        results = await settle(*(store.append(command(f"g{n}", 0, f"c{n}")) for n in range(50)))
        assert results == [2] * 50
        assert store.writes_committed == 50
        assert store.commits < 50  # group commit: far fewer fsyncs than commands


async def test_a_lone_append_commits_without_waiting_for_company(path: Path) -> None:
    async with SqliteStore(path) as store:
        assert await store.append(command("g1", 0, "c1")) == 2
        assert store.commits == 1


class BlindStore(SqliteStore):
    """Skips the pre-checks, so only the database's constraints stand guard."""

    def _current_seqs(self, db: sqlite3.Connection, game_ids: set[str]) -> dict[str, int]:
        return {}

    def _recorded(self, db: sqlite3.Connection, command_ids: list[str]) -> set[str]:
        return set()


async def test_unique_constraints_are_the_final_guard(path: Path) -> None:
    async with BlindStore(path) as store:
        await store.append(command("busy", 0, "first"))
        await store.append(command("other", 0, "taken"))
        results = await settle(
            store.append(command("a", 0, "a1", notices=1)),
            store.append(command("busy", 0, "stale", notices=1)),  # (busy, 1) exists
            store.append(command("b", 0, "b1", with_summary=True)),
            store.append(command("fresh", 0, "taken")),  # command id exists
            store.append(command("c", 0, "c1")),
        )
        assert results[0] == results[2] == results[4] == 2
        assert isinstance(results[1], SequenceConflict)
        assert isinstance(results[3], DuplicateCommand)
        # The refused writes left nothing behind; their neighbours all landed.
        assert [json_command(e.payload) for e in await store.events("busy")] == ["first"] * 2
        assert await store.events("fresh") == []
        assert await store.command("stale") is None
        assert [item.game_id for item in await store.undelivered()] == ["a"]
        assert [g.game_id for g in await store.games()] == ["b"]


def json_command(payload: str) -> str:
    return json.loads(payload)["command"]


class FlakyDiskStore(SqliteStore):
    """Fails the next transaction after writing its rows, as a full disk would."""

    fail_next = False

    def _write_batch(self, db, writes, now):  # type: ignore[no-untyped-def]
        outcomes = super()._write_batch(db, writes, now)
        if self.fail_next:
            self.fail_next = False
            raise sqlite3.OperationalError("database or disk is full")
        return outcomes


async def test_a_failed_transaction_applies_nothing_and_fails_every_writer(path: Path) -> None:
    async with FlakyDiskStore(path) as store:
        store.fail_next = True
        results = await settle(
            store.append(command("g1", 0, "c1", notices=1)),
            store.append(command("g2", 0, "c2", with_summary=True)),
        )
        assert all(isinstance(r, sqlite3.OperationalError) for r in results)
        assert await store.last_seq("g1") == await store.last_seq("g2") == 0
        assert await store.command("c1") is None
        assert await store.undelivered() == [] and await store.games() == []
        # The writer carries on: a retry of the same commands succeeds.
        assert await store.append(command("g1", 0, "c1")) == 2


async def test_two_stores_on_one_file_still_refuse_conflicts(path: Path) -> None:
    async with SqliteStore(path) as first, SqliteStore(path) as second:
        results = await settle(
            *(
                (first if n % 2 else second).append(command("g1", 0, f"accept-{n}"))
                for n in range(10)
            )
        )
        assert results.count(2) == 1
        assert sum(isinstance(r, SequenceConflict) for r in results) == 9
        with pytest.raises(DuplicateCommand):
            await second.append(command("g1", 2, f"accept-{results.index(2)}"))
        assert await first.last_seq("g1") == 2


async def test_close_commits_what_was_already_queued(path: Path) -> None:
    store = SqliteStore(path)
    await store.open()
    appends = [asyncio.create_task(store.append(command(f"g{n}", 0, f"c{n}"))) for n in range(5)]
    await asyncio.sleep(0)  # let them queue
    await store.close()
    assert [await task for task in appends] == [2] * 5
    with pytest.raises(StoreError):
        await store.append(command("late", 0, "late"))
    async with SqliteStore(path) as reopened:
        assert [await reopened.last_seq(f"g{n}") for n in range(5)] == [2] * 5


async def test_a_store_that_is_not_open_refuses_work(path: Path) -> None:
    store = SqliteStore(path)
    with pytest.raises(StoreError):
        await store.append(command("g1", 0, "c1"))
    with pytest.raises(StoreError):
        await store.events("g1")


async def test_open_and_close_are_idempotent(path: Path) -> None:
    store = SqliteStore(path)
    await store.open()
    await store.open()
    assert await store.append(command("g1", 0, "c1")) == 2
    await store.close()
    await store.close()


# -- the SQLite store behaves as the in-memory model ---------------------------

operation = st.tuples(
    st.integers(0, 2),  # game
    st.sampled_from([0, 0, 0, -1, 1]),  # expected_seq off by
    st.integers(0, 7),  # command id
    st.integers(0, 3),  # events
    st.integers(0, 2),  # notices
    st.booleans(),  # concurrent with the previous operation
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(operations=st.lists(operation, min_size=1, max_size=12))
def test_sqlite_store_matches_the_memory_model(
    tmp_path_factory: pytest.TempPathFactory, operations: list[tuple[int, int, int, int, int, bool]]
) -> None:
    """Random interleavings of fresh, stale, early and replayed commands, some
    racing in one batch: both backends give the same outcomes and end in the
    same state."""
    path = tmp_path_factory.mktemp("model") / "model.sqlite"
    clock = lambda: T0  # noqa: E731 - same timestamps in both stores

    async def run(store: Store) -> tuple[list[object], list[object]]:
        groups: list[list[tuple[int, int, int, int, int, bool]]] = []
        for op in operations:
            if groups and op[5]:
                groups[-1].append(op)
            else:
                groups.append([op])
        outcomes: list[object] = []
        async with store:  # type: ignore[attr-defined]
            for group in groups:
                seqs = {game: await store.last_seq(f"g{game}") for game, *_ in group}
                results = await settle(
                    *(
                        store.append(
                            command(
                                f"g{game}",
                                max(seqs[game] + off, 0),
                                f"c{cid}",
                                events=events,
                                notices=notices,
                                with_summary=events > 1,
                            )
                        )
                        for game, off, cid, events, notices, _ in group
                    )
                )
                outcomes += [r if isinstance(r, int) else type(r).__name__ for r in results]
            state: list[object] = [
                [await store.events(f"g{game}") for game in range(3)],
                [await store.command(f"c{cid}") for cid in range(8)],
                await store.undelivered(limit=1000),
                await store.games(),
            ]
        return outcomes, state

    async def both() -> None:
        assert await run(SqliteStore(path, clock=clock)) == await run(MemoryStore(clock=clock))

    asyncio.run(both())

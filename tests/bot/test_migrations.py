"""Schema migrations: every earlier version reaches exactly the fresh schema,
data survives the way, a failed migration changes nothing, and a database
from a newer Détente is refused untouched."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import aiosqlite
import pytest

from bot.sqlite_store import MIGRATIONS, SCHEMA_VERSION, SqliteStore, migrate
from bot.store import SchemaTooNew
from tests.bot.store_contract import command


def schema(path: Path) -> list[tuple[str, str, str, str | None]]:
    with closing(sqlite3.connect(path)) as db:
        return db.execute(
            "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name"
        ).fetchall()


def user_version(path: Path) -> int:
    with closing(sqlite3.connect(path)) as db:
        return db.execute("PRAGMA user_version").fetchone()[0]


async def create_at_version(path: Path, version: int) -> None:
    async with aiosqlite.connect(path, isolation_level=None) as db:
        assert await migrate(db, target=version) == version


def test_at_least_two_migrations_ship() -> None:
    assert SCHEMA_VERSION == len(MIGRATIONS) >= 2


async def test_a_fresh_database_is_at_the_newest_version(tmp_path: Path) -> None:
    async with SqliteStore(tmp_path / "fresh.sqlite"):
        pass
    assert user_version(tmp_path / "fresh.sqlite") == SCHEMA_VERSION


@pytest.mark.parametrize("version", range(SCHEMA_VERSION))
async def test_every_earlier_version_migrates_to_the_fresh_schema(
    tmp_path: Path, version: int
) -> None:
    fresh, old = tmp_path / "fresh.sqlite", tmp_path / "old.sqlite"
    async with SqliteStore(fresh):
        pass
    await create_at_version(old, version)
    assert user_version(old) == version

    async with SqliteStore(old):
        pass

    assert user_version(old) == SCHEMA_VERSION
    assert schema(old) == schema(fresh)


async def test_rows_written_at_the_first_version_survive_migration(tmp_path: Path) -> None:
    path = tmp_path / "v1.sqlite"
    await create_at_version(path, 1)
    with closing(sqlite3.connect(path)) as db, db:
        db.execute(
            "INSERT INTO events VALUES ('g1', 1, 'Opened', '{}', '2025-03-01T09:00:00.000000+00:00')"
        )
        db.execute(
            "INSERT INTO commands VALUES ('c1', 'g1', '{}', 1, '2025-03-01T09:00:00.000000+00:00')"
        )
        db.execute(
            "INSERT INTO outbox (game_id, seq, notice, created_at)"
            " VALUES ('g1', 1, '{\"n\": 1}', '2025-03-01T09:00:00.000000+00:00')"
        )
    async with SqliteStore(path) as store:
        assert [e.type for e in await store.events("g1")] == ["Opened"]
        assert [item.notice for item in await store.undelivered()] == ['{"n": 1}']
        assert await store.append(command("g1", 1, "c2")) == 3


async def test_migrating_twice_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite"
    async with SqliteStore(path):
        pass
    before = schema(path)
    async with aiosqlite.connect(path, isolation_level=None) as db:
        assert await migrate(db) == SCHEMA_VERSION
    assert schema(path) == before


async def test_a_failing_migration_leaves_the_previous_version(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite"
    broken = (
        MIGRATIONS[0],
        ("CREATE TABLE half_done (x INTEGER)", "CREATE TABLE events (oops INTEGER)"),
    )
    async with aiosqlite.connect(path, isolation_level=None) as db:
        with pytest.raises(sqlite3.OperationalError):
            await migrate(db, migrations=broken)
        assert not db.in_transaction
    assert user_version(path) == 1
    assert "half_done" not in {name for _, name, _, _ in schema(path)}


async def test_a_newer_database_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "future.sqlite"
    with closing(sqlite3.connect(path)) as db, db:
        db.execute("CREATE TABLE from_the_future (x INTEGER)")
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    before = path.read_bytes()

    store = SqliteStore(path)
    with pytest.raises(SchemaTooNew) as refusal:
        await store.open()

    message = str(refusal.value)
    assert str(path) in message
    assert f"schema version {SCHEMA_VERSION + 1}" in message
    assert f"up to {SCHEMA_VERSION}" in message
    assert "newer Détente" in message
    assert path.read_bytes() == before
    assert not Path(f"{path}-wal").exists()

"""The SQLite store on aiosqlite: the embedded default behind `bot.store.Store`.

One database file in WAL mode with `synchronous=FULL`, so a commit is on disk
before the call that asked for it returns. Writes go through a single writer
task that commits whatever is queued in one transaction (group commit); reads
use a second connection and never wait for the writer. The schema evolves by
numbered, forward-only migrations (`MIGRATIONS`), each applied atomically
together with `PRAGMA user_version`.

Construct, open, use, close::

    store = SqliteStore("detente.sqlite")
    await store.open()          # creates or migrates the file
    ...
    await store.close()         # commits what is queued, then closes

or ``async with SqliteStore(path) as store: ...``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import TracebackType
from typing import Any

import aiosqlite

from bot.store import (
    Append,
    CommandRecord,
    DuplicateCommand,
    GameSummary,
    OutboxItem,
    SchemaTooNew,
    SequenceConflict,
    Snapshot,
    StoredEvent,
    StoreError,
    as_utc,
)

log = logging.getLogger(__name__)

# --------------------------------------------------------------------------
# Schema
#
# Migration k (counting from 1) takes a database from `user_version` k-1 to k.
# A shipped migration is never edited: change the schema by appending one.
# Every timestamp is ISO-8601 text in UTC with microseconds (fixed width, so
# text order is time order).
# --------------------------------------------------------------------------

MIGRATIONS: tuple[tuple[str, ...], ...] = (
    # 1: the base tables.
    (
        """
        CREATE TABLE events (
            game_id     TEXT    NOT NULL,
            seq         INTEGER NOT NULL CHECK (seq > 0),
            type        TEXT    NOT NULL,
            payload     TEXT    NOT NULL,
            recorded_at TEXT    NOT NULL,
            PRIMARY KEY (game_id, seq)
        )
        """,
        """
        CREATE TABLE snapshots (
            game_id  TEXT    PRIMARY KEY,
            seq      INTEGER NOT NULL,
            payload  TEXT    NOT NULL,
            saved_at TEXT    NOT NULL
        )
        """,
        """
        CREATE TABLE commands (
            command_id  TEXT    PRIMARY KEY,
            game_id     TEXT    NOT NULL,
            reply       TEXT    NOT NULL,
            last_seq    INTEGER NOT NULL,
            recorded_at TEXT    NOT NULL
        )
        """,
        """
        CREATE TABLE outbox (
            id           INTEGER PRIMARY KEY AUTOINCREMENT,
            game_id      TEXT    NOT NULL,
            seq          INTEGER NOT NULL,
            notice       TEXT    NOT NULL,
            created_at   TEXT    NOT NULL,
            delivered_at TEXT
        )
        """,
        """
        CREATE TABLE games (
            game_id       TEXT    PRIMARY KEY,
            scenario      TEXT    NOT NULL,
            status        TEXT    NOT NULL,
            round         INTEGER NOT NULL,
            players       TEXT    NOT NULL,  -- JSON list of display names
            updated_at    TEXT    NOT NULL,
            next_deadline TEXT
        )
        """,
    ),
    # 2: what the outbox poller and the scheduler look up on every pass.
    (
        "CREATE INDEX outbox_undelivered ON outbox (id) WHERE delivered_at IS NULL",
        "CREATE INDEX games_next_deadline ON games (next_deadline) WHERE next_deadline IS NOT NULL",
    ),
)

SCHEMA_VERSION = len(MIGRATIONS)


async def schema_version(db: aiosqlite.Connection) -> int:
    rows = list(await db.execute_fetchall("PRAGMA user_version"))
    return int(rows[0][0])


async def migrate(
    db: aiosqlite.Connection,
    *,
    target: int | None = None,
    migrations: Sequence[Sequence[str]] = MIGRATIONS,
    name: str = "the database",
) -> int:
    """Bring `db` (an autocommit connection) up to version `target` (default:
    the newest), one migration per transaction; return the version reached.

    Refuses with `SchemaTooNew` a database newer than `migrations` knows. A
    migration that fails leaves the database at the version before it.
    """
    known = len(migrations)
    target = known if target is None else target
    if not 0 <= target <= known:
        raise ValueError(f"no schema version {target}; versions go from 0 to {known}")
    version = await schema_version(db)
    while True:
        if version > known:
            raise SchemaTooNew(
                f"{name} is at schema version {version}, but this version of Détente "
                f"knows schema versions up to {known}. It was written by a newer "
                "Détente: upgrade Détente to open it. Nothing was changed."
            )
        if version >= target:
            return version
        await db.execute("BEGIN IMMEDIATE")
        try:
            # Read again under the write lock: another process may have
            # migrated while we waited for it.
            version = await schema_version(db)
            if version < target and version <= known:
                for statement in migrations[version]:
                    await db.execute(statement)
                version += 1
                await db.execute(f"PRAGMA user_version = {version}")
            await db.execute("COMMIT")
        except BaseException:
            await _rollback(db)
            raise
        log.info("%s migrated to schema version %d", name, version)


async def _rollback(db: aiosqlite.Connection) -> None:
    if db.in_transaction:
        try:
            await db.execute("ROLLBACK")
        except sqlite3.Error:
            log.exception("rollback failed")


def _instant(moment: datetime) -> str:
    return as_utc(moment).isoformat(timespec="microseconds")


def _utc_now() -> datetime:
    return datetime.now(UTC)


# --------------------------------------------------------------------------
# Group commit — theory of operation
#
# `append`, `save_snapshot` and `mark_delivered` do not touch the database
# themselves: each queues a `_Write` carrying a future and awaits it. One
# writer task takes everything queued (never waiting for more: at low load a
# batch is a single write), opens one `BEGIN IMMEDIATE` transaction, and
#
#   1. reads, in two queries, the current last sequence of every game in the
#      batch and which of the batch's command ids are already recorded;
#   2. checks each write in queue order against that view (`_check`), which
#      it updates as it goes, so two writes for one game in one batch behave
#      as if committed one after the other; a refused write gets its
#      `SequenceConflict` / `DuplicateCommand` and writes nothing;
#   3. inserts the rows of all accepted writes with one `executemany` per
#      table, inside a savepoint;
#   4. commits — one fsync for the whole batch — and only then resolves every
#      future, so no caller hears "done" before its rows are durable.
#
# Step 1 runs under the write lock, so nobody can change what it read before
# the commit. Should the inserts still hit a constraint (the unique
# (game_id, seq) key of `events` and the primary key of `commands` are the
# final guard), the writer rolls back to the savepoint and redoes the batch
# one write at a time, each in its own savepoint with its own reads: the
# offending write is refused and the others commit. If the transaction
# itself fails (disk full, I/O error), every write in it fails with that
# error and nothing of the batch is applied.
# --------------------------------------------------------------------------

_INSERT_COMMAND = (
    "INSERT INTO commands (command_id, game_id, reply, last_seq, recorded_at)"
    " VALUES (?, ?, ?, ?, ?)"
)
_INSERT_EVENT = (
    "INSERT INTO events (game_id, seq, type, payload, recorded_at) VALUES (?, ?, ?, ?, ?)"
)
_INSERT_NOTICE = "INSERT INTO outbox (game_id, seq, notice, created_at) VALUES (?, ?, ?, ?)"
_UPSERT_GAME = """
    INSERT INTO games (game_id, scenario, status, round, players, updated_at, next_deadline)
    VALUES (?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (game_id) DO UPDATE SET
        scenario = excluded.scenario,
        status = excluded.status,
        round = excluded.round,
        players = excluded.players,
        updated_at = excluded.updated_at,
        next_deadline = excluded.next_deadline
"""
_UPSERT_SNAPSHOT = """
    INSERT INTO snapshots (game_id, seq, payload, saved_at) VALUES (?, ?, ?, ?)
    ON CONFLICT (game_id) DO UPDATE SET
        seq = excluded.seq, payload = excluded.payload, saved_at = excluded.saved_at
    WHERE excluded.seq >= snapshots.seq
"""
_MARK_DELIVERED = "UPDATE outbox SET delivered_at = ? WHERE id = ? AND delivered_at IS NULL"

# In execution order: a command's record before its events, so a replayed
# command is reported as a duplicate rather than as a conflict.
_WRITE_ORDER = (
    ("commands", _INSERT_COMMAND),
    ("events", _INSERT_EVENT),
    ("outbox", _INSERT_NOTICE),
    ("games", _UPSERT_GAME),
    ("snapshots", _UPSERT_SNAPSHOT),
    ("delivered", _MARK_DELIVERED),
)


@dataclass
class _Rows:
    """The rows one or more writes insert, by statement."""

    commands: list[tuple[Any, ...]] = field(default_factory=list)
    events: list[tuple[Any, ...]] = field(default_factory=list)
    outbox: list[tuple[Any, ...]] = field(default_factory=list)
    games: list[tuple[Any, ...]] = field(default_factory=list)
    snapshots: list[tuple[Any, ...]] = field(default_factory=list)
    delivered: list[tuple[Any, ...]] = field(default_factory=list)

    def extend(self, other: _Rows) -> None:
        for name, _ in _WRITE_ORDER:
            getattr(self, name).extend(getattr(other, name))


@dataclass(eq=False)
class _AppendWrite:
    batch: Append
    future: asyncio.Future[Any]


@dataclass(eq=False)
class _SnapshotWrite:
    snapshot: Snapshot
    future: asyncio.Future[Any]


@dataclass(eq=False)
class _DeliveredWrite:
    ids: list[int]
    future: asyncio.Future[Any]


_Write = _AppendWrite | _SnapshotWrite | _DeliveredWrite
# What a write comes to: the new last sequence (appends), None (the others),
# or the StoreError refusing it.
_Outcome = int | None | StoreError

_CLOSE = object()


def _check(
    write: _Write, last_seqs: dict[str, int], recorded: set[str], now: str
) -> tuple[_Outcome, _Rows]:
    """Decide one write against the view of the database (`last_seqs`: each
    game's last sequence; `recorded`: command ids already recorded) and return
    its outcome and rows. Updates the view as if the write were applied."""
    rows = _Rows()
    match write:
        case _AppendWrite(batch=batch):
            current = last_seqs.get(batch.game_id, 0)
            if batch.command_id in recorded:
                return DuplicateCommand(f"command {batch.command_id!r} was already applied"), rows
            if batch.expected_seq != current:
                return SequenceConflict(
                    f"game {batch.game_id!r} is at sequence {current}, "
                    f"not {batch.expected_seq} as expected"
                ), rows
            last = batch.expected_seq + len(batch.events)
            rows.commands.append((batch.command_id, batch.game_id, batch.reply, last, now))
            rows.events.extend(
                (batch.game_id, batch.expected_seq + number, event_type, payload, now)
                for number, (event_type, payload) in enumerate(batch.events, start=1)
            )
            rows.outbox.extend((batch.game_id, last, notice, now) for notice in batch.notices)
            if (summary := batch.summary) is not None:
                rows.games.append(
                    (
                        summary.game_id,
                        summary.scenario,
                        summary.status,
                        summary.round,
                        json.dumps(summary.players),
                        _instant(summary.updated_at),
                        None if summary.next_deadline is None else _instant(summary.next_deadline),
                    )
                )
            last_seqs[batch.game_id] = last
            recorded.add(batch.command_id)
            return last, rows
        case _SnapshotWrite(snapshot=snapshot):
            current = last_seqs.get(snapshot.game_id, 0)
            if not 0 < snapshot.seq <= current:
                return StoreError(
                    f"snapshot of game {snapshot.game_id!r} at sequence {snapshot.seq}, "
                    f"but its log holds events 1..{current}"
                ), rows
            rows.snapshots.append((snapshot.game_id, snapshot.seq, snapshot.payload, now))
            return None, rows
        case _DeliveredWrite(ids=ids):
            rows.delivered.extend((now, outbox_id) for outbox_id in ids)
            return None, rows


def _refusal(error: sqlite3.IntegrityError) -> StoreError:
    """The domain error for a constraint the final guard caught."""
    message = str(error)
    if "commands.command_id" in message:
        return DuplicateCommand(f"command already applied ({message})")
    if "events.game_id" in message:
        return SequenceConflict(f"another writer took that sequence number ({message})")
    return StoreError(message)


def _settle(future: asyncio.Future[Any], outcome: _Outcome | BaseException) -> None:
    if future.done():  # the caller gave up (cancelled) meanwhile
        return
    if isinstance(outcome, BaseException):
        future.set_exception(outcome)
    else:
        future.set_result(outcome)


class SqliteStore:
    """`bot.store.Store` on one SQLite file. See the module docstring."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        busy_timeout_ms: int = 5000,
        max_batch: int = 500,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        self.path = os.fspath(path)
        self._busy_timeout_ms = busy_timeout_ms
        self._max_batch = max_batch
        self._clock = clock
        self._writer: aiosqlite.Connection | None = None
        self._reader: aiosqlite.Connection | None = None
        self._queue: asyncio.Queue[Any] = asyncio.Queue()
        self._writer_task: asyncio.Task[None] | None = None
        self._closing = False
        # Transactions committed and writes they carried (benchmarks, tests).
        self.commits = 0
        self.writes_committed = 0

    # -- lifecycle -----------------------------------------------------------

    async def open(self) -> None:
        """Create or migrate the database and start the writer. Raises
        `SchemaTooNew` for a database written by a newer Détente."""
        if self._writer is not None:
            return
        writer = await aiosqlite.connect(self.path, isolation_level=None)
        reader: aiosqlite.Connection | None = None
        try:
            await writer.execute(f"PRAGMA busy_timeout = {int(self._busy_timeout_ms)}")
            # Refuse a newer database before changing anything in it.
            await migrate(writer, target=0, name=self.path)
            rows = list(await writer.execute_fetchall("PRAGMA journal_mode = WAL"))
            if str(rows[0][0]).lower() != "wal":
                raise StoreError(
                    f"{self.path}: SQLite cannot use write-ahead logging here "
                    f"(journal mode is {rows[0][0]!r}); use a file on a local disk"
                )
            await writer.execute("PRAGMA synchronous = FULL")
            await migrate(writer, name=self.path)
            reader = await aiosqlite.connect(self.path, isolation_level=None)
            await reader.execute(f"PRAGMA busy_timeout = {int(self._busy_timeout_ms)}")
            await reader.execute("PRAGMA query_only = ON")
        except BaseException:
            await writer.close()
            if reader is not None:
                await reader.close()
            raise
        self._writer, self._reader = writer, reader
        self._closing = False
        self._queue = asyncio.Queue()
        self._writer_task = asyncio.create_task(self._write_loop(), name="detente-store-writer")

    async def close(self) -> None:
        """Commit every write queued so far, then close. Writes asked for after
        this call began are refused."""
        if self._writer is None:
            return
        self._closing = True
        if self._writer_task is not None:
            self._queue.put_nowait(_CLOSE)
            await self._writer_task
            self._writer_task = None
        writer, reader = self._writer, self._reader
        self._writer = self._reader = None
        if reader is not None:
            await reader.close()
        # Last to close, the writer checkpoints the WAL into the database file.
        await writer.close()

    async def __aenter__(self) -> SqliteStore:
        await self.open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    # -- writes --------------------------------------------------------------

    async def append(self, batch: Append) -> int:
        if batch.summary is not None and batch.summary.game_id != batch.game_id:
            raise ValueError(
                f"summary is for game {batch.summary.game_id!r}, append for {batch.game_id!r}"
            )
        result = await self._submit(_AppendWrite(batch, self._new_future()))
        assert isinstance(result, int)
        return result

    async def save_snapshot(self, snapshot: Snapshot) -> None:
        await self._submit(_SnapshotWrite(snapshot, self._new_future()))

    async def mark_delivered(self, ids: list[int]) -> None:
        if ids:
            await self._submit(_DeliveredWrite(list(ids), self._new_future()))

    def _new_future(self) -> asyncio.Future[Any]:
        return asyncio.get_running_loop().create_future()

    async def _submit(self, write: _Write) -> _Outcome:
        if self._writer is None or self._closing:
            raise StoreError("the store is not open")
        self._queue.put_nowait(write)
        # If the caller is cancelled here the write may or may not commit;
        # its command id makes a retry safe either way.
        return await write.future

    async def _write_loop(self) -> None:
        while True:
            item = await self._queue.get()
            if item is _CLOSE:
                return
            writes: list[_Write] = [item]
            closing = False
            while len(writes) < self._max_batch and not self._queue.empty():
                item = self._queue.get_nowait()
                if item is _CLOSE:
                    closing = True
                    break
                writes.append(item)
            writes = [write for write in writes if not write.future.done()]
            if writes:
                await self._commit(writes)
            if closing:
                return

    async def _commit(self, writes: list[_Write]) -> None:
        """One transaction for `writes`; settles every write's future."""
        db = self._writer
        assert db is not None
        now = _instant(self._clock())
        try:
            await db.execute("BEGIN IMMEDIATE")
            try:
                outcomes = await self._write_batch(db, writes, now)
                await db.execute("COMMIT")
            except BaseException:
                await _rollback(db)
                raise
        except BaseException as error:
            for write in writes:
                _settle(write.future, error)
            if not isinstance(error, Exception):
                raise  # cancelled: the store is going down
            log.error("store transaction of %d writes failed: %s", len(writes), error)
            return
        self.commits += 1
        self.writes_committed += len(writes)
        for write, outcome in zip(writes, outcomes, strict=True):
            _settle(write.future, outcome)

    async def _write_batch(
        self, db: aiosqlite.Connection, writes: list[_Write], now: str
    ) -> list[_Outcome]:
        """Steps 1-3 of the theory of operation, inside the open transaction."""
        last_seqs = await self._current_seqs(db, _games_of(writes))
        recorded = await self._recorded(db, _commands_of(writes))
        outcomes: list[_Outcome] = []
        rows = _Rows()
        for write in writes:
            outcome, write_rows = _check(write, last_seqs, recorded, now)
            outcomes.append(outcome)
            rows.extend(write_rows)
        await db.execute("SAVEPOINT batch")
        try:
            await _insert(db, rows)
        except sqlite3.IntegrityError as error:
            log.warning("batch hit a constraint (%s); retrying write by write", error)
            await db.execute("ROLLBACK TO batch")
            await db.execute("RELEASE batch")
            return [await self._write_one(db, write, now) for write in writes]
        await db.execute("RELEASE batch")
        return outcomes

    async def _write_one(self, db: aiosqlite.Connection, write: _Write, now: str) -> _Outcome:
        """One write in its own savepoint, with its own reads."""
        await db.execute("SAVEPOINT item")
        try:
            last_seqs = await self._current_seqs(db, _games_of([write]))
            recorded = await self._recorded(db, _commands_of([write]))
            outcome, rows = _check(write, last_seqs, recorded, now)
            await _insert(db, rows)
        except sqlite3.IntegrityError as error:
            await db.execute("ROLLBACK TO item")
            outcome = _refusal(error)
        await db.execute("RELEASE item")
        return outcome

    async def _current_seqs(self, db: aiosqlite.Connection, game_ids: set[str]) -> dict[str, int]:
        if not game_ids:
            return {}
        rows = await db.execute_fetchall(
            "SELECT value, (SELECT COALESCE(MAX(seq), 0) FROM events WHERE game_id = value)"
            " FROM json_each(?)",
            (json.dumps(sorted(game_ids)),),
        )
        return {game_id: seq for game_id, seq in rows}

    async def _recorded(self, db: aiosqlite.Connection, command_ids: list[str]) -> set[str]:
        if not command_ids:
            return set()
        rows = await db.execute_fetchall(
            "SELECT command_id FROM commands WHERE command_id IN (SELECT value FROM json_each(?))",
            (json.dumps(command_ids),),
        )
        return {command_id for (command_id,) in rows}

    # -- reads ---------------------------------------------------------------

    async def _read(self, sql: str, parameters: Sequence[Any] = ()) -> list[Any]:
        if self._reader is None:
            raise StoreError("the store is not open")
        return list(await self._reader.execute_fetchall(sql, parameters))

    async def command(self, command_id: str) -> CommandRecord | None:
        rows = await self._read(
            "SELECT command_id, game_id, reply, last_seq FROM commands WHERE command_id = ?",
            (command_id,),
        )
        if not rows:
            return None
        command_id, game_id, reply, last_seq = rows[0]
        return CommandRecord(command_id=command_id, game_id=game_id, reply=reply, last_seq=last_seq)

    async def last_seq(self, game_id: str) -> int:
        rows = await self._read(
            "SELECT COALESCE(MAX(seq), 0) FROM events WHERE game_id = ?", (game_id,)
        )
        return int(rows[0][0])

    async def events(self, game_id: str, after: int = 0) -> list[StoredEvent]:
        rows = await self._read(
            "SELECT seq, type, payload FROM events WHERE game_id = ? AND seq > ? ORDER BY seq",
            (game_id, after),
        )
        return [
            StoredEvent(game_id=game_id, seq=seq, type=event_type, payload=payload)
            for seq, event_type, payload in rows
        ]

    async def latest_snapshot(self, game_id: str) -> Snapshot | None:
        rows = await self._read("SELECT seq, payload FROM snapshots WHERE game_id = ?", (game_id,))
        if not rows:
            return None
        seq, payload = rows[0]
        return Snapshot(game_id=game_id, seq=seq, payload=payload)

    async def undelivered(self, limit: int = 100) -> list[OutboxItem]:
        rows = await self._read(
            "SELECT id, game_id, seq, notice, created_at FROM outbox"
            " WHERE delivered_at IS NULL ORDER BY id LIMIT ?",
            (max(limit, 0),),
        )
        return [
            OutboxItem(
                id=outbox_id,
                game_id=game_id,
                seq=seq,
                notice=notice,
                created_at=datetime.fromisoformat(created_at),
            )
            for outbox_id, game_id, seq, notice, created_at in rows
        ]

    async def games(self) -> list[GameSummary]:
        rows = await self._read(f"{_SELECT_GAME} ORDER BY game_id")
        return [_summary(row) for row in rows]

    async def game(self, game_id: str) -> GameSummary | None:
        rows = await self._read(f"{_SELECT_GAME} WHERE game_id = ?", (game_id,))
        return _summary(rows[0]) if rows else None

    async def deadlines(self) -> list[tuple[str, datetime]]:
        rows = await self._read(
            "SELECT game_id, next_deadline FROM games WHERE next_deadline IS NOT NULL"
            " ORDER BY next_deadline, game_id"
        )
        return [(game_id, datetime.fromisoformat(deadline)) for game_id, deadline in rows]


_SELECT_GAME = (
    "SELECT game_id, scenario, status, round, players, updated_at, next_deadline FROM games"
)


def _summary(row: Sequence[Any]) -> GameSummary:
    game_id, scenario, status, round_, players, updated_at, next_deadline = row
    return GameSummary(
        game_id=game_id,
        scenario=scenario,
        status=status,
        round=round_,
        players=json.loads(players),
        updated_at=datetime.fromisoformat(updated_at),
        next_deadline=None if next_deadline is None else datetime.fromisoformat(next_deadline),
    )


def _games_of(writes: Iterable[_Write]) -> set[str]:
    games: set[str] = set()
    for write in writes:
        if isinstance(write, _AppendWrite):
            games.add(write.batch.game_id)
        elif isinstance(write, _SnapshotWrite):
            games.add(write.snapshot.game_id)
    return games


def _commands_of(writes: Iterable[_Write]) -> list[str]:
    return [write.batch.command_id for write in writes if isinstance(write, _AppendWrite)]


async def _insert(db: aiosqlite.Connection, rows: _Rows) -> None:
    for name, statement in _WRITE_ORDER:
        values = getattr(rows, name)
        if len(values) == 1:
            await db.execute(statement, values[0])
        elif values:
            await db.executemany(statement, values)

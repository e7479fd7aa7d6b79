"""The SQLite store: the embedded default behind `bot.store.Store`.

One database file in WAL mode with `synchronous=FULL`, so a commit is on disk
before the call that asked for it returns. Writes go through a single writer
thread that commits whatever is queued in one transaction (group commit; see
"Group commit — theory of operation" below); reads use a second connection
on aiosqlite and never wait for the writer; a third (aiosqlite) connection
migrates the schema at open and then checkpoints the WAL in the background,
off the commit path. The schema evolves by
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
import contextlib
import json
import logging
import os
import queue
import sqlite3
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import aiosqlite

from bot.store import (
    Append,
    CommandRecord,
    DuplicateCommand,
    GameSummary,
    ManagedStore,
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


def _rollback_sync(db: sqlite3.Connection) -> None:
    if db.in_transaction:
        try:
            db.execute("ROLLBACK")
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
# themselves: each puts a `_Write` carrying a future in the writer's inbox (a
# thread-safe queue) and awaits the future. One writer thread owns the
# writing connection (the standard `sqlite3` module: see "Why a thread"
# below). It takes everything queued (never waiting for more: at low load a
# batch is a single write), opens one `BEGIN IMMEDIATE` transaction, and
#
#   1. reads, in two queries, the current last sequence of every game in the
#      batch and which of the batch's command ids are already recorded;
#   2. checks each write in queue order against that view (`_check`), which
#      it updates as it goes, so two writes for one game in one batch behave
#      as if committed one after the other; a refused write gets its
#      `SequenceConflict` / `DuplicateCommand` and writes nothing;
#   3. inserts the rows of all accepted writes with one `executemany` per
#      table;
#   4. commits — one fsync for the whole batch — and only then hands every
#      outcome to the event loop in one callback, which resolves the futures,
#      so no caller hears "done" before its rows are durable.
#
# Step 1 runs under the write lock, so nobody can change what it read before
# the commit. Should the inserts still hit a constraint (the unique
# (game_id, seq) key of `events` and the primary key of `commands` are the
# final guard), the writer rolls the transaction back and redoes the batch in
# a new one, one write at a time, each in its own savepoint with its own
# reads: the offending write is refused and the others commit. If the
# transaction itself fails (disk full, I/O error), every write in it fails
# with that error and nothing of the batch is applied.
#
# Why a thread: a whole transaction is one hand-over between the event loop
# and the database (queue in, one callback out). Through aiosqlite each
# statement is its own hop to its worker thread and back through the event
# loop, about nine per transaction, and every hop waits behind whatever else
# the loop has ready (other commands being decided); aiosqlite has no
# supported way to run a function of several statements on its thread. The
# writer also starts the next batch the moment a commit returns, without
# waiting for the event loop. Reads, migrations and checkpoints stay on
# aiosqlite connections.
#
# Checkpoints: the writer's connection does not checkpoint the WAL after its
# commits as SQLite does by default (that copies pages into the database
# file and fsyncs it inside whichever commit crossed the threshold, the
# latency spike of the store). A background task runs a PASSIVE checkpoint on
# its own connection a short while after writes, preferably while the writer
# is idle; PASSIVE never blocks the writer. Because a checkpoint racing
# fresh commits rarely leaves the WAL fully copied, and SQLite only rewinds
# the WAL to its start after a full copy, the writer keeps a high automatic
# checkpoint threshold (`wal_autocheckpoint`, default 4,000 pages, 16 MB)
# as the bound on the WAL: when crossed, the writer copies the few pages the
# background has not yet copied and the WAL starts over.
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


@dataclass(eq=False)
class _Call:
    """A function to run on the writer thread between transactions."""

    function: Callable[[sqlite3.Connection], Any]
    future: asyncio.Future[Any]


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


def _call_soon(loop: asyncio.AbstractEventLoop, callback: Callable[..., Any], *args: Any) -> None:
    """Schedule `callback` on the event loop from the writer thread."""
    with contextlib.suppress(RuntimeError):  # the loop is closed: nobody waits any more
        loop.call_soon_threadsafe(callback, *args)


def _settle(future: asyncio.Future[Any], outcome: Any) -> None:
    if future.done():  # the caller gave up (cancelled) meanwhile
        return
    if isinstance(outcome, BaseException):
        future.set_exception(outcome)
    else:
        future.set_result(outcome)


class SqliteStore(ManagedStore):
    """`bot.store.Store` on one SQLite file. See the module docstring.

    `max_batch` caps the writes of one transaction; `checkpoint_delay` is how
    long after a commit the background checkpoint it prompts runs (seconds);
    `wal_autocheckpoint` is the WAL size (pages) at which the writer
    checkpoints by itself, the bound on the WAL's growth.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        busy_timeout_ms: int = 5000,
        max_batch: int = 500,
        clock: Callable[[], datetime] = _utc_now,
        checkpoint_delay: float = 0.5,
        wal_autocheckpoint: int = 4000,
    ) -> None:
        self.path = os.fspath(path)
        self._busy_timeout_ms = busy_timeout_ms
        self._max_batch = max_batch
        self._clock = clock
        self._checkpoint_delay = checkpoint_delay
        self._wal_autocheckpoint = wal_autocheckpoint
        self._loop: asyncio.AbstractEventLoop | None = None
        self._inbox: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._stopped: asyncio.Future[None] | None = None
        self._writer_busy = False  # a transaction is in progress (read by the checkpointer)
        self._reader: aiosqlite.Connection | None = None
        self._checkpointer: aiosqlite.Connection | None = None
        self._checkpoint_task: asyncio.Task[None] | None = None
        self._wrote = asyncio.Event()
        self._closing = False
        # Transactions committed and writes they carried; background
        # checkpoints run (benchmarks, tests).
        self.commits = 0
        self.writes_committed = 0
        self.checkpoints = 0

    # -- lifecycle -----------------------------------------------------------

    async def open(self) -> None:
        """Create or migrate the database and start the writer. Raises
        `SchemaTooNew` for a database written by a newer Détente."""
        if self._thread is not None:
            return
        admin = await aiosqlite.connect(self.path, isolation_level=None)
        reader: aiosqlite.Connection | None = None
        try:
            await admin.execute(f"PRAGMA busy_timeout = {int(self._busy_timeout_ms)}")
            # Refuse a newer database before changing anything in it.
            await migrate(admin, target=0, name=self.path)
            rows = list(await admin.execute_fetchall("PRAGMA journal_mode = WAL"))
            if str(rows[0][0]).lower() != "wal":
                raise StoreError(
                    f"{self.path}: SQLite cannot use write-ahead logging here "
                    f"(journal mode is {rows[0][0]!r}); use a file on a local disk"
                )
            await admin.execute("PRAGMA synchronous = FULL")
            await migrate(admin, name=self.path)
            reader = await aiosqlite.connect(self.path, isolation_level=None)
            await reader.execute(f"PRAGMA busy_timeout = {int(self._busy_timeout_ms)}")
            await reader.execute("PRAGMA query_only = ON")
            await self._start_writer()
        except BaseException:
            await admin.close()
            if reader is not None:
                await reader.close()
            raise
        # The connection that migrated stays open to run the checkpoints.
        self._checkpointer, self._reader = admin, reader
        self._closing = False
        self._wrote = asyncio.Event()
        self._checkpoint_task = asyncio.create_task(
            self._checkpoint_loop(), name="detente-store-checkpoints"
        )

    async def _start_writer(self) -> None:
        loop = asyncio.get_running_loop()
        ready: asyncio.Future[None] = loop.create_future()
        self._loop = loop
        self._inbox = queue.SimpleQueue()
        self._stopped = loop.create_future()
        thread = threading.Thread(
            target=self._writer_main,
            args=(loop, ready, self._stopped),
            name=f"detente-store-writer:{os.path.basename(self.path)}",
            # Nothing it holds is owed to anyone: a write is acknowledged
            # only after its commit. A store never closed must not keep the
            # interpreter from exiting.
            daemon=True,
        )
        thread.start()
        try:
            await ready
        except BaseException:
            await self._stopped
            self._stopped = None
            raise
        self._thread = thread

    async def close(self) -> None:
        """Commit every write queued so far, then close. Writes asked for after
        this call began are refused."""
        if self._thread is None:
            return
        self._closing = True
        self._inbox.put(_CLOSE)
        assert self._stopped is not None
        await self._stopped
        self._thread = self._stopped = None
        if self._checkpoint_task is not None:
            self._checkpoint_task.cancel()
            await asyncio.gather(self._checkpoint_task, return_exceptions=True)
            self._checkpoint_task = None
        reader, checkpointer = self._reader, self._checkpointer
        self._reader = self._checkpointer = None
        if reader is not None:
            await reader.close()
        # Last to close, it checkpoints the WAL into the database file.
        if checkpointer is not None:
            await checkpointer.close()

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

    async def on_writer(self, function: Callable[[sqlite3.Connection], Any]) -> Any:
        """Run `function(connection)` on the writer thread between two
        transactions and return what it returns (tests, maintenance). It
        must leave no transaction open."""
        return await self._submit(_Call(function, self._new_future()))

    def _new_future(self) -> asyncio.Future[Any]:
        return asyncio.get_running_loop().create_future()

    async def _submit(self, write: _Write | _Call) -> Any:
        if self._thread is None or self._closing:
            raise StoreError("the store is not open")
        self._inbox.put(write)
        # If the caller is cancelled here the write may or may not commit;
        # its command id makes a retry safe either way.
        return await write.future

    # -- the writer thread ---------------------------------------------------

    def _connect_writer(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, isolation_level=None)
        try:
            db.execute(f"PRAGMA busy_timeout = {int(self._busy_timeout_ms)}")
            db.execute("PRAGMA synchronous = FULL")
            db.execute(f"PRAGMA wal_autocheckpoint = {int(self._wal_autocheckpoint)}")
        except BaseException:
            db.close()
            raise
        return db

    def _writer_main(
        self,
        loop: asyncio.AbstractEventLoop,
        ready: asyncio.Future[None],
        stopped: asyncio.Future[None],
    ) -> None:
        """The writer thread: commits batches until `_CLOSE` comes."""
        try:
            db = self._connect_writer()
        except BaseException as error:
            _call_soon(loop, _settle, ready, error)
            _call_soon(loop, _settle, stopped, None)
            return
        _call_soon(loop, _settle, ready, None)
        try:
            self._serve(db, loop)
        except BaseException as error:  # a bug: fail what is queued, do not hang it
            log.critical("the store writer stopped: %s", error, exc_info=True)
            self._closing = True
            self._fail_queued(loop, StoreError(f"the store writer stopped: {error}"))
        finally:
            try:
                db.close()
            finally:
                _call_soon(loop, _settle, stopped, None)

    def _serve(self, db: sqlite3.Connection, loop: asyncio.AbstractEventLoop) -> None:
        inbox = self._inbox
        batch: list[_Write] = []
        item = inbox.get()
        while True:
            if item is _CLOSE:
                self._commit(db, loop, batch)
                return
            if isinstance(item, _Call):
                self._commit(db, loop, batch)
                batch = []
                try:
                    outcome = item.function(db)
                except Exception as error:
                    outcome = error
                _call_soon(loop, _settle, item.future, outcome)
            else:
                batch.append(item)
                if len(batch) >= self._max_batch:
                    self._commit(db, loop, batch)
                    batch = []
            try:
                item = inbox.get_nowait()
            except queue.Empty:
                self._commit(db, loop, batch)
                batch = []
                item = inbox.get()

    def _fail_queued(self, loop: asyncio.AbstractEventLoop, error: StoreError) -> None:
        while True:
            try:
                item = self._inbox.get_nowait()
            except queue.Empty:
                return
            if item is not _CLOSE:
                _call_soon(loop, _settle, item.future, error)

    def _commit(
        self, db: sqlite3.Connection, loop: asyncio.AbstractEventLoop, writes: list[_Write]
    ) -> None:
        """One transaction for `writes`; hands every outcome to the loop."""
        # A caller that gave up (cancelled) before its turn is left out.
        writes = [write for write in writes if not write.future.done()]
        if not writes:
            return
        self._writer_busy = True
        try:
            now = _instant(self._clock())
            db.execute("BEGIN IMMEDIATE")
            try:
                outcomes = self._write_batch(db, writes, now)
                db.execute("COMMIT")
            except BaseException:
                _rollback_sync(db)
                raise
        except Exception as error:
            log.error("store transaction of %d writes failed: %s", len(writes), error)
            _call_soon(loop, self._settle_batch, writes, [error] * len(writes), False)
            return
        finally:
            self._writer_busy = False
        _call_soon(loop, self._settle_batch, writes, outcomes, True)

    def _settle_batch(
        self, writes: list[_Write], outcomes: Sequence[_Outcome | BaseException], committed: bool
    ) -> None:
        """On the event loop: resolve the futures of one transaction."""
        if committed:
            self.commits += 1
            self.writes_committed += len(writes)
            self._wrote.set()
        for write, outcome in zip(writes, outcomes, strict=True):
            _settle(write.future, outcome)

    def _write_batch(
        self, db: sqlite3.Connection, writes: list[_Write], now: str
    ) -> list[_Outcome]:
        """Steps 1-3 of the theory of operation, inside the open transaction."""
        last_seqs = self._current_seqs(db, _games_of(writes))
        recorded = self._recorded(db, _commands_of(writes))
        outcomes: list[_Outcome] = []
        rows = _Rows()
        for write in writes:
            outcome, write_rows = _check(write, last_seqs, recorded, now)
            outcomes.append(outcome)
            rows.extend(write_rows)
        try:
            _insert(db, rows)
        except sqlite3.IntegrityError as error:
            log.warning("batch hit a constraint (%s); retrying write by write", error)
            db.execute("ROLLBACK")
            db.execute("BEGIN IMMEDIATE")
            return [self._write_one(db, write, now) for write in writes]
        return outcomes

    def _write_one(self, db: sqlite3.Connection, write: _Write, now: str) -> _Outcome:
        """One write in its own savepoint, with its own reads."""
        db.execute("SAVEPOINT item")
        try:
            last_seqs = self._current_seqs(db, _games_of([write]))
            recorded = self._recorded(db, _commands_of([write]))
            outcome, rows = _check(write, last_seqs, recorded, now)
            _insert(db, rows)
        except sqlite3.IntegrityError as error:
            db.execute("ROLLBACK TO item")
            outcome = _refusal(error)
        db.execute("RELEASE item")
        return outcome

    def _current_seqs(self, db: sqlite3.Connection, game_ids: set[str]) -> dict[str, int]:
        if not game_ids:
            return {}
        rows = db.execute(
            "SELECT value, (SELECT COALESCE(MAX(seq), 0) FROM events WHERE game_id = value)"
            " FROM json_each(?)",
            (json.dumps(sorted(game_ids)),),
        ).fetchall()
        return {game_id: seq for game_id, seq in rows}

    def _recorded(self, db: sqlite3.Connection, command_ids: list[str]) -> set[str]:
        if not command_ids:
            return set()
        rows = db.execute(
            "SELECT command_id FROM commands WHERE command_id IN (SELECT value FROM json_each(?))",
            (json.dumps(command_ids),),
        ).fetchall()
        return {command_id for (command_id,) in rows}

    # -- checkpoints ---------------------------------------------------------

    async def _checkpoint_loop(self) -> None:
        """Copy the WAL into the database file in the background, a short
        while after writes, preferably while the writer is idle."""
        while True:
            await self._wrote.wait()
            await asyncio.sleep(self._checkpoint_delay)
            self._wrote.clear()
            for _ in range(50):
                if not self._writer_busy and self._inbox.empty():
                    break
                await asyncio.sleep(0.001)
            await self.checkpoint()

    async def checkpoint(self) -> tuple[int, int, int] | None:
        """One PASSIVE checkpoint on the checkpointing connection: SQLite's
        (busy, WAL frames, frames copied), or None if it failed (logged)."""
        if self._checkpointer is None:
            return None
        try:
            rows = list(await self._checkpointer.execute_fetchall("PRAGMA wal_checkpoint(PASSIVE)"))
        except (sqlite3.Error, ValueError) as error:  # ValueError: closed meanwhile
            log.warning("checkpoint failed: %s", error)
            return None
        self.checkpoints += 1
        busy, frames, copied = rows[0]
        return int(busy), int(frames), int(copied)

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


def _insert(db: sqlite3.Connection, rows: _Rows) -> None:
    for name, statement in _WRITE_ORDER:
        values = getattr(rows, name)
        if len(values) == 1:
            db.execute(statement, values[0])
        elif values:
            db.executemany(statement, values)

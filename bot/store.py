"""The store interface: everything the service persists, behind one protocol
that SQLite implements today (`bot/sqlite_store.py`) and PostgreSQL will
implement later against the same contract suite (`tests/bot/store_contract.py`).

Truth is the append-only, per-game numbered event log. Beside it: snapshots
(only to load faster), idempotency records (a command id seen once is never
applied again), the outbox (notices not yet delivered by a platform), each
game's next deadline (for the scheduler) and a summary row per game (for
listings). One `append` writes all of those for one command atomically.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol, Self

from pydantic import BaseModel, ConfigDict


class StoreModel(BaseModel):
    model_config = ConfigDict(frozen=True)


class StoredEvent(StoreModel):
    game_id: str
    seq: int  # 1, 2, 3 … per game, no gaps
    type: str
    payload: str  # the event as JSON (game.events.EVENT_ADAPTER)


class Snapshot(StoreModel):
    game_id: str
    seq: int  # the state after applying events 1..seq
    payload: str  # GameState as JSON


class CommandRecord(StoreModel):
    """What a command did, kept so a duplicate delivery gets the same reply."""

    command_id: str
    game_id: str
    reply: str  # JSON, opaque to the store
    last_seq: int  # the game's sequence after this command's events


class OutboxItem(StoreModel):
    id: int
    game_id: str
    seq: int  # the game sequence that produced it
    notice: str  # game.notice.Notice as JSON
    created_at: datetime


class GameSummary(StoreModel):
    game_id: str
    scenario: str
    status: str  # lobby | running | paused | ended …
    round: int
    players: list[str]  # display names
    updated_at: datetime
    next_deadline: datetime | None


class Append(StoreModel):
    """Everything one accepted command writes, atomically.

    `expected_seq` is the last sequence the writer saw; the store refuses the
    append with `SequenceConflict` if another writer got there first (the
    unique (game, seq) constraint is what guarantees it), and with
    `DuplicateCommand` if `command_id` is already recorded.
    """

    game_id: str
    expected_seq: int
    command_id: str
    events: list[tuple[str, str]]  # (type, JSON payload) in order
    reply: str
    notices: list[str] = []  # Notice JSON, queued in the outbox
    summary: GameSummary | None = None


class StoreError(Exception):
    pass


class SequenceConflict(StoreError):
    """Another writer appended to this game since `expected_seq`: reload, decide again."""


class DuplicateCommand(StoreError):
    """This command id was already applied: answer with its recorded reply."""


class SchemaTooNew(StoreError):
    """The database was written by a newer Détente than this one: refuse to
    touch it rather than guess at a schema we do not know."""


def as_utc(moment: datetime) -> datetime:
    """The instant as an aware UTC datetime; a naive one is taken to be UTC.
    Every backend stores and returns instants this way, so they sort and
    compare alike."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


class ManagedStore:
    """`async with SomeStore(...) as store:` opens and closes it; shared by
    the backends so each only writes `open` and `close`."""

    async def open(self) -> None:
        raise NotImplementedError

    async def close(self) -> None:
        raise NotImplementedError

    async def __aenter__(self) -> Self:
        await self.open()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()


class Store(Protocol):
    async def open(self) -> None: ...
    async def close(self) -> None: ...

    async def append(self, batch: Append) -> int:
        """Write one command's events, idempotency record, outbox notices and
        summary in one transaction; return the new last sequence. Concurrent
        calls for different games may share one transaction (group commit)."""
        ...

    async def command(self, command_id: str) -> CommandRecord | None: ...
    async def last_seq(self, game_id: str) -> int: ...
    async def events(self, game_id: str, after: int = 0) -> list[StoredEvent]: ...
    async def latest_snapshot(self, game_id: str) -> Snapshot | None: ...
    async def save_snapshot(self, snapshot: Snapshot) -> None: ...

    async def undelivered(self, limit: int = 100) -> list[OutboxItem]: ...
    async def mark_delivered(self, ids: list[int]) -> None: ...

    async def games(self) -> list[GameSummary]: ...
    async def game(self, game_id: str) -> GameSummary | None: ...
    async def deadlines(self) -> list[tuple[str, datetime]]:
        """Every game's next deadline (games with none are left out)."""
        ...

"""An in-memory `bot.store.Store`: for unit tests, and the second backend the
store contract suite runs against. Nothing survives the process.

Every method runs without awaiting anything in between its checks and its
writes, so on one event loop each call is atomic, as a transaction would be.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from bot.store import (
    Append,
    CommandRecord,
    DuplicateCommand,
    GameSummary,
    ManagedStore,
    OutboxItem,
    SequenceConflict,
    Snapshot,
    StoredEvent,
    StoreError,
    as_utc,
)


def _utc_now() -> datetime:
    return datetime.now(UTC)


class _Notice:
    __slots__ = ("item", "delivered_at")

    def __init__(self, item: OutboxItem) -> None:
        self.item = item
        self.delivered_at: datetime | None = None


class MemoryStore(ManagedStore):
    def __init__(self, *, clock: Callable[[], datetime] = _utc_now) -> None:
        self._clock = clock
        self._open = False
        self._events: dict[str, list[StoredEvent]] = {}
        self._commands: dict[str, CommandRecord] = {}
        self._snapshots: dict[str, Snapshot] = {}
        self._outbox: dict[int, _Notice] = {}
        self._next_outbox_id = 1
        self._games: dict[str, GameSummary] = {}

    async def open(self) -> None:
        self._open = True

    async def close(self) -> None:
        self._open = False

    def _require_open(self) -> None:
        if not self._open:
            raise StoreError("the store is not open")

    async def append(self, batch: Append) -> int:
        self._require_open()
        if batch.summary is not None and batch.summary.game_id != batch.game_id:
            raise ValueError(
                f"summary is for game {batch.summary.game_id!r}, append for {batch.game_id!r}"
            )
        log = self._events.get(batch.game_id, [])
        if batch.command_id in self._commands:
            raise DuplicateCommand(f"command {batch.command_id!r} was already applied")
        if batch.expected_seq != len(log):
            raise SequenceConflict(
                f"game {batch.game_id!r} is at sequence {len(log)}, "
                f"not {batch.expected_seq} as expected"
            )
        last = batch.expected_seq + len(batch.events)
        log = self._events.setdefault(batch.game_id, [])
        log.extend(
            StoredEvent(game_id=batch.game_id, seq=seq, type=event_type, payload=payload)
            for seq, (event_type, payload) in enumerate(batch.events, start=batch.expected_seq + 1)
        )
        self._commands[batch.command_id] = CommandRecord(
            command_id=batch.command_id, game_id=batch.game_id, reply=batch.reply, last_seq=last
        )
        now = as_utc(self._clock())
        for notice in batch.notices:
            item = OutboxItem(
                id=self._next_outbox_id,
                game_id=batch.game_id,
                seq=last,
                notice=notice,
                created_at=now,
            )
            self._outbox[item.id] = _Notice(item)
            self._next_outbox_id += 1
        if batch.summary is not None:
            self._games[batch.game_id] = _normalised(batch.summary)
        return last

    async def command(self, command_id: str) -> CommandRecord | None:
        self._require_open()
        return self._commands.get(command_id)

    async def last_seq(self, game_id: str) -> int:
        self._require_open()
        return len(self._events.get(game_id, []))

    async def events(self, game_id: str, after: int = 0) -> list[StoredEvent]:
        self._require_open()
        return self._events.get(game_id, [])[max(after, 0) :]

    async def latest_snapshot(self, game_id: str) -> Snapshot | None:
        self._require_open()
        return self._snapshots.get(game_id)

    async def save_snapshot(self, snapshot: Snapshot) -> None:
        self._require_open()
        current = len(self._events.get(snapshot.game_id, []))
        if not 0 < snapshot.seq <= current:
            raise StoreError(
                f"snapshot of game {snapshot.game_id!r} at sequence {snapshot.seq}, "
                f"but its log holds events 1..{current}"
            )
        kept = self._snapshots.get(snapshot.game_id)
        if kept is None or snapshot.seq >= kept.seq:
            self._snapshots[snapshot.game_id] = snapshot

    async def undelivered(self, limit: int = 100) -> list[OutboxItem]:
        self._require_open()
        waiting = (notice.item for notice in self._outbox.values() if notice.delivered_at is None)
        return [item for _, item in zip(range(max(limit, 0)), waiting, strict=False)]

    async def mark_delivered(self, ids: list[int]) -> None:
        self._require_open()
        now = as_utc(self._clock())
        for outbox_id in ids:
            notice = self._outbox.get(outbox_id)
            if notice is not None and notice.delivered_at is None:
                notice.delivered_at = now

    async def games(self) -> list[GameSummary]:
        self._require_open()
        return [self._games[game_id] for game_id in sorted(self._games)]

    async def game(self, game_id: str) -> GameSummary | None:
        self._require_open()
        return self._games.get(game_id)

    async def deadlines(self) -> list[tuple[str, datetime]]:
        self._require_open()
        due = [
            (summary.next_deadline, game_id)
            for game_id, summary in self._games.items()
            if summary.next_deadline is not None
        ]
        return [(game_id, deadline) for deadline, game_id in sorted(due)]


def _normalised(summary: GameSummary) -> GameSummary:
    """Instants as the SQLite backend returns them: aware, in UTC."""
    return summary.model_copy(
        update={
            "updated_at": as_utc(summary.updated_at),
            "next_deadline": None
            if summary.next_deadline is None
            else as_utc(summary.next_deadline),
            "players": list(summary.players),
        }
    )

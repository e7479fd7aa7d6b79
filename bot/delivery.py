"""Delivering notices: the outbox drained to the platforms.

Every notice an accepted command produces is written to the store's outbox
in the same transaction as its events, so nothing is lost between "the game
changed" and "the players were told". `OutboxDelivery` sends undelivered
items, oldest first, through a `Publisher` (one per platform adapter, or a
fan-out of several) to the recipients `bot.routing` resolves, and marks them
delivered. After a crash, whatever was not marked is sent on start: a notice
may then arrive twice (at-least-once), never zero times; adapters that care
use `Notice.key` to edit the earlier message in place.

A failed delivery is retried a few times and then dropped with a log line:
the game never stalls on a platform that refuses a message.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterable
from typing import TYPE_CHECKING, Protocol

from bot.routing import recipients
from bot.store import OutboxItem, Store
from game.base import PlayerRef
from game.notice import Notice

if TYPE_CHECKING:
    from game.state import GameState

log = logging.getLogger(__name__)


class Publisher(Protocol):
    """What a platform adapter implements to show notices.

    `recipients` are exactly the people allowed to read the notice (already
    filtered by audience); the adapter posts to the place that audience maps
    to (see PLATFORM-UX.md) and must not widen it. Return True once the
    platform accepted the message, False to have it retried later.
    """

    async def deliver(
        self, game_id: str, notice: Notice, recipients: frozenset[PlayerRef]
    ) -> bool: ...


class FanOut:
    """Several publishers as one (a game bound to Discord and Slack at once):
    delivered when every one of them accepted it."""

    def __init__(self, publishers: Iterable[Publisher]) -> None:
        self._publishers = list(publishers)

    async def deliver(self, game_id: str, notice: Notice, recipients: frozenset[PlayerRef]) -> bool:
        results = await asyncio.gather(
            *(p.deliver(game_id, notice, recipients) for p in self._publishers)
        )
        return all(results)


StateLoader = Callable[[str], Awaitable["GameState | None"]]


class OutboxDelivery:
    """Drains the outbox. `wake()` after an append (the service does it);
    `run()` as a task, or `deliver_pending()` to drain once (tests, demo)."""

    def __init__(
        self,
        store: Store,
        publisher: Publisher,
        load_state: StateLoader,
        *,
        batch: int = 200,
        max_attempts: int = 5,
        retry_seconds: float = 2.0,
    ) -> None:
        self._store = store
        self._publisher = publisher
        self._load_state = load_state
        self._batch = batch
        self._max_attempts = max_attempts
        self._retry_seconds = retry_seconds
        self._attempts: dict[int, int] = {}
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.delivered = 0
        self.dropped = 0

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self.run(), name="detente-outbox")

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def run(self) -> None:
        while True:
            self._wake.clear()
            try:
                progressed, failed = await self.deliver_pending()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("outbox delivery pass failed")
                progressed, failed = 0, 1
            if failed and not progressed:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self._retry_seconds)
            elif not progressed:
                await self._wake.wait()

    async def deliver_pending(self) -> tuple[int, int]:
        """Deliver everything undelivered now, trying each item at most once;
        return (settled, failed). Items of one game go out in sequence order:
        when one fails, the game's later items wait for the next pass."""
        done = failed = 0
        tried: set[int] = set()
        while True:
            items = [i for i in await self._store.undelivered(self._batch) if i.id not in tried]
            if not items:
                return done, failed
            tried.update(i.id for i in items)
            by_game: dict[str, list[OutboxItem]] = {}
            for item in items:
                by_game.setdefault(item.game_id, []).append(item)
            results = await asyncio.gather(
                *(self._deliver_game(game_id, group) for game_id, group in by_game.items())
            )
            settled: list[int] = []
            for ok_ids, failed_id in results:
                settled.extend(ok_ids)
                if failed_id is None:
                    continue
                failed += 1
                attempts = self._attempts[failed_id] = self._attempts.get(failed_id, 0) + 1
                if attempts >= self._max_attempts:
                    log.error(
                        "outbox item %s dropped after %s failed deliveries", failed_id, attempts
                    )
                    self.dropped += 1
                    settled.append(failed_id)
            if settled:
                await self._store.mark_delivered(settled)
                for item_id in settled:
                    self._attempts.pop(item_id, None)
            done += len(settled)

    async def _deliver_game(
        self, game_id: str, items: list[OutboxItem]
    ) -> tuple[list[int], int | None]:
        state = await self._load_state(game_id)
        ok_ids: list[int] = []
        for item in items:
            notice = Notice.model_validate_json(item.notice)
            to = recipients(state, notice.audience) if state is not None else frozenset()
            if not to:  # e.g. a computer-held delegation's briefing: nobody to tell
                ok_ids.append(item.id)
                continue
            try:
                delivered = await self._publisher.deliver(game_id, notice, to)
            except Exception:
                log.exception("publisher failed on outbox item %s", item.id)
                delivered = False
            if not delivered:
                return ok_ids, item.id
            ok_ids.append(item.id)
            self.delivered += 1
        return ok_ids, None

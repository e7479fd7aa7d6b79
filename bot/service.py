"""The game service: one command in, one reply out, exactly once.

`GameService.handle(command)` is the only way the game changes:

1. **dedup** — a command id already recorded gets its recorded reply back
   and changes nothing (double clicks, platform retries, restarts);
2. **load** — the game's state from the hot cache, or its latest snapshot
   plus the tail of its events replayed with `game.engine.apply`;
3. **decide** — `game.engine.decide(state, command, ctx)` with the time from
   the clock and a random generator seeded from the game and its sequence;
   a `RuleError` becomes a refusal with the player's message (nothing is
   written); an `InvariantBroken` freezes the game for the moderator;
4. **append** — events, the reply, the notices (queued in the outbox) and
   the game's summary with its next deadline in one store transaction,
   guarded by the expected sequence. Another writer got there first
   (`SequenceConflict`)? Drop the cached state, reload, decide again.
5. **publish** — wake the outbox delivery and tell the scheduler the
   game's next deadline.

A per-game `asyncio.Lock` keeps commands of one game from racing inside this
process; correctness across processes rests on the store's unique
(game, sequence) constraint, never on the lock.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import weakref
import zlib
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict

from bot.clock import Clock
from bot.delivery import OutboxDelivery, Publisher
from bot.heap import HeapSettler
from bot.routing import recipients
from bot.store import (
    Append,
    DuplicateCommand,
    GameSummary,
    SequenceConflict,
    Snapshot,
    Store,
)
from game.base import SYSTEM, Context, InvariantBroken, PlayerRef, RuleError
from game.commands import Command, CreateGame, Tick
from game.engine import EVENT_ADAPTER, apply, decide
from game.narrate import notices_for
from game.notice import Audience, Notice
from game.scenario import Scenario
from game.state import GameState

log = logging.getLogger(__name__)

FROZEN_MESSAGE = "This game is frozen; the moderator has been told."

# A summary row unchanged in content is still rewritten this often, so its
# `updated_at` tells roughly when the game last moved.
SUMMARY_REFRESH = timedelta(minutes=1)

DeadlineListener = Callable[[str, datetime | None], None]


class Reply(BaseModel):
    """What the issuing person is told. Recorded with the command, so a
    duplicate delivery gets this very reply back."""

    model_config = ConfigDict(frozen=True)

    ok: bool
    message: str
    events: int = 0  # how many events the command produced
    game_id: str
    seq: int  # the game's sequence after the command
    notices: list[Notice] = []  # for the issuing person only (errors, confirmations)


class ServiceBusy(Exception):
    """A game kept changing under us for every retry (many writers at once)."""


class GameService:
    def __init__(
        self,
        store: Store,
        clock: Clock,
        *,
        snapshot_every: int = 100,
        publisher: Publisher | None = None,
        cache_size: int = 20_000,
        max_retries: int = 8,
        settle_every: int = 1000,
    ) -> None:
        self.store = store
        self.clock = clock
        self.snapshot_every = snapshot_every
        self.cache_size = cache_size
        self.max_retries = max_retries
        self._cache: OrderedDict[str, GameState] = OrderedDict()
        self._heap = HeapSettler(settle_every)
        self._locks: dict[str, asyncio.Lock] = {}
        self._lock_users: dict[str, int] = {}
        self._frozen: dict[str, str] = {}
        self._deadline_listeners: list[DeadlineListener] = []
        self._background: set[asyncio.Task[None]] = set()
        # One Scenario object per distinct scenario, shared by every game
        # playing it (a scenario is most of a fresh game's memory).
        self._scenarios: weakref.WeakValueDictionary[str, Scenario] = weakref.WeakValueDictionary()
        self.conflicts = 0  # sequence conflicts met (another writer got there first)
        # What this process last wrote to each cached game's summary row.
        self._summaries: dict[str, tuple[tuple[object, ...], datetime]] = {}
        self.delivery = (
            OutboxDelivery(store, publisher, self.state) if publisher is not None else None
        )

    # --- life cycle -------------------------------------------------------------

    async def start(self) -> None:
        """Start delivering notices (the ones a crash left undelivered first)."""
        if self.delivery is not None:
            self.delivery.start()
            self.delivery.wake()

    async def close(self) -> None:
        if self.delivery is not None:
            await self.delivery.close()
        if self._background:
            await asyncio.gather(*self._background, return_exceptions=True)

    def add_deadline_listener(self, listener: DeadlineListener) -> None:
        self._deadline_listeners.append(listener)

    # --- commands -----------------------------------------------------------------

    async def handle(self, command: Command) -> Reply:
        game_id = command.game_id
        async with self._game_lock(game_id):
            for _ in range(self.max_retries):
                cached = game_id in self._cache
                state = await self._load(game_id)
                seq = state.seq if state is not None else 0
                if game_id in self._frozen:
                    return await self._recorded(command) or self._frozen_reply(command, state)
                try:
                    outcome = self._decide(state, command)
                except RuleError as refusal:
                    if recorded := await self._recorded(command):
                        return recorded
                    if cached and await self._stale(game_id, seq):
                        continue  # refused on an old view of the game: look again
                    return self._refusal(command, seq, refusal.message)
                except InvariantBroken as bug:
                    if recorded := await self._recorded(command):
                        return recorded
                    if cached and await self._stale(game_id, seq):
                        continue
                    await self._freeze(command, state, bug)
                    return self._frozen_reply(command, state)
                if outcome is None:  # nothing happened: nothing to write
                    if recorded := await self._recorded(command):
                        return recorded
                    if cached and await self._stale(game_id, seq):
                        continue
                    return Reply(
                        ok=True, message="Nothing to do right now.", game_id=game_id, seq=seq
                    )
                events, after, notices = outcome
                if state is None:  # a new game: share its scenario with its siblings
                    after = self._shared_scenario(after)
                deadline = after.next_deadline()
                summary = self._changed_summary(after, deadline)
                mine = [n for n in notices if _is_for(n, command.actor)]
                queued = [n for n in notices if not _is_for(n, command.actor)]
                reply = Reply(
                    ok=True,
                    message=_confirmation(after, command.actor, mine, queued),
                    events=len(events),
                    game_id=game_id,
                    seq=after.seq,
                    notices=mine,
                )
                try:
                    await self.store.append(
                        Append(
                            game_id=game_id,
                            expected_seq=seq,
                            command_id=command.command_id,
                            events=[(e.type, e.model_dump_json()) for e in events],
                            reply=reply.model_dump_json(),
                            notices=[n.model_dump_json() for n in queued],
                            summary=summary,
                        )
                    )
                except SequenceConflict:
                    # Another writer (another process) moved the game on:
                    # what we decided on is stale. Reload and decide again.
                    self._forget(game_id)
                    self.conflicts += 1
                    continue
                except DuplicateCommand:
                    recorded = await self._recorded(command)
                    assert recorded is not None, "the store refused a duplicate it has no record of"
                    return recorded
                self._remember(game_id, after)
                if summary is not None:
                    self._summaries[game_id] = (_shown(after, deadline), summary.updated_at)
                self._after_append(game_id, seq, after, deadline, bool(queued))
                return reply
        raise ServiceBusy(f"game {game_id} changed under every one of {self.max_retries} attempts")

    async def tick(self, game_id: str) -> Reply | None:
        """Wake a game whose deadline passed. The command id is derived from
        the game's sequence, so the same tick sent twice is applied once."""
        state = await self._load(game_id)
        if state is None:
            return None
        return await self.handle(
            Tick(command_id=f"tick:{game_id}:{state.seq}", game_id=game_id, actor=SYSTEM)
        )

    # --- reading ------------------------------------------------------------------

    async def state(self, game_id: str) -> GameState | None:
        """The game's current state as this process knows it (None: no such game)."""
        return await self._load(game_id)

    async def recorded(self, command_id: str) -> Reply | None:
        """The reply recorded for a command id that was applied, else None."""
        record = await self.store.command(command_id)
        return Reply.model_validate_json(record.reply) if record is not None else None

    def is_frozen(self, game_id: str) -> bool:
        return game_id in self._frozen

    # --- internals ----------------------------------------------------------------

    def _decide(
        self, state: GameState | None, command: Command
    ) -> tuple[list, GameState, list[Notice]] | None:
        seq = state.seq if state is not None else 0
        ctx = Context.for_game(self.clock.now(), _seed(state, command), seq)
        events = decide(state, command, ctx)
        if not events:
            return None
        after = state
        for event in events:
            after = apply(after, event)
        assert after is not None
        return events, after, notices_for(state, events, after)

    async def _load(self, game_id: str) -> GameState | None:
        state = self._cache.get(game_id)
        if state is not None:
            self._cache.move_to_end(game_id)
            return state
        snapshot = await self.store.latest_snapshot(game_id)
        state = GameState.model_validate_json(snapshot.payload) if snapshot else None
        for stored in await self.store.events(game_id, after=snapshot.seq if snapshot else 0):
            state = apply(state, EVENT_ADAPTER.validate_json(stored.payload))
        if state is None:
            return None
        state = self._shared_scenario(state)
        if game_id not in self._frozen:
            summary = await self.store.game(game_id)
            if summary is not None and summary.status == "frozen":
                self._frozen[game_id] = "frozen before this process started"
        self._remember(game_id, state)
        return state

    def _shared_scenario(self, state: GameState) -> GameState:
        key = hashlib.sha256(state.scenario.model_dump_json().encode()).hexdigest()
        shared = self._scenarios.get(key)
        if shared is None:
            self._scenarios[key] = state.scenario
            return state
        return state if shared is state.scenario else state.model_copy(update={"scenario": shared})

    def _remember(self, game_id: str, state: GameState) -> None:
        if game_id not in self._cache and self._heap.game_loaded(len(self._cache) + 1):
            # Between commands, not in one's path (bot/heap.py says why).
            asyncio.get_running_loop().call_soon(self._heap.settle)
        self._cache[game_id] = state
        self._cache.move_to_end(game_id)
        while len(self._cache) > self.cache_size:
            evicted, _ = self._cache.popitem(last=False)
            self._summaries.pop(evicted, None)

    def _forget(self, game_id: str) -> None:
        """Drop what this process believes about the game (another writer
        changed it)."""
        self._cache.pop(game_id, None)
        self._summaries.pop(game_id, None)

    def _after_append(
        self,
        game_id: str,
        before_seq: int,
        after: GameState,
        deadline: datetime | None,
        queued_notices: bool,
    ) -> None:
        if after.seq // self.snapshot_every > before_seq // self.snapshot_every:
            self._in_background(self._snapshot(game_id, after))
        if queued_notices and self.delivery is not None:
            self.delivery.wake()
        for listener in self._deadline_listeners:
            listener(game_id, deadline)
        if self._heap.command_applied():
            asyncio.get_running_loop().call_soon(self._heap.settle)

    async def _snapshot(self, game_id: str, state: GameState) -> None:
        await self.store.save_snapshot(
            Snapshot(game_id=game_id, seq=state.seq, payload=state.model_dump_json())
        )

    def _in_background(self, coro) -> None:
        task = asyncio.create_task(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    def _changed_summary(self, state: GameState, deadline: datetime | None) -> GameSummary | None:
        """The game's summary row, or None when what it shows has not changed
        since this process last wrote it (most commands: a statement, a vote)
        and it is not older than a minute: no upsert to build or write."""
        now = self.clock.now()
        shown = (
            state.status,
            state.round,
            tuple(seat.player.name for seat in state.seats),
            deadline,
        )
        last = self._summaries.get(state.game_id)
        if last is not None and last[0] == shown and now - last[1] < SUMMARY_REFRESH:
            return None
        self._summaries[state.game_id] = (shown, now)
        return self._summary(state, deadline)

    def _summary(self, state: GameState, deadline: datetime | None = None) -> GameSummary:
        return GameSummary(
            game_id=state.game_id,
            scenario=state.scenario.id,
            status=state.status,
            round=state.round,
            players=[seat.player.name for seat in state.seats],
            updated_at=self.clock.now(),
            next_deadline=deadline,
        )

    async def _stale(self, game_id: str, seq: int) -> bool:
        """Whether another writer moved the game past the cached `seq`; if so
        the cache entry is dropped. Only refusals need this check: an
        accepted command finds out through the store's sequence guard."""
        if await self.store.last_seq(game_id) == seq:
            return False
        self._forget(game_id)
        self.conflicts += 1
        return True

    async def _recorded(self, command: Command) -> Reply | None:
        """The reply recorded for this command, if it was applied before.

        The store is asked only when the command did not lead to a fresh
        append (refused, nothing to do, frozen game): an append of an
        applied command is refused atomically by the store itself
        (`DuplicateCommand`), so the common path costs no extra read."""
        return await self.recorded(command.command_id)

    def _refusal(self, command: Command, seq: int, message: str) -> Reply:
        notice = Notice(
            audience=Audience.to_person(command.actor.key),
            kind="error",
            title="Not possible",
            body=message,
        )
        return Reply(ok=False, message=message, game_id=command.game_id, seq=seq, notices=[notice])

    def _frozen_reply(self, command: Command, state: GameState | None) -> Reply:
        return self._refusal(command, state.seq if state else 0, FROZEN_MESSAGE)

    async def _freeze(
        self, command: Command, state: GameState | None, bug: InvariantBroken
    ) -> None:
        """Stop the game and tell the moderator. Recorded in the game summary
        (status "frozen") with a moderator notice, so it stays frozen after a
        restart; the events so far are untouched for the post-mortem."""
        reason = f"{type(bug).__name__}: {bug} (command {command.command_id})"
        log.error("game %s frozen: %s", command.game_id, reason)
        self._frozen[command.game_id] = reason
        if state is None:
            return
        notice = Notice(
            audience=Audience.moderator(),
            kind="error",
            title="Game frozen",
            body=(
                "The game reached a state its rules forbid and has been frozen so "
                f"nothing is lost. Details for the maintainers: {reason}"
            )[:4000],
        )
        summary = self._summary(state).model_copy(update={"status": "frozen"})
        try:
            await self.store.append(
                Append(
                    game_id=command.game_id,
                    expected_seq=state.seq,
                    command_id=f"freeze:{command.game_id}:{state.seq}",
                    events=[],
                    reply=self._frozen_reply(command, state).model_dump_json(),
                    notices=[notice.model_dump_json()],
                    summary=summary,
                )
            )
        except Exception:
            log.exception("could not record that game %s is frozen", command.game_id)
        for listener in self._deadline_listeners:
            listener(command.game_id, None)
        if self.delivery is not None:
            self.delivery.wake()

    @asynccontextmanager
    async def _game_lock(self, game_id: str) -> AsyncIterator[None]:
        # Locks are created on demand and dropped when nobody holds or waits
        # for them, so ten thousand idle games keep no locks alive.
        lock = self._locks.get(game_id)
        if lock is None:
            lock = self._locks[game_id] = asyncio.Lock()
        self._lock_users[game_id] = self._lock_users.get(game_id, 0) + 1
        try:
            async with lock:
                yield
        finally:
            users = self._lock_users[game_id] - 1
            if users:
                self._lock_users[game_id] = users
            else:
                del self._lock_users[game_id]
                del self._locks[game_id]


def _seed(state: GameState | None, command: Command) -> int:
    if state is not None:
        return state.seed
    if isinstance(command, CreateGame):
        return command.seed
    return zlib.crc32(command.game_id.encode())  # no game yet: decide will refuse anyway


def _shown(state: GameState, deadline: datetime | None) -> tuple[object, ...]:
    """What a game's summary row shows, besides its time stamp."""
    return (state.status, state.round, tuple(seat.player.name for seat in state.seats), deadline)


def _is_for(notice: Notice, actor: PlayerRef) -> bool:
    return notice.audience.kind == "person" and notice.audience.person == actor.key


def _confirmation(
    after: GameState, actor: PlayerRef, mine: list[Notice], others: list[Notice]
) -> str:
    """One line for the issuing person: their own notice, else the first
    notice they may read (so "Proposal P3 tabled", not a bare "Done")."""
    for notice in mine:
        return notice.title
    for notice in others:
        if actor in recipients(after, notice.audience):
            return notice.title
    return "Done."

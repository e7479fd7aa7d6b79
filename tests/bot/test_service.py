"""GameService.handle: dedup, load, decide, append, notices, routing, snapshots,
freezing. The in-memory store keeps these fast; durability and concurrency
against SQLite are in test_service_reliability.py."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

import game.engine
from bot.clock import SimulatedClock
from bot.memory_store import MemoryStore
from bot.routing import recipients
from bot.service import FROZEN_MESSAGE, GameService, Reply
from game.base import SYSTEM, InvariantBroken, PlayerRef
from game.commands import COMMAND_CLASS, CreateGame
from game.engine import EVENT_ADAPTER, replay
from game.notice import Audience, Notice
from game.state import GameState
from game.views import may_see
from tests.game.factories import ANA, BEN, CAT, DAN, MEL, MODERATOR, OLI, T0, scenario

GAME = "g1"


class Session:
    """A service on a memory store, with helpers to issue commands."""

    def __init__(self, store: MemoryStore, clock: SimulatedClock, **options: Any) -> None:
        self.store = store
        self.clock = clock
        self.service = GameService(store, clock, **options)
        self.count = 0

    def command(self, type_: str, actor: PlayerRef = MODERATOR, **fields: Any):
        self.count += 1
        return COMMAND_CLASS[type_](
            command_id=f"cmd-{self.count}", game_id=GAME, actor=actor, **fields
        )

    async def do(self, type_: str, actor: PlayerRef = MODERATOR, **fields: Any) -> Reply:
        return await self.service.handle(self.command(type_, actor, **fields))

    async def state(self) -> GameState:
        state = await self.service.state(GAME)
        assert state is not None
        return state

    async def create(self, seed: int = 7, **scenario_overrides: Any) -> Reply:
        return await self.service.handle(
            CreateGame(
                command_id="create",
                game_id=GAME,
                actor=MODERATOR,
                scenario=scenario(**scenario_overrides),
                seed=seed,
            )
        )

    async def started(self) -> None:
        """Round 1: Ana leads alba, Ben leads borea, Cat leads cyra."""
        assert (await self.create()).ok
        for player, state_id in ((ANA, "alba"), (BEN, "borea"), (CAT, "cyra")):
            assert (await self.do("join_game", player, state=state_id)).ok
        assert (await self.do("start_game")).ok


@pytest.fixture
async def store():
    async with MemoryStore() as s:
        yield s


@pytest.fixture
def clock() -> SimulatedClock:
    return SimulatedClock(T0)


@pytest.fixture
async def session(store: MemoryStore, clock: SimulatedClock) -> Session:
    return Session(store, clock)


async def stored_replay(store: MemoryStore, game_id: str = GAME) -> GameState:
    return replay(EVENT_ADAPTER.validate_json(e.payload) for e in await store.events(game_id))


# --- the happy path ---------------------------------------------------------------------


async def test_a_game_runs_through_the_service_and_the_log_replays_to_its_state(
    session: Session, store: MemoryStore
) -> None:
    await session.started()
    reply = await session.do("propose_cbm", ANA, cbm="hotline", parties=["borea"])
    assert reply.ok and reply.events >= 1
    state = await session.state()
    assert state.phase == "negotiation" and "P1" in state.proposals
    assert reply.seq == state.seq == await store.last_seq(GAME)
    assert await stored_replay(store) == state


async def test_the_reply_confirms_in_words_the_player_can_read(session: Session) -> None:
    await session.started()
    reply = await session.do("propose_cbm", ANA, cbm="hotline", parties=["borea"])
    assert reply.ok
    assert "P1" in reply.message or "hotline" in reply.message.lower()


async def test_the_summary_carries_status_round_players_and_next_deadline(
    session: Session, store: MemoryStore
) -> None:
    await session.started()
    summary = await store.game(GAME)
    state = await session.state()
    assert summary is not None
    assert (summary.scenario, summary.status, summary.round) == ("test-scenario", "negotiation", 1)
    assert sorted(summary.players) == ["Ana", "Ben", "Cat"]
    assert summary.next_deadline == state.next_deadline() is not None
    assert await store.deadlines() == [(GAME, state.next_deadline())]


async def test_deadline_listeners_hear_each_new_deadline(session: Session) -> None:
    heard: list[tuple[str, Any]] = []
    session.service.add_deadline_listener(lambda game_id, when: heard.append((game_id, when)))
    await session.started()
    assert heard[-1] == (GAME, (await session.state()).next_deadline())
    await session.do("end_game")
    assert heard[-1] == (GAME, None)


# --- dedup ------------------------------------------------------------------------------


async def test_the_same_command_twice_is_applied_once_with_the_same_reply(
    session: Session, store: MemoryStore
) -> None:
    await session.started()
    command = session.command("propose_cbm", ANA, cbm="hotline", parties=["borea"])
    first = await session.service.handle(command)
    seq = await store.last_seq(GAME)
    outbox = len(await store.undelivered(10_000))
    second = await session.service.handle(command)
    assert second == first
    assert await store.last_seq(GAME) == seq
    assert len(await store.undelivered(10_000)) == outbox
    assert list((await session.state()).proposals) == ["P1"]


async def test_a_duplicate_is_recognised_by_a_fresh_process(
    session: Session, store: MemoryStore, clock: SimulatedClock
) -> None:
    await session.started()
    command = session.command("make_statement", ANA, text="We come in peace.")
    first = await session.service.handle(command)
    seq = await store.last_seq(GAME)
    restarted = GameService(store, clock)  # an empty cache, as after a restart
    assert await restarted.handle(command) == first
    assert await store.last_seq(GAME) == seq


async def test_a_duplicate_that_would_now_be_refused_still_gets_its_recorded_reply(
    session: Session,
) -> None:
    await session.started()
    await session.do("propose_cbm", ANA, cbm="hotline", parties=["borea"])
    accept = session.command("accept_proposal", BEN, proposal="P1")
    first = await session.service.handle(accept)
    assert first.ok
    # Deciding it again would be refused ("already accepted"): the retry
    # must get the reply of the time it was applied.
    assert await session.service.handle(accept) == first


# --- refusals ---------------------------------------------------------------------------


async def test_a_broken_rule_is_a_private_refusal_and_writes_nothing(
    session: Session, store: MemoryStore
) -> None:
    await session.started()
    seq = await store.last_seq(GAME)
    outbox = len(await store.undelivered(10_000))
    reply = await session.do("start_game")  # already started
    assert not reply.ok
    assert reply.message
    assert [n.audience for n in reply.notices] == [Audience.to_person(MODERATOR.key)]
    assert reply.notices[0].kind == "error"
    assert await store.last_seq(GAME) == seq
    assert len(await store.undelivered(10_000)) == outbox
    assert await store.command(f"cmd-{session.count}") is None


async def test_a_command_for_a_game_that_does_not_exist_is_refused(session: Session) -> None:
    reply = await session.do("join_game", ANA, state="alba")
    assert not reply.ok and "game new" in reply.message


async def test_a_stale_proposal_version_is_refused_showing_the_current_one(
    session: Session, store: MemoryStore
) -> None:
    await session.started()
    await session.do("propose_agreement", ANA, parties=["borea"], clauses={"spare-energy": "full"})
    countered = await session.do(
        "counter_proposal", BEN, proposal="P1", version=1, clauses={"spare-energy": "partial"}
    )
    assert countered.ok
    seq = await store.last_seq(GAME)
    # Ana clicks "Accept" on the message of version 1.
    stale = await session.do("accept_proposal", ANA, proposal="P1", version=1)
    assert not stale.ok
    assert "version 2" in stale.message
    assert "partial" in stale.message.lower()
    assert await store.last_seq(GAME) == seq
    # The current version is accepted.
    assert (await session.do("accept_proposal", ANA, proposal="P1", version=2)).ok


# --- notices and routing ----------------------------------------------------------------


class RecordingPublisher:
    def __init__(self) -> None:
        self.sent: list[tuple[str, Notice, frozenset[PlayerRef]]] = []
        self.refuse = False

    async def deliver(self, game_id: str, notice: Notice, to: frozenset[PlayerRef]) -> bool:
        if self.refuse:
            return False
        self.sent.append((game_id, notice, to))
        return True


async def test_notices_go_through_the_outbox_and_are_marked_delivered(
    store: MemoryStore, clock: SimulatedClock
) -> None:
    publisher = RecordingPublisher()
    session = Session(store, clock, publisher=publisher)
    await session.started()
    assert await store.undelivered(10_000)
    assert session.service.delivery is not None
    done, failed = await session.service.delivery.deliver_pending()
    assert done > 0 and failed == 0
    assert await store.undelivered(10_000) == []
    titles = [notice.title for _, notice, _ in publisher.sent]
    assert any("Round 1" in t or "round 1" in t.lower() for t in titles), titles


async def test_undelivered_notices_left_by_a_crash_are_delivered_on_start(
    store: MemoryStore, clock: SimulatedClock
) -> None:
    session = Session(store, clock)  # no publisher: the process "died" before delivering
    await session.started()
    pending = len(await store.undelivered(10_000))
    assert pending
    publisher = RecordingPublisher()
    restarted = GameService(store, clock, publisher=publisher)
    await restarted.start()
    for _ in range(50):
        if not await store.undelivered(10_000):
            break
        await _idle()
    await restarted.close()
    assert await store.undelivered(10_000) == []
    assert len(publisher.sent) <= pending  # notices for nobody are settled unsent


async def test_a_refusing_platform_is_retried_then_given_up_without_stalling(
    store: MemoryStore, clock: SimulatedClock
) -> None:
    publisher = RecordingPublisher()
    session = Session(store, clock, publisher=publisher)
    await session.started()
    delivery = session.service.delivery
    assert delivery is not None
    publisher.refuse = True
    pending = len(await store.undelivered(10_000))
    passes = 0
    while await store.undelivered(10_000):
        await delivery.deliver_pending()
        passes += 1
        assert passes <= 5 * pending
    assert delivery.dropped > 0


async def test_a_delegation_notice_never_reaches_another_delegation(
    store: MemoryStore, clock: SimulatedClock
) -> None:
    publisher = RecordingPublisher()
    session = Session(store, clock, publisher=publisher)
    await session.create()
    # Two players in alba (Ana leads, Dan), one in borea and cyra, a mediator
    # and an observer.
    for player, state_id in ((ANA, "alba"), (DAN, "alba"), (BEN, "borea"), (CAT, "cyra")):
        assert (await session.do("join_game", player, state=state_id)).ok
    assert (await session.do("join_game", MEL, role="mediator")).ok
    assert (await session.do("join_game", OLI, role="observer")).ok
    assert (await session.do("start_game")).ok
    await session.do("open_backchannel", ANA, states=["borea"])
    await session.do("whisper", ANA, channel="B1", text="Between us: we want a hotline.")
    await session.do("investigate", CAT, incident="I1")
    clock.advance_to(clock.now() + timedelta(hours=2))
    await session.service.tick(GAME)
    assert session.service.delivery is not None
    await session.service.delivery.deliver_pending()

    state = await session.state()
    players_of = {
        sid: {seat.player for seat in state.players_of(sid)} for sid in ("alba", "borea", "cyra")
    }
    seen_kinds = set()
    for _, notice, to in publisher.sent:
        seen_kinds.add(notice.audience.kind)
        if notice.audience.kind == "delegation":
            own = players_of[notice.audience.state or ""]
            assert to == own, (notice.title, to)
            for other, people in players_of.items():
                if other != notice.audience.state:
                    assert not (to & people), f"{notice.title!r} leaked to {other}"
            assert MEL not in to and OLI not in to
        if notice.audience.kind == "backchannel":
            assert to == players_of["alba"] | players_of["borea"]
            assert CAT not in to and OLI not in to
    assert {"public", "delegation", "backchannel"} <= seen_kinds


async def test_routing_agrees_with_the_core_views_for_every_person(session: Session) -> None:
    await session.create()
    for player, state_id in ((ANA, "alba"), (DAN, "alba"), (BEN, "borea"), (CAT, "cyra")):
        await session.do("join_game", player, state=state_id)
    await session.do("join_game", MEL, role="mediator")
    await session.do("join_game", OLI, role="observer")
    await session.do("start_game")
    await session.do("open_backchannel", ANA, states=["borea"], with_mediator=True)
    await session.do("open_backchannel", BEN, states=["cyra"])
    state = await session.state()
    people = [MODERATOR, ANA, BEN, CAT, DAN, MEL, OLI]
    audiences = [
        Audience.public(),
        Audience.mediator(),
        Audience.moderator(),
        *(Audience.delegation(s) for s in state.state_ids),
        *(Audience.backchannel(c) for c in state.backchannels),
        *(Audience.to_person(p.key) for p in people),
    ]
    for audience in audiences:
        to = recipients(state, audience)
        for person in people:
            assert (person in to) == may_see(state, person.key, audience), (audience, person)


async def test_computer_delegations_and_the_clock_receive_nothing(session: Session) -> None:
    await session.create()
    await session.do("join_game", ANA, state="alba")
    await session.do("start_game")  # borea and cyra go to the computer
    state = await session.state()
    assert state.delegations["borea"].control == "computer"
    assert recipients(state, Audience.delegation("borea")) == frozenset()
    assert all(p.platform != "system" for p in recipients(state, Audience.public()))


# --- snapshots --------------------------------------------------------------------------


async def test_snapshot_plus_tail_loads_the_same_state_as_a_full_replay(
    store: MemoryStore, clock: SimulatedClock
) -> None:
    session = Session(store, clock, snapshot_every=7)
    await session.started()
    for n in range(30):
        await session.do("make_statement", [ANA, BEN, CAT][n % 3], text=f"Statement {n}.")
    await session.service.close()  # snapshots are written in the background
    snapshot = await store.latest_snapshot(GAME)
    assert snapshot is not None and 0 < snapshot.seq < await store.last_seq(GAME)
    fresh = GameService(store, clock)
    loaded = await fresh.state(GAME)
    assert loaded == await stored_replay(store) == await session.state()


# --- a broken invariant -------------------------------------------------------------------


async def test_a_broken_invariant_freezes_the_game_and_tells_the_moderator(
    session: Session, store: MemoryStore, clock: SimulatedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    await session.started()
    seq = await store.last_seq(GAME)

    def broken(state, command, ctx):
        raise InvariantBroken("tension went to 140")

    monkeypatch.setattr("bot.service.decide", broken)
    reply = await session.do("make_statement", ANA, text="Hello.")
    assert not reply.ok and reply.message == FROZEN_MESSAGE
    monkeypatch.setattr("bot.service.decide", game.engine.decide)
    # Still frozen, in this process and after a restart; nothing was applied.
    assert (await session.do("make_statement", ANA, text="Hello?")).message == FROZEN_MESSAGE
    restarted = GameService(store, clock)
    reply = await restarted.handle(session.command("make_statement", BEN, text="Hi."))
    assert reply.message == FROZEN_MESSAGE
    assert await store.last_seq(GAME) == seq
    summary = await store.game(GAME)
    assert summary is not None and summary.status == "frozen" and summary.next_deadline is None
    moderator_notices = [
        Notice.model_validate_json(item.notice)
        for item in await store.undelivered(10_000)
        if Notice.model_validate_json(item.notice).audience == Audience.moderator()
    ]
    assert any("frozen" in n.title.lower() for n in moderator_notices)


# --- conflicts between writers ------------------------------------------------------------


async def test_a_stale_cache_meets_a_conflict_reloads_and_decides_again(
    store: MemoryStore, clock: SimulatedClock
) -> None:
    first = Session(store, clock)
    await first.started()
    second = GameService(store, clock)  # another process on the same store
    await second.state(GAME)  # warm its cache
    assert (await first.do("propose_cbm", ANA, cbm="hotline", parties=["borea"])).ok
    reply = await second.handle(first.command("accept_proposal", BEN, proposal="P1"))
    assert reply.ok, reply.message
    assert second.conflicts == 1
    assert await stored_replay(store) == await second.state(GAME)


async def test_ticks_have_deterministic_ids(session: Session, store: MemoryStore) -> None:
    await session.started()
    state = await session.state()
    deadline = state.next_deadline()
    assert deadline is not None
    session.clock.advance_to(deadline)
    reply = await session.service.tick(GAME)
    assert reply is not None and reply.ok
    assert await store.command(f"tick:{GAME}:{state.seq}") is not None
    assert SYSTEM.platform == "system"


async def _idle() -> None:
    import asyncio

    await asyncio.sleep(0.01)

"""`detente play`: a game in this terminal, driven by what you type.

You hold one delegation's seat (`--as STATE`), or moderate (`--moderator`),
or host a lobby and `game join` a state yourself; computer delegations hold
every other seat. What you see is what your seat may see (bot.routing
decides, as on every platform): public notices, lines "to you", your
back-channels, and the moderator's notices only when you moderate.

Time is simulated: each command you send takes a minute of game time, and
`wait` jumps to the next deadline, so a game never runs away while you
read and stdin may be a pipe (tests). The game is saved after every
command; `quit` (or end of input) leaves it, and `detente play` with the
same database resumes your last unfinished game.
"""

from __future__ import annotations

import contextlib
import getpass
import os
import re
import signal
import sys
import textwrap
import uuid
from datetime import timedelta
from pathlib import Path

from adapters.console.help import help_text
from adapters.console.parser import CommandIntent, Known, LocalIntent, ParseError, parse
from adapters.console.render import neutralise_mentions, render_notice
from adapters.console.session import (
    Table,
    TerminalView,
    advance_to_next_deadline,
    open_table,
    run_computer_turns,
)
from bot.debrief import debrief_markdown, write_debrief
from bot.settings import Settings
from bot.sqlite_store import SqliteStore
from game.base import PlayerRef
from game.commands import CreateGame, FillSeats, JoinGame, LeaveGame, StartGame
from game.permissions import TABLE
from game.state import GameState

HOST = PlayerRef(platform="console", user_id="host", name="Host")
STEP = timedelta(minutes=1)


class PlayError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _err(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _player(name: str | None) -> PlayerRef:
    if not name:
        try:
            name = os.environ.get("USER") or getpass.getuser()
        except Exception:  # noqa: BLE001 - no user name: any name will do
            name = "you"
        name = name.capitalize()
    slug = re.sub(r"[^a-z0-9_-]+", "-", name.lower()).strip("-") or "you"
    return PlayerRef(platform="console", user_id=slug, name=name[:80])


def known_for(state: GameState) -> Known:
    cat = state.scenario.catalogs
    return Known(
        states={p.id: p.name for p in state.scenario.states},
        groups={g.id: g.name for g in state.scenario.groups},
        cbms=list(cat.cbms),
        norms=list(cat.norms),
        clauses={c.id: [o.id for o in c.options] for c in cat.clauses.values()},
        incidents=list(state.incidents),
        actors=list(cat.actors),
        responses=list(cat.responses),
        people={seat.player.name.lower(): seat.player for seat in state.seats},
    )


async def _choose_game(
    store: SqliteStore, game_id: str | None, new: bool, db: Path
) -> tuple[str, bool]:
    """(game id, whether it exists already)."""
    games = await store.games()
    if game_id is not None:
        if any(g.game_id == game_id for g in games):
            return game_id, True
        listing = ", ".join(g.game_id for g in games) or "none yet"
        raise PlayError(f"No game '{game_id}' in {db}. Games: {listing}.")
    played = [g for g in games if g.game_id.startswith("play-")]
    if not new:
        open_games = [g for g in played if g.status not in ("ended", "frozen")]
        if open_games:
            latest = max(open_games, key=lambda g: (g.updated_at, g.game_id))
            return latest.game_id, True
    numbers = [int(g.game_id.split("-")[1]) for g in played if g.game_id.split("-")[1].isdigit()]
    return f"play-{max(numbers, default=0) + 1}", False


def _read_line(prompt: str) -> str:
    """input() with Ctrl-C raising KeyboardInterrupt at once (asyncio.run
    would otherwise only cancel the game loop once the line is typed)."""
    previous = signal.getsignal(signal.SIGINT)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        return input(prompt)
    finally:
        signal.signal(signal.SIGINT, previous)


class PlaySession:
    def __init__(
        self, table: Table, game_id: str, me: PlayerRef, *, moderator: bool, db: Path
    ) -> None:
        self.table = table
        self.game_id = game_id
        self.me = me
        self.moderator = moderator
        self.db = db
        self.view = table.publisher.view
        self.out = self.view.out

    # --- output -------------------------------------------------------------------

    def say(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    async def state(self) -> GameState:
        state = await self.table.state(self.game_id)
        assert state is not None
        return state

    # --- set-up -------------------------------------------------------------------

    async def create(self, scenario, seed: int, as_state: str | None) -> None:  # noqa: ANN001
        g = self.game_id
        host = self.me if self.moderator else HOST
        await self.table.send(
            CreateGame(
                command_id=f"play:{g}:create",
                game_id=g,
                actor=host,
                scenario=scenario,
                seed=seed,
            )
        )
        if as_state is not None:
            reply = await self.table.send(
                JoinGame(command_id=f"play:{g}:join", game_id=g, actor=self.me, state=as_state)
            )
            if not reply.ok:
                raise PlayError(reply.message)
            await self.start()
        elif self.moderator:
            await self.table.send(FillSeats(command_id=f"play:{g}:fill", game_id=g, actor=host))
            await self.start()
        else:
            self.say(
                "You host this game. Take a seat with `game join STATE`, then `game start`: "
                "computer delegations take the empty seats."
            )

    async def start(self) -> None:
        g = self.game_id
        host = self.me if self.moderator else HOST
        reply = await self.table.send(
            StartGame(command_id=f"play:{g}:start", game_id=g, actor=host, rehearsal=self.moderator)
        )
        if not reply.ok:
            self.say(f"✗ {reply.message}")
        await self.settle()

    # --- the loop -----------------------------------------------------------------

    async def settle(self) -> None:
        """Let what is due fall due and the computers move."""
        state = await self.state()
        for _ in range(1000):
            deadline = state.next_deadline()
            if deadline is None or deadline > self.table.clock.now():
                break
            await self.table.service.tick(self.game_id)
            await self.table.flush()
            state = await self.state()
        await run_computer_turns(self.table, self.game_id)

    def prompt(self, state: GameState) -> str:
        seat = state.seat_of(self.me.key)
        who = seat.state if seat and seat.state else ("moderator" if self.moderator else "lobby")
        return f"{who} · round {state.round}> "

    async def run(self, stdin) -> int:  # noqa: ANN001 - a text stream
        interactive = stdin.isatty()
        if interactive and stdin is sys.stdin:
            with contextlib.suppress(ImportError):  # not on every platform
                import readline  # noqa: F401 - line editing and history for input()
        await self.table.flush()
        while True:
            state = await self.state()
            if state.phase == "ended":
                await self.finish(state)
                return 0
            try:
                if interactive and stdin is sys.stdin:
                    line = _read_line(self.prompt(state)) + "\n"
                else:
                    line = stdin.readline()
            except EOFError:
                line = ""
            except KeyboardInterrupt:  # Ctrl-C at the prompt leaves, as `quit` does
                self.say("")
                line = ""
            if not line:
                break
            line = line.strip()
            if not interactive and line:
                self.say(f"> {neutralise_mentions(line)}")  # the echo of piped input
            if not await self.handle_line(line, state):
                break
        self.say(
            f"Left game {self.game_id}; it is saved in {self.db}. "
            f"Resume with: detente play --db {self.db}"
        )
        return 0

    async def handle_line(self, line: str, state: GameState) -> bool:
        """False to leave the loop."""
        try:
            intent = parse(line, known_for(state))
        except ParseError as problem:
            self.say(f"✗ {problem.message}")
            if problem.hint:
                self.say(f"  {problem.hint}")
            return True
        if isinstance(intent, LocalIntent):
            return await self.local(intent, state)
        await self.command(intent, state)
        return True

    async def local(self, intent: LocalIntent, state: GameState) -> bool:
        match intent.name:
            case "empty":
                pass
            case "quit":
                return False
            case "help":
                self.say(help_text(intent.args, known_for(state)))
            case "status":
                self.say(status_text(state, self.me))
            case "me":
                self.say(me_text(state, self.me, intent.args[0] if intent.args else ""))
            case "wait":
                await run_computer_turns(self.table, self.game_id)
                if not await advance_to_next_deadline(self.table, self.game_id):
                    self.say("Nothing is due: the game is not running (see `game status`).")
                else:
                    self.say(
                        f"(time passes: it is now {self.table.clock.now().astimezone():%H:%M})"
                    )
                await self.settle()
            case "action":
                number = int(intent.args[0])
                actions = self.view.shown_actions
                if not 1 <= number <= len(actions):
                    self.say(
                        f"✗ There is no action {number}."
                        + (f" Actions shown: 1–{len(actions)}." if actions else " None shown yet.")
                    )
                    return True
                text = actions[number - 1].command or ""
                self.say(f"  ({number} = {text})")
                return await self.handle_line(text, state)
            case "new":
                self.say("To start another game, quit and run `detente play --new`.")
            case "export":
                from bot.export import export_json, export_markdown
                from game.engine import EVENT_ADAPTER

                fmt = intent.args[0] if intent.args else "md"
                if fmt not in ("md", "json"):
                    self.say("✗ Export as md or json.")
                    return True
                stored = await self.table.store.events(self.game_id)
                events = [EVENT_ADAPTER.validate_json(e.payload) for e in stored]
                text = (export_markdown if fmt == "md" else export_json)(state, events)
                path = Path(f"{self.game_id}.{fmt}")
                path.write_text(text, encoding="utf-8")
                self.say(f"Wrote {path.resolve()}")
        return True

    async def command(self, intent: CommandIntent, state: GameState) -> None:
        kind = intent.kind.model_fields["type"].default
        roles = TABLE[kind].roles if kind in TABLE else frozenset()
        # In a terminal you play alone: the session verbs the moderator owns
        # (start, advance …) are run by the terminal's host for you.
        actor = self.me
        if roles == frozenset({"moderator"}) and not self.moderator:
            actor = HOST
        try:
            command = intent.build(
                command_id=f"console:{self.game_id}:{state.seq}:{uuid.uuid4().hex[:12]}",
                game_id=self.game_id,
                actor=actor,
            )
        except ParseError as problem:
            self.say(f"✗ {problem.message}")
            if problem.hint:
                self.say(f"  {problem.hint}")
            return
        self.view.shown_actions.clear()
        printed = self.table.publisher.printed
        reply = await self.table.send(command)
        directory = self.table.publisher.directory(await self.state())
        if not reply.ok:
            self.say(f"✗ {reply.message}")
            return
        for notice in reply.notices:
            self.say(render_notice(notice, directory, now=self.table.clock.now()).text)
        if isinstance(command, LeaveGame):
            seat = state.seat_of(self.me.key)
            if seat is not None and seat.state is not None:
                self.say(
                    f"✓ You left {state.name_of(seat.state)}'s seat; a computer delegation holds "
                    f"it until someone takes it. `game join {seat.state}` takes it back, `quit` "
                    "leaves the terminal (the game is saved)."
                )
            else:
                self.say("✓ You left the game. `game join STATE` takes a seat again.")
        elif not reply.notices and self.table.publisher.printed == printed:
            self.say(f"✓ {reply.message}")
        self.table.clock.advance_to(self.table.clock.now() + STEP)
        await self.settle()

    async def finish(self, state: GameState) -> None:
        from game.engine import EVENT_ADAPTER

        stored = await self.table.store.events(self.game_id)
        events = [EVENT_ADAPTER.validate_json(e.payload) for e in stored]
        self.say("")
        self.say(debrief_markdown(state, events))
        folder = self.db.parent if str(self.db.parent) else Path(".")
        files = write_debrief(state, events, folder / "debriefs")
        _err(f"Debrief saved to {files.markdown} (chart: {files.chart})")


# --- status and `me` ------------------------------------------------------------------------


def status_text(state: GameState, me: PlayerRef) -> str:
    from game.views import public_view

    view = public_view(state)
    lines = [
        f"{view.title} — game {view.game_id}, round {view.round}/{view.rounds}, {view.phase}",
    ]
    if view.round_deadline:
        lines.append(f"  Round ends at {view.round_deadline.astimezone():%H:%M}")
    lines.append("Delegations:")
    for d in view.delegations:
        who = ", ".join(d.players) or d.control
        ready = " (ready)" if d.ready else ""
        lines.append(f"  {d.flag} {d.name} [{d.id}] — {who}; reputation {d.reputation}{ready}")
    if view.relations:
        lines.append("Tension:")
        for r in view.relations:
            crisis = " ⚠ crisis" if r.crisis else ""
            lines.append(
                f"  {state.name_of(r.a)} – {state.name_of(r.b)}: {r.tension} "
                f"(trust {r.trust}){crisis}"
            )
    open_proposals = [p for p in state.proposals.values() if p.is_open]
    if open_proposals:
        lines.append("On the table:")
        for p in open_proposals:
            lines.append(
                f"  {p.id} v{p.version} {p.kind} by {state.name_of(p.proposer)} — {p.status}"
            )
    if view.incidents:
        lines.append("Incidents:")
        for i in view.incidents:
            lines.append(
                f"  {i.id} {i.headline} — {state.name_of(i.victim)}, {i.sector}, "
                f"severity {i.severity}, {i.status}"
            )
    if view.agreed:
        now = [p for p in view.agreed if p.status == "in_force"]
        agreed = [p for p in view.agreed if p.status != "in_force"]
        if now:
            lines.append("In force: " + "; ".join(f"{p.id} {p.summary}" for p in now))
        if agreed:
            lines.append(
                "Agreed, in force from the next resolution: "
                + "; ".join(f"{p.id} {p.summary}" for p in agreed)
            )
    seat = state.seat_of(me.key)
    mine = seat.state if seat is not None else None
    channels = [c for c in state.backchannels.values() if mine in c.states and c.open]
    if channels:
        lines.append("Your back-channels:")
        for c in channels:
            members = " – ".join(state.name_of(s) for s in c.states)
            mediator = " (with the mediator)" if c.mediator else ""
            lines.append(f"  {c.id} {members}{mediator} — `talk whisper {c.id} <text>`")
    if seat is None:
        lines.append("You have no seat: `game join STATE` takes one.")
    return "\n".join(lines)


def me_text(state: GameState, me: PlayerRef, part: str) -> str:
    from game.views import delegation_view

    seat = state.seat_of(me.key)
    if seat is None or seat.state is None:
        return "You hold no delegation's seat. `game join STATE` takes one (see `game status`)."
    v = delegation_view(state, seat.state)
    lines: list[str] = []
    if part in ("", "briefing"):
        lines.append(f"{v.flag} {v.name} — you are {'its lead' if seat.lead else 'a member'}")
        for paragraph in v.briefing.splitlines():
            lines.extend(textwrap.wrap(paragraph, width=100) or [""])
        if v.interests:
            weights = ", ".join(f"{k} {w:+.1f}" for k, w in sorted(v.interests.items()))
            lines.append(f"Interests (private): {weights}")
    if part in ("", "objectives"):
        lines.append("Secret objectives:")
        for o in v.objectives:
            mark = "✅" if o.met else "·"
            lines.append(f"  {mark} {o.objective.description} ({o.objective.points} points)")
    if part in ("", "capital"):
        rules = state.rules
        lines.append(
            f"Capital: {v.capital} (+{v.capital_per_round} a round). Costs: proposal "
            f"{rules.proposal_cost}, investigation {rules.investigate_cost}, attribution "
            f"{rules.attribute_cost}. Reputation {v.reputation}."
        )
    if part in ("", "proposals"):
        lines.append("Your proposals:" if v.proposals else "No proposal concerns you yet.")
        for p in v.proposals:
            lines.append(f"  {p.id} v{p.version} — {p.summary} — {p.status}")
    return "\n".join(lines)


async def run_play(
    settings: Settings,
    *,
    scenario: str | None,
    as_state: str | None,
    moderator: bool,
    game_id: str | None,
    new: bool,
    seed: int | None,
    name: str | None,
    stdin=None,  # noqa: ANN001
) -> int:
    from bot.content import DEFAULT_SCENARIO_ID, load_scenario

    db = settings.db_path
    me = _player(name)
    db.parent.mkdir(parents=True, exist_ok=True)
    probe = SqliteStore(db)
    await probe.open()
    try:
        chosen_id, exists = await _choose_game(probe, game_id, new, db)
    finally:
        await probe.close()
    view = TerminalView(viewer=me, moderator=moderator)
    try:
        async with open_table(db, view, chosen_id) as table:
            session = PlaySession(table, chosen_id, me, moderator=moderator, db=db)
            session.say(
                f"Détente — game {chosen_id} as {me.name}. Type `help` for the commands, "
                "`quit` to leave (the game is saved)."
            )
            if exists:
                state = await session.state()
                _err(
                    f"Resuming game {chosen_id} ({state.scenario.id}, round {state.round}) from {db}"
                )
                seat = state.seat_of(me.key)
                if as_state and (seat is None or seat.state != as_state):
                    reply = await table.send(
                        JoinGame(
                            command_id=f"console:{chosen_id}:{state.seq}:{uuid.uuid4().hex[:12]}",
                            game_id=chosen_id,
                            actor=me,
                            state=as_state,
                        )
                    )
                    if not reply.ok:
                        session.say(f"✗ {reply.message}")
                await table.flush()
            else:
                chosen = load_scenario(scenario or settings.scenario or DEFAULT_SCENARIO_ID)
                if as_state is not None:
                    ids = [s.id for s in chosen.states]
                    if as_state not in ids:
                        raise PlayError(
                            f"No state '{as_state}' in {chosen.id}. States: {', '.join(ids)}."
                        )
                number = int(chosen_id.split("-")[1])
                _err(f"New game {chosen_id} of {chosen.title} ({chosen.id}) in {db}")
                await session.create(chosen, seed if seed is not None else number, as_state)
            return await session.run(stdin or sys.stdin)
    except PlayError as problem:
        _err(problem.message)
        return 2

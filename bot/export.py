"""Reading games back out of a database: the `detente games` table and
`detente export GAME` (the full transcript and the event log).

The transcript is rebuilt from the event log, not from delivery records:
every event is told again through `game.narrate.notices_for` and rendered
as the terminal shows it, every audience labelled. It is therefore
complete (private notices included, which is what a moderator's record
needs), the same on every export, and available for games played on any
platform.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

from adapters.console.render import directory_from_state, group_identical, render_notice
from bot.debrief import debrief_markdown, stability_score
from bot.store import GameSummary
from game.engine import EVENT_ADAPTER, apply
from game.events import Event
from game.state import GameState

ProgressFn = Callable[[int, int | None, str], None]


class GameNotFound(Exception):
    """The user named a game or database that is not there; `message` says
    which exist."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _require_db(db_path: Path) -> None:
    if not Path(db_path).exists():
        raise GameNotFound(
            f"No database at {db_path}. Play a game first (`detente demo` or `detente play`), "
            "or point to another file with --db PATH."
        )


async def list_games(db_path: Path) -> list[GameSummary]:
    from bot.sqlite_store import SqliteStore

    _require_db(db_path)
    store = SqliteStore(db_path)
    await store.open()
    try:
        return await store.games()
    finally:
        await store.close()


def format_games(summaries: list[GameSummary], db_path: Path) -> str:
    if not summaries:
        return f"No games in {db_path} yet. Start one with `detente demo` or `detente play`."
    header = ("game", "scenario", "round", "status", "players", "updated")
    rows = [
        (
            g.game_id,
            g.scenario,
            str(g.round),
            g.status,
            ", ".join(g.players) or "—",
            g.updated_at.strftime("%Y-%m-%d %H:%M"),
        )
        for g in summaries
    ]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header) - 1)]
    lines = []
    for r in [header, *rows]:
        cells = [r[i].ljust(widths[i]) for i in range(len(widths))]
        lines.append("  ".join([*cells, r[-1]]).rstrip())
    lines.insert(1, "  ".join("-" * w for w in widths) + "  " + "-" * 16)
    return "\n".join(lines) + f"\n\n{len(summaries)} game(s) in {db_path}."


async def games_table(db_path: Path) -> str:
    return format_games(await list_games(db_path), db_path)


async def load_game(
    db_path: Path, game_id: str, progress: ProgressFn | None = None
) -> tuple[GameState, list[Event]]:
    """The game's final state and its whole event log."""
    from bot.sqlite_store import SqliteStore

    _require_db(db_path)
    store = SqliteStore(db_path)
    await store.open()
    try:
        stored = await store.events(game_id)
        if not stored:
            known = [g.game_id for g in await store.games()]
            listing = ", ".join(known) if known else "none yet"
            raise GameNotFound(f"No game '{game_id}' in {db_path}. Games: {listing}.")
    finally:
        await store.close()
    events: list[Event] = []
    state: GameState | None = None
    total = len(stored)
    for index, item in enumerate(stored, start=1):
        event = EVENT_ADAPTER.validate_json(item.payload)
        events.append(event)
        state = apply(state, event)
        if progress is not None and (index % 500 == 0 or index == total):
            progress(index, total, "events read")
    assert state is not None
    return state, events


def transcript_entries(events: list[Event]) -> list[tuple[int, Any, GameState]]:
    """(seq, notice, state after) for every notice the log tells, event by event."""
    from game.narrate import notices_for

    entries: list[tuple[int, Any, GameState]] = []
    state: GameState | None = None
    for seq, event in enumerate(events, start=1):
        after = apply(state, event)
        for notice in notices_for(state, [event], after):
            entries.append((seq, notice, after))
        state = after
    return entries


def render_transcript(events: list[Event]) -> str:
    """Every notice as the terminal shows it, `#seq` first; the notices an
    event sent in the same words to several audiences are one block with
    several labels."""
    blocks = []
    entries = transcript_entries(events)
    start = 0
    while start < len(entries):
        seq, _, after = entries[start]
        end = start
        while end < len(entries) and entries[end][0] == seq:
            end += 1
        directory = directory_from_state(after)
        now = getattr(events[seq - 1], "at", None)
        for notice, audiences in group_identical(e[1] for e in entries[start:end]):
            text = render_notice(notice, directory, now=now, also=audiences[1:]).text
            blocks.append(f"#{seq} {text}")
        start = end
    return "\n".join(blocks)


def _summary_line(state: GameState) -> str:
    seats = ", ".join(
        f"{seat.player.name} ({state.name_of(seat.state) if seat.state else seat.role})"
        for seat in state.seats
    )
    computers = [state.name_of(d.id) for d in state.delegations.values() if d.control == "computer"]
    parts = [
        f"scenario {state.scenario.id}",
        f"seed {state.seed}",
        f"round {state.round}/{state.scenario.rounds}",
        f"status {state.status}",
    ]
    if seats:
        parts.append(f"players: {seats}")
    if computers:
        parts.append(f"computer delegations: {', '.join(computers)}")
    return " · ".join(parts)


def export_markdown(state: GameState, events: list[Event]) -> str:
    lines = [
        f"# Détente game `{state.game_id}` — {state.scenario.title}",
        "",
        _summary_line(state),
        "",
    ]
    if state.phase == "ended":
        debrief = debrief_markdown(state, events)
        # Nest the debrief's headings one level down.
        lines += ["#" + line if line.startswith("#") else line for line in debrief.splitlines()]
        lines.append("")
    lines += [
        "## Transcript",
        "",
        "Every notice, with its audience: `public`, `to <state>` (one delegation), "
        "`back-channel A–B`, `mediator`, `moderator`. `#n` is the event that caused it.",
        "",
        "```text",
        render_transcript(events),
        "```",
        "",
        "## Event log",
        "",
        "```text",
    ]
    for seq, event in enumerate(events, start=1):
        payload = event.model_dump(mode="json", exclude={"type", "v", "at"})
        if event.type == "game_created":
            payload["scenario"] = state.scenario.id  # the whole scenario is in the JSON export
        lines.append(f"{seq:>5} {event.at:%Y-%m-%d %H:%M:%S} {event.type} {_compact(payload)}")
    lines += ["```", ""]
    return "\n".join(lines)


def _compact(payload: dict[str, Any]) -> str:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def export_json(state: GameState, events: list[Event]) -> str:
    transcript = [
        {
            "seq": seq,
            "audience": notice.audience.model_dump(exclude_none=True),
            "notice": notice.model_dump(mode="json", exclude_none=True),
        }
        for seq, notice, _ in transcript_entries(events)
    ]
    document = {
        "game_id": state.game_id,
        "scenario": state.scenario.id,
        "seed": state.seed,
        "status": state.status,
        "round": state.round,
        "ended_reason": state.ended_reason,
        "stability": stability_score(state) if state.phase == "ended" else None,
        "players": [seat.player.name for seat in state.seats],
        "events": [
            {"seq": seq, **event.model_dump(mode="json")}
            for seq, event in enumerate(events, start=1)
        ],
        "transcript": transcript,
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


async def export_game(
    db_path: Path,
    game_id: str,
    fmt: Literal["md", "json"] = "md",
    *,
    progress: ProgressFn | None = None,
) -> str:
    state, events = await load_game(db_path, game_id, progress)
    return export_markdown(state, events) if fmt == "md" else export_json(state, events)

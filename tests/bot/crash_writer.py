"""Crash-test writer: appends commands to a SQLite store until it is killed.

Run as ``python tests/bot/crash_writer.py DB_PATH RUN_ID`` (by
`test_store_crash.py`). Several players per game append concurrently, so
writes share transactions and some race into `SequenceConflict` (and retry,
as the service does). After each `append` returns, the writer prints
``ack <command_id> <game_id> <last_seq> <events>`` and flushes: a printed
command has been acknowledged as durably committed.

Each event's payload names its command, its index and the command's event
count, so the checker can tell a whole command from half of one.
"""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import UTC, datetime

from bot.sqlite_store import SqliteStore
from bot.store import Append, GameSummary, SequenceConflict

GAMES = 6
PLAYERS_PER_GAME = 2


async def player(store: SqliteStore, run: str, game_id: str, number: int) -> None:
    turn = 0
    while True:
        turn += 1
        command_id = f"{run}:{game_id}:p{number}:{turn}"
        count = 1 + turn % 4
        while True:
            expected = await store.last_seq(game_id)
            batch = Append(
                game_id=game_id,
                expected_seq=expected,
                command_id=command_id,
                events=[
                    ("CrashTested", json.dumps({"command": command_id, "i": i, "of": count}))
                    for i in range(count)
                ],
                reply=json.dumps({"ok": command_id}),
                notices=[json.dumps({"command": command_id})],
                summary=GameSummary(
                    game_id=game_id,
                    scenario="crash",
                    status="running",
                    round=turn,
                    players=[f"p{number}"],
                    updated_at=datetime.now(UTC),
                    next_deadline=None,
                ),
            )
            try:
                last = await store.append(batch)
            except SequenceConflict:
                continue  # the other player got there first: look again
            break
        print(f"ack {command_id} {game_id} {last} {count}", flush=True)


async def main(path: str, run: str) -> None:
    async with SqliteStore(path) as store:
        await asyncio.gather(
            *(
                player(store, run, f"game-{game}", number)
                for game in range(GAMES)
                for number in range(PLAYERS_PER_GAME)
            )
        )


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))

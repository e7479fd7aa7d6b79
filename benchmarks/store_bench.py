"""Store benchmarks: the raw SQLite durable commit rate, and the rate of
whole-command appends through `SqliteStore`'s group commit.

Both use the same driver (aiosqlite) and pragmas (WAL, synchronous=FULL), so
their ratio says what group commit buys. Called by `benchmarks/run.py`; run
this file alone for a quick look: ``python benchmarks/store_bench.py``.
Paths are scratch files: created if missing, and the benchmarks add rows.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import aiosqlite

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.sqlite_store import SqliteStore  # noqa: E402
from bot.store import Append, GameSummary  # noqa: E402

# Sizes close to a real command: an event, the reply, one notice.
EVENT = json.dumps({"type": "ProposalTabled", "v": 1, "text": "x" * 240})
REPLY = json.dumps({"ok": True, "message": "y" * 120})
NOTICE = json.dumps({"title": "Proposal tabled", "body": "z" * 200})


async def raw_commit_rate(path: str | os.PathLike[str], seconds: float) -> float:
    """Single-row transactions (BEGIN IMMEDIATE; INSERT; COMMIT) per second,
    one after another, on one connection with the store's pragmas."""
    async with aiosqlite.connect(path, isolation_level=None) as db:
        await db.execute("PRAGMA busy_timeout = 5000")
        await db.execute("PRAGMA journal_mode = WAL")
        await db.execute("PRAGMA synchronous = FULL")
        await db.execute(
            "CREATE TABLE IF NOT EXISTS raw_commits (id INTEGER PRIMARY KEY, payload TEXT)"
        )
        commits = 0
        start = time.perf_counter()
        deadline = start + seconds
        while time.perf_counter() < deadline:
            await db.execute("BEGIN IMMEDIATE")
            await db.execute("INSERT INTO raw_commits (payload) VALUES (?)", (EVENT,))
            await db.execute("COMMIT")
            commits += 1
        return commits / (time.perf_counter() - start)


def _append(game_id: str, seq: int, turn: int, events: int) -> Append:
    return Append(
        game_id=game_id,
        expected_seq=seq,
        command_id=f"{game_id}:{turn}",
        events=[("ProposalTabled", EVENT)] * events,
        reply=REPLY,
        notices=[NOTICE],
        summary=GameSummary(
            game_id=game_id,
            scenario="bench",
            status="running",
            round=turn,
            players=["Ada", "Grace", "Hedy"],
            updated_at=datetime.now(UTC),
            next_deadline=None,
        ),
    )


async def group_commit_figures(
    path: str | os.PathLike[str], seconds: float, *, games: int = 100, events: int = 1
) -> dict[str, float]:
    """`games` writers, one game each, append commands back to back through
    one `SqliteStore` for `seconds`. Returns appends per second, transactions
    per second and the mean number of appends per transaction."""
    async with SqliteStore(path) as store:
        run = f"{time.time_ns()}"
        stop = time.perf_counter() + seconds
        done = 0

        async def writer(game_id: str) -> None:
            nonlocal done
            seq, turn = await store.last_seq(game_id), 0
            while time.perf_counter() < stop:
                turn += 1
                seq = await store.append(_append(game_id, seq, turn, events))
                done += 1

        commits_before = store.commits
        start = time.perf_counter()
        await asyncio.gather(*(writer(f"bench-{run}-{n}") for n in range(games)))
        elapsed = time.perf_counter() - start
        commits = store.commits - commits_before
    return {
        "appends_per_s": done / elapsed,
        "commits_per_s": commits / elapsed,
        "appends_per_commit": done / commits if commits else 0.0,
    }


async def group_commit_rate(
    path: str | os.PathLike[str], seconds: float, *, games: int = 100, events: int = 1
) -> float:
    """Durable whole-command appends per second with `games` concurrent games."""
    figures = await group_commit_figures(path, seconds, games=games, events=events)
    return figures["appends_per_s"]


async def _main(seconds: float, game_counts: list[int]) -> None:
    with tempfile.TemporaryDirectory(prefix="detente-bench-") as scratch:
        raw = await raw_commit_rate(Path(scratch) / "raw.sqlite", seconds)
        print(f"{'raw single-row commits':>28}: {raw:8.0f} /s")
        for count in game_counts:
            figures = await group_commit_figures(
                Path(scratch) / f"group-{count}.sqlite", seconds, games=count
            )
            print(
                f"{f'appends, {count} games':>28}: {figures['appends_per_s']:8.0f} /s"
                f"  ({figures['appends_per_s'] / raw:4.1f}x raw,"
                f" {figures['appends_per_commit']:5.1f} per transaction)"
            )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--games", type=int, nargs="*", default=[1, 10, 100, 1000])
    arguments = parser.parse_args()
    asyncio.run(_main(arguments.seconds, arguments.games))

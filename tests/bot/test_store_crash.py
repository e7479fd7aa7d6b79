"""Crash safety: a writer killed with SIGKILL loses no acknowledged command,
leaves no half-applied one, no gap in any game's sequence, and a database
that passes `PRAGMA integrity_check`.

A subprocess (`crash_writer.py`) appends in a loop and prints each command
once `append` has returned; the test kills it after a number of
acknowledgements, checks the file, and starts the next writer on the same
file, so recovery from each crash is also what the next run builds on.
SIGKILL stops the process, not the machine: the operating system still holds
what was written, so this checks the store's transaction boundaries and the
acknowledgement order, not the disk's honesty about fsync.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
from collections import defaultdict
from contextlib import closing
from pathlib import Path
from typing import NamedTuple

from bot.sqlite_store import SqliteStore

ROOT = Path(__file__).resolve().parents[2]
WRITER = Path(__file__).with_name("crash_writer.py")


class Ack(NamedTuple):
    command_id: str
    game_id: str
    last_seq: int
    events: int


def parse(line: str) -> Ack:
    word, command_id, game_id, last_seq, events = line.split()
    assert word == "ack", line
    return Ack(command_id, game_id, int(last_seq), int(events))


def run_writer_until_killed(path: Path, run: str, acks: int) -> list[Ack]:
    """Start a writer, SIGKILL it after `acks` acknowledgements, return every
    acknowledgement it printed (some may arrive between the count and the kill)."""
    writer = subprocess.Popen(
        [sys.executable, str(WRITER), str(path), run],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    watchdog = threading.Timer(60, writer.kill)  # a hung writer must not hang the suite
    watchdog.start()
    assert writer.stdout is not None and writer.stderr is not None
    lines: list[str] = []
    try:
        for line in writer.stdout:
            lines.append(line)
            if len(lines) >= acks:
                os.kill(writer.pid, signal.SIGKILL)
                break
        lines.extend(writer.stdout.readlines())
        writer.wait(timeout=30)
    finally:
        watchdog.cancel()
        if writer.poll() is None:
            writer.kill()
            writer.wait()
    errors = writer.stderr.read()
    assert writer.returncode == -signal.SIGKILL, f"the writer died by itself:\n{errors}"
    # A line cut short by the kill was never a complete acknowledgement.
    return [parse(line) for line in lines if line.endswith("\n")]


def check_database(path: Path, acked: list[Ack]) -> dict[str, int]:
    """Assert the invariants; return each game's last sequence."""
    with closing(sqlite3.connect(path)) as db:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]

        events: dict[str, list[tuple[int, dict[str, object]]]] = defaultdict(list)
        for game_id, seq, payload in db.execute(
            "SELECT game_id, seq, payload FROM events ORDER BY game_id, seq"
        ):
            events[game_id].append((seq, json.loads(payload)))
        commands = {
            command_id: (game_id, last_seq)
            for command_id, game_id, last_seq in db.execute(
                "SELECT command_id, game_id, last_seq FROM commands"
            )
        }
        notices = [
            json.loads(notice)["command"]
            for (notice,) in db.execute("SELECT notice FROM outbox ORDER BY id")
        ]
        summaries = {game_id for (game_id,) in db.execute("SELECT game_id FROM games")}

    last_seqs: dict[str, int] = {}
    commands_in_log: set[str] = set()
    for game_id, log in events.items():
        # No gaps: a game's events are numbered 1..n.
        assert [seq for seq, _ in log] == list(range(1, len(log) + 1)), game_id
        last_seqs[game_id] = len(log)
        # No half-applied command: its events are consecutive and complete.
        position = 0
        while position < len(log):
            seq, first = log[position]
            command_id, count = first["command"], first["of"]
            assert isinstance(command_id, str) and isinstance(count, int)
            mine = log[position : position + count]
            assert [event["command"] for _, event in mine] == [command_id] * count, command_id
            assert [event["i"] for _, event in mine] == list(range(count)), command_id
            assert command_id not in commands_in_log, f"{command_id} applied twice"
            commands_in_log.add(command_id)
            # Its idempotency record went in with its events.
            assert commands.get(command_id) == (game_id, seq + count - 1), command_id
            position += count

    assert set(commands) == commands_in_log  # no record without its events
    assert sorted(notices) == sorted(commands_in_log)  # one notice each, none lost
    assert summaries == set(events)

    for ack in acked:  # nothing acknowledged was lost
        assert commands.get(ack.command_id) == (ack.game_id, ack.last_seq), ack
    return last_seqs


# Acknowledgements after which each successive writer is killed.
KILL_AFTER = (1, 20, 80, 250)


async def test_sigkilled_writer_loses_nothing_acknowledged(tmp_path: Path) -> None:
    path = tmp_path / "crash.sqlite"
    acked: list[Ack] = []
    for run, acks in enumerate(KILL_AFTER):
        acked += run_writer_until_killed(path, f"run{run}", acks)
        assert len(acked) >= sum(KILL_AFTER[: run + 1])
        last_seqs = check_database(path, acked)

    # And the store opens the crashed file and carries on from where it was.
    async with SqliteStore(path) as store:
        for game_id, last in last_seqs.items():
            assert await store.last_seq(game_id) == last
        assert len({ack.command_id for ack in acked}) == len(acked)
        record = await store.command(acked[-1].command_id)
        assert record is not None and record.last_seq == acked[-1].last_seq

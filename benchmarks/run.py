"""Service benchmarks on the embedded SQLite default.

    python benchmarks/run.py           # full figures (a few minutes)
    python benchmarks/run.py --quick   # the same figures, shorter runs (< 1 minute)

Prints a table, then, as the last line, one JSON object with every figure.
What is measured (docs/performance.md, "## Service", records the results):

(a) durable commands per second through `GameService.handle` with 1, 100
    and 1,000 games played at once (one client per game, commands back to
    back), next to the raw SQLite single-row durable commit rate measured in
    the same run (`store_bench.raw_commit_rate`), and their ratio;
(b) p50 / p95 / p99 / max latency of `handle()` with 1,000 active games,
    500 commands/s arriving at random games (open loop, Poisson arrivals),
    after a warm-up that is not counted, over several windows (their p99s
    are printed too, to show the spread within a run);
(c) load time of a 5,000-event game, from the log alone and from a snapshot
    plus the worst tail the default snapshot interval leaves (99 events);
(d) resident memory per active game with 10,000 games in the hot cache;
(e) time to recover after a restart with 10,000 games: store opened, every
    game's timer rescheduled, one command answered.

`--quick` shortens every timed run to 2 s and uses 2,000 games for (d) and
(e) (`--games` overrides); the figures in docs/performance.md come from a
full run.

(d) and (e) run in a fresh child process so earlier phases' memory does not
blur the figures. Databases live in a temporary directory, removed after.
Commands are public statements and back-channel whispers in the default
scenario (twin-grids): cheap rules, so the figures show the service and the
store rather than any one rule. Nothing here is a test: no figure is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import math
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from store_bench import raw_commit_rate  # noqa: E402

from bot.clock import SystemClock  # noqa: E402
from bot.content import load_scenario  # noqa: E402
from bot.scheduler import Scheduler  # noqa: E402
from bot.service import GameService  # noqa: E402
from bot.sqlite_store import SqliteStore  # noqa: E402
from bot.store import Append, GameSummary, Snapshot  # noqa: E402
from game.base import Context, PlayerRef  # noqa: E402
from game.commands import COMMAND_CLASS, CreateGame  # noqa: E402
from game.engine import apply, decide  # noqa: E402
from game.scenario import Scenario  # noqa: E402
from game.state import GameState  # noqa: E402

SCENARIO = "twin-grids"
MODERATOR = PlayerRef(platform="discord", user_id="900000", name="Teacher")
TEMPLATE_ID = "tmpl-0000000000"  # a token that appears nowhere else in a game's log


def players(scenario: Scenario) -> list[tuple[PlayerRef, str]]:
    """A lead for every delegation, then members, up to the scenario's cap."""
    seats = []
    for k in range(3):
        for n, profile in enumerate(scenario.states):
            if len(seats) < scenario.max_players:
                ref = PlayerRef(platform="discord", user_id=f"{1000 + 10 * n + k}", name=f"P{n}{k}")
                seats.append((ref, profile.id))
    return seats


def command(game_id: str, command_id: str, type_: str, actor: PlayerRef, **fields: Any):
    return COMMAND_CLASS[type_](command_id=command_id, game_id=game_id, actor=actor, **fields)


class Traffic:
    """The commands of one game, numbered: statements, and whispers in the
    back-channel between the first two delegations."""

    def __init__(self, scenario: Scenario) -> None:
        self.seats = players(scenario)

    def setup(self, game_id: str, scenario: Scenario, seed: int) -> list[Any]:
        commands: list[Any] = [
            CreateGame(
                command_id=f"{game_id}:create",
                game_id=game_id,
                actor=MODERATOR,
                scenario=scenario,
                seed=seed,
            )
        ]
        for ref, state_id in self.seats:
            commands.append(
                command(game_id, f"{game_id}:join:{ref.user_id}", "join_game", ref, state=state_id)
            )
        commands.append(command(game_id, f"{game_id}:start", "start_game", MODERATOR))
        lead, other = self.seats[0], self.seats[1]
        commands.append(
            command(game_id, f"{game_id}:bc", "open_backchannel", lead[0], states=[other[1]])
        )
        return commands

    def nth(self, game_id: str, n: int) -> Any:
        ref, _ = self.seats[n % len(self.seats)]
        if n % 3 == 2:
            return command(
                game_id, f"{game_id}:w{n}", "whisper", self.seats[0][0], channel="B1",
                text=f"Between us, point {n}: we can live with a hotline if you drop the clause.",
            )  # fmt: skip
        return command(
            game_id, f"{game_id}:s{n}", "make_statement", ref,
            text=f"Statement {n}: our delegation calls for restraint and a joint incident channel.",
        )  # fmt: skip


async def set_up_games(service: GameService, traffic: Traffic, ids: list[str]) -> None:
    scenario = load_scenario(SCENARIO)
    limit = asyncio.Semaphore(1000)

    async def one(n: int, game_id: str) -> None:
        async with limit:
            for c in traffic.setup(game_id, scenario, seed=n):
                reply = await service.handle(c)
                if not reply.ok:
                    raise RuntimeError(f"set-up of {game_id} refused: {reply.message}")

    await asyncio.gather(*(one(n, g) for n, g in enumerate(ids)))


# --- (a) throughput and (b) latency ---------------------------------------------------------


async def throughput(
    service: GameService, store: SqliteStore, traffic: Traffic, ids: list[str], seconds: float
) -> dict[str, float]:
    stop = time.perf_counter() + seconds
    done = refused = 0
    _PHASE[0] += 1
    first = 1_000_000 * _PHASE[0]  # fresh command ids for each phase

    async def client(game_id: str) -> None:
        nonlocal done, refused
        n = first
        while time.perf_counter() < stop:
            n += 1
            reply = await service.handle(traffic.nth(game_id, n))
            if reply.ok:
                done += 1
            else:
                refused += 1

    commits = store.commits
    start = time.perf_counter()
    await asyncio.gather(*(client(g) for g in ids))
    elapsed = time.perf_counter() - start
    commits = store.commits - commits
    return {
        "commands_per_s": done / elapsed,
        "refused": refused,
        "commands_per_commit": done / commits if commits else 0.0,
    }


_PHASE = [0]


class CpuUse:
    """Cores busy on the whole machine and in this process between
    `start()` and `stop()` (Linux /proc/stat; zeros elsewhere): a latency
    figure means little without what the neighbours were doing meanwhile."""

    def start(self) -> None:
        self._machine, self._own, self._at = _machine_busy(), _own_cpu(), time.perf_counter()

    def stop(self) -> dict[str, float]:
        elapsed = time.perf_counter() - self._at
        machine = (_machine_busy() - self._machine) / elapsed
        own = (_own_cpu() - self._own) / elapsed
        return {"machine_busy_cores": machine, "own_cores": own, "others_cores": machine - own}


def _machine_busy() -> float:
    """CPU seconds spent busy by the whole machine since boot."""
    try:
        fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    except OSError:
        return 0.0
    ticks = [int(x) for x in fields]
    idle = ticks[3] + ticks[4]  # idle + iowait
    return (sum(ticks[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def _own_cpu() -> float:
    times = os.times()
    return times.user + times.system


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile of sorted `values` (q in 0..1]."""
    return values[max(0, min(len(values), math.ceil(q * len(values))) - 1)]


def distribution(seconds: list[float], prefix: str = "") -> dict[str, float]:
    values = sorted(seconds)
    return {
        f"{prefix}p50_ms": 1000 * percentile(values, 0.50),
        f"{prefix}p95_ms": 1000 * percentile(values, 0.95),
        f"{prefix}p99_ms": 1000 * percentile(values, 0.99),
        f"{prefix}max_ms": 1000 * values[-1],
    }


async def latency(
    service: GameService,
    traffic: Traffic,
    ids: list[str],
    *,
    rate: float,
    warmup: float,
    windows: int,
    seconds: float,
) -> dict[str, Any]:
    """Open-loop latency of `handle()`: commands arrive at random games of
    `ids` as a Poisson process of `rate` per second, each started as its own
    task at its arrival time whether or not earlier ones have finished.

    A command's latency runs from the call of `handle()` to its return (the
    reply is durable by then). Arrivals in the first `warmup` seconds are
    not counted; then `windows` windows of `seconds` each are, pooled, with
    each window's p99 reported too (how much it varies within one run).
    `lag` is how late the generator started commands against their arrival
    times (asyncio timer granularity and a busy loop; not in the latency),
    and `from_arrival` the latency counted from the arrival time instead,
    so neither the generator nor the loop can hide queueing.
    """
    rng = random.Random(42)
    counted = windows * seconds
    handle_s: list[list[float]] = [[] for _ in range(windows)]
    from_arrival: list[float] = []
    lags: list[float] = []
    tasks: set[asyncio.Task[None]] = set()
    _PHASE[0] += 1
    first = 1_000_000 * _PHASE[0]

    async def one(game_id: str, n: int, arrival: float) -> None:
        c = traffic.nth(game_id, first + n)
        began = time.perf_counter()
        reply = await service.handle(c)
        ended = time.perf_counter()
        if not reply.ok:
            raise RuntimeError(reply.message)
        offset = arrival - start - warmup
        if 0 <= offset < counted:
            handle_s[int(offset // seconds)].append(ended - began)
            from_arrival.append(ended - arrival)
            lags.append(began - arrival)

    cpu = CpuUse()
    cpu.start()
    start = time.perf_counter()
    arrival, n = start, 0
    while arrival < start + warmup + counted:
        arrival += rng.expovariate(rate)
        delay = arrival - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        n += 1
        task = asyncio.create_task(one(rng.choice(ids), n, arrival))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    await asyncio.gather(*tasks)
    pooled = [d for window in handle_s for d in window]
    return {
        **cpu.stop(),
        **distribution(pooled),
        "window_p99_ms": [round(1000 * percentile(sorted(w), 0.99), 2) for w in handle_s],
        **distribution(from_arrival, "from_arrival_"),
        "lag_p99_ms": 1000 * percentile(sorted(lags), 0.99),
        "offered_per_s": rate,
        "achieved_per_s": len(pooled) / counted,
        "commands": len(pooled),
        "warmup_s": warmup,
    }


async def raw_commit_latency(path: Path, seconds: float) -> dict[str, float]:
    """The disk's own durable-commit latency: single-row transactions, one
    after another, with the store's pragmas (what (b) cannot beat)."""
    import aiosqlite

    durations: list[float] = []
    async with aiosqlite.connect(path, isolation_level=None) as db:
        await db.execute("PRAGMA journal_mode = WAL")
        await db.execute("PRAGMA synchronous = FULL")
        await db.execute("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, payload TEXT)")
        stop = time.perf_counter() + seconds
        while time.perf_counter() < stop:
            began = time.perf_counter()
            await db.execute("BEGIN IMMEDIATE")
            await db.execute("INSERT INTO t (payload) VALUES (?)", ("x" * 300,))
            await db.execute("COMMIT")
            durations.append(time.perf_counter() - began)
    figures = distribution(durations)
    return {"p50_ms": figures["p50_ms"], "p99_ms": figures["p99_ms"]}


# --- (c) load time of a long game ------------------------------------------------------------


def build_log(game_id: str, events_wanted: int) -> tuple[list[tuple[str, str]], dict[int, str]]:
    """A game of `events_wanted` events, decided in memory. Returns its log as
    (type, JSON) and the state JSON at a few sequence numbers."""
    scenario = load_scenario(SCENARIO)
    traffic = Traffic(scenario)
    now = datetime(2030, 1, 1, 9, 0, tzinfo=UTC)
    state: GameState | None = None
    log: list[tuple[str, str]] = []
    states: dict[int, str] = {}
    commands = iter(traffic.setup(game_id, scenario, seed=1))
    n = 0
    while len(log) < events_wanted:
        c = next(commands, None)
        if c is None:
            n += 1
            c = traffic.nth(game_id, n)
        events = decide(state, c, Context.for_game(now, 1, state.seq if state else 0))
        for event in events:
            state = apply(state, event)
            log.append((event.type, event.model_dump_json()))
            assert state is not None
            if state.seq in (events_wanted - 99, events_wanted):
                states[state.seq] = state.model_dump_json()
    return log[:events_wanted], states


async def load_times(directory: Path, events_wanted: int, repeats: int) -> dict[str, float]:
    game_id = "long-game"
    log, states = build_log(game_id, events_wanted)
    path = directory / "long.sqlite"
    async with SqliteStore(path) as store:
        for start in range(0, len(log), 500):
            chunk = log[start : start + 500]
            await store.append(
                Append(
                    game_id=game_id,
                    expected_seq=start,
                    command_id=f"bulk-{start}",
                    events=chunk,
                    reply="{}",
                )
            )

        async def cold_load() -> float:
            service = GameService(store, SystemClock())
            began = time.perf_counter()
            state = await service.state(game_id)
            elapsed = time.perf_counter() - began
            assert state is not None and state.seq == events_wanted
            return elapsed

        without = statistics.median([await cold_load() for _ in range(repeats)])
        tail_seq = events_wanted - 99
        await store.save_snapshot(Snapshot(game_id=game_id, seq=tail_seq, payload=states[tail_seq]))
        with_tail = statistics.median([await cold_load() for _ in range(repeats)])
        await store.save_snapshot(
            Snapshot(game_id=game_id, seq=events_wanted, payload=states[events_wanted])
        )
        exact = statistics.median([await cold_load() for _ in range(repeats)])
    return {
        "events": events_wanted,
        "no_snapshot_ms": 1000 * without,
        "snapshot_tail99_ms": 1000 * with_tail,
        "snapshot_tail0_ms": 1000 * exact,
        "state_json_bytes": len(states[events_wanted]),
    }


# --- (d) memory and (e) recovery with many games (child process) --------------------------------


async def build_many(path: Path, games: int) -> list[str]:
    """`games` started games, each a clone of one template game's log (its
    id substituted), written with concurrent appends (group commit)."""
    scenario = load_scenario(SCENARIO)
    traffic = Traffic(scenario)
    now = datetime(2030, 1, 1, 9, 0, tzinfo=UTC)
    state: GameState | None = None
    template: list[tuple[str, str]] = []
    commands = [*traffic.setup(TEMPLATE_ID, scenario, seed=1)]
    commands += [traffic.nth(TEMPLATE_ID, n) for n in range(1, 7)]
    for c in commands:
        for event in decide(state, c, Context.for_game(now, 1, state.seq if state else 0)):
            state = apply(state, event)
            template.append((event.type, event.model_dump_json()))
    assert state is not None and state.phase == "negotiation"
    ids = [f"game-{n:06d}" for n in range(games)]
    deadline = state.next_deadline()
    async with SqliteStore(path) as store:
        for start in range(0, games, 1000):

            async def clone(game_id: str) -> None:
                await store.append(
                    Append(
                        game_id=game_id,
                        expected_seq=0,
                        command_id=f"{game_id}:bulk",
                        events=[(t, p.replace(TEMPLATE_ID, game_id)) for t, p in template],
                        reply="{}",
                        summary=GameSummary(
                            game_id=game_id,
                            scenario=scenario.id,
                            status="negotiation",
                            round=1,
                            players=[ref.name for ref, _ in traffic.seats],
                            updated_at=now,
                            next_deadline=deadline,
                        ),
                    )
                )

            await asyncio.gather(*(clone(g) for g in ids[start : start + 1000]))
    return ids


def rss_bytes() -> int:
    import psutil

    return psutil.Process().memory_info().rss


async def many_games_child(path: Path, games: int) -> dict[str, float]:
    """Runs in a fresh process on a database `build_many` wrote."""
    ids = [f"game-{n:06d}" for n in range(games)]
    traffic = Traffic(load_scenario(SCENARIO))
    gc.collect()
    began = time.perf_counter()
    store = SqliteStore(path)
    await store.open()
    service = GameService(store, SystemClock(), cache_size=games + 10)
    scheduler = Scheduler(service, SystemClock())
    await scheduler.start()
    timers = len(scheduler.pending())
    reply = await service.handle(traffic.nth(ids[games // 2], 1_000))
    recovery = time.perf_counter() - began
    assert reply.ok, reply.message

    gc.collect()
    before = rss_bytes()
    loaded = time.perf_counter()
    for start in range(0, games, 200):
        await asyncio.gather(*(service.state(g) for g in ids[start : start + 200]))
    loaded = time.perf_counter() - loaded
    gc.collect()
    after = rss_bytes()
    await scheduler.close()
    await service.close()
    await store.close()
    return {
        "games": games,
        "recovery_s": recovery,
        "timers_rescheduled": timers,
        "rss_per_game_kb": (after - before) / games / 1024,
        "load_all_s": loaded,
        "rss_total_mb": after / 2**20,
    }


# --- main --------------------------------------------------------------------------------------


async def service_figures(directory: Path, quick: bool) -> dict[str, Any]:
    seconds = 2.0 if quick else 8.0
    figures: dict[str, Any] = {"loadavg_at_start": os.getloadavg()[0]}
    figures["raw_commit_per_s"] = await raw_commit_rate(directory / "raw.sqlite", seconds)
    raw_latency = await raw_commit_latency(directory / "raw-latency.sqlite", seconds)
    figures.update({f"raw_commit_{k}": v for k, v in raw_latency.items()})

    traffic = Traffic(load_scenario(SCENARIO))
    ids = [f"game-{n:04d}" for n in range(1000)]
    async with SqliteStore(directory / "service.sqlite") as store:
        service = GameService(store, SystemClock())
        began = time.perf_counter()
        await set_up_games(service, traffic, ids)
        figures["setup_1000_games_s"] = time.perf_counter() - began
        for count in (1, 100, 1000):
            result = await throughput(service, store, traffic, ids[:count], seconds)
            figures[f"cmd_per_s_{count}"] = result["commands_per_s"]
            figures[f"cmd_per_commit_{count}"] = result["commands_per_commit"]
            figures[f"ratio_{count}"] = result["commands_per_s"] / figures["raw_commit_per_s"]
        result = await latency(
            service,
            traffic,
            ids,
            rate=500.0,
            warmup=1.0 if quick else 2.0,
            windows=2 if quick else 3,
            seconds=seconds,
        )
        figures.update({f"latency_{k}": v for k, v in result.items()})
        await service.close()
    # The raw rate again: the disk of a shared machine drifts during a run.
    figures["raw_commit_per_s_after"] = await raw_commit_rate(directory / "raw2.sqlite", seconds)

    result = await load_times(directory, 5000, repeats=3 if quick else 7)
    figures.update({f"load_{k}": v for k, v in result.items()})
    return figures


def run_child(directory: Path, games: int) -> dict[str, Any]:
    path = directory / "many.sqlite"
    began = time.perf_counter()
    asyncio.run(build_many(path, games))
    build = time.perf_counter() - began
    output = subprocess.run(
        [sys.executable, __file__, "--child", str(path), "--games", str(games)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    figures = json.loads(output.strip().splitlines()[-1])
    figures["build_s"] = build
    return figures


def table(figures: dict[str, Any]) -> str:
    f = figures
    rows = [
        (
            "raw SQLite single-row durable commits",
            f"{f['raw_commit_per_s']:.0f} /s",
            f"{f['raw_commit_per_s_after']:.0f} /s at the end of (a)+(b);"
            f" commit latency p50 {f['raw_commit_p50_ms']:.2f} ms, p99 {f['raw_commit_p99_ms']:.2f} ms",
        ),
        *(
            (
                f"(a) durable commands, {n} game{'s' if n > 1 else ''} at once",
                f"{f[f'cmd_per_s_{n}']:.0f} /s",
                f"{f[f'ratio_{n}']:.2f}x raw, {f[f'cmd_per_commit_{n}']:.1f} per commit",
            )
            for n in (1, 100, 1000)
        ),
        (
            "(b) handle() latency, 1,000 active games",
            f"p50 {f['latency_p50_ms']:.2f} ms, p99 {f['latency_p99_ms']:.2f} ms",
            f"{f['latency_offered_per_s']:.0f} commands/s offered (open loop,"
            f" {f['latency_achieved_per_s']:.0f} /s counted after {f['latency_warmup_s']:.0f} s"
            f" warm-up); p95 {f['latency_p95_ms']:.2f} ms, max {f['latency_max_ms']:.1f} ms;"
            f" p99 per window {', '.join(f'{v:.1f}' for v in f['latency_window_p99_ms'])} ms",
        ),
        (
            "(b) the same, counted from each arrival",
            f"p50 {f['latency_from_arrival_p50_ms']:.2f} ms,"
            f" p99 {f['latency_from_arrival_p99_ms']:.2f} ms",
            f"includes the generator's lag (p99 {f['latency_lag_p99_ms']:.2f} ms)",
        ),
        (
            "(b) CPU meanwhile (cores)",
            f"{f['latency_own_cores']:.2f} this process",
            f"{f['latency_others_cores']:.2f} other processes, of {f['cpus']};"
            f" load average {f['loadavg_at_start']:.1f} at the start of the run,"
            f" {f['loadavg_at_end']:.1f} at the end",
        ),
        ("(c) load 5,000-event game, log only", f"{f['load_no_snapshot_ms']:.1f} ms", ""),
        (
            "(c) load 5,000-event game, snapshot",
            f"{f['load_snapshot_tail99_ms']:.1f} ms",
            f"99-event tail; {f['load_snapshot_tail0_ms']:.1f} ms with none",
        ),
        (
            f"(d) resident memory per active game ({f['many_games']:,} games)",
            f"{f['many_rss_per_game_kb']:.1f} KB",
            f"loading them all took {f['many_load_all_s']:.1f} s",
        ),
        (
            f"(e) recovery after restart ({f['many_games']:,} games)",
            f"{f['many_recovery_s'] * 1000:.0f} ms",
            f"{f['many_timers_rescheduled']:,} timers rescheduled",
        ),
    ]
    width = max(len(r[0]) for r in rows)
    value_width = max(len(r[1]) for r in rows)
    return "\n".join(f"{a:<{width}}  {b:<{value_width}}  {c}".rstrip() for a, b, c in rows)


def main() -> None:
    parser = argparse.ArgumentParser(description="Détente service benchmarks")
    parser.add_argument("--quick", action="store_true", help="shorter runs (under a minute)")
    parser.add_argument(
        "--games", type=int, help="games for (d) and (e) (default 10,000; 2,000 with --quick)"
    )
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    games = arguments.games or (2_000 if arguments.quick else 10_000)
    if arguments.child:
        print(json.dumps(asyncio.run(many_games_child(arguments.child, games))))
        return
    with tempfile.TemporaryDirectory(prefix="detente-bench-") as scratch:
        directory = Path(scratch)
        figures = asyncio.run(service_figures(directory, arguments.quick))
        many = run_child(directory, games)
        figures.update({f"many_{k}": v for k, v in many.items()})
    figures["loadavg_at_end"] = os.getloadavg()[0]
    figures["quick"] = arguments.quick
    figures["cpus"] = os.cpu_count()
    print(table(figures))
    print(json.dumps({k: round(v, 3) if isinstance(v, float) else v for k, v in figures.items()}))


if __name__ == "__main__":
    main()

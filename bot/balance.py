"""The balance report: many seeded games of computer delegations per scenario.

`detente content balance` calls `balance_report`. Each game is played out by
the core (`game.autoplay.play_out`) with the computer delegations in every
seat and the built-in mediator, on seeds 1..N, so a report is reproducible.
It tells a scenario author whether a scenario is always peaceful, always ends
in cyber conflict, or — what we want — sometimes one and sometimes the other,
and how the delegations' scores spread.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.content import list_scenarios, load_scenario
from game.autoplay import play_out
from game.scenario import Scenario
from game.scoring import scores

# (games done, games in total, note) — the CLI's Progress has this shape.
ProgressCallback = Callable[..., Any]

# Simulated games start at a fixed instant, so a seed alone fixes a game.
START = datetime(2030, 1, 1, 9, 0, tzinfo=UTC)


@dataclass(frozen=True)
class ScoreSpread:
    """One delegation's total score over the games."""

    state: str
    name: str
    low: int
    mean: float
    high: int
    objectives_met: float  # share of its objectives met, over all games


@dataclass(frozen=True)
class ScenarioBalance:
    scenario_id: str
    title: str
    games: int
    conflicts: int
    agreements: int  # agreements entered into force, all games together
    cbms: int
    norms: int  # norms adopted by the forum
    mediations: int  # mediations opened (stalls, requests, crises)
    mediations_settled: int
    rounds_played: float  # mean
    spreads: tuple[ScoreSpread, ...]
    objective_rates: dict[str, dict[str, float]] = field(default_factory=dict)

    @property
    def conflict_rate(self) -> float:
        return self.conflicts / self.games if self.games else 0.0

    def per_game(self, count: int) -> float:
        return count / self.games if self.games else 0.0

    @property
    def verdict(self) -> str:
        if self.conflicts == 0:
            return "always peaceful"
        if self.conflicts == self.games:
            return "always in conflict"
        return "balanced"


@dataclass(frozen=True)
class BalanceReport:
    scenarios: tuple[ScenarioBalance, ...]

    def text(self) -> str:
        return render_table(self)

    def __str__(self) -> str:
        return self.text()


def balance_report(
    scenario: Scenario | str | Path | None = None,
    games: int = 200,
    progress: ProgressCallback | None = None,
    *,
    scenarios: Sequence[Scenario | str | Path] | None = None,
    first_seed: int = 1,
) -> BalanceReport:
    """Play `games` seeded games of each scenario (one given, several given,
    or every shipped one) and summarise them."""
    if games < 1:
        raise ValueError("games must be at least 1")
    chosen = _resolve(scenario, scenarios)
    total = games * len(chosen)
    done = 0
    results = []
    for sc in chosen:
        finals = []
        all_events = []
        for seed in range(first_seed, first_seed + games):
            events, final = play_out(sc, seed, START)
            finals.append(final)
            all_events.append(events)
            done += 1
            if progress is not None:
                progress(done, total, sc.id)
        results.append(summarise(sc, all_events, finals))
    return BalanceReport(tuple(results))


def summarise(
    scenario: Scenario, games: Sequence[Sequence[Any]], finals: Sequence[Any]
) -> ScenarioBalance:
    """The figures of one scenario from its games' events and final states."""
    conflicts = agreements = cbms = norms = mediations = settled = 0
    rounds: list[int] = []
    totals: dict[str, list[int]] = {s.id: [] for s in scenario.states}
    met: dict[str, dict[str, int]] = {
        s.id: {o.id: 0 for o in s.objectives} for s in scenario.states
    }
    for events, final in zip(games, finals, strict=True):
        if final.ended_reason == "conflict":
            conflicts += 1
        rounds.append(final.round)
        norms += len(final.norms_in_force)
        for event in events:
            if event.type == "entered_into_force":
                proposal = final.proposals.get(event.proposal)
                kind = proposal.kind if proposal is not None else None
                if kind == "agreement":
                    agreements += 1
                elif kind == "cbm":
                    cbms += 1
            elif event.type == "mediation_offered":
                mediations += 1
            elif event.type == "mediation_settled":
                settled += 1
        for sid, card in scores(final).items():
            totals[sid].append(card.total)
            for oid, ok in card.objectives.items():
                met[sid][oid] += int(ok)
    n = len(finals)
    spreads = tuple(
        ScoreSpread(
            state=s.id,
            name=s.name,
            low=min(totals[s.id]),
            mean=statistics.fmean(totals[s.id]),
            high=max(totals[s.id]),
            objectives_met=sum(met[s.id].values()) / (n * len(s.objectives)),
        )
        for s in scenario.states
    )
    return ScenarioBalance(
        scenario_id=scenario.id,
        title=scenario.title,
        games=n,
        conflicts=conflicts,
        agreements=agreements,
        cbms=cbms,
        norms=norms,
        mediations=mediations,
        mediations_settled=settled,
        rounds_played=statistics.fmean(rounds),
        spreads=spreads,
        objective_rates={
            sid: {oid: count / n for oid, count in objectives.items()}
            for sid, objectives in met.items()
        },
    )


def render_table(report: BalanceReport) -> str:
    """The report as plain text: a line of figures per scenario, then the
    score spread of each delegation."""
    lines = [
        f"{'scenario':<18} {'games':>5} {'conflict':>8} {'agreements':>10} {'CBMs':>5} "
        f"{'norms':>5} {'mediations':>10} {'settled':>7} {'rounds':>6}  verdict",
    ]
    for b in report.scenarios:
        lines.append(
            f"{b.scenario_id:<18} {b.games:>5} {b.conflict_rate:>8.0%} "
            f"{b.per_game(b.agreements):>10.2f} {b.per_game(b.cbms):>5.2f} "
            f"{b.per_game(b.norms):>5.2f} {b.per_game(b.mediations):>10.2f} "
            f"{b.per_game(b.mediations_settled):>7.2f} {b.rounds_played:>6.1f}  {b.verdict}"
        )
    lines.append("(agreements, CBMs, norms, mediations: per game)")
    for b in report.scenarios:
        lines.append("")
        lines.append(f"{b.scenario_id}: score per delegation (min / mean / max, objectives met)")
        for s in b.spreads:
            lines.append(
                f"  {s.state:<14} {s.low:>4} / {s.mean:>5.1f} / {s.high:>4}   "
                f"{s.objectives_met:>4.0%}"
            )
    return "\n".join(lines)


def _resolve(
    scenario: Scenario | str | Path | None,
    scenarios: Iterable[Scenario | str | Path | None] | None,
) -> list[Scenario]:
    refs: list[Scenario | str | Path] = []
    if scenario is not None:
        refs.append(scenario)
    if scenarios is not None:
        refs.extend(s for s in scenarios if s is not None)
    if not refs:
        return list_scenarios()
    return [s if isinstance(s, Scenario) else load_scenario(s) for s in refs]

"""The balance report: many seeded games of computer delegations per scenario.

`detente content balance` calls `balance_report`. Each game is played out by
the core (`game.autoplay.play_out`) with the computer delegations in every
seat and the built-in mediator, on seeds 1..N, so a report is reproducible.
It tells a scenario author whether a scenario is always peaceful, always ends
in cyber conflict, or — what we want — sometimes one and sometimes the other,
and how the delegations' scores spread.

`good_play_report` asks whether the scoring rewards the good play of the
design: it plays the same seeds again with the computer delegations denied
one kind of move (back-channel talks, mediation, joint incident reporting, a
bilateral agreement, forum norms) and compares the scores with full play.
Computer delegations make every one of those moves in nearly every game, so
comparing the games where a move happened with those where it did not says
little; taking the move away, seed by seed, does. From the shell:

    python -m bot.balance --good-play --scenario twin-grids --games 200
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.content import list_scenarios, load_scenario
from game.autoplay import SkipFn, play_out
from game.commands import (
    AcceptProposal,
    AcceptWithConditions,
    ConsentMediation,
    CounterProposal,
    OpenBackchannel,
    ProposeAgreement,
    ProposeCBM,
    ProposeNorm,
    RequestMediation,
)
from game.scenario import Scenario
from game.scoring import scores
from game.state import GameState, Terms

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


# --- does the scoring reward good play? ---------------------------------------------


def _terms(state: GameState, command: Any) -> Terms | None:
    """What a computer command would commit its state to, if anything."""
    match command:
        case ProposeCBM():
            return Terms(kind="cbm", parties=command.parties, cbm=command.cbm)
        case ProposeAgreement():
            return Terms(kind="agreement", parties=command.parties, clauses=command.clauses)
        case CounterProposal() | AcceptProposal() | AcceptWithConditions():
            p = state.proposals.get(command.proposal)
            if p is None:
                return None
            terms = p.current.terms
            if isinstance(command, CounterProposal):
                update: dict[str, Any] = {}
                if command.clauses:
                    update["clauses"] = {**terms.clauses, **command.clauses}
                if command.cbm:
                    update["cbm"] = command.cbm
                terms = terms.model_copy(update=update)
            elif isinstance(command, AcceptWithConditions):
                clauses = {**terms.clauses, command.clause: command.option}
                terms = terms.model_copy(update={"clauses": clauses})
            return terms
    return None


def _has_joint_reporting(state: GameState, terms: Terms) -> bool:
    catalogs = state.scenario.catalogs
    if terms.kind == "cbm" and terms.cbm in catalogs.cbms:
        return "joint_incident_reporting" in catalogs.cbms[terms.cbm].effects
    if terms.kind == "agreement":
        for clause_id, option_id in terms.clauses.items():
            clause = catalogs.clauses.get(clause_id)
            if clause is None or clause.effect != "joint_incident_reporting":
                continue
            if any(o.id == option_id and o.level > 0 for o in clause.options):
                return True
    return False


def _no_backchannels(state: GameState, command: Any) -> bool:
    return isinstance(command, OpenBackchannel)


def _no_mediation(state: GameState, command: Any) -> bool:
    return isinstance(command, RequestMediation | ConsentMediation)


def _no_joint_reporting(state: GameState, command: Any) -> bool:
    terms = _terms(state, command)
    return terms is not None and _has_joint_reporting(state, terms)


def _no_agreement(state: GameState, command: Any) -> bool:
    terms = _terms(state, command)
    return terms is not None and terms.kind == "agreement"


def _no_forum(state: GameState, command: Any) -> bool:
    return isinstance(command, ProposeNorm)


# The good play of DESIGN.md section 4, each as the moves a delegation would
# have to give up to skip it.
GOOD_PLAY: tuple[tuple[str, str, SkipFn], ...] = (
    ("back-channels", "no back-channel talks", _no_backchannels),
    ("mediation", "no third-party mediation (never asks for it nor consents)", _no_mediation),
    (
        "joint-reporting",
        "no joint incident reporting (no such CBM, no such clause)",
        _no_joint_reporting,
    ),
    ("agreement", "no bilateral agreement (and so no mediator's text)", _no_agreement),
    ("forum", "no forum norms proposed", _no_forum),
)


@dataclass(frozen=True)
class PlayVariant:
    """The same seeds played one way: full play, or without one good move."""

    id: str
    description: str
    games: int
    conflicts: int
    agreements: float  # per game
    mediations_settled: float  # per game
    mean_scores: dict[str, float]

    @property
    def conflict_rate(self) -> float:
        return self.conflicts / self.games if self.games else 0.0


@dataclass(frozen=True)
class GoodPlayReport:
    scenario_id: str
    states: tuple[str, ...]
    full: PlayVariant
    without: tuple[PlayVariant, ...]

    def rewarded(self, variant: PlayVariant) -> dict[str, bool]:
        """For each state: does full play score more than play without it?"""
        return {s: self.full.mean_scores[s] > variant.mean_scores[s] for s in self.states}

    def text(self) -> str:
        head = " ".join(f"{s:>9}" for s in self.states)
        lines = [
            f"{self.scenario_id}: mean score per delegation, {self.full.games} seeded games each",
            f"{'play':<18} {'conflict':>8} {'agreements':>10} {'settled':>7}  {head}",
        ]
        for v in (self.full, *self.without):
            scores_ = " ".join(f"{v.mean_scores[s]:>9.1f}" for s in self.states)
            lines.append(
                f"{v.id:<18} {v.conflict_rate:>8.0%} {v.agreements:>10.2f} "
                f"{v.mediations_settled:>7.2f}  {scores_}"
            )
        lines.append("")
        lines.append("full play minus play without (positive: the scoring rewards the move):")
        for v in self.without:
            gains = ", ".join(
                f"{s} {self.full.mean_scores[s] - v.mean_scores[s]:+.1f}" for s in self.states
            )
            lines.append(f"  {v.description}: {gains}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.text()


def _variant(
    sc: Scenario,
    variant_id: str,
    description: str,
    skip: SkipFn | None,
    seeds: range,
    played: Callable[[str], None] | None = None,
) -> PlayVariant:
    totals: dict[str, list[int]] = {s.id: [] for s in sc.states}
    conflicts = agreements = settled = 0
    for seed in seeds:
        events, final = play_out(sc, seed, START, skip=skip)
        if played is not None:
            played(variant_id)
        conflicts += final.ended_reason == "conflict"
        for event in events:
            if event.type == "entered_into_force":
                proposal = final.proposals.get(event.proposal)
                agreements += proposal is not None and proposal.kind == "agreement"
            elif event.type == "mediation_settled":
                settled += 1
        for sid, card in scores(final).items():
            totals[sid].append(card.total)
    n = len(seeds)
    return PlayVariant(
        id=variant_id,
        description=description,
        games=n,
        conflicts=conflicts,
        agreements=agreements / n,
        mediations_settled=settled / n,
        mean_scores={sid: statistics.fmean(t) for sid, t in totals.items()},
    )


def good_play_report(
    scenario: Scenario | str | Path = "twin-grids",
    games: int = 200,
    progress: ProgressCallback | None = None,
    *,
    first_seed: int = 1,
    variants: Sequence[str] | None = None,
) -> GoodPlayReport:
    """Play `games` seeds with full play and again without each good move (all
    of GOOD_PLAY, or the ids in `variants`), and compare the mean scores.
    `progress`, if given, is told (games played, games in all, which play)
    after every game."""
    if games < 1:
        raise ValueError("games must be at least 1")
    (sc,) = _resolve(scenario, None)
    chosen = [g for g in GOOD_PLAY if variants is None or g[0] in variants]
    seeds = range(first_seed, first_seed + games)
    total = games * (len(chosen) + 1)
    done = 0

    def played(variant_id: str) -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(done, total, variant_id)

    full = _variant(sc, "full play", "full play", None, seeds, played)
    without = []
    for vid, description, skip in chosen:
        without.append(_variant(sc, f"no {vid}", description, skip, seeds, played))
    return GoodPlayReport(
        scenario_id=sc.id, states=tuple(s.id for s in sc.states), full=full, without=tuple(without)
    )


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


def main(argv: Sequence[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m bot.balance",
        description="The balance report; with --good-play, whether the scoring rewards good play.",
    )
    parser.add_argument("--scenario", metavar="ID", help="one scenario (default: every one)")
    parser.add_argument("--games", type=int, default=200, metavar="N", help="default 200")
    parser.add_argument(
        "--good-play",
        action="store_true",
        help="compare full play with play denied each good move (default scenario: twin-grids)",
    )
    args = parser.parse_args(argv)
    if args.games < 1:
        parser.error("--games must be at least 1")
    if args.good_play:
        print(good_play_report(args.scenario or "twin-grids", games=args.games))
    else:
        print(balance_report(args.scenario, games=args.games))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

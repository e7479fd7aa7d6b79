"""Scoring: secret objectives + reputation + the shared stability bonus.

- Each secret objective met scores its points (checked on the state now; the
  final score is the one in `GameEnded`).
- Reputation scores `reputation // reputation_points_divisor`.
- The shared stability bonus is `stability_bonus_max x mean(100 - tension) / 100`
  over every pair, the same for everyone; a game ended in conflict zeroes it.
"""

from __future__ import annotations

from game.events import ScoreCard
from game.scenario import (
    AgreementInForce,
    CBMInForce,
    ClauseAvoided,
    CorrectAttributions,
    NoConflict,
    NormAdopted,
    NormNotAdopted,
    ReputationAtLeast,
    ResilienceAtLeast,
    TensionBelow,
)
from game.state import GameState
from game.tension import mean_calm
from game.treaties import clauses_of, in_force


def objective_met(state: GameState, state_id: str, objective) -> bool:
    d = state.delegations[state_id]
    match objective:
        case AgreementInForce():
            return any(
                state_id in p.terms.parties
                and (objective.with_state is None or objective.with_state in p.terms.parties)
                and any(c.id == objective.clause for c, _ in clauses_of(state, p))
                for p in in_force(state, "agreement")
            )
        case CBMInForce():
            return any(
                state_id in p.terms.parties
                and p.terms.cbm == objective.cbm
                and (objective.with_state is None or objective.with_state in p.terms.parties)
                for p in in_force(state, "cbm")
            )
        case NormAdopted():
            return objective.norm in state.norms_in_force
        case NormNotAdopted():
            return objective.norm not in state.norms_in_force
        case ClauseAvoided():
            return not any(
                state_id in p.terms.parties
                and any(c.id == objective.clause for c, _ in clauses_of(state, p))
                for p in in_force(state, "agreement")
            )
        case TensionBelow():
            if objective.with_state not in state.delegations or objective.with_state == state_id:
                return False
            return state.tension(state_id, objective.with_state) < objective.value
        case ReputationAtLeast():
            return d.reputation >= objective.value
        case CorrectAttributions():
            return d.correct_attributions >= objective.count
        case ResilienceAtLeast():
            return d.resilience.get(objective.sector, 0) >= objective.value
        case NoConflict():
            return state.ended_reason != "conflict"
    return False  # pragma: no cover


def stability_points(state: GameState) -> int:
    if state.ended_reason == "conflict":
        return 0
    return round(state.rules.stability_bonus_max * mean_calm(state) / 100)


def score(state: GameState, state_id: str) -> ScoreCard:
    profile = state.profile(state_id)
    met = {o.id: objective_met(state, state_id, o) for o in profile.objectives}
    objective_points = sum(o.points for o in profile.objectives if met[o.id])
    reputation_points = (
        state.delegations[state_id].reputation // state.rules.reputation_points_divisor
    )
    stability = stability_points(state)
    return ScoreCard(
        state=state_id,
        objectives=met,
        objective_points=objective_points,
        reputation_points=reputation_points,
        stability_points=stability,
        total=objective_points + reputation_points + stability,
    )


def scores(state: GameState) -> dict[str, ScoreCard]:
    return {sid: score(state, sid) for sid in state.state_ids}

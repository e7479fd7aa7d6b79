"""Tension, trust, reputation, capital and resilience: the numbers, their
ranges, and the crisis and conflict thresholds.

Every change is an `Effects` of deltas that `apply_effects` clamps into its
range (tension, trust and reputation 0-100, capital >= 0, resilience 0-10).
`EffectsBuilder` is how the rules compose them.
"""

from __future__ import annotations

from collections import defaultdict

from game.events import Effects
from game.state import Delegation, GameState, Relation, pair_key


def clamp(value: int, low: int = 0, high: int = 100) -> int:
    return max(low, min(high, value))


class EffectsBuilder:
    def __init__(self) -> None:
        self.tension: dict[str, int] = defaultdict(int)
        self.trust: dict[str, int] = defaultdict(int)
        self.reputation: dict[str, int] = defaultdict(int)
        self.capital: dict[str, int] = defaultdict(int)
        self.resilience: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))

    def add_tension(self, a: str, b: str, delta: int) -> EffectsBuilder:
        if a != b and delta:
            self.tension[pair_key(a, b)] += delta
        return self

    def add_trust(self, a: str, b: str, delta: int) -> EffectsBuilder:
        if a != b and delta:
            self.trust[pair_key(a, b)] += delta
        return self

    def add_reputation(self, s: str, delta: int) -> EffectsBuilder:
        if delta:
            self.reputation[s] += delta
        return self

    def add_capital(self, s: str, delta: int) -> EffectsBuilder:
        if delta:
            self.capital[s] += delta
        return self

    def add_resilience(self, s: str, sector: str, delta: int) -> EffectsBuilder:
        if delta:
            self.resilience[s][sector] += delta
        return self

    def build(self) -> Effects:
        def nz(d: dict) -> dict:
            return {k: v for k, v in sorted(d.items()) if v}

        return Effects(
            tension=nz(self.tension),
            trust=nz(self.trust),
            reputation=nz(self.reputation),
            capital=nz(self.capital),
            resilience={s: nz(d) for s, d in sorted(self.resilience.items()) if nz(d)},
        )


def cost(state_id: str, amount: int) -> Effects:
    return EffectsBuilder().add_capital(state_id, -amount).build()


def apply_effects(state: GameState, effects: Effects) -> GameState:
    if effects.is_empty():
        return state
    relations = dict(state.relations)
    for key, delta in effects.tension.items():
        r = relations[key]
        relations[key] = r.model_copy(update={"tension": clamp(r.tension + delta)})
    for key, delta in effects.trust.items():
        r = relations[key]
        relations[key] = r.model_copy(update={"trust": clamp(r.trust + delta)})
    delegations: dict[str, Delegation] = dict(state.delegations)
    touched = set(effects.reputation) | set(effects.capital) | set(effects.resilience)
    for sid in touched:
        d = delegations[sid]
        resilience = dict(d.resilience)
        for sector, delta in effects.resilience.get(sid, {}).items():
            resilience[sector] = clamp(resilience.get(sector, 0) + delta, 0, 10)
        delegations[sid] = d.model_copy(
            update={
                "reputation": clamp(d.reputation + effects.reputation.get(sid, 0)),
                "capital": max(0, d.capital + effects.capital.get(sid, 0)),
                "resilience": resilience,
            }
        )
    return state.model_copy(update={"relations": relations, "delegations": delegations})


def new_relation(a: str, b: str, tension: int, trust: int) -> Relation:
    x, y = sorted((a, b))
    return Relation(a=x, b=y, tension=tension, trust=trust)


def credibility(state: GameState, accuser: str) -> float:
    """How far others believe the accuser: the mean trust others place in it,
    relative to a neutral 50 (0.0-1.5)."""
    trusts = [r.trust for r in state.relations.values() if accuser in (r.a, r.b)]
    if not trusts:
        return 1.0
    return min(1.5, (sum(trusts) / len(trusts)) / 50)


def mean_calm(state: GameState) -> float:
    """mean(100 - tension) over every pair, 0-100."""
    if not state.relations:
        return 100.0
    return sum(100 - r.tension for r in state.relations.values()) / len(state.relations)

"""What is in force: CBMs, agreements and norms, as the rules query them.

A proposal is in force from the resolution step after its acceptance
(status "in_force"). These queries are how the rest of the rules read the
commitments: a hotline between two states, a spared sector, an adopted norm.
"""

from __future__ import annotations

from collections.abc import Iterator

from game.scenario import CBM, Clause, ClauseOption, Norm
from game.state import GameState, Proposal


def in_force(state: GameState, kind: str | None = None) -> Iterator[Proposal]:
    for p in state.proposals.values():
        if p.status == "in_force" and (kind is None or p.kind == kind):
            yield p


def binds(p: Proposal, *states: str) -> bool:
    return all(s in p.terms.parties for s in states)


def cbms_between(state: GameState, a: str, b: str) -> list[CBM]:
    """CBMs in force that bind both states."""
    out: list[CBM] = []
    for p in in_force(state, "cbm"):
        if binds(p, a, b) and p.terms.cbm in state.scenario.catalogs.cbms:
            out.append(state.scenario.catalogs.cbms[p.terms.cbm])
    return out


def cbm_effect_between(state: GameState, a: str, b: str, effect: str) -> bool:
    return any(effect in c.effects for c in cbms_between(state, a, b))


def cbm_effect_with_anyone(state: GameState, a: str, effect: str) -> list[str]:
    """The states `a` shares a CBM of this effect with."""
    out: list[str] = []
    for p in in_force(state, "cbm"):
        cbm = state.scenario.catalogs.cbms.get(p.terms.cbm or "")
        if cbm is not None and effect in cbm.effects and a in p.terms.parties:
            out.extend(s for s in p.terms.parties if s != a and s not in out)
    return out


def clauses_of(state: GameState, p: Proposal) -> list[tuple[Clause, ClauseOption]]:
    """The agreement's clauses with their chosen options (level 0 = no commitment kept out)."""
    out: list[tuple[Clause, ClauseOption]] = []
    for clause_id, option_id in p.terms.clauses.items():
        clause = state.scenario.catalogs.clauses.get(clause_id)
        if clause is None:
            continue
        option = next((o for o in clause.options if o.id == option_id), None)
        if option is not None and option.level > 0:
            out.append((clause, option))
    return out


def clause_effect_between(state: GameState, a: str, b: str, effect: str) -> list[Proposal]:
    """Agreements in force binding both states with a committed clause of this effect."""
    return [
        p
        for p in in_force(state, "agreement")
        if binds(p, a, b) and any(c.effect == effect for c, _ in clauses_of(state, p))
    ]


def shares_information(state: GameState, a: str, b: str) -> bool:
    """Joint incident reporting: a CBM, or an agreement clause, between them."""
    return (
        cbm_effect_between(state, a, b, "joint_incident_reporting")
        or bool(clause_effect_between(state, a, b, "joint_incident_reporting"))
        or bool(clause_effect_between(state, a, b, "information_exchange"))
    )


def norms(state: GameState) -> list[Norm]:
    return [
        state.scenario.catalogs.norms[n]
        for n in state.norms_in_force
        if n in state.scenario.catalogs.norms
    ]


def norm_effect(state: GameState, effect: str) -> list[Norm]:
    return [n for n in norms(state) if n.effect == effect]


def talks_between(state: GameState, a: str, b: str) -> bool:
    """An active talk: an open back-channel, an open proposal or a live mediation
    with both states."""
    for c in state.backchannels.values():
        if c.open and a in c.states and b in c.states:
            return True
    for p in state.proposals.values():
        if p.is_open and binds(p, a, b):
            return True
    return any(
        m.status in ("offered", "active") and a in m.parties and b in m.parties
        for m in state.mediations.values()
    )

"""The round: inject step -> negotiation -> resolution step.

`begin_round` grants capital and plays the inject step; `advance` runs the
resolution step and then the next round's inject step, or ends the game
after the last round. The resolution step, in order:

1. accepted proposals enter into force (their effects, -agreement_relief for
   agreements, resilience for assistance, a closed incident for cooperation,
   an adopted norm);
2. CBMs in force relieve tension (their `tension_relief`, capped per pair
   per round by `cbm_relief_cap`) and build trust;
3. agreements in force that were kept this round build trust;
4. back-channel dialogue: two states that both spoke this round in an open
   back-channel between them see tension fall by `backchannel_relief` and
   trust rise by `backchannel_trust` (once per pair, however many channels);
5. incidents of this round left open (not attributed, not closed) escalate;
6. open back-channels may leak (`leak_chance` each);
7. crisis pairs with no active talk are offered mediation (a stall);
8. the round's tension is recorded.
"""

from __future__ import annotations

from datetime import timedelta

from game.decision import Decision
from game.events import (
    BackchannelLeaked,
    EnteredIntoForce,
    IncidentClosed,
    RoundEffects,
    RoundEnded,
    RoundStarted,
)
from game.incidents import inject_step
from game.state import pair_key, pair_of
from game.tension import EffectsBuilder
from game.treaties import (
    cbm_effect_between,
    clauses_of,
    in_force,
    talks_between,
)


def begin_round(d: Decision, number: int) -> None:
    s = d.state
    effects = EffectsBuilder()
    for sid in s.state_ids:
        effects.add_capital(sid, s.profile(sid).capital_per_round)
    # Sanctions relief: +1 capital a round to every party of such an agreement.
    for p in in_force(s, "agreement"):
        for clause, _ in clauses_of(s, p):
            if clause.effect == "sanctions_relief":
                for sid in p.terms.parties:
                    effects.add_capital(sid, 1)
    deadline = d.now + timedelta(minutes=s.scenario.timers.round_minutes)
    d.emit(RoundStarted, round=number, deadline=deadline, effects=effects.build())
    # A pair may already stand past a threshold (a scenario starting in
    # crisis): announce it as the round begins, before its injects.
    d.check_thresholds()
    inject_step(d, number)


def enter_into_force(d: Decision) -> None:
    from game.proposals import force_effects

    for pid in sorted(d.state.proposals, key=lambda x: int(x[1:])):
        p = d.state.proposals[pid]
        if p.status != "accepted":
            continue
        effects, closes = force_effects(d.state, p)
        d.emit(EnteredIntoForce, proposal=pid, effects=effects)
        if closes is not None:
            d.emit(IncidentClosed, incident=closes, proposal=pid)


def _cbm_relief(d: Decision) -> None:
    s = d.state
    relief: dict[str, int] = {}
    trust: dict[str, int] = {}
    ids: list[str] = []
    for p in in_force(s, "cbm"):
        cbm = s.scenario.catalogs.cbms.get(p.terms.cbm or "")
        if cbm is None:
            continue
        ids.append(p.id)
        parties = p.terms.parties
        for i, a in enumerate(parties):
            for b in parties[i + 1 :]:
                key = "|".join(sorted((a, b)))
                relief[key] = relief.get(key, 0) + cbm.tension_relief
                gain = cbm.trust_gain * (2 if "transparency" in cbm.effects else 1)
                trust[key] = trust.get(key, 0) + gain
    if not ids:
        return
    effects = EffectsBuilder()
    cap = s.rules.cbm_relief_cap
    for key, amount in relief.items():
        a, b = pair_of(key)
        effects.add_tension(a, b, -min(cap, amount))
    for key, amount in trust.items():
        a, b = pair_of(key)
        effects.add_trust(a, b, amount)
    built = effects.build()
    if not built.is_empty():
        d.emit(RoundEffects, cause="cbm_relief", effects=built, detail=ids)


def _honoured(d: Decision) -> None:
    s = d.state
    breached = {b.proposal for b in s.breaches if b.round == s.round}
    effects = EffectsBuilder()
    ids: list[str] = []
    for p in in_force(s, "agreement"):
        if p.id in breached or p.in_force_round == s.round:
            continue
        ids.append(p.id)
        parties = p.terms.parties
        for i, a in enumerate(parties):
            for b in parties[i + 1 :]:
                effects.add_trust(a, b, s.rules.honoured_trust)
    built = effects.build()
    if ids and not built.is_empty():
        d.emit(RoundEffects, cause="honoured", effects=built, detail=ids)


def _dialogue(d: Decision) -> None:
    s = d.state
    pairs: set[str] = set()
    ids: list[str] = []
    for cid in sorted(s.backchannels, key=lambda x: int(x[1:])):
        c = s.backchannels[cid]
        if not c.open:
            continue
        spoke = sorted({m.by for m in c.messages if m.round == s.round and m.by in c.states})
        talked = [pair_key(a, b) for i, a in enumerate(spoke) for b in spoke[i + 1 :]]
        if talked:
            ids.append(cid)
            pairs.update(talked)
    effects = EffectsBuilder()
    for key in sorted(pairs):
        a, b = pair_of(key)
        effects.add_tension(a, b, -s.rules.backchannel_relief)
        effects.add_trust(a, b, s.rules.backchannel_trust)
    built = effects.build()
    if ids and not built.is_empty():
        d.emit(RoundEffects, cause="dialogue", effects=built, detail=ids)


def _escalation(d: Decision) -> None:
    s = d.state
    amount = s.rules.escalation_tension
    if not amount:
        return
    effects = EffectsBuilder()
    ids: list[str] = []
    cooling = set(s.cooloff_states) if s.cooloff_until is not None else set()
    for i in s.incidents.values():
        if i.status != "open" or i.round != s.round or i.apparent == i.victim:
            continue
        if i.victim in cooling and i.apparent in cooling:
            continue
        ids.append(i.id)
        effects.add_tension(i.victim, i.apparent, amount)
    built = effects.build()
    if ids and not built.is_empty():
        d.emit(RoundEffects, cause="escalation", effects=built, detail=ids)


def _leaks(d: Decision) -> None:
    s = d.state
    chance = s.rules.leak_chance
    for cid in sorted(s.backchannels, key=lambda x: int(x[1:])):
        c = d.state.backchannels[cid]
        if not c.open or c.leaked:
            continue
        if d.rng.random() >= chance:
            continue
        effects = EffectsBuilder()
        excluded = [x for x in d.state.state_ids if x not in c.states]
        for third in excluded:
            for member in c.states:
                effects.add_tension(third, member, d.state.rules.leak_tension)
        d.emit(BackchannelLeaked, channel=cid, states=list(c.states), effects=effects.build())


def _crisis_stalls(d: Decision) -> None:
    from game.mediation import offer_crisis_mediation

    for _key, r in sorted(d.state.relations.items()):
        if r.crisis and not talks_between(d.state, r.a, r.b):
            offer_crisis_mediation(d, r.a, r.b)


def resolution_step(d: Decision) -> None:
    s = d.state
    enter_into_force(d)
    _cbm_relief(d)
    _honoured(d)
    _dialogue(d)
    _escalation(d)
    _leaks(d)
    _crisis_stalls(d)
    d.emit(
        RoundEnded,
        round=s.round,
        tension={k: r.tension for k, r in sorted(d.state.relations.items())},
    )


def advance(d: Decision) -> None:
    """Resolution now, then the next round (or the end after the last)."""
    resolution_step(d)
    if d.state.round >= d.state.scenario.rounds:
        d.end("rounds")
    begin_round(d, d.state.round + 1)


def cbm_consultations(state, a: str, b: str) -> bool:
    return cbm_effect_between(state, a, b, "consultations")

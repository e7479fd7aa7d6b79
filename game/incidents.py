"""Injects: incidents (planned operations, their hits and breaches),
technology shifts, domestic shocks and news.

Operations and breaches: an incident scheduled for round N+1 whose author
is a state (or a proxy of one) is *planned* at round N's inject step; the
author delegation is told privately and may call it off during the
negotiation (`intel standdown`). If not called off it hits at round N+1's
inject step. Incidents of round 1, criminal incidents and the moderator's
ad hoc incidents hit at once.

When an incident hits, tension between the victim and the apparent author
(the false-flag state if any, else the responsible state) rises by
severity x `incident_tension_per_severity`, times `hotline_factor` with a
hotline in force between them. An incident by a party against another party
of an agreement in force that spares the sector (or forbids IP theft, for
espionage) is a breach.
"""

from __future__ import annotations

from game.base import RuleError
from game.commands import StandDown
from game.decision import Decision
from game.events import (
    BreachCommitted,
    DomesticShock,
    IncidentHit,
    NewsPublished,
    OperationPlanned,
    OperationStoodDown,
    TechnologyShift,
)
from game.scenario import DomesticInject, IncidentInject, NewsInject, TechnologyInject
from game.state import Breach, GameState, Incident
from game.tension import EffectsBuilder
from game.treaties import (
    cbm_effect_between,
    cbm_effect_with_anyone,
    clauses_of,
    in_force,
    norm_effect,
)

MAX_SEVERITY = 5


def responsible_state(state: GameState, author: str) -> tuple[str, str]:
    """(author kind, the state answerable for it): a state itself, a proxy's
    sponsor, a criminal group's host."""
    if author in state.delegations:
        return "state", author
    for g in state.scenario.groups:
        if g.id == author:
            return g.kind, g.state
    raise RuleError(f"The inject names an unknown author {author!r}.")


def _check_inject(state: GameState, inject: IncidentInject) -> None:
    if inject.template not in state.scenario.catalogs.incidents:
        raise RuleError(f"There is no incident template {inject.template!r} in this scenario.")
    if inject.victim not in state.delegations:
        raise RuleError(f"There is no state {inject.victim!r} to be the victim.")
    responsible_state(state, inject.author)
    if inject.false_flag_against is not None and inject.false_flag_against not in state.delegations:
        raise RuleError(f"There is no state {inject.false_flag_against!r} to frame.")


def build_incident(
    state: GameState, inject: IncidentInject, incident_id: str, round_: int
) -> Incident:
    _check_inject(state, inject)
    template = state.scenario.catalogs.incidents[inject.template]
    kind, responsible = responsible_state(state, inject.author)
    severity = inject.severity if inject.severity is not None else template.severity[1]
    return Incident(
        id=incident_id,
        template=template.id,
        headline=inject.headline,
        text=inject.text,
        sector=template.sector,
        victim=inject.victim,
        author=inject.author,
        author_kind=kind,  # type: ignore[arg-type]
        responsible=responsible,
        apparent=inject.false_flag_against or responsible,
        false_flag_against=inject.false_flag_against,
        espionage=template.espionage,
        base_severity=severity,
        round=round_,
        status="open",
    )


def technology_bonus(state: GameState, sector: str, victim: str) -> int:
    """Rapid technological change: each uncovered technology inject on the
    sector adds its bonus (one less per supply-chain / vulnerability-reporting
    norm in force)."""
    softening = len(norm_effect(state, "supply_chain")) + len(
        norm_effect(state, "vulnerability_reporting")
    )
    total = 0
    for t in state.technology:
        if t.sectors and sector not in t.sectors:
            continue
        if any(n in state.norms_in_force for n in t.covered_by_norms):
            continue
        if any(
            p.terms.cbm in t.covered_by_cbms and victim in p.terms.parties
            for p in in_force(state, "cbm")
        ):
            continue
        total += max(0, t.severity_bonus - softening)
    return total


def effective_severity(state: GameState, incident: Incident) -> int:
    victim = state.delegations[incident.victim]
    severity = incident.base_severity + technology_bonus(state, incident.sector, incident.victim)
    if cbm_effect_with_anyone(state, incident.victim, "vulnerability_disclosure"):
        severity -= 1
    # Resilience above the baseline of 5 blunts incidents: -1 per 2 levels.
    severity -= max(0, victim.resilience.get(incident.sector, 5) - 5) // 2
    severity -= victim.mitigation.get(incident.sector, 0)
    return max(1, min(MAX_SEVERITY, severity))


def incident_tension(state: GameState, victim: str, apparent: str, severity: int) -> int:
    rules = state.rules
    amount = severity * rules.incident_tension_per_severity
    if cbm_effect_between(state, victim, apparent, "hotline"):
        amount = round(amount * rules.hotline_factor)
    return amount


def hit(d: Decision, incident: Incident, scheduled: int | None = None) -> None:
    s = d.state
    severity = effective_severity(s, incident)
    incident = incident.model_copy(
        update={"severity": severity, "status": "open", "round": s.round}
    )
    effects = EffectsBuilder()
    if incident.apparent != incident.victim:
        effects.add_tension(
            incident.victim,
            incident.apparent,
            incident_tension(s, incident.victim, incident.apparent, severity),
        )
    d.emit(IncidentHit, incident=incident, effects=effects.build(), scheduled=scheduled)
    _breaches(d, incident)


def _breaches(d: Decision, incident: Incident) -> None:
    s = d.state
    if incident.author_kind == "criminal":
        return  # a criminal group is no party to any agreement
    breacher, victim = incident.responsible, incident.victim
    if breacher == victim:
        return
    for p in list(in_force(s, "agreement")):
        if breacher not in p.terms.parties or victim not in p.terms.parties:
            continue
        broken = False
        for clause, _option in clauses_of(s, p):
            if clause.effect == "spare_sector" and (
                not clause.sectors or incident.sector in clause.sectors
            ):
                broken = True
            if clause.effect == "no_ip_theft" and incident.espionage:
                broken = True
        if broken:
            rules = d.state.rules
            effects = (
                EffectsBuilder()
                .add_tension(breacher, victim, rules.breach_tension)
                .add_trust(breacher, victim, -rules.breach_trust)
                .build()
            )
            d.emit(
                BreachCommitted,
                breach=Breach(
                    proposal=p.id,
                    breacher=breacher,
                    victim=victim,
                    incident=incident.id,
                    round=s.round,
                ),
                effects=effects,
            )


def plan(d: Decision, inject: IncidentInject, scheduled: int) -> None:
    s = d.state
    incident = build_incident(s, inject, s.next_id("I", s.incidents), inject.round).model_copy(
        update={"status": "planned"}
    )
    d.emit(OperationPlanned, incident=incident, planner=incident.responsible, scheduled=scheduled)


def is_plannable(state: GameState, inject: IncidentInject) -> bool:
    """State and proxy operations after round 1 are planned a round ahead."""
    if inject.round <= 1:
        return False
    kind, _ = responsible_state(state, inject.author)
    return kind in ("state", "proxy")


def play_inject(d: Decision, inject, scheduled: int | None = None) -> None:
    """Play an inject now (scheduled: its index in the scenario)."""
    s = d.state
    if isinstance(inject, IncidentInject):
        incident = build_incident(s, inject, s.next_id("I", s.incidents), s.round)
        hit(d, incident, scheduled)
    elif isinstance(inject, TechnologyInject):
        d.emit(TechnologyShift, inject=inject, scheduled=scheduled)
    elif isinstance(inject, DomesticInject):
        if inject.state not in s.delegations:
            raise RuleError(f"There is no state {inject.state!r} for this domestic inject.")
        effects = EffectsBuilder()
        effects.add_capital(inject.state, inject.capital)
        effects.add_reputation(inject.state, inject.reputation)
        for other, delta in inject.tension_with.items():
            if other not in s.delegations:
                raise RuleError(f"There is no state {other!r} in this domestic inject.")
            effects.add_tension(inject.state, other, delta)
        d.emit(DomesticShock, inject=inject, effects=effects.build(), scheduled=scheduled)
    elif isinstance(inject, NewsInject):
        d.emit(NewsPublished, headline=inject.headline, text=inject.text, scheduled=scheduled)


def inject_step(d: Decision, round_: int) -> None:
    """Round `round_`'s inject step: planned operations hit, the round's
    injects play, and next round's operations are planned."""
    s = d.state
    for incident in sorted(s.incidents.values(), key=lambda i: int(i.id[1:])):
        if incident.status == "planned" and incident.round <= round_:
            hit(d, incident)
    for index, inject in enumerate(d.state.scenario.injects):
        if inject.round != round_ or index in d.state.injected:
            continue
        if isinstance(inject, IncidentInject) and is_plannable(d.state, inject):
            continue  # planned last round; hit above (or stood down)
        play_inject(d, inject, index)
    if round_ + 1 <= d.state.scenario.rounds:
        for index, inject in enumerate(d.state.scenario.injects):
            if (
                inject.round == round_ + 1
                and isinstance(inject, IncidentInject)
                and index not in d.state.injected
                and is_plannable(d.state, inject)
            ):
                plan(d, inject, index)


def stand_down(d: Decision, c: StandDown, actor_state: str) -> None:
    s = d.state
    incident = s.incidents.get(c.operation)
    if incident is None or incident.status != "planned" or incident.responsible != actor_state:
        mine = [
            i.id
            for i in s.incidents.values()
            if i.status == "planned" and i.responsible == actor_state
        ]
        listing = ", ".join(mine) if mine else "none"
        raise RuleError(
            f"{c.operation} is not an operation your state has planned; yours pending: {listing}."
        )
    d.emit(OperationStoodDown, incident=incident.id, state=actor_state)

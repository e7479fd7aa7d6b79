"""Attribution: investigating incidents, evidence and false flags, public
attribution, diplomatic measures, and private-sector actors.

Investigating an incident (`investigate_cost`) reveals
`evidence_per_investigation` items drawn from the scenario's evidence
catalog (one more with a public-private partnership CBM, `amount` more with
an actor that reveals evidence); each has a confidence; planted (false-flag)
items point to a state that is not the author. Joint incident reporting (a
CBM or clause) shares what one party finds with the other.

A public attribution (`attribute_cost`) names a culprit. Right: the
answerable state's reputation falls by `attribution_reputation`, scaled by
the accuser's credibility (others' trust in it) and multiplied by every
adopted norm the act violated. Wrong: tension with the accused rises by
`wrong_accusation_tension`, trust falls, and the accuser's reputation falls
(double under a "consider all information" norm).
"""

from __future__ import annotations

from game.base import RuleError
from game.commands import Attribute, EngageActor, Investigate, TakeMeasure
from game.decision import Decision
from game.events import ActorEngaged, AttributionMade, InvestigationCompleted, MeasureTaken
from game.proposals import pay
from game.state import Attribution, EvidenceItem, GameState, Incident
from game.tension import EffectsBuilder, credibility
from game.treaties import cbm_effect_with_anyone, norm_effect, shares_information

CRITICAL_DEFAULT = ("energy", "water", "health", "finance", "transport", "telecom")


def _incident(state: GameState, iid: str) -> Incident:
    i = state.incidents.get(iid)
    if i is None or i.status in ("planned", "stood_down"):
        hits = [x.id for x in state.incidents.values() if x.status not in ("planned", "stood_down")]
        raise RuleError(
            f"There is no incident {iid!r}; incidents so far: {', '.join(hits) or 'none'}."
        )
    return i


def _cooling(state: GameState, a: str, b: str) -> bool:
    return state.cooloff_until is not None and {a, b} <= set(state.cooloff_states)


def _draw_evidence(d: Decision, incident: Incident, count: int, finder: str) -> list[EvidenceItem]:
    s = d.state
    templates = list(s.scenario.catalogs.evidence.values())
    used = set(incident.evidence_templates)
    others = [x for x in s.state_ids if x not in (incident.responsible, incident.victim)]
    items: list[EvidenceItem] = []
    number = len(s.evidence)
    for _ in range(count):
        fresh = [t for t in templates if t.id not in used]
        if not fresh:
            break
        t = fresh[d.rng.randrange(len(fresh))]
        used.add(t.id)
        if t.false_flag:
            if incident.false_flag_against:
                points = incident.false_flag_against
            elif others:
                points = others[d.rng.randrange(len(others))]
            else:
                continue  # nobody else to frame: the planted trace leads nowhere
        else:
            points = incident.author
        number += 1
        items.append(
            EvidenceItem(
                id=f"E{number}",
                incident=incident.id,
                template=t.id,
                confidence=t.confidence,
                points_to=points,
                false_flag=t.false_flag,
                found_by=finder,
                known_by=[finder],
                round=s.round,
            )
        )
    return items


def investigate(d: Decision, c: Investigate, state_id: str) -> None:
    s = d.state
    incident = _incident(s, c.incident)
    if incident.status == "closed":
        raise RuleError(f"Incident {incident.id} is closed; there is nothing more to find.")
    cost = s.rules.investigate_cost
    count = s.rules.evidence_per_investigation
    if cbm_effect_with_anyone(s, state_id, "public_private_partnership"):
        count += 1
    if c.actor_id is not None:
        actor = s.scenario.catalogs.actors.get(c.actor_id)
        if actor is None or actor.effect != "reveal_evidence":
            usable = [
                a.id for a in s.scenario.catalogs.actors.values() if a.effect == "reveal_evidence"
            ]
            raise RuleError(
                f"{c.actor_id!r} is not an actor that reveals evidence; choose one of "
                f"{', '.join(usable) or 'none'}."
            )
        cost += actor.cost
        count += actor.amount
    available = [t for t in s.scenario.catalogs.evidence if t not in incident.evidence_templates]
    if not available:
        raise RuleError(f"Every trace of incident {incident.id} has been found already.")
    effects = pay(s, state_id, cost, "this investigation")
    items = _draw_evidence(d, incident, count, state_id)
    partners = [x for x in s.state_ids if x != state_id and shares_information(s, state_id, x)]
    items = [i.model_copy(update={"known_by": [state_id, *partners]}) for i in items]
    d.emit(
        InvestigationCompleted,
        incident=incident.id,
        state=state_id,
        actor_id=c.actor_id,
        evidence=items,
        effects=effects,
    )


def answerable_for(state: GameState, incident: Incident, culprit: str) -> tuple[bool, str | None]:
    """(is the attribution right, the state whose reputation it hits)."""
    kind = incident.author_kind
    if kind == "state":
        return culprit == incident.author, incident.author if culprit == incident.author else None
    if kind == "proxy":
        right = culprit in (incident.author, incident.responsible)
        return right, incident.responsible if right else None
    # criminal: the group is right; its host is answerable only under due diligence
    due_diligence = bool(norm_effect(state, "territory_due_diligence"))
    if culprit == incident.author:
        return True, incident.responsible if due_diligence else None
    if culprit == incident.responsible and due_diligence:
        return True, incident.responsible
    return False, None


def norm_multiplier(state: GameState, incident: Incident) -> float:
    """Adopted norms the act violated multiply the reputation cost."""
    m = 1.0
    for n in norm_effect(state, "protect_critical_infrastructure"):
        if incident.sector in (n.sectors or CRITICAL_DEFAULT):
            m *= n.reputation_multiplier
    for n in norm_effect(state, "human_rights"):
        if incident.sector in (n.sectors or ("elections",)):
            m *= n.reputation_multiplier
    for n in norm_effect(state, "protect_certs"):
        if incident.sector in (n.sectors or ("telecom",)):
            m *= n.reputation_multiplier
    if incident.author_kind in ("proxy", "criminal"):
        for n in norm_effect(state, "territory_due_diligence"):
            m *= n.reputation_multiplier
    return m


def _accused_state(state: GameState, culprit: str) -> str | None:
    if culprit in state.delegations:
        return culprit
    return state.group_state(culprit)


def attribute(d: Decision, c: Attribute, state_id: str) -> None:
    s = d.state
    incident = _incident(s, c.incident)
    accused = _accused_state(s, c.culprit)
    if accused is None:
        names = [*s.state_ids, *(g.id for g in s.scenario.groups)]
        raise RuleError(
            f"There is no state or group {c.culprit!r}; name one of {', '.join(names)}."
        )
    if c.culprit == state_id:
        raise RuleError("You cannot attribute an incident to your own state.")
    if any(a.incident == incident.id and a.by == state_id for a in s.attributions):
        raise RuleError(f"Your state has already attributed incident {incident.id}.")
    if accused != state_id and _cooling(s, state_id, accused):
        raise RuleError(
            "A cooling-off is in force between you and them; public accusations wait until it ends."
        )
    rules = s.rules
    effects = EffectsBuilder().add_capital(state_id, -pay_amount(s, state_id, rules.attribute_cost))
    right, hit = answerable_for(s, incident, c.culprit)
    if right:
        if hit is not None and hit != state_id:
            loss = (
                rules.attribution_reputation
                * credibility(s, state_id)
                * norm_multiplier(s, incident)
            )
            effects.add_reputation(hit, -round(loss))
    else:
        loss = rules.wrong_attribution_reputation
        for n in norm_effect(s, "consider_all_information"):
            loss = loss * n.reputation_multiplier
        effects.add_reputation(state_id, -round(loss))
        if accused != state_id:
            effects.add_tension(state_id, accused, rules.wrong_accusation_tension)
            effects.add_trust(state_id, accused, -rules.wrong_accusation_trust)
    d.emit(
        AttributionMade,
        attribution=Attribution(
            incident=incident.id, by=state_id, culprit=c.culprit, correct=right, round=s.round
        ),
        effects=effects.build(),
    )


def pay_amount(state: GameState, state_id: str, amount: int) -> int:
    pay(state, state_id, amount, "a public attribution")
    return amount


def take_measure(d: Decision, c: TakeMeasure, state_id: str) -> None:
    s = d.state
    response = s.scenario.catalogs.responses.get(c.response)
    if response is None:
        raise RuleError(
            f"There is no measure {c.response!r}; choose one of "
            f"{', '.join(s.scenario.catalogs.responses) or 'none'}."
        )
    if c.target not in s.delegations or c.target == state_id:
        raise RuleError("Name another state of this game as the target.")
    if _cooling(s, state_id, c.target):
        raise RuleError(
            "A cooling-off is in force between you and them; measures wait until it ends."
        )
    if response.requires_attribution and not any(
        a.by == state_id and _accused_state(s, a.culprit) == c.target for a in s.attributions
    ):
        raise RuleError(
            f"{response.name} follows a public attribution: attribute an incident to "
            f"{s.name_of(c.target)} first (`intel attribute <incident> {c.target}`)."
        )
    effects = EffectsBuilder().add_capital(state_id, -response.cost)
    pay(s, state_id, response.cost, response.name)
    effects.add_tension(state_id, c.target, response.tension)
    loss = round(response.target_reputation * credibility(s, state_id))
    effects.add_reputation(c.target, -loss)
    d.emit(
        MeasureTaken, state=state_id, response=response.id, target=c.target, effects=effects.build()
    )


def engage_actor(d: Decision, c: EngageActor, state_id: str) -> None:
    s = d.state
    actor = s.scenario.catalogs.actors.get(c.actor_id)
    if actor is None:
        raise RuleError(
            f"There is no actor {c.actor_id!r}; choose one of "
            f"{', '.join(s.scenario.catalogs.actors) or 'none'}."
        )
    if actor.effect == "reveal_evidence":
        raise RuleError(
            f"{actor.name} reveals evidence: use `intel investigate <incident> {actor.id}`."
        )
    effects = EffectsBuilder().add_capital(state_id, -actor.cost)
    pay(s, state_id, actor.cost, f"engaging {actor.name}")
    mitigation = 0
    if actor.effect == "raise_resilience":
        effects.add_resilience(state_id, c.sector, actor.amount)
    else:
        mitigation = actor.amount
    d.emit(
        ActorEngaged,
        state=state_id,
        actor_id=actor.id,
        sector=c.sector,
        mitigation=mitigation,
        effects=effects.build(),
    )

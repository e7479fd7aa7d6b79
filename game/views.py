"""What each audience may see: the public, one delegation, a back-channel's
members, the mediator, the moderator.

The rule of secrecy: an incident's true author and planted evidence, a
delegation's objectives, interest weights, capital, resilience and planned
operations, the words said in a back-channel, and open proposals between
others, appear only in the views of those entitled to them. Scores are shown
to a delegation for itself; the moderator sees everything.
`audiences_of` says which audiences a player belongs to (for routing).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from game.base import Frozen
from game.notice import Audience
from game.scenario import Objective
from game.scoring import objective_met, score
from game.state import (
    MEDIATOR,
    GameState,
    Message,
    Proposal,
    ProposalVersion,
)


class DelegationPublic(Frozen):
    id: str
    name: str
    flag: str
    control: str
    players: list[str]
    lead: str | None
    reputation: int
    ready: bool


class RelationPublic(Frozen):
    pair: str
    a: str
    b: str
    tension: int
    trust: int
    crisis: bool


class IncidentPublic(Frozen):
    id: str
    headline: str
    text: str
    sector: str
    victim: str
    severity: int
    round: int
    status: str
    suspected: str  # who the victim blames at first (not necessarily the author)


class AttributionPublic(Frozen):
    incident: str
    by: str
    culprit: str
    round: int


class ProposalView(Frozen):
    id: str
    kind: str
    proposer: str
    status: str
    version: int
    terms: dict[str, Any]
    summary: str
    versions: list[ProposalVersion]
    accepted_by: list[str]
    votes: dict[str, str]
    deadline: datetime | None
    mediation: str | None
    counters: int


class PublicView(Frozen):
    game_id: str
    scenario: str
    title: str
    briefing: str
    phase: str
    round: int
    rounds: int
    round_deadline: datetime | None
    early_advance: bool
    mediator: str  # the seated mediator's name, or the built-in one's
    delegations: list[DelegationPublic]
    relations: list[RelationPublic]
    incidents: list[IncidentPublic]
    attributions: list[AttributionPublic]
    forum: list[ProposalView]  # norm votes
    # Deals made (not norms): accepted ones enter into force at the next
    # resolution; `status` says which are in force already.
    agreed: list[ProposalView]
    norms_in_force: list[str]
    leaked_backchannels: list[dict[str, Any]]
    technology: list[str]
    statements: list[Message]
    cooloff_until: datetime | None
    cooloff_states: list[str]
    ended_reason: str | None


class EvidenceView(Frozen):
    id: str
    incident: str
    template: str
    name: str
    confidence: int
    points_to: str
    round: int


class OperationView(Frozen):
    id: str
    headline: str
    victim: str
    sector: str
    round: int  # when it hits unless called off
    status: str


class BackchannelView(Frozen):
    id: str
    states: list[str]
    mediator: bool
    open: bool
    leaked: bool
    messages: list[Message]


class MediationView(Frozen):
    id: str
    proposal: str
    parties: list[str]
    reason: str
    status: str
    consents: list[str]
    arbitration: list[str]
    text_tabled: bool
    deadline: datetime | None
    conditions: dict[str, str]
    opened_round: int = 0


class ObjectiveView(Frozen):
    objective: Objective
    met: bool


class DelegationView(Frozen):
    public: PublicView
    state: str
    name: str
    flag: str
    briefing: str
    players: list[str]
    lead: str | None
    capital: int
    capital_per_round: int
    reputation: int
    resilience: dict[str, int]
    offence: int
    interests: dict[str, float]
    objectives: list[ObjectiveView]
    score: int
    ready: bool
    operations: list[OperationView]
    evidence: list[EvidenceView]
    proposals: list[ProposalView]
    backchannels: list[BackchannelView]
    mediations: list[MediationView]
    investigated: list[str]


class MediatorView(Frozen):
    public: PublicView
    mediations: list[MediationView]
    proposals: list[ProposalView]  # under mediation
    backchannels: list[BackchannelView]  # the ones the mediator sits in
    stalled: list[str]


# --- builders -------------------------------------------------------------------------


def _proposal_view(state: GameState, p: Proposal) -> ProposalView:
    from game.proposals import describe_terms

    return ProposalView(
        id=p.id,
        kind=p.kind,
        proposer=p.proposer,
        status=p.status,
        version=p.version,
        terms=p.terms.model_dump(exclude_defaults=True),
        summary=describe_terms(state, p.terms),
        versions=list(p.versions),
        accepted_by=list(p.accepted_by),
        votes=dict(p.votes),
        deadline=p.deadline,
        mediation=p.mediation,
        counters=p.counters,
    )


def _channel_view(state: GameState, cid: str) -> BackchannelView:
    c = state.backchannels[cid]
    return BackchannelView(
        id=c.id,
        states=list(c.states),
        mediator=c.mediator,
        open=c.open,
        leaked=c.leaked,
        messages=list(c.messages),
    )


def _mediation_view(state: GameState, mid: str) -> MediationView:
    m = state.mediations[mid]
    return MediationView(**m.model_dump())


def public_view(state: GameState) -> PublicView:
    sc = state.scenario
    delegations = []
    for p in sc.states:
        d = state.delegations[p.id]
        seats = state.players_of(p.id)
        lead = next((s.player.name for s in seats if s.lead), None)
        delegations.append(
            DelegationPublic(
                id=p.id,
                name=p.name,
                flag=p.flag,
                control=d.control,
                players=[s.player.name for s in seats],
                lead=lead,
                reputation=d.reputation,
                ready=d.ready,
            )
        )
    relations = [
        RelationPublic(pair=k, a=r.a, b=r.b, tension=r.tension, trust=r.trust, crisis=r.crisis)
        for k, r in sorted(state.relations.items())
    ]
    incidents = [
        IncidentPublic(
            id=i.id,
            headline=i.headline,
            text=i.text,
            sector=i.sector,
            victim=i.victim,
            severity=i.severity,
            round=i.round,
            status=i.status,
            suspected=i.apparent,
        )
        for i in state.incidents.values()
        if i.status not in ("planned", "stood_down")
    ]
    mediator = state.human_mediator
    return PublicView(
        game_id=state.game_id,
        scenario=sc.id,
        title=sc.title,
        briefing=sc.briefing,
        phase=state.phase,
        round=state.round,
        rounds=sc.rounds,
        round_deadline=state.round_deadline,
        early_advance=state.early_advance,
        mediator=mediator.player.name if mediator else sc.mediator.name,
        delegations=delegations,
        relations=relations,
        incidents=incidents,
        attributions=[
            AttributionPublic(incident=a.incident, by=a.by, culprit=a.culprit, round=a.round)
            for a in state.attributions
        ],
        forum=[
            _proposal_view(state, p)
            for p in state.proposals.values()
            if p.kind == "norm" and p.status != "draft"
        ],
        agreed=[
            _proposal_view(state, p)
            for p in state.proposals.values()
            if p.status in ("accepted", "in_force") and p.kind != "norm"
        ],
        norms_in_force=list(state.norms_in_force),
        leaked_backchannels=[
            {"id": c.id, "states": list(c.states)} for c in state.backchannels.values() if c.leaked
        ],
        technology=[t.headline for t in state.technology],
        statements=list(state.statements),
        cooloff_until=state.cooloff_until,
        cooloff_states=list(state.cooloff_states),
        ended_reason=state.ended_reason,
    )


def delegation_view(state: GameState, state_id: str) -> DelegationView:
    profile = state.profile(state_id)
    d = state.delegations[state_id]
    seats = state.players_of(state_id)
    cat = state.scenario.catalogs
    evidence = [
        EvidenceView(
            id=e.id,
            incident=e.incident,
            template=e.template,
            name=cat.evidence[e.template].name if e.template in cat.evidence else e.template,
            confidence=e.confidence,
            points_to=e.points_to,
            round=e.round,
        )
        for e in state.evidence.values()
        if state_id in e.known_by
    ]
    operations = [
        OperationView(
            id=i.id,
            headline=i.headline,
            victim=i.victim,
            sector=i.sector,
            round=i.round,
            status=i.status,
        )
        for i in state.incidents.values()
        if i.responsible == state_id and i.status in ("planned", "stood_down")
    ]
    proposals = [
        _proposal_view(state, p)
        for p in state.proposals.values()
        if (state_id in p.terms.parties and (p.status != "draft" or p.proposer == state_id))
        or p.proposer == state_id
    ]
    return DelegationView(
        public=public_view(state),
        state=state_id,
        name=profile.name,
        flag=profile.flag,
        briefing=profile.briefing,
        players=[s.player.name for s in seats],
        lead=next((s.player.name for s in seats if s.lead), None),
        capital=d.capital,
        capital_per_round=profile.capital_per_round,
        reputation=d.reputation,
        resilience=dict(d.resilience),
        offence=profile.offence,
        interests=dict(profile.interests),
        objectives=[
            ObjectiveView(objective=o, met=objective_met(state, state_id, o))
            for o in profile.objectives
        ],
        score=score(state, state_id).total,
        ready=d.ready,
        operations=operations,
        evidence=evidence,
        proposals=proposals,
        backchannels=[
            _channel_view(state, c.id) for c in state.backchannels.values() if state_id in c.states
        ],
        mediations=[
            _mediation_view(state, m.id) for m in state.mediations.values() if state_id in m.parties
        ],
        investigated=[i.id for i in state.incidents.values() if state_id in i.investigated_by],
    )


def backchannel_view(state: GameState, channel_id: str) -> BackchannelView:
    return _channel_view(state, channel_id)


def mediator_view(state: GameState) -> MediatorView:
    mediated = {m.proposal for m in state.mediations.values()}
    return MediatorView(
        public=public_view(state),
        mediations=[_mediation_view(state, m) for m in state.mediations],
        proposals=[
            _proposal_view(state, state.proposals[p])
            for p in sorted(mediated)
            if p in state.proposals
        ],
        backchannels=[
            _channel_view(state, c.id) for c in state.backchannels.values() if c.mediator
        ],
        stalled=[p.id for p in state.proposals.values() if p.stalled],
    )


def moderator_view(state: GameState) -> dict[str, Any]:
    """Everything, secrets included, with the current scores."""
    from game.scoring import scores

    data = state.model_dump(mode="json")
    data["scores"] = {k: v.model_dump(mode="json") for k, v in scores(state).items()}
    return data


def audiences_of(state: GameState, player_key: str) -> list[Audience]:
    """Every audience a player belongs to (the service routes notices by it)."""
    out = [Audience.public()]
    seat = state.seat_of(player_key)
    if seat is not None and seat.role == "delegate" and seat.state is not None:
        out.append(Audience.delegation(seat.state))
        for c in state.backchannels.values():
            if c.open and seat.state in c.states:
                out.append(Audience.backchannel(c.id))
    if seat is not None and seat.role == "mediator":
        out.append(Audience.mediator())
        for c in state.backchannels.values():
            if c.open and c.mediator:
                out.append(Audience.backchannel(c.id))
    if player_key == state.moderator.key:
        out.append(Audience.moderator())
    out.append(Audience.to_person(player_key))
    return out


def may_see(state: GameState, player_key: str, audience: Audience) -> bool:
    """Whether a player may read a notice for this audience."""
    if audience.kind == "person":
        return audience.person == player_key
    return audience in audiences_of(state, player_key)


def speaker_name(state: GameState, by: str) -> str:
    return state.scenario.mediator.name if by == MEDIATOR else state.name_of(by)

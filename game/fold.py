"""How each event changes the state: one small function per event type,
gathered in one table (`APPLY`). No randomness, no clock, no checks beyond
the invariants: `decide` computed every number already.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from game.base import InvariantBroken
from game.events import (
    EVENT_TYPES,
    ActorEngaged,
    AgreementReached,
    ArbitrationRuled,
    AttributionMade,
    BackchannelClosed,
    BackchannelLeaked,
    BackchannelOpened,
    BreachCommitted,
    ConditionalAcceptance,
    CooloffCalled,
    CooloffEnded,
    CrisisDeclared,
    CrisisEased,
    DeadlineExtended,
    DelegationReady,
    DomesticShock,
    EarlyAdvanceSet,
    EnteredIntoForce,
    ForumVoteClosed,
    GameCreated,
    GameEnded,
    GamePaused,
    GameResumed,
    GameStarted,
    IncidentClosed,
    IncidentHit,
    InvestigationCompleted,
    MeasureTaken,
    MediationConsented,
    MediationDeadlineSet,
    MediationFailed,
    MediationOffered,
    MediationSettled,
    MediatorTextTabled,
    NewsPublished,
    OperationPlanned,
    OperationStoodDown,
    PlayerJoined,
    PlayerLeft,
    ProposalAccepted,
    ProposalCountered,
    ProposalDrafted,
    ProposalExpired,
    ProposalRejected,
    ProposalTabled,
    ProposalWithdrawn,
    ReminderSent,
    RoundEffects,
    RoundEnded,
    RoundStarted,
    SeatAssigned,
    SeatsFilled,
    StatementMade,
    TechnologyShift,
    VoteCast,
    WhisperSent,
)
from game.scenario import SECTORS
from game.state import (
    Delegation,
    GameState,
    Incident,
    Mediation,
    Proposal,
    Seat,
    pair_key,
)
from game.tension import apply_effects, new_relation

MAX_MESSAGES = 50  # kept per back-channel, and public statements


def _set(state: GameState, **update: Any) -> GameState:
    return state.model_copy(update=update)


def _put(mapping: dict, key: str, value: Any) -> dict:
    out = dict(mapping)
    out[key] = value
    return out


def _proposal(state: GameState, pid: str, **update: Any) -> GameState:
    p = state.proposals[pid]
    return _set(state, proposals=_put(state.proposals, pid, p.model_copy(update=update)))


def _incident(state: GameState, iid: str, **update: Any) -> GameState:
    i = state.incidents[iid]
    return _set(state, incidents=_put(state.incidents, iid, i.model_copy(update=update)))


def _mediation(state: GameState, mid: str, **update: Any) -> GameState:
    m = state.mediations[mid]
    return _set(state, mediations=_put(state.mediations, mid, m.model_copy(update=update)))


def _delegation(state: GameState, sid: str, **update: Any) -> GameState:
    d = state.delegations[sid]
    return _set(state, delegations=_put(state.delegations, sid, d.model_copy(update=update)))


def _controls(state: GameState, controls: dict[str, str]) -> GameState:
    for sid, control in controls.items():
        state = _delegation(state, sid, control=control)
    return state


def _with_leads(seats: list[Seat], new_leads: dict[str, str]) -> list[Seat]:
    out = []
    for seat in seats:
        if seat.role == "delegate" and seat.state in new_leads:
            seat = seat.model_copy(update={"lead": seat.player.key == new_leads[seat.state]})
        out.append(seat)
    return out


# --- lobby ---------------------------------------------------------------------------------


def _game_created(_: GameState | None, e: GameCreated) -> GameState:
    sc = e.scenario
    delegations = {
        p.id: Delegation(
            id=p.id,
            capital=p.starting_capital,
            reputation=p.reputation,
            resilience={s: p.resilience.get(s, p.default_resilience) for s in SECTORS},
        )
        for p in sc.states
    }
    ids = [p.id for p in sc.states]
    relations = {}
    for i, a in enumerate(ids):
        for b in ids[i + 1 :]:
            relations[pair_key(a, b)] = new_relation(
                a, b, sc.rules.starting_tension, sc.rules.starting_trust
            )
    return GameState(
        game_id=e.game_id,
        scenario=sc,
        seed=e.seed,
        moderator=e.moderator,
        created_at=e.at,
        early_advance=sc.rules.allow_early_advance,
        delegations=delegations,
        relations=relations,
    )


def _player_joined(s: GameState, e: PlayerJoined) -> GameState:
    seats = [x for x in s.seats if x.player.key != e.seat.player.key] + [e.seat]
    return _controls(_set(s, seats=seats), e.controls)


def _seat_assigned(s: GameState, e: SeatAssigned) -> GameState:
    drop = {e.seat.player.key, e.replaced}
    seats = [x for x in s.seats if x.player.key not in drop] + [e.seat]
    return _controls(_set(s, seats=_with_leads(seats, e.new_leads)), e.controls)


def _player_left(s: GameState, e: PlayerLeft) -> GameState:
    seats = [x for x in s.seats if x.player.key != e.player.key]
    if e.state is not None and e.new_lead is not None:
        seats = _with_leads(seats, {e.state: e.new_lead})
    return _controls(_set(s, seats=seats), e.controls)


def _seats_filled(s: GameState, e: SeatsFilled) -> GameState:
    return _controls(s, {sid: "computer" for sid in e.states})


def _early_advance_set(s: GameState, e: EarlyAdvanceSet) -> GameState:
    return _set(s, early_advance=e.allowed)


def _game_started(s: GameState, e: GameStarted) -> GameState:
    seats = []
    for seat in s.seats:
        if seat.player.key in e.assignments:
            seat = seat.model_copy(update={"state": e.assignments[seat.player.key]})
        seats.append(seat)
    s = _set(s, seats=_with_leads(seats, e.new_leads))
    controls = {sid: "human" for sid in set(e.assignments.values())}
    controls.update({sid: "computer" for sid in e.computer_states})
    return _controls(s, controls)


# --- rounds and injects ---------------------------------------------------------------


def _round_started(s: GameState, e: RoundStarted) -> GameState:
    delegations = {k: d.model_copy(update={"ready": False}) for k, d in s.delegations.items()}
    s = _set(
        s,
        phase="negotiation",
        round=e.round,
        round_deadline=e.deadline,
        round_reminded=False,
        delegations=delegations,
    )
    return apply_effects(s, e.effects)


def _played(s: GameState, scheduled: int | None) -> GameState:
    if scheduled is None or scheduled in s.injected:
        return s
    return _set(s, injected=[*s.injected, scheduled])


def _operation_planned(s: GameState, e: OperationPlanned) -> GameState:
    s = _set(s, incidents=_put(s.incidents, e.incident.id, e.incident))
    return _played(s, e.scheduled)


def _operation_stood_down(s: GameState, e: OperationStoodDown) -> GameState:
    return _incident(s, e.incident, status="stood_down")


def _incident_hit(s: GameState, e: IncidentHit) -> GameState:
    s = _set(s, incidents=_put(s.incidents, e.incident.id, e.incident))
    return _played(apply_effects(s, e.effects), e.scheduled)


def _breach_committed(s: GameState, e: BreachCommitted) -> GameState:
    b = e.breach
    i = s.incidents[b.incident]
    s = _incident(s, b.incident, breaches=[*i.breaches, b.proposal])
    return apply_effects(_set(s, breaches=[*s.breaches, b]), e.effects)


def _technology_shift(s: GameState, e: TechnologyShift) -> GameState:
    return _played(_set(s, technology=[*s.technology, e.inject]), e.scheduled)


def _domestic_shock(s: GameState, e: DomesticShock) -> GameState:
    return _played(apply_effects(s, e.effects), e.scheduled)


def _news_published(s: GameState, e: NewsPublished) -> GameState:
    return _played(s, e.scheduled)


# --- session -------------------------------------------------------------------------------


def _game_paused(s: GameState, e: GamePaused) -> GameState:
    return _set(s, paused_phase=s.phase, paused_at=e.at, phase="paused")


def _game_resumed(s: GameState, e: GameResumed) -> GameState:
    shift = timedelta(seconds=e.shift_seconds)

    def later(t):
        return None if t is None else t + shift

    proposals = {
        k: p.model_copy(update={"deadline": later(p.deadline)}) if p.deadline else p
        for k, p in s.proposals.items()
    }
    mediations = {
        k: m.model_copy(update={"deadline": later(m.deadline)}) if m.deadline else m
        for k, m in s.mediations.items()
    }
    return _set(
        s,
        phase=s.paused_phase or "negotiation",
        paused_phase=None,
        paused_at=None,
        round_deadline=later(s.round_deadline),
        cooloff_until=later(s.cooloff_until),
        proposals=proposals,
        mediations=mediations,
    )


def _deadline_extended(s: GameState, e: DeadlineExtended) -> GameState:
    if e.proposal is None:
        return _set(s, round_deadline=e.deadline, round_reminded=False)
    return _proposal(s, e.proposal, deadline=e.deadline, reminded=False)


def _delegation_ready(s: GameState, e: DelegationReady) -> GameState:
    return _delegation(s, e.state, ready=e.ready)


def _reminder_sent(s: GameState, e: ReminderSent) -> GameState:
    if e.proposal is None:
        return _set(s, round_reminded=True)
    return _proposal(s, e.proposal, reminded=True)


def _round_effects(s: GameState, e: RoundEffects) -> GameState:
    return apply_effects(s, e.effects)


def _round_ended(s: GameState, e: RoundEnded) -> GameState:
    return _set(s, tension_history=[*s.tension_history, e.tension])


def _crisis_declared(s: GameState, e: CrisisDeclared) -> GameState:
    r = s.relations[e.pair]
    return _set(s, relations=_put(s.relations, e.pair, r.model_copy(update={"crisis": True})))


def _crisis_eased(s: GameState, e: CrisisEased) -> GameState:
    r = s.relations[e.pair]
    return _set(s, relations=_put(s.relations, e.pair, r.model_copy(update={"crisis": False})))


def _game_ended(s: GameState, e: GameEnded) -> GameState:
    return _set(
        s,
        phase="ended",
        ended_reason=e.reason,
        paused_phase=None,
        paused_at=None,
        round_deadline=None,
        cooloff_until=None,
    )


# --- talk --------------------------------------------------------------------------------------


def _statement_made(s: GameState, e: StatementMade) -> GameState:
    return _set(s, statements=[*s.statements, e.message][-MAX_MESSAGES:])


def _backchannel_opened(s: GameState, e: BackchannelOpened) -> GameState:
    s = _set(s, backchannels=_put(s.backchannels, e.channel.id, e.channel))
    return apply_effects(s, e.effects)


def _backchannel_closed(s: GameState, e: BackchannelClosed) -> GameState:
    c = s.backchannels[e.channel]
    return _set(s, backchannels=_put(s.backchannels, c.id, c.model_copy(update={"open": False})))


def _whisper_sent(s: GameState, e: WhisperSent) -> GameState:
    c = s.backchannels[e.channel]
    messages = [*c.messages, e.message][-MAX_MESSAGES:]
    return _set(
        s, backchannels=_put(s.backchannels, c.id, c.model_copy(update={"messages": messages}))
    )


def _backchannel_leaked(s: GameState, e: BackchannelLeaked) -> GameState:
    c = s.backchannels[e.channel]
    s = _set(s, backchannels=_put(s.backchannels, c.id, c.model_copy(update={"leaked": True})))
    return apply_effects(s, e.effects)


# --- proposals ---------------------------------------------------------------------------------


def _proposal_drafted(s: GameState, e: ProposalDrafted) -> GameState:
    return _set(s, proposals=_put(s.proposals, e.proposal.id, e.proposal))


def _proposal_tabled(s: GameState, e: ProposalTabled) -> GameState:
    s = _set(s, proposals=_put(s.proposals, e.proposal.id, e.proposal))
    return apply_effects(s, e.effects)


def _proposal_countered(s: GameState, e: ProposalCountered) -> GameState:
    p = s.proposals[e.proposal]
    by = e.version.by
    return _proposal(
        s,
        e.proposal,
        versions=[*p.versions, e.version],
        status="countered",
        accepted_by=[by] if by in e.version.terms.parties else [],
        deadline=e.deadline,
        reminded=False,
        counters=p.counters + 1,
    )


def _proposal_accepted(s: GameState, e: ProposalAccepted) -> GameState:
    p = s.proposals[e.proposal]
    return _proposal(s, e.proposal, accepted_by=sorted({*p.accepted_by, e.state}))


def _conditional_acceptance(s: GameState, e: ConditionalAcceptance) -> GameState:
    p = s.proposals[e.proposal]
    if p.mediation is None:
        return s
    m = s.mediations[p.mediation]
    return _mediation(s, m.id, conditions={**m.conditions, e.state: f"{e.clause}={e.option}"})


def _agreement_reached(s: GameState, e: AgreementReached) -> GameState:
    p = s.proposals[e.proposal]
    return _proposal(
        s,
        e.proposal,
        status="accepted",
        accepted_round=s.round,
        accepted_by=list(p.terms.parties),
        deadline=None,
    )


def _proposal_rejected(s: GameState, e: ProposalRejected) -> GameState:
    s = _proposal(s, e.proposal, status="rejected", deadline=None)
    return apply_effects(s, e.effects)


def _proposal_withdrawn(s: GameState, e: ProposalWithdrawn) -> GameState:
    return _proposal(s, e.proposal, status="withdrawn", deadline=None)


def _proposal_expired(s: GameState, e: ProposalExpired) -> GameState:
    return _proposal(s, e.proposal, status="expired", deadline=None)


def _vote_cast(s: GameState, e: VoteCast) -> GameState:
    p = s.proposals[e.proposal]
    return _proposal(s, e.proposal, votes={**p.votes, e.state: e.vote})


def _forum_vote_closed(s: GameState, e: ForumVoteClosed) -> GameState:
    if e.adopted:
        return _proposal(s, e.proposal, status="accepted", accepted_round=s.round, deadline=None)
    return _proposal(s, e.proposal, status="rejected", deadline=None)


def _entered_into_force(s: GameState, e: EnteredIntoForce) -> GameState:
    p = s.proposals[e.proposal]
    s = _proposal(s, e.proposal, status="in_force", in_force_round=s.round)
    if p.kind == "norm" and p.terms.norm and p.terms.norm not in s.norms_in_force:
        s = _set(s, norms_in_force=[*s.norms_in_force, p.terms.norm])
    return apply_effects(s, e.effects)


def _incident_closed(s: GameState, e: IncidentClosed) -> GameState:
    return _incident(s, e.incident, status="closed")


# --- intel ------------------------------------------------------------------------------------


def _investigation_completed(s: GameState, e: InvestigationCompleted) -> GameState:
    i: Incident = s.incidents[e.incident]
    evidence = dict(s.evidence)
    for item in e.evidence:
        evidence[item.id] = item
    s = _incident(
        s,
        e.incident,
        investigated_by=sorted({*i.investigated_by, e.state}),
        evidence_templates=[*i.evidence_templates, *(x.template for x in e.evidence)],
    )
    return apply_effects(_set(s, evidence=evidence), e.effects)


def _attribution_made(s: GameState, e: AttributionMade) -> GameState:
    a = e.attribution
    s = _set(s, attributions=[*s.attributions, a])
    if a.correct:
        d = s.delegations[a.by]
        s = _delegation(s, a.by, correct_attributions=d.correct_attributions + 1)
        if s.incidents[a.incident].status == "open":
            s = _incident(s, a.incident, status="attributed")
    return apply_effects(s, e.effects)


def _measure_taken(s: GameState, e: MeasureTaken) -> GameState:
    return apply_effects(s, e.effects)


def _actor_engaged(s: GameState, e: ActorEngaged) -> GameState:
    if e.mitigation:
        d = s.delegations[e.state]
        mitigation = {**d.mitigation, e.sector: d.mitigation.get(e.sector, 0) + e.mitigation}
        s = _delegation(s, e.state, mitigation=mitigation)
    return apply_effects(s, e.effects)


# --- mediation ------------------------------------------------------------------------------


def _mediation_offered(s: GameState, e: MediationOffered) -> GameState:
    m = e.mediation
    if e.draft is not None:
        s = _set(s, proposals=_put(s.proposals, e.draft.id, e.draft))
    s = _set(s, mediations=_put(s.mediations, m.id, m))
    return _proposal(s, m.proposal, stalled=True, mediation=m.id)


def _mediation_consented(s: GameState, e: MediationConsented) -> GameState:
    m: Mediation = s.mediations[e.mediation]
    consents = sorted({*m.consents, e.state})
    arbitration = sorted({*m.arbitration, e.state}) if e.arbitration else m.arbitration
    status = m.status
    if status == "offered" and set(m.parties) <= set(consents):
        status = "active"
    return _mediation(s, m.id, consents=consents, arbitration=arbitration, status=status)


def _new_version(s: GameState, pid: str, version, accepted_by: list[str], deadline) -> GameState:
    p: Proposal = s.proposals[pid]
    return _proposal(
        s,
        pid,
        versions=[*p.versions, version],
        status="tabled",
        accepted_by=accepted_by,
        deadline=deadline,
        reminded=False,
    )


def _mediator_text_tabled(s: GameState, e: MediatorTextTabled) -> GameState:
    s = _new_version(s, e.proposal, e.version, list(e.accepted_by), e.deadline)
    m = s.mediations[e.mediation]
    status = "active" if m.status == "offered" else m.status
    return _mediation(
        s, e.mediation, text_tabled=True, deadline=e.deadline, status=status, conditions={}
    )


def _mediation_deadline_set(s: GameState, e: MediationDeadlineSet) -> GameState:
    m = s.mediations[e.mediation]
    s = _mediation(s, e.mediation, deadline=e.deadline)
    p = s.proposals[m.proposal]
    if p.is_open:
        s = _proposal(s, p.id, deadline=e.deadline, reminded=False)
    return s


def _cooloff_called(s: GameState, e: CooloffCalled) -> GameState:
    return _set(s, cooloff_until=e.until, cooloff_states=list(e.states))


def _cooloff_ended(s: GameState, e: CooloffEnded) -> GameState:
    return _set(s, cooloff_until=None, cooloff_states=[])


def _arbitration_ruled(s: GameState, e: ArbitrationRuled) -> GameState:
    if e.binding:
        p = s.proposals[e.proposal]
        s = _proposal(
            s,
            e.proposal,
            versions=[*p.versions, e.version],
            status="accepted",
            accepted_by=list(e.version.terms.parties),
            accepted_round=s.round,
            deadline=None,
        )
    else:
        s = _new_version(s, e.proposal, e.version, [], e.deadline)
    return _mediation(s, e.mediation, text_tabled=True, status="active", deadline=e.deadline)


def _mediation_settled(s: GameState, e: MediationSettled) -> GameState:
    return apply_effects(_mediation(s, e.mediation, status="settled", deadline=None), e.effects)


def _mediation_failed(s: GameState, e: MediationFailed) -> GameState:
    return _mediation(s, e.mediation, status="failed", deadline=None)


APPLY: dict[str, Callable[[Any, Any], GameState]] = {
    "game_created": _game_created,
    "player_joined": _player_joined,
    "seat_assigned": _seat_assigned,
    "player_left": _player_left,
    "seats_filled": _seats_filled,
    "early_advance_set": _early_advance_set,
    "game_started": _game_started,
    "round_started": _round_started,
    "operation_planned": _operation_planned,
    "operation_stood_down": _operation_stood_down,
    "incident_hit": _incident_hit,
    "breach_committed": _breach_committed,
    "technology_shift": _technology_shift,
    "domestic_shock": _domestic_shock,
    "news_published": _news_published,
    "game_paused": _game_paused,
    "game_resumed": _game_resumed,
    "deadline_extended": _deadline_extended,
    "delegation_ready": _delegation_ready,
    "reminder_sent": _reminder_sent,
    "round_effects": _round_effects,
    "round_ended": _round_ended,
    "crisis_declared": _crisis_declared,
    "crisis_eased": _crisis_eased,
    "game_ended": _game_ended,
    "statement_made": _statement_made,
    "backchannel_opened": _backchannel_opened,
    "backchannel_closed": _backchannel_closed,
    "whisper_sent": _whisper_sent,
    "backchannel_leaked": _backchannel_leaked,
    "proposal_drafted": _proposal_drafted,
    "proposal_tabled": _proposal_tabled,
    "proposal_countered": _proposal_countered,
    "proposal_accepted": _proposal_accepted,
    "conditional_acceptance": _conditional_acceptance,
    "agreement_reached": _agreement_reached,
    "proposal_rejected": _proposal_rejected,
    "proposal_withdrawn": _proposal_withdrawn,
    "proposal_expired": _proposal_expired,
    "vote_cast": _vote_cast,
    "forum_vote_closed": _forum_vote_closed,
    "entered_into_force": _entered_into_force,
    "incident_closed": _incident_closed,
    "investigation_completed": _investigation_completed,
    "attribution_made": _attribution_made,
    "measure_taken": _measure_taken,
    "actor_engaged": _actor_engaged,
    "mediation_offered": _mediation_offered,
    "mediation_consented": _mediation_consented,
    "mediator_text_tabled": _mediator_text_tabled,
    "mediation_deadline_set": _mediation_deadline_set,
    "cooloff_called": _cooloff_called,
    "cooloff_ended": _cooloff_ended,
    "arbitration_ruled": _arbitration_ruled,
    "mediation_settled": _mediation_settled,
    "mediation_failed": _mediation_failed,
}

_missing = {t.model_fields["type"].default for t in EVENT_TYPES} - set(APPLY)
if _missing:  # pragma: no cover - caught at import by every test
    raise InvariantBroken(f"events without an apply: {sorted(_missing)}")


def fold(state: GameState | None, event: Any) -> GameState:
    if state is None:
        if event.type != "game_created":
            raise InvariantBroken(f"the first event must be game_created, not {event.type}")
        return _game_created(None, event).model_copy(update={"seq": 1})
    if event.type == "game_created":
        raise InvariantBroken("game_created applied to an existing game")
    after = APPLY[event.type](state, event)
    return after.model_copy(update={"seq": state.seq + 1})

"""The rules of mediation, arbitration and cooling-off (the Nash arithmetic
itself is game/mediator.py).

Stalls: a proposal countered K times (`stall_counters`, one fewer between
parties with a consultations CBM) without acceptance, a deadline passing
with no answer, or a crisis pair with no active talk -> the mediator is told
and the parties are offered mediation (`MediationOffered`). A party may also
request it. Once every party consents the mediation is active: a seated
human mediator tables a single negotiating text; with none seated, the
built-in mediator tables the Nash package at once. Parties answer the text
(accept, reject, or accept with conditions on one clause, which the
mediator revises). Parties may pre-consent to arbitration: when all have,
the mediator's ruling binds (a rejected or expired text then becomes the
ruling of the built-in mediator). A settled mediation lowers tension by
`mediation_relief` between the parties (x1.5 with a cooperation norm).
A cooling-off forbids accusations and measures between the named states and
suspends the escalation of their incidents until it ends.

The built-in mediator's package comes through a seam, `propose_package`,
and its revisions through `revise_package`, so tests can substitute them
(`use_package_function`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from game.base import RuleError
from game.commands import (
    AcceptWithConditions,
    CallCooloff,
    ConsentMediation,
    MediatorText,
    RequestMediation,
    ReviseText,
    RuleArbitration,
    SetMediationDeadline,
)
from game.decision import Decision
from game.events import (
    ArbitrationRuled,
    ConditionalAcceptance,
    CooloffCalled,
    MediationConsented,
    MediationDeadlineSet,
    MediationFailed,
    MediationOffered,
    MediationSettled,
    MediatorTextTabled,
)
from game.state import (
    MEDIATOR,
    GameState,
    Mediation,
    Proposal,
    ProposalVersion,
    StallReason,
    Terms,
)
from game.tension import EffectsBuilder
from game.treaties import cbm_effect_between, norm_effect

LIVE = ("offered", "active")

# --- the seam to the built-in mediator -----------------------------------------------

PackageFn = Callable[[GameState, str], Any]
ReviseFn = Callable[[GameState, str, str, str, str], Any]
_package_fn: PackageFn | None = None
_revise_fn: ReviseFn | None = None


@contextmanager
def use_package_function(
    package: PackageFn | None = None, revision: ReviseFn | None = None
) -> Iterator[None]:
    """Substitute the built-in mediator (tests): `package(state, proposal_id)`
    and `revision(state, proposal_id, state_id, clause, option)` return a
    `Terms`, a clause->option dict, a `game.mediator.Package`, or a string
    saying why there is no compromise."""
    global _package_fn, _revise_fn
    saved = _package_fn, _revise_fn
    _package_fn, _revise_fn = package, revision
    try:
        yield
    finally:
        _package_fn, _revise_fn = saved


def _as_terms(state: GameState, pid: str, result: Any) -> Terms | str:
    current = state.proposals[pid].terms
    if isinstance(result, Terms):
        return result
    if isinstance(result, str):
        return result
    if isinstance(result, dict):
        return current.model_copy(update={"clauses": {**current.clauses, **result}})
    options = getattr(result, "options", None)
    if isinstance(options, dict):
        return current.model_copy(update={"clauses": {**current.clauses, **options}})
    reason = getattr(result, "reason", None)
    if isinstance(reason, str):
        return reason
    raise TypeError(f"the mediator returned {type(result).__name__}")


def _table(state: GameState, pid: str):
    p = state.proposals[pid]
    cat = state.scenario.catalogs
    clauses = [cat.clauses[c] for c in p.terms.clauses if c in cat.clauses]
    interests = {sid: dict(state.profile(sid).interests) for sid in p.terms.parties}
    return clauses, interests


def _builtin_package(state: GameState, pid: str) -> Any:
    p = state.proposals[pid]
    if p.kind != "agreement":
        return p.terms  # nothing to bargain over: the text is the proposal itself
    try:
        from game.mediator import propose_package as theirs
    except ImportError:
        theirs = None
    if theirs is not None:
        return theirs(state, pid)
    from game.mediator import nash_package

    clauses, interests = _table(state, pid)
    return nash_package(clauses, interests, state.rules.agreement_relief)


def _builtin_revision(state: GameState, pid: str, state_id: str, clause: str, option: str) -> Any:
    p = state.proposals[pid]
    try:
        from game.mediator import revise_package as theirs
    except ImportError:
        theirs = None
    if theirs is not None:
        return theirs(state, pid, state_id, clause, option)
    from game.mediator import Condition, Package, revise

    clauses, interests = _table(state, pid)
    cat = state.scenario.catalogs
    wanted = next(o for o in cat.clauses[clause].options if o.id == option)
    current = next(o for o in cat.clauses[clause].options if o.id == p.terms.clauses[clause])
    condition = (
        Condition(at_most=wanted.level)
        if wanted.level <= current.level
        else Condition(at_least=wanted.level)
    )
    package = Package(options=dict(p.terms.clauses), gains={}, product=0.0, tension_relief=0)
    return revise(package, clauses, interests, clause, condition, state.rules.agreement_relief)


def propose_package(state: GameState, proposal_id: str) -> Terms | str:
    """The built-in mediator's single negotiating text for a stalled proposal,
    or why there is no compromise."""
    fn = _package_fn or _builtin_package
    return _as_terms(state, proposal_id, fn(state, proposal_id))


def revise_package(
    state: GameState, proposal_id: str, state_id: str, clause: str, option: str
) -> Terms | str:
    fn = _revise_fn or _builtin_revision
    return _as_terms(state, proposal_id, fn(state, proposal_id, state_id, clause, option))


# --- stalls and offers --------------------------------------------------------------------


def _get(state: GameState, mid: str) -> Mediation:
    m = state.mediations.get(mid)
    if m is None:
        live = [x.id for x in state.mediations.values() if x.status in LIVE]
        raise RuleError(f"There is no mediation {mid!r}; under way: {', '.join(live) or 'none'}.")
    return m


def _live(state: GameState, mid: str) -> Mediation:
    m = _get(state, mid)
    if m.status not in LIVE:
        raise RuleError(
            f"Mediation {m.id} is {m.status}; request a new one with `mediate request`."
        )
    return m


def _has_live(state: GameState, p: Proposal) -> bool:
    return p.mediation is not None and state.mediations[p.mediation].status in LIVE


def offer(
    d: Decision,
    pid: str,
    reason: StallReason,
    requested_by: str | None = None,
    draft: Proposal | None = None,
) -> Mediation:
    s = d.state
    p = draft or s.proposals[pid]
    mediation = Mediation(
        id=s.next_id("M", s.mediations),
        proposal=pid,
        parties=list(p.terms.parties),
        reason=reason,
        opened_round=s.round,
    )
    d.emit(MediationOffered, mediation=mediation, draft=draft, requested_by=requested_by)
    return mediation


def _crisis_draft(d: Decision, a: str, b: str) -> Proposal | None:
    """An empty text between the pair for the mediator to fill: every clause
    of the catalog at its lowest option (or, with no clauses, the first CBM)."""
    s = d.state
    cat = s.scenario.catalogs
    if cat.clauses:
        clauses = {
            c.id: min(c.options, key=lambda o: (o.level, o.id)).id for c in cat.clauses.values()
        }
        terms = Terms(kind="agreement", parties=[a, b], clauses=clauses)
    elif cat.cbms:
        terms = Terms(kind="cbm", parties=[a, b], cbm=next(iter(cat.cbms)))
    else:
        return None
    version = ProposalVersion(number=1, terms=terms, by=MEDIATOR, at=d.now)
    return Proposal(
        id=s.next_id("P", s.proposals),
        kind=terms.kind,
        proposer=MEDIATOR,
        versions=[version],
        status="draft",
        tabled_round=s.round,
    )


def offer_crisis_mediation(
    d: Decision, a: str, b: str, requested_by: str | None = None
) -> Mediation | None:
    draft = _crisis_draft(d, a, b)
    if draft is None:
        return None
    return offer(d, draft.id, "requested" if requested_by else "crisis", requested_by, draft)


def stall_threshold(state: GameState, p: Proposal) -> int:
    k = state.rules.stall_counters
    parties = p.terms.parties
    consult = any(
        cbm_effect_between(state, a, b, "consultations")
        for i, a in enumerate(parties)
        for b in parties[i + 1 :]
    )
    return max(1, k - 1) if consult else k


def check_counter_stall(d: Decision, pid: str) -> None:
    p = d.state.proposals[pid]
    if p.is_open and p.counters >= stall_threshold(d.state, p) and not _has_live(d.state, p):
        offer(d, pid, "counters")


def on_expiry(d: Decision, pid: str) -> None:
    """A proposal's deadline passed unanswered (it expired just now)."""
    p = d.state.proposals[pid]
    if _has_live(d.state, p) and p.current.by == MEDIATOR:
        _text_not_accepted(d, p.mediation, "the text's deadline passed")  # type: ignore[arg-type]
    elif not _has_live(d.state, p) and p.kind != "norm":
        offer(d, pid, "deadline")


# --- parties ---------------------------------------------------------------------------------


def request(d: Decision, c: RequestMediation, state_id: str) -> None:
    s = d.state
    if c.proposal is not None:
        from game.proposals import get

        p = get(s, c.proposal)
        if state_id not in p.terms.parties or p.kind == "norm":
            raise RuleError(f"Your state is not a party to {p.id}; mediation is for its parties.")
        if p.status in ("accepted", "in_force", "withdrawn", "draft"):
            raise RuleError(f"{p.id} is {p.status}; there is nothing to mediate.")
        if _has_live(s, p):
            raise RuleError(
                f"Mediation {p.mediation} is already under way on {p.id}; consent with "
                f"`mediate consent {p.mediation}`."
            )
        mediation = offer(d, p.id, "requested", requested_by=state_id)
    elif c.with_state is not None:
        if c.with_state not in s.delegations or c.with_state == state_id:
            raise RuleError("Name another state of this game to mediate with.")
        for m in s.mediations.values():
            if m.status in LIVE and {state_id, c.with_state} <= set(m.parties):
                raise RuleError(f"Mediation {m.id} with them is already under way.")
        mediation = offer_crisis_mediation(d, state_id, c.with_state, requested_by=state_id)
        if mediation is None:
            raise RuleError("This scenario has no clauses or CBMs for a mediator to offer.")
    else:
        raise RuleError(
            "Say what to mediate: `mediate request <proposal>` or `mediate request <state>`."
        )
    _consent(d, mediation.id, state_id, c.arbitration)


def consent(d: Decision, c: ConsentMediation, state_id: str) -> None:
    m = _live(d.state, c.mediation)
    if state_id not in m.parties:
        raise RuleError(f"Your state is not a party to mediation {m.id}.")
    if state_id in m.consents and (not c.arbitration or state_id in m.arbitration):
        raise RuleError(f"Your state already consented to mediation {m.id}.")
    _consent(d, m.id, state_id, c.arbitration)


def _consent(d: Decision, mid: str, state_id: str, arbitration: bool) -> None:
    d.emit(MediationConsented, mediation=mid, state=state_id, arbitration=arbitration)
    m = d.state.mediations[mid]
    if m.status == "active" and not m.text_tabled and d.state.human_mediator is None:
        builtin_text(d, mid)


def earlier_text(p: Proposal, terms: Terms) -> ProposalVersion | None:
    """A text the mediator tabled before on this proposal that says `terms`."""
    for v in p.versions:
        if v.by == MEDIATOR and v.terms == terms and (v is not p.current or not p.is_open):
            return v
    return None


def _nothing_new(state: GameState, p: Proposal, terms: Terms) -> str | None:
    """Why the mediator would not table `terms` on `p` (a deal made already, a
    text it tabled before), or None."""
    from game.proposals import duplicate_message, standing_duplicate

    dup = standing_duplicate(state, terms, exclude=p.id)
    if dup is not None:
        return duplicate_message(state, dup, None)
    before = earlier_text(p, terms)
    if before is not None:
        return (
            f"The mediator's best text on {p.id} is still its version {before.number}, which "
            "was not accepted; it has nothing new to offer."
        )
    return None


def builtin_text(d: Decision, mid: str) -> None:
    m = d.state.mediations[mid]
    result = propose_package(d.state, m.proposal)
    if isinstance(result, Terms):
        why = _nothing_new(d.state, d.state.proposals[m.proposal], result)
        if why is not None:
            result = why
    if isinstance(result, str):
        d.emit(MediationFailed, mediation=mid, reason=result)
        return
    _table_text(d, m, result, builtin=True)


def _deadline(d: Decision):
    return d.now + timedelta(minutes=d.state.scenario.timers.proposal_deadline_minutes)


def _table_text(d: Decision, m: Mediation, terms: Terms, builtin: bool, accepted_by=()) -> None:
    p = d.state.proposals[m.proposal]
    if terms == p.terms and p.is_open:
        # The text on the table is the best compromise: the mediator takes it
        # as its own as it stands, and the acceptances it has keep standing.
        accepted_by = [*accepted_by, *(x for x in p.accepted_by if x not in accepted_by)]
    version = ProposalVersion(number=p.version + 1, terms=terms, by=MEDIATOR, at=d.now)
    d.emit(
        MediatorTextTabled,
        mediation=m.id,
        proposal=p.id,
        version=version,
        deadline=_deadline(d),
        builtin=builtin,
        accepted_by=list(accepted_by),
    )


def accept_with_conditions(d: Decision, c: AcceptWithConditions, state_id: str) -> None:
    from game.proposals import check_answerable, get

    s = d.state
    p = get(s, c.proposal)
    check_answerable(s, p, state_id, c.version)
    if not _has_live(s, p) or p.current.by != MEDIATOR:
        raise RuleError(
            f"Conditions answer a mediator's text; {p.id} is not one. Counter it instead with "
            f"`respond counter {p.id} {p.version} <clause>=<option>`."
        )
    if p.kind != "agreement" or c.clause not in p.terms.clauses:
        raise RuleError(
            f"{p.id} has no clause {c.clause!r}; its clauses: {', '.join(p.terms.clauses)}."
        )
    clause = s.scenario.catalogs.clauses[c.clause]
    if c.option not in [o.id for o in clause.options]:
        raise RuleError(
            f"Clause {c.clause} has no option {c.option!r}; its options: "
            f"{', '.join(o.id for o in clause.options)}."
        )
    if p.terms.clauses[c.clause] == c.option:
        raise RuleError(f"The text already says {c.clause}={c.option}; accept it plainly.")
    mid = p.mediation
    assert mid is not None
    revised: Terms | str | None = None
    if s.human_mediator is None:
        revised = revise_package(s, p.id, state_id, c.clause, c.option)
        if isinstance(revised, Terms):
            revised = _nothing_new(s, p, revised) or revised
        if isinstance(revised, str):
            raise RuleError(
                f"The mediator cannot meet that condition: {revised} Accept or reject the text."
            )
    d.emit(
        ConditionalAcceptance,
        proposal=p.id,
        version=p.version,
        state=state_id,
        clause=c.clause,
        option=c.option,
    )
    if isinstance(revised, Terms):
        _table_text(d, d.state.mediations[mid], revised, builtin=True, accepted_by=[state_id])


def settle(d: Decision, mid: str) -> None:
    s = d.state
    m = s.mediations[mid]
    relief = s.rules.mediation_relief
    if norm_effect(s, "cooperation"):
        relief = round(relief * 1.5)
    effects = EffectsBuilder()
    for i, a in enumerate(m.parties):
        for b in m.parties[i + 1 :]:
            effects.add_tension(a, b, -relief)
    d.emit(MediationSettled, mediation=mid, effects=effects.build())


def after_rejection(d: Decision, mid: str) -> None:
    m = d.state.mediations[mid]
    p = d.state.proposals[m.proposal]
    if m.status in LIVE and m.text_tabled and p.current.by == MEDIATOR:
        _text_not_accepted(d, mid, "a party rejected the text")


def _text_not_accepted(d: Decision, mid: str, why: str) -> None:
    m = d.state.mediations[mid]
    if set(m.parties) <= set(m.arbitration):
        if d.state.human_mediator is None:
            p = d.state.proposals[m.proposal]
            _rule(d, m, p.terms, builtin=True)
        return  # a human mediator now rules (`mediate rule`)
    d.emit(
        MediationFailed,
        mediation=mid,
        reason=f"{why}, and not every party consented to arbitration",
    )


# --- the mediator --------------------------------------------------------------------------


def _text_terms(d: Decision, m: Mediation, clauses: dict[str, str], cbm: str | None) -> Terms:
    from game.proposals import refuse_duplicate, validate_terms

    p = d.state.proposals[m.proposal]
    update: dict = {}
    if clauses:
        if p.kind != "agreement":
            raise RuleError(f"{p.id} is {p.kind}, not an agreement: it has no clauses.")
        update["clauses"] = {**p.terms.clauses, **clauses}
    if cbm is not None:
        if p.kind != "cbm":
            raise RuleError(f"{p.id} is not a CBM proposal.")
        update["cbm"] = cbm
    terms = p.terms.model_copy(update=update)
    validate_terms(d.state, terms, MEDIATOR)
    refuse_duplicate(d.state, terms, None, exclude=p.id)
    return terms


def mediator_text(d: Decision, c: MediatorText | ReviseText) -> None:
    m = _live(d.state, c.mediation)
    if isinstance(c, ReviseText) and not m.text_tabled:
        raise RuleError(f"Table a text first with `mediate text {m.id}`, then revise it.")
    if isinstance(c, MediatorText) and m.text_tabled:
        raise RuleError(
            f"Your text for {m.id} is on the table; change it with `mediate revise {m.id}`."
        )
    terms = _text_terms(d, m, c.clauses, c.cbm)
    if isinstance(c, ReviseText) and terms == d.state.proposals[m.proposal].terms:
        raise RuleError(
            f"That revision changes nothing; name the clauses to change, e.g. "
            f"`mediate revise {m.id} <clause>=<option>`."
        )
    _table_text(d, m, terms, builtin=False)


def set_deadline(d: Decision, c: SetMediationDeadline) -> None:
    m = _live(d.state, c.mediation)
    d.emit(MediationDeadlineSet, mediation=m.id, deadline=d.now + timedelta(minutes=c.minutes))


def cooloff(d: Decision, c: CallCooloff) -> None:
    s = d.state
    for sid in c.states:
        if sid not in s.delegations:
            raise RuleError(f"There is no state {sid!r} in this game.")
    states = list(dict.fromkeys(c.states)) or list(s.state_ids)
    if len(states) < 2:
        raise RuleError("A cooling-off needs at least two states.")
    d.emit(CooloffCalled, until=d.now + timedelta(minutes=c.minutes), states=states)


def _rule(d: Decision, m: Mediation, terms: Terms, builtin: bool) -> None:
    p = d.state.proposals[m.proposal]
    binding = set(m.parties) <= set(m.arbitration)
    version = ProposalVersion(
        number=p.version + 1, terms=terms, by=MEDIATOR, at=d.now, note="arbitration ruling"
    )
    d.emit(
        ArbitrationRuled,
        mediation=m.id,
        proposal=p.id,
        version=version,
        binding=binding,
        builtin=builtin,
        deadline=None if binding else _deadline(d),
    )
    if binding:
        settle(d, m.id)


def rule(d: Decision, c: RuleArbitration) -> None:
    m = _live(d.state, c.mediation)
    _rule(d, m, _text_terms(d, m, c.clauses, c.cbm), builtin=False)

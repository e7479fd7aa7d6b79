"""Proposals: CBMs, agreements, forum norms, assistance and cooperation
requests, from draft to in force.

draft -> tabled -> (countered)* -> accepted | rejected | withdrawn | expired;
accepted -> in force at the next resolution step. A counter is a new version
(history kept); accept / reject / counter name the version the player saw,
and a stale version is refused with the current terms. A proposal is agreed
when every party has accepted its current version (the author of a version
accepts it by writing it). Norms are not accepted but voted (game/forum.py).
"""

from __future__ import annotations

from datetime import timedelta

from game.base import RuleError
from game.commands import (
    AcceptProposal,
    CounterProposal,
    ProposeAgreement,
    ProposeAssistance,
    ProposeCBM,
    ProposeCooperation,
    ProposeNorm,
    RejectProposal,
    TableDraft,
    WithdrawProposal,
)
from game.decision import Decision
from game.events import (
    AgreementReached,
    Effects,
    ProposalAccepted,
    ProposalCountered,
    ProposalDrafted,
    ProposalRejected,
    ProposalTabled,
    ProposalWithdrawn,
)
from game.state import (
    MEDIATOR,
    GameState,
    Proposal,
    ProposalVersion,
    Terms,
)
from game.tension import EffectsBuilder
from game.treaties import (
    cbm_effect_between,
    clause_effect_between,
    clauses_of,
    norm_effect,
)

KIND_NAMES = {
    "cbm": "a confidence-building measure",
    "agreement": "an agreement",
    "norm": "a norm",
    "assistance": "an assistance offer",
    "cooperation": "a cooperation request",
}


# --- reading terms -----------------------------------------------------------------------


def describe_terms(state: GameState, terms: Terms) -> str:
    """The terms in one line, for players."""
    cat = state.scenario.catalogs
    parties = ", ".join(state.name_of(p) for p in terms.parties)
    match terms.kind:
        case "cbm":
            cbm = cat.cbms.get(terms.cbm or "")
            return f"CBM {cbm.name if cbm else terms.cbm} between {parties}"
        case "agreement":
            parts = []
            for cid, oid in terms.clauses.items():
                clause = cat.clauses.get(cid)
                option = next((o for o in clause.options if o.id == oid), None) if clause else None
                parts.append(f"{clause.name if clause else cid}: {option.label if option else oid}")
            return f"Agreement between {parties} — " + "; ".join(parts)
        case "norm":
            norm = cat.norms.get(terms.norm or "")
            return f"Norm {norm.name if norm else terms.norm} (forum vote)"
        case "assistance":
            return (
                f"Assistance from {state.name_of(terms.parties[0])} to "
                f"{state.name_of(terms.recipient or '')}: {terms.sector} resilience"
            )
        case _:
            return (
                f"Cooperation request to {state.name_of(terms.requested or '')} on incident "
                f"{terms.incident}"
            )


def tabling_cost(state: GameState, terms: Terms, proposer: str) -> int:
    rules, cat = state.rules, state.scenario.catalogs
    match terms.kind:
        case "cbm":
            return cat.cbms[terms.cbm].cost if terms.cbm in cat.cbms else rules.proposal_cost
        case "agreement":
            return rules.proposal_cost
        case "norm":
            return cat.norms[terms.norm].cost if terms.norm in cat.norms else rules.proposal_cost
        case "assistance":
            discount = 1 if norm_effect(state, "assistance_on_request") else 0
            return max(0, rules.assistance_cost - discount)
        case _:
            requested = terms.requested or ""
            contacts = cbm_effect_between(state, proposer, requested, "points_of_contact") or bool(
                clause_effect_between(state, proposer, requested, "points_of_contact")
            )
            return max(0, rules.cooperation_cost - (1 if contacts else 0))


def pay(state: GameState, state_id: str, amount: int, what: str) -> Effects:
    have = state.delegations[state_id].capital
    if have < amount:
        raise RuleError(
            f"You have {have} capital left; {what} costs {amount}. Capital comes back at the "
            "start of each round."
        )
    return EffectsBuilder().add_capital(state_id, -amount).build()


def _list(items) -> str:
    return ", ".join(items) or "none"


def validate_terms(state: GameState, terms: Terms, proposer: str) -> None:
    cat = state.scenario.catalogs
    for p in terms.parties:
        if p not in state.delegations:
            raise RuleError(f"There is no state {p!r}; the states are {_list(state.state_ids)}.")
    if len(set(terms.parties)) != len(terms.parties):
        raise RuleError("Name each party once.")
    if terms.kind in ("cbm", "agreement") and len(terms.parties) < 2:
        raise RuleError("Name at least one other state as a party.")
    match terms.kind:
        case "cbm":
            if terms.cbm not in cat.cbms:
                raise RuleError(f"There is no CBM {terms.cbm!r}; choose one of {_list(cat.cbms)}.")
        case "agreement":
            if not terms.clauses:
                raise RuleError("An agreement needs at least one clause: `<clause>=<option>`.")
            for cid, oid in terms.clauses.items():
                clause = cat.clauses.get(cid)
                if clause is None:
                    raise RuleError(
                        f"There is no clause {cid!r}; choose among {_list(cat.clauses)}."
                    )
                options = [o.id for o in clause.options]
                if oid not in options:
                    raise RuleError(
                        f"Clause {cid} has no option {oid!r}; its options are {_list(options)}."
                    )
        case "norm":
            if terms.norm not in cat.norms:
                raise RuleError(
                    f"There is no norm {terms.norm!r}; choose one of {_list(cat.norms)}."
                )
            if terms.norm in state.norms_in_force:
                raise RuleError(f"The norm {terms.norm} is already adopted.")
        case "assistance":
            if terms.recipient == proposer:
                raise RuleError("Assistance goes to another state; name the state you help.")
        case "cooperation":
            incident = state.incidents.get(terms.incident or "")
            if incident is None or incident.status in ("planned", "stood_down"):
                hits = [
                    i.id for i in state.incidents.values() if i.status in ("open", "attributed")
                ]
                raise RuleError(
                    f"There is no incident {terms.incident!r}; open incidents: {_list(hits)}."
                )
            if incident.status == "closed":
                raise RuleError(f"Incident {incident.id} is closed already.")
            if terms.requested == proposer:
                raise RuleError("Ask another state: the one where you think the group operates.")


# A deal stands while it is on the table, agreed or in force; assistance is a
# one-off transfer, so once in force the same help may be offered again.
_STANDING: tuple[str, ...] = ("tabled", "countered", "accepted", "in_force")


def same_deal(a: Terms, b: Terms) -> bool:
    """The same deal: same kind, same terms, the same parties in any order."""
    return (
        a.kind == b.kind
        and set(a.parties) == set(b.parties)
        and a.model_copy(update={"parties": []}) == b.model_copy(update={"parties": []})
    )


def standing_duplicate(
    state: GameState, terms: Terms, exclude: str | None = None
) -> Proposal | None:
    """Another proposal that already makes this deal (on the table, agreed or
    in force), or None."""
    for p in state.proposals.values():
        if p.id == exclude or p.status not in _STANDING:
            continue
        if p.kind == "assistance" and p.status == "in_force":
            continue
        if same_deal(p.terms, terms):
            return p
    return None


def _deal_name(state: GameState, terms: Terms, me: str | None) -> str:
    cat = state.scenario.catalogs
    others = [x for x in terms.parties if x != me]
    names = [state.name_of(x) for x in others]
    between = (
        f"between you and {' and '.join(names)}"
        if me in terms.parties
        else "between " + " and ".join(names)
    )
    match terms.kind:
        case "cbm":
            cbm = cat.cbms.get(terms.cbm or "")
            return f"The CBM “{cbm.name if cbm else terms.cbm}” {between}"
        case "agreement":
            return f"An agreement on these terms {between}"
        case "norm":
            norm = cat.norms.get(terms.norm or "")
            return f"The norm “{norm.name if norm else terms.norm}”"
        case "assistance":
            return f"The same assistance to {state.name_of(terms.recipient or '')}"
        case _:
            return (
                f"The same cooperation request to {state.name_of(terms.requested or '')} on "
                f"{terms.incident}"
            )


def duplicate_message(state: GameState, dup: Proposal, me: str | None) -> str:
    """Why the same deal cannot be tabled again, and what to do instead; `me`
    is the state that tried (None: the mediator)."""
    what = _deal_name(state, dup.terms, me)
    match dup.status:
        case "in_force":
            return f"{what} is already in force since round {dup.in_force_round} ({dup.id})."
        case "accepted":
            return (
                f"{what} was agreed in round {dup.accepted_round} ({dup.id}) and enters into "
                "force at the next resolution."
            )
    if dup.kind == "norm":
        how = f"vote on it with `forum vote {dup.id} yes|no|abstain`"
    elif me in dup.terms.parties and me not in dup.accepted_by:
        how = f"answer it with `respond accept {dup.id} {dup.version}`"
    else:
        how = "wait for the answer"
    return f"{what} is already on the table as {dup.id} (version {dup.version}); {how}."


def refuse_duplicate(
    state: GameState, terms: Terms, me: str | None, exclude: str | None = None
) -> None:
    dup = standing_duplicate(state, terms, exclude)
    if dup is not None:
        raise RuleError(duplicate_message(state, dup, me))


def terms_of(command, proposer: str, state: GameState) -> Terms:
    match command:
        case ProposeCBM():
            parties = list(dict.fromkeys([proposer, *command.parties]))
            return Terms(kind="cbm", parties=parties, cbm=command.cbm)
        case ProposeAgreement():
            parties = list(dict.fromkeys([proposer, *command.parties]))
            return Terms(kind="agreement", parties=parties, clauses=dict(command.clauses))
        case ProposeNorm():
            return Terms(kind="norm", parties=list(state.state_ids), norm=command.norm)
        case ProposeAssistance():
            return Terms(
                kind="assistance",
                parties=[proposer, command.recipient],
                recipient=command.recipient,
                sector=command.sector,
            )
        case ProposeCooperation():
            return Terms(
                kind="cooperation",
                parties=[proposer, command.requested],
                incident=command.incident,
                requested=command.requested,
            )
    raise RuleError("Unknown proposal kind.")  # pragma: no cover


# --- tabling -------------------------------------------------------------------------------


def _deadline(d: Decision):
    return d.now + timedelta(minutes=d.state.scenario.timers.proposal_deadline_minutes)


def _check_lead(d: Decision, roles: set[str], what: str) -> None:
    if "lead" not in roles:
        raise RuleError(
            f"Only your delegation's lead can table {what}; add `draft` to prepare it, "
            "and your lead tables it with `propose table <proposal>`."
        )


def _first_acceptance(p: Proposal) -> list[str]:
    return [p.proposer] if p.proposer in p.terms.parties and p.kind != "norm" else []


def propose(d: Decision, c, proposer: str, roles: set[str]) -> None:
    s = d.state
    terms = terms_of(c, proposer, s)
    validate_terms(s, terms, proposer)
    refuse_duplicate(s, terms, proposer)
    pid = s.next_id("P", s.proposals)
    version = ProposalVersion(number=1, terms=terms, by=proposer, at=d.now)
    base = Proposal(
        id=pid, kind=terms.kind, proposer=proposer, versions=[version], tabled_round=s.round
    )
    if c.draft:
        d.emit(ProposalDrafted, proposal=base.model_copy(update={"status": "draft"}))
        return
    _check_lead(d, roles, KIND_NAMES[terms.kind])
    _table(d, base, proposer)


def _table(d: Decision, p: Proposal, proposer: str) -> None:
    s = d.state
    cost = tabling_cost(s, p.terms, proposer)
    effects = pay(s, proposer, cost, f"tabling {KIND_NAMES[p.kind]}")
    tabled = p.model_copy(
        update={
            "status": "tabled",
            "deadline": _deadline(d),
            "accepted_by": _first_acceptance(p),
            "votes": {proposer: "yes"} if p.kind == "norm" else {},
            "tabled_round": s.round,
        }
    )
    d.emit(ProposalTabled, proposal=tabled, effects=effects)
    requested = p.terms.requested
    if (
        p.kind == "cooperation"
        and requested
        and clause_effect_between(s, proposer, requested, "data_preservation")
    ):
        # Expedited data preservation in force: the request succeeds at once.
        d.emit(ProposalAccepted, proposal=p.id, version=1, state=requested)
        conclude_if_agreed(d, p.id)
    if p.kind == "norm":
        from game.forum import close_if_all_voted

        close_if_all_voted(d, p.id)


def table_draft(d: Decision, c: TableDraft, state_id: str) -> None:
    p = get(d.state, c.proposal)
    if p.status != "draft" or p.proposer != state_id:
        drafts = [
            x.id
            for x in d.state.proposals.values()
            if x.status == "draft" and x.proposer == state_id
        ]
        raise RuleError(f"{p.id} is not a draft of your delegation; your drafts: {_list(drafts)}.")
    validate_terms(d.state, p.terms, state_id)
    refuse_duplicate(d.state, p.terms, state_id, exclude=p.id)
    _table(d, p, state_id)


# --- answering -----------------------------------------------------------------------------


def get(state: GameState, pid: str) -> Proposal:
    p = state.proposals.get(pid)
    if p is None:
        open_ = [x.id for x in state.proposals.values() if x.is_open]
        raise RuleError(f"There is no proposal {pid!r}; open proposals: {_list(open_)}.")
    return p


def _not_open(state: GameState, p: Proposal) -> RuleError:
    match p.status:
        case "draft":
            return RuleError(f"{p.id} is still a draft; its delegation's lead must table it first.")
        case "accepted":
            return RuleError(
                f"{p.id} was agreed already; it enters into force at the next resolution."
            )
        case "in_force":
            return RuleError(f"{p.id} is already in force.")
        case _:
            return RuleError(f"{p.id} is {p.status}; table a new proposal instead.")


def check_answerable(state: GameState, p: Proposal, state_id: str, version: int | None) -> None:
    if not p.is_open:
        raise _not_open(state, p)
    if p.kind == "norm":
        raise RuleError(
            f"{p.id} is a norm: the forum votes on it with `forum vote {p.id} yes|no|abstain`."
        )
    if state_id not in p.terms.parties:
        raise RuleError(
            f"Your state is not a party to {p.id}; only {_list(p.terms.parties)} answer it."
        )
    if version is not None and version != p.version:
        raise RuleError(
            f"{p.id} is now at version {p.version}: {describe_terms(state, p.terms)}. "
            f"Answer that version, e.g. `respond accept {p.id} {p.version}`."
        )


def accept(d: Decision, c: AcceptProposal, state_id: str) -> None:
    p = get(d.state, c.proposal)
    check_answerable(d.state, p, state_id, c.version)
    if state_id in p.accepted_by:
        waiting = [x for x in p.terms.parties if x not in p.accepted_by]
        raise RuleError(f"You accepted {p.id} already; waiting for {_list(waiting)}.")
    d.emit(ProposalAccepted, proposal=p.id, version=p.version, state=state_id)
    conclude_if_agreed(d, p.id)


def conclude_if_agreed(d: Decision, pid: str) -> None:
    p = d.state.proposals[pid]
    if set(p.terms.parties) <= set(p.accepted_by):
        d.emit(AgreementReached, proposal=pid, version=p.version)
        if p.mediation is not None:
            from game.mediation import settle

            settle(d, p.mediation)


def reject(d: Decision, c: RejectProposal, state_id: str) -> None:
    s = d.state
    p = get(s, c.proposal)
    check_answerable(s, p, state_id, c.version)
    effects = Effects()
    if (
        p.kind == "cooperation"
        and state_id == p.terms.requested
        and norm_effect(s, "crime_cooperation")
    ):
        # The crime-cooperation norm: refusing costs a capital point (if any is left).
        effects = (
            EffectsBuilder().add_capital(state_id, -min(1, s.delegations[state_id].capital)).build()
        )
    d.emit(ProposalRejected, proposal=p.id, version=p.version, state=state_id, effects=effects)
    if p.mediation is not None:
        from game.mediation import after_rejection

        after_rejection(d, p.mediation)


def counter(d: Decision, c: CounterProposal, state_id: str) -> None:
    s = d.state
    p = get(s, c.proposal)
    check_answerable(s, p, state_id, c.version)
    if p.kind == "cooperation":
        raise RuleError(f"A cooperation request cannot be countered; accept or reject {p.id}.")
    old = p.terms
    update: dict = {}
    if c.clauses:
        if p.kind != "agreement":
            raise RuleError("Only agreements have clauses to change.")
        update["clauses"] = {**old.clauses, **c.clauses}
    if c.cbm is not None:
        if p.kind != "cbm":
            raise RuleError("Only a CBM proposal names a CBM.")
        update["cbm"] = c.cbm
    if c.sector is not None:
        if p.kind != "assistance":
            raise RuleError("Only an assistance offer names a sector.")
        update["sector"] = c.sector
    if c.parties is not None:
        if p.kind not in ("cbm", "agreement"):
            raise RuleError("Only CBMs and agreements can change their parties.")
        update["parties"] = list(dict.fromkeys([state_id, *c.parties]))
    terms = old.model_copy(update=update)
    if terms == old:
        raise RuleError(
            f"That counter changes nothing; accept {p.id} instead, or name the terms to change."
        )
    validate_terms(s, terms, p.proposer if p.proposer != MEDIATOR else state_id)
    refuse_duplicate(s, terms, state_id, exclude=p.id)
    version = ProposalVersion(number=p.version + 1, terms=terms, by=state_id, at=d.now)
    d.emit(ProposalCountered, proposal=p.id, version=version, deadline=_deadline(d))
    from game.mediation import check_counter_stall

    check_counter_stall(d, p.id)


def withdraw(d: Decision, c: WithdrawProposal, state_id: str) -> None:
    p = get(d.state, c.proposal)
    if p.proposer != state_id:
        raise RuleError(
            f"Only {d.state.name_of(p.proposer)} can withdraw {p.id}; reject it instead."
        )
    if p.status not in ("draft", "tabled", "countered"):
        raise _not_open(d.state, p)
    d.emit(ProposalWithdrawn, proposal=p.id, state=state_id)


# --- entering into force ---------------------------------------------------------------


def force_effects(state: GameState, p: Proposal) -> tuple[Effects, str | None]:
    """What a proposal does when it enters into force, and the incident it closes."""
    rules, cat = state.rules, state.scenario.catalogs
    t = p.terms
    effects = EffectsBuilder()
    closes: str | None = None
    pairs = [(a, b) for i, a in enumerate(t.parties) for b in t.parties[i + 1 :]]
    match p.kind:
        case "cbm":
            cbm = cat.cbms.get(t.cbm or "")
            if cbm is not None and "critical_infrastructure_cooperation" in cbm.effects:
                for sid in t.parties:
                    for sector in cbm.sectors:
                        effects.add_resilience(sid, sector, 1)
        case "agreement":
            chosen = clauses_of(state, p)
            relief = rules.agreement_relief + sum(o.tension_relief for _, o in chosen)
            for a, b in pairs:
                effects.add_tension(a, b, -relief)
            for clause, option in chosen:
                if clause.effect == "capacity_building":
                    for sid in t.parties:
                        for sector in clause.sectors:
                            effects.add_resilience(sid, sector, option.level // 3)
        case "norm":
            norm = cat.norms.get(t.norm or "")
            if norm is not None and norm.effect == "protect_own_infrastructure":
                for sid in state.state_ids:
                    for sector in norm.sectors:
                        effects.add_resilience(sid, sector, 1)
        case "assistance":
            if t.recipient and t.sector:
                effects.add_resilience(t.recipient, t.sector, rules.assistance_resilience)
                effects.add_reputation(t.recipient, rules.assistance_reputation)
                effects.add_reputation(t.parties[0], rules.assistance_reputation)
        case "cooperation":
            incident = state.incidents.get(t.incident or "")
            if (
                incident is not None
                and incident.status in ("open", "attributed")
                and incident.author_kind == "criminal"
                and incident.responsible == t.requested
            ):
                closes = incident.id
    return effects.build(), closes

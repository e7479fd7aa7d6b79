"""Computer delegations: a policy that plays one seat.

    computer_commands(state, state_id, ctx) -> list[Command]

The policy reads what its delegation may know — `game.views.delegation_view`
(its own profile, interest weights, objectives, capital, evidence, planned
operations, the proposals and mediations it is party to, and the public
view) plus the scenario's catalogs and rules, which are public content. It
never reads another delegation's weights or objectives, nor an incident's
true author.

What it does, in order, each time it is asked (a "pass"):

1. calls off a planned operation that would break a commitment (an agreement
   sparing the sector, a norm the forum adopted protecting it) with the
   chance of its `Conduct.reliability`, and other operations when tension
   with the target is already high, with the chance of its cooperativeness
   (less when unreliable);
2. consents to mediation offered to it (pre-consenting to arbitration with
   the chance of its cooperativeness / 2);
3. answers proposals it is party to: it values them with the built-in
   mediator's utility (game/mediator.py) from its own weights, nudged by its
   secret objectives; accepts an agreement or a CBM only when it is worth
   its aspiration (high early for an uncooperative delegation, falling as
   the game runs out; a mediator's text, half of it), accepts a mediator's
   text on a condition when one clause spoils it, counters a party's
   agreement by moving the clause that hurts it most, rejects the rest;
   votes in the forum by interest;
4. investigates incidents against it before it attributes, and attributes
   publicly (with the chance of its assertiveness) when the evidence it
   holds points clearly at one suspect — an assertive delegation needs less
   of it, and every delegation needs more once the forum has adopted a
   "consider all information" norm; having named the author of an operation against it, it may answer
   with a diplomatic measure, likelier and harder the more assertive and
   the less cooperative it is;
5. requests mediation on a proposal of its that keeps being countered, and
   with a state it is in crisis with when no talk is open (once a round);
6. tables (at most one new proposal a round): a CBM, an agreement, a norm,
   a cooperation request about a criminal incident, or assistance to a state
   hit where it is weak — what serves it, if it can afford it, and never a
   deal it already has (the rules refuse it);
7. opens a back-channel with a state it is tense with (tension 40 or more,
   with the chance of its cooperativeness, drawn once a round) and speaks
   once a round in every back-channel it is in;
8. marks itself ready once it has nothing else to do.

Every candidate command is tried with `decide` on a scratch copy of the
state (applying the earlier ones), and dropped if a rule refuses it, so a
computer delegation never sends a command the game rejects. Chance is drawn
from `ctx.rng`; choices that must not flip between passes of one round
(standing down an operation, an accusation) are drawn from a generator
seeded by the game's seed and the thing decided, so asking twice gives the
same answer.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

from game.base import Context, RuleError
from game.commands import (
    AcceptProposal,
    AcceptWithConditions,
    Attribute,
    CastVote,
    Command,
    ConsentMediation,
    CounterProposal,
    Investigate,
    MarkReady,
    OpenBackchannel,
    ProposeAgreement,
    ProposeAssistance,
    ProposeCBM,
    ProposeCooperation,
    ProposeNorm,
    RejectProposal,
    RequestMediation,
    StandDown,
    TakeMeasure,
    Whisper,
)
from game.engine import apply, decide
from game.scenario import (
    AgreementInForce,
    CBMInForce,
    ClauseAvoided,
    NormAdopted,
    NormNotAdopted,
)
from game.state import MEDIATOR, GameState, Proposal, Terms, computer_player
from game.views import DelegationView, ProposalView, delegation_view

# Which issue each CBM effect and norm effect serves (so a delegation can
# value them with the same weights it values clauses with).
CBM_ISSUES: dict[str, str] = {
    "hotline": "crisis_communication",
    "joint_incident_reporting": "incident_reporting",
    "points_of_contact": "crisis_communication",
    "consultations": "crisis_communication",
    "transparency": "information_sharing",
    "vulnerability_disclosure": "information_sharing",
    "public_private_partnership": "information_sharing",
    "critical_infrastructure_cooperation": "infrastructure_restraint",
}
NORM_ISSUES: dict[str, str] = {
    "cooperation": "crisis_communication",
    "consider_all_information": "incident_reporting",
    "territory_due_diligence": "law_enforcement_access",
    "crime_cooperation": "law_enforcement_access",
    "human_rights": "election_integrity",
    "protect_critical_infrastructure": "infrastructure_restraint",
    "protect_own_infrastructure": "infrastructure_restraint",
    "assistance_on_request": "capacity_building",
    "supply_chain": "information_sharing",
    "vulnerability_reporting": "information_sharing",
    "protect_certs": "incident_reporting",
}

# Extra evidence (summed confidence) wanted before naming a culprit once the
# forum has adopted a "consider all information" norm.
CAREFUL = 25
# Capital kept back for investigating the next incident.
RESERVE = 1
# A clause whose value falls below this spoils an otherwise good text.
SPOILER = -0.05


def _stable(state: GameState, *keys: object) -> float:
    """A draw in [0, 1) fixed by the game's seed and what is being decided."""
    return random.Random(":".join(str(k) for k in (state.seed, *keys))).random()


class _Policy:
    def __init__(self, state: GameState, me: str, ctx: Context) -> None:
        self.state = state
        self.me = me
        self.rng = ctx.rng
        self.view: DelegationView = delegation_view(state, me)
        self.profile = state.profile(me)  # own profile: its weights and conduct
        self.conduct = self.profile.conduct
        self.weights = dict(self.view.interests)
        self.catalogs = state.scenario.catalogs
        self.rules = state.rules
        self.actor = computer_player(me, self.profile.name)
        self.others = [d.id for d in self.view.public.delegations if d.id != me]
        self.budget = self.view.capital
        self._visible: list[Proposal] | None = None
        self.tabled_this_round = any(
            p.proposer == me
            and p.status != "draft"
            and state.proposals[p.id].tabled_round == self.view.public.round
            for p in self.view.proposals
        )

    def visible_proposals(self) -> list[Proposal]:
        """The proposals this delegation may see: its own and those it is
        party to (its view), the forum's and those agreed (public)."""
        if self._visible is None:
            ids = [p.id for p in self.view.proposals]
            ids += [p.id for p in self.view.public.forum + self.view.public.agreed]
            self._visible = [self.state.proposals[i] for i in dict.fromkeys(ids)]
        return self._visible

    # --- values (own weights and objectives only) ------------------------------------

    def objectives(self) -> list[Any]:
        return [o.objective for o in self.view.objectives]

    def clause_value(self, clause_id: str, option_id: str, parties: list[str]) -> float:
        clause = self.catalogs.clauses.get(clause_id)
        if clause is None:
            return 0.0
        option = next((o for o in clause.options if o.id == option_id), None)
        if option is None:
            return 0.0
        value = (
            self.weights.get(clause.issue, 0.0) * option.level / 10 + option.tension_relief / 100
        )
        for o in self.objectives():
            if (
                isinstance(o, AgreementInForce)
                and o.clause == clause_id
                and (o.with_state is None or o.with_state in parties)
            ):
                value += o.points / 200
            if isinstance(o, ClauseAvoided) and o.clause == clause_id:
                value -= o.points / 200
        return value

    def agreement_value(self, clauses: dict[str, str], parties: list[str]) -> float:
        base = self.rules.agreement_relief / 100
        return base + sum(self.clause_value(c, o, parties) for c, o in clauses.items())

    def cbm_value(self, cbm_id: str, parties: list[str]) -> float:
        cbm = self.catalogs.cbms.get(cbm_id)
        if cbm is None:
            return 0.0
        value = (cbm.tension_relief + cbm.trust_gain) / 100
        issues = [CBM_ISSUES[e] for e in cbm.effects if e in CBM_ISSUES]
        if issues:
            value += 0.3 * max(self.weights.get(i, 0.0) for i in issues)
        for o in self.objectives():
            if (
                isinstance(o, CBMInForce)
                and o.cbm == cbm_id
                and (o.with_state is None or o.with_state in parties)
            ):
                value += o.points / 50
        return value

    def norm_value(self, norm_id: str) -> float:
        norm = self.catalogs.norms.get(norm_id)
        if norm is None:
            return 0.0
        value = 0.05 + 0.5 * self.weights.get(NORM_ISSUES.get(norm.effect, ""), 0.0)
        for o in self.objectives():
            if isinstance(o, NormAdopted) and o.norm == norm_id:
                value += o.points / 50
            if isinstance(o, NormNotAdopted) and o.norm == norm_id:
                value -= o.points / 50
        return value

    def terms_value(self, p: ProposalView) -> float:
        terms = self.state.proposals[p.id].terms
        match p.kind:
            case "agreement":
                return self.agreement_value(dict(terms.clauses), terms.parties)
            case "cbm":
                return self.cbm_value(terms.cbm or "", terms.parties)
            case "norm":
                return self.norm_value(terms.norm or "")
            case "assistance":
                return 0.3 if terms.recipient == self.me else 0.0
            case _:
                # Being asked to act against a criminal group on my territory.
                return (
                    0.1
                    + 0.3 * self.weights.get("law_enforcement_access", 0.0)
                    + 0.2 * self.conduct.cooperativeness
                    - 0.1
                )

    def aspiration(self) -> float:
        """How much a party's proposal must be worth before it accepts: high
        early for an uncooperative delegation, falling as the game runs out."""
        public = self.view.public
        left = max(0.0, 1 - public.round / max(1, public.rounds))
        return 0.35 * (1 - self.conduct.cooperativeness) * left

    # --- the pass ------------------------------------------------------------------------

    def candidates(self) -> Iterator[Any]:
        yield from self.operations()
        yield from self.consents()
        yield from self.answers()
        yield from self.intelligence()
        yield from self.mediation_requests()
        yield from self.tabling()
        yield from self.talks()

    def make(self, cls: type, **fields: Any) -> Any:
        return cls(command_id="ai", game_id=self.state.game_id, actor=self.actor, **fields)

    # 1. planned operations

    def bound_against(self, victim: str, sector: str) -> bool:
        for p in self.visible_proposals():
            # Agreed proposals enter into force before the operation would hit.
            if p.status not in ("accepted", "in_force") or p.kind != "agreement":
                continue
            if self.me not in p.terms.parties or victim not in p.terms.parties:
                continue
            for cid in p.terms.clauses:
                clause = self.catalogs.clauses.get(cid)
                if (
                    clause is not None
                    and clause.effect == "spare_sector"
                    and (not clause.sectors or sector in clause.sectors)
                ):
                    return True
        for nid in self.adopted_norms():
            norm = self.catalogs.norms.get(nid)
            if (
                norm is not None
                and norm.effect == "protect_critical_infrastructure"
                and (not norm.sectors or sector in norm.sectors)
            ):
                return True
        return False

    def adopted_norms(self) -> list[str]:
        """Norms in force, and those the forum adopted this round (in force
        at the resolution step, before next round's operations hit)."""
        public = self.view.public
        adopted = [
            self.state.proposals[p.id].terms.norm or ""
            for p in public.forum
            if p.status in ("accepted", "in_force")
        ]
        return list(dict.fromkeys([*public.norms_in_force, *adopted]))

    def operations(self) -> Iterator[Any]:
        for op in self.view.operations:
            if op.status != "planned":
                continue
            draw = _stable(self.state, "standdown", op.id)
            if self.bound_against(op.victim, op.sector):
                stand_down = draw < self.conduct.reliability
            else:
                tension = self.state.tension(self.me, op.victim) if op.victim != self.me else 0
                # Restraint when relations are tense: a cooperative, reliable
                # delegation usually holds back; others let it run.
                stand_down = tension >= 60 and draw < self.conduct.cooperativeness * (
                    0.5 + self.conduct.reliability / 2
                )
            if stand_down:
                yield self.make(StandDown, operation=op.id)

    # 2. mediation offered

    def consents(self) -> Iterator[Any]:
        for m in self.view.mediations:
            if m.status in ("offered", "active") and self.me not in m.consents:
                binding = (
                    _stable(self.state, "binding", m.id, self.me) < self.conduct.cooperativeness / 2
                )
                yield self.make(ConsentMediation, mediation=m.id, arbitration=binding)

    # 3. answers

    def answers(self) -> Iterator[Any]:
        for p in self.view.proposals:
            if p.status not in ("tabled", "countered"):
                continue
            if p.kind == "norm":
                if self.me not in p.votes:
                    value = self.norm_value(self.state.proposals[p.id].terms.norm or "")
                    vote = "yes" if value > 0 else ("no" if value < -0.05 else "abstain")
                    yield self.make(CastVote, proposal=p.id, vote=vote)
                continue
            if self.me in p.accepted_by:
                continue
            yield from self.answer(p)

    def spoilers(self, clauses: dict[str, str], parties: list[str]) -> list[str]:
        """The clauses this delegation cannot live with as they stand."""
        return [c for c, o in clauses.items() if self.clause_value(c, o, parties) < SPOILER]

    def acceptable(self, clauses: dict[str, str], parties: list[str]) -> bool:
        return self.agreement_value(clauses, parties) > self.aspiration() and not self.spoilers(
            clauses, parties
        )

    def answer(self, p: ProposalView) -> Iterator[Any]:
        proposal = self.state.proposals[p.id]
        terms = proposal.terms
        value = self.terms_value(p)
        version = {"proposal": p.id, "version": p.version}
        if proposal.current.by == MEDIATOR:
            yield from self.answer_text(p, value)
            return
        if p.kind == "agreement":
            mediation = self.state.mediations.get(p.mediation or "")
            if mediation is not None and mediation.status in ("offered", "active"):
                return  # the mediator's text is coming: wait for it
            if self.acceptable(dict(terms.clauses), terms.parties):
                yield self.make(AcceptProposal, **version)
                return
            counter = self.counter_clauses(terms)
            stalled = p.counters >= self.rules.stall_counters
            if (
                counter is not None
                and not stalled
                and self.acceptable({**terms.clauses, **counter}, terms.parties)
            ):
                yield self.make(CounterProposal, clauses=counter, **version)
                return
            if mediation is None:
                # No version of the text that this delegation could write
                # would do: ask the mediator for a package.
                yield self.make(RequestMediation, proposal=p.id)
            if value > 0:
                yield self.make(AcceptProposal, **version)
            else:
                yield self.make(RejectProposal, **version)
            return
        if p.kind == "cbm":
            # Like an agreement, a CBM must be worth the delegation's
            # aspiration: an uncooperative one holds out early (and lets the
            # offer lapse, which brings the mediator in).
            if value > self.aspiration():
                yield self.make(AcceptProposal, **version)
            elif value <= 0:
                yield self.make(RejectProposal, **version)
            return  # otherwise: think about it until the next pass
        if value > 0:
            yield self.make(AcceptProposal, **version)
        else:
            yield self.make(RejectProposal, **version)

    def answer_text(self, p: ProposalView, value: float) -> Iterator[Any]:
        """A mediator's single negotiating text: accept it if it serves this
        delegation; when one clause spoils it, ask for a change of that one
        clause (an uncooperative delegation does so even when the whole is
        good enough); else reject it."""
        terms = self.state.proposals[p.id].terms
        version = {"proposal": p.id, "version": p.version}
        condition = self.condition_on(terms) if p.kind == "agreement" else None
        haggle = (
            _stable(self.state, "conditions", p.id, p.version, self.me)
            > self.conduct.cooperativeness
        )
        if condition is not None and p.mediation is not None and (value <= 0 or haggle):
            clause, option = condition
            yield self.make(AcceptWithConditions, clause=clause, option=option, **version)
        # Half its aspiration: a mediator's text is worth meeting half-way.
        if value > max(0.0, self.aspiration() / 2):
            yield self.make(AcceptProposal, **version)
        else:
            yield self.make(RejectProposal, **version)

    def best_option(self, clause_id: str, parties: list[str]) -> str | None:
        clause = self.catalogs.clauses.get(clause_id)
        if clause is None:
            return None
        return max(
            clause.options, key=lambda o: (self.clause_value(clause_id, o.id, parties), o.id)
        ).id

    def counter_clauses(self, terms: Terms) -> dict[str, str] | None:
        """A counter-offer: every clause this delegation cannot live with moved
        to its best option, or (when none) the clause that costs it most; and,
        when that changes nothing, the clause it wants most added. None if
        nothing would improve."""
        parties = terms.parties
        changes: dict[str, str] = {}
        for cid in self.spoilers(dict(terms.clauses), parties):
            top = self.best_option(cid, parties)
            if top is not None and top != terms.clauses[cid]:
                changes[cid] = top
        if not changes:
            best_gain = 0.01
            for cid, oid in terms.clauses.items():
                top = self.best_option(cid, parties)
                if top is None or top == oid:
                    continue
                gain = self.clause_value(cid, top, parties) - self.clause_value(cid, oid, parties)
                if gain > best_gain:
                    best_gain, changes = gain, {cid: top}
        if not changes:
            best_gain = 0.2
            for cid in sorted(self.catalogs.clauses):
                top = self.best_option(cid, parties)
                if cid in terms.clauses or top is None:
                    continue
                gain = self.clause_value(cid, top, parties)
                if gain > best_gain:
                    best_gain, changes = gain, {cid: top}
        return changes or None

    def condition_on(self, terms: Terms) -> tuple[str, str] | None:
        """The one clause of a mediator's text to ask a change of, and the
        option it would accept there."""
        worst, worst_value = None, 0.0
        for cid, oid in terms.clauses.items():
            v = self.clause_value(cid, oid, terms.parties)
            if v < worst_value:
                worst, worst_value = cid, v
        if worst is None:
            return None
        top = self.best_option(worst, terms.parties)
        if top is None or top == terms.clauses[worst]:
            return None
        return worst, top

    # 4. investigate, then attribute

    def suspects(self, incident_id: str) -> list[tuple[str, int]]:
        score: dict[str, int] = {}
        for e in self.view.evidence:
            if e.incident == incident_id:
                score[e.points_to] = score.get(e.points_to, 0) + e.confidence
        return sorted(score.items(), key=lambda kv: (-kv[1], kv[0]))

    def intelligence(self) -> Iterator[Any]:
        attributed = {(a.incident, a.by) for a in self.view.public.attributions}
        own_ops = {op.id for op in self.view.operations}
        for incident in self.view.public.incidents:
            if incident.status not in ("open", "attributed") or incident.id in own_ops:
                continue
            mine = incident.victim == self.me
            if not mine and _stable(self.state, "interest", incident.id, self.me) > 0.3:
                continue
            suspects = self.suspects(incident.id)
            if (incident.id, self.me) in attributed:
                continue
            top = suspects[0] if suspects else None
            second = suspects[1][1] if len(suspects) > 1 else 0
            # How sure it must be before it names a culprit: an assertive
            # delegation goes public on thinner evidence (and is wrong more).
            sure = 90 - 50 * self.conduct.assertiveness
            # Norm (b) adopted: weigh all the information — a third more
            # evidence first (a wrong accusation now costs double).
            if any(
                n in self.catalogs.norms
                and self.catalogs.norms[n].effect == "consider_all_information"
                for n in self.adopted_norms()
            ):
                sure += CAREFUL
            clear = (
                top is not None and top[1] >= sure and top[1] >= 2 * second and top[0] != self.me
            )
            if (
                clear
                and top is not None
                and (
                    _stable(self.state, "attribute", incident.id, self.me)
                    < self.conduct.assertiveness
                )
            ):
                yield self.make(Attribute, incident=incident.id, culprit=top[0])
                if mine:
                    yield from self.response_to(incident.id, top[0])
                continue
            investigated = incident.id in self.view.investigated
            rounds_ago = self.view.public.round - incident.round
            if (not investigated or (not clear and rounds_ago <= 1)) and self.budget > RESERVE - 1:
                if investigated and self.rng.random() > self.conduct.assertiveness:
                    continue
                self.budget -= self.rules.investigate_cost
                yield self.make(Investigate, incident=incident.id)

    def response_to(self, incident_id: str, culprit: str) -> Iterator[Any]:
        """A diplomatic measure right after accusing someone of an operation
        against this state: likelier and harder the more assertive and the
        less cooperative it is (EU Cyber Diplomacy Toolbox)."""
        target = culprit if culprit in self.state.delegations else self.state.group_state(culprit)
        if target is None or target == self.me:
            return
        chance = self.conduct.assertiveness * (1 - self.conduct.cooperativeness / 2)
        if _stable(self.state, "measure", incident_id, self.me) >= chance:
            return
        budget = self.budget - self.rules.attribute_cost
        harshness = self.conduct.assertiveness * (1.5 - self.conduct.cooperativeness)
        cap = 15 * harshness
        options = [
            r
            for r in self.catalogs.responses.values()
            if r.tension > 0 and r.tension <= cap and budget - r.cost >= RESERVE - 1
        ]
        if not options:
            return
        response = max(options, key=lambda r: (r.tension, r.target_reputation, r.id))
        self.budget = budget - response.cost + self.rules.attribute_cost
        yield self.make(TakeMeasure, response=response.id, target=target)

    # 5. mediation requests

    def mediation_requests(self) -> Iterator[Any]:
        for p in self.view.proposals:
            if p.status not in ("tabled", "countered") or p.kind == "norm" or p.mediation:
                continue
            if p.counters >= max(1, self.rules.stall_counters - 1) and self.me in p.accepted_by:
                yield self.make(RequestMediation, proposal=p.id)
        # A pair the mediator saw this round (whatever came of it) waits for
        # the next: the mediator has just said what it can offer.
        live = {
            frozenset(m.parties)
            for m in self.view.mediations
            if m.status in ("offered", "active") or m.opened_round == self.view.public.round
        }
        for r in self.view.public.relations:
            if self.me not in (r.a, r.b) or not r.crisis:
                continue
            other = r.b if r.a == self.me else r.a
            if frozenset((self.me, other)) in live:
                continue
            yield self.make(RequestMediation, with_state=other)

    # 6. tabling

    def can_spend(self, cost: int) -> bool:
        return self.budget - cost >= RESERVE

    def tabling(self) -> Iterator[Any]:
        if self.tabled_this_round:
            return
        options = list(self.tabling_options())
        if not options:
            return
        # The best-valued option first; the dice decide whether to table at all.
        options.sort(key=lambda t: -t[0])
        if self.rng.random() > 0.35 + self.conduct.cooperativeness:
            return
        for _, cost, command in options:
            if self.can_spend(cost):
                self.budget -= cost
                yield command
                return

    def open_with(self, other: str, kind: str) -> bool:
        for p in self.visible_proposals():
            if p.kind != kind or p.status not in ("tabled", "countered", "accepted", "in_force"):
                continue
            if self.me in p.terms.parties and other in p.terms.parties:
                return True
        return False

    def cbm_taken(self, other: str, cbm_id: str) -> bool:
        for p in self.visible_proposals():
            if (
                (
                    p.kind == "cbm"
                    and p.terms.cbm == cbm_id
                    and p.status
                    in (
                        "tabled",
                        "countered",
                        "accepted",
                        "in_force",
                    )
                )
                and self.me in p.terms.parties
                and other in p.terms.parties
            ):
                return True
        return False

    def tabling_options(self) -> Iterator[tuple[float, int, Any]]:
        public = self.view.public
        for other in self.others:
            tension = self.state.tension(self.me, other)
            # A CBM with the other state.
            open_cbms = sum(
                1
                for p in self.visible_proposals()
                if p.kind == "cbm"
                and p.status in ("tabled", "countered")
                and {self.me, other} <= set(p.terms.parties)
            )
            if open_cbms == 0:
                scored = [
                    (self.cbm_value(cid, [self.me, other]), cid)
                    for cid in sorted(self.catalogs.cbms)
                    if not self.cbm_taken(other, cid)
                ]
                if scored:
                    value, cid = max(scored)
                    cost = self.catalogs.cbms[cid].cost
                    yield (
                        value + tension / 200,
                        cost,
                        self.make(ProposeCBM, cbm=cid, parties=[other]),
                    )
            # An agreement, opening with what this delegation wants.
            if not self.open_with(other, "agreement"):
                wanted = sorted(
                    (
                        (
                            self.clause_value(
                                cid, self.best_option(cid, [self.me, other]) or "", [self.me, other]
                            ),
                            cid,
                        )
                        for cid in self.catalogs.clauses
                    ),
                    reverse=True,
                )
                # An opening offer asks for everything this delegation values
                # (at most five clauses), each at its best: the other side
                # counters what it cannot live with.
                clauses = {
                    cid: self.best_option(cid, [self.me, other]) or ""
                    for value, cid in wanted[:5]
                    if value > 0.1
                }
                if clauses and public.round >= 1:
                    yield (
                        self.agreement_value(clauses, [self.me, other])
                        * self.conduct.cooperativeness,
                        self.rules.proposal_cost,
                        self.make(ProposeAgreement, parties=[other], clauses=clauses),
                    )
        # A norm at the forum.
        tabled_norms = {
            self.state.proposals[p.id].terms.norm
            for p in public.forum
            if p.status not in ("rejected", "expired")
        }
        norms = [
            (self.norm_value(nid), nid)
            for nid in sorted(self.catalogs.norms)
            if nid not in public.norms_in_force and nid not in tabled_norms
        ]
        if norms:
            value, nid = max(norms)
            if value > 0.25:
                yield value - 0.1, self.catalogs.norms[nid].cost, self.make(ProposeNorm, norm=nid)
        # A cooperation request about a criminal incident against this state.
        groups = {g.id: g for g in self.state.scenario.groups}
        asked = {
            p.terms.incident
            for p in self.visible_proposals()
            if p.kind == "cooperation" and p.status not in ("rejected", "expired", "withdrawn")
        }
        for incident in public.incidents:
            if incident.victim != self.me or incident.status != "open" or incident.id in asked:
                continue
            for suspect, _ in self.suspects(incident.id):
                group = groups.get(suspect)
                if group is not None and group.kind == "criminal" and group.state != self.me:
                    yield (
                        0.5,
                        self.rules.cooperation_cost,
                        self.make(ProposeCooperation, incident=incident.id, requested=group.state),
                    )
                    break
        # Assistance to a state hit where it is weak.
        if self.conduct.cooperativeness >= 0.5:
            for incident in public.incidents:
                if incident.victim == self.me or incident.round != public.round:
                    continue
                if self.state.tension(self.me, incident.victim) > 60:
                    continue
                yield (
                    0.1 * self.conduct.cooperativeness,
                    self.rules.assistance_cost,
                    self.make(ProposeAssistance, recipient=incident.victim, sector=incident.sector),
                )

    # talks

    def talks(self) -> Iterator[Any]:
        mine = {frozenset(c.states) for c in self.view.backchannels if c.open}
        for other in self.others:
            if frozenset((self.me, other)) in mine:
                continue
            if self.state.tension(self.me, other) >= 40 and (
                _stable(self.state, "backchannel", self.view.public.round, self.me, other)
                < self.conduct.cooperativeness
            ):
                yield self.make(OpenBackchannel, states=[other])
        # Speak once a round in every open channel: talks that both sides keep
        # up lower tension at the resolution step.
        now = self.view.public.round
        for c in self.view.backchannels:
            if c.open and not any(m.by == self.me and m.round == now for m in c.messages):
                others = [self.state.name_of(s) for s in c.states if s != self.me]
                yield self.make(
                    Whisper,
                    channel=c.id,
                    text=f"We are ready to talk with {', '.join(others)} about lowering the risk.",
                )


def _try(state: GameState, command: Any, now: Any) -> GameState | None:
    """The state after `command`, or None if a rule refuses it."""
    ctx = Context.for_game(now, state.seed, state.seq)
    try:
        events = decide(state, command, ctx)
    except RuleError:
        return None
    for event in events:
        state = apply(state, event)
    return state


def computer_commands(state: GameState, state_id: str, ctx: Context) -> list[Command]:
    """The commands the computer delegation of `state_id` sends now (maybe none)."""
    if state.phase != "negotiation":
        return []
    delegation = state.delegations.get(state_id)
    if delegation is None or delegation.control != "computer":
        return []
    policy = _Policy(state, state_id, ctx)
    scratch = state
    chosen: list[Any] = []
    answered: set[str] = set()
    for command in policy.candidates():
        proposal = getattr(command, "proposal", None)
        if proposal is not None and command.type != "request_mediation" and proposal in answered:
            continue
        after = _try(scratch, command, ctx.now)
        if after is None:
            continue
        if proposal is not None:
            answered.add(proposal)
        chosen.append(command)
        if after.phase != "negotiation" or after.round != scratch.round:
            break  # the round is over: what follows was meant for this one
        scratch = after
    if not chosen and not delegation.ready:
        ready = policy.make(MarkReady, ready=True)
        if _try(scratch, ready, ctx.now) is not None:
            chosen.append(ready)
    return [
        c.model_copy(update={"command_id": f"ai:{state.game_id}:{state.seq}:{state_id}:{i}"})
        for i, c in enumerate(chosen)
    ]

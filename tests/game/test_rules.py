"""The rules case suite: one test per rule of DESIGN.md section 3, the rule
quoted in its docstring (defaults of RuleSettings unless the test says)."""

from __future__ import annotations

from game.engine import replay
from game.mediation import use_package_function
from game.scenario import IncidentInject, RuleSettings, TechnologyInject
from game.scoring import scores
from game.state import Terms
from tests.game.factories import ANA, BEN, CAT, MEL, scenario, started


def quiet(**rules) -> object:
    """The test scenario without scheduled injects (no tension noise)."""
    settings = {"leak_chance": 0.0, "escalation_tension": 0, **rules}
    return scenario(injects=[], rules=RuleSettings(**settings))


def strike(t, victim="alba", author="borea", template="grid", severity=3, **kw):
    inject = IncidentInject(
        round=1,
        headline="Strike",
        template=template,
        victim=victim,
        author=author,
        severity=severity,
        **kw,
    )
    return t.do("inject_event", inject=inject)


def in_force_cbm(t, cbm="hotline", a=ANA, b=BEN, b_state="borea"):
    t.do("propose_cbm", a, cbm=cbm, parties=[b_state])
    pid = max(t.s.proposals, key=lambda x: int(x[1:]))
    t.do("accept_proposal", b, proposal=pid)
    t.do("advance_round")
    assert t.s.proposals[pid].status == "in_force"
    return pid


def agree(t, clauses, a=ANA, b=BEN, b_state="borea"):
    t.do("propose_agreement", a, parties=[b_state], clauses=clauses)
    pid = max(t.s.proposals, key=lambda x: int(x[1:]))
    t.do("accept_proposal", b, proposal=pid)
    return pid


# --- tension ------------------------------------------------------------------------------


def test_incident_raises_tension_by_severity_times_five():
    """Tension rises with incidents attributed to, or suspected of, the other
    side (severity × 5 by default …)."""
    t = started(quiet())
    strike(t, severity=3)
    assert t.s.tension("alba", "borea") == 30 + 15
    assert t.s.tension("alba", "cyra") == 30


def test_hotline_halves_incident_tension():
    """… halved with a hotline in force between them."""
    t = started(quiet())
    in_force_cbm(t, "hotline")
    before = t.s.tension("alba", "borea")
    strike(t, severity=4)
    assert t.s.tension("alba", "borea") == before + 10


def test_wrong_public_accusation_raises_tension_by_15():
    """Tension rises … with wrong public accusations (+15)."""
    t = started(quiet())
    strike(t, author="borea")
    t.do("attribute", ANA, incident="I1", culprit="cyra")
    assert t.s.tension("alba", "cyra") == 30 + 15
    assert t.s.attributions[-1].correct is False


def test_breach_raises_tension_by_20():
    """Tension rises … with broken commitments (+20); breaching one (an incident
    by a party against another party in a sector it promised to spare) is a breach."""
    t = started(quiet())
    agree(t, {"spare-energy": "full"})
    t.do("advance_round")
    before = t.s.tension("alba", "borea")
    events = strike(t, severity=1)
    assert "breach_committed" in t.types(events)
    assert t.s.tension("alba", "borea") == before + 5 + 20
    assert t.s.breaches[0].breacher == "borea"


def test_cbm_in_force_lowers_tension_each_round_bounded_per_pair():
    """It falls with each CBM in force (−5 a round, bounded per pair)."""
    t = started(quiet(cbm_relief_cap=6))
    in_force_cbm(t, "hotline")  # relief 5
    in_force_cbm(t, "jir")  # relief 3: 5 + 3 capped at 6
    before = t.s.tension("alba", "borea")
    t.do("advance_round")
    assert t.s.tension("alba", "borea") == before - 6


def test_agreement_entering_into_force_lowers_tension_by_10():
    """… with agreements entering into force (−10)."""
    t = started(quiet())
    agree(t, {"contacts": "desk"})  # option relief 1
    assert t.s.tension("alba", "borea") == 30
    t.do("advance_round")
    assert t.s.tension("alba", "borea") == 30 - 10 - 1


def test_successful_mediation_lowers_tension_by_10():
    """… with successful mediation (−10)."""
    t = started(quiet())
    t.do("propose_cbm", ANA, cbm="hotline", parties=["borea"])
    t.do("request_mediation", ANA, proposal="P1")
    t.do("consent_mediation", BEN, mediation="M1")
    assert t.s.proposals["P1"].current.by == "mediator"
    assert t.s.proposals["P1"].accepted_by == ["alba"]  # the text is unchanged: it stands
    t.do("accept_proposal", BEN, proposal="P1")
    assert t.s.mediations["M1"].status == "settled"
    assert t.s.tension("alba", "borea") == 30 - 10


def test_crisis_at_80_is_announced_to_everyone():
    """Any pair at ≥ 80 is a crisis (everyone is told)."""
    t = started(quiet(starting_tension=70))
    events = strike(t, severity=2)
    assert "crisis_declared" in t.types(events)
    assert t.s.relation("alba", "borea").crisis


def test_conflict_at_100_ends_the_game_and_zeroes_stability():
    """At 100 the game ends in cyber conflict and every delegation loses its
    share of the stability score."""
    t = started(quiet(starting_tension=90))
    events = strike(t, severity=3)
    assert t.types(events)[-1] == "game_ended"
    assert t.s.phase == "ended" and t.s.ended_reason == "conflict"
    assert all(card.stability_points == 0 for card in events[-1].scores.values())
    assert "game is over" in t.refuse("make_statement", ANA, text="hello?")


# --- trust -----------------------------------------------------------------------------------


def test_trust_rises_when_commitments_are_honoured_over_rounds():
    """Trust rises when commitments are honoured over rounds."""
    t = started(quiet())
    agree(t, {"contacts": "desk"})
    t.do("advance_round")  # enters into force
    before = t.s.relation("alba", "borea").trust
    t.do("advance_round")  # kept for a round
    assert t.s.relation("alba", "borea").trust == before + 2


def test_trust_falls_with_breaches_and_wrong_accusations():
    """… and falls with breaches and wrong accusations."""
    t = started(quiet())
    t.do("attribute", CAT, incident=strike(t)[0].incident.id, culprit="alba")
    assert t.s.relation("alba", "cyra").trust == 50 - 10
    agree(t, {"spare-energy": "full"})
    t.do("advance_round")
    trust = t.s.relation("alba", "borea").trust
    strike(t)
    assert t.s.relation("alba", "borea").trust == trust - 20


def test_low_trust_makes_attribution_less_believed():
    """Low trust makes public attribution by that state less believed (its
    reputation effect smaller)."""
    high = started(quiet(starting_trust=50))
    low = started(quiet(starting_trust=10))
    for t in (high, low):
        strike(t)
        t.do("attribute", ANA, incident="I1", culprit="borea")
    assert high.s.delegations["borea"].reputation == 50 - 10
    assert low.s.delegations["borea"].reputation == 50 - 2


# --- capital ---------------------------------------------------------------------------------


def test_capital_each_round_pays_for_proposals_investigations_attributions():
    """Each state gets N points a round; tabling a proposal, opening an
    investigation, or publicly attributing costs capital."""
    t = started(quiet())
    assert t.s.delegations["alba"].capital == 6 + 3
    strike(t)
    t.do("propose_agreement", ANA, parties=["borea"], clauses={"contacts": "desk"})
    t.do("investigate", ANA, incident="I1")
    t.do("attribute", ANA, incident="I1", culprit="borea")
    assert t.s.delegations["alba"].capital == 9 - 2 - 1 - 1
    t.do("advance_round")
    assert t.s.delegations["alba"].capital == 5 + 3


def test_not_enough_capital_is_refused_with_the_cost():
    """It keeps spam down and makes choices matter."""
    t = started(quiet())
    for clause in ("contacts", "ip", "capacity", "spare-energy"):
        t.do("propose_agreement", ANA, parties=["borea"], clauses={clause: "none"})
    message = t.refuse("propose_agreement", ANA, parties=["cyra"], clauses={"ip": "pledge"})
    assert message.startswith("You have 1 capital left; tabling an agreement costs 2")


# --- attribution -------------------------------------------------------------------------------


def test_investigation_reveals_evidence_with_confidence():
    """Investigating an incident reveals evidence items (each with a confidence)."""
    t = started(quiet())
    strike(t)
    events = t.do("investigate", CAT, incident="I1")
    items = events[0].evidence
    assert len(items) == 1 and 5 <= items[0].confidence <= 95
    assert t.s.evidence[items[0].id].known_by == ["cyra"]


def test_joint_incident_reporting_shares_and_partnership_reveals_more():
    """A joint incident reporting CBM or a private-sector partnership reveals more."""
    t = started(quiet())
    in_force_cbm(t, "jir")
    in_force_cbm(t, "ppp")
    strike(t, victim="cyra", author="gang", template="ransom")
    items = t.do("investigate", ANA, incident=t.s.incidents and max(t.s.incidents))[0].evidence
    assert len(items) == 2  # partnership: one more
    assert all(set(i.known_by) == {"alba", "borea"} for i in items)  # shared with borea


def test_right_attribution_lowers_culprit_reputation_more_with_a_norm():
    """A public attribution names a culprit: right → the culprit's reputation
    falls (more if an adopted norm forbade the act)."""
    t = started(quiet())
    strike(t)
    t.do("attribute", ANA, incident="I1", culprit="borea")
    assert t.s.delegations["borea"].reputation == 40
    t.do("propose_norm", CAT, norm="no-ci-attacks")
    t.do("cast_vote", ANA, proposal="P1", vote="yes")
    t.do("cast_vote", BEN, proposal="P1", vote="no")
    t.do("advance_round")
    assert "no-ci-attacks" in t.s.norms_in_force
    strike(t)
    incident = max(t.s.incidents, key=lambda x: int(x[1:]))
    t.do("attribute", ANA, incident=incident, culprit="borea")
    assert t.s.delegations["borea"].reputation == 40 - 20


def test_wrong_attribution_costs_the_accuser_reputation():
    """Wrong → tension with the accused +15 and the accuser's reputation falls."""
    t = started(quiet())
    strike(t)
    t.do("attribute", ANA, incident="I1", culprit="cyra")
    assert t.s.delegations["alba"].reputation == 40
    assert t.s.delegations["cyra"].reputation == 50


def test_false_flags_point_some_evidence_to_the_wrong_state():
    """False flags exist: some evidence points to the wrong state."""
    t = started(quiet(evidence_per_investigation=4))
    strike(t, victim="cyra", author="alba", false_flag_against="borea", template="bank-theft")
    assert t.s.incidents["I1"].apparent == "borea"
    items = t.do("investigate", CAT, incident="I1")[0].evidence
    assert {i.points_to for i in items} == {"alba", "borea"}
    assert [i.points_to for i in items if i.false_flag] == ["borea"]


# --- proposals -----------------------------------------------------------------------------


def test_proposals_go_through_versions_and_keep_history():
    """Proposals go draft → tabled → (countered)* → accepted | rejected |
    withdrawn | expired. A counter-offer is a new version of the same proposal
    (history kept)."""
    t = started(quiet())
    t.do("propose_agreement", ANA, parties=["borea"], clauses={"ip": "verified"}, draft=True)
    assert t.s.proposals["P1"].status == "draft"
    t.do("table_draft", ANA, proposal="P1")
    t.do("counter_proposal", BEN, proposal="P1", version=1, clauses={"ip": "pledge"})
    t.do("counter_proposal", ANA, proposal="P1", version=2, clauses={"contacts": "desk"})
    p = t.s.proposals["P1"]
    assert p.status == "countered" and [v.number for v in p.versions] == [1, 2, 3]
    assert p.versions[0].terms.clauses == {"ip": "verified"}
    t.do("accept_proposal", BEN, proposal="P1", version=3)
    assert t.s.proposals["P1"].status == "accepted"
    t.do("propose_cbm", ANA, cbm="hotline", parties=["cyra"])
    t.do("reject_proposal", CAT, proposal="P2", version=1)
    t.do("propose_cbm", ANA, cbm="jir", parties=["cyra"])
    t.do("withdraw_proposal", ANA, proposal="P3")
    assert [t.s.proposals[p].status for p in ("P2", "P3")] == ["rejected", "withdrawn"]


def test_a_stale_version_is_refused_with_the_current_terms():
    """accept/reject/counter carry the version the player saw."""
    t = started(quiet())
    t.do("propose_agreement", ANA, parties=["borea"], clauses={"ip": "verified"})
    t.do("counter_proposal", BEN, proposal="P1", version=1, clauses={"ip": "pledge"})
    message = t.refuse("accept_proposal", ANA, proposal="P1", version=1)
    assert "now at version 2" in message and "Ip: pledge" in message


def test_accepted_agreements_are_in_force_from_the_next_resolution():
    """Accepted agreements are in force from the next resolution."""
    t = started(quiet())
    agree(t, {"spare-energy": "full"})
    assert t.s.proposals["P1"].status == "accepted"
    strike(t)  # not yet in force: no breach
    assert not t.s.breaches
    t.do("advance_round")
    assert t.s.proposals["P1"].status == "in_force"


def test_planned_operation_can_be_called_off():
    """Breaching is a choice: a state's operation is planned a round ahead, told
    to its author, and may be called off."""
    t = started(scenario(rules=RuleSettings(leak_chance=0.0)))
    planned = [e for e in t.events if e.type == "operation_planned"]
    assert planned and planned[0].planner == "borea"  # the proxy's sponsor decides
    assert "I2" not in {i.id for i in __import__("game.views").views.public_view(t.s).incidents}
    t.do("stand_down", BEN, operation=planned[0].incident.id)
    t.do("advance_round")
    assert t.s.incidents[planned[0].incident.id].status == "stood_down"
    assert "not an operation your state has planned" in t.refuse("stand_down", ANA, operation="I2")


# --- stalls and mediation ------------------------------------------------------------------


def test_k_counters_without_acceptance_is_a_stall():
    """A proposal countered K times (default 3) without acceptance … → the
    mediator is notified and the parties are offered mediation."""
    t = started(quiet())
    t.do("propose_agreement", ANA, parties=["borea"], clauses={"ip": "verified"})
    for i, (who, option) in enumerate([(BEN, "none"), (ANA, "verified"), (BEN, "pledge")], start=1):
        events = t.do("counter_proposal", who, proposal="P1", version=i, clauses={"ip": option})
    assert t.types(events)[-1] == "mediation_offered"
    assert t.s.mediations["M1"].reason == "counters"


def test_a_missed_deadline_is_a_stall():
    """… a deadline passing with no answer …"""
    t = started(quiet())
    t.do("propose_cbm", ANA, cbm="hotline", parties=["borea"])
    reminder = t.tick(8)
    assert reminder[0].type == "reminder_sent" and reminder[0].owing == ["borea"]
    events = t.tick(2)
    assert t.types(events)[:2] == ["proposal_expired", "mediation_offered"]


def test_a_crisis_pair_with_no_talks_is_a_stall():
    """… or a crisis pair with no active talk → the mediator is notified."""
    t = started(quiet(starting_tension=75))
    strike(t, severity=1)
    assert t.s.relation("alba", "borea").crisis
    t.do("advance_round")
    offers = [e for e in t.events if e.type == "mediation_offered"]
    assert offers and offers[0].mediation.reason == "crisis"
    assert offers[0].draft.proposer == "mediator"


def test_builtin_mediator_tables_the_nash_package():
    """With no human mediator seated, the built-in mediator tables a compromise
    computed from the parties' private interest weights (Nash bargaining)."""
    t = started(quiet())
    t.do(
        "propose_agreement",
        ANA,
        parties=["borea"],
        clauses={"spare-energy": "full", "contacts": "none"},
    )
    t.do("request_mediation", ANA, proposal="P1")
    t.do("consent_mediation", BEN, mediation="M1")
    text = t.s.proposals["P1"].current
    assert text.by == "mediator"
    # Borea dislikes sparing the grid (-0.2) and likes contacts (0.5).
    assert text.terms.clauses["contacts"] != "none"


def test_builtin_mediator_goes_through_the_seam():
    """(The mediator's package comes through a seam tests can substitute.)"""
    t = started(quiet())
    t.do("propose_agreement", ANA, parties=["borea"], clauses={"ip": "verified"})
    package = Terms(kind="agreement", parties=["alba", "borea"], clauses={"ip": "pledge"})
    with use_package_function(lambda state, pid: package):
        t.do("request_mediation", ANA, proposal="P1")
        t.do("consent_mediation", BEN, mediation="M1")
    assert t.s.proposals["P1"].terms == package


def test_arbitration_binds_when_every_party_pre_consented():
    """Parties may pre-consent to arbitration; then the mediator's ruling binds."""
    t = started(quiet())
    t.do("propose_agreement", ANA, parties=["borea"], clauses={"ip": "verified"})
    t.do("request_mediation", ANA, proposal="P1", arbitration=True)
    t.do("consent_mediation", BEN, mediation="M1", arbitration=True)
    version = t.s.proposals["P1"].version
    events = t.do("reject_proposal", BEN, proposal="P1", version=version)
    assert "arbitration_ruled" in t.types(events) and events[1].binding
    assert t.s.proposals["P1"].status == "accepted"


def test_human_mediator_ruling_is_not_binding_without_consent():
    """(The mediator's ruling binds only where all parties consented.)"""
    t = started(quiet())
    t.do("join_game", MEL, role="mediator")
    t.do("propose_agreement", ANA, parties=["borea"], clauses={"ip": "verified"})
    t.do("request_mediation", ANA, proposal="P1", arbitration=True)
    t.do("consent_mediation", BEN, mediation="M1")
    t.do("mediator_text", MEL, mediation="M1", clauses={"ip": "pledge"})
    events = t.do("rule_arbitration", MEL, mediation="M1", clauses={"ip": "none"})
    assert events[0].binding is False and t.s.proposals["P1"].is_open


def test_accept_with_conditions_revises_one_clause():
    """It also proposes the next revision when a party answers 'accept with
    conditions' on one clause."""
    t = started(quiet())
    t.do(
        "propose_agreement",
        ANA,
        parties=["borea"],
        clauses={"spare-energy": "full", "contacts": "desk"},
    )
    t.do("request_mediation", ANA, proposal="P1")
    t.do("consent_mediation", BEN, mediation="M1")
    text = t.s.proposals["P1"]
    with use_package_function(revision=lambda state, pid, sid, clause, option: {clause: option}):
        t.do(
            "accept_with_conditions",
            BEN,
            proposal="P1",
            version=text.version,
            clause="contacts",
            option="none",
        )
    revised = t.s.proposals["P1"]
    assert revised.version == text.version + 1
    assert revised.terms.clauses["contacts"] == "none"
    assert revised.terms.clauses["spare-energy"] == text.terms.clauses["spare-energy"]
    assert revised.accepted_by == ["borea"]


def test_cooling_off_blocks_accusations_between_the_states():
    """(The mediator can call a cooling-off.)"""
    t = started(quiet())
    t.do("join_game", MEL, role="mediator")
    strike(t)
    t.do("call_cooloff", MEL, minutes=5, states=["alba", "borea"])
    assert "cooling-off" in t.refuse("attribute", ANA, incident="I1", culprit="borea")
    events = t.tick(5)
    assert events[0].type == "cooloff_ended"
    t.do("attribute", ANA, incident="I1", culprit="borea")


# --- forum ------------------------------------------------------------------------------------


def test_norm_passes_with_the_scenario_majority():
    """Forum norms: a norm proposal passes with a scenario-set majority."""
    t = started(quiet())
    t.do("propose_norm", CAT, norm="no-ci-attacks")
    t.do("cast_vote", ANA, proposal="P1", vote="yes")
    events = t.do("cast_vote", BEN, proposal="P1", vote="no")
    assert events[-1].type == "forum_vote_closed" and events[-1].adopted


def test_consensus_forum_fails_on_one_objection():
    """… (or consensus)."""
    t = started(quiet(forum_majority=1.0))
    t.do("propose_norm", CAT, norm="no-ci-attacks")
    t.do("cast_vote", ANA, proposal="P1", vote="abstain")
    events = t.do("cast_vote", BEN, proposal="P1", vote="no")
    assert events[-1].adopted is False


def test_adopted_norm_doubles_the_reputation_cost_of_a_breach():
    """Adopted norms change the rules (e.g. a correctly attributed breach costs
    double reputation)."""
    test_right_attribution_lowers_culprit_reputation_more_with_a_norm()


# --- capacity building, cybercrime, technology, leaks -------------------------------------


def test_capacity_building_raises_resilience_and_both_gain_reputation():
    """A state spends capital to raise another's resilience in a sector
    (lowering future incident severity there); both gain reputation."""
    t = started(quiet())
    t.do("propose_assistance", CAT, recipient="alba", sector="energy")
    t.do("accept_proposal", ANA, proposal="P1")
    assert t.s.delegations["cyra"].capital == 8 - 2
    t.do("advance_round")
    assert t.s.delegations["alba"].resilience["energy"] == 6
    assert t.s.delegations["alba"].reputation == 53 and t.s.delegations["cyra"].reputation == 53
    t.do("engage_actor", ANA, actor_id="cloud", sector="energy")  # 8: one less severity
    events = strike(t, severity=3)
    assert events[0].incident.severity == 2


def test_cooperation_request_closes_a_criminal_incident():
    """Incidents by criminal groups can be closed by a cooperation request
    accepted by the state where the group operates."""
    t = started(quiet())
    strike(t, victim="borea", author="gang", template="ransom")
    t.do("propose_cooperation", BEN, incident="I1", requested="alba")
    t.do("accept_proposal", ANA, proposal="P1")
    t.do("propose_cooperation", BEN, incident="I1", requested="cyra")
    t.do("accept_proposal", CAT, proposal="P2")
    events = t.do("advance_round")
    closed = [e for e in events if e.type == "incident_closed"]
    assert [(e.incident, e.proposal) for e in closed] == [("I1", "P2")]
    assert t.s.incidents["I1"].status == "closed"


def test_technology_inject_raises_severity_unless_covered():
    """Injects can add capabilities or threats mid-game (e.g. AI-assisted
    intrusion raises severity unless a norm or CBM covers it)."""
    t = started(quiet())
    tech = TechnologyInject(
        round=1, headline="AI", sectors=["energy"], covered_by_norms=["supply-chain"]
    )
    t.do("inject_event", inject=tech)
    assert strike(t, severity=2)[0].incident.severity == 3
    t.do("propose_norm", CAT, norm="supply-chain")
    t.do("cast_vote", ANA, proposal="P1", vote="yes")
    t.do("cast_vote", BEN, proposal="P1", vote="yes")
    t.do("advance_round")
    assert strike(t, severity=2)[0].incident.severity == 2


def test_backchannel_leak_raises_tension_with_excluded_states():
    """A back-channel may leak (its existence and parties, not its words) with
    a small per-round chance; a leak raises tension with third states that
    were excluded and is public news."""
    t = started(quiet(leak_chance=1.0))
    t.do("open_backchannel", ANA, states=["borea"])
    t.do("whisper", BEN, channel="B1", text="secret words")
    events = t.do("advance_round")
    leak = next(e for e in events if e.type == "backchannel_leaked")
    assert leak.states == ["alba", "borea"] and "secret" not in leak.model_dump_json()
    assert t.s.tension("alba", "cyra") == 35 and t.s.tension("borea", "cyra") == 35


def test_both_sides_speaking_in_a_backchannel_lowers_tension_and_builds_trust():
    """Dialogue lowers misperception: at the resolution step, two states that
    both spoke in an open back-channel between them during the round see
    their tension fall by `backchannel_relief` (3) and their trust rise by
    `backchannel_trust` (1), once per pair per round."""
    t = started(quiet())
    t.do("open_backchannel", ANA, states=["borea", "cyra"])
    t.do("open_backchannel", BEN, states=["alba"])
    for channel, who in (("B1", ANA), ("B1", BEN), ("B2", ANA), ("B2", BEN), ("B2", BEN)):
        t.do("whisper", who, channel=channel, text="let us lower the risk")
    events, notices = _notices(t, "advance_round")
    talks = [e for e in events if e.type == "round_effects" and e.cause == "dialogue"]
    assert [e.detail for e in talks] == [["B1", "B2"]]
    told = [n for n in notices if n.title == "Talks eased tension"]
    assert [n.audience.kind for n in told] == ["backchannel", "backchannel"]
    assert "Alba – 🟥 Borea" in told[0].body and "Cyra" not in told[0].body
    # Two channels, several messages: once for the pair; Cyra never spoke.
    assert t.s.tension("alba", "borea") == 30 - 3 and t.s.relation("alba", "borea").trust == 51
    assert t.s.tension("alba", "cyra") == 30 and t.s.tension("borea", "cyra") == 30
    # Next round only one side speaks: nothing; a closed channel counts for nothing.
    t.do("whisper", ANA, channel="B1", text="are you there?")
    t.do("whisper", BEN, channel="B2", text="we are")
    t.do("close_backchannel", ANA, channel="B2")
    t.do("advance_round")
    assert t.s.tension("alba", "borea") == 27


# --- scoring and randomness ----------------------------------------------------------------


def test_scoring_objectives_reputation_and_shared_stability():
    """Scoring: secret objectives (points each) + reputation + a shared
    stability bonus from the average of (100 − tension) over all pairs."""
    t = started(quiet())
    card = scores(t.s)["alba"]
    assert card.objectives == {"deal": False, "calm": True, "peace": True}
    assert card.objective_points == 10
    assert card.reputation_points == 50 // 5
    assert card.stability_points == round(30 * 70 / 100)
    assert card.total == 10 + 10 + 21


def test_the_game_replays_exactly_from_its_event_log():
    """Randomness is drawn from a seeded generator stored with the game, so a
    session replays exactly from its event log."""
    t = started(scenario(rules=RuleSettings(leak_chance=0.5)))
    t.do("open_backchannel", ANA, states=["borea"])
    t.do("investigate", CAT, incident="I1")
    t.do("advance_round")
    t.do("advance_round")
    assert replay(t.events) == t.s
    again = started(scenario(rules=RuleSettings(leak_chance=0.5)))
    again.do("open_backchannel", ANA, states=["borea"])
    again.do("investigate", CAT, incident="I1")
    again.do("advance_round")
    again.do("advance_round")
    assert again.s == t.s


# --- the audit: each rule checked to the letter -------------------------------------------


def _notices(t, command, actor=None, **fields):
    from game.narrate import notices_for

    before = t.s
    events = t.do(command, actor, **fields) if actor else t.do(command, **fields)
    return events, notices_for(before, events, t.s)


def test_accept_with_conditions_with_the_builtin_mediator_changes_one_clause_only():
    """The built-in mediator proposes the next revision when a party answers
    'accept with conditions' on one clause (one clause at a time)."""
    t = started(quiet())
    t.do(
        "propose_agreement",
        ANA,
        parties=["borea"],
        clauses={"spare-energy": "full", "contacts": "24-7", "ip": "verified"},
    )
    t.do("request_mediation", ANA, proposal="P1")
    t.do("consent_mediation", BEN, mediation="M1")
    text = t.s.proposals["P1"]
    assert text.current.by == "mediator"
    clause, option = "contacts", "desk"
    if text.terms.clauses[clause] == option:
        option = "24-7"
    t.do(
        "accept_with_conditions",
        ANA,
        proposal="P1",
        version=text.version,
        clause=clause,
        option=option,
    )
    revised = t.s.proposals["P1"]
    assert revised.version == text.version + 1 and revised.current.by == "mediator"
    changed = {c for c in text.terms.clauses if text.terms.clauses[c] != revised.terms.clauses[c]}
    assert changed == {clause}
    assert revised.accepted_by == ["alba"]


def test_arbitration_does_not_bind_unless_every_party_consented():
    """Parties may pre-consent to arbitration; then the mediator's ruling
    binds — only then: with one party's consent a rejected text fails."""
    t = started(quiet())
    t.do("propose_agreement", ANA, parties=["borea"], clauses={"ip": "verified"})
    t.do("request_mediation", ANA, proposal="P1", arbitration=True)
    t.do("consent_mediation", BEN, mediation="M1")
    version = t.s.proposals["P1"].version
    events = t.do("reject_proposal", BEN, proposal="P1", version=version)
    assert "arbitration_ruled" not in t.types(events)
    assert t.types(events)[-1] == "mediation_failed"
    assert t.s.proposals["P1"].status == "rejected"


def test_a_leak_is_public_news_of_existence_and_parties_never_the_words():
    """A leak (its existence and parties, not its words) … is public news."""
    t = started(quiet(leak_chance=1.0))
    t.do("open_backchannel", ANA, states=["borea"])
    t.do("whisper", BEN, channel="B1", text="our secret price is the grid")
    _, notices = _notices(t, "advance_round")
    leaks = [n for n in notices if "Leak" in n.title]
    assert leaks and all(n.audience.kind == "public" for n in leaks)
    public = " ".join(n.model_dump_json() for n in notices if n.audience.kind == "public")
    assert "secret price" not in public
    assert "Alba" in leaks[0].body and "Borea" in leaks[0].body


def test_technology_inject_is_covered_by_a_cbm_in_force_too():
    """… raises severity unless a norm or CBM covers it."""
    t = started(quiet())
    tech = TechnologyInject(round=1, headline="AI", sectors=["energy"], covered_by_cbms=["vdp"])
    t.do("inject_event", inject=tech)
    assert strike(t, severity=2)[0].incident.severity == 3
    in_force_cbm(t, "vdp")
    # (the vulnerability-disclosure CBM also softens by one on its own)
    assert strike(t, severity=3)[0].incident.severity == 3 - 1


def test_a_data_preservation_clause_makes_cooperation_requests_succeed_at_once():
    """Budapest-style expedited data preservation: between the parties of a
    data-preservation clause in force, a cooperation request succeeds at once."""
    t = started(quiet())
    t.do("propose_agreement", BEN, parties=["cyra"], clauses={"preserve": "yes"})
    t.do("accept_proposal", CAT, proposal="P1")
    t.do("advance_round")
    strike(t, victim="borea", author="gang", template="ransom")
    incident = max(t.s.incidents, key=lambda x: int(x[1:]))
    events = t.do("propose_cooperation", BEN, incident=incident, requested="cyra")
    assert "agreement_reached" in t.types(events)
    events = t.do("advance_round")
    assert t.s.incidents[incident].status == "closed"


def test_consensus_forum_adopts_when_every_state_votes_yes():
    """… (or consensus): no objection and everyone voted."""
    t = started(quiet(forum_majority=1.0))
    t.do("propose_norm", CAT, norm="no-ci-attacks")
    t.do("cast_vote", ANA, proposal="P1", vote="yes")
    events = t.do("cast_vote", BEN, proposal="P1", vote="yes")
    assert events[-1].type == "forum_vote_closed" and events[-1].adopted


def test_a_crisis_is_told_to_everyone_in_public():
    """Any pair at ≥ 80 is a crisis (everyone is told)."""
    t = started(quiet(starting_tension=70))
    from game.narrate import notices_for

    before = t.s
    events = strike(t, severity=2)
    crisis = [n for n in notices_for(before, events, t.s) if "Crisis" in n.title]
    assert crisis and [n.audience.kind for n in crisis] == ["public"]


def _keys(data) -> set[str]:
    if isinstance(data, dict):
        return set(data) | {k for v in data.values() for k in _keys(v)}
    if isinstance(data, list):
        return {k for v in data for k in _keys(v)}
    return set()


def test_no_view_but_the_owners_and_the_moderators_holds_objectives_or_weights():
    """One delegation's secret objectives and interest weights never appear in
    another audience's view (the moderator, who runs the game, sees all)."""
    from game.views import delegation_view, mediator_view, moderator_view, public_view

    t = started(quiet())
    t.do("propose_agreement", ANA, parties=["borea"], clauses={"ip": "verified"})
    t.do("request_mediation", ANA, proposal="P1")
    t.do("consent_mediation", BEN, mediation="M1")
    t.do("open_backchannel", ANA, states=["borea"], with_mediator=True)
    for owner in t.s.state_ids:
        secrets = [o.description for o in t.s.profile(owner).objectives]
        views = [public_view(t.s).model_dump_json(), mediator_view(t.s).model_dump_json()]
        views += [delegation_view(t.s, x).model_dump_json() for x in t.s.state_ids if x != owner]
        for view in views:
            assert not any(s in view for s in secrets)
        for shared in (public_view(t.s), mediator_view(t.s)):
            assert "interests" not in _keys(shared.model_dump())
        mine = delegation_view(t.s, owner)
        assert [o.objective.description for o in mine.objectives] == secrets
        assert mine.interests == dict(t.s.profile(owner).interests)
    everything = str(moderator_view(t.s))
    assert all(o.description in everything for o in t.s.profile("alba").objectives)


def test_right_attribution_of_an_operation_against_protected_infrastructure_costs_double():
    """Adopted norms change the rules (e.g. "no operations against critical
    infrastructure": a correctly attributed breach costs double reputation)."""
    plain = started(quiet())
    normed = started(quiet())
    normed.do("propose_norm", CAT, norm="no-ci-attacks")
    normed.do("cast_vote", ANA, proposal="P1", vote="yes")
    normed.do("cast_vote", BEN, proposal="P1", vote="yes")
    normed.do("advance_round")
    plain.do("advance_round")
    losses = []
    for t in (plain, normed):
        strike(t)  # energy, by borea
        before = t.s.delegations["borea"].reputation
        incident = max(t.s.incidents, key=lambda x: int(x[1:]))
        t.do("attribute", ANA, incident=incident, culprit="borea")
        losses.append(before - t.s.delegations["borea"].reputation)
    assert losses[1] == 2 * losses[0] > 0

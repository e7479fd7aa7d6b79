"""No deal twice: the core refuses an agreement or CBM identical to one in
force, agreed or on the table between the same parties, and the built-in
mediator never tables a text it has tabled before nor a deal already made."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from game.autoplay import play_out
from game.mediation import use_package_function
from game.scenario import RuleSettings
from game.state import Terms
from tests.game.factories import ANA, BEN, CAT, MEL, scenario, started

START = datetime(2030, 1, 1, 9, 0, tzinfo=UTC)


def quiet(**rules):
    settings = {"leak_chance": 0.0, "escalation_tension": 0, **rules}
    return scenario(injects=[], rules=RuleSettings(**settings))


def test_a_cbm_in_force_between_the_same_parties_cannot_be_tabled_again():
    t = started(quiet())
    t.do("propose_cbm", ANA, cbm="hotline", parties=["borea"])
    t.do("accept_proposal", BEN, proposal="P1")
    t.do("advance_round")
    assert t.s.proposals["P1"].status == "in_force"
    # The other side, parties named the other way round: the same deal.
    message = t.refuse("propose_cbm", BEN, cbm="hotline", parties=["alba"])
    assert "between you and Alba is already in force since round 1 (P1)" in message
    assert "Hotline" in message
    # Another pair may have its own hotline, and another CBM is a new deal.
    t.do("propose_cbm", BEN, cbm="hotline", parties=["cyra"])
    t.do("propose_cbm", BEN, cbm="jir", parties=["alba"])


def test_an_agreement_on_the_table_cannot_be_tabled_again_by_the_other_party():
    t = started(quiet())
    t.do("propose_agreement", ANA, parties=["borea"], clauses={"contacts": "desk"})
    message = t.refuse("propose_agreement", BEN, parties=["alba"], clauses={"contacts": "desk"})
    assert "P1" in message and "on the table" in message
    assert "respond accept P1 1" in message


def test_an_agreed_agreement_cannot_be_tabled_again_before_it_enters_into_force():
    t = started(quiet())
    t.do("propose_agreement", ANA, parties=["borea"], clauses={"contacts": "desk"})
    t.do("accept_proposal", BEN, proposal="P1")
    message = t.refuse("propose_agreement", ANA, parties=["borea"], clauses={"contacts": "desk"})
    assert "agreed in round 1 (P1)" in message and "next resolution" in message


def test_a_draft_cannot_be_tabled_once_the_same_deal_is_on_the_table():
    t = started(quiet())
    t.do("propose_cbm", ANA, cbm="hotline", parties=["borea"], draft=True)
    t.do("propose_cbm", BEN, cbm="hotline", parties=["alba"])
    message = t.refuse("table_draft", ANA, proposal="P1")
    assert "P2" in message and "on the table" in message


def test_a_counter_that_copies_a_deal_in_force_is_refused():
    t = started(quiet())
    t.do("propose_agreement", ANA, parties=["borea"], clauses={"contacts": "desk"})
    t.do("accept_proposal", BEN, proposal="P1")
    t.do("advance_round")
    t.do("propose_agreement", ANA, parties=["borea"], clauses={"contacts": "24-7"})
    message = t.refuse(
        "counter_proposal", BEN, proposal="P2", version=1, clauses={"contacts": "desk"}
    )
    assert "already in force since round 1 (P1)" in message


def test_assistance_may_be_given_again_once_the_first_is_in_force():
    """Capacity building is a one-off transfer, not a standing commitment."""
    t = started(quiet())
    t.do("propose_assistance", CAT, recipient="alba", sector="energy")
    assert "P1" in t.refuse("propose_assistance", CAT, recipient="alba", sector="energy")
    t.do("accept_proposal", ANA, proposal="P1")
    t.do("advance_round")
    t.do("propose_assistance", CAT, recipient="alba", sector="energy")


def test_the_builtin_mediator_does_not_table_a_deal_already_in_force():
    t = started(quiet())
    t.do("propose_agreement", ANA, parties=["borea"], clauses={"contacts": "desk"})
    t.do("accept_proposal", BEN, proposal="P1")
    t.do("advance_round")
    t.do("propose_agreement", ANA, parties=["borea"], clauses={"contacts": "24-7"})
    same = Terms(kind="agreement", parties=["borea", "alba"], clauses={"contacts": "desk"})
    with use_package_function(lambda state, pid: same):
        t.do("request_mediation", BEN, proposal="P2")
        events = t.do("consent_mediation", ANA, mediation="M1")
    assert t.types(events)[-1] == "mediation_failed"
    assert "already in force since round 1 (P1)" in events[-1].reason
    assert t.s.proposals["P2"].version == 1


def test_a_human_mediator_cannot_table_a_deal_already_in_force():
    t = started(quiet())
    t.do("join_game", MEL, role="mediator")
    t.do("propose_agreement", ANA, parties=["borea"], clauses={"contacts": "desk"})
    t.do("accept_proposal", BEN, proposal="P1")
    t.do("advance_round")
    t.do("propose_agreement", ANA, parties=["borea"], clauses={"contacts": "24-7"})
    t.do("request_mediation", BEN, proposal="P2")
    t.do("consent_mediation", ANA, mediation="M1")
    message = t.refuse("mediator_text", MEL, mediation="M1", clauses={"contacts": "desk"})
    assert "between Alba and Borea is already in force since round 1 (P1)" in message


def test_the_builtin_mediator_endorses_an_unchanged_text_and_acceptances_stand():
    """When the best compromise is the text on the table, the mediator takes
    it as its text as it stands: whoever accepted it need not accept again."""
    t = started(quiet())
    t.do("propose_agreement", ANA, parties=["borea"], clauses={"contacts": "desk"})
    current = t.s.proposals["P1"].terms
    with use_package_function(lambda state, pid: current):
        t.do("request_mediation", BEN, proposal="P1")
        t.do("consent_mediation", ANA, mediation="M1")
    p = t.s.proposals["P1"]
    assert p.current.by == "mediator" and p.terms == current
    assert p.accepted_by == ["alba"]
    events = t.do("accept_proposal", BEN, proposal="P1", version=p.version)
    assert "agreement_reached" in t.types(events)


def test_the_builtin_mediator_does_not_table_again_a_text_turned_down():
    t = started(quiet())
    t.do("propose_agreement", ANA, parties=["borea"], clauses={"contacts": "desk"})
    text = Terms(kind="agreement", parties=["alba", "borea"], clauses={"contacts": "24-7"})
    with use_package_function(lambda state, pid: text):
        t.do("request_mediation", BEN, proposal="P1")
        t.do("consent_mediation", ANA, mediation="M1")
        version = t.s.proposals["P1"].version
        t.do("reject_proposal", ANA, proposal="P1", version=version)
        assert t.s.mediations["M1"].status == "failed"
        t.do("request_mediation", BEN, proposal="P1")
        events = t.do("consent_mediation", ANA, mediation="M2")
    assert t.types(events)[-1] == "mediation_failed"
    assert f"version {version}" in events[-1].reason
    assert t.s.proposals["P1"].version == version


def test_a_revision_back_to_an_earlier_text_is_refused():
    """Accept-with-conditions must not make the mediator go round in circles."""
    t = started(quiet())
    t.do("propose_agreement", ANA, parties=["borea"], clauses={"contacts": "desk", "ip": "none"})
    first = Terms(
        kind="agreement", parties=["alba", "borea"], clauses={"contacts": "desk", "ip": "pledge"}
    )

    def revision(state, pid, sid, clause, option):
        return {clause: option}

    with use_package_function(lambda state, pid: first, revision):
        t.do("request_mediation", BEN, proposal="P1")
        t.do("consent_mediation", ANA, mediation="M1")
        v = t.s.proposals["P1"].version
        t.do("accept_with_conditions", BEN, proposal="P1", version=v, clause="ip", option="none")
        message = t.refuse(
            "accept_with_conditions",
            ANA,
            proposal="P1",
            version=v + 1,
            clause="ip",
            option="pledge",
        )
    assert f"version {v}" in message


def test_the_mediators_crisis_draft_offers_only_what_goes_beyond_deals_in_force():
    t = started(quiet())
    t.do(
        "propose_agreement",
        ANA,
        parties=["borea"],
        clauses={"contacts": "24-7", "spare-energy": "partial"},
    )
    t.do("accept_proposal", BEN, proposal="P1")
    t.do("advance_round")
    t.do("request_mediation", ANA, with_state="borea")
    t.do("consent_mediation", BEN, mediation="M1")
    text = t.s.proposals["P2"]
    assert text.current.by == "mediator"
    assert "contacts" not in text.terms.clauses  # settled at its highest level already
    level = {"none": 0, "partial": 5, "full": 10}
    assert level[text.terms.clauses.get("spare-energy", "full")] > 5


@pytest.mark.parametrize("name", ["twin-grids", "harbour-ransom", "meridian-forum"])
def test_computer_games_never_make_the_same_deal_twice(name: str) -> None:
    content = pytest.importorskip("bot.content")
    sc = content.load_scenario(name)
    for seed in (1, 2, 3, 4, 23):
        _, final = play_out(sc, seed, START)
        made: dict[tuple, str] = {}
        for p in final.proposals.values():
            if p.status not in ("accepted", "in_force") or p.kind == "assistance":
                continue
            terms = p.terms.model_copy(update={"parties": []}).model_dump_json()
            key = (p.kind, frozenset(p.terms.parties), terms)
            assert key not in made, f"{name} seed {seed}: {p.id} repeats {made[key]}"
            made[key] = p.id
            texts = [v.terms for v in p.versions if v.by == "mediator"]
            assert len(texts) == len({t.model_dump_json() for t in texts}), (
                f"{name} seed {seed}: the mediator tabled the same text twice on {p.id}"
            )

"""The built-in mediator's arithmetic, on hand-computed tables.

gain_s(P) = Σ_c w_s[issue_c]·level(o_c)/10 + (R + Σ_c relief(o_c))/100 with
R = 10 (see game/mediator.py); no deal is worth 0.
"""

from __future__ import annotations

import pytest

from game.mediator import Condition, NoCompromise, Package, nash_package, revise
from game.scenario import Clause, ClauseOption


def clause(cid: str, issue: str, *options: tuple[str, int, int]) -> Clause:
    return Clause(
        id=cid,
        name=cid.upper(),
        description="test clause",
        source="test",
        issue=issue,
        effect="information_exchange",
        options=[ClauseOption(id=o, label=o, level=lv, tension_relief=r) for o, lv, r in options],
    )


IP = clause("ip", "ip_theft", ("l0", 0, 0), ("l5", 5, 0), ("l10", 10, 0))
POC = clause("poc", "contacts", ("p0", 0, 0), ("p10", 10, 10))
TWO_PARTIES = {"a": {"ip_theft": 1.0, "contacts": 0.2}, "b": {"ip_theft": -0.5, "contacts": 0.4}}


def test_two_parties_nash_package_with_a_negative_weight() -> None:
    """A: ip 1.0, contacts 0.2; B: ip -0.5, contacts 0.4.

    (l0,p0)   A .1   B .1    -> .01
    (l0,p10)  A .4   B .6    -> .24
    (l5,p0)   B -.15         -> excluded
    (l5,p10)  A .9   B .35   -> .315   <- best
    (l10,p0)  B -.4          -> excluded
    (l10,p10) A 1.4  B .1    -> .14
    B weighs the IP issue negatively, yet gains from a middling IP clause
    thanks to the contacts clause and the stability dividend.
    """
    result = nash_package([IP, POC], TWO_PARTIES)
    assert isinstance(result, Package)
    assert result.options == {"ip": "l5", "poc": "p10"}
    assert result.gains == pytest.approx({"a": 0.9, "b": 0.35})
    assert result.product == pytest.approx(0.315)
    assert result.tension_relief == 10


def test_three_parties() -> None:
    """One clause on issue x; A wants it (1.0), B mildly (0.2), C dislikes it (-0.3).

    zero (0): A .1  B .1   C .1    -> .001
    two  (2): A .3  B .14  C .04   -> .00168  <- best
    five (5): A .6  B .2   C -.05  -> excluded
    """
    x = clause("x", "x", ("zero", 0, 0), ("two", 2, 0), ("five", 5, 0))
    interests = {"a": {"x": 1.0}, "b": {"x": 0.2}, "c": {"x": -0.3}}
    result = nash_package([x], interests)
    assert isinstance(result, Package)
    assert result.options == {"x": "two"}
    assert result.gains == pytest.approx({"a": 0.3, "b": 0.14, "c": 0.04})
    assert result.product == pytest.approx(0.3 * 0.14 * 0.04)


def test_a_tie_goes_to_the_package_that_lowers_tension_most() -> None:
    """A weighs u 1.0, B weighs u 0.1.

    push (level 5, relief 0):  A .1+.5 = .6,  B .1+.05 = .15  -> .09
    calm (level 0, relief 20): A .1+.2 = .3,  B .3            -> .09
    Equal products: calm lowers tension more and wins, though its id sorts last.
    """
    u = clause("u", "u", ("a-push", 5, 0), ("z-calm", 0, 20))
    result = nash_package([u], {"a": {"u": 1.0}, "b": {"u": 0.1}})
    assert isinstance(result, Package)
    assert result.product == pytest.approx(0.09)
    assert result.options == {"u": "z-calm"}
    assert result.tension_relief == 20


def test_equal_product_and_relief_go_to_the_smallest_option_id() -> None:
    """A weighs v 0.5, B weighs v -0.25.

    lvl2 (level 2): A .2, B .05 -> .01
    lvl0 (level 0): A .1, B .1  -> .01     (same relief 0): 'lvl0' < 'lvl2'
    """
    v = clause("v", "v", ("lvl2", 2, 0), ("lvl0", 0, 0))
    result = nash_package([v], {"a": {"v": 0.5}, "b": {"v": -0.25}})
    assert isinstance(result, Package)
    assert result.options == {"v": "lvl0"}


def test_no_package_gives_everyone_a_gain() -> None:
    """B weighs w -1: half (5) gives B -.5+.1 < 0, full (10) -.9 < 0."""
    w = clause("w", "w", ("half", 5, 0), ("full", 10, 0))
    result = nash_package([w], {"a": {"w": 1.0}, "b": {"w": -1.0}})
    assert isinstance(result, NoCompromise)
    assert "No compromise" in result.reason


def test_parties_without_a_weight_still_gain_the_stability_dividend() -> None:
    result = nash_package([IP], {"a": {}, "b": {}})
    assert isinstance(result, Package)
    assert result.gains == pytest.approx({"a": 0.1, "b": 0.1})
    assert result.options == {"ip": "l0"}  # a three-way tie, broken by id


def test_revision_changes_only_the_objected_clause() -> None:
    """From (l5, p10), A accepts except IP and asks for at least level 10:
    (l10, p10) gives A 1.4, B .1 -> .14 > 0, so it is the revision."""
    package = nash_package([IP, POC], TWO_PARTIES)
    assert isinstance(package, Package)
    revised = revise(package, [IP, POC], TWO_PARTIES, "ip", Condition(at_least=10))
    assert isinstance(revised, Package)
    assert revised.options == {"ip": "l10", "poc": "p10"}
    assert revised.gains == pytest.approx({"a": 1.4, "b": 0.1})


def test_revision_picks_the_best_nash_product_among_allowed_options() -> None:
    """B asks for IP at most level 5 while the table holds l5: the allowed
    options are l0 (A .4 B .6 -> .24) and l5 (.315): l5 stays."""
    package = nash_package([IP, POC], TWO_PARTIES)
    assert isinstance(package, Package)
    revised = revise(package, [IP, POC], TWO_PARTIES, "ip", Condition(at_most=5))
    assert isinstance(revised, Package)
    assert revised.options["ip"] == "l5"
    only = revise(package, [IP, POC], TWO_PARTIES, "ip", Condition(options=frozenset({"l0"})))
    assert isinstance(only, Package)
    assert only.options == {"ip": "l0", "poc": "p10"}


def test_revision_without_a_positive_option_says_so() -> None:
    """With p0 fixed, IP at least 5 leaves B negative (l5: -.15, l10: -.4)."""
    package = Package(
        options={"ip": "l0", "poc": "p0"},
        gains={"a": 0.1, "b": 0.1},
        product=0.01,
        tension_relief=0,
    )
    result = revise(package, [IP, POC], TWO_PARTIES, "ip", Condition(at_least=5))
    assert isinstance(result, NoCompromise)
    empty = revise(package, [IP, POC], TWO_PARTIES, "ip", Condition(at_least=10, at_most=1))
    assert isinstance(empty, NoCompromise)
    assert "satisfies" in empty.reason


# --- the seam to the rules: propose_package / revise_package on a game ----------------


def test_propose_package_on_a_stalled_proposal_bargains_over_its_clauses() -> None:
    """Alba: ci 1.0, contacts .4; Borea: ci -.2, contacts .5 (tests/game/factories.py).

    spare-energy none/partial(5, r2)/full(10, r5) × contacts none/desk(5, r1)/24-7(10, r3):
    (full, 24-7): A 1+.4+.18=1.58, B -.2+.5+.18=.48 -> .7584   <- best
    (partial, 24-7): A .5+.4+.15=1.05, B -.1+.5+.15=.55 -> .5775
    """
    from game.mediator import propose_package
    from game.state import Terms
    from tests.game.factories import ANA, started

    t = started()
    t.do(
        "propose_agreement",
        ANA,
        parties=["borea"],
        clauses={"spare-energy": "partial", "contacts": "desk"},
    )
    terms = propose_package(t.s, "P1")
    assert isinstance(terms, Terms)
    assert terms.clauses == {"spare-energy": "full", "contacts": "24-7"}
    assert terms.parties == ["alba", "borea"]


def test_revise_package_changes_only_the_objected_clause() -> None:
    """Borea would take spare-energy at 'partial' (at most level 5): with
    contacts fixed at 24-7, partial (.5775) beats none (A .4+.13=.53,
    B .5+.13=.63 -> .3339)."""
    from game.mediator import revise_package
    from game.state import Terms
    from tests.game.factories import ANA, started

    t = started()
    t.do(
        "propose_agreement",
        ANA,
        parties=["borea"],
        clauses={"spare-energy": "full", "contacts": "24-7"},
    )
    terms = revise_package(t.s, "P1", "borea", "spare-energy", "partial")
    assert isinstance(terms, Terms)
    assert terms.clauses == {"spare-energy": "partial", "contacts": "24-7"}


def test_the_mediators_own_draft_may_leave_clauses_out() -> None:
    """A crisis text starts from every catalog clause; the mediator keeps only
    those that serve the Nash product, and tables no clause nobody gains from."""
    from game.mediator import propose_package
    from game.state import MEDIATOR, Proposal, ProposalVersion, Terms
    from tests.game.factories import T0, started

    t = started()
    cat = t.s.scenario.catalogs
    draft = Terms(
        kind="agreement",
        parties=["alba", "borea"],
        clauses={c.id: c.options[0].id for c in cat.clauses.values()},
    )
    p = Proposal(
        id="P9",
        kind="agreement",
        proposer=MEDIATOR,
        versions=[ProposalVersion(number=1, terms=draft, by=MEDIATOR, at=T0)],
        status="draft",
    )
    state = t.s.model_copy(update={"proposals": {**t.s.proposals, "P9": p}})
    terms = propose_package(state, "P9")
    assert isinstance(terms, Terms)
    assert terms.clauses
    assert set(terms.clauses) < set(draft.clauses)
    # Nobody weighs the crime issue: on a tie, leaving a clause out comes first.
    assert "preserve" not in terms.clauses

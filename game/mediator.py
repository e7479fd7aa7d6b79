"""The built-in mediator: the Nash bargaining package and its revisions.

When a negotiation stalls and no human holds the mediator's seat, the core
asks this module for a single negotiating text. It is pure arithmetic over
the clauses on the table and the parties' private interest weights; parties
only ever see the resulting text, never each other's weights.

The utility (see also docs/mediator.md)
---------------------------------------
A *package* P picks one option o_c for every clause c on the table. Each
clause settles one issue (`Clause.issue`); each party s weights issues with
w_s[i] in [-1, 1] (`StateProfile.interests`, 0 when absent). The party's gain
over no deal is::

    gain_s(P) = Σ_c  w_s[issue_c] · level(o_c) / 10
              + (R + Σ_c relief(o_c)) / 100

where level(o) in 0..10 is how far the option goes, relief(o) is its
`tension_relief` and R is the tension relief every agreement brings when it
enters into force (`RuleSettings.agreement_relief`, 10 by default). The second
term is the *stability dividend*: tension is on a 0..100 scale, and each point
of it lowered is worth 0.01 to everyone, since the shared stability score
rewards every party alike. It is why a party with a negative weight on an
issue can still gain from a deal that settles it at a low level. No deal is
worth 0 to every party.

The mediator considers every combination of one option per clause, keeps the
packages where *every* party's gain is strictly positive, and picks the one
that maximises the product of the gains (the Nash bargaining solution with
the no-deal point at 0). Ties go to the package with the larger total
relief Σ_c relief(o_c) (it lowers tension most), then to the smallest tuple
of option ids in clause order, so the choice is deterministic. When no package
gives everyone a positive gain, there is no compromise, and the mediator says
so instead of tabling one.

Arithmetic is exact (the weights as written in decimal, scaled to
integers), so equal products compare equal and ties are real ties, not
rounding noise.

Revisions ("accept with conditions"): a party accepts the package except
one clause, and states a condition on it (at most / at least a level, or a
set of acceptable options). `revise` keeps every other clause as it is and
picks, among the options of that clause that satisfy the condition, the one
with the largest Nash product (same tie-breaks) that still gives every party
a positive gain.

The seam to the rules: `game/mediation.py` calls `propose_package(state,
proposal_id)` for the text and `revise_package(state, proposal_id, state_id,
clause, option)` for a revision; both return the `Terms` to table or a
`NoCompromise`. The table is the proposal's clauses; for the mediator's own
draft (a crisis between two states with no talks) the mediator may also
leave clauses out, and on a tie leaving out comes first; it offers only options that go
further than what the same parties have already agreed.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping, Sequence
from fractions import Fraction

from pydantic import Field

from game.base import Frozen
from game.scenario import Clause, ClauseOption
from game.state import MEDIATOR, GameState, Terms

# Above this many combinations the search is cut to the best options per
# clause; catalog clauses have 2-4 options, so real tables stay far below.
MAX_PACKAGES = 50_000


class Condition(Frozen):
    """What an objecting party asks of one clause. Every field given must hold."""

    at_most: int | None = Field(None, ge=0, le=10, description="highest acceptable level")
    at_least: int | None = Field(None, ge=0, le=10, description="lowest acceptable level")
    options: frozenset[str] | None = Field(None, description="acceptable option ids")

    def allows(self, option: ClauseOption) -> bool:
        if self.at_most is not None and option.level > self.at_most:
            return False
        if self.at_least is not None and option.level < self.at_least:
            return False
        return self.options is None or option.id in self.options

    def describe(self) -> str:
        parts: list[str] = []
        if self.at_most is not None:
            parts.append(f"level at most {self.at_most}")
        if self.at_least is not None:
            parts.append(f"level at least {self.at_least}")
        if self.options is not None:
            parts.append("one of " + ", ".join(sorted(self.options)))
        return " and ".join(parts) or "no condition"


class Package(Frozen):
    """A settlement of every clause on the table, with what it is worth.

    `options` maps clause id -> option id, in the order of the clauses on the
    table. `gains` are private (each party's gain): never show them to players.
    """

    options: dict[str, str]
    gains: dict[str, float]
    product: float
    tension_relief: int


class NoCompromise(Frozen):
    """No package gives every party a positive gain. `reason` is fit to show."""

    reason: str


MediatorOutcome = Package | NoCompromise


def _weights(interests: Mapping[str, Mapping[str, float]]) -> dict[str, dict[str, Fraction]]:
    return {
        # Through str: the decimal the author wrote (0.1 is exactly 1/10), so
        # hand-computed ties are ties here too.
        state: {issue: Fraction(str(w)) for issue, w in weights.items()}
        for state, weights in interests.items()
    }


Key = tuple[int, int, tuple[str, ...]]


class _Table:
    """The clauses on the table and the parties' weights, ready to score.

    Scores are integers: every gain is multiplied by `scale` = 100·D, where D
    is the common denominator of the weights, so sums and products are exact
    and fast (a table of 7 clauses has a few thousand packages).
    """

    def __init__(
        self,
        clauses: Sequence[Clause],
        interests: Mapping[str, Mapping[str, float]],
        agreement_relief: int,
    ) -> None:
        if not clauses:
            raise ValueError("the mediator needs at least one clause on the table")
        if len(interests) < 2:
            raise ValueError("the mediator needs at least two parties")
        self.clauses = list(clauses)
        self.parties = sorted(interests)
        weights = _weights(interests)
        denominator = 1
        for ws in weights.values():
            for w in ws.values():
                denominator = math.lcm(denominator, w.denominator)
        self.scale = 100 * denominator
        # w·level/10 scaled by 100·D is (w·D)·level·10; (R + relief)/100 is (R + relief)·D.
        self.contribution: dict[tuple[str, str], list[int]] = {}
        for c in self.clauses:
            for o in c.options:
                self.contribution[(c.id, o.id)] = [
                    int(weights[s].get(c.issue, Fraction(0)) * denominator) * o.level * 10
                    + o.tension_relief * denominator
                    for s in self.parties
                ]
        self.base = agreement_relief * denominator

    def scaled_gains(self, choice: Sequence[ClauseOption]) -> list[int]:
        gains = [self.base] * len(self.parties)
        for c, o in zip(self.clauses, choice, strict=True):
            for i, x in enumerate(self.contribution[(c.id, o.id)]):
                gains[i] += x
        return gains

    def rank(self, choice: Sequence[ClauseOption]) -> Key | None:
        """A sort key, or None when some party would not gain."""
        gains = self.scaled_gains(choice)
        if min(gains) <= 0:
            return None
        return math.prod(gains), sum(o.tension_relief for o in choice), tuple(o.id for o in choice)

    def package(self, choice: Sequence[ClauseOption]) -> Package:
        gains = self.scaled_gains(choice)
        return Package(
            options={c.id: o.id for c, o in zip(self.clauses, choice, strict=True)},
            gains={s: g / self.scale for s, g in zip(self.parties, gains, strict=True)},
            product=math.prod(Fraction(g, self.scale) for g in gains).__float__(),
            tension_relief=sum(o.tension_relief for o in choice),
        )


def _better(key: Key, best: Key | None) -> bool:
    """Larger product, then larger relief, then the smaller tuple of option ids."""
    if best is None:
        return True
    if key[0] != best[0]:
        return key[0] > best[0]
    if key[1] != best[1]:
        return key[1] > best[1]
    return key[2] < best[2]


def _best(table: _Table, candidates: Iterable[Sequence[ClauseOption]]) -> Package | None:
    best_key: Key | None = None
    best_choice: Sequence[ClauseOption] | None = None
    for choice in candidates:
        key = table.rank(choice)
        if key is not None and _better(key, best_key):
            best_key, best_choice = key, choice
    return None if best_choice is None else table.package(best_choice)


def _search_space(clauses: Sequence[Clause]) -> list[list[ClauseOption]]:
    options = [list(c.options) for c in clauses]
    size = 1
    for opts in options:
        size *= len(opts)
    if size <= MAX_PACKAGES:
        return options
    # Bound the search: keep the options nearest the middle of each clause
    # first (compromises live there); deterministic, and never hit by the
    # shipped catalogs.
    per_clause = max(2, int(MAX_PACKAGES ** (1 / len(options))))
    trimmed: list[list[ClauseOption]] = []
    for opts in options:
        ranked = sorted(opts, key=lambda o: (abs(o.level - 5), o.id))
        trimmed.append(sorted(ranked[:per_clause], key=lambda o: o.id))
    return trimmed


def nash_package(
    clauses: Sequence[Clause],
    interests: Mapping[str, Mapping[str, float]],
    agreement_relief: int = 10,
) -> MediatorOutcome:
    """The Nash bargaining package over `clauses` for the parties of `interests`
    (state id -> issue -> weight), or why there is none."""
    table = _Table(clauses, interests, agreement_relief)
    best = _best(table, itertools.product(*_search_space(table.clauses)))
    if best is None:
        return NoCompromise(
            reason=(
                "No compromise exists: every combination of the options on the table "
                "leaves at least one party worse off than no deal."
            )
        )
    return best


def revise(
    package: Package,
    clauses: Sequence[Clause],
    interests: Mapping[str, Mapping[str, float]],
    clause_id: str,
    condition: Condition,
    agreement_relief: int = 10,
) -> MediatorOutcome:
    """The next revision of `package` when a party accepts it except for
    `clause_id`, on `condition`: only that clause changes."""
    table = _Table(clauses, interests, agreement_relief)
    by_id = {c.id: c for c in table.clauses}
    if clause_id not in by_id:
        raise ValueError(f"clause {clause_id!r} is not on the table")
    fixed = [next(o for o in c.options if o.id == package.options[c.id]) for c in table.clauses]
    index = [c.id for c in table.clauses].index(clause_id)
    allowed = [o for o in by_id[clause_id].options if condition.allows(o)]
    if not allowed:
        return NoCompromise(
            reason=f"No option of {by_id[clause_id].name} satisfies the condition ({condition.describe()})."
        )
    candidates = ([*fixed[:index], o, *fixed[index + 1 :]] for o in allowed)
    best = _best(table, candidates)
    if best is None:
        return NoCompromise(
            reason=(
                f"No compromise exists on {by_id[clause_id].name} with {condition.describe()}: "
                "every such option leaves at least one party worse off than no deal."
            )
        )
    return best


# --- the seam to the rules (game/mediation.py) ---------------------------------------

# A mediator's own draft (a crisis text) may leave a clause out; it is shown
# as this option id while searching, and dropped from the tabled terms.
OMIT = ""


def _omittable(clause: Clause) -> Clause:
    omit = ClauseOption.model_construct(id=OMIT, label="(left out)", level=0, tension_relief=0)
    return clause.model_copy(update={"options": [omit, *clause.options]})


def settled_levels(state: GameState, parties: Sequence[str]) -> dict[str, int]:
    """For each clause, the highest level an agreement between exactly these
    parties has agreed (accepted or in force)."""
    catalog = state.scenario.catalogs.clauses
    levels: dict[str, int] = {}
    for p in state.proposals.values():
        if p.kind != "agreement" or p.status not in ("accepted", "in_force"):
            continue
        if set(p.terms.parties) != set(parties):
            continue
        for cid, oid in p.terms.clauses.items():
            option = (
                next((o for o in catalog[cid].options if o.id == oid), None)
                if cid in catalog
                else None
            )
            if option is not None:
                levels[cid] = max(levels.get(cid, 0), option.level)
    return levels


def _beyond(clause: Clause, level: int) -> Clause:
    """The clause with only the options that go further than `level`."""
    return clause.model_copy(update={"options": [o for o in clause.options if o.level > level]})


def _parties_interests(state: GameState, parties: Sequence[str]) -> dict[str, dict[str, float]]:
    return {sid: dict(state.profile(sid).interests) for sid in parties}


def propose_package(state: GameState, proposal_id: str) -> Terms | NoCompromise:
    """The built-in mediator's single negotiating text for a stalled proposal.

    The table is the proposal's clauses with all their catalog options. For the
    mediator's own draft (a crisis between two states with no talks), the
    table is every clause of that draft and the mediator may also leave any of
    them out. Proposals other than agreements have nothing to bargain over:
    the text is the current terms."""
    p = state.proposals[proposal_id]
    if p.kind != "agreement":
        return p.terms
    catalog = state.scenario.catalogs.clauses
    own_draft = p.proposer == MEDIATOR
    clause_ids = p.versions[0].terms.clauses if own_draft else p.terms.clauses
    clauses = [catalog[c] for c in clause_ids if c in catalog]
    if not clauses:
        return NoCompromise(reason="There is no clause on the table to bargain over.")
    if own_draft:
        settled = settled_levels(state, p.terms.parties)
        clauses = [_beyond(c, settled[c.id]) if c.id in settled else c for c in clauses]
        clauses = [_omittable(c) for c in clauses if c.options]
        if not clauses:
            return NoCompromise(
                reason=(
                    "Everything the mediator could put on the table between "
                    f"{' and '.join(state.name_of(x) for x in p.terms.parties)} is already "
                    "agreed between them."
                )
            )
    result = nash_package(
        clauses, _parties_interests(state, p.terms.parties), state.rules.agreement_relief
    )
    if isinstance(result, NoCompromise):
        return result
    chosen = {c: o for c, o in result.options.items() if o != OMIT}
    if not chosen:
        return NoCompromise(reason="No clause on the table gives every party a gain.")
    return p.terms.model_copy(update={"clauses": chosen})


def condition_for(clause: Clause, current: str, wanted: str) -> Condition:
    """What "I would accept <clause> as <wanted>" asks: that level or less when
    it is below the text's, that level or more when above (the mediator may
    go further the objector's way if that serves everyone better)."""
    levels = {o.id: o.level for o in clause.options}
    if wanted not in levels:
        raise ValueError(f"clause {clause.id!r} has no option {wanted!r}")
    have = levels.get(current)
    if have is None or levels[wanted] == have:
        return Condition(options=frozenset({wanted}))
    if levels[wanted] < have:
        return Condition(at_most=levels[wanted])
    return Condition(at_least=levels[wanted])


def revise_package(
    state: GameState, proposal_id: str, state_id: str, clause_id: str, option_id: str
) -> Terms | NoCompromise:
    """The next revision of the mediator's text on `proposal_id` after
    `state_id` accepted it except `clause_id`, which it would accept as
    `option_id`: only that clause changes."""
    p = state.proposals[proposal_id]
    catalog = state.scenario.catalogs.clauses
    clauses = [catalog[c] for c in p.terms.clauses if c in catalog]
    if clause_id not in catalog or clause_id not in p.terms.clauses:
        return NoCompromise(reason=f"The text has no clause {clause_id!r}.")
    condition = condition_for(catalog[clause_id], p.terms.clauses[clause_id], option_id)
    package = Package(options=dict(p.terms.clauses), gains={}, product=0.0, tension_relief=0)
    result = revise(
        package,
        clauses,
        _parties_interests(state, p.terms.parties),
        clause_id,
        condition,
        state.rules.agreement_relief,
    )
    if isinstance(result, NoCompromise):
        return result
    return p.terms.model_copy(update={"clauses": {**p.terms.clauses, **result.options}})

"""Random play: a hypothesis state machine drives random valid and invalid
commands from random actors through decide + apply, and checks the
invariants after every step:

- the state equals the replay of its events, and survives a JSON round trip;
- a rejected command changes nothing;
- tension and trust stay in 0-100, reputation 0-100, capital never negative;
- no audience's view holds another delegation's secrets;
- a finished game accepts nothing.

CI runs the derandomised "ci" profile (tests/conftest.py); run the "long"
profile locally with HYPOTHESIS_PROFILE=long.
"""

from __future__ import annotations

from datetime import timedelta

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from game.base import SYSTEM, RuleError
from game.engine import replay
from game.permissions import TABLE, roles_of
from game.scenario import IncidentInject, NewsInject, RuleSettings, TechnologyInject, Timers
from game.state import GameState, computer_player
from game.views import backchannel_view, delegation_view, mediator_view, public_view
from tests.game.factories import ANA, BEN, CAT, DAN, MEL, MODERATOR, OLI, Table, person, scenario

STATES = ["alba", "borea", "cyra", "zeta"]
ACTORS = [MODERATOR, ANA, BEN, CAT, DAN, MEL, OLI, SYSTEM, person("Eve", "discord")] + [
    computer_player(s) for s in ("alba", "borea", "cyra")
]
PROPOSALS = [f"P{i}" for i in range(1, 7)]
INCIDENTS = [f"I{i}" for i in range(1, 6)]
MEDIATIONS = ["M1", "M2", "M3"]
CHANNELS = ["B1", "B2"]
VERSIONS = st.sampled_from([None, 1, 2, 3, 4])
CLAUSES = {
    "spare-energy": ["none", "partial", "full"],
    "contacts": ["none", "desk", "24-7"],
    "ip": ["none", "pledge", "verified"],
    "preserve": ["none", "yes"],
}
SECTORS = ["energy", "finance", "health"]


def clauses() -> st.SearchStrategy[dict[str, str]]:
    return st.dictionaries(
        st.sampled_from(list(CLAUSES)),
        st.sampled_from(["none", "partial", "desk", "pledge", "yes", "full"]),
        min_size=1,
        max_size=2,
    )


s_ = st.sampled_from
ARGS: dict[str, st.SearchStrategy[dict]] = {
    "join_game": st.fixed_dictionaries(
        {"state": s_([None, *STATES]), "role": s_(["delegate", "delegate", "observer", "mediator"])}
    ),
    "leave_game": st.just({}),
    "pick_state": st.fixed_dictionaries({"state": s_(STATES)}),
    "assign_seat": st.fixed_dictionaries(
        {"player": s_(ACTORS[:7]), "state": s_([None, *STATES]), "lead": st.booleans()}
    ),
    "fill_seats": st.fixed_dictionaries({"states": st.lists(s_(STATES), max_size=2)}),
    "set_early_advance": st.fixed_dictionaries({"allowed": st.booleans()}),
    "start_game": st.just({}),
    "pause_game": st.just({}),
    "resume_game": st.just({}),
    "advance_round": st.just({}),
    "inject_event": st.one_of(
        st.fixed_dictionaries({"scheduled": st.integers(0, 7)}),
        st.fixed_dictionaries(
            {
                "inject": s_(
                    [
                        IncidentInject(
                            round=1,
                            headline="x",
                            template="grid",
                            victim="alba",
                            author="borea",
                            severity=5,
                        ),
                        IncidentInject(
                            round=1, headline="y", template="ransom", victim="cyra", author="gang"
                        ),
                        IncidentInject(
                            round=1,
                            headline="z",
                            template="bank-theft",
                            victim="borea",
                            author="bear-proxy",
                            false_flag_against="alba",
                        ),
                        TechnologyInject(round=1, headline="t"),
                        NewsInject(round=1, headline="n"),
                    ]
                )
            }
        ),
    ),
    "extend_deadline": st.fixed_dictionaries(
        {"minutes": st.integers(1, 10), "proposal": s_([None, *PROPOSALS])}
    ),
    "kick_player": st.fixed_dictionaries({"player": s_(ACTORS[:7])}),
    "end_game": st.just({}),
    "tick": st.just({}),
    "mark_ready": st.fixed_dictionaries({"ready": st.booleans()}),
    "make_statement": st.fixed_dictionaries({"text": s_(["hello", "we condemn this"])}),
    "open_backchannel": st.fixed_dictionaries(
        {"states": st.lists(s_(STATES), min_size=1, max_size=2), "with_mediator": st.booleans()}
    ),
    "close_backchannel": st.fixed_dictionaries({"channel": s_(CHANNELS)}),
    "whisper": st.fixed_dictionaries({"channel": s_(CHANNELS), "text": s_(["psst"])}),
    "propose_cbm": st.fixed_dictionaries(
        {
            "cbm": s_(["hotline", "jir", "ppp", "consult", "nope"]),
            "parties": st.lists(s_(STATES), min_size=1, max_size=2),
            "draft": st.booleans(),
        }
    ),
    "propose_agreement": st.fixed_dictionaries(
        {
            "parties": st.lists(s_(STATES), min_size=1, max_size=2),
            "clauses": clauses(),
            "draft": st.booleans(),
        }
    ),
    "propose_norm": st.fixed_dictionaries(
        {"norm": s_(["no-ci-attacks", "cooperate", "crime", "nope"])}
    ),
    "propose_assistance": st.fixed_dictionaries({"recipient": s_(STATES), "sector": s_(SECTORS)}),
    "propose_cooperation": st.fixed_dictionaries(
        {"incident": s_(INCIDENTS), "requested": s_(STATES)}
    ),
    "table_draft": st.fixed_dictionaries({"proposal": s_(PROPOSALS)}),
    "accept_proposal": st.fixed_dictionaries({"proposal": s_(PROPOSALS), "version": VERSIONS}),
    "accept_with_conditions": st.fixed_dictionaries(
        {
            "proposal": s_(PROPOSALS),
            "version": VERSIONS,
            "clause": s_(list(CLAUSES)),
            "option": s_(["none", "desk", "pledge"]),
        }
    ),
    "reject_proposal": st.fixed_dictionaries({"proposal": s_(PROPOSALS), "version": VERSIONS}),
    "counter_proposal": st.fixed_dictionaries(
        {
            "proposal": s_(PROPOSALS),
            "version": VERSIONS,
            "clauses": st.one_of(st.just({}), clauses()),
        }
    ),
    "withdraw_proposal": st.fixed_dictionaries({"proposal": s_(PROPOSALS)}),
    "cast_vote": st.fixed_dictionaries(
        {"proposal": s_(PROPOSALS), "vote": s_(["yes", "no", "abstain"])}
    ),
    "investigate": st.fixed_dictionaries(
        {"incident": s_(INCIDENTS), "actor_id": s_([None, "threat-intel", "cloud"])}
    ),
    "attribute": st.fixed_dictionaries(
        {"incident": s_(INCIDENTS), "culprit": s_([*STATES, "gang", "bear-proxy"])}
    ),
    "take_measure": st.fixed_dictionaries(
        {"response": s_(["demarche", "sanctions", "statement-concern"]), "target": s_(STATES)}
    ),
    "engage_actor": st.fixed_dictionaries(
        {"actor_id": s_(["cloud", "isp", "threat-intel"]), "sector": s_(SECTORS)}
    ),
    "stand_down": st.fixed_dictionaries({"operation": s_(INCIDENTS)}),
    "request_mediation": st.fixed_dictionaries(
        {
            "proposal": s_([None, *PROPOSALS]),
            "with_state": s_([None, *STATES]),
            "arbitration": st.booleans(),
        }
    ),
    "consent_mediation": st.fixed_dictionaries(
        {"mediation": s_(MEDIATIONS), "arbitration": st.booleans()}
    ),
    "mediator_text": st.fixed_dictionaries(
        {"mediation": s_(MEDIATIONS), "clauses": st.one_of(st.just({}), clauses())}
    ),
    "revise_text": st.fixed_dictionaries({"mediation": s_(MEDIATIONS), "clauses": clauses()}),
    "set_mediation_deadline": st.fixed_dictionaries(
        {"mediation": s_(MEDIATIONS), "minutes": st.integers(1, 10)}
    ),
    "call_cooloff": st.fixed_dictionaries(
        {"minutes": st.integers(1, 10), "states": st.lists(s_(STATES), max_size=2)}
    ),
    "rule_arbitration": st.fixed_dictionaries(
        {"mediation": s_(MEDIATIONS), "clauses": st.one_of(st.just({}), clauses())}
    ),
}

SECRET = "secret objective"


def _secret_descriptions(state: GameState, owner: str) -> list[str]:
    return [o.description for o in state.profile(owner).objectives]


class GameMachine(RuleBasedStateMachine):
    @initialize(leak=s_([0.0, 0.3]), tension=s_([20, 50]), start=st.booleans())
    def create(self, leak: float, tension: int, start: bool) -> None:
        rules = RuleSettings(leak_chance=leak, starting_tension=tension, stall_counters=2)
        timers = Timers(round_minutes=60, proposal_deadline_minutes=15, reminder_minutes_before=5)
        self.table = Table(scenario(rules=rules, timers=timers, rounds=5, max_players=5))
        self.table.do("join_game", ANA, state="alba")
        self.table.do("join_game", BEN, state="borea")
        self.table.do("join_game", CAT, state="cyra")
        self.table.do("join_game", DAN, state="alba")
        self.table.do("join_game", MEL, role="mediator")
        if start:
            self.table.do("start_game")

    @rule(data=st.data())
    def step(self, data) -> None:
        """One step: mostly a random command, sometimes time passing (a tick),
        sometimes the moderator starting the game."""
        # (The moderator's `end` is left out: it would end most runs at once;
        # games still end by conflict and after the last round.)
        kind = data.draw(st.integers(0, 99), label="kind")
        if 90 <= kind <= 97:
            self.time_passes(data.draw(st.integers(1, 12), label="minutes"))
        elif kind == 98 and self.table.s.phase == "lobby":
            self.table.do("start_game")
        else:
            type_ = data.draw(s_(sorted(set(ARGS) - {"end_game"})), label="type")
            actor = data.draw(st.one_of(s_(ACTORS), s_(self.fitting(type_))), label="actor")
            fields = dict(data.draw(ARGS[type_], label="fields"))
            s = self.table.s
            pools = {
                "proposal": list(s.proposals),
                "incident": list(s.incidents),
                "mediation": list(s.mediations),
                "channel": list(s.backchannels),
                "operation": list(s.incidents),
            }
            for name, pool in pools.items():
                if fields.get(name) and pool and data.draw(st.booleans(), label="existing"):
                    fields[name] = data.draw(s_(pool), label=name)
            if (
                "version" in fields
                and fields.get("proposal") in s.proposals
                and data.draw(st.booleans())
            ):
                fields["version"] = s.proposals[fields["proposal"]].version
            self.command(type_, actor, fields)

    def fitting(self, type_: str) -> list:
        """Actors whose role the permissions table allows for this command."""
        s = self.table.s
        fit = [a for a in ACTORS if roles_of(s, a) & TABLE[type_].roles] if type_ in TABLE else []
        return fit or ACTORS

    def command(self, type_: str, actor, fields: dict) -> None:
        t = self.table
        before_state, before_events = t.state, list(t.events)
        finished = t.s.phase == "ended"
        try:
            command = t.command(type_, actor, **fields)
        except ValueError:
            return  # not even a well-formed command (pydantic refused it)
        try:
            t.do_command(command)
        except RuleError as error:
            assert error.message
            assert t.state is before_state and t.events == before_events
            return
        assert not finished, f"a finished game accepted {type_}"

    def time_passes(self, minutes: int) -> None:
        t = self.table
        t.now += timedelta(minutes=minutes)
        if t.s.phase in ("lobby", "negotiation", "paused"):
            t.do("tick", SYSTEM)

    @invariant()
    def replays(self) -> None:
        t = self.table
        assert replay(t.events) == t.s
        assert t.s.seq == len(t.events)
        assert GameState.model_validate_json(t.s.model_dump_json()) == t.s

    @invariant()
    def numbers_in_range(self) -> None:
        s = self.table.s
        for r in s.relations.values():
            assert 0 <= r.tension <= 100 and 0 <= r.trust <= 100
        for d in s.delegations.values():
            assert d.capital >= 0 and 0 <= d.reputation <= 100
            assert all(0 <= v <= 10 for v in d.resilience.values())

    @invariant()
    def secrets_stay_secret(self) -> None:
        s = self.table.s
        shared = [public_view(s).model_dump_json(), mediator_view(s).model_dump_json()]
        shared += [backchannel_view(s, c).model_dump_json() for c in s.backchannels]
        for text in shared:
            assert SECRET not in text and '"interests"' not in text
            assert '"false_flag"' not in text and '"responsible"' not in text
        for owner in s.state_ids:
            view = delegation_view(s, owner).model_dump_json()
            for other in s.state_ids:
                if other != owner:
                    assert not any(desc in view for desc in _secret_descriptions(s, other))
            assert '"false_flag"' not in view and '"responsible"' not in view

    @invariant()
    def finished_games_accept_nothing(self) -> None:
        t = self.table
        if t.s.phase == "ended":
            for type_ in ("tick", "make_statement", "advance_round", "join_game"):
                actor = (
                    SYSTEM if type_ == "tick" else (ANA if type_ == "make_statement" else MODERATOR)
                )
                try:
                    t.do(type_, actor, **({"text": "hi"} if type_ == "make_statement" else {}))
                except RuleError as error:
                    assert "over" in error.message
                else:
                    raise AssertionError(f"a finished game accepted {type_}")


TestGameMachine = GameMachine.TestCase

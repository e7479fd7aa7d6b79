"""A tiny scenario and a game driver for tests (pure Python, no content files).

Three states (alba, borea, cyra), a proxy of borea and a criminal group in
cyra, a few catalog entries of each kind, and injects over three rounds.
`Table` drives the engine the way the service does: decide, apply, keep
the log; `table.do(...)` returns the events, `table.refuse(...)` the error.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

from game.base import SYSTEM, Context, PlayerRef, RuleError
from game.commands import COMMAND_CLASS, CreateGame
from game.engine import apply, decide
from game.scenario import (
    CBM,
    Actor,
    AgreementInForce,
    Catalogs,
    CBMInForce,
    Clause,
    ClauseAvoided,
    ClauseOption,
    CorrectAttributions,
    DiplomaticResponse,
    DomesticInject,
    EvidenceTemplate,
    Group,
    IncidentInject,
    IncidentTemplate,
    MediatorSeat,
    NewsInject,
    NoConflict,
    Norm,
    NormAdopted,
    ReputationAtLeast,
    ResilienceAtLeast,
    RuleSettings,
    Scenario,
    StateProfile,
    TechnologyInject,
    TensionBelow,
)
from game.state import GameState, computer_player

T0 = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
GAME = "g1"


def _entry(cls, id: str, **kw: Any):
    return cls(
        id=id, name=id.replace("-", " ").title(), description=f"{id} (test)", source="test", **kw
    )


def catalogs() -> Catalogs:
    cbms = [
        _entry(CBM, "hotline", effects=["hotline"], tension_relief=5),
        _entry(CBM, "jir", effects=["joint_incident_reporting"], tension_relief=3),
        _entry(CBM, "ppp", effects=["public_private_partnership"], tension_relief=2),
        _entry(CBM, "consult", effects=["consultations"], tension_relief=2),
        _entry(CBM, "transparency", effects=["transparency"], tension_relief=4, trust_gain=3),
        _entry(CBM, "vdp", effects=["vulnerability_disclosure"], tension_relief=2),
        _entry(
            CBM,
            "cic",
            effects=["critical_infrastructure_cooperation"],
            sectors=["energy"],
            tension_relief=2,
        ),
        _entry(CBM, "poc", effects=["points_of_contact"], tension_relief=1),
    ]
    norms = [
        _entry(
            Norm,
            "no-ci-attacks",
            letter="f",
            effect="protect_critical_infrastructure",
            sectors=["energy", "water"],
        ),
        _entry(Norm, "due-diligence", letter="c", effect="territory_due_diligence"),
        _entry(Norm, "consider-info", letter="b", effect="consider_all_information"),
        _entry(Norm, "cooperate", letter="a", effect="cooperation"),
        _entry(Norm, "supply-chain", letter="i", effect="supply_chain"),
        _entry(
            Norm, "own-infra", letter="g", effect="protect_own_infrastructure", sectors=["health"]
        ),
        _entry(Norm, "assist", letter="h", effect="assistance_on_request"),
        _entry(Norm, "crime", letter="d", effect="crime_cooperation"),
    ]

    def opts(*levels: tuple[str, int, int]) -> list[ClauseOption]:
        return [ClauseOption(id=i, label=i, level=lv, tension_relief=r) for i, lv, r in levels]

    clauses = [
        _entry(
            Clause,
            "spare-energy",
            issue="ci",
            effect="spare_sector",
            sectors=["energy"],
            options=opts(("none", 0, 0), ("partial", 5, 2), ("full", 10, 5)),
        ),
        _entry(
            Clause,
            "contacts",
            issue="contacts",
            effect="points_of_contact",
            options=opts(("none", 0, 0), ("desk", 5, 1), ("24-7", 10, 3)),
        ),
        _entry(
            Clause,
            "ip",
            issue="ip",
            effect="no_ip_theft",
            options=opts(("none", 0, 0), ("pledge", 5, 0), ("verified", 10, 2)),
        ),
        _entry(
            Clause,
            "capacity",
            issue="capacity",
            effect="capacity_building",
            sectors=["finance"],
            options=opts(("none", 0, 0), ("some", 3, 0), ("lots", 9, 0)),
        ),
        _entry(
            Clause,
            "preserve",
            issue="crime",
            effect="data_preservation",
            options=opts(("none", 0, 0), ("yes", 10, 0)),
        ),
        _entry(
            Clause,
            "relief",
            issue="sanctions",
            effect="sanctions_relief",
            options=opts(("none", 0, 0), ("yes", 10, 0)),
        ),
    ]
    incidents = [
        _entry(
            IncidentTemplate,
            "grid",
            sector="energy",
            severity=(2, 3),
            plausible_authors=["state", "proxy"],
        ),
        _entry(
            IncidentTemplate,
            "bank-theft",
            sector="finance",
            severity=(1, 2),
            plausible_authors=["state", "criminal"],
            espionage=True,
        ),
        _entry(
            IncidentTemplate,
            "ransom",
            sector="health",
            severity=(2, 4),
            plausible_authors=["criminal"],
        ),
    ]
    evidence = [
        _entry(EvidenceTemplate, "malware", confidence=60),
        _entry(EvidenceTemplate, "infra", confidence=70),
        _entry(EvidenceTemplate, "humint", confidence=40),
        _entry(EvidenceTemplate, "planted", confidence=50, false_flag=True),
    ]
    actors = [
        _entry(
            Actor,
            "threat-intel",
            role="threat_intelligence",
            effect="reveal_evidence",
            amount=1,
            cost=1,
        ),
        _entry(Actor, "cloud", role="cloud_provider", effect="raise_resilience", amount=2, cost=1),
        _entry(Actor, "isp", role="isp", effect="reduce_severity", amount=1, cost=1),
    ]
    responses = [
        _entry(DiplomaticResponse, "demarche", cost=1, tension=5, target_reputation=3),
        _entry(DiplomaticResponse, "sanctions", cost=2, tension=10, target_reputation=8),
        _entry(
            DiplomaticResponse, "statement-concern", cost=0, tension=2, requires_attribution=False
        ),
    ]
    return Catalogs(
        cbms={c.id: c for c in cbms},
        norms={n.id: n for n in norms},
        clauses={c.id: c for c in clauses},
        incidents={i.id: i for i in incidents},
        evidence={e.id: e for e in evidence},
        actors={a.id: a for a in actors},
        responses={r.id: r for r in responses},
    )


def states() -> list[StateProfile]:
    return [
        StateProfile(
            id="alba",
            name="Alba",
            flag="🟦",
            description="A",
            briefing="You are Alba.",
            interests={"ci": 1.0, "contacts": 0.4, "ip": 0.6, "capacity": 0.2},
            resilience={"energy": 4},
            starting_capital=6,
            objectives=[
                AgreementInForce(
                    id="deal",
                    description="secret objective: spare the grid",
                    points=10,
                    clause="spare-energy",
                    with_state="borea",
                ),
                TensionBelow(
                    id="calm",
                    description="secret objective: calm with borea",
                    points=5,
                    with_state="borea",
                    value=50,
                ),
                NoConflict(id="peace", description="secret objective: no conflict", points=5),
            ],
        ),
        StateProfile(
            id="borea",
            name="Borea",
            flag="🟥",
            description="B",
            briefing="You are Borea.",
            interests={"ci": -0.2, "contacts": 0.5, "ip": -0.4, "sanctions": 1.0},
            offence=8,
            starting_capital=6,
            objectives=[
                ClauseAvoided(
                    id="free-hand",
                    description="secret objective: keep IP theft open",
                    points=8,
                    clause="ip",
                ),
                CBMInForce(
                    id="hotline", description="secret objective: a hotline", points=5, cbm="hotline"
                ),
                ReputationAtLeast(
                    id="face", description="secret objective: keep face", points=5, value=40
                ),
            ],
        ),
        StateProfile(
            id="cyra",
            name="Cyra",
            flag="🟩",
            description="C",
            briefing="You are Cyra.",
            interests={"crime": 0.8, "capacity": 0.9},
            starting_capital=5,
            objectives=[
                NormAdopted(
                    id="norm",
                    description="secret objective: a CI norm",
                    points=10,
                    norm="no-ci-attacks",
                ),
                CorrectAttributions(
                    id="sleuth", description="secret objective: one right call", points=5, count=1
                ),
                ResilienceAtLeast(
                    id="finance",
                    description="secret objective: resilient banks",
                    points=5,
                    sector="finance",
                    value=7,
                ),
            ],
        ),
    ]


def scenario(**overrides: Any) -> Scenario:
    fields: dict[str, Any] = dict(
        id="test-scenario",
        title="Test",
        summary="A test scenario",
        briefing="Three states.",
        rounds=3,
        min_players=1,
        max_players=9,
        rules=RuleSettings(leak_chance=0.0),
        states=states(),
        groups=[
            Group(id="bear-proxy", name="Bear Proxy", kind="proxy", state="borea"),
            Group(id="gang", name="The Gang", kind="criminal", state="cyra"),
        ],
        mediator=MediatorSeat(name="UN Envoy", kind="un_envoy"),
        injects=[
            IncidentInject(
                round=1, headline="Grid down", template="grid", victim="alba", author="borea"
            ),
            NewsInject(round=1, headline="Talks expected"),
            IncidentInject(
                round=2, headline="Grid again", template="grid", victim="alba", author="bear-proxy"
            ),
            IncidentInject(
                round=2,
                headline="Hospital ransom",
                template="ransom",
                victim="borea",
                author="gang",
            ),
            TechnologyInject(
                round=2,
                headline="AI intrusion",
                sectors=["energy"],
                covered_by_norms=["supply-chain"],
            ),
            DomesticInject(
                round=3,
                headline="Elections",
                state="cyra",
                capital=2,
                reputation=-5,
                tension_with={"borea": 5},
            ),
            IncidentInject(
                round=3,
                headline="Bank data stolen",
                template="bank-theft",
                victim="cyra",
                author="alba",
                false_flag_against="borea",
            ),
        ],
        catalogs=catalogs(),
    )
    fields.update(overrides)
    return Scenario(**fields)


def person(name: str, platform: str = "console") -> PlayerRef:
    return PlayerRef(platform=platform, user_id=name.lower(), name=name)  # type: ignore[arg-type]


MODERATOR = person("Mod")
ANA, BEN, CAT, DAN, MEL, OLI = (person(n) for n in ("Ana", "Ben", "Cat", "Dan", "Mel", "Oli"))


class Table:
    """Drive a game: every command goes through decide + apply, like the service."""

    def __init__(self, sc: Scenario | None = None, seed: int = 7, now: datetime = T0) -> None:
        self.now = now
        self.events: list[Any] = []
        self.state: GameState | None = None
        self._ids = itertools.count(1)
        self.seed = seed
        self.do_command(
            CreateGame(
                command_id="c0", game_id=GAME, actor=MODERATOR, scenario=sc or scenario(), seed=seed
            )
        )

    @property
    def s(self) -> GameState:
        assert self.state is not None
        return self.state

    def command(self, type_: str, actor: PlayerRef, **fields: Any):
        cls = COMMAND_CLASS[type_]
        return cls(command_id=f"c{next(self._ids)}", game_id=GAME, actor=actor, **fields)

    def do_command(self, command) -> list[Any]:
        ctx = Context.for_game(self.now, self.seed, self.state.seq if self.state else 0)
        events = decide(self.state, command, ctx)
        for e in events:
            self.state = apply(self.state, e)
        self.events.extend(events)
        return events

    def do(self, type_: str, actor: PlayerRef = MODERATOR, **fields: Any) -> list[Any]:
        return self.do_command(self.command(type_, actor, **fields))

    def refuse(self, type_: str, actor: PlayerRef = MODERATOR, **fields: Any) -> str:
        before = self.state
        try:
            self.do(type_, actor, **fields)
        except RuleError as e:
            assert self.state is before
            return e.message
        raise AssertionError(f"{type_} by {actor.name} was accepted")

    def computer(self, state_id: str) -> PlayerRef:
        return computer_player(state_id)

    def tick(self, minutes: float = 0) -> list[Any]:
        self.now += timedelta(minutes=minutes)
        return self.do("tick", SYSTEM)

    def types(self, events: list[Any] | None = None) -> list[str]:
        return [e.type for e in (self.events if events is None else events)]


def started(sc: Scenario | None = None, seed: int = 7, players: bool = True) -> Table:
    """A game in round 1: Ana leads alba, Ben leads borea, Cat leads cyra."""
    t = Table(sc, seed)
    if players:
        t.do("join_game", ANA, state="alba")
        t.do("join_game", BEN, state="borea")
        t.do("join_game", CAT, state="cyra")
    t.do("start_game", rehearsal=not players)
    return t

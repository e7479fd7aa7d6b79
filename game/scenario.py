"""Content models: scenarios and the catalogs they draw from.

These are the shapes `content/` files are loaded into (see `bot/content.py`
for loading and validation, `docs/scenarios.md` for the authoring format).
They are pure data: the rules that give them meaning live in the rest of
`game/`. A whole `Scenario` (its catalogs resolved) is embedded in the
`GameCreated` event, so a game replays the same even if the files change.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

Sector = Literal["energy", "finance", "health", "water", "telecom", "elections", "transport"]
SECTORS: tuple[Sector, ...] = (
    "energy",
    "finance",
    "health",
    "water",
    "telecom",
    "elections",
    "transport",
)

# An issue is a dimension the parties negotiate over (the built-in mediator's
# axes). Clauses declare which issue they settle; states weight issues.
IssueId = str
Score = Annotated[int, Field(ge=0, le=100)]
Level = Annotated[int, Field(ge=0, le=10)]


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class CatalogEntry(Frozen):
    """Every catalog entry names the real instrument it mirrors (`source`)."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_\-]*$")
    name: str = Field(min_length=1)
    description: str = Field(min_length=1)
    source: str = Field(min_length=1)


# --- Confidence-building measures -----------------------------------------

CBMEffectKind = Literal[
    "hotline",  # incident tension between the parties is halved
    "joint_incident_reporting",  # evidence found by one party is shared with the other
    "points_of_contact",  # cooperation requests between the parties cost less / resolve faster
    "consultations",  # stalls between the parties notify the mediator one step earlier
    "transparency",  # trust rises faster between the parties
    "vulnerability_disclosure",  # incident severity against the parties reduced by 1 (min 1)
    "public_private_partnership",  # investigations by the parties reveal one more evidence item
    "critical_infrastructure_cooperation",  # resilience +1 in the listed sectors
    "dialogue",  # generic dialogue: only the standard tension relief
]


class CBM(CatalogEntry):
    kind: Literal["cbm"] = "cbm"
    effects: list[CBMEffectKind] = Field(min_length=1)
    sectors: list[Sector] = []
    tension_relief: int = Field(5, ge=0, le=20, description="tension fall per round in force")
    trust_gain: int = Field(2, ge=0, le=20, description="trust rise per round in force")
    cost: int = Field(1, ge=0, le=10, description="capital to table it")


# --- Norms (forum) ---------------------------------------------------------

NormEffectKind = Literal[
    "cooperation",  # a: mediation success lowers tension more
    "consider_all_information",  # b: wrong public attributions cost double reputation
    "territory_due_diligence",  # c: proxy/criminal incidents from a state's territory cost it reputation when attributed
    "crime_cooperation",  # d: cooperation requests may not be refused without capital cost
    "human_rights",  # e: operations against elections cost double reputation
    "protect_critical_infrastructure",  # f: attributed operations on listed sectors cost double reputation
    "protect_own_infrastructure",  # g: every state's resilience +1 in listed sectors
    "assistance_on_request",  # h: assistance offers cost one capital less
    "supply_chain",  # i: technology injects raise severity by one less
    "vulnerability_reporting",  # j: technology injects raise severity by one less
    "protect_certs",  # k: operations against CERTs (telecom) cost double reputation
]


class Norm(CatalogEntry):
    kind: Literal["norm"] = "norm"
    letter: str = Field(pattern=r"^[a-z]$", description="its letter in the source report")
    effect: NormEffectKind
    sectors: list[Sector] = []
    reputation_multiplier: float = Field(2.0, ge=1.0, le=5.0)
    cost: int = Field(2, ge=0, le=10)


# --- Agreement clauses and their issue options (the mediator's axes) ------


class ClauseOption(Frozen):
    """One way a clause can be settled. `level` 0..10 is how far it goes."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_\-]*$")
    label: str = Field(min_length=1)
    level: Level
    tension_relief: int = Field(0, ge=0, le=30, description="extra tension fall when in force")


ClauseEffectKind = Literal[
    "spare_sector",  # parties promise not to operate against a sector (a breach otherwise)
    "joint_incident_reporting",
    "points_of_contact",
    "data_preservation",  # cooperation requests between parties always succeed
    "no_ip_theft",  # espionage-for-profit incidents by a party are breaches
    "capacity_building",  # resilience +option.level//3 for the receiving party
    "sanctions_relief",  # capital +1 a round for the relieved party
    "information_exchange",
]


class Clause(CatalogEntry):
    kind: Literal["clause"] = "clause"
    issue: IssueId
    effect: ClauseEffectKind
    sectors: list[Sector] = []
    options: list[ClauseOption] = Field(min_length=2)


# --- Incidents and evidence ------------------------------------------------

AuthorKind = Literal["state", "proxy", "criminal"]


class IncidentTemplate(CatalogEntry):
    kind: Literal["incident"] = "incident"
    sector: Sector
    severity: tuple[Annotated[int, Field(ge=1, le=5)], Annotated[int, Field(ge=1, le=5)]] = (1, 3)
    plausible_authors: list[AuthorKind] = Field(min_length=1)
    espionage: bool = False  # theft of data / IP rather than disruption


class EvidenceTemplate(CatalogEntry):
    kind: Literal["evidence"] = "evidence"
    confidence: Annotated[int, Field(ge=5, le=95)]  # percent
    false_flag: bool = False  # planted: points to a state that is not the author


# --- Private-sector and technical actors, diplomatic responses ------------

ActorEffectKind = Literal["reveal_evidence", "raise_resilience", "reduce_severity"]


class Actor(CatalogEntry):
    kind: Literal["actor"] = "actor"
    role: Literal["cert", "threat_intelligence", "cloud_provider", "isp", "vendor", "civil_society"]
    effect: ActorEffectKind
    amount: int = Field(1, ge=1, le=3)
    cost: int = Field(1, ge=0, le=10)


class DiplomaticResponse(CatalogEntry):
    kind: Literal["response"] = "response"
    cost: int = Field(1, ge=0, le=10)
    tension: int = Field(0, ge=0, le=30, description="tension rise with the target")
    target_reputation: int = Field(0, ge=0, le=30, description="reputation the target loses")
    requires_attribution: bool = True  # may only follow a public attribution of the target


class Catalogs(Frozen):
    """The catalog entries a scenario uses, resolved by id."""

    cbms: dict[str, CBM] = {}
    norms: dict[str, Norm] = {}
    clauses: dict[str, Clause] = {}
    incidents: dict[str, IncidentTemplate] = {}
    evidence: dict[str, EvidenceTemplate] = {}
    actors: dict[str, Actor] = {}
    responses: dict[str, DiplomaticResponse] = {}


# --- Secret objectives -------------------------------------------------------


class _Objective(Frozen):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_\-]*$")
    description: str = Field(min_length=1)
    points: int = Field(ge=1, le=50)


class AgreementInForce(_Objective):
    kind: Literal["agreement_in_force"] = "agreement_in_force"
    clause: str  # catalog clause id
    with_state: str | None = None


class CBMInForce(_Objective):
    kind: Literal["cbm_in_force"] = "cbm_in_force"
    cbm: str
    with_state: str | None = None


class NormAdopted(_Objective):
    kind: Literal["norm_adopted"] = "norm_adopted"
    norm: str


class NormNotAdopted(_Objective):
    kind: Literal["norm_not_adopted"] = "norm_not_adopted"
    norm: str


class ClauseAvoided(_Objective):
    """No agreement binding this state contains the clause at the end."""

    kind: Literal["clause_avoided"] = "clause_avoided"
    clause: str


class TensionBelow(_Objective):
    kind: Literal["tension_below"] = "tension_below"
    with_state: str
    value: Score


class ReputationAtLeast(_Objective):
    kind: Literal["reputation_at_least"] = "reputation_at_least"
    value: Score


class CorrectAttributions(_Objective):
    kind: Literal["correct_attributions"] = "correct_attributions"
    count: int = Field(ge=1, le=10)


class ResilienceAtLeast(_Objective):
    kind: Literal["resilience_at_least"] = "resilience_at_least"
    sector: Sector
    value: Level


class NoConflict(_Objective):
    kind: Literal["no_conflict"] = "no_conflict"


Objective = Annotated[
    AgreementInForce
    | CBMInForce
    | NormAdopted
    | NormNotAdopted
    | ClauseAvoided
    | TensionBelow
    | ReputationAtLeast
    | CorrectAttributions
    | ResilienceAtLeast
    | NoConflict,
    Field(discriminator="kind"),
]


# --- States, groups, mediator seat --------------------------------------------


class Conduct(Frozen):
    """How a computer delegation plays this state (0..1 each)."""

    reliability: float = Field(0.8, ge=0, le=1, description="chance it honours a commitment")
    assertiveness: float = Field(0.5, ge=0, le=1, description="tendency to attribute and respond")
    cooperativeness: float = Field(0.5, ge=0, le=1, description="tendency to accept and propose")


class StateProfile(Frozen):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_\-]*$")
    name: str = Field(min_length=1)
    flag: str = Field(min_length=1, description="an emoji")
    description: str = Field(min_length=1)
    briefing: str = Field(min_length=1)
    offence: Level = 5
    resilience: dict[Sector, Level] = {}
    default_resilience: Level = 5
    interests: dict[IssueId, Annotated[float, Field(ge=-1, le=1)]] = {}
    starting_capital: int = Field(5, ge=0, le=50)
    capital_per_round: int = Field(3, ge=0, le=20)
    reputation: Score = 50
    conduct: Conduct = Conduct()
    objectives: list[Objective] = Field(min_length=1, max_length=5)


class Group(Frozen):
    """A non-state author: a proxy of a state, or a criminal group hosted by one."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_\-]*$")
    name: str = Field(min_length=1)
    kind: Literal["proxy", "criminal"]
    state: str  # the sponsor (proxy) or the state where it operates (criminal)
    description: str = ""


class MediatorSeat(Frozen):
    name: str = Field(min_length=1)
    kind: Literal["neutral_state", "un_envoy", "regional_organisation"]
    description: str = ""
    briefing: str = ""


# --- Injects -------------------------------------------------------------------


class _Inject(Frozen):
    round: int = Field(ge=1)
    headline: str = Field(min_length=1)
    text: str = ""


class IncidentInject(_Inject):
    """A cyber operation. `author` is a state id or a group id, hidden from players."""

    kind: Literal["incident"] = "incident"
    template: str
    victim: str
    author: str
    severity: Annotated[int, Field(ge=1, le=5)] | None = None  # default: template's upper bound
    false_flag_against: str | None = None  # a state the planted evidence points to


class TechnologyInject(_Inject):
    """Rapid technological change: incidents in the sectors get more severe unless covered."""

    kind: Literal["technology"] = "technology"
    severity_bonus: int = Field(1, ge=1, le=3)
    sectors: list[Sector] = []  # empty: all sectors
    covered_by_norms: list[str] = []
    covered_by_cbms: list[str] = []


class DomesticInject(_Inject):
    """A domestic-politics shock in one state."""

    kind: Literal["domestic"] = "domestic"
    state: str
    capital: int = Field(0, ge=-10, le=10)
    reputation: int = Field(0, ge=-30, le=30)
    tension_with: dict[str, Annotated[int, Field(ge=-30, le=30)]] = {}


class NewsInject(_Inject):
    """Public news, no rule effect (context for the players)."""

    kind: Literal["news"] = "news"


Inject = Annotated[
    IncidentInject | TechnologyInject | DomesticInject | NewsInject,
    Field(discriminator="kind"),
]


# --- Rule settings (defaults of DESIGN.md section 3; scenarios override) -------


class RuleSettings(Frozen):
    incident_tension_per_severity: int = Field(5, ge=0, le=20)
    hotline_factor: float = Field(0.5, ge=0, le=1)
    wrong_accusation_tension: int = Field(15, ge=0, le=50)
    breach_tension: int = Field(20, ge=0, le=50)
    cbm_relief_cap: int = Field(
        10, ge=0, le=50, description="max CBM tension fall per pair per round"
    )
    agreement_relief: int = Field(10, ge=0, le=50)
    mediation_relief: int = Field(10, ge=0, le=50)
    crisis_at: Score = 80
    conflict_at: Score = 100
    starting_tension: Score = 30
    starting_trust: Score = 50
    stall_counters: int = Field(3, ge=1, le=10)
    proposal_cost: int = Field(2, ge=0, le=10)
    investigate_cost: int = Field(1, ge=0, le=10)
    attribute_cost: int = Field(1, ge=0, le=10)
    assistance_cost: int = Field(2, ge=0, le=10)
    cooperation_cost: int = Field(1, ge=0, le=10)
    backchannel_cost: int = Field(0, ge=0, le=10)
    forum_majority: float = Field(
        0.5, gt=0, le=1, description="share of yes votes needed; 1 = consensus"
    )
    leak_chance: float = Field(0.05, ge=0, le=1, description="per back-channel per round")
    leak_tension: int = Field(5, ge=0, le=30)
    backchannel_relief: int = Field(
        3,
        ge=0,
        le=30,
        description="tension fall per round for two states who both spoke in a back-channel",
    )
    backchannel_trust: int = Field(
        1, ge=0, le=20, description="trust rise per round for the same pair"
    )
    stability_bonus_max: int = Field(30, ge=0, le=100)
    allow_early_advance: bool = True
    # Added with the engine (defaults keep existing content valid):
    attribution_reputation: int = Field(
        10, ge=0, le=50, description="reputation a correctly named culprit loses"
    )
    wrong_attribution_reputation: int = Field(
        10, ge=0, le=50, description="reputation a wrong accuser loses"
    )
    wrong_accusation_trust: int = Field(
        10, ge=0, le=50, description="trust fall after a wrong accusation"
    )
    breach_trust: int = Field(20, ge=0, le=50, description="trust fall after a breach")
    honoured_trust: int = Field(
        2, ge=0, le=20, description="trust rise per round per agreement kept"
    )
    escalation_tension: int = Field(
        3,
        ge=0,
        le=30,
        description="tension rise at resolution per incident of the round left unresolved",
    )
    evidence_per_investigation: int = Field(1, ge=1, le=5)
    assistance_resilience: int = Field(
        2, ge=1, le=5, description="resilience a capacity-building offer adds"
    )
    assistance_reputation: int = Field(
        3, ge=0, le=20, description="reputation donor and recipient gain"
    )
    reputation_points_divisor: int = Field(
        5, ge=1, le=100, description="score points = reputation // this"
    )


class Timers(Frozen):
    round_minutes: int = Field(20, ge=1, le=24 * 60)
    proposal_deadline_minutes: int = Field(10, ge=1, le=24 * 60)
    reminder_minutes_before: int = Field(3, ge=0, le=60)


class Scenario(Frozen):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_\-]*$")
    title: str = Field(min_length=1)
    summary: str = Field(min_length=1)
    briefing: str = Field(min_length=1, description="public briefing read at the start")
    rounds: int = Field(ge=1, le=30)
    min_players: int = Field(1, ge=1)
    max_players: int = Field(30, ge=1)
    timers: Timers = Timers()
    rules: RuleSettings = RuleSettings()
    states: list[StateProfile] = Field(min_length=2, max_length=12)
    groups: list[Group] = []
    mediator: MediatorSeat
    injects: list[Inject] = []
    catalogs: Catalogs

    def state(self, state_id: str) -> StateProfile:
        for s in self.states:
            if s.id == state_id:
                return s
        raise KeyError(state_id)

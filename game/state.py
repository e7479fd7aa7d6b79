"""The game's state: everything `apply` builds from the event log.

`GameState` is a frozen pydantic model rebuilt by folding events with
`game.engine.apply`; it round-trips through JSON exactly (the service
snapshots it), and `seq` counts the events applied. Rules never mutate a
state in place: they build a new one with `model_copy(update=...)`, sharing
the unchanged (frozen) parts.

Hidden information lives here too (an incident's true author, a
delegation's objectives live in the embedded scenario); `game/views.py`
decides who may see what.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

from game.base import Frozen, PlayerRef
from game.scenario import (
    AuthorKind,
    Scenario,
    Sector,
    StateProfile,
    TechnologyInject,
)

# The phases the game rests in. The inject step and the resolution step are
# instantaneous: the command that triggers them (start, advance, a tick at
# the round deadline, the last "ready") emits their events at once.
Phase = Literal["lobby", "negotiation", "paused", "ended"]
SeatRole = Literal["delegate", "mediator", "observer"]
Control = Literal["open", "human", "computer"]
EndReason = Literal["rounds", "moderator", "conflict"]
ProposalKind = Literal["cbm", "agreement", "norm", "assistance", "cooperation"]
ProposalStatus = Literal[
    "draft", "tabled", "countered", "accepted", "in_force", "rejected", "withdrawn", "expired"
]
OPEN_STATUSES: tuple[ProposalStatus, ...] = ("tabled", "countered")
IncidentStatus = Literal["planned", "stood_down", "open", "attributed", "closed"]
Vote = Literal["yes", "no", "abstain"]
MediationStatus = Literal["offered", "active", "settled", "failed"]
StallReason = Literal["counters", "deadline", "crisis", "requested"]

# Who wrote a proposal version when it is not a delegation.
MEDIATOR = "mediator"


def pair_key(a: str, b: str) -> str:
    """The key of the relation between two states, order-free ("a|b")."""
    x, y = sorted((a, b))
    return f"{x}|{y}"


def pair_of(key: str) -> tuple[str, str]:
    a, b = key.split("|")
    return a, b


def computer_player(state_id: str, name: str = "") -> PlayerRef:
    """The actor a computer delegation issues its commands as."""
    return PlayerRef(
        platform="system", user_id=f"computer:{state_id}", name=name or f"{state_id} (computer)"
    )


def computer_state_of(player: PlayerRef) -> str | None:
    if player.platform == "system" and player.user_id.startswith("computer:"):
        return player.user_id.removeprefix("computer:")
    return None


# --- People and delegations -------------------------------------------------------


class Seat(Frozen):
    """The link player <-> state. Mediators and observers hold a seat too,
    with no state."""

    player: PlayerRef
    role: SeatRole = "delegate"
    state: str | None = None
    lead: bool = False


class Delegation(Frozen):
    """A state in play: its profile is in the scenario, its changing numbers here."""

    id: str
    control: Control = "open"
    capital: int = 0
    reputation: int = 50
    resilience: dict[str, int] = {}  # sector -> level
    mitigation: dict[str, int] = {}  # sector -> severity reduction bought from actors
    correct_attributions: int = 0
    ready: bool = False


class Relation(Frozen):
    a: str
    b: str
    tension: int
    trust: int
    crisis: bool = False


# --- Incidents and evidence --------------------------------------------------------


class EvidenceItem(Frozen):
    id: str
    incident: str
    template: str
    confidence: int
    points_to: str  # a state id or a group id
    false_flag: bool = False  # hidden from players: planted evidence
    found_by: str
    known_by: list[str] = []
    round: int = 0


class Incident(Frozen):
    id: str
    template: str
    headline: str
    text: str = ""
    sector: Sector
    victim: str
    author: str  # hidden: a state id or a group id
    author_kind: AuthorKind
    responsible: str  # hidden: the author state, a proxy's sponsor or a criminal group's host
    apparent: str  # the state the victim blames at first (false flag or responsible)
    false_flag_against: str | None = None
    espionage: bool = False
    base_severity: int
    severity: int = 0  # effective, once it hit
    round: int  # the round it hits (planned) or hit
    status: IncidentStatus = "open"
    investigated_by: list[str] = []
    evidence_templates: list[str] = []  # revealed so far (no repeats)
    breaches: list[str] = []  # proposal ids it breached


class Attribution(Frozen):
    incident: str
    by: str
    culprit: str
    correct: bool
    round: int


class Breach(Frozen):
    proposal: str
    breacher: str
    victim: str
    incident: str
    round: int


# --- Proposals ------------------------------------------------------------------------


class Terms(Frozen):
    """What a proposal version says. Only the fields of its kind are set.

    This is also the built-in mediator's "package" shape: a single
    negotiating text is a `Terms`."""

    kind: ProposalKind
    parties: list[str]  # states bound (norm: every state)
    cbm: str | None = None
    clauses: dict[str, str] = {}  # agreement: clause id -> option id
    norm: str | None = None
    recipient: str | None = None  # assistance: who receives it
    sector: Sector | None = None  # assistance: where resilience rises
    incident: str | None = None  # cooperation: the criminal incident
    requested: str | None = None  # cooperation: the state asked to act


class ProposalVersion(Frozen):
    number: int
    terms: Terms
    by: str  # a state id or MEDIATOR
    at: datetime
    note: str = ""


class Proposal(Frozen):
    id: str
    kind: ProposalKind
    proposer: str  # a state id or MEDIATOR
    versions: list[ProposalVersion]
    status: ProposalStatus = "tabled"
    accepted_by: list[str] = []  # parties that accepted the current version
    votes: dict[str, Vote] = {}  # norm proposals
    deadline: datetime | None = None
    reminded: bool = False
    counters: int = 0
    stalled: bool = False
    mediation: str | None = None
    accepted_round: int | None = None
    in_force_round: int | None = None
    tabled_round: int = 0

    @property
    def current(self) -> ProposalVersion:
        return self.versions[-1]

    @property
    def terms(self) -> Terms:
        return self.versions[-1].terms

    @property
    def version(self) -> int:
        return self.versions[-1].number

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


# --- Talks and mediation ------------------------------------------------------------


class Message(Frozen):
    by: str  # state id or MEDIATOR
    player: str  # display name
    text: str
    at: datetime
    round: int = 0  # the round it was said in (0: before the rule needed it)


class Backchannel(Frozen):
    id: str
    states: list[str]
    mediator: bool = False
    open: bool = True
    leaked: bool = False
    opened_by: str
    opened_round: int
    messages: list[Message] = []


class Mediation(Frozen):
    id: str
    proposal: str
    parties: list[str]
    reason: StallReason
    status: MediationStatus = "offered"
    consents: list[str] = []
    arbitration: list[str] = []  # parties that pre-consented to a binding ruling
    text_tabled: bool = False
    deadline: datetime | None = None
    conditions: dict[str, str] = {}  # party -> "clause=option" it asked for
    opened_round: int


# --- The game ----------------------------------------------------------------------


class GameState(Frozen):
    game_id: str
    scenario: Scenario
    seed: int
    moderator: PlayerRef
    created_at: datetime
    seq: int = 0
    phase: Phase = "lobby"
    paused_phase: Phase | None = None
    paused_at: datetime | None = None
    round: int = 0
    round_deadline: datetime | None = None
    round_reminded: bool = False
    early_advance: bool = True
    seats: list[Seat] = []
    delegations: dict[str, Delegation] = {}
    relations: dict[str, Relation] = {}
    incidents: dict[str, Incident] = {}
    evidence: dict[str, EvidenceItem] = {}
    attributions: list[Attribution] = []
    breaches: list[Breach] = []
    proposals: dict[str, Proposal] = {}
    backchannels: dict[str, Backchannel] = {}
    mediations: dict[str, Mediation] = {}
    norms_in_force: list[str] = []
    technology: list[TechnologyInject] = []
    statements: list[Message] = []  # the latest public statements
    cooloff_until: datetime | None = None
    cooloff_states: list[str] = []
    ended_reason: EndReason | None = None
    tension_history: list[dict[str, int]] = []  # one snapshot per resolved round
    injected: list[int] = []  # indexes of scenario injects already played

    # --- convenience ---------------------------------------------------------

    @property
    def status(self) -> Phase:
        return self.phase

    @property
    def rules(self):  # -> RuleSettings
        return self.scenario.rules

    @property
    def state_ids(self) -> list[str]:
        return [s.id for s in self.scenario.states]

    def profile(self, state_id: str) -> StateProfile:
        return self.scenario.state(state_id)

    def relation(self, a: str, b: str) -> Relation:
        return self.relations[pair_key(a, b)]

    def tension(self, a: str, b: str) -> int:
        return self.relations[pair_key(a, b)].tension

    def seat_of(self, player_key: str) -> Seat | None:
        for seat in self.seats:
            if seat.player.key == player_key:
                return seat
        return None

    def players_of(self, state_id: str) -> list[Seat]:
        return [s for s in self.seats if s.role == "delegate" and s.state == state_id]

    def lead_of(self, state_id: str) -> Seat | None:
        for s in self.players_of(state_id):
            if s.lead:
                return s
        return None

    @property
    def human_mediator(self) -> Seat | None:
        for s in self.seats:
            if s.role == "mediator":
                return s
        return None

    def human_states(self) -> list[str]:
        return [d.id for d in self.delegations.values() if d.control == "human"]

    def group_state(self, group_id: str) -> str | None:
        for g in self.scenario.groups:
            if g.id == group_id:
                return g.state
        return None

    def name_of(self, actor_id: str) -> str:
        """A display name for a state id, group id or the mediator."""
        for s in self.scenario.states:
            if s.id == actor_id:
                return s.name
        for g in self.scenario.groups:
            if g.id == actor_id:
                return g.name
        if actor_id == MEDIATOR:
            return self.scenario.mediator.name
        return actor_id

    def next_id(self, prefix: str, existing: dict) -> str:
        return f"{prefix}{len(existing) + 1}"

    # --- time ------------------------------------------------------------------

    def reminder_lead(self) -> timedelta:
        return timedelta(minutes=self.scenario.timers.reminder_minutes_before)

    def next_deadline(self) -> datetime | None:
        """The earliest moment something falls due (a round timer, a reminder,
        a proposal or mediation deadline, the end of a cooling-off), or None.
        The service sends a `Tick` then."""
        if self.phase != "negotiation":
            return None
        lead = self.reminder_lead()
        times: list[datetime] = []
        if self.round_deadline is not None:
            times.append(self.round_deadline)
            owing = [d for d in self.delegations.values() if d.control == "human" and not d.ready]
            if not self.round_reminded and lead and owing:
                times.append(self.round_deadline - lead)
        for p in self.proposals.values():
            if p.is_open and p.deadline is not None:
                times.append(p.deadline)
                if not p.reminded and lead:
                    times.append(p.deadline - lead)
        if self.cooloff_until is not None:
            times.append(self.cooloff_until)
        return min(times) if times else None

"""Every event: the facts the game is made of, the only thing persisted as truth.

Events are frozen pydantic models with a `type` literal (the discriminator
of the `Event` union) and, from `EventBase`, a schema version `v` and the
time `at` they happened. `decide` computes every number and every random
outcome and writes it into the event (an `Effects` of deltas, the evidence
revealed, whether a back-channel leaked …), so `apply` only folds them in and
a game replays exactly.

Hidden information travels in events too (an incident's true author, the
evidence's false flags): `game/narrate.py` and `game/views.py` decide who
is told what.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal, get_args

from pydantic import Field, TypeAdapter

from game.base import EventBase, Frozen, PlayerRef
from game.scenario import DomesticInject, Scenario, Sector, TechnologyInject
from game.state import (
    Attribution,
    Backchannel,
    Breach,
    Control,
    EndReason,
    EvidenceItem,
    Incident,
    Mediation,
    Message,
    Proposal,
    ProposalVersion,
    Seat,
    Vote,
)


class Effects(Frozen):
    """Changes to the numbers, as deltas; `apply` clamps them to their ranges
    (tension and trust 0-100, reputation 0-100, capital >= 0, resilience 0-10).
    `tension`/`trust` are keyed by pair ("a|b", see `game.state.pair_key`)."""

    tension: dict[str, int] = {}
    trust: dict[str, int] = {}
    reputation: dict[str, int] = {}
    capital: dict[str, int] = {}
    resilience: dict[str, dict[Sector, int]] = {}

    def is_empty(self) -> bool:
        return not (
            self.tension or self.trust or self.reputation or self.capital or self.resilience
        )


class ScoreCard(Frozen):
    """One delegation's score (see game/scoring.py)."""

    state: str
    objectives: dict[str, bool]  # objective id -> met
    objective_points: int
    reputation_points: int
    stability_points: int
    total: int


# --- lobby and seats --------------------------------------------------------------------


class GameCreated(EventBase):
    type: Literal["game_created"] = "game_created"
    game_id: str
    scenario: Scenario
    seed: int
    moderator: PlayerRef


class PlayerJoined(EventBase):
    type: Literal["player_joined"] = "player_joined"
    seat: Seat
    controls: dict[str, Control] = {}  # delegation control changes


class SeatAssigned(EventBase):
    """A player's seat changed (pick, assignment by the moderator, taking a
    computer's seat). The player's previous seat, if any, is replaced."""

    type: Literal["seat_assigned"] = "seat_assigned"
    seat: Seat
    previous_state: str | None = None
    replaced: str | None = None  # key of a player this one replaced (moderator's "seat")
    new_leads: dict[str, str] = {}  # state -> player key who now leads it
    controls: dict[str, Control] = {}
    by_moderator: bool = False


class PlayerLeft(EventBase):
    type: Literal["player_left"] = "player_left"
    player: PlayerRef
    state: str | None = None
    kicked: bool = False
    new_lead: str | None = None  # key of the player who now leads the state
    controls: dict[str, Control] = {}


class SeatsFilled(EventBase):
    """Computer delegations take these states' seats."""

    type: Literal["seats_filled"] = "seats_filled"
    states: list[str]


class EarlyAdvanceSet(EventBase):
    type: Literal["early_advance_set"] = "early_advance_set"
    allowed: bool


class GameStarted(EventBase):
    type: Literal["game_started"] = "game_started"
    assignments: dict[str, str] = {}  # player key -> state, for unseated players
    new_leads: dict[str, str] = {}  # state -> player key
    computer_states: list[str] = []


# --- rounds, injects, session --------------------------------------------------------


class RoundStarted(EventBase):
    """The inject step begins round `round`; capital is granted."""

    type: Literal["round_started"] = "round_started"
    round: int
    deadline: datetime
    effects: Effects = Effects()


class OperationPlanned(EventBase):
    """Told only to the author's delegation: it may call the operation off
    before the next inject step."""

    type: Literal["operation_planned"] = "operation_planned"
    incident: Incident
    planner: str  # the state that decides (the author, or the proxy's sponsor)
    scheduled: int | None = None


class OperationStoodDown(EventBase):
    type: Literal["operation_stood_down"] = "operation_stood_down"
    incident: str
    state: str


class IncidentHit(EventBase):
    type: Literal["incident_hit"] = "incident_hit"
    incident: Incident
    effects: Effects = Effects()
    scheduled: int | None = None


class BreachCommitted(EventBase):
    type: Literal["breach_committed"] = "breach_committed"
    breach: Breach
    effects: Effects = Effects()


class TechnologyShift(EventBase):
    type: Literal["technology_shift"] = "technology_shift"
    inject: TechnologyInject
    scheduled: int | None = None


class DomesticShock(EventBase):
    type: Literal["domestic_shock"] = "domestic_shock"
    inject: DomesticInject
    effects: Effects = Effects()
    scheduled: int | None = None


class NewsPublished(EventBase):
    type: Literal["news_published"] = "news_published"
    headline: str
    text: str = ""
    scheduled: int | None = None


class GamePaused(EventBase):
    type: Literal["game_paused"] = "game_paused"


class GameResumed(EventBase):
    """Every pending deadline moves later by `shift_seconds` (the pause)."""

    type: Literal["game_resumed"] = "game_resumed"
    shift_seconds: float


class DeadlineExtended(EventBase):
    type: Literal["deadline_extended"] = "deadline_extended"
    proposal: str | None = None  # None: the round's deadline
    deadline: datetime


class DelegationReady(EventBase):
    type: Literal["delegation_ready"] = "delegation_ready"
    state: str
    ready: bool = True


class ReminderSent(EventBase):
    """A deadline is near: `owing` are the delegations that still owe a move."""

    type: Literal["reminder_sent"] = "reminder_sent"
    proposal: str | None = None  # None: the round's deadline
    owing: list[str]
    deadline: datetime


class RoundEffects(EventBase):
    """An effect of the resolution step (CBM relief, trust from honoured
    commitments, back-channel dialogue, escalation of unresolved incidents)."""

    type: Literal["round_effects"] = "round_effects"
    cause: Literal["cbm_relief", "honoured", "dialogue", "escalation"]
    effects: Effects
    detail: list[str] = []  # proposal, back-channel or incident ids involved


class RoundEnded(EventBase):
    type: Literal["round_ended"] = "round_ended"
    round: int
    tension: dict[str, int]  # pair -> tension at the end of the round


class CrisisDeclared(EventBase):
    type: Literal["crisis_declared"] = "crisis_declared"
    pair: str
    tension: int


class CrisisEased(EventBase):
    type: Literal["crisis_eased"] = "crisis_eased"
    pair: str
    tension: int


class GameEnded(EventBase):
    type: Literal["game_ended"] = "game_ended"
    reason: EndReason
    pair: str | None = None  # the pair that reached conflict
    scores: dict[str, ScoreCard] = {}


# --- talk --------------------------------------------------------------------------------


class StatementMade(EventBase):
    type: Literal["statement_made"] = "statement_made"
    message: Message


class BackchannelOpened(EventBase):
    type: Literal["backchannel_opened"] = "backchannel_opened"
    channel: Backchannel
    effects: Effects = Effects()


class BackchannelClosed(EventBase):
    type: Literal["backchannel_closed"] = "backchannel_closed"
    channel: str
    by: str


class WhisperSent(EventBase):
    type: Literal["whisper_sent"] = "whisper_sent"
    channel: str
    message: Message


class BackchannelLeaked(EventBase):
    """Its existence and parties become public news (never its words)."""

    type: Literal["backchannel_leaked"] = "backchannel_leaked"
    channel: str
    states: list[str]
    effects: Effects = Effects()


# --- proposals and the forum ----------------------------------------------------------


class ProposalDrafted(EventBase):
    type: Literal["proposal_drafted"] = "proposal_drafted"
    proposal: Proposal


class ProposalTabled(EventBase):
    """A proposal is on the table (new, or a draft tabled by its lead)."""

    type: Literal["proposal_tabled"] = "proposal_tabled"
    proposal: Proposal
    effects: Effects = Effects()


class ProposalCountered(EventBase):
    type: Literal["proposal_countered"] = "proposal_countered"
    proposal: str
    version: ProposalVersion
    deadline: datetime


class ProposalAccepted(EventBase):
    """One party accepted the version; the proposal is agreed once all have."""

    type: Literal["proposal_accepted"] = "proposal_accepted"
    proposal: str
    version: int
    state: str


class ConditionalAcceptance(EventBase):
    """A party accepts a mediator's text except one clause, on a condition."""

    type: Literal["conditional_acceptance"] = "conditional_acceptance"
    proposal: str
    version: int
    state: str
    clause: str
    option: str


class AgreementReached(EventBase):
    """Every party accepted: in force from the next resolution step."""

    type: Literal["agreement_reached"] = "agreement_reached"
    proposal: str
    version: int


class ProposalRejected(EventBase):
    type: Literal["proposal_rejected"] = "proposal_rejected"
    proposal: str
    version: int
    state: str
    effects: Effects = Effects()


class ProposalWithdrawn(EventBase):
    type: Literal["proposal_withdrawn"] = "proposal_withdrawn"
    proposal: str
    state: str


class ProposalExpired(EventBase):
    type: Literal["proposal_expired"] = "proposal_expired"
    proposal: str
    owing: list[str] = []  # parties that had not answered


class VoteCast(EventBase):
    type: Literal["vote_cast"] = "vote_cast"
    proposal: str
    state: str
    vote: Vote


class ForumVoteClosed(EventBase):
    type: Literal["forum_vote_closed"] = "forum_vote_closed"
    proposal: str
    adopted: bool
    yes: int
    no: int
    abstain: int
    absent: int


class EnteredIntoForce(EventBase):
    """At the resolution step an accepted proposal takes effect."""

    type: Literal["entered_into_force"] = "entered_into_force"
    proposal: str
    effects: Effects = Effects()


class IncidentClosed(EventBase):
    """A cooperation request closed a criminal incident."""

    type: Literal["incident_closed"] = "incident_closed"
    incident: str
    proposal: str


# --- intel -------------------------------------------------------------------------------


class InvestigationCompleted(EventBase):
    type: Literal["investigation_completed"] = "investigation_completed"
    incident: str
    state: str
    actor_id: str | None = None
    evidence: list[EvidenceItem]  # known_by says who learns each item
    effects: Effects = Effects()


class AttributionMade(EventBase):
    type: Literal["attribution_made"] = "attribution_made"
    attribution: Attribution
    effects: Effects = Effects()


class MeasureTaken(EventBase):
    type: Literal["measure_taken"] = "measure_taken"
    state: str
    response: str
    target: str
    effects: Effects = Effects()


class ActorEngaged(EventBase):
    type: Literal["actor_engaged"] = "actor_engaged"
    state: str
    actor_id: str
    sector: Sector
    mitigation: int = 0  # severity reduction added in the sector
    effects: Effects = Effects()


# --- mediation ---------------------------------------------------------------------------


class MediationOffered(EventBase):
    """A stall (or a request): the mediator is told and the parties are offered
    mediation. For a crisis pair with no talks, `draft` is the empty agreement
    the mediator will fill in."""

    type: Literal["mediation_offered"] = "mediation_offered"
    mediation: Mediation
    draft: Proposal | None = None
    requested_by: str | None = None


class MediationConsented(EventBase):
    type: Literal["mediation_consented"] = "mediation_consented"
    mediation: str
    state: str
    arbitration: bool = False


class MediatorTextTabled(EventBase):
    """The single negotiating text: a new version of the proposal by the
    mediator (also a revision)."""

    type: Literal["mediator_text_tabled"] = "mediator_text_tabled"
    mediation: str
    proposal: str
    version: ProposalVersion
    deadline: datetime
    builtin: bool = False
    accepted_by: list[str] = []  # a revision keeps the acceptance of who asked for it


class MediationDeadlineSet(EventBase):
    type: Literal["mediation_deadline_set"] = "mediation_deadline_set"
    mediation: str
    deadline: datetime


class CooloffCalled(EventBase):
    type: Literal["cooloff_called"] = "cooloff_called"
    until: datetime
    states: list[str]


class CooloffEnded(EventBase):
    type: Literal["cooloff_ended"] = "cooloff_ended"


class ArbitrationRuled(EventBase):
    """The mediator's ruling. `binding`: every party pre-consented, so the
    proposal is agreed with these terms."""

    type: Literal["arbitration_ruled"] = "arbitration_ruled"
    mediation: str
    proposal: str
    version: ProposalVersion
    binding: bool
    builtin: bool = False
    deadline: datetime | None = None  # not binding: the text's answer deadline


class MediationSettled(EventBase):
    type: Literal["mediation_settled"] = "mediation_settled"
    mediation: str
    effects: Effects = Effects()


class MediationFailed(EventBase):
    type: Literal["mediation_failed"] = "mediation_failed"
    mediation: str
    reason: str


Event = Annotated[
    GameCreated
    | PlayerJoined
    | SeatAssigned
    | PlayerLeft
    | SeatsFilled
    | EarlyAdvanceSet
    | GameStarted
    | RoundStarted
    | OperationPlanned
    | OperationStoodDown
    | IncidentHit
    | BreachCommitted
    | TechnologyShift
    | DomesticShock
    | NewsPublished
    | GamePaused
    | GameResumed
    | DeadlineExtended
    | DelegationReady
    | ReminderSent
    | RoundEffects
    | RoundEnded
    | CrisisDeclared
    | CrisisEased
    | GameEnded
    | StatementMade
    | BackchannelOpened
    | BackchannelClosed
    | WhisperSent
    | BackchannelLeaked
    | ProposalDrafted
    | ProposalTabled
    | ProposalCountered
    | ProposalAccepted
    | ConditionalAcceptance
    | AgreementReached
    | ProposalRejected
    | ProposalWithdrawn
    | ProposalExpired
    | VoteCast
    | ForumVoteClosed
    | EnteredIntoForce
    | IncidentClosed
    | InvestigationCompleted
    | AttributionMade
    | MeasureTaken
    | ActorEngaged
    | MediationOffered
    | MediationConsented
    | MediatorTextTabled
    | MediationDeadlineSet
    | CooloffCalled
    | CooloffEnded
    | ArbitrationRuled
    | MediationSettled
    | MediationFailed,
    Field(discriminator="type"),
]

EVENT_ADAPTER: TypeAdapter[Event] = TypeAdapter(Event)

EVENT_TYPES: tuple[type[EventBase], ...] = get_args(get_args(Event)[0])
EVENT_CLASS: dict[str, type[EventBase]] = {e.model_fields["type"].default: e for e in EVENT_TYPES}

"""Every command a player, the moderator, the mediator or the clock can issue.

Each command is a frozen pydantic model with a `type` literal (the
discriminator of the `Command` union); its docstring gives the verb as
players type it (see ../shared/PLATFORM-UX.md for the verb groups). Which
role may issue which command in which phase is `game/permissions.py`'s one
table; what each does is `game/engine.py`'s `decide`.

Ids in commands: states and catalog entries by their scenario id, proposals
"P1", incidents "I1", back-channels "B1", mediations "M1".
"""

from __future__ import annotations

from typing import Annotated, Literal, get_args

from pydantic import Field, TypeAdapter

from game.base import CommandBase, PlayerRef
from game.scenario import Inject, Scenario, Sector

Text = Annotated[str, Field(min_length=1, max_length=1500)]
Minutes = Annotated[int, Field(ge=1, le=24 * 60)]


# --- game: lobby -----------------------------------------------------------------


class CreateGame(CommandBase):
    """game new <scenario> — the moderator creates a game (the service resolves
    the scenario from content/ and embeds it whole). `moderator` defaults to
    the actor."""

    type: Literal["create_game"] = "create_game"
    scenario: Scenario
    seed: int
    moderator: PlayerRef | None = None


class JoinGame(CommandBase):
    """game join [state] [as observer|mediator] — join the game; with a state,
    take a seat in its delegation (in play: a seat a computer holds)."""

    type: Literal["join_game"] = "join_game"
    state: str | None = None
    role: Literal["delegate", "observer", "mediator"] = "delegate"


class LeaveGame(CommandBase):
    """game leave — leave the game; a computer delegation holds your seat if
    you were the last player of your state."""

    type: Literal["leave_game"] = "leave_game"


class PickState(CommandBase):
    """game pick <state> — pick (or change) your state in the lobby, or take a
    seat a computer holds during play."""

    type: Literal["pick_state"] = "pick_state"
    state: str


class AssignSeat(CommandBase):
    """game seat <player> <state>|mediator|observer [lead] — the moderator seats
    a player (or replaces one: the new player takes the seat)."""

    type: Literal["assign_seat"] = "assign_seat"
    player: PlayerRef
    state: str | None = None
    role: Literal["delegate", "observer", "mediator"] = "delegate"
    lead: bool = False


class FillSeats(CommandBase):
    """game fill [state…] — computer delegations take the empty seats (all, or
    the ones named)."""

    type: Literal["fill_seats"] = "fill_seats"
    states: list[str] = []


class SetEarlyAdvance(CommandBase):
    """game early on|off — whether the round ends early once every human
    delegation is ready."""

    type: Literal["set_early_advance"] = "set_early_advance"
    allowed: bool


class StartGame(CommandBase):
    """game start [rehearsal] — start round 1 (empty seats go to computer
    delegations, unseated players are assigned the free states). `rehearsal`
    starts even with fewer players than the scenario asks for — every empty
    seat computer-held — so a moderator can watch or rehearse a scenario."""

    type: Literal["start_game"] = "start_game"
    rehearsal: bool = False


# --- game: moderator during play ---------------------------------------------------


class PauseGame(CommandBase):
    """game pause — stop every clock."""

    type: Literal["pause_game"] = "pause_game"


class ResumeGame(CommandBase):
    """game resume — restart the clocks where they stopped."""

    type: Literal["resume_game"] = "resume_game"


class AdvanceRound(CommandBase):
    """game advance — end the negotiation now: the resolution step, then the
    next round's inject step (or the end after the last round)."""

    type: Literal["advance_round"] = "advance_round"


class InjectEvent(CommandBase):
    """game inject <scheduled-number> | game inject incident|technology|domestic|news … —
    push an inject now: one of the scenario's (its index in scenario.injects)
    or an ad hoc one."""

    type: Literal["inject_event"] = "inject_event"
    inject: Inject | None = None
    scheduled: int | None = Field(None, ge=0)


class ExtendDeadline(CommandBase):
    """game extend <minutes> [proposal] — push back the round's deadline, or a
    proposal's."""

    type: Literal["extend_deadline"] = "extend_deadline"
    minutes: Minutes
    proposal: str | None = None


class KickPlayer(CommandBase):
    """game kick <player> — remove a player; a computer holds the seat if the
    delegation has no player left."""

    type: Literal["kick_player"] = "kick_player"
    player: PlayerRef


class EndGame(CommandBase):
    """game end — end the game now and score it."""

    type: Literal["end_game"] = "end_game"


class Tick(CommandBase):
    """(the clock) — decide whatever is due now: round timer, proposal and
    mediation deadlines, reminders, the end of a cooling-off. Issued by the
    service as SYSTEM with command_id "tick:<game>:<seq>"."""

    type: Literal["tick"] = "tick"


class MarkReady(CommandBase):
    """ready [off] — your delegation is done for this round (or not after all)."""

    type: Literal["mark_ready"] = "mark_ready"
    ready: bool = True


# --- talk ----------------------------------------------------------------------------


class MakeStatement(CommandBase):
    """talk say <text> — a public statement in the plenary."""

    type: Literal["make_statement"] = "make_statement"
    text: Text


class OpenBackchannel(CommandBase):
    """talk backchannel open <state>… [with mediator] — a private talk with
    other delegations."""

    type: Literal["open_backchannel"] = "open_backchannel"
    states: list[str] = Field(min_length=1)
    with_mediator: bool = False


class CloseBackchannel(CommandBase):
    """talk backchannel close <channel>"""

    type: Literal["close_backchannel"] = "close_backchannel"
    channel: str


class Whisper(CommandBase):
    """talk whisper <channel> <text> — speak in a back-channel."""

    type: Literal["whisper"] = "whisper"
    channel: str
    text: Text


# --- propose ---------------------------------------------------------------------------


class _Propose(CommandBase):
    draft: bool = False  # members draft; their lead tables


class ProposeCBM(_Propose):
    """propose cbm <cbm> <state>… [draft] — a confidence-building measure with
    the named states."""

    type: Literal["propose_cbm"] = "propose_cbm"
    cbm: str
    parties: list[str] = Field(min_length=1)


class ProposeAgreement(_Propose):
    """propose agreement <state>… <clause>=<option>… [draft] — a bilateral (or
    plurilateral) agreement."""

    type: Literal["propose_agreement"] = "propose_agreement"
    parties: list[str] = Field(min_length=1)
    clauses: dict[str, str] = Field(min_length=1)


class ProposeNorm(_Propose):
    """propose norm <norm> [draft] — table a norm at the forum; every state votes."""

    type: Literal["propose_norm"] = "propose_norm"
    norm: str


class ProposeAssistance(_Propose):
    """propose assistance <state> <sector> [draft] — capacity building: raise
    the state's resilience in a sector."""

    type: Literal["propose_assistance"] = "propose_assistance"
    recipient: str
    sector: Sector


class ProposeCooperation(_Propose):
    """propose cooperation <incident> <state> [draft] — ask the state where the
    criminal group behind an incident operates to act (Budapest-style)."""

    type: Literal["propose_cooperation"] = "propose_cooperation"
    incident: str
    requested: str


class TableDraft(CommandBase):
    """propose table <proposal> — the lead tables a draft of the delegation."""

    type: Literal["table_draft"] = "table_draft"
    proposal: str


# --- respond ------------------------------------------------------------------------------


class AcceptProposal(CommandBase):
    """respond accept <proposal> [version]"""

    type: Literal["accept_proposal"] = "accept_proposal"
    proposal: str
    version: int | None = None  # None: the current one (typed commands)


class AcceptWithConditions(CommandBase):
    """respond accept <proposal> <version> if <clause>=<option> — accept a
    mediator's text except one clause; the mediator revises that clause."""

    type: Literal["accept_with_conditions"] = "accept_with_conditions"
    proposal: str
    version: int | None = None
    clause: str
    option: str


class RejectProposal(CommandBase):
    """respond reject <proposal> [version]"""

    type: Literal["reject_proposal"] = "reject_proposal"
    proposal: str
    version: int | None = None


class CounterProposal(CommandBase):
    """respond counter <proposal> [<version>] [<clause>=<option>…] [cbm=<cbm>]
    [sector=<sector>] [parties=<state>,…] — a new version of the proposal;
    unnamed terms stay as they are."""

    type: Literal["counter_proposal"] = "counter_proposal"
    proposal: str
    version: int | None = None
    clauses: dict[str, str] = {}
    cbm: str | None = None
    sector: Sector | None = None
    parties: list[str] | None = None


class WithdrawProposal(CommandBase):
    """respond withdraw <proposal>"""

    type: Literal["withdraw_proposal"] = "withdraw_proposal"
    proposal: str


# --- forum -----------------------------------------------------------------------------------


class CastVote(CommandBase):
    """forum vote <proposal> yes|no|abstain"""

    type: Literal["cast_vote"] = "cast_vote"
    proposal: str
    vote: Literal["yes", "no", "abstain"]


# --- intel -------------------------------------------------------------------------------------


class Investigate(CommandBase):
    """intel investigate <incident> [actor] — reveal evidence (a private-sector
    or technical actor reveals more, for its cost)."""

    type: Literal["investigate"] = "investigate"
    incident: str
    actor_id: str | None = None


class Attribute(CommandBase):
    """intel attribute <incident> <state|group> — publicly name the culprit."""

    type: Literal["attribute"] = "attribute"
    incident: str
    culprit: str


class TakeMeasure(CommandBase):
    """intel measure <response> <state> — a diplomatic response (démarche,
    sanctions, …) against a state."""

    type: Literal["take_measure"] = "take_measure"
    response: str
    target: str


class EngageActor(CommandBase):
    """intel engage <actor> <sector> — hire a private-sector or technical actor
    to raise resilience or blunt future incidents in a sector."""

    type: Literal["engage_actor"] = "engage_actor"
    actor_id: str
    sector: Sector


class StandDown(CommandBase):
    """intel standdown <operation> — call off an operation your state planned."""

    type: Literal["stand_down"] = "stand_down"
    operation: str


# --- mediate -------------------------------------------------------------------------------


class RequestMediation(CommandBase):
    """mediate request <proposal> | mediate request <state> — ask the mediator
    to help on a proposal or with a state (counts as your consent)."""

    type: Literal["request_mediation"] = "request_mediation"
    proposal: str | None = None
    with_state: str | None = None
    arbitration: bool = False


class ConsentMediation(CommandBase):
    """mediate consent <mediation> [binding] — accept mediation; `binding`
    pre-consents to arbitration (the mediator's ruling binds)."""

    type: Literal["consent_mediation"] = "consent_mediation"
    mediation: str
    arbitration: bool = False


class MediatorText(CommandBase):
    """mediate text <mediation> [<clause>=<option>…] [cbm=<cbm>] — the mediator
    tables a single negotiating text (a new version of the stalled proposal)."""

    type: Literal["mediator_text"] = "mediator_text"
    mediation: str
    clauses: dict[str, str] = {}
    cbm: str | None = None


class ReviseText(CommandBase):
    """mediate revise <mediation> <clause>=<option>… — the mediator revises its
    text (e.g. after a party accepted with conditions)."""

    type: Literal["revise_text"] = "revise_text"
    mediation: str
    clauses: dict[str, str] = {}
    cbm: str | None = None


class SetMediationDeadline(CommandBase):
    """mediate deadline <mediation> <minutes>"""

    type: Literal["set_mediation_deadline"] = "set_mediation_deadline"
    mediation: str
    minutes: Minutes


class CallCooloff(CommandBase):
    """mediate cooloff <minutes> [state…] — a cooling-off: no accusations or
    measures between the states (default: every state), and unresolved
    incidents do not escalate between them, until it ends."""

    type: Literal["call_cooloff"] = "call_cooloff"
    minutes: Minutes
    states: list[str] = []


class RuleArbitration(CommandBase):
    """mediate rule <mediation> [<clause>=<option>…] [cbm=<cbm>] — the
    mediator's ruling; binding only if every party pre-consented."""

    type: Literal["rule_arbitration"] = "rule_arbitration"
    mediation: str
    clauses: dict[str, str] = {}
    cbm: str | None = None


Command = Annotated[
    CreateGame
    | JoinGame
    | LeaveGame
    | PickState
    | AssignSeat
    | FillSeats
    | SetEarlyAdvance
    | StartGame
    | PauseGame
    | ResumeGame
    | AdvanceRound
    | InjectEvent
    | ExtendDeadline
    | KickPlayer
    | EndGame
    | Tick
    | MarkReady
    | MakeStatement
    | OpenBackchannel
    | CloseBackchannel
    | Whisper
    | ProposeCBM
    | ProposeAgreement
    | ProposeNorm
    | ProposeAssistance
    | ProposeCooperation
    | TableDraft
    | AcceptProposal
    | AcceptWithConditions
    | RejectProposal
    | CounterProposal
    | WithdrawProposal
    | CastVote
    | Investigate
    | Attribute
    | TakeMeasure
    | EngageActor
    | StandDown
    | RequestMediation
    | ConsentMediation
    | MediatorText
    | ReviseText
    | SetMediationDeadline
    | CallCooloff
    | RuleArbitration,
    Field(discriminator="type"),
]

COMMAND_ADAPTER: TypeAdapter[Command] = TypeAdapter(Command)

# Every command class, and the one for each `type` value.
COMMAND_TYPES: tuple[type[CommandBase], ...] = get_args(get_args(Command)[0])
COMMAND_CLASS: dict[str, type[CommandBase]] = {
    c.model_fields["type"].default: c for c in COMMAND_TYPES
}

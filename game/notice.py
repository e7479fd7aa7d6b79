"""Platform-neutral notices: what players read, produced once by the core and
rendered per platform (Discord embeds + components, Slack Block Kit, plain
text in the terminal). See ../shared/PLATFORM-UX.md for where each audience
lands on each platform.

Audience routing is decided here, in the core: a notice names exactly one
audience, and the service delivers it only to the members of that audience.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from game.base import Frozen

AudienceKind = Literal[
    "public",  # the plenary: the game's channel
    "delegation",  # one delegation's private place (state = its id)
    "backchannel",  # a back-channel's members (channel = its id)
    "mediator",  # the mediator's private place
    "moderator",  # the moderator's private place
    "person",  # one person, now (person = PlayerRef.key): errors, confirmations, help
]


class Audience(Frozen):
    kind: AudienceKind
    state: str | None = None
    channel: str | None = None
    person: str | None = None

    @classmethod
    def public(cls) -> Audience:
        return cls(kind="public")

    @classmethod
    def delegation(cls, state: str) -> Audience:
        return cls(kind="delegation", state=state)

    @classmethod
    def backchannel(cls, channel: str) -> Audience:
        return cls(kind="backchannel", channel=channel)

    @classmethod
    def mediator(cls) -> Audience:
        return cls(kind="mediator")

    @classmethod
    def moderator(cls) -> Audience:
        return cls(kind="moderator")

    @classmethod
    def to_person(cls, key: str) -> Audience:
        return cls(kind="person", person=key)

    @property
    def label(self) -> str:
        match self.kind:
            case "delegation":
                return f"delegation {self.state}"
            case "backchannel":
                return f"back-channel {self.channel}"
            case "person":
                return f"to {self.person}"
            case _:
                return self.kind


class NoticeField(Frozen):
    name: str = Field(max_length=256)
    value: str = Field(max_length=1024)
    inline: bool = True


class FormInput(Frozen):
    """A field of a form opened by an action (Discord modal, Slack modal)."""

    name: str
    label: str
    value: str = ""  # pre-filled (e.g. the current terms when countering)
    choices: list[str] = []  # non-empty: a select menu of catalog entries
    multiline: bool = False
    required: bool = True


class Action(Frozen):
    """A button. `verb` and `args` form the command it issues
    (`respond accept` with proposal and version); adapters encode them in the
    custom_id / action value so they keep working after a restart. `command`
    is the text a terminal player types for the same thing."""

    verb: str  # e.g. "respond.accept", "forum.vote"
    label: str
    args: dict[str, str | int] = {}
    style: Literal["primary", "secondary", "danger", "success"] = "secondary"
    command: str = ""
    form: list[FormInput] = []  # non-empty: opens a form pre-filled with these


NoticeKind = Literal[
    "info",
    "briefing",
    "statement",
    "backchannel",
    "proposal",
    "incident",
    "evidence",
    "attribution",
    "forum",
    "mediation",
    "round",
    "crisis",
    "reminder",
    "debrief",
    "error",
]


class Notice(Frozen):
    audience: Audience
    kind: NoticeKind = "info"
    title: str = Field(max_length=256)
    body: str = Field("", max_length=4000)
    fields: list[NoticeField] = []
    actions: list[Action] = []
    # Absolute time; platforms render it in each reader's time zone.
    deadline: datetime | None = None
    # Stable key of the thing the notice shows (e.g. "proposal:P3"): a later
    # notice with the same key edits the earlier message in place.
    key: str | None = None
    # Who wrote the words (player-written text is neutralised for mentions).
    author: str | None = None

"""Notices as plain terminal text.

Every notice is one block: a header line that says where it was said (the
audience, in the words of PLATFORM-UX.md's terminal column: "public",
"to you", "back-channel A–B", "mediator", "moderator"), who speaks and
what about, then the body, the fields, the deadline and the numbered
actions (a player may type the number instead of the command).

The renderer knows nothing of the game's rules; a `Directory` gives it the
names it needs to label audiences (state names, back-channel members, who
"you" are). It never reads the clock: the caller passes `now` so simulated
games render the same every time.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from game.notice import Action, Audience, Notice

WIDTH = 100
INDENT = "    "


@dataclass(frozen=True)
class Directory:
    """The names a reader knows: who the states are and who sits in which
    back-channel, and who is reading (`you_state` / `you_person`). A watcher
    (the demo) has neither and sees every audience labelled by name."""

    states: dict[str, str] = field(default_factory=dict)  # id -> "🇦 Arcadia"
    backchannels: dict[str, tuple[str, ...]] = field(default_factory=dict)  # id -> state ids
    you_state: str | None = None
    you_person: str | None = None
    you_moderator: bool = False
    people: dict[str, str] = field(default_factory=dict)  # PlayerRef.key -> display name

    def state_name(self, state_id: str | None) -> str:
        if state_id is None:
            return "?"
        return self.states.get(state_id, state_id)

    def short_name(self, state_id: str) -> str:
        """The name without its flag, for compact labels."""
        name = self.states.get(state_id, state_id)
        head, _, tail = name.partition(" ")
        return tail if tail and not head.isascii() else name


def audience_label(audience: Audience, directory: Directory) -> str:
    match audience.kind:
        case "public":
            return "public"
        case "delegation":
            if directory.you_state is not None and audience.state == directory.you_state:
                return "to you"
            return f"to {directory.short_name(audience.state or '?')}"
        case "backchannel":
            members = directory.backchannels.get(audience.channel or "")
            if members:
                return "back-channel " + "–".join(directory.short_name(m) for m in members)
            return f"back-channel {audience.channel}"
        case "mediator":
            return "mediator"
        case "moderator":
            return "moderator"
        case "person":
            if directory.you_person is not None and audience.person == directory.you_person:
                return "to you"
            who = directory.people.get(audience.person or "", audience.person or "?")
            return f"to {who}"
    return audience.kind  # pragma: no cover - AudienceKind is closed


# The narrator puts its own marks (☢, ⚠) in titles; errors get one here.
_MARKS = {"error": "✗ "}


def format_deadline(deadline: datetime, now: datetime | None) -> str:
    """An absolute time in the reader's zone, and how far off it is."""
    local = deadline.astimezone() if deadline.tzinfo else deadline
    text = local.strftime("%H:%M")
    if now is None:
        return text
    left = deadline - now
    if left <= timedelta(0):
        return f"{text} (passed)"
    minutes = round(left.total_seconds() / 60)
    if minutes < 1:
        return f"{text} (in under a minute)"
    if minutes < 120:
        return f"{text} (in {minutes} min)"
    return f"{text} (in {minutes // 60} h {minutes % 60:02d} min)"


def action_command(action: Action) -> str:
    """What a terminal player types for a button."""
    if action.command:
        return action.command
    verb = action.verb.replace(".", " ")
    args = " ".join(f"{v}" for v in action.args.values())
    return f"{verb} {args}".strip()


def _wrap(text: str, indent: str = INDENT) -> list[str]:
    lines: list[str] = []
    for paragraph in text.splitlines():
        if not paragraph.strip():
            lines.append("")
            continue
        # Keep list items and tables as they are written, just indented.
        if paragraph.lstrip().startswith(("-", "*", "|", "•")) or len(paragraph) <= WIDTH - len(
            indent
        ):
            lines.append(indent + paragraph)
            continue
        lines.extend(
            textwrap.wrap(
                paragraph,
                width=WIDTH,
                initial_indent=indent,
                subsequent_indent=indent,
                break_long_words=False,
                break_on_hyphens=False,
            )
        )
    return lines


@dataclass(frozen=True)
class Rendered:
    text: str
    actions: tuple[Action, ...]  # in the order they were numbered


def render_notice(
    notice: Notice,
    directory: Directory | None = None,
    *,
    now: datetime | None = None,
    first_action: int = 1,
) -> Rendered:
    directory = directory or Directory()
    label = audience_label(notice.audience, directory)
    mark = _MARKS.get(notice.kind, "")
    speaker = f"{notice.author}: " if notice.author else ""
    lines: list[str] = []
    if notice.kind == "round":
        rule = "─" * max(4, WIDTH - len(notice.title) - len(label) - 8)
        lines.append(f"── [{label}] {notice.title} {rule}")
    else:
        lines.append(f"[{label}] {mark}{speaker}{notice.title}")
    if notice.body:
        lines.extend(_wrap(notice.body))
    for f in notice.fields:
        value_lines = f.value.splitlines() or [""]
        lines.append(f"{INDENT}{f.name}: {value_lines[0]}")
        lines.extend(f"{INDENT}  {extra}" for extra in value_lines[1:])
    if notice.deadline is not None:
        lines.append(f"{INDENT}Deadline: {format_deadline(notice.deadline, now)}")
    for number, action in enumerate(notice.actions, start=first_action):
        lines.append(f"{INDENT}[{number}] {action.label}  →  {action_command(action)}")
    return Rendered("\n".join(lines), tuple(notice.actions))


def render_notices(
    notices: list[Notice],
    directory: Directory | None = None,
    *,
    now: datetime | None = None,
    first_action: int = 1,
) -> Rendered:
    """Several notices, actions numbered across all of them."""
    blocks: list[str] = []
    actions: list[Action] = []
    for notice in notices:
        rendered = render_notice(
            notice, directory, now=now, first_action=first_action + len(actions)
        )
        blocks.append(rendered.text)
        actions.extend(rendered.actions)
    return Rendered("\n".join(blocks), tuple(actions))


def visible_to(notice: Notice, directory: Directory, *, watcher: bool = False) -> bool:
    """Whether the terminal's reader may see this notice. The core decides
    audiences; this only picks which audiences a terminal seat belongs to."""
    if watcher:
        return True
    audience = notice.audience
    match audience.kind:
        case "public":
            return True
        case "delegation":
            return directory.you_state is not None and audience.state == directory.you_state
        case "backchannel":
            members = directory.backchannels.get(audience.channel or "", ())
            return directory.you_state is not None and directory.you_state in members
        case "moderator":
            return directory.you_moderator
        case "mediator":
            return False
        case "person":
            return directory.you_person is not None and audience.person == directory.you_person
    return False  # pragma: no cover


def directory_from_state(
    state: object,
    *,
    you_state: str | None = None,
    you_person: str | None = None,
    you_moderator: bool = False,
) -> Directory:
    """The names a terminal reader needs, from a `game.state.GameState`."""
    from game.state import GameState

    assert isinstance(state, GameState)
    return Directory(
        states={p.id: f"{p.flag} {p.name}" for p in state.scenario.states},
        backchannels={c.id: tuple(c.states) for c in state.backchannels.values()},
        you_state=you_state,
        you_person=you_person,
        you_moderator=you_moderator,
        people={seat.player.key: seat.player.name for seat in state.seats}
        | {state.moderator.key: state.moderator.name},
    )

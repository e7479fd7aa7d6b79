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

import re
import textwrap
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from adapters.mentions import neutralise_mentions
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


def audience_labels(audiences: Sequence[Audience], directory: Directory) -> str:
    """The labels of a block shown to several audiences at once, the public
    first (what the plenary hears, everyone hears), each label once."""
    ordered = sorted(audiences, key=lambda a: a.kind != "public")
    labels: list[str] = []
    for audience in ordered:
        label = audience_label(audience, directory)
        if label not in labels:
            labels.append(label)
    return " · ".join(labels)


# --- player-written text ------------------------------------------------------------


def _plain(text: str) -> str:
    """Markdown emphasis as plain text (a terminal shows the asterisks)."""
    text = re.sub(r"\*\*(.+?)\*\*", r"\1", text)
    return re.sub(r"(?m)^(\s*)_(\S.*?\S)_\s*$", r"\1\2", text)


_AUTHOR = re.compile(r"(?P<player>.+) \((?P<flag>\S+) (?P<state>.+)\)")


def _speaker(author: str) -> str:
    """`Borova Federation (🔶 Borova Federation)` (a computer delegation,
    named after its state) reads `🔶 Borova Federation`."""
    match = _AUTHOR.fullmatch(author)
    if match and match["player"] == match["state"]:
        return f"{match['flag']} {match['state']}"
    return author


def _is_chat(notice: Notice) -> bool:
    """A statement or a back-channel message whose title only names its speaker."""
    if not notice.author or notice.kind not in ("statement", "backchannel"):
        return False
    speaker = notice.title.split(" — ")[0]
    return speaker in notice.author


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
        # Tables stay as written; list items wrap under their text.
        if paragraph.lstrip().startswith("|") or len(paragraph) <= WIDTH - len(indent):
            lines.append(indent + paragraph)
            continue
        stripped = paragraph.lstrip()
        lead = paragraph[: len(paragraph) - len(stripped)]
        hanging = "  " if stripped.startswith(("- ", "* ", "• ")) else ""
        lines.extend(
            textwrap.wrap(
                stripped,
                width=WIDTH,
                initial_indent=indent + lead,
                subsequent_indent=indent + lead + hanging,
                break_long_words=False,
                break_on_hyphens=False,
            )
        )
    return lines


@dataclass(frozen=True)
class Rendered:
    text: str
    actions: tuple[Action, ...]  # in the order they were numbered


def _form_lines(action: Action) -> list[str]:
    """The terms a Counter form lets a player change, with their options, so
    a terminal player can type the counter-offer the form would build."""
    lines = []
    for item in action.form:
        if not item.choices:
            continue
        now = f" (now {item.value})" if item.value else ""
        lines.extend(
            textwrap.wrap(
                f"{item.name}={' | '.join(item.choices)}{now}",
                width=WIDTH,
                initial_indent=INDENT * 2,
                subsequent_indent=INDENT * 2 + "  ",
                break_long_words=False,
                break_on_hyphens=False,
            )
        )
    if lines:
        lines.insert(0, f"{INDENT * 2}change any term as name=option; the options:")
    return lines


def render_notice(
    notice: Notice,
    directory: Directory | None = None,
    *,
    now: datetime | None = None,
    first_action: int = 1,
    also: Iterable[Audience] = (),
    forms: bool = False,
) -> Rendered:
    """One notice as a text block. `also`: further audiences the same notice
    went to (one block, several labels). `forms`: list the terms a Counter
    form offers under its action (for a player, who may type them)."""
    directory = directory or Directory()
    label = audience_labels([notice.audience, *also], directory)
    mark = _MARKS.get(notice.kind, "")
    title = neutralise_mentions(_plain(notice.title))
    body = neutralise_mentions(_plain(notice.body)) if notice.body else ""
    lines: list[str] = []
    if notice.kind == "round":
        rule = "─" * max(4, WIDTH - len(title) - len(label) - 8)
        lines.append(f"── [{label}] {title} {rule}")
    elif _is_chat(notice):
        speaker = neutralise_mentions(_speaker(notice.author or ""))
        header = f"[{label}] {speaker}:"
        if body and "\n" not in body and len(header) + 1 + len(body) <= WIDTH:
            header, body = f"{header} {body}", ""
        lines.append(header)
    else:
        speaker = f"{neutralise_mentions(_speaker(notice.author))}: " if notice.author else ""
        lines.append(f"[{label}] {mark}{speaker}{title}")
    if body:
        lines.extend(_wrap(body))
    for f in notice.fields:
        value_lines = neutralise_mentions(_plain(f.value)).splitlines() or [""]
        lines.append(f"{INDENT}{neutralise_mentions(f.name)}: {value_lines[0]}")
        lines.extend(f"{INDENT}  {extra}" for extra in value_lines[1:])
    if notice.deadline is not None:
        lines.append(f"{INDENT}Deadline: {format_deadline(notice.deadline, now)}")
    for number, action in enumerate(notice.actions, start=first_action):
        lines.append(f"{INDENT}[{number}] {action.label}  →  {action_command(action)}")
        if forms and action.verb == "respond.counter":
            lines.extend(_form_lines(action))
    return Rendered("\n".join(lines), tuple(notice.actions))


def _same_but_audience(a: Notice, b: Notice) -> bool:
    return a.model_dump(exclude={"audience"}) == b.model_dump(exclude={"audience"})


def group_identical(notices: Iterable[Notice]) -> list[tuple[Notice, tuple[Audience, ...]]]:
    """Consecutive notices that differ only in their audience, as one notice
    and every audience it went to (a deal agreed is told to each party, the
    mediator and the plenary in the same words: one block reads better)."""
    groups: list[tuple[Notice, list[Audience]]] = []
    for notice in notices:
        if groups and _same_but_audience(groups[-1][0], notice):
            if notice.audience not in groups[-1][1]:
                groups[-1][1].append(notice.audience)
            continue
        groups.append((notice, [notice.audience]))
    return [(notice, tuple(audiences)) for notice, audiences in groups]


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
    for notice, audiences in group_identical(notices):
        rendered = render_notice(
            notice,
            directory,
            now=now,
            first_action=first_action + len(actions),
            also=audiences[1:],
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

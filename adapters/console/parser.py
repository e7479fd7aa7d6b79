"""Typed text -> a command, with the same verbs and arguments as the slash
commands (PLATFORM-UX.md): `game`, `propose`, `respond`, `talk`, `intel`,
`forum`, `mediate`, `me`, `help` (and `ready`, the core's own verb).

`parse(text, known)` returns either a `CommandIntent` (a core command
still missing its id, game and actor, which the session adds) or a
`LocalIntent` (help, quit, status, `me`, a numbered action, waiting) that
the terminal answers itself. Bad input raises `ParseError` with a specific
message and a hint; a mistyped verb suggests the closest one.

Ids are forgiving, as autocomplete is on Discord: a state by id or name in
any case, a catalog entry by its id or a unique part of it
("hotline" for "bilateral-hotline"), proposals as "p1" or "P1". Nothing
here knows the rules: whether the move is allowed is the core's answer.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import ValidationError

from game.base import CommandBase, PlayerRef
from game.commands import (
    COMMAND_ADAPTER,
    AcceptProposal,
    AcceptWithConditions,
    AdvanceRound,
    AssignSeat,
    Attribute,
    CallCooloff,
    CastVote,
    CloseBackchannel,
    Command,
    ConsentMediation,
    CounterProposal,
    EndGame,
    EngageActor,
    ExtendDeadline,
    FillSeats,
    InjectEvent,
    Investigate,
    JoinGame,
    KickPlayer,
    LeaveGame,
    MakeStatement,
    MarkReady,
    MediatorText,
    OpenBackchannel,
    PauseGame,
    PickState,
    ProposeAgreement,
    ProposeAssistance,
    ProposeCBM,
    ProposeCooperation,
    ProposeNorm,
    RejectProposal,
    RequestMediation,
    ResumeGame,
    ReviseText,
    RuleArbitration,
    SetEarlyAdvance,
    SetMediationDeadline,
    StandDown,
    StartGame,
    TableDraft,
    TakeMeasure,
    Whisper,
    WithdrawProposal,
)
from game.scenario import SECTORS


class ParseError(Exception):
    """The text is not a command we understand. `message` says what is wrong,
    `hint` what to type instead."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message}\n  {self.hint}" if self.hint else self.message


@dataclass(frozen=True)
class Known:
    """What the parser may check names against (all optional: unknown kinds
    pass through for the core to judge). Built from the game's state by the
    session; `states` maps id -> display name."""

    states: Mapping[str, str] = field(default_factory=dict)
    groups: Mapping[str, str] = field(default_factory=dict)
    cbms: Iterable[str] = ()
    norms: Iterable[str] = ()
    clauses: Mapping[str, Iterable[str]] = field(default_factory=dict)  # clause -> options
    incidents: Iterable[str] = ()
    actors: Iterable[str] = ()
    responses: Iterable[str] = ()
    scenarios: Iterable[str] = ()
    people: Mapping[str, PlayerRef] = field(default_factory=dict)  # lower-case name -> player


@dataclass(frozen=True)
class CommandIntent:
    """A core command, still without its id, game and actor."""

    kind: type[CommandBase]
    fields: dict[str, Any]

    def build(self, *, command_id: str, game_id: str, actor: PlayerRef) -> Command:
        data = {
            **self.fields,
            "type": self.kind.model_fields["type"].default,
            "command_id": command_id,
            "game_id": game_id,
            "actor": actor,
        }
        try:
            return COMMAND_ADAPTER.validate_python(data)
        except ValidationError as exc:
            problem = exc.errors()[0]
            where = ".".join(str(p) for p in problem["loc"][1:] or problem["loc"])
            raise ParseError(
                f"{where}: {problem['msg']}", f"Type `help {verb_of(self.kind)}` for the syntax."
            ) from None


LocalName = Literal["help", "quit", "status", "me", "action", "wait", "new", "export", "empty"]


@dataclass(frozen=True)
class LocalIntent:
    """Something the terminal answers itself, without the core."""

    name: LocalName
    args: tuple[str, ...] = ()


Intent = CommandIntent | LocalIntent


# --- the verbs --------------------------------------------------------------------------

# verb -> subcommand -> the command it builds. `None`: answered by the terminal.
VERBS: dict[str, dict[str, type[CommandBase] | None]] = {
    "game": {
        "new": None,
        "join": JoinGame,
        "leave": LeaveGame,
        "pick": PickState,
        "seat": AssignSeat,
        "fill": FillSeats,
        "early": SetEarlyAdvance,
        "start": StartGame,
        "status": None,
        "pause": PauseGame,
        "resume": ResumeGame,
        "advance": AdvanceRound,
        "inject": InjectEvent,
        "extend": ExtendDeadline,
        "kick": KickPlayer,
        "end": EndGame,
        "export": None,
        "ready": MarkReady,
    },
    "propose": {
        "cbm": ProposeCBM,
        "agreement": ProposeAgreement,
        "norm": ProposeNorm,
        "assistance": ProposeAssistance,
        "cooperation": ProposeCooperation,
        "table": TableDraft,
    },
    "respond": {
        "accept": AcceptProposal,
        "reject": RejectProposal,
        "counter": CounterProposal,
        "withdraw": WithdrawProposal,
    },
    "talk": {
        "say": MakeStatement,
        "backchannel": OpenBackchannel,
        "whisper": Whisper,
    },
    "intel": {
        "investigate": Investigate,
        "attribute": Attribute,
        "measure": TakeMeasure,
        "engage": EngageActor,
        "standdown": StandDown,
    },
    "forum": {"vote": CastVote},
    "mediate": {
        "request": RequestMediation,
        "consent": ConsentMediation,
        "text": MediatorText,
        "revise": ReviseText,
        "deadline": SetMediationDeadline,
        "cooloff": CallCooloff,
        "rule": RuleArbitration,
    },
    "me": {"briefing": None, "objectives": None, "capital": None, "proposals": None},
    "help": {},
    "ready": {},
    "wait": {},
    "quit": {},
}
ALIASES = {"exit": "quit", "?": "help", "next": "wait"}


def verb_of(kind: type[CommandBase]) -> str:
    for verb, subs in VERBS.items():
        for sub, cls in subs.items():
            if cls is kind:
                return f"{verb} {sub}"
    if kind is MarkReady:
        return "ready"
    return kind.__name__


def suggest(word: str, choices: Iterable[str], n: int = 3) -> list[str]:
    return difflib.get_close_matches(word.lower(), list(choices), n=n, cutoff=0.6)


def _did_you_mean(options: list[str], *, quote: bool = True) -> str:
    if not options:
        return ""
    shown = [f"`{o}`" if quote else o for o in options]
    return "Did you mean " + " or ".join(shown) + "?"


# --- entry point ------------------------------------------------------------------------


def parse(text: str, known: Known | None = None) -> Intent:
    known = known or Known()
    words = text.strip().split()
    if not words:
        return LocalIntent("empty")
    if words[0].lstrip("/").lower() == "detente":  # "/detente propose …" as on Slack
        words = words[1:]
        if not words:
            return LocalIntent("help")
    head = words[0].lstrip("/").lower()
    head = ALIASES.get(head, head)
    if head.isdigit():
        return LocalIntent("action", (head,))
    if head not in VERBS:
        raise _unknown_verb(head, words)
    rest = words[1:]
    if head == "help":
        return LocalIntent("help", tuple(w.lower() for w in rest[:2]))
    if head == "quit":
        return LocalIntent("quit")
    if head == "wait":
        return LocalIntent("wait", tuple(rest[:1]))
    if head == "ready":
        return _ready(rest)
    if head == "me":
        what = rest[0].lower() if rest else ""
        if what and what not in VERBS["me"]:
            raise ParseError(
                f"`me` has no part '{what}'.",
                f"Type `me` for everything, or one of: me {', me '.join(VERBS['me'])}.",
            )
        return LocalIntent("me", (what,) if what else ())
    if not rest:
        raise ParseError(
            f"`{head}` needs a subcommand: {', '.join(VERBS[head])}.",
            f"Type `help {head}` for what each does.",
        )
    sub = rest[0].lower()
    if sub not in VERBS[head]:
        close = suggest(sub, VERBS[head])
        hint = _did_you_mean([f"{head} {c}" for c in close]) or f"Type `help {head}`."
        tail = " ".join(rest[1:])
        if close and tail:
            hint += f" Type `{head} {close[0]} {tail}`."
        raise ParseError(
            f"`{head}` has no subcommand '{sub}'. It has: {', '.join(VERBS[head])}.", hint
        )
    args = rest[1:]
    raw_rest = _rest_of_line(text, 3 if _has_prefix(text) else 2)
    handler = _HANDLERS[(head, sub)]
    try:
        return handler(_Args(head, sub, args, raw_rest, known))
    except ParseError:
        raise
    except _Usage as usage:
        raise ParseError(usage.message, f"Usage: {usage_of(head, sub)}") from None


def _has_prefix(text: str) -> bool:
    first = text.strip().split()[0].lstrip("/").lower()
    return first == "detente"


def _rest_of_line(text: str, skip_words: int) -> str:
    """The text after the first `skip_words` words, as typed (spacing and
    quotes kept), for free text like statements."""
    rest = text.strip()
    for _ in range(skip_words):
        parts = rest.split(None, 1)
        rest = parts[1] if len(parts) > 1 else ""
    return rest.strip()


def _unknown_verb(head: str, words: list[str]) -> ParseError:
    # A subcommand typed without its verb ("accept P1"): name the full command.
    owners = [v for v, subs in VERBS.items() if head in subs]
    if len(owners) == 1:
        full = " ".join([owners[0], head, *words[1:]])
        return ParseError(f"'{head}' is a `{owners[0]}` subcommand.", f"Type `{full}`.")
    close = suggest(head, [*VERBS, *ALIASES])
    if not close:
        subs = {s: v for v, ss in VERBS.items() for s in ss}
        close = [f"{subs[s]} {s}" for s in suggest(head, subs)]
    hint = _did_you_mean(close) or "Type `help` for the list of commands."
    rest = " ".join(words[1:])
    if close and rest:  # the whole line as it was probably meant, ready to retype
        hint += f" Type `{close[0]} {rest}`."
    return ParseError(f"Unknown command '{head}'.", hint)


class _Usage(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class _Args:
    verb: str
    sub: str
    words: list[str]
    raw: str  # everything after "verb sub", as typed
    known: Known

    def need(self, count: int, what: str) -> None:
        if len(self.words) < count:
            raise _Usage(f"`{self.verb} {self.sub}` needs {what}.")

    def at_most(self, count: int) -> None:
        if len(self.words) > count:
            extra = " ".join(self.words[count:])
            raise _Usage(f"Unexpected '{extra}' after `{self.verb} {self.sub}`.")


# --- resolving names ----------------------------------------------------------------------


# Where the ids of each kind are listed, for the hint of a name not found.
_WHERE_LISTED = {
    "state": "`game status` lists the states",
    "state or group": "`game status` lists the states; evidence names the groups",
    "clause": "`help propose agreement` lists the clauses and their options",
    "CBM": "`help propose cbm` lists the measures",
    "norm": "`help propose norm` lists the norms",
    "actor": "`help intel engage` lists the actors",
    "response": "`help intel measure` lists the responses",
}


def resolve(
    value: str,
    known: Iterable[str] | Mapping[str, str],
    what: str,
    *,
    plural: str | None = None,
    listed: str | None = None,
) -> str:
    """An id from what the player typed: the id itself in any case, a display
    name (for mappings id -> name), or a unique prefix or part of an id.
    `what` names the kind in messages ("CBM"), `plural` its plural when not
    `what` + s ("options of no-ip-theft"); `listed` says where the player finds the ids (a hint)."""
    ids = list(known.keys()) if isinstance(known, Mapping) else list(known)
    if not ids:
        return value
    lowered = value.lower()
    for i in ids:
        if i.lower() == lowered:
            return i
    if isinstance(known, Mapping):
        for i, name in known.items():
            if name.lower() == lowered or _bare(name).lower() == lowered:
                return i
    for matches in (
        [i for i in ids if i.lower().startswith(lowered)],
        [i for i in ids if lowered in i.lower()],
    ):
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            raise ParseError(
                f"'{value}' could be several {what}s: {', '.join(sorted(matches))}.",
                "Type more of the id.",
            )
    close = suggest(value, ids)
    listing = ", ".join(sorted(ids)) if len(ids) <= 12 else f"{len(ids)} of them"
    where = listed or _WHERE_LISTED.get(what, f"`help` says where to find the {what}s")
    raise ParseError(
        f"No {what} '{value}'. Known {plural or what + 's'}: {listing}.",
        _did_you_mean(close, quote=False) or where[:1].upper() + where[1:] + ".",
    )


def _bare(name: str) -> str:
    head, _, tail = name.partition(" ")
    return tail if tail and not head.isascii() else name


def _state(a: _Args, value: str) -> str:
    return resolve(value, a.known.states, "state")


def _states(a: _Args, values: list[str]) -> list[str]:
    out: list[str] = []
    for v in values:
        for part in v.split(","):
            if part:
                out.append(_state(a, part))
    return out


def _proposal(value: str) -> str:
    return _ident(value, "P", "proposal")


def _ident(value: str, prefix: str, what: str) -> str:
    v = value.strip().upper()
    if v.isdigit():
        v = prefix + v
    if not (v.startswith(prefix) and v[1:].isdigit()):
        raise ParseError(
            f"'{value}' is not a {what} id.",
            f"{what.capitalize()} ids look like {prefix}1, {prefix}2 … (see `game status`).",
        )
    return v


def _version(value: str) -> int:
    v = value.lower().removeprefix("v")
    if not v.isdigit():
        raise ParseError(f"'{value}' is not a version number.", "Versions are 1, 2, 3 …")
    return int(v)


def _minutes(value: str) -> int:
    v = value.lower().removesuffix("min").removesuffix("m")
    if not v.isdigit() or int(v) < 1:
        raise ParseError(f"'{value}' is not a number of minutes.", "For example: 5")
    return int(v)


def _sector(value: str) -> str:
    v = value.lower()
    if v in SECTORS:
        return v
    raise ParseError(
        f"No sector '{value}'. Sectors: {', '.join(SECTORS)}.",
        _did_you_mean(suggest(v, SECTORS), quote=False),
    )


def _culprit(a: _Args, value: str) -> str:
    pool = {**a.known.states, **a.known.groups}
    return resolve(value, pool, "state or group")


def _player(a: _Args, value: str) -> PlayerRef:
    person = a.known.people.get(value.lower().lstrip("@"))
    if person is not None:
        return person
    names = sorted(a.known.people)
    raise ParseError(
        f"No player '{value}' in this game." + (f" Players: {', '.join(names)}." if names else ""),
        _did_you_mean(suggest(value, names), quote=False) or "See `game status` for the players.",
    )


def _terms(a: _Args, words: list[str]) -> tuple[dict[str, str], dict[str, str]]:
    """key=value words: clause settings (clause -> option) and named terms
    (cbm=, sector=, parties=)."""
    clauses: dict[str, str] = {}
    named: dict[str, str] = {}
    for word in words:
        key, sep, value = word.partition("=")
        if not sep or not key or not value:
            raise _Usage(f"'{word}' should be <clause>=<option> (or cbm=, sector=, parties=).")
        key = key.lower()
        if key in ("cbm", "sector", "parties"):
            named[key] = value
            continue
        clause = resolve(key, list(a.known.clauses), "clause")
        options = list(a.known.clauses.get(clause, ()))
        clauses[clause] = (
            resolve(
                value,
                options,
                f"option of {clause}",
                plural=f"options of {clause}",
                listed="`help propose agreement` lists every clause and its options",
            )
            if options
            else value
        )
    return clauses, named


def _intent(kind: type[CommandBase], **fields: Any) -> CommandIntent:
    return CommandIntent(kind, {k: v for k, v in fields.items() if v is not None})


# --- one function per subcommand -----------------------------------------------------------


def _ready(words: list[str]) -> CommandIntent:
    if words and words[0].lower() not in ("off", "on"):
        raise ParseError(f"`ready` takes nothing or `off`, not '{words[0]}'.", "Usage: ready [off]")
    return _intent(MarkReady, ready=not (words and words[0].lower() == "off"))


def _game_new(a: _Args) -> Intent:
    a.at_most(2)
    return LocalIntent("new", tuple(a.words))


def _game_join(a: _Args) -> Intent:
    words = list(a.words)
    role = "delegate"
    if len(words) >= 2 and words[-2].lower() == "as":
        role = words[-1].lower()
        if role not in ("observer", "mediator"):
            raise _Usage(f"Join as 'observer' or 'mediator', not '{words[-1]}'.")
        words = words[:-2]
    elif words and words[-1].lower() in ("observer", "mediator"):
        role = words.pop().lower()
    if len(words) > 1:
        raise _Usage(f"Unexpected '{' '.join(words[1:])}'.")
    state = _state(a, words[0]) if words else None
    return _intent(JoinGame, state=state, role=role)


def _game_leave(a: _Args) -> Intent:
    a.at_most(0)
    return _intent(LeaveGame)


def _game_pick(a: _Args) -> Intent:
    a.need(1, "a state")
    a.at_most(1)
    return _intent(PickState, state=_state(a, a.words[0]))


def _game_seat(a: _Args) -> Intent:
    a.need(2, "a player and a state (or mediator / observer)")
    a.at_most(3)
    player = _player(a, a.words[0])
    target = a.words[1].lower()
    lead = len(a.words) == 3
    if lead and a.words[2].lower() != "lead":
        raise _Usage(f"Unexpected '{a.words[2]}' (only `lead` may follow the state).")
    if target in ("mediator", "observer"):
        return _intent(AssignSeat, player=player, role=target, lead=lead)
    return _intent(AssignSeat, player=player, state=_state(a, a.words[1]), lead=lead)


def _game_fill(a: _Args) -> Intent:
    return _intent(FillSeats, states=_states(a, a.words))


def _game_early(a: _Args) -> Intent:
    a.need(1, "on or off")
    a.at_most(1)
    value = a.words[0].lower()
    if value not in ("on", "off"):
        raise _Usage(f"`game early` takes on or off, not '{a.words[0]}'.")
    return _intent(SetEarlyAdvance, allowed=value == "on")


def _simple(kind: type[CommandBase]):  # noqa: ANN202 - a handler
    def handler(a: _Args) -> Intent:
        a.at_most(0)
        return _intent(kind)

    return handler


def _game_start(a: _Args) -> Intent:
    a.at_most(1)
    if a.words and a.words[0].lower() != "rehearsal":
        raise _Usage(f"Only `rehearsal` may follow `game start`, not '{a.words[0]}'.")
    return _intent(StartGame, rehearsal=bool(a.words))


def _game_status(a: _Args) -> Intent:
    return LocalIntent("status")


def _game_export(a: _Args) -> Intent:
    a.at_most(1)
    return LocalIntent("export", tuple(a.words))


def _game_inject(a: _Args) -> Intent:
    a.need(1, "a scheduled inject number, or `news <headline>`")
    first = a.words[0].lower()
    if first.isdigit():
        a.at_most(1)
        return _intent(InjectEvent, scheduled=int(first))
    if first == "news":
        headline = _rest_of_line(a.raw, 1)
        if not headline:
            raise _Usage("`game inject news` needs a headline.")
        return _intent(InjectEvent, inject={"kind": "news", "round": 1, "headline": headline})
    if first == "incident":
        # game inject incident <template> <victim> <author> [severity]
        if len(a.words) not in (4, 5):
            raise _Usage("`game inject incident` needs <template> <victim> <author> [severity].")
        inject: dict[str, Any] = {
            "kind": "incident",
            "round": 1,
            "headline": f"Incident: {a.words[1]}",
            "template": a.words[1],
            "victim": _state(a, a.words[2]),
            "author": _culprit(a, a.words[3]),
        }
        if len(a.words) == 5:
            if not a.words[4].isdigit():
                raise _Usage(f"Severity is 1–5, not '{a.words[4]}'.")
            inject["severity"] = int(a.words[4])
        return _intent(InjectEvent, inject=inject)
    raise _Usage(f"'{a.words[0]}' is not an inject: give its number, `news …` or `incident …`.")


def _game_extend(a: _Args) -> Intent:
    a.need(1, "a number of minutes")
    a.at_most(2)
    proposal = _proposal(a.words[1]) if len(a.words) == 2 else None
    return _intent(ExtendDeadline, minutes=_minutes(a.words[0]), proposal=proposal)


def _game_kick(a: _Args) -> Intent:
    a.need(1, "a player's name")
    a.at_most(1)
    return _intent(KickPlayer, player=_player(a, a.words[0]))


def _game_ready(a: _Args) -> Intent:
    return _ready(a.words)


def _drafting(a: _Args) -> tuple[list[str], bool]:
    words = list(a.words)
    draft = bool(words) and words[-1].lower() == "draft"
    return (words[:-1] if draft else words), draft


def _propose_cbm(a: _Args) -> Intent:
    words, draft = _drafting(a)
    if len(words) < 2:
        raise _Usage("`propose cbm` needs a measure and at least one state.")
    cbm = resolve(words[0], list(a.known.cbms), "CBM")
    return _intent(ProposeCBM, cbm=cbm, parties=_states(a, words[1:]), draft=draft)


def _propose_agreement(a: _Args) -> Intent:
    words, draft = _drafting(a)
    states = [w for w in words if "=" not in w]
    terms = [w for w in words if "=" in w]
    if not states or not terms:
        raise _Usage("`propose agreement` needs a state and at least one <clause>=<option>.")
    clauses, named = _terms(a, terms)
    if named:
        raise _Usage(f"An agreement takes clauses only, not {', '.join(named)}=.")
    return _intent(ProposeAgreement, parties=_states(a, states), clauses=clauses, draft=draft)


def _propose_norm(a: _Args) -> Intent:
    words, draft = _drafting(a)
    if len(words) != 1:
        raise _Usage("`propose norm` needs one norm.")
    return _intent(ProposeNorm, norm=resolve(words[0], list(a.known.norms), "norm"), draft=draft)


def _propose_assistance(a: _Args) -> Intent:
    words, draft = _drafting(a)
    if len(words) != 2:
        raise _Usage("`propose assistance` needs a state and a sector.")
    return _intent(
        ProposeAssistance, recipient=_state(a, words[0]), sector=_sector(words[1]), draft=draft
    )


def _propose_cooperation(a: _Args) -> Intent:
    words, draft = _drafting(a)
    if len(words) != 2:
        raise _Usage("`propose cooperation` needs an incident and a state.")
    incident = _ident(words[0], "I", "incident")
    return _intent(
        ProposeCooperation, incident=incident, requested=_state(a, words[1]), draft=draft
    )


def _propose_table(a: _Args) -> Intent:
    a.need(1, "a draft proposal id")
    a.at_most(1)
    return _intent(TableDraft, proposal=_proposal(a.words[0]))


def _respond_accept(a: _Args) -> Intent:
    a.need(1, "a proposal id")
    words = list(a.words)
    proposal = _proposal(words.pop(0))
    version = _version(words.pop(0)) if words and words[0].lower() != "if" else None
    if not words:
        return _intent(AcceptProposal, proposal=proposal, version=version)
    if words[0].lower() != "if" or len(words) != 2:
        raise _Usage("After the version, only `if <clause>=<option>` may follow.")
    clauses, named = _terms(a, words[1:])
    if named or len(clauses) != 1:
        raise _Usage("A condition names one clause: `if <clause>=<option>`.")
    ((clause, option),) = clauses.items()
    return _intent(
        AcceptWithConditions, proposal=proposal, version=version, clause=clause, option=option
    )


def _respond_reject(a: _Args) -> Intent:
    a.need(1, "a proposal id")
    a.at_most(2)
    version = _version(a.words[1]) if len(a.words) == 2 else None
    return _intent(RejectProposal, proposal=_proposal(a.words[0]), version=version)


def _respond_counter(a: _Args) -> Intent:
    a.need(2, "a proposal id and the terms you change")
    words = list(a.words)
    proposal = _proposal(words.pop(0))
    version = _version(words.pop(0)) if words and "=" not in words[0] else None
    if not words:
        raise _Usage("A counter-offer changes at least one term (<clause>=<option>, cbm=, …).")
    clauses, named = _terms(a, words)
    fields: dict[str, Any] = {"proposal": proposal, "version": version, "clauses": clauses}
    if "cbm" in named:
        fields["cbm"] = resolve(named["cbm"], list(a.known.cbms), "CBM")
    if "sector" in named:
        fields["sector"] = _sector(named["sector"])
    if "parties" in named:
        fields["parties"] = _states(a, [named["parties"]])
    return _intent(CounterProposal, **fields)


def _respond_withdraw(a: _Args) -> Intent:
    a.need(1, "a proposal id")
    a.at_most(1)
    return _intent(WithdrawProposal, proposal=_proposal(a.words[0]))


def _talk_say(a: _Args) -> Intent:
    if not a.raw:
        raise _Usage("`talk say` needs what you want to say.")
    return _intent(MakeStatement, text=a.raw)


def _talk_backchannel(a: _Args) -> Intent:
    a.need(2, "open <state>… or close <channel>")
    action = a.words[0].lower()
    if action == "close":
        if len(a.words) != 2:
            raise _Usage("`talk backchannel close` needs one channel id.")
        return _intent(CloseBackchannel, channel=_ident(a.words[1], "B", "back-channel"))
    if action != "open":
        raise _Usage(f"`talk backchannel` takes open or close, not '{a.words[0]}'.")
    words = a.words[1:]
    with_mediator = False
    if len(words) >= 2 and [w.lower() for w in words[-2:]] == ["with", "mediator"]:
        with_mediator, words = True, words[:-2]
    elif words and words[-1].lower() == "mediator":
        with_mediator, words = True, words[:-1]
    if not words:
        raise _Usage("Name at least one state to talk with.")
    return _intent(OpenBackchannel, states=_states(a, words), with_mediator=with_mediator)


def _talk_whisper(a: _Args) -> Intent:
    a.need(2, "a back-channel id and what you want to say")
    return _intent(
        Whisper, channel=_ident(a.words[0], "B", "back-channel"), text=_rest_of_line(a.raw, 1)
    )


def _intel_investigate(a: _Args) -> Intent:
    a.need(1, "an incident id")
    a.at_most(2)
    actor = resolve(a.words[1], list(a.known.actors), "actor") if len(a.words) == 2 else None
    return _intent(Investigate, incident=_ident(a.words[0], "I", "incident"), actor_id=actor)


def _intel_attribute(a: _Args) -> Intent:
    a.need(2, "an incident id and the state or group you name")
    a.at_most(2)
    return _intent(
        Attribute, incident=_ident(a.words[0], "I", "incident"), culprit=_culprit(a, a.words[1])
    )


def _intel_measure(a: _Args) -> Intent:
    a.need(2, "a response and a state")
    a.at_most(2)
    response = resolve(a.words[0], list(a.known.responses), "response")
    return _intent(TakeMeasure, response=response, target=_state(a, a.words[1]))


def _intel_engage(a: _Args) -> Intent:
    a.need(2, "an actor and a sector")
    a.at_most(2)
    actor = resolve(a.words[0], list(a.known.actors), "actor")
    return _intent(EngageActor, actor_id=actor, sector=_sector(a.words[1]))


def _intel_standdown(a: _Args) -> Intent:
    a.need(1, "an operation (incident) id")
    a.at_most(1)
    return _intent(StandDown, operation=_ident(a.words[0], "I", "operation"))


def _forum_vote(a: _Args) -> Intent:
    a.need(2, "a proposal id and yes, no or abstain")
    a.at_most(2)
    vote = a.words[1].lower()
    if vote not in ("yes", "no", "abstain"):
        raise _Usage(f"Vote yes, no or abstain, not '{a.words[1]}'.")
    return _intent(CastVote, proposal=_proposal(a.words[0]), vote=vote)


def _mediate_request(a: _Args) -> Intent:
    words = list(a.words)
    binding = bool(words) and words[-1].lower() in ("binding", "arbitration")
    if binding:
        words.pop()
    if len(words) != 1:
        raise _Usage("`mediate request` needs one proposal id or one state.")
    target = words[0]
    if target.upper().startswith("P") and target[1:].isdigit():
        return _intent(RequestMediation, proposal=_proposal(target), arbitration=binding)
    return _intent(RequestMediation, with_state=_state(a, target), arbitration=binding)


def _mediation(value: str) -> str:
    return _ident(value, "M", "mediation")


def _mediate_consent(a: _Args) -> Intent:
    a.need(1, "a mediation id")
    a.at_most(2)
    binding = len(a.words) == 2
    if binding and a.words[1].lower() not in ("binding", "arbitration"):
        raise _Usage(f"Only `binding` may follow the mediation id, not '{a.words[1]}'.")
    return _intent(ConsentMediation, mediation=_mediation(a.words[0]), arbitration=binding)


def _mediator_terms(kind: type[CommandBase], *, need_terms: bool):  # noqa: ANN202
    def handler(a: _Args) -> Intent:
        a.need(2 if need_terms else 1, "a mediation id" + (" and terms" if need_terms else ""))
        clauses, named = _terms(a, a.words[1:])
        extra = set(named) - {"cbm"}
        if extra:
            raise _Usage(f"Only clauses and cbm= may be set here, not {', '.join(extra)}=.")
        cbm = resolve(named["cbm"], list(a.known.cbms), "CBM") if "cbm" in named else None
        return _intent(kind, mediation=_mediation(a.words[0]), clauses=clauses, cbm=cbm)

    return handler


def _mediate_deadline(a: _Args) -> Intent:
    a.need(2, "a mediation id and a number of minutes")
    a.at_most(2)
    return _intent(
        SetMediationDeadline, mediation=_mediation(a.words[0]), minutes=_minutes(a.words[1])
    )


def _mediate_cooloff(a: _Args) -> Intent:
    a.need(1, "a number of minutes")
    return _intent(CallCooloff, minutes=_minutes(a.words[0]), states=_states(a, a.words[1:]))


_HANDLERS = {
    ("game", "new"): _game_new,
    ("game", "join"): _game_join,
    ("game", "leave"): _game_leave,
    ("game", "pick"): _game_pick,
    ("game", "seat"): _game_seat,
    ("game", "fill"): _game_fill,
    ("game", "early"): _game_early,
    ("game", "start"): _game_start,
    ("game", "status"): _game_status,
    ("game", "pause"): _simple(PauseGame),
    ("game", "resume"): _simple(ResumeGame),
    ("game", "advance"): _simple(AdvanceRound),
    ("game", "inject"): _game_inject,
    ("game", "extend"): _game_extend,
    ("game", "kick"): _game_kick,
    ("game", "end"): _simple(EndGame),
    ("game", "export"): _game_export,
    ("game", "ready"): _game_ready,
    ("propose", "cbm"): _propose_cbm,
    ("propose", "agreement"): _propose_agreement,
    ("propose", "norm"): _propose_norm,
    ("propose", "assistance"): _propose_assistance,
    ("propose", "cooperation"): _propose_cooperation,
    ("propose", "table"): _propose_table,
    ("respond", "accept"): _respond_accept,
    ("respond", "reject"): _respond_reject,
    ("respond", "counter"): _respond_counter,
    ("respond", "withdraw"): _respond_withdraw,
    ("talk", "say"): _talk_say,
    ("talk", "backchannel"): _talk_backchannel,
    ("talk", "whisper"): _talk_whisper,
    ("intel", "investigate"): _intel_investigate,
    ("intel", "attribute"): _intel_attribute,
    ("intel", "measure"): _intel_measure,
    ("intel", "engage"): _intel_engage,
    ("intel", "standdown"): _intel_standdown,
    ("forum", "vote"): _forum_vote,
    ("mediate", "request"): _mediate_request,
    ("mediate", "consent"): _mediate_consent,
    ("mediate", "text"): _mediator_terms(MediatorText, need_terms=False),
    ("mediate", "revise"): _mediator_terms(ReviseText, need_terms=True),
    ("mediate", "deadline"): _mediate_deadline,
    ("mediate", "cooloff"): _mediate_cooloff,
    ("mediate", "rule"): _mediator_terms(RuleArbitration, need_terms=False),
}


def usage_of(verb: str, sub: str) -> str:
    from adapters.console.help import usage

    return usage(verb, sub)

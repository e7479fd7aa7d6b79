"""Help texts for the terminal: `help`, `help VERB`, `help VERB SUB`.

The usage line and description of every core command come from its
docstring in game/commands.py (the verb as players type it), so help never
drifts from the commands; the terminal's own verbs (status, me, wait, quit…)
are described here. Examples use the ids of the game at hand when there is
one ("propose cbm osce-1106-contact-point borova"), placeholders otherwise.
"""

from __future__ import annotations

import difflib
import inspect
import textwrap

from adapters.console.parser import VERBS, Known
from game.commands import AcceptWithConditions, CloseBackchannel
from game.scenario import SECTORS

VERB_SUMMARY = {
    "game": "the session: join, pick a state, start, status; moderator: pause, advance, end …",
    "propose": "table a proposal: cbm, agreement, norm, assistance, cooperation",
    "respond": "answer a proposal: accept, reject, counter, withdraw",
    "talk": "speak: in public (say), in a back-channel (backchannel, whisper)",
    "intel": "incidents: investigate, attribute, diplomatic measures, private-sector actors",
    "forum": "vote on a norm at the multilateral table",
    "mediate": "mediation: request, consent; the mediator's text, revisions, cooling-off",
    "me": "your delegation: briefing, secret objectives, capital, open proposals",
    "ready": "your delegation is done for this round (`ready off` to take it back)",
    "wait": "let time run to the next deadline (the computer delegations move meanwhile)",
    "help": "this help; `help VERB` for one verb, `help VERB SUB` for one command",
    "quit": "leave the terminal; the game is saved and `detente play` resumes it",
}

# The terminal's own subcommands (no core command behind them).
LOCAL_HELP = {
    ("game", "new"): (
        "game new <scenario> [seed]",
        "Start a new game of a scenario in this terminal (you moderate it).",
    ),
    ("game", "status"): (
        "game status",
        "The round, the deadline, tensions, open proposals, incidents and back-channels "
        "you can see.",
    ),
    ("game", "export"): (
        "game export [md|json]",
        "Write this game's transcript and event log to a file in the current folder.",
    ),
    ("me", "briefing"): ("me briefing", "Your delegation's briefing and interests."),
    ("me", "objectives"): ("me objectives", "Your secret objectives (only you see them)."),
    ("me", "capital"): ("me capital", "Your diplomatic capital and what moves cost."),
    ("me", "proposals"): ("me proposals", "The proposals that concern you and their status."),
}

EXAMPLES = {
    ("game", "join"): ["game join {state}", "game join as observer"],
    ("game", "pick"): ["game pick {state}"],
    ("game", "extend"): ["game extend 5", "game extend 5 P1"],
    ("game", "inject"): ["game inject 0", "game inject news Markets fall on grid fears"],
    ("propose", "cbm"): ["propose cbm {cbm} {state}"],
    ("propose", "agreement"): ["propose agreement {state} {clause}={option}"],
    ("propose", "norm"): ["propose norm {norm}"],
    ("propose", "assistance"): ["propose assistance {state} energy"],
    ("propose", "cooperation"): ["propose cooperation I1 {state}"],
    ("respond", "accept"): ["respond accept P1", "respond accept P1 2 if {clause}={option}"],
    ("respond", "reject"): ["respond reject P1"],
    ("respond", "counter"): [
        "respond counter P1 1 {clause}={option}",
        "respond counter P2 1 cbm={cbm}",
    ],
    ("talk", "say"): ["talk say We call on all parties to show restraint."],
    ("talk", "backchannel"): ["talk backchannel open {state}", "talk backchannel close B1"],
    ("talk", "whisper"): ["talk whisper B1 Could you live with a hotline first?"],
    ("intel", "investigate"): ["intel investigate I1", "intel investigate I1 {actor}"],
    ("intel", "attribute"): ["intel attribute I1 {state}"],
    ("intel", "measure"): ["intel measure {response} {state}"],
    ("intel", "engage"): ["intel engage {actor} energy"],
    ("forum", "vote"): ["forum vote P2 yes"],
    ("mediate", "request"): ["mediate request P1", "mediate request {state} binding"],
    ("mediate", "consent"): ["mediate consent M1", "mediate consent M1 binding"],
    ("mediate", "text"): ["mediate text M1 {clause}={option}"],
    ("mediate", "cooloff"): ["mediate cooloff 10"],
}


# Commands whose docstring has a usage line only.
MISSING_DESCRIPTIONS = {
    ("mediate", "deadline"): "The mediator sets the minutes the parties have to answer its text.",
    ("respond", "reject"): "Turn the proposal down (its current version, or the version named).",
    ("respond", "withdraw"): "Take back a proposal you tabled, before it is agreed.",
    ("forum", "vote"): "Your state's vote on a norm tabled at the forum; it closes when all voted "
    "or at its deadline.",
}


def _first_sentence(text: str) -> str:
    """The first sentence, not cut at an abbreviation ("e.g.", "i.e.")."""
    protected = text.replace("e.g. ", "e.g.\0").replace("i.e. ", "i.e.\0")
    return protected.split(". ")[0].rstrip(".").replace("\0", " ")


def _docstring_usage(verb: str, sub: str) -> tuple[str, str]:
    kind = VERBS[verb][sub]
    if kind is None:
        return LOCAL_HELP[(verb, sub)]
    doc = " ".join(inspect.cleandoc(kind.__doc__ or "").split())
    usage, _, description = doc.partition(" — ")
    if verb == "talk" and sub == "backchannel":
        close_usage = " ".join(inspect.cleandoc(CloseBackchannel.__doc__ or "").split())
        usage = f"{usage}  |  {close_usage}"
    if verb == "respond" and sub == "accept":
        conditional = " ".join(inspect.cleandoc(AcceptWithConditions.__doc__ or "").split())
        cond_usage, _, cond_text = conditional.partition(" — ")
        usage = f"{usage}  |  {cond_usage}"
        description = (
            "Accept the proposal (its current version, or the version named). "
            f"With `if <clause>=<option>`: {cond_text}"
        )
    if verb == "game" and sub == "ready":
        usage = "game " + usage
    description = description or MISSING_DESCRIPTIONS.get((verb, sub), "")
    description = description[:1].upper() + description[1:]
    if description and not description.endswith("."):
        description += "."
    return usage, description


def usage(verb: str, sub: str) -> str:
    return _docstring_usage(verb, sub)[0]


def _examples(verb: str, sub: str, known: Known | None) -> list[str]:
    templates = EXAMPLES.get((verb, sub), [])
    if not templates:
        return []
    known = known or Known()
    states = list(known.states)
    clause = next(iter(known.clauses), None)
    options = list(known.clauses.get(clause, ())) if clause else []
    values = {
        "state": states[-1] if states else "<state>",
        "cbm": next(iter(known.cbms), "<cbm>"),
        "norm": next(iter(known.norms), "<norm>"),
        "clause": clause or "<clause>",
        "option": options[-1] if options else "<option>",
        "actor": next(iter(known.actors), "<actor>"),
        "response": next(iter(known.responses), "<response>"),
    }
    return [t.format(**values) for t in templates]


def help_text(words: tuple[str, ...] = (), known: Known | None = None) -> str:
    """The answer to `help`, `help VERB` or `help VERB SUB`."""
    if not words:
        width = max(len(v) for v in VERB_SUMMARY)
        lines = ["Commands (type `help VERB` for more, e.g. `help propose`):"]
        lines += [f"  {verb:<{width}}  {text}" for verb, text in VERB_SUMMARY.items()]
        lines.append(
            "A number (1, 2 …) does the numbered action shown under a message. "
            "Ids: states by name, proposals P1, incidents I1, back-channels B1, mediations M1."
        )
        return "\n".join(lines)
    verb = words[0].lstrip("/")
    if verb in ("exit", "?", "next"):
        verb = {"exit": "quit", "?": "help", "next": "wait"}[verb]
    if verb not in VERBS:
        subs = {s: v for v, ss in VERBS.items() for s in ss}
        if verb in subs:  # `help accept` -> respond accept
            return help_text((subs[verb], verb), known)
        close = difflib.get_close_matches(verb, list(VERBS), n=1, cutoff=0.6)
        if not close:
            close = [f"{subs[s]} {s}" for s in difflib.get_close_matches(verb, list(subs), n=1)]
        hint = f" Did you mean `help {close[0]}`?" if close else " Type `help` for the list."
        return f"No command '{verb}'.{hint}"
    subs = VERBS[verb]
    if len(words) == 1 or not subs:
        if not subs:
            return f"{verb} — {VERB_SUMMARY[verb]}"
        lines = [f"{verb} — {VERB_SUMMARY[verb]}"]
        entries = [_docstring_usage(verb, sub) for sub in subs]
        width = min(48, max(len(u) for u, _ in entries))
        for usage_line, description in entries:
            first_sentence = _first_sentence(description)
            pad = usage_line if len(usage_line) <= width else usage_line + "\n" + " " * (width + 2)
            lines.append(f"  {pad:<{width}}  {first_sentence}")
        lines.append(f"Type `help {verb} SUB` for details and examples.")
        return "\n".join(lines)
    sub = words[1]
    if sub not in subs:
        close = difflib.get_close_matches(sub, list(subs), n=3, cutoff=0.6)
        hint = f" Did you mean `help {verb} {close[0]}`?" if close else ""
        return f"`{verb}` has no subcommand '{sub}'. It has: {', '.join(subs)}.{hint}"
    usage_line, description = _docstring_usage(verb, sub)
    lines = [f"Usage: {usage_line}"]
    if description:
        lines.append(f"  {description}")
    examples = _examples(verb, sub, known)
    if examples:
        lines.append("Examples:")
        lines += [f"  {e}" for e in examples]
    lines += _catalog_lines(verb, sub, known)
    return "\n".join(lines)


def _listing(title: str, ids: list[str]) -> list[str]:
    if not ids:
        return []
    return [
        title,
        *textwrap.wrap(
            ", ".join(ids),
            width=96,
            initial_indent="  ",
            subsequent_indent="  ",
            break_long_words=False,
            break_on_hyphens=False,
        ),
    ]


def _clause_lines(known: Known) -> list[str]:
    if not known.clauses:
        return []
    lines = ["Clauses and their options (<clause>=<option>; a unique part of an id will do):"]
    width = max(len(c) for c in known.clauses)
    for clause, options in known.clauses.items():
        lines.append(f"  {clause:<{width}}  {' | '.join(options)}")
    return lines


def _catalog_lines(verb: str, sub: str, known: Known | None) -> list[str]:
    """The game's own ids a command takes (the terminal's autocomplete)."""
    if known is None:
        return []
    cbms, norms = list(known.cbms), list(known.norms)
    match (verb, sub):
        case ("propose", "cbm"):
            return _listing("Measures in this game:", cbms)
        case ("propose", "norm"):
            return _listing("Norms in this game:", norms)
        case ("propose", "agreement") | ("mediate", "text" | "revise" | "rule"):
            return _clause_lines(known)
        case ("respond", "counter"):
            return [
                "A counter-offer is a new version: name only the terms you change, the rest "
                "stay. The Counter action under a proposal shows its current terms and options.",
                *_clause_lines(known),
                *_listing("Measures (cbm=…):", cbms),
                *_listing("Sectors (sector=…):", list(SECTORS)),
            ]
        case ("respond", "accept"):
            return _clause_lines(known)
        case ("intel", "investigate"):
            return _listing("Actors in this game:", list(known.actors))
        case ("intel", "engage"):
            return [
                *_listing("Actors in this game:", list(known.actors)),
                *_listing("Sectors:", list(SECTORS)),
            ]
        case ("intel", "measure"):
            return _listing("Responses in this game:", list(known.responses))
        case ("propose", "assistance"):
            return _listing("Sectors:", list(SECTORS))
    return []

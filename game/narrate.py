"""The text players read: every event told as platform-neutral notices.

    notices_for(before, events, after) -> list[Notice]

`before` is the state before the batch (None for a new game), `events` what
one command decided, `after` the state they lead to. Each notice names one
audience (see game/notice.py); this module is where we decide who is told
what, so the rules of secrecy live here and in game/views.py only:

- an incident's true author, planned operations and breaches go to the
  delegation that owns them (and the moderator), never to anyone else;
- evidence goes to the delegations that learn it (`known_by`), never with its
  false-flag mark;
- a delegation's briefing (profile, interest weights, secret objectives) goes
  to that delegation only;
- back-channel words go to the back-channel; its existence becomes public
  only if it leaks.

Things whose state changes (a proposal, a forum vote) carry a stable `key`
("proposal:P3") so platforms edit one message in place; within a batch only
the last notice per key and audience is kept (bursts are coalesced).
Player-written text goes in `body` with `author` set. Every action's
`command` is what a terminal player types (the verbs of PLATFORM-UX.md, the
syntax of game/commands.py's docstrings).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from game.events import (
    Event,
)
from game.notice import Action, Audience, FormInput, Notice, NoticeField
from game.state import MEDIATOR, GameState, Incident, Proposal, pair_of

MAX_BODY = 4000
MAX_FIELD = 1024

_KIND_TITLES = {
    "cbm": "Confidence-building measure",
    "agreement": "Agreement",
    "norm": "Forum norm",
    "assistance": "Assistance offer",
    "cooperation": "Cooperation request",
}

_STATUS_WORDS = {
    "draft": "draft",
    "tabled": "on the table",
    "countered": "countered",
    "accepted": "agreed — in force from the next resolution",
    "in_force": "in force",
    "rejected": "rejected",
    "withdrawn": "withdrawn",
    "expired": "expired",
}

_END_WORDS = {
    "rounds": "the last round is over",
    "moderator": "the moderator ended it",
    "conflict": "tension reached the point of cyber conflict",
}

_STALL_WORDS = {
    "counters": "countered again and again without agreement",
    "deadline": "its deadline passed without an answer",
    "crisis": "the two states are in crisis with no talks open",
    "requested": "a party asked for mediation",
}


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _list(names: list[str]) -> str:
    if not names:
        return "nobody"
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + " and " + names[-1]


class _Narrator:
    def __init__(self, before: GameState | None, events: list[Event], after: GameState) -> None:
        self.before = before
        self.events = events
        self.after = after
        self.out: list[Notice] = []
        self.game = after.game_id

    # --- names --------------------------------------------------------------------

    def name(self, actor: str) -> str:
        """A state with its flag, a group, or the mediator."""
        for p in self.after.scenario.states:
            if p.id == actor:
                return f"{p.flag} {p.name}"
        return self.after.name_of(actor)

    def names(self, actors: Iterable[str]) -> str:
        return _list([self.name(a) for a in actors])

    def pair(self, key: str) -> str:
        a, b = pair_of(key)
        return f"{self.name(a)} – {self.name(b)}"

    # --- emitting --------------------------------------------------------------------

    def add(self, audience: Audience, title: str, body: str = "", **kw: Any) -> None:
        fields = [
            NoticeField(
                name=_clip(f.name, 256), value=_clip(f.value, MAX_FIELD) or "—", inline=f.inline
            )
            for f in kw.pop("fields", [])
        ]
        self.out.append(
            Notice(
                audience=audience,
                title=_clip(title, 256),
                body=_clip(body, MAX_BODY),
                fields=fields,
                **kw,
            )
        )

    def public(self, title: str, body: str = "", **kw: Any) -> None:
        self.add(Audience.public(), title, body, **kw)

    def delegation(self, state: str, title: str, body: str = "", **kw: Any) -> None:
        self.add(Audience.delegation(state), title, body, **kw)

    def mediator(self, title: str, body: str = "", **kw: Any) -> None:
        self.add(Audience.mediator(), title, body, **kw)

    def moderator(self, title: str, body: str = "", **kw: Any) -> None:
        self.add(Audience.moderator(), title, body, **kw)

    # --- the batch ---------------------------------------------------------------------

    def run(self) -> list[Notice]:
        # The round summary closes the batch, except that a game that ends in
        # it (conflict as a round begins, or the last round resolved) is
        # over only after its round began or ended: the summary comes first.
        summarised = False
        for event in self.events:
            if event.type == "game_ended" and not summarised:
                self.round_summary()
                summarised = True
            handler = _HANDLERS.get(event.type)
            if handler is not None:
                handler(self, event)
        if not summarised:
            self.round_summary()
        return _coalesce(self.out)

    # --- terms and proposals -----------------------------------------------------------

    def headline(self, p: Proposal) -> str:
        """What a deal is, in a few words (for summaries)."""
        t = p.terms
        cat = self.after.scenario.catalogs
        if t.kind == "cbm" and t.cbm in cat.cbms:
            return f"CBM “{cat.cbms[t.cbm].name}”"
        if t.kind == "norm" and t.norm in cat.norms:
            norm = cat.norms[t.norm]
            return f"norm ({norm.letter}) “{norm.name}”"
        if t.kind == "agreement" and t.clauses:
            names = [cat.clauses[c].name if c in cat.clauses else c for c in t.clauses]
            return "agreement: " + "; ".join(names)
        if t.kind == "assistance":
            return f"capacity building for {self.name(t.recipient or '?')} ({t.sector})"
        if t.kind == "cooperation":
            return f"cooperation by {self.name(t.requested or '?')} on incident {t.incident}"
        return p.kind

    def describe_terms(self, p: Proposal) -> list[str]:
        t = p.terms
        cat = self.after.scenario.catalogs
        lines: list[str] = []
        if t.kind == "cbm" and t.cbm:
            cbm = cat.cbms.get(t.cbm)
            if cbm is not None:
                lines.append(f"**{cbm.name}** — {cbm.description}")
                lines.append(f"_Mirrors: {cbm.source}_")
            else:
                lines.append(t.cbm)
        elif t.kind == "agreement":
            if not t.clauses:
                lines.append("No clauses yet: the mediator will propose a text.")
            for clause_id, option_id in t.clauses.items():
                clause = cat.clauses.get(clause_id)
                if clause is None:
                    lines.append(f"- {clause_id}: {option_id}")
                    continue
                option = next((o for o in clause.options if o.id == option_id), None)
                label = option.label if option is not None else option_id
                lines.append(f"- **{clause.name}**: {label} (`{clause_id}={option_id}`)")
        elif t.kind == "norm" and t.norm:
            norm = cat.norms.get(t.norm)
            if norm is not None:
                lines.append(f"**Norm {norm.letter}: {norm.name}** — {norm.description}")
                lines.append(f"_Mirrors: {norm.source}_")
            else:
                lines.append(t.norm)
        elif t.kind == "assistance":
            lines.append(
                f"Capacity building for {self.name(t.recipient or '?')} in the {t.sector} sector."
            )
        elif t.kind == "cooperation":
            incident = self.after.incidents.get(t.incident or "")
            what = f"“{incident.headline}” ({incident.id})" if incident else (t.incident or "?")
            lines.append(
                f"{self.name(t.requested or '?')} is asked to act against the criminal group "
                f"behind {what}: preserve data, answer through its 24/7 point of contact."
            )
        return lines

    def proposal_actions(self, p: Proposal) -> list[Action]:
        if not p.is_open:
            return []
        v = p.version
        args = {"game": self.game, "proposal": p.id, "version": v}
        if p.kind == "norm":
            return [
                Action(
                    verb="forum.vote",
                    label=f"Vote {choice}",
                    args={**args, "vote": choice},
                    style=style,
                    command=f"forum vote {p.id} {choice}",
                )
                for choice, style in (
                    ("yes", "success"),
                    ("no", "danger"),
                    ("abstain", "secondary"),
                )
            ]
        actions = [
            Action(
                verb="respond.accept",
                label="Accept",
                args=args,
                style="success",
                command=f"respond accept {p.id} {v}",
            ),
            Action(
                verb="respond.reject",
                label="Reject",
                args=args,
                style="danger",
                command=f"respond reject {p.id} {v}",
            ),
        ]
        if p.kind != "cooperation":  # a cooperation request is answered yes or no
            actions.append(
                Action(
                    verb="respond.counter",
                    label="Counter",
                    args=args,
                    style="primary",
                    command=self.counter_command(p),
                    form=self.counter_form(p),
                )
            )
        if p.current.by == MEDIATOR and p.kind == "agreement" and p.terms.clauses:
            first, current = next(iter(p.terms.clauses.items()))
            clause = self.after.scenario.catalogs.clauses.get(first)
            others = [o.id for o in clause.options if o.id != current] if clause else []
            option = others[0] if others else current
            actions.append(
                Action(
                    verb="respond.accept_if",
                    label="Accept with conditions",
                    args=args,
                    command=f"respond accept {p.id} {v} if {first}={option}",
                    form=[
                        FormInput(
                            name="clause",
                            label="The clause you cannot accept as it is",
                            value=first,
                            choices=list(p.terms.clauses),
                        ),
                        FormInput(name="option", label="The option you would accept", value=option),
                    ],
                )
            )
        return actions

    def counter_command(self, p: Proposal) -> str:
        t = p.terms
        parts = [f"respond counter {p.id} {p.version}"]
        if t.kind == "agreement":
            parts += [f"{c}={o}" for c, o in t.clauses.items()]
        elif t.kind == "cbm" and t.cbm:
            parts.append(f"cbm={t.cbm}")
        elif t.kind == "assistance" and t.sector:
            parts.append(f"sector={t.sector}")
        if len(parts) == 1:
            parts.append("parties=" + ",".join(t.parties))
        return " ".join(parts)

    def counter_form(self, p: Proposal) -> list[FormInput]:
        t = p.terms
        cat = self.after.scenario.catalogs
        form: list[FormInput] = []
        if t.kind == "agreement":
            for clause_id, option_id in t.clauses.items():
                clause = cat.clauses.get(clause_id)
                choices = [o.id for o in clause.options] if clause else []
                label = clause.name if clause else clause_id
                form.append(
                    FormInput(
                        name=clause_id, label=_clip(label, 45), value=option_id, choices=choices
                    )
                )
        elif t.kind == "cbm":
            form.append(
                FormInput(name="cbm", label="Measure", value=t.cbm or "", choices=sorted(cat.cbms))
            )
        elif t.kind == "assistance":
            from game.scenario import SECTORS

            form.append(
                FormInput(
                    name="sector", label="Sector", value=t.sector or "", choices=list(SECTORS)
                )
            )
        form.append(
            FormInput(name="parties", label="Parties", value=",".join(t.parties), required=False)
        )
        return form

    def proposal_notice(self, pid: str, headline: str | None = None) -> None:
        """The proposal's one message, edited in place as it changes."""
        p = self.after.proposals.get(pid)
        if p is None:
            return
        if p.status == "draft":
            return
        by = self.name(p.current.by)
        title = f"{p.id} · {_KIND_TITLES[p.kind]} — {_STATUS_WORDS[p.status]}"
        body = [headline] if headline else []
        body += self.describe_terms(p)
        fields = [
            NoticeField(name="Parties", value=self.names(p.terms.parties)),
            NoticeField(name="Version", value=f"{p.version} by {by}"),
        ]
        if p.kind == "norm":
            tally = {"yes": 0, "no": 0, "abstain": 0}
            for vote in p.votes.values():
                tally[vote] += 1
            fields.append(
                NoticeField(
                    name="Votes",
                    value=f"{tally['yes']} yes, {tally['no']} no, {tally['abstain']} abstain "
                    f"of {len(self.after.state_ids)}",
                )
            )
        elif p.is_open:
            fields.append(NoticeField(name="Accepted by", value=self.names(p.accepted_by)))
        if p.mediation is not None and p.current.by == MEDIATOR:
            fields.append(NoticeField(name="Mediation", value=p.mediation))
        author = None
        if p.current.note:
            body.append(f"Note from {by}: {p.current.note}")
            author = by
        for audience in self.proposal_audiences(p):
            self.add(
                audience,
                title,
                "\n".join(body),
                kind="forum" if p.kind == "norm" else "proposal",
                fields=fields,
                actions=self.proposal_actions(p) if audience.kind != "mediator" else [],
                deadline=p.deadline if p.is_open else None,
                key=f"proposal:{p.id}",
                author=author,
            )

    def proposal_audiences(self, p: Proposal) -> list[Audience]:
        """Forum votes and agreed proposals are public; a negotiation between
        parties is theirs (and the mediator's, once it mediates)."""
        if p.kind == "norm":
            return [Audience.public()]
        out = [Audience.delegation(x) for x in p.terms.parties if x in self.after.delegations]
        if p.mediation is not None:
            out.append(Audience.mediator())
        if p.status in ("accepted", "in_force"):
            out.append(Audience.public())
        return out

    # --- briefings ---------------------------------------------------------------------

    def briefings(self) -> None:
        s = self.after
        sc = s.scenario
        lines = [sc.briefing.strip(), "", "**Delegations**"]
        for p in sc.states:
            control = s.delegations[p.id].control if p.id in s.delegations else "open"
            who = "computer delegation" if control == "computer" else "players"
            lines.append(f"- {p.flag} **{p.name}** ({who}) — {p.description}")
        lines.append("")
        lines.append(f"Mediator: {sc.mediator.name}" + ("" if s.human_mediator else " (built-in)"))
        self.public(
            f"{sc.title} begins",
            "\n".join(lines),
            kind="briefing",
            fields=[NoticeField(name="Rounds", value=str(sc.rounds))],
        )
        for p in sc.states:
            d = s.delegations.get(p.id)
            interests = sorted(p.interests.items(), key=lambda kv: (-kv[1], kv[0]))
            wants = [f"{issue.replace('_', ' ')} ({w:+.1f})" for issue, w in interests if w > 0]
            avoids = [f"{issue.replace('_', ' ')} ({w:+.1f})" for issue, w in interests if w < 0]
            body = [p.briefing.strip(), "", "**Your secret objectives** (never shown to others)"]
            body += [f"- {o.description} — {o.points} points" for o in p.objectives]
            body += ["", "**What you want from a deal** (private weights, -1 to 1)"]
            body.append("- favour: " + (", ".join(wants) or "nothing in particular"))
            body.append("- resist: " + (", ".join(avoids) or "nothing in particular"))
            resilience = ", ".join(
                f"{sector} {level}" for sector, level in sorted((d.resilience if d else {}).items())
            )
            self.delegation(
                p.id,
                f"Briefing — {p.flag} {p.name}",
                "\n".join(body),
                kind="briefing",
                fields=[
                    NoticeField(
                        name="Capital",
                        value=f"{d.capital if d else p.starting_capital} (+{p.capital_per_round} a round)",
                    ),
                    NoticeField(name="Reputation", value=str(d.reputation if d else p.reputation)),
                    NoticeField(name="Offence", value=str(p.offence)),
                    NoticeField(name="Resilience", value=resilience or "—", inline=False),
                ],
                key=f"briefing:{p.id}",
            )
        m = sc.mediator
        self.mediator(
            f"Briefing — {m.name}",
            (m.briefing or m.description or "Help the parties find a deal.").strip(),
            kind="briefing",
            key="briefing:mediator",
        )

    # --- the round summary ----------------------------------------------------------

    def round_summary(self) -> None:
        started = [e for e in self.events if e.type == "round_started"]
        ended = [e for e in self.events if e.type == "round_ended"]
        if not started and not ended:
            return
        lines: list[str] = []
        if ended:
            lines.append(f"**Round {ended[-1].round} resolved.**")
        forced = [e.proposal for e in self.events if e.type == "entered_into_force"]
        if forced:
            lines.append("Entering into force:")
            for pid in forced:
                p = self.after.proposals.get(pid)
                if p is not None:
                    lines.append(f"- {pid} ({self.names(p.terms.parties)}): {self.headline(p)}")
        incidents = [e.incident for e in self.events if e.type == "incident_hit"]
        if incidents:
            lines.append("Incidents:")
            lines += [
                f"- {i.id} {i.headline} — {self.name(i.victim)}, {i.sector}, severity {i.severity}"
                for i in incidents
            ]
        changes = self.tension_changes()
        if changes:
            lines.append("Tension:")
            lines += changes
        crises = [e for e in self.events if e.type == "crisis_declared"]
        for c in crises:
            lines.append(f"⚠ Crisis: {self.pair(c.pair)} at {c.tension}.")
        if started:
            number = started[-1].round
            title = f"Round {number} of {self.after.scenario.rounds} begins"
            deadline = self.after.round_deadline
            if deadline is not None:
                lines.append(
                    "Negotiate now; the round ends at the deadline, or earlier when everyone is ready."
                )
        else:
            title = f"Round {ended[-1].round} ends"
            deadline = None
        self.public(title, "\n".join(lines), kind="round", deadline=deadline)

    def tension_changes(self) -> list[str]:
        if self.before is None:
            return []
        out = []
        for key, r in sorted(self.after.relations.items()):
            old = self.before.relations.get(key)
            if old is None or old.tension == r.tension:
                continue
            arrow = "▲" if r.tension > old.tension else "▼"
            out.append(f"- {self.pair(key)}: {old.tension} → {r.tension} {arrow}")
        return out

    def incident_line(self, incident: Incident) -> str:
        return f"{incident.id} “{incident.headline}”"


# --- one handler per event type ------------------------------------------------------------

Handler = Callable[[_Narrator, Any], None]
_HANDLERS: dict[str, Handler] = {}


def on(*types: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        for t in types:
            _HANDLERS[t] = fn
        return fn

    return register


# lobby


@on("game_created")
def _game_created(n: _Narrator, e: Any) -> None:
    sc = e.scenario
    n.public(
        f"New game: {sc.title}",
        f"{sc.summary}\n\nJoin with `game join` and pick a state with `game pick <state>`.",
        kind="info",
        fields=[
            NoticeField(
                name="States",
                value=", ".join(f"{p.flag} {p.name} (`{p.id}`)" for p in sc.states),
                inline=False,
            ),
            NoticeField(name="Rounds", value=str(sc.rounds)),
            NoticeField(name="Game", value=e.game_id),
        ],
    )
    n.moderator(
        f"You moderate {sc.title}",
        "Seat players with `game seat`, fill empty seats with `game fill`, then `game start`.",
    )


@on("player_joined")
def _player_joined(n: _Narrator, e: Any) -> None:
    seat = e.seat
    if seat.role == "mediator":
        where = "as the mediator"
    elif seat.role == "observer" or seat.state is None:
        where = "as an observer" if seat.role == "observer" else "and will pick a state"
    else:
        where = f"for {n.name(seat.state)}"
    n.public(f"{seat.player.name} joined {where}", kind="info")


@on("seat_assigned")
def _seat_assigned(n: _Narrator, e: Any) -> None:
    seat = e.seat
    if seat.role == "mediator":
        where = "holds the mediator's seat"
    elif seat.role == "observer" or seat.state is None:
        where = "is an observer"
    else:
        where = f"sits for {n.name(seat.state)}" + (" as its lead" if seat.lead else "")
    n.public(f"{seat.player.name} {where}", kind="info")


@on("player_left")
def _player_left(n: _Narrator, e: Any) -> None:
    verb = "was removed from" if e.kicked else "left"
    text = ""
    if e.state is not None and e.controls.get(e.state) == "computer":
        text = f"A computer delegation holds {n.name(e.state)}'s seat until someone takes it."
    n.public(f"{e.player.name} {verb} the game", text, kind="info")


@on("seats_filled")
def _seats_filled(n: _Narrator, e: Any) -> None:
    n.public(f"Computer delegations take the seats of {n.names(e.states)}", kind="info")


@on("early_advance_set")
def _early_advance(n: _Narrator, e: Any) -> None:
    if e.allowed:
        n.public("Rounds end early once every delegation is ready", kind="info")
    else:
        n.public(
            "Rounds run to their deadline",
            "Marking ready no longer ends a round early.",
            kind="info",
        )


@on("game_started")
def _game_started(n: _Narrator, e: Any) -> None:
    n.briefings()


# rounds and injects


@on("operation_planned")
def _operation_planned(n: _Narrator, e: Any) -> None:
    i: Incident = e.incident
    by = (
        "Your services plan"
        if i.author_kind == "state"
        else f"{n.after.name_of(i.author)}, a group you sponsor, plans"
    )
    n.delegation(
        e.planner,
        f"Secret: an operation is planned — {i.id}",
        f"{by} “{i.headline}” against {n.name(i.victim)}'s {i.sector} "
        f"sector, to hit at round {i.round}. If you have promised to spare that sector, it "
        "will be a breach. You may call it off until then.",
        kind="incident",
        actions=[
            Action(
                verb="intel.standdown",
                label="Stand down",
                args={"game": n.game, "operation": i.id},
                style="danger",
                command=f"intel standdown {i.id}",
            )
        ],
        key=f"operation:{i.id}",
    )
    n.moderator(
        f"Operation planned: {i.id}",
        f"{n.name(e.planner)} plans “{i.headline}” against {n.name(i.victim)} ({i.sector}) for round {i.round}.",
    )


@on("operation_stood_down")
def _operation_stood_down(n: _Narrator, e: Any) -> None:
    n.delegation(
        e.state,
        f"Operation {e.incident} called off",
        "It will not happen.",
        kind="incident",
        key=f"operation:{e.incident}",
    )
    n.moderator(f"Operation {e.incident} stood down", f"by {n.name(e.state)}")


@on("incident_hit")
def _incident_hit(n: _Narrator, e: Any) -> None:
    i: Incident = e.incident
    body = [i.text] if i.text else []
    body.append(
        f"{n.name(i.victim)}'s {i.sector} sector is hit (severity {i.severity} of 5). "
        "Its author is unknown: investigate before you accuse."
    )
    if i.apparent != i.victim:
        body.append(f"Suspicion falls on {n.name(i.apparent)} — a suspicion, not proof.")
    n.public(
        f"☢ Incident {i.id}: {i.headline}",
        "\n".join(body),
        kind="incident",
        fields=[
            NoticeField(name="Victim", value=n.name(i.victim)),
            NoticeField(name="Sector", value=i.sector),
            NoticeField(name="Severity", value=str(i.severity)),
        ],
        actions=[
            Action(
                verb="intel.investigate",
                label="Investigate",
                args={"game": n.game, "incident": i.id},
                command=f"intel investigate {i.id}",
            )
        ],
        key=f"incident:{i.id}",
    )
    planner = i.responsible if i.author_kind in ("state", "proxy") else None
    if planner is not None and planner != i.victim:
        n.delegation(
            planner,
            f"Secret: operation {i.id} carried out",
            f"“{i.headline}” hit {n.name(i.victim)}. Nobody else knows who was behind it.",
            kind="incident",
            key=f"operation:{i.id}",
        )


@on("breach_committed")
def _breach(n: _Narrator, e: Any) -> None:
    b = e.breach
    n.delegation(
        b.breacher,
        f"Secret: {b.incident} breaches {b.proposal}",
        f"Your operation against {n.name(b.victim)} broke a commitment in force. "
        "If it is attributed to you, your word will be worth less.",
        kind="incident",
    )
    n.moderator(
        f"Breach of {b.proposal}",
        f"{n.name(b.breacher)} breached {b.proposal} against {n.name(b.victim)} ({b.incident}).",
    )


@on("technology_shift")
def _technology(n: _Narrator, e: Any) -> None:
    t = e.inject
    sectors = ", ".join(t.sectors) if t.sectors else "every sector"
    covered = []
    cat = n.after.scenario.catalogs
    covered += [f"norm {cat.norms[x].letter}" for x in t.covered_by_norms if x in cat.norms]
    covered += [cat.cbms[x].name for x in t.covered_by_cbms if x in cat.cbms]
    body = [t.text] if t.text else []
    body.append(f"Incidents in {sectors} become more severe (+{t.severity_bonus}).")
    if covered:
        body.append("Unless covered by: " + ", ".join(covered) + ".")
    n.public(f"New technology: {t.headline}", "\n".join(body), kind="info")


@on("domestic_shock")
def _domestic(n: _Narrator, e: Any) -> None:
    t = e.inject
    n.public(f"{n.name(t.state)}: {t.headline}", t.text, kind="info")
    changes = []
    if t.capital:
        changes.append(f"capital {t.capital:+d}")
    if t.reputation:
        changes.append(f"reputation {t.reputation:+d}")
    if changes:
        n.delegation(t.state, "At home", "Domestic politics: " + ", ".join(changes) + ".")


@on("news_published")
def _news(n: _Narrator, e: Any) -> None:
    n.public(f"News: {e.headline}", e.text, kind="info")


@on("game_paused")
def _paused(n: _Narrator, e: Any) -> None:
    n.public("Game paused", "Every clock is stopped until the moderator resumes.", kind="info")


@on("game_resumed")
def _resumed(n: _Narrator, e: Any) -> None:
    n.public(
        "Game resumed",
        "Deadlines moved later by the length of the pause.",
        kind="info",
        deadline=n.after.round_deadline,
    )
    for p in n.after.proposals.values():
        if p.is_open:
            n.proposal_notice(p.id)


@on("deadline_extended")
def _extended(n: _Narrator, e: Any) -> None:
    if e.proposal is None:
        n.public("The round's deadline is extended", kind="info", deadline=e.deadline)
    else:
        n.proposal_notice(e.proposal, "The deadline was extended.")


@on("delegation_ready")
def _ready(n: _Narrator, e: Any) -> None:
    if e.ready:
        n.public(f"{n.name(e.state)} is ready", kind="info")
    else:
        n.public(f"{n.name(e.state)} is not ready after all", kind="info")


@on("reminder_sent")
def _reminder(n: _Narrator, e: Any) -> None:
    for state in e.owing:
        if e.proposal is None:
            n.delegation(
                state,
                "⏰ The round ends soon",
                "Make your moves, then mark your delegation ready.",
                kind="reminder",
                deadline=e.deadline,
                actions=[
                    Action(verb="ready", label="Ready", args={"game": n.game}, command="ready")
                ],
            )
        else:
            p = n.after.proposals.get(e.proposal)
            if p is None:
                continue
            what = "vote on" if p.kind == "norm" else "answer"
            n.delegation(
                state,
                f"⏰ {p.id} awaits your answer",
                f"You have not yet {'voted on' if p.kind == 'norm' else 'answered'} {p.id}; "
                f"{what} it before the deadline.\n" + "\n".join(n.describe_terms(p)),
                kind="reminder",
                deadline=e.deadline,
                actions=n.proposal_actions(p),
            )


@on("crisis_declared")
def _crisis(n: _Narrator, e: Any) -> None:
    n.public(
        f"⚠ Crisis: {n.pair(e.pair)}",
        f"Tension between them reached {e.tension}. At {n.after.rules.conflict_at} the region "
        "slides into cyber conflict and everyone loses. Talk now: a back-channel, a hotline, the mediator.",
        kind="crisis",
    )


@on("crisis_eased")
def _crisis_eased(n: _Narrator, e: Any) -> None:
    n.public(f"Crisis eased: {n.pair(e.pair)}", f"Tension is down to {e.tension}.", kind="info")


@on("game_ended")
def _ended(n: _Narrator, e: Any) -> None:
    reason = _END_WORDS.get(e.reason, e.reason)
    body = f"The game is over: {reason}."
    if e.reason == "conflict" and e.pair:
        body = f"The game is over: {n.pair(e.pair)} slid into cyber conflict. Everyone loses the stability bonus."
    n.public("Game over", body + "\nThe debrief follows.", kind="info")


# talk


def _author(n: _Narrator, m: Any) -> str:
    """ "Ana (🔷 Aldmark)" for a person; just the delegation when the speaker is
    its computer (whose player name is the state's own name)."""
    speaker = n.name(m.by)
    if not m.player or m.player in (speaker, n.after.name_of(m.by)):
        return speaker
    return f"{m.player} ({speaker})"


@on("statement_made")
def _statement(n: _Narrator, e: Any) -> None:
    m = e.message
    speaker = n.name(m.by)
    n.public(
        f"{speaker} — statement",
        m.text,
        kind="statement",
        author=_author(n, m),
    )


@on("backchannel_opened")
def _bc_opened(n: _Narrator, e: Any) -> None:
    c = e.channel
    who = n.names(c.states) + (" and the mediator" if c.mediator else "")
    n.add(
        Audience.backchannel(c.id),
        f"Back-channel {c.id} opened",
        f"A private talk between {who}, opened by {n.name(c.opened_by)}. "
        "What is said here stays here — though back-channels can leak. When both "
        "sides speak here in a round, tension between them eases at the round's end.",
        kind="backchannel",
        actions=[
            Action(
                verb="talk.whisper",
                label="Speak",
                args={"game": n.game, "channel": c.id},
                command=f"talk whisper {c.id} <text>",
                form=[FormInput(name="text", label="Message", multiline=True)],
            )
        ],
    )


@on("backchannel_closed")
def _bc_closed(n: _Narrator, e: Any) -> None:
    n.add(
        Audience.backchannel(e.channel),
        f"Back-channel {e.channel} closed",
        f"by {n.name(e.by)}",
        kind="backchannel",
    )


@on("whisper_sent")
def _whisper(n: _Narrator, e: Any) -> None:
    m = e.message
    speaker = n.name(m.by)
    n.add(
        Audience.backchannel(e.channel),
        f"{speaker}",
        m.text,
        kind="backchannel",
        author=_author(n, m),
    )


@on("round_effects")
def _round_effects(n: _Narrator, e: Any) -> None:
    if e.cause != "dialogue":
        return  # the round summary reports the other effects as tension moves
    for cid in e.detail:
        members = set(n.after.backchannels[cid].states)
        pairs = [n.pair(key) for key in e.effects.tension if set(pair_of(key)) <= members]
        n.add(
            Audience.backchannel(cid),
            "Talks eased tension",
            f"Both sides spoke this round: {_list(pairs)} — tension "
            f"−{n.after.rules.backchannel_relief}, trust +{n.after.rules.backchannel_trust}.",
            kind="backchannel",
        )


@on("backchannel_leaked")
def _bc_leaked(n: _Narrator, e: Any) -> None:
    n.public(
        "Leak: secret talks revealed",
        f"{n.names(e.states)} have been talking in secret. What they said is not known.",
        kind="info",
    )


# proposals and the forum


@on("proposal_drafted")
def _drafted(n: _Narrator, e: Any) -> None:
    p = e.proposal
    n.delegation(
        p.proposer,
        f"Draft {p.id} · {_KIND_TITLES[p.kind]}",
        "\n".join(n.describe_terms(p)) + "\n\nYour lead can table it.",
        kind="proposal",
        actions=[
            Action(
                verb="propose.table",
                label="Table it",
                args={"game": n.game, "proposal": p.id},
                style="primary",
                command=f"propose table {p.id}",
            )
        ],
        key=f"draft:{p.id}",
    )


@on("proposal_tabled")
def _tabled(n: _Narrator, e: Any) -> None:
    p = e.proposal
    n.proposal_notice(p.id, f"{n.name(p.proposer)} tables {_KIND_TITLES[p.kind].lower()}.")


@on("proposal_countered")
def _countered(n: _Narrator, e: Any) -> None:
    n.proposal_notice(
        e.proposal, f"{n.name(e.version.by)} counters with version {e.version.number}."
    )


@on("proposal_accepted")
def _accepted(n: _Narrator, e: Any) -> None:
    n.proposal_notice(e.proposal, f"{n.name(e.state)} accepts version {e.version}.")


@on("conditional_acceptance")
def _conditional(n: _Narrator, e: Any) -> None:
    n.proposal_notice(e.proposal, f"{n.name(e.state)} accepts, on a condition about one clause.")
    n.mediator(
        f"{n.name(e.state)} accepts {e.proposal} with a condition",
        f"Everything but `{e.clause}`, which it would accept as `{e.option}`. Revise the text "
        "with `mediate revise`.",
        kind="mediation",
    )


@on("agreement_reached")
def _agreed(n: _Narrator, e: Any) -> None:
    n.proposal_notice(e.proposal, "Every party accepted.")


@on("proposal_rejected")
def _rejected(n: _Narrator, e: Any) -> None:
    n.proposal_notice(e.proposal, f"{n.name(e.state)} rejects version {e.version}.")


@on("proposal_withdrawn")
def _withdrawn(n: _Narrator, e: Any) -> None:
    n.proposal_notice(e.proposal, f"{n.name(e.state)} withdraws it.")


@on("proposal_expired")
def _expired(n: _Narrator, e: Any) -> None:
    owing = f" {n.names(e.owing)} did not answer." if e.owing else ""
    n.proposal_notice(e.proposal, "The deadline passed." + owing)


@on("vote_cast")
def _vote(n: _Narrator, e: Any) -> None:
    n.proposal_notice(e.proposal, f"{n.name(e.state)} voted.")


@on("forum_vote_closed")
def _vote_closed(n: _Narrator, e: Any) -> None:
    p = n.after.proposals.get(e.proposal)
    what = " ".join(n.describe_terms(p)[:1]) if p else e.proposal
    result = "adopted" if e.adopted else "not adopted"
    n.proposal_notice(e.proposal, f"The forum vote closed: {result}.")
    n.public(
        f"Forum: {e.proposal} {result}",
        f"{what}\n{e.yes} yes, {e.no} no, {e.abstain} abstain, {e.absent} absent.",
        kind="forum",
    )


@on("entered_into_force")
def _in_force(n: _Narrator, e: Any) -> None:
    n.proposal_notice(e.proposal)


@on("incident_closed")
def _incident_closed(n: _Narrator, e: Any) -> None:
    i = n.after.incidents.get(e.incident)
    what = n.incident_line(i) if i else e.incident
    n.public(
        f"Incident {e.incident} closed",
        f"The cooperation request {e.proposal} put the criminal group behind {what} out of business.",
        kind="incident",
    )


# intel


@on("investigation_completed")
def _investigation(n: _Narrator, e: Any) -> None:
    i = n.after.incidents.get(e.incident)
    title_of = n.incident_line(i) if i else e.incident
    cat = n.after.scenario.catalogs
    by_reader: dict[str, list[str]] = {}
    suspects: dict[str, list[str]] = {}
    for item in e.evidence:
        template = cat.evidence.get(item.template)
        label = template.name if template else item.template
        line = f"- {label}: points to {n.name(item.points_to)} (confidence {item.confidence}%)"
        for reader in sorted({item.found_by, *item.known_by}):
            by_reader.setdefault(reader, []).append(line)
            suspects.setdefault(reader, [])
            if item.points_to not in suspects[reader]:
                suspects[reader].append(item.points_to)
    if e.state not in by_reader:
        by_reader[e.state] = []
    actor = cat.actors.get(e.actor_id or "")
    for reader, lines in sorted(by_reader.items()):
        if reader not in n.after.delegations:
            continue
        if reader == e.state:
            head = (
                f"Your investigation of {title_of}"
                + (f", with {actor.name}," if actor else "")
                + " found:"
            )
        else:
            head = (
                f"{n.name(e.state)} shares what it found on {title_of} (joint incident reporting):"
            )
        body = [head, *(lines or ["- nothing new"])]
        body.append("Evidence can be planted; weigh the confidence before you accuse anyone.")
        n.delegation(
            reader,
            f"Evidence on {e.incident}",
            "\n".join(body),
            kind="evidence",
            actions=[
                Action(
                    verb="intel.attribute",
                    label=f"Attribute to {n.after.name_of(s)}",
                    args={"game": n.game, "incident": e.incident, "culprit": s},
                    style="danger",
                    command=f"intel attribute {e.incident} {s}",
                )
                for s in suspects.get(reader, [])[:3]
            ],
        )


@on("attribution_made")
def _attribution(n: _Narrator, e: Any) -> None:
    a = e.attribution
    i = n.after.incidents.get(a.incident)
    what = n.incident_line(i) if i else a.incident
    n.public(
        f"{n.name(a.by)} attributes {a.incident}",
        f"{n.name(a.by)} publicly names {n.name(a.culprit)} as responsible for {what}.",
        kind="attribution",
    )


@on("measure_taken")
def _measure(n: _Narrator, e: Any) -> None:
    r = n.after.scenario.catalogs.responses.get(e.response)
    what = r.name if r else e.response
    body = f"{r.description}\n_Mirrors: {r.source}_" if r else ""
    n.public(
        f"{n.name(e.state)} takes a measure against {n.name(e.target)}: {what}", body, kind="info"
    )


@on("actor_engaged")
def _actor(n: _Narrator, e: Any) -> None:
    a = n.after.scenario.catalogs.actors.get(e.actor_id)
    what = a.name if a else e.actor_id
    n.delegation(e.state, f"{what} engaged", f"They work on your {e.sector} sector.", kind="info")


# mediation


def _consent_actions(n: _Narrator, mid: str) -> list[Action]:
    args = {"game": n.game, "mediation": mid}
    return [
        Action(
            verb="mediate.consent",
            label="Consent to mediation",
            args=args,
            style="primary",
            command=f"mediate consent {mid}",
        ),
        Action(
            verb="mediate.consent",
            label="Consent, ruling binding",
            args={**args, "binding": "yes"},
            command=f"mediate consent {mid} binding",
        ),
    ]


@on("mediation_offered")
def _mediation_offered(n: _Narrator, e: Any) -> None:
    m = e.mediation
    why = _STALL_WORDS.get(m.reason, m.reason)
    mediator = n.after.scenario.mediator.name
    n.mediator(
        f"Stall: {m.proposal} — mediation {m.id}",
        f"Parties: {n.names(m.parties)}. Why: {why}."
        + (f" Requested by {n.name(e.requested_by)}." if e.requested_by else "")
        + f"\nTable a text with `mediate text {m.id}`, or set a deadline or a cooling-off.",
        kind="mediation",
        key=f"mediation:{m.id}",
    )
    if e.draft is not None:
        n.proposal_notice(e.draft.id, f"{mediator} opens talks between {n.names(m.parties)}.")
    for party in m.parties:
        consented = party in m.consents
        n.delegation(
            party,
            f"Mediation offered on {m.proposal}",
            f"{mediator} offers its good offices ({why}). Consent to let it table a single "
            "negotiating text; consent as binding to accept its ruling in advance.",
            kind="mediation",
            actions=[] if consented else _consent_actions(n, m.id),
            key=f"mediation:{m.id}:{party}",
        )


@on("mediation_consented")
def _mediation_consented(n: _Narrator, e: Any) -> None:
    binding = " and accepts a binding ruling" if e.arbitration else ""
    text = f"{n.name(e.state)} consents to mediation {e.mediation}{binding}."
    n.mediator(f"Consent: {n.name(e.state)}", text, kind="mediation")
    m = n.after.mediations.get(e.mediation)
    if m is not None:
        for party in m.parties:
            n.delegation(
                party,
                f"Mediation {m.id}: consent",
                text,
                kind="mediation",
                actions=[] if party in m.consents else _consent_actions(n, m.id),
                key=f"mediation:{m.id}:{party}",
            )


@on("mediator_text_tabled")
def _mediator_text(n: _Narrator, e: Any) -> None:
    mediator = n.after.scenario.mediator.name
    revision = (
        e.version.number > 1
        and any(v.by == MEDIATOR for v in n.after.proposals[e.proposal].versions[:-1])
        if e.proposal in n.after.proposals
        else False
    )
    what = "revises its single negotiating text" if revision else "tables a single negotiating text"
    p = n.after.proposals.get(e.proposal)
    if p is not None and len(p.versions) > 1 and p.versions[-2].terms == e.version.terms:
        what = (
            f"takes version {p.versions[-2].number} as it stands as its single negotiating text "
            "(acceptances already given stand)"
        )
    n.proposal_notice(
        e.proposal,
        f"{mediator} {what}. Accept it, reject it, or accept it with a condition on one clause.",
    )
    if not e.builtin:
        n.mediator(f"Your text on {e.proposal} is on the table", kind="mediation")


@on("mediation_deadline_set")
def _mediation_deadline(n: _Narrator, e: Any) -> None:
    m = n.after.mediations.get(e.mediation)
    if m is not None:
        n.proposal_notice(m.proposal, "The mediator set a deadline.")


@on("cooloff_called")
def _cooloff(n: _Narrator, e: Any) -> None:
    n.public(
        "Cooling-off",
        f"{n.after.scenario.mediator.name} calls a cooling-off for {n.names(e.states)}: no "
        "accusations or measures between them, and incidents do not escalate, until it ends.",
        kind="mediation",
        deadline=e.until,
    )


@on("cooloff_ended")
def _cooloff_ended(n: _Narrator, e: Any) -> None:
    n.public("The cooling-off is over", kind="mediation")


@on("arbitration_ruled")
def _ruled(n: _Narrator, e: Any) -> None:
    mediator = n.after.scenario.mediator.name
    if e.binding:
        n.proposal_notice(
            e.proposal, f"{mediator} ruled; every party consented in advance, so the ruling binds."
        )
    else:
        n.proposal_notice(
            e.proposal,
            f"{mediator} ruled; not every party consented in advance, so it is a text to answer.",
        )


@on("mediation_settled")
def _settled(n: _Narrator, e: Any) -> None:
    m = n.after.mediations.get(e.mediation)
    parties = n.names(m.parties) if m else "the parties"
    n.public(
        f"Mediation succeeded: {parties}",
        f"{n.after.scenario.mediator.name} helped {parties} to an agreement.",
        kind="mediation",
    )
    n.mediator(f"Mediation {e.mediation} settled", kind="mediation", key=f"mediation:{e.mediation}")


@on("mediation_failed")
def _failed(n: _Narrator, e: Any) -> None:
    m = n.after.mediations.get(e.mediation)
    parties = m.parties if m else []
    for party in parties:
        n.delegation(party, f"Mediation {e.mediation} failed", e.reason, kind="mediation")
    n.mediator(
        f"Mediation {e.mediation} failed",
        e.reason,
        kind="mediation",
        key=f"mediation:{e.mediation}",
    )


# --- coalescing --------------------------------------------------------------------------


def _coalesce(notices: list[Notice]) -> list[Notice]:
    """Keep only the last notice per (key, audience): an edited-in-place thing
    is shown once per batch, in its final state, where it last changed."""
    last: dict[tuple[str, Audience], int] = {}
    for index, notice in enumerate(notices):
        if notice.key is not None:
            last[(notice.key, notice.audience)] = index
    return [
        notice
        for index, notice in enumerate(notices)
        if notice.key is None or last[(notice.key, notice.audience)] == index
    ]


def notices_for(before: GameState | None, events: list[Event], after: GameState) -> list[Notice]:
    """Every notice the batch `events` (which led from `before` to `after`) produces."""
    return _Narrator(before, list(events), after).run()

"""The after-action report at the end of every game.

`debrief_markdown(state, events)` is a pure function of the final
`GameState` and the event log: the same game always gives the same text,
on every platform. It reveals what play hid — incidents' true authors,
false flags, every delegation's secret objectives — and teaches: each kind
of move is tied to the real instrument it mirrors (the catalog entries'
`source`).

`write_tension_chart(state, events, path)` draws tension per pair over the
rounds as a PNG (matplotlib, Agg backend, no timestamp in the file, so the
same game gives the same bytes); `write_debrief` writes both into a folder
for the platforms to post (the Markdown as a message, the chart as an
attachment).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from game.engine import apply
from game.events import (
    AgreementReached,
    ArbitrationRuled,
    AttributionMade,
    BackchannelLeaked,
    BackchannelOpened,
    BreachCommitted,
    CooloffCalled,
    CrisisDeclared,
    CrisisEased,
    DomesticShock,
    EnteredIntoForce,
    Event,
    ForumVoteClosed,
    GameCreated,
    GameEnded,
    IncidentClosed,
    IncidentHit,
    MeasureTaken,
    MediationFailed,
    MediationOffered,
    MediationSettled,
    MediatorTextTabled,
    NewsPublished,
    OperationStoodDown,
    ProposalExpired,
    ProposalRejected,
    ProposalTabled,
    ProposalWithdrawn,
    RoundEnded,
    RoundStarted,
    ScoreCard,
    TechnologyShift,
)
from game.scenario import CatalogEntry, Scenario
from game.state import MEDIATOR, GameState, Proposal, Terms, pair_of

# What each kind of move mirrors, for the moves a catalog entry does not name.
# Facts from CONTENT-REFERENCE.md only: no date, article or quotation that
# it does not give (tests/cli/test_debrief.py checks the dates).
MOVE_INSTRUMENTS: tuple[tuple[str, str], ...] = (
    (
        "Confidence-building measures",
        "OSCE Permanent Council Decisions 1106 (December 2013, the initial eleven) and 1202 "
        "(March 2016, five more): contact points, consultations, protected communication "
        "channels, public–private partnerships, cooperation to protect critical infrastructure",
    ),
    (
        "Bilateral agreements",
        "bilateral precedents: the United States–Russia cyber CBMs (June 2013: a hotline between "
        "cybersecurity coordinators, CERT-to-CERT exchange) and the United States–China "
        "understanding (September 2015: no cyber-enabled theft of intellectual property for "
        "commercial advantage)",
    ),
    (
        "Forum norms",
        "the UN GGE 2015 report (A/70/174), para. 13: eleven voluntary, non-binding norms of "
        "responsible state behaviour, reaffirmed by the Open-Ended Working Group",
    ),
    (
        "Cooperation requests",
        "the Council of Europe Convention on Cybercrime (Budapest, opened for signature November "
        "2001): expedited preservation of stored data (Art. 29), the 24/7 network of contact "
        "points (Art. 35), mutual legal assistance",
    ),
    (
        "Diplomatic responses",
        "the EU Cyber Diplomacy Toolbox (2017): a joint diplomatic response to malicious cyber "
        "activities, up to restrictive measures (sanctions)",
    ),
    (
        "Investigation and public attribution",
        "the UN GGE 2015 report, norm (b): when an incident occurs, consider all relevant "
        "information, including its larger context and the difficulty of attribution",
    ),
    (
        "Capacity building",
        "the UN GGE 2015 report, norm (h): respond to requests for assistance from a state whose "
        "critical infrastructure is attacked; capacity building for less-resourced states",
    ),
    (
        "Private-sector partners",
        "the Paris Call for Trust and Security in Cyberspace (2018) and the Cybersecurity Tech "
        "Accord (2018): companies and civil society working with states",
    ),
    (
        "Mediation and arbitration",
        "peaceful settlement of disputes by a third party: good offices, a single negotiating "
        "text, and a binding ruling only where every party consented beforehand",
    ),
)

_STATUS_WORDS = {
    "draft": "never tabled",
    "tabled": "still on the table",
    "countered": "still under negotiation",
    "accepted": "agreed, not yet in force",
    "in_force": "in force",
    "rejected": "rejected",
    "withdrawn": "withdrawn",
    "expired": "expired unanswered",
}


# --- reading the log -----------------------------------------------------------------


@dataclass
class _Round:
    number: int
    lines: list[str] = field(default_factory=list)


def _rounds_of(events: Sequence[Event], state: GameState) -> list[_Round]:
    """The timeline: what happened, round by round (round 0 is the lobby)."""
    rounds: list[_Round] = [_Round(0)]

    def say(text: str) -> None:
        rounds[-1].lines.append(text)

    name = state.name_of
    for event in events:
        match event:
            case RoundStarted():
                rounds.append(_Round(event.round))
            case IncidentHit():
                i = event.incident
                author = name(i.author)
                if i.author != i.responsible:
                    author += f" (for {name(i.responsible)})"
                flag = (
                    f"; planted evidence pointed at {name(i.false_flag_against)}"
                    if i.false_flag_against
                    else ""
                )
                say(
                    f"Incident {i.id}: {i.headline} — {i.sector} in {name(i.victim)}, "
                    f"severity {i.severity or i.base_severity}. Really: {author}{flag}."
                )
            case OperationStoodDown():
                say(f"{name(event.state)} called off the operation {event.incident}.")
            case TechnologyShift():
                say(f"Technology shift: {event.inject.headline}.")
            case DomesticShock():
                say(f"Domestic shock in {name(event.inject.state)}: {event.inject.headline}.")
            case NewsPublished():
                say(f"News: {event.headline}.")
            case ProposalTabled():
                p = event.proposal
                say(f"{name(p.proposer)} tabled {p.id}: {_terms_text(state, p.terms)}.")
            case ProposalRejected():
                say(f"{name(event.state)} rejected {event.proposal}.")
            case ProposalWithdrawn():
                say(f"{name(event.state)} withdrew {event.proposal}.")
            case ProposalExpired():
                say(f"{event.proposal} expired unanswered.")
            case AgreementReached():
                say(f"Agreement on {event.proposal} (version {event.version}).")
            case EnteredIntoForce():
                say(f"{event.proposal} entered into force.")
            case BreachCommitted():
                b = event.breach
                say(
                    f"Breach: {name(b.breacher)} broke {b.proposal} against {name(b.victim)} "
                    f"(incident {b.incident})."
                )
            case ForumVoteClosed():
                outcome = "adopted" if event.adopted else "not adopted"
                say(
                    f"Forum vote on {event.proposal}: {outcome} "
                    f"({event.yes} yes, {event.no} no, {event.abstain} abstain, {event.absent} absent)."
                )
            case AttributionMade():
                a = event.attribution
                verdict = "right" if a.correct else "wrong"
                say(f"{name(a.by)} publicly blamed {name(a.culprit)} for {a.incident} ({verdict}).")
            case MeasureTaken():
                say(
                    f"{name(event.state)} took a measure against {name(event.target)}: {event.response}."
                )
            case BackchannelOpened():
                members = " and ".join(name(s) for s in event.channel.states)
                with_mediator = " with the mediator" if event.channel.mediator else ""
                say(f"Back-channel {event.channel.id} opened between {members}{with_mediator}.")
            case BackchannelLeaked():
                members = " and ".join(name(s) for s in event.states)
                say(f"Leak: the back-channel between {members} became public.")
            case MediationOffered():
                m = event.mediation
                say(
                    f"Mediation {m.id} offered to {', '.join(name(p) for p in m.parties)} "
                    f"({m.reason})."
                )
            case MediatorTextTabled():
                by = "the built-in mediator" if event.builtin else "the mediator"
                say(
                    f"{by.capitalize()} tabled a single negotiating text on {event.proposal}: "
                    f"{_terms_text(state, event.version.terms)}."
                )
            case ArbitrationRuled():
                binding = "binding" if event.binding else "not binding"
                say(f"Arbitration ruling on {event.proposal} ({binding}).")
            case MediationSettled():
                say(f"Mediation {event.mediation} settled.")
            case MediationFailed():
                say(f"Mediation {event.mediation} failed: {event.reason}.")
            case CooloffCalled():
                say(f"Cooling-off called for {', '.join(name(s) for s in event.states)}.")
            case IncidentClosed():
                say(f"Incident {event.incident} closed by cooperation request {event.proposal}.")
            case CrisisDeclared():
                say(f"Crisis: {_pair_name(state, event.pair)} at tension {event.tension}.")
            case CrisisEased():
                say(f"Crisis eased: {_pair_name(state, event.pair)} at tension {event.tension}.")
            case GameEnded():
                say(_ending_text(state, event))
            case _:
                pass
    return [r for r in rounds if r.lines]


def _final_scores(events: Sequence[Event]) -> dict[str, ScoreCard]:
    for event in reversed(events):
        if isinstance(event, GameEnded):
            return dict(event.scores)
    return {}


def tension_series(state: GameState, events: Sequence[Event]) -> dict[str, list[tuple[int, int]]]:
    """Pair -> [(round, tension at its end)], starting with round 0 at the
    scenario's starting tension."""
    start = state.rules.starting_tension
    initial = {pair: start for pair in state.relations}
    if events and isinstance(events[0], GameCreated):
        # Scenarios may set a pair's starting tension: read it from the created game.
        created = apply(None, events[0])
        initial.update({pair: r.tension for pair, r in created.relations.items()})
    series: dict[str, list[tuple[int, int]]] = {
        pair: [(0, tension)] for pair, tension in initial.items()
    }
    for event in events:
        if isinstance(event, RoundEnded):
            for pair, tension in event.tension.items():
                series.setdefault(pair, [(0, start)]).append((event.round, tension))
    if state.phase == "ended":
        # The game ends inside a round (conflict, the moderator): every pair
        # gets a point at that round, so every line reaches the end.
        last_round = max((points[-1][0] for points in series.values()), default=0)
        final = max(last_round, state.round)
        for pair, points in series.items():
            current = state.relations[pair].tension if pair in state.relations else None
            if current is None:
                continue
            if points[-1][0] == final:
                points[-1] = (final, current)
            elif points[-1][1] != current or final > points[-1][0]:
                points.append((final, current))
    return series


# --- words -------------------------------------------------------------------------------


def _entry(scenario: Scenario, kind: str, entry_id: str | None) -> CatalogEntry | None:
    if entry_id is None:
        return None
    return getattr(scenario.catalogs, kind).get(entry_id)


def _entry_name(scenario: Scenario, kind: str, entry_id: str | None) -> str:
    entry = _entry(scenario, kind, entry_id)
    return entry.name if entry else (entry_id or "?")


def _terms_text(state: GameState, terms: Terms) -> str:
    scenario = state.scenario
    parties = ", ".join(state.name_of(p) for p in terms.parties)
    match terms.kind:
        case "cbm":
            return f"CBM “{_entry_name(scenario, 'cbms', terms.cbm)}” ({parties})"
        case "norm":
            return f"norm “{_entry_name(scenario, 'norms', terms.norm)}”"
        case "agreement":
            clauses = []
            for clause_id, option_id in terms.clauses.items():
                clause = scenario.catalogs.clauses.get(clause_id)
                if clause is None:
                    clauses.append(f"{clause_id}: {option_id}")
                    continue
                option = next((o.label for o in clause.options if o.id == option_id), option_id)
                clauses.append(f"{clause.name}: {option}")
            return f"agreement ({parties}) — " + "; ".join(clauses)
        case "assistance":
            return f"assistance to {state.name_of(terms.recipient or '?')} in {terms.sector}"
        case "cooperation":
            return (
                f"cooperation request to {state.name_of(terms.requested or '?')} "
                f"on incident {terms.incident}"
            )
    return terms.kind


def _pair_name(state: GameState, pair: str) -> str:
    a, b = pair_of(pair)
    return f"{state.name_of(a)}–{state.name_of(b)}"


def _ending_text(state: GameState, event: GameEnded) -> str:
    match event.reason:
        case "conflict":
            pair = _pair_name(state, event.pair) if event.pair else "a pair"
            return f"The game ended in cyber conflict: {pair} reached tension 100."
        case "moderator":
            return f"The moderator ended the game in round {state.round}."
        case _:
            return f"The game ended after its last round ({state.round})."


def _fate(state: GameState, proposal: Proposal) -> str:
    breaches = [b for b in state.breaches if b.proposal == proposal.id]
    if breaches:
        who = sorted({state.name_of(b.breacher) for b in breaches})
        rounds = sorted({b.round for b in breaches})
        return f"breached by {', '.join(who)} (round {', '.join(map(str, rounds))})"
    if proposal.status == "in_force":
        return f"kept (in force since round {proposal.in_force_round})"
    return _STATUS_WORDS.get(proposal.status, proposal.status)


def _sources_used(state: GameState, events: Sequence[Event]) -> list[tuple[str, str, str]]:
    """(kind, entry name, source) for every catalog entry that came up in play."""
    scenario = state.scenario
    used: dict[tuple[str, str], None] = {}
    for p in state.proposals.values():
        for version in p.versions:
            t = version.terms
            if t.cbm:
                used[("cbms", t.cbm)] = None
            if t.norm:
                used[("norms", t.norm)] = None
            for clause in t.clauses:
                used[("clauses", clause)] = None
    for i in state.incidents.values():
        if i.status != "planned":
            used[("incidents", i.template)] = None
    for e in state.evidence.values():
        used[("evidence", e.template)] = None
    for event in events:
        if isinstance(event, MeasureTaken):
            used[("responses", event.response)] = None
        elif hasattr(event, "actor_id") and getattr(event, "actor_id", None):
            used[("actors", event.actor_id)] = None  # type: ignore[attr-defined]
    labels = {
        "cbms": "CBM",
        "norms": "norm",
        "clauses": "clause",
        "incidents": "incident",
        "evidence": "evidence",
        "responses": "response",
        "actors": "actor",
    }
    rows = []
    for kind, entry_id in used:
        entry = _entry(scenario, kind, entry_id)
        if entry is not None:
            rows.append((labels[kind], entry.name, entry.source))
    order = list(labels.values())
    return sorted(set(rows), key=lambda r: (order.index(r[0]), r[1]))


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


# --- the report ---------------------------------------------------------------------------


def stability_score(state: GameState) -> int:
    """The shared stability score: the average of (100 − tension) over all
    pairs, 0–100 (0 after a conflict)."""
    if state.ended_reason == "conflict" or not state.relations:
        return 0
    values = [100 - r.tension for r in state.relations.values()]
    return round(sum(values) / len(values))


def debrief_markdown(state: GameState, events: Sequence[Event], *, chart: str | None = None) -> str:
    """The after-action report as Markdown. `chart`: the file name of the
    tension chart, linked from the report when given."""
    scenario = state.scenario
    name = state.name_of
    out: list[str] = []
    add = out.append

    add(f"# Debrief — {scenario.title}")
    add("")
    ended = next((e for e in reversed(events) if isinstance(e, GameEnded)), None)
    if ended is not None:
        add(f"Game `{state.game_id}` · {_ending_text(state, ended)}")
    else:
        add(
            f"Game `{state.game_id}` · still running (round {state.round}); scores are provisional."
        )
    add("")

    # Scores
    scores = _final_scores(events)
    add("## Scores")
    add("")
    add(
        f"Shared stability: **{stability_score(state)}/100** (average of 100 − tension over all pairs)."
    )
    add("")
    if scores:
        add("| delegation | objectives | reputation | stability | total |")
        add("|---|---:|---:|---:|---:|")
        for sid in sorted(scores, key=lambda s: (-scores[s].total, s)):
            card = scores[sid]
            add(
                f"| {_cell(_flagged(state, sid))} | {card.objective_points} | "
                f"{card.reputation_points} | {card.stability_points} | **{card.total}** |"
            )
        add("")

    # Secret objectives
    add("## Secret objectives, revealed")
    add("")
    for profile in scenario.states:
        card = scores.get(profile.id)
        total = f" — {card.total} points" if card else ""
        add(f"**{_flagged(state, profile.id)}**{total}")
        add("")
        for objective in profile.objectives:
            met = card.objectives.get(objective.id) if card else None
            mark = "✅" if met else ("❌" if met is False else "·")
            add(f"- {mark} {objective.description} ({objective.points} points)")
        add("")

    # Final relations
    add("## Relations at the end")
    add("")
    add("| pair | tension | trust |")
    add("|---|---:|---:|")
    for pair in sorted(state.relations):
        r = state.relations[pair]
        crisis = " ⚠" if r.tension >= state.rules.crisis_at else ""
        add(f"| {_cell(_pair_name(state, pair))} | {r.tension}{crisis} | {r.trust} |")
    add("")
    if chart:
        add(f"![Tension per pair over the rounds]({chart})")
        add("")

    # Agreements and CBMs
    add("## Agreements, CBMs and their fate")
    add("")
    deals = [p for p in state.proposals.values() if p.kind != "norm"]
    if not deals:
        add("No proposal was tabled.")
    for p in sorted(deals, key=_proposal_order):
        by = "the mediator" if p.proposer == MEDIATOR else name(p.proposer)
        versions = f", {len(p.versions)} versions" if len(p.versions) > 1 else ""
        add(f"- **{p.id}** {_terms_text(state, p.terms)} — by {by}{versions}: {_fate(state, p)}")
    add("")

    # Forum
    norms = [p for p in state.proposals.values() if p.kind == "norm"]
    add("## Forum votes")
    add("")
    if not norms:
        add("No norm was put to the forum.")
    for p in sorted(norms, key=_proposal_order):
        votes = ", ".join(f"{name(s)} {v}" for s, v in sorted(p.votes.items())) or "no votes cast"
        outcome = (
            "adopted"
            if p.status in ("accepted", "in_force")
            else _STATUS_WORDS.get(p.status, p.status)
        )
        add(f"- **{p.id}** {_terms_text(state, p.terms)}: {outcome} ({votes})")
    add("")

    # Incidents and attributions
    add("## Incidents and attributions")
    add("")
    incidents = [i for i in state.incidents.values() if i.status != "planned"]
    if not incidents:
        add("No incident hit.")
    for i in sorted(incidents, key=lambda i: (i.round, _num(i.id))):
        if i.status == "stood_down":
            add(f"- **{i.id}** {i.headline}: called off by {name(i.responsible)} before it hit.")
            continue
        author = name(i.author) + (
            f" for {name(i.responsible)}" if i.author != i.responsible else ""
        )
        flag = f" False flag against {name(i.false_flag_against)}." if i.false_flag_against else ""
        add(
            f"- **{i.id}** (round {i.round}) {i.headline} — {i.sector}, {name(i.victim)}, "
            f"severity {i.severity or i.base_severity}. The real author: {author}.{flag}"
        )
        for a in (a for a in state.attributions if a.incident == i.id):
            verdict = "✅ right" if a.correct else "❌ wrong"
            add(f"  - {name(a.by)} named {name(a.culprit)} (round {a.round}): {verdict}")
    right = sum(1 for a in state.attributions if a.correct)
    wrong = len(state.attributions) - right
    add("")
    add(f"Public attributions: {right} right, {wrong} wrong.")
    add("")

    # Mediations
    add("## Mediations")
    add("")
    if not state.mediations:
        add("No mediation.")
    for m in sorted(state.mediations.values(), key=lambda m: _num(m.id)):
        parties = ", ".join(name(p) for p in m.parties)
        text = "a single negotiating text was tabled" if m.text_tabled else "no text tabled"
        binding = " (parties consented to arbitration)" if m.arbitration else ""
        add(
            f"- **{m.id}** on {m.proposal} between {parties}, from round {m.opened_round} "
            f"({m.reason}): {m.status}; {text}{binding}."
        )
    add("")

    # Timeline
    add("## Timeline")
    add("")
    for r in _rounds_of(events, state):
        add(f"**{'Before the first round' if r.number == 0 else f'Round {r.number}'}**")
        add("")
        out.extend(f"- {line}" for line in r.lines)
        add("")

    # Real instruments
    add("## The real instruments behind the moves")
    add("")
    for kind, instrument in MOVE_INSTRUMENTS:
        add(f"- **{kind}**: {instrument}.")
    used = _sources_used(state, events)
    if used:
        add("")
        add("In this game:")
        add("")
        add("| move | entry | mirrors |")
        add("|---|---|---|")
        for kind, entry_name, source in used:
            add(f"| {kind} | {_cell(entry_name)} | {_cell(source)} |")
    add("")
    return "\n".join(out)


def _flagged(state: GameState, state_id: str) -> str:
    try:
        profile = state.profile(state_id)
    except KeyError:
        return state_id
    return f"{profile.flag} {profile.name}"


def _num(ident: str) -> int:
    digits = "".join(c for c in ident if c.isdigit())
    return int(digits) if digits else 0


def _proposal_order(p: Proposal) -> int:
    return _num(p.id)


# --- the chart ----------------------------------------------------------------------------


def write_tension_chart(state: GameState, events: Sequence[Event], path: Path) -> Path:
    """Tension per pair over the rounds, with the crisis and conflict lines,
    as a PNG. Deterministic: the same game gives the same file.

    Readable with many pairs (a six-state scenario has fifteen): the legend
    sits outside the plot, and colours and line styles combine so no two
    pairs look alike."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt
    from matplotlib.figure import Figure

    series = tension_series(state, events)
    pairs = sorted(series)
    many = len(pairs) > 6
    figure = Figure(figsize=(11 if many else 8, 5.5 if many else 4.5), dpi=100)
    axes = figure.add_subplot()
    colours = plt.get_cmap("tab20" if len(pairs) > 10 else "tab10").colors
    styles = ("-", "--", "-.", ":")
    markers = ("o", "s", "^", "D", "v")
    for index, pair in enumerate(pairs):
        rounds = [r for r, _ in series[pair]]
        values = [t for _, t in series[pair]]
        axes.plot(
            rounds,
            values,
            color=colours[index % len(colours)],
            linestyle=styles[(index // len(colours)) % len(styles)],
            marker=markers[index % len(markers)],
            markersize=4,
            linewidth=2,
            label=_ascii_pair(state, pair),
        )
    crisis, conflict = state.rules.crisis_at, state.rules.conflict_at
    axes.axhline(crisis, color="black", linestyle="--", linewidth=1, label=f"crisis ({crisis})")
    axes.axhline(
        conflict, color="black", linestyle=":", linewidth=2, label=f"conflict ({conflict})"
    )
    last = max((r for points in series.values() for r, _ in points), default=1)
    axes.set_ylim(0, 105)
    axes.set_xlim(0, max(1, last))
    axes.set_xticks(range(0, max(1, last) + 1))
    axes.set_xlabel("round (0 = start)")
    axes.set_ylabel("tension (0–100)")
    ending = ""
    if state.phase == "ended":
        ending = " — ended in cyber conflict" if state.ended_reason == "conflict" else ""
    axes.set_title(f"Tension per pair — {state.scenario.title}{ending}")
    axes.grid(True, alpha=0.3)
    axes.legend(
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        fontsize=8,
        title="pair",
        title_fontsize=8,
        frameon=False,
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, format="png", metadata={"Software": None}, bbox_inches="tight")
    plt.close("all")
    return path


def _ascii_pair(state: GameState, pair: str) -> str:
    # State names only (flags are emoji the default font cannot draw).
    a, b = pair_of(pair)
    return f"{state.name_of(a)}–{state.name_of(b)}"


@dataclass(frozen=True)
class DebriefFiles:
    markdown: Path
    chart: Path


def write_debrief(state: GameState, events: Sequence[Event], folder: Path) -> DebriefFiles:
    """The report and its chart, side by side in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    chart = write_tension_chart(state, events, folder / f"{state.game_id}-tension.png")
    markdown = folder / f"{state.game_id}-debrief.md"
    markdown.write_text(debrief_markdown(state, events, chart=chart.name), encoding="utf-8")
    return DebriefFiles(markdown, chart)

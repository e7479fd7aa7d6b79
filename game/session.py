"""Running the session: pause and resume, advancing, injects, deadlines,
readiness, the end, and the clock's `Tick`.

`Tick` decides whatever is due at `ctx.now`, in order: the end of a
cooling-off; proposal deadlines (a norm's vote closes with the votes cast;
other proposals expire, which is a stall, or ends a mediator's text);
reminders (to the delegations that still owe a move, before the round's and
proposals' deadlines); the round's deadline (resolution step, next round).
"""

from __future__ import annotations

from datetime import timedelta

from game.base import RuleError
from game.commands import (
    AdvanceRound,
    EndGame,
    ExtendDeadline,
    InjectEvent,
    MarkReady,
    PauseGame,
    ResumeGame,
    Tick,
)
from game.decision import Decision
from game.events import (
    CooloffEnded,
    DeadlineExtended,
    DelegationReady,
    GamePaused,
    GameResumed,
    ProposalExpired,
    ReminderSent,
)
from game.incidents import play_inject
from game.rounds import advance


def pause(d: Decision, c: PauseGame) -> None:
    d.emit(GamePaused)


def resume(d: Decision, c: ResumeGame) -> None:
    paused_at = d.state.paused_at or d.now
    d.emit(GameResumed, shift_seconds=max(0.0, (d.now - paused_at).total_seconds()))


def advance_round(d: Decision, c: AdvanceRound) -> None:
    advance(d)


def end(d: Decision, c: EndGame) -> None:
    d.end("moderator")


def inject(d: Decision, c: InjectEvent) -> None:
    s = d.state
    if (c.inject is None) == (c.scheduled is None):
        raise RuleError("Name one inject: a scheduled one by its number, or an ad hoc one.")
    if c.scheduled is not None:
        injects = s.scenario.injects
        if c.scheduled >= len(injects):
            raise RuleError(
                f"The scenario has {len(injects)} injects, numbered 0 to {len(injects) - 1}."
            )
        if c.scheduled in s.injected:
            raise RuleError(f"Inject {c.scheduled} has been played already.")
        play_inject(d, injects[c.scheduled], c.scheduled)
    else:
        play_inject(d, c.inject)


def extend(d: Decision, c: ExtendDeadline) -> None:
    s = d.state
    if c.proposal is None:
        if s.round_deadline is None:
            raise RuleError("The round has no deadline to extend.")
        d.emit(DeadlineExtended, deadline=s.round_deadline + timedelta(minutes=c.minutes))
        return
    p = s.proposals.get(c.proposal)
    if p is None or not p.is_open or p.deadline is None:
        open_ = [x.id for x in s.proposals.values() if x.is_open]
        raise RuleError(
            f"{c.proposal} has no open deadline; open proposals: {', '.join(open_) or 'none'}."
        )
    d.emit(DeadlineExtended, proposal=p.id, deadline=p.deadline + timedelta(minutes=c.minutes))


def everyone_ready(d: Decision) -> bool:
    humans = d.state.human_states()
    return bool(humans) and all(d.state.delegations[h].ready for h in humans)


def ready(d: Decision, c: MarkReady, state_id: str) -> None:
    if d.state.delegations[state_id].ready == c.ready:
        raise RuleError(
            "Your delegation is already marked ready."
            if c.ready
            else "Your delegation was not marked ready."
        )
    d.emit(DelegationReady, state=state_id, ready=c.ready)
    if c.ready and d.state.early_advance and everyone_ready(d):
        advance(d)


def _owing_round(d: Decision) -> list[str]:
    return [h for h in d.state.human_states() if not d.state.delegations[h].ready]


def _owing_proposal(d: Decision, pid: str) -> list[str]:
    p = d.state.proposals[pid]
    if p.kind == "norm":
        return [x for x in d.state.state_ids if x not in p.votes]
    return [x for x in p.terms.parties if x not in p.accepted_by]


def tick(d: Decision, c: Tick) -> None:
    from game.forum import close as close_vote
    from game.mediation import on_expiry

    if d.state.phase != "negotiation":
        return
    now = d.now
    lead = d.state.reminder_lead()
    if d.state.cooloff_until is not None and d.state.cooloff_until <= now:
        d.emit(CooloffEnded)
    for pid in sorted(d.state.proposals, key=lambda x: int(x[1:])):
        p = d.state.proposals[pid]
        if not p.is_open or p.deadline is None:
            continue
        if p.deadline <= now:
            if p.kind == "norm":
                close_vote(d, pid)
            else:
                d.emit(ProposalExpired, proposal=pid, owing=_owing_proposal(d, pid))
                on_expiry(d, pid)
        elif not p.reminded and lead and p.deadline - lead <= now:
            d.emit(ReminderSent, proposal=pid, owing=_owing_proposal(d, pid), deadline=p.deadline)
    deadline = d.state.round_deadline
    if deadline is None:
        return
    if deadline <= now:
        advance(d)
    elif not d.state.round_reminded and lead and deadline - lead <= now and _owing_round(d):
        d.emit(ReminderSent, owing=_owing_round(d), deadline=deadline)

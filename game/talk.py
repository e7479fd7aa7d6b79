"""Talk: public statements, back-channels and what is said in them.

A back-channel is a private talk between two or more delegations (optionally
with the mediator); opening one costs `backchannel_cost`. Any member may close
it. At each resolution step (game/rounds.py) two states that both spoke in an
open back-channel between them that round see their tension fall and their
trust rise (dialogue lowers misperception), and an open back-channel may
leak: its existence and parties, never its words, become public news.
"""

from __future__ import annotations

from game.base import PlayerRef, RuleError
from game.commands import CloseBackchannel, MakeStatement, OpenBackchannel, Whisper
from game.decision import Decision
from game.events import BackchannelClosed, BackchannelOpened, StatementMade, WhisperSent
from game.proposals import pay
from game.state import MEDIATOR, Backchannel, Message


def _speaker(d: Decision, actor: PlayerRef, state_id: str | None) -> str:
    return state_id if state_id is not None else MEDIATOR


def statement(d: Decision, c: MakeStatement, state_id: str | None) -> None:
    d.emit(
        StatementMade,
        message=Message(
            by=_speaker(d, c.actor, state_id),
            player=c.actor.name,
            text=c.text,
            at=d.now,
            round=d.state.round,
        ),
    )


def open_channel(d: Decision, c: OpenBackchannel, state_id: str) -> None:
    s = d.state
    states = list(dict.fromkeys([state_id, *c.states]))
    for sid in states:
        if sid not in s.delegations:
            raise RuleError(f"There is no state {sid!r}; the states are {', '.join(s.state_ids)}.")
    if len(states) < 2:
        raise RuleError("Name at least one other state to talk with.")
    for ch in s.backchannels.values():
        if ch.open and sorted(ch.states) == sorted(states) and ch.mediator == c.with_mediator:
            raise RuleError(f"Back-channel {ch.id} with them is already open.")
    effects = pay(s, state_id, s.rules.backchannel_cost, "opening a back-channel")
    channel = Backchannel(
        id=s.next_id("B", s.backchannels),
        states=states,
        mediator=c.with_mediator,
        opened_by=state_id,
        opened_round=s.round,
    )
    d.emit(BackchannelOpened, channel=channel, effects=effects)


def _channel(d: Decision, cid: str, state_id: str | None) -> Backchannel:
    s = d.state
    ch = s.backchannels.get(cid)
    mine = [
        x.id
        for x in s.backchannels.values()
        if x.open and ((state_id in x.states) if state_id else x.mediator)
    ]
    if ch is None or not ch.open:
        raise RuleError(
            f"There is no open back-channel {cid!r}; yours: {', '.join(mine) or 'none'}."
        )
    if state_id is not None and state_id not in ch.states:
        raise RuleError(
            f"Your state is not in back-channel {cid}; yours: {', '.join(mine) or 'none'}."
        )
    if state_id is None and not ch.mediator:
        raise RuleError(f"The mediator is not in back-channel {cid}.")
    return ch


def close_channel(d: Decision, c: CloseBackchannel, state_id: str) -> None:
    ch = _channel(d, c.channel, state_id)
    d.emit(BackchannelClosed, channel=ch.id, by=state_id)


def whisper(d: Decision, c: Whisper, state_id: str | None) -> None:
    ch = _channel(d, c.channel, state_id)
    d.emit(
        WhisperSent,
        channel=ch.id,
        message=Message(
            by=_speaker(d, c.actor, state_id),
            player=c.actor.name,
            text=c.text,
            at=d.now,
            round=d.state.round,
        ),
    )

"""The forum: norm proposals voted on by every state.

A norm passes when the share of yes votes among all states reaches the
scenario's `forum_majority`; with a majority of 1 the forum works by
consensus (no objection: no "no" vote and at least one yes; abstentions do
not block). The vote closes when every state has voted, or at the
proposal's deadline with the votes cast (absent states count as not yes).
An adopted norm is in force from the next resolution step.
"""

from __future__ import annotations

from game.base import RuleError
from game.commands import CastVote
from game.decision import Decision
from game.events import ForumVoteClosed, VoteCast
from game.proposals import get
from game.state import GameState, Proposal


def passes(state: GameState, p: Proposal) -> tuple[bool, int, int, int, int]:
    votes = p.votes
    yes = sum(1 for v in votes.values() if v == "yes")
    no = sum(1 for v in votes.values() if v == "no")
    abstain = sum(1 for v in votes.values() if v == "abstain")
    total = len(state.state_ids)
    absent = total - len(votes)
    majority = state.rules.forum_majority
    if majority >= 1:
        adopted = no == 0 and yes >= 1 and absent == 0
    else:
        adopted = yes / total >= majority if yes else False
    return adopted, yes, no, abstain, absent


def close(d: Decision, pid: str) -> None:
    adopted, yes, no, abstain, absent = passes(d.state, d.state.proposals[pid])
    d.emit(
        ForumVoteClosed,
        proposal=pid,
        adopted=adopted,
        yes=yes,
        no=no,
        abstain=abstain,
        absent=absent,
    )


def close_if_all_voted(d: Decision, pid: str) -> None:
    p = d.state.proposals[pid]
    if p.is_open and set(d.state.state_ids) <= set(p.votes):
        close(d, pid)


def vote(d: Decision, c: CastVote, state_id: str) -> None:
    p = get(d.state, c.proposal)
    if p.kind != "norm":
        raise RuleError(
            f"{p.id} is not a forum vote; answer it with `respond accept|reject {p.id}`."
        )
    if not p.is_open:
        raise RuleError(f"The vote on {p.id} is closed ({p.status}).")
    if state_id in p.votes:
        raise RuleError(f"Your state already voted {p.votes[state_id]} on {p.id}.")
    d.emit(VoteCast, proposal=p.id, state=state_id, vote=c.vote)
    close_if_all_voted(d, p.id)

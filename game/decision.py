"""A decision in progress: the events so far and the state they lead to.

Rules emit events through `Decision.emit`, which applies each at once, so a
later rule sees the earlier ones' effects (a crisis declared by the tension
an incident raised). After every event that moves tension it checks the
thresholds: crossing `crisis_at` declares a crisis (everyone is told),
falling back eases it, reaching `conflict_at` ends the game in conflict,
which stops the decision (`GameOver`). `check_thresholds` runs the same check
when no tension moved: a round begins with a pair already past a threshold
(a scenario that starts in crisis).
"""

from __future__ import annotations

from typing import Any

from game.base import Context
from game.events import CrisisDeclared, CrisisEased, Effects, GameEnded
from game.fold import fold
from game.state import EndReason, GameState


class GameOver(Exception):
    """The decision ended the game; stop deciding."""


class Decision:
    def __init__(self, state: GameState, ctx: Context) -> None:
        self.state = state
        self.ctx = ctx
        self.events: list[Any] = []

    @property
    def now(self):
        return self.ctx.now

    @property
    def rng(self):
        return self.ctx.rng

    def emit(self, event_type: type, **fields: Any) -> Any:
        event = event_type(at=self.ctx.now, **fields)
        self.events.append(event)
        self.state = fold(self.state, event)
        effects = getattr(event, "effects", None)
        if isinstance(effects, Effects) and effects.tension and self.state.phase != "ended":
            self.check_thresholds()
        return event

    def check_thresholds(self) -> None:
        rules = self.state.rules
        for key, r in sorted(self.state.relations.items()):
            if r.tension >= rules.conflict_at:
                self.end("conflict", pair=key)
            if r.tension >= rules.crisis_at and not r.crisis:
                self.emit(CrisisDeclared, pair=key, tension=r.tension)
            elif r.tension < rules.crisis_at and r.crisis:
                self.emit(CrisisEased, pair=key, tension=r.tension)

    def end(self, reason: EndReason, pair: str | None = None) -> None:
        from game.scoring import scores

        final = scores(self.state.model_copy(update={"ended_reason": reason}))
        self.emit(GameEnded, reason=reason, pair=pair, scores=final)
        raise GameOver

"""Building blocks shared by the whole core: frozen models, identities, the
decision context, the command and event bases, and the two error families.

`game/` never reads a clock or global randomness: the caller passes a
`Context` with the current time and a random generator seeded from the game
(see `Context.for_game`), and every random outcome is written into an event,
so `apply` needs no randomness and a game replays exactly from its log.
"""

from __future__ import annotations

import random as _random_module
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Platform = Literal["discord", "slack", "console", "system"]


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class PlayerRef(Frozen):
    """A person, as a platform knows them. `key` is unique across platforms."""

    platform: Platform
    user_id: str = Field(min_length=1)
    name: str = Field(min_length=1, max_length=80)

    @property
    def key(self) -> str:
        return f"{self.platform}:{self.user_id}"


SYSTEM = PlayerRef(platform="system", user_id="system", name="Détente")


class CommandBase(Frozen):
    """Every command carries a unique id (the platform's interaction or event
    id; timers derive theirs from the deadline), the game it targets and who
    issues it. The service deduplicates on `command_id`."""

    command_id: str = Field(min_length=1, max_length=200)
    game_id: str = Field(min_length=1, max_length=100)
    actor: PlayerRef


class EventBase(Frozen):
    """Every event carries its schema version `v` so old logs stay readable."""

    v: int = 1
    at: datetime


class Context:
    """What `decide` may know of the outside world: the time and a seeded RNG."""

    __slots__ = ("now", "rng")

    def __init__(self, now: datetime, rng: _random_module.Random) -> None:
        self.now = now
        self.rng = rng

    @classmethod
    def for_game(cls, now: datetime, seed: int, sequence: int) -> Context:
        """The RNG is a pure function of the game's seed and its event count,
        so the same command on the same state always decides the same."""
        return cls(now, _random_module.Random(f"{seed}:{sequence}"))


class RuleError(Exception):
    """The player broke a rule. `message` is fit to show them, and says what
    they can do instead. Nothing changed."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvariantBroken(Exception):
    """A bug: the core reached a state its rules forbid. The service freezes
    the game and tells the moderator; it never silently continues."""

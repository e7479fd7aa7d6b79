"""Keeping full garbage collections out of the command path.

A service holds thousands of long-lived game states. CPython's collector
walks every tracked object in a full (generation 2) collection, which with
1,000 cached games takes 70–250 ms — a stall that lands on whichever
command happens to allocate at that moment (docs/performance.md). Game
states hold no reference cycles, so reference counting frees them; the
cyclic collector has nothing to find among them.

So the service settles the heap between commands: it collects once and
freezes what is alive (`gc.freeze`), so those objects leave the collector's
sight and later collections walk only what is new. It does so each time
the cache has taken in as many new games as it held at the last settling
(at least `every`), and after every `every_commands` commands, so that what
the collector walks stays small: many pauses of a few milliseconds instead
of one of a quarter of a second.
"""

from __future__ import annotations

import gc


class HeapSettler:
    def __init__(self, every: int = 1000, every_commands: int = 2000) -> None:
        self.every = every
        self.every_commands = every_commands
        self.settled_at = 0  # games held at the last settling
        self._loaded = 0  # games loaded since
        self._commands = 0  # commands applied since

    def game_loaded(self, held: int) -> bool:
        """Count a game loaded into the cache; True when it is time to settle."""
        self._loaded += 1
        if self._loaded < max(self.every, self.settled_at):
            return False
        self._loaded = 0
        self.settled_at = held
        return True

    def command_applied(self) -> bool:
        """Count an applied command; True when it is time to settle."""
        self._commands += 1
        if self._commands < self.every_commands:
            return False
        self._commands = 0
        return True

    @staticmethod
    def settle() -> None:
        gc.collect()
        gc.freeze()

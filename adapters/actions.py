"""Button identifiers that survive restarts, shared by the platform adapters.

A notice's `Action` (verb + args: game, proposal, version …) is encoded into
the platform's button id — Discord's `custom_id` (at most 100 characters),
Slack's `action_id`/`value` — so a click after a restart still names exactly
the command it stands for, and a click on an outdated proposal version is
answered by the core with the current one. Nothing is kept in memory.

Format: ``dt1|<verb>|<key>=<value>;<key>=<value>…`` with keys sorted, values
percent-escaped for the separators. Integers are marked with a leading ``#``.
"""

from __future__ import annotations

from urllib.parse import quote, unquote

from game.notice import Action

PREFIX = "dt1"
DISCORD_CUSTOM_ID_MAX = 100


class ActionIdError(ValueError):
    """The id is not one of ours, or was damaged: answer "this button is no
    longer valid" and change nothing."""


def _escape(value: str) -> str:
    return quote(value, safe="-_.:~@+ ")


def encode_action(action: Action, *, limit: int | None = None) -> str:
    parts = []
    for key in sorted(action.args):
        value = action.args[key]
        text = f"#{value}" if isinstance(value, int) else _escape(value)
        parts.append(f"{_escape(key)}={text}")
    encoded = f"{PREFIX}|{_escape(action.verb)}|{';'.join(parts)}"
    if limit is not None and len(encoded) > limit:
        raise ActionIdError(
            f"button {action.label!r} needs {len(encoded)} characters of id; the platform allows "
            f"{limit}. Use a shorter game id."
        )
    return encoded


def decode_action(encoded: str) -> tuple[str, dict[str, str | int]]:
    """(verb, args) back from an encoded id."""
    pieces = encoded.split("|")
    if len(pieces) != 3 or pieces[0] != PREFIX or not pieces[1]:
        raise ActionIdError(f"not a Détente button: {encoded[:40]!r}")
    args: dict[str, str | int] = {}
    if pieces[2]:
        for part in pieces[2].split(";"):
            key, sep, text = part.partition("=")
            if not sep or not key:
                raise ActionIdError(f"damaged button id: {encoded[:40]!r}")
            if text.startswith("#"):
                try:
                    args[unquote(key)] = int(text[1:])
                except ValueError as exc:
                    raise ActionIdError(f"damaged button id: {encoded[:40]!r}") from exc
            else:
                args[unquote(key)] = unquote(text)
    return unquote(pieces[1]), args

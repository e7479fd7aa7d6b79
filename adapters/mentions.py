"""Player-written text never pings anyone: mass mentions and mention syntax
are neutralised before any platform shows it (PLATFORM-UX.md)."""

from __future__ import annotations

import re

_ZWSP = "\u200b"
_DISCORD_MENTION = re.compile(r"<(@[!&]?|#)(\d+)>")
_MASS = re.compile(r"@(everyone|here|channel)\b", re.IGNORECASE)


def neutralise_discord(text: str) -> str:
    """`@everyone` → `@\u200beveryone`; `<@123>` → `<@\u200b123>`."""
    text = _MASS.sub(lambda m: "@" + _ZWSP + m.group(1), text)
    return _DISCORD_MENTION.sub(lambda m: f"<{m.group(1)}{_ZWSP}{m.group(2)}>", text)


def escape_slack(text: str) -> str:
    """Slack's three control characters, so `<!everyone>` or `<@U123>` in a
    player's text is shown, not acted on; `@here` without brackets does not
    notify in messages posted by apps, but is broken up as well."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MASS.sub(lambda m: "@" + _ZWSP + m.group(1), text)

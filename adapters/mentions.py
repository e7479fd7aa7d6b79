"""Player-written text never pings anyone (PLATFORM-UX.md): one place that
makes mentions inert, for every platform and the terminal.

What would ping people on a chat platform: `@everyone`, `@here`, Discord's
`<@123>`, `<@!123>`, `<@&role>`, `<#channel>`, Slack's `<!here>`,
`<!channel>`, `<!everyone>`, `<@U123>`. A zero-width space after the `@` or
`<` keeps the text readable and makes it inert everywhere.
"""

from __future__ import annotations

import re

_ZWSP = "\u200b"
_MENTION = re.compile(r"@(?=(everyone|here|channel)\b)|<(?=[@#!])", re.IGNORECASE)


def neutralise_mentions(text: str) -> str:
    """Player-written text with every mass or direct mention made inert."""
    return _MENTION.sub(lambda m: m.group(0) + _ZWSP, text)


def escape_slack(text: str) -> str:
    """Slack's three control characters escaped (so `<!everyone>` is shown,
    not acted on), and bare mass mentions made inert."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return neutralise_mentions(text)

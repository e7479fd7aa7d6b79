"""Notices as Discord messages: one embed, buttons in action rows, a modal
for actions that open a form. Produces the JSON payloads of Discord's API
(what discord.py's `Embed.to_dict()` and views serialise to), so the bot can
send them through discord.py and tests can check them without a network.

Limits honoured here (Discord's API reference): title 256, description
4096, 25 fields (name 256, value 1024), 5 buttons a row, 5 rows, custom_id
100, modal title 45, text input label 45. Player text is neutralised and
`allowed_mentions` parses nothing, so a message never pings anyone.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from adapters.actions import DISCORD_CUSTOM_ID_MAX, encode_action
from adapters.mentions import neutralise_mentions
from game.notice import Action, Notice

BUTTON_STYLE = {"primary": 1, "secondary": 2, "success": 3, "danger": 4}
COLOUR = {
    "crisis": 0xC0392B,
    "incident": 0xE67E22,
    "proposal": 0x2980B9,
    "forum": 0x8E44AD,
    "mediation": 0x16A085,
    "round": 0x7F8C8D,
    "error": 0xE74C3C,
    "debrief": 0x2C3E50,
}


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def timestamp(when: datetime) -> str:
    """A time every reader sees in their own zone: absolute and relative."""
    unix = int(when.timestamp())
    return f"<t:{unix}:f> (<t:{unix}:R>)"


def render_message(notice: Notice) -> dict[str, Any]:
    body = neutralise_mentions(notice.body) if notice.author else notice.body
    embed: dict[str, Any] = {"title": _cut(notice.title, 256), "description": _cut(body, 4096)}
    if notice.kind in COLOUR:
        embed["color"] = COLOUR[notice.kind]
    if notice.author:
        embed["author"] = {"name": _cut(neutralise_mentions(notice.author), 256)}
    fields = [
        {"name": _cut(f.name, 256), "value": _cut(f.value, 1024), "inline": f.inline}
        for f in notice.fields
    ]
    if notice.deadline is not None:
        fields.append({"name": "Deadline", "value": timestamp(notice.deadline), "inline": False})
    if fields:
        embed["fields"] = fields[:25]
    payload: dict[str, Any] = {"embeds": [embed], "allowed_mentions": {"parse": []}}
    rows = [notice.actions[i : i + 5] for i in range(0, min(len(notice.actions), 25), 5)]
    if rows:
        payload["components"] = [
            {"type": 1, "components": [render_button(a) for a in row]} for row in rows
        ]
    return payload


def render_button(action: Action) -> dict[str, Any]:
    return {
        "type": 2,
        "style": BUTTON_STYLE[action.style],
        "label": _cut(action.label, 80),
        "custom_id": encode_action(action, limit=DISCORD_CUSTOM_ID_MAX),
    }


def render_modal(action: Action) -> dict[str, Any]:
    """The form an action opens (e.g. Counter, pre-filled with the current
    terms): the `data` of an interaction response of type 9 (MODAL)."""
    rows = []
    for field in action.form[:5]:
        text_input: dict[str, Any] = {
            "type": 4,
            "custom_id": field.name[:100],
            "label": _cut(field.label, 45),
            "style": 2 if field.multiline else 1,
            "required": field.required,
        }
        if field.value:
            text_input["value"] = _cut(field.value, 4000)
        if field.choices:
            text_input["placeholder"] = _cut("e.g. " + ", ".join(field.choices), 100)
        rows.append({"type": 1, "components": [text_input]})
    return {
        "custom_id": encode_action(action, limit=DISCORD_CUSTOM_ID_MAX),
        "title": _cut(action.label, 45),
        "components": rows,
    }

"""Notices as Slack Block Kit: header, sections, fields, a context line with
the deadline in each reader's time zone, and an actions block of buttons;
a modal view for actions that open a form. Produces the JSON Slack's Web API
takes (`chat.postMessage` blocks, `views.open` view), checked by tests
without a network.

Limits honoured here (Block Kit reference): header text 150, section text
3000, 10 fields of 2000 per section, 25 elements in an actions block,
button text 75, action_id 255, value 2000, modal title 24, select options
100 of 75 characters. Player text is escaped, so it never mentions anyone.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from adapters.actions import encode_action
from adapters.mentions import escape_slack
from game.notice import Action, Notice

BUTTON_STYLE = {"primary": "primary", "success": "primary", "danger": "danger"}


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _plain(text: str, limit: int) -> dict[str, Any]:
    return {"type": "plain_text", "text": _cut(text, limit), "emoji": True}


def timestamp(when: datetime) -> str:
    """Slack renders `<!date^…>` in each reader's own time zone."""
    unix = int(when.timestamp())
    fallback = when.strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{unix}^{{date_short_pretty}} at {{time}}|{fallback}>"


def _chunks(text: str, size: int) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)] or [""]


def render_blocks(notice: Notice) -> dict[str, Any]:
    """`{"text": fallback, "blocks": [...]}` for chat.postMessage / postEphemeral."""
    body = escape_slack(notice.body) if notice.author else notice.body
    blocks: list[dict[str, Any]] = [{"type": "header", "text": _plain(notice.title, 150)}]
    for chunk in _chunks(body, 3000) if body else []:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": chunk}})
    fields = [
        {"type": "mrkdwn", "text": _cut(f"*{f.name}*\n{f.value}", 2000)} for f in notice.fields
    ]
    for i in range(0, len(fields), 10):
        blocks.append({"type": "section", "fields": fields[i : i + 10]})
    context = []
    if notice.author:
        context.append({"type": "mrkdwn", "text": f"by {escape_slack(notice.author)}"})
    if notice.deadline is not None:
        context.append({"type": "mrkdwn", "text": f"Deadline: {timestamp(notice.deadline)}"})
    if context:
        blocks.append({"type": "context", "elements": context})
    if notice.actions:
        blocks.append(
            {"type": "actions", "elements": [render_button(a) for a in notice.actions[:25]]}
        )
    return {"text": _cut(notice.title, 3000), "blocks": blocks}


def render_button(action: Action) -> dict[str, Any]:
    encoded = encode_action(action, limit=255)
    button: dict[str, Any] = {
        "type": "button",
        "text": _plain(action.label, 75),
        "action_id": encoded,
        "value": encoded,
    }
    if action.style in BUTTON_STYLE:
        button["style"] = BUTTON_STYLE[action.style]
    return button


def render_modal(action: Action) -> dict[str, Any]:
    """The `view` for views.open: one input block per form field, a select
    when the field has choices, pre-filled with the current value."""
    blocks = []
    for field in action.form:
        if field.choices:
            options = [{"text": _plain(c, 75), "value": c[:150]} for c in field.choices[:100]]
            element: dict[str, Any] = {
                "type": "static_select",
                "action_id": field.name,
                "options": options,
            }
            initial = [o for o in options if o["value"] == field.value]
            if initial:
                element["initial_option"] = initial[0]
        else:
            element = {
                "type": "plain_text_input",
                "action_id": field.name,
                "multiline": field.multiline,
            }
            if field.value:
                element["initial_value"] = _cut(field.value, 3000)
        blocks.append(
            {
                "type": "input",
                "block_id": field.name,
                "label": _plain(field.label, 2000),
                "element": element,
                "optional": not field.required,
            }
        )
    return {
        "type": "modal",
        "callback_id": encode_action(action, limit=255),
        "title": _plain(action.label, 24),
        "submit": _plain("Send", 24),
        "close": _plain("Cancel", 24),
        "blocks": blocks,
    }

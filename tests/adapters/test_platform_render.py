"""Every notice of whole games renders to valid Discord and Slack payloads —
checked by the platforms' own libraries (discord.py parses the components,
slack_sdk validates the Block Kit limits) — and its buttons decode back to
the command they stand for, with no memory of the game."""

from __future__ import annotations

from datetime import UTC, datetime

import discord
import pytest
from discord.components import ActionRow
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from adapters.actions import ActionIdError, decode_action, encode_action
from adapters.discord.render import render_message
from adapters.discord.render import render_modal as discord_modal
from adapters.slack.render import render_blocks
from adapters.slack.render import render_modal as slack_modal
from bot.content import load_scenario
from game.autoplay import play_out
from game.narrate import notices_for
from game.notice import Action, Audience, Notice

START = datetime(2030, 1, 1, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module", params=["twin-grids", "meridian-forum"])
def notices(request) -> list[Notice]:
    out: list[Notice] = []

    def collect(before, events, after) -> None:
        out.extend(notices_for(before, events, after))

    play_out(load_scenario(request.param), 3, START, on_batch=collect)
    assert len(out) > 50
    return out


def test_every_notice_is_a_valid_discord_message(notices) -> None:
    for notice in notices:
        payload = render_message(notice)
        embed = discord.Embed.from_dict(payload["embeds"][0])
        assert len(embed) <= 6000, notice.title
        assert len(embed.fields) <= 25
        assert payload["allowed_mentions"] == {"parse": []}
        rows = payload.get("components", [])
        assert len(rows) <= 5
        for row in rows:
            parsed = ActionRow(row)
            assert 1 <= len(parsed.children) <= 5
            for button in parsed.children:
                assert len(button.custom_id) <= 100


def test_every_notice_is_valid_block_kit(notices) -> None:
    for notice in notices:
        payload = render_blocks(notice)
        assert payload["text"]
        for block in payload["blocks"]:
            Block.parse(block).validate_json()


def test_forms_render_as_discord_and_slack_modals(notices) -> None:
    forms = [a for n in notices for a in n.actions if a.form]
    assert forms, "a whole game offers at least one Counter form"
    for action in forms:
        modal = discord_modal(action)
        assert len(modal["title"]) <= 45 and 1 <= len(modal["components"]) <= 5
        view = slack_modal(action)
        View(**view).validate_json()
        prefilled = [f for f in action.form if f.value]
        for field in prefilled:
            block = next(b for b in view["blocks"] if b["block_id"] == field.name)
            element = block["element"]
            assert element.get("initial_value") == field.value or (
                element.get("initial_option", {}).get("value") == field.value
            )


def test_buttons_decode_to_the_command_they_stand_for(notices) -> None:
    actions = [a for n in notices for a in n.actions]
    assert any(a.verb == "respond.accept" for a in actions)
    for action in actions:
        verb, args = decode_action(encode_action(action))
        assert verb == action.verb
        assert args == action.args
    accept = next(a for a in actions if a.verb == "respond.accept")
    assert isinstance(decode_action(encode_action(accept))[1]["version"], int)


def test_separators_in_values_survive_and_damaged_ids_are_refused() -> None:
    action = Action(verb="respond.accept", label="Accept", args={"game": "a|b;c=d%", "version": 3})
    assert decode_action(encode_action(action)) == ("respond.accept", dict(action.args))
    for bad in ["", "xyz", "dt1||", "dt1|respond.accept|version=#x", "dt1|v|novalue", "other|a|b"]:
        with pytest.raises(ActionIdError):
            decode_action(bad)


def test_a_button_id_too_long_for_discord_is_refused_with_the_reason() -> None:
    action = Action(verb="respond.accept", label="Accept", args={"game": "g" * 120})
    with pytest.raises(ActionIdError, match="allows 100"):
        render_message(Notice(audience=Audience.public(), title="x", actions=[action]))


def test_player_text_never_pings_anyone() -> None:
    notice = Notice(
        audience=Audience.public(),
        kind="statement",
        title="Statement",
        body="@everyone look <@123456> and <!channel> @here",
        author="Ana @everyone",
    )
    discord_text = render_message(notice)["embeds"][0]["description"]
    assert "@everyone" not in discord_text and "<@123456>" not in discord_text
    assert "@here" not in discord_text
    slack = str(render_blocks(notice)["blocks"])
    assert "<!channel>" not in slack and "<@123456>" not in slack
    assert "@everyone" not in slack


def test_deadlines_render_in_each_readers_time_zone() -> None:
    when = datetime(2030, 1, 1, 9, 15, tzinfo=UTC)
    notice = Notice(audience=Audience.public(), title="Round 1", deadline=when)
    unix = int(when.timestamp())
    fields = render_message(notice)["embeds"][0]["fields"]
    assert f"<t:{unix}:R>" in fields[-1]["value"]
    assert f"<!date^{unix}^" in str(render_blocks(notice)["blocks"])

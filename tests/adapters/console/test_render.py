"""Notices as terminal text: who speaks, to whom, in public or private, actions numbered."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from adapters.console.render import (
    Directory,
    group_identical,
    neutralise_mentions,
    render_notice,
    render_notices,
    visible_to,
)
from game.notice import Action, Audience, FormInput, Notice, NoticeField

DIRECTORY = Directory(
    states={"arcadia": "🇦 Arcadia", "borealis": "🇧 Borealis", "cascadia": "🇨 Cascadia"},
    backchannels={"B1": ("arcadia", "borealis")},
    you_state="arcadia",
    you_person="console:ana",
)
NOW = datetime(2030, 1, 1, 9, 0, tzinfo=UTC)


def test_public_statement_shows_the_speaker() -> None:
    notice = Notice(
        audience=Audience.public(),
        kind="statement",
        title="We condemn the attack",
        author="🇧 Borealis",
    )
    assert render_notice(notice, DIRECTORY).text.startswith("[public] 🇧 Borealis: We condemn")


def test_own_delegation_notice_is_marked_to_you() -> None:
    notice = Notice(audience=Audience.delegation("arcadia"), kind="briefing", title="Your briefing")
    assert render_notice(notice, DIRECTORY).text.startswith("[to you] Your briefing")


def test_watcher_sees_whose_delegation_a_private_notice_is_for() -> None:
    notice = Notice(audience=Audience.delegation("borealis"), title="Your briefing")
    assert render_notice(notice, Directory(states=DIRECTORY.states)).text.startswith(
        "[to Borealis] Your briefing"
    )


def test_backchannel_is_labelled_with_its_members() -> None:
    notice = Notice(audience=Audience.backchannel("B1"), kind="backchannel", title="Talks open")
    assert render_notice(notice, DIRECTORY).text.startswith("[back-channel Arcadia–Borealis]")


def test_mediator_and_moderator_labels() -> None:
    for audience, label in (
        (Audience.mediator(), "[mediator]"),
        (Audience.moderator(), "[moderator]"),
    ):
        assert render_notice(Notice(audience=audience, title="x"), DIRECTORY).text.startswith(label)


def test_actions_are_numbered_across_notices_with_the_command_to_type() -> None:
    accept = Action(
        verb="respond.accept",
        label="Accept",
        args={"proposal": "P1", "version": 1},
        command="respond accept P1",
    )
    reject = Action(verb="respond.reject", label="Reject", args={"proposal": "P1"})
    first = Notice(audience=Audience.public(), kind="proposal", title="P1", actions=[accept])
    second = Notice(audience=Audience.public(), kind="proposal", title="P2", actions=[reject])
    rendered = render_notices([first, second], DIRECTORY)
    assert "[1] Accept  →  respond accept P1" in rendered.text
    assert "[2] Reject  →  respond reject P1" in rendered.text
    assert rendered.actions == (accept, reject)


def test_fields_body_and_deadline_are_shown() -> None:
    notice = Notice(
        audience=Audience.public(),
        kind="proposal",
        title="Hotline",
        body="A direct line between cyber coordinators.",
        fields=[NoticeField(name="Parties", value="Arcadia, Borealis")],
        deadline=NOW + timedelta(minutes=10),
    )
    text = render_notice(notice, DIRECTORY, now=NOW).text
    assert "    A direct line between cyber coordinators." in text
    assert "    Parties: Arcadia, Borealis" in text
    assert "(in 10 min)" in text


def test_long_body_is_wrapped_and_indented() -> None:
    notice = Notice(audience=Audience.public(), title="News", body="word " * 60)
    lines = render_notice(notice, DIRECTORY).text.splitlines()[1:]
    assert len(lines) > 1 and all(line.startswith("    ") and len(line) <= 100 for line in lines)


def test_a_seat_sees_only_its_own_audiences() -> None:
    mine = Notice(audience=Audience.delegation("arcadia"), title="x")
    theirs = Notice(audience=Audience.delegation("borealis"), title="x")
    our_channel = Notice(audience=Audience.backchannel("B1"), title="x")
    other_channel = Notice(audience=Audience.backchannel("B2"), title="x")
    moderator = Notice(audience=Audience.moderator(), title="x")
    assert visible_to(mine, DIRECTORY) and visible_to(our_channel, DIRECTORY)
    assert not visible_to(theirs, DIRECTORY)
    assert not visible_to(other_channel, DIRECTORY)
    assert not visible_to(moderator, DIRECTORY)
    assert visible_to(theirs, DIRECTORY, watcher=True)


# --- readability: one block per message, chat lines, forms, mentions ------------------


def test_identical_notices_to_several_audiences_are_one_block_with_every_label() -> None:
    body = "Every party accepted."
    notices = [
        Notice(audience=Audience.delegation("arcadia"), kind="proposal", title="P1", body=body),
        Notice(audience=Audience.delegation("borealis"), kind="proposal", title="P1", body=body),
        Notice(audience=Audience.public(), kind="proposal", title="P1", body=body),
        Notice(audience=Audience.mediator(), kind="proposal", title="P1", body="Other words."),
    ]
    watcher = Directory(states=DIRECTORY.states)
    text = render_notices(notices, watcher).text
    assert text.count(body) == 1
    assert text.startswith("[public · to Arcadia · to Borealis] P1\n")
    assert "[mediator] P1\n    Other words." in text
    assert [len(a) for _, a in group_identical(notices)] == [3, 1]


def test_notices_with_different_actions_are_not_merged() -> None:
    accept = Action(verb="respond.accept", label="Accept", command="respond accept P1")
    with_button = Notice(audience=Audience.delegation("arcadia"), title="P1", actions=[accept])
    without = Notice(audience=Audience.mediator(), title="P1")
    assert len(group_identical([with_button, without])) == 2


def test_a_player_reads_public_and_to_you_once() -> None:
    mine = Notice(audience=Audience.delegation("arcadia"), kind="proposal", title="P1 in force")
    public = Notice(audience=Audience.public(), kind="proposal", title="P1 in force")
    text = render_notices([mine, public], DIRECTORY).text
    assert text == "[public · to you] P1 in force"


def test_mentions_in_player_text_are_neutralised() -> None:
    notice = Notice(
        audience=Audience.public(),
        kind="statement",
        title="🇦 Arcadia — statement",
        body="Hello @everyone and @here, ping <@123> <@!45> <@&7> <#9> <!channel> <!here>",
        author="@everyone (🇦 Arcadia)",
    )
    text = render_notice(notice, DIRECTORY).text
    for mention in ("@everyone", "@here", "<@1", "<@!", "<@&", "<#9", "<!channel", "<!here"):
        assert mention not in text
    assert "everyone" in text and "123" in text  # still readable
    assert neutralise_mentions("mail me at ana@example.org") == "mail me at ana@example.org"


def test_a_chat_line_names_its_speaker_once() -> None:
    statement = Notice(
        audience=Audience.public(),
        kind="statement",
        title="🇦 Arcadia — statement",
        body="We call for restraint.",
        author="Ana (🇦 Arcadia)",
    )
    assert render_notice(statement, DIRECTORY).text == (
        "[public] Ana (🇦 Arcadia): We call for restraint."
    )
    computer = Notice(
        audience=Audience.backchannel("B1"),
        kind="backchannel",
        title="🇧 Borealis",
        body="Ready to talk.",
        author="Borealis (🇧 Borealis)",
    )
    assert render_notice(computer, DIRECTORY).text == (
        "[back-channel Arcadia–Borealis] 🇧 Borealis: Ready to talk."
    )


def test_markdown_emphasis_reads_as_plain_text() -> None:
    notice = Notice(
        audience=Audience.public(),
        title="**Delegations**",
        body="**Hotline** — a direct line.\n_Mirrors: US–Russia CBMs (June 2013)_",
    )
    text = render_notice(notice, DIRECTORY).text
    assert "**" not in text and "_Mirrors" not in text
    assert "    Hotline — a direct line.\n    Mirrors: US–Russia CBMs (June 2013)" in text


def test_a_player_sees_the_counter_form_terms_and_their_options() -> None:
    counter = Action(
        verb="respond.counter",
        label="Counter",
        command="respond counter P1 1 spare-energy-grid=no-intrusion",
        form=[
            FormInput(
                name="spare-energy-grid",
                label="Grid",
                value="no-intrusion",
                choices=["statement", "no-disruption", "no-intrusion"],
            ),
            FormInput(name="parties", label="Parties", value="arcadia,borealis"),
        ],
    )
    notice = Notice(audience=Audience.delegation("arcadia"), title="P1", actions=[counter])
    player = render_notice(notice, DIRECTORY, forms=True).text
    assert "[1] Counter  →  respond counter P1 1 spare-energy-grid=no-intrusion" in player
    assert "change any term as name=option" in player
    assert "spare-energy-grid=statement | no-disruption | no-intrusion (now no-intrusion)" in player
    assert "change any term" not in render_notice(notice, DIRECTORY).text  # a watcher's view


def test_long_list_items_wrap_under_their_text() -> None:
    notice = Notice(audience=Audience.public(), title="Terms", body="- " + "clause " * 30)
    lines = render_notice(notice, DIRECTORY).text.splitlines()[1:]
    assert lines[0].startswith("    - clause") and lines[1].startswith("      clause")
    assert all(len(line) <= 100 for line in lines)

"""Notices as terminal text: who speaks, to whom, in public or private, actions numbered."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from adapters.console.render import Directory, render_notice, render_notices, visible_to
from game.notice import Action, Audience, Notice, NoticeField

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

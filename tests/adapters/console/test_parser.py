"""Typed text -> commands: the same verbs and arguments as the slash commands,
forgiving ids, specific errors with a hint, typos answered with the closest verb."""

from __future__ import annotations

import pytest

from adapters.console.help import help_text
from adapters.console.parser import CommandIntent, Known, LocalIntent, ParseError, parse
from game.base import PlayerRef
from game.commands import (
    AcceptProposal,
    AcceptWithConditions,
    AssignSeat,
    Attribute,
    CastVote,
    CloseBackchannel,
    CounterProposal,
    JoinGame,
    MakeStatement,
    MarkReady,
    OpenBackchannel,
    ProposeAgreement,
    ProposeCBM,
    RequestMediation,
    Whisper,
)

ANA = PlayerRef(platform="console", user_id="ana", name="Ana")
KNOWN = Known(
    states={"aldmark": "🇦 Aldmark", "borova": "🇧 Borova"},
    groups={"grid-ghosts": "Grid Ghosts"},
    cbms=["bilateral-hotline", "osce-1106-contact-point", "osce-1106-consultations"],
    norms=["gge-2015-f-critical-infrastructure"],
    clauses={
        "spare-energy-grid": ["none", "partial", "full"],
        "joint-incident-reporting": ["yes", "no"],
    },
    actors=["national-cert"],
    people={"ana": ANA},
)


def command(text: str) -> CommandIntent:
    intent = parse(text, KNOWN)
    assert isinstance(intent, CommandIntent), intent
    return intent


def test_cbm_proposal_with_forgiving_ids() -> None:
    intent = command("propose cbm hotline Borova")
    assert intent.kind is ProposeCBM
    assert intent.fields == {"cbm": "bilateral-hotline", "parties": ["borova"], "draft": False}


def test_agreement_with_clause_options() -> None:
    intent = command("propose agreement borova spare-energy=full joint=yes draft")
    assert intent.kind is ProposeAgreement
    assert intent.fields["clauses"] == {
        "spare-energy-grid": "full",
        "joint-incident-reporting": "yes",
    }
    assert intent.fields["draft"] is True


def test_respond_accept_plain_and_with_a_condition() -> None:
    assert command("respond accept p1").fields == {"proposal": "P1"}
    assert command("respond accept P3 2").fields == {"proposal": "P3", "version": 2}
    conditional = command("respond accept P3 2 if spare-energy-grid=partial")
    assert conditional.kind is AcceptWithConditions
    assert conditional.fields["option"] == "partial"


def test_counter_changes_named_terms() -> None:
    intent = command("respond counter P2 cbm=contact-point")
    assert intent.kind is CounterProposal
    assert intent.fields["cbm"] == "osce-1106-contact-point"


def test_statement_keeps_the_text_as_typed() -> None:
    intent = command('talk say We won\'t  accept "this".')
    assert intent.kind is MakeStatement
    assert intent.fields == {"text": 'We won\'t  accept "this".'}


def test_backchannel_open_close_and_whisper() -> None:
    opened = command("talk backchannel open borova with mediator")
    assert opened.kind is OpenBackchannel
    assert opened.fields == {"states": ["borova"], "with_mediator": True}
    assert command("talk backchannel close b1").kind is CloseBackchannel
    whisper = command("talk whisper B1 Can we talk?")
    assert whisper.kind is Whisper and whisper.fields == {"channel": "B1", "text": "Can we talk?"}


def test_intel_forum_mediate_and_ready() -> None:
    assert command("intel attribute I2 grid").fields == {"incident": "I2", "culprit": "grid-ghosts"}
    assert command("intel attribute I2 grid").kind is Attribute
    assert command("forum vote P4 Yes").kind is CastVote
    request = command("mediate request borova binding")
    assert request.kind is RequestMediation
    assert request.fields == {"with_state": "borova", "arbitration": True}
    assert command("ready").kind is MarkReady and command("ready off").fields == {"ready": False}


def test_join_and_seat() -> None:
    assert command("game join").kind is JoinGame
    assert command("game join aldmark").fields == {"state": "aldmark", "role": "delegate"}
    assert command("game join as observer").fields == {"role": "observer"}
    seat = command("game seat ana borova lead")
    assert seat.kind is AssignSeat and seat.fields["player"] == ANA and seat.fields["lead"] is True


def test_slack_style_prefix_is_accepted() -> None:
    assert command("/detente talk say Hello").fields == {"text": "Hello"}


def test_build_adds_id_game_and_actor() -> None:
    built = command("respond accept P1").build(command_id="c1", game_id="g1", actor=ANA)
    assert isinstance(built, AcceptProposal) and built.actor == ANA and built.game_id == "g1"


@pytest.mark.parametrize(
    ("text", "name", "args"),
    [
        ("help", "help", ()),
        ("help propose cbm", "help", ("propose", "cbm")),
        ("quit", "quit", ()),
        ("exit", "quit", ()),
        ("2", "action", ("2",)),
        ("game status", "status", ()),
        ("me objectives", "me", ("objectives",)),
        ("wait", "wait", ()),
        ("", "empty", ()),
    ],
)
def test_local_intents(text: str, name: str, args: tuple[str, ...]) -> None:
    assert parse(text, KNOWN) == LocalIntent(name, args)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "message", "hint"),
    [
        ("propse cbm hotline borova", "Unknown command 'propse'", "`propose`"),
        ("accept P1", "'accept' is a `respond` subcommand", "respond accept P1"),
        ("respond acept P1", "no subcommand 'acept'", "respond accept"),
        ("propose cbm hotline narnia", "No state 'narnia'. Known states: aldmark, borova", ""),
        ("propose cbm hotlne borova", "No CBM 'hotlne'", ""),
        (
            "propose agreement borova spare-energy-grid=total",
            "No option of spare-energy-grid",
            "",
        ),
        ("propose cbm osce borova", "could be several CBMs", "Type more"),
        ("forum vote P1 maybe", "yes, no or abstain", "Usage: forum vote"),
        ("respond accept", "needs a proposal id", "Usage: respond accept"),
        ("respond accept X9", "not a proposal id", "P1, P2"),
        ("talk say", "needs what you want to say", "Usage: talk say"),
        ("propose assistance borova moon", "No sector 'moon'", ""),
        ("game kick bob", "No player 'bob'", ""),
        ("game", "needs a subcommand", "help game"),
    ],
)
def test_bad_input_is_explained(text: str, message: str, hint: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse(text, KNOWN)
    assert message in caught.value.message
    assert hint in caught.value.hint


def test_help_texts_cover_every_verb_and_subcommand() -> None:
    from adapters.console.parser import VERBS

    assert "propose" in help_text()
    for verb, subs in VERBS.items():
        assert "No command" not in help_text((verb,), KNOWN)
        for sub in subs:
            text = help_text((verb, sub), KNOWN)
            assert text.startswith("Usage: "), (verb, sub, text)


def test_help_examples_use_the_game_ids_and_typos_are_caught() -> None:
    assert "propose cbm bilateral-hotline borova" in help_text(("propose", "cbm"), KNOWN)
    assert "Did you mean `help respond accept`" in help_text(("acept",))


def test_game_start_rehearsal() -> None:
    assert command("game start").fields == {"rehearsal": False}
    assert command("game start rehearsal").fields == {"rehearsal": True}


def test_an_unknown_option_names_the_clause_its_options_and_where_to_look() -> None:
    with pytest.raises(ParseError) as caught:
        parse("respond counter P1 1 spare-energy-grid=suspend", KNOWN)
    assert caught.value.message == (
        "No option of spare-energy-grid 'suspend'. "
        "Known options of spare-energy-grid: full, none, partial."
    )
    assert "`help propose agreement`" in caught.value.hint


def test_an_unknown_cbm_points_to_the_help_that_lists_them() -> None:
    with pytest.raises(ParseError) as caught:
        parse("propose cbm zzz borova", KNOWN)
    assert caught.value.message.startswith("No CBM 'zzz'. Known CBMs: bilateral-hotline")
    assert caught.value.hint == "`help propose cbm` lists the measures."


def test_help_of_a_command_lists_the_ids_of_the_game() -> None:
    cbm = help_text(("propose", "cbm"), KNOWN)
    assert "Measures in this game:" in cbm and "osce-1106-contact-point" in cbm
    counter = help_text(("respond", "counter"), KNOWN)
    assert "name only the terms you change" in counter
    assert "spare-energy-grid         none | partial | full" in counter
    assert "respond counter P1 1 spare-energy-grid=full" in counter
    assert "Sectors (sector=…):" in counter
    assert "Actors in this game:" in help_text(("intel", "engage"), KNOWN)


def test_help_summaries_keep_abbreviations_and_every_command_has_a_description() -> None:
    mediate = help_text(("mediate",), KNOWN)
    assert "(e.g. after a party accepted with conditions)" in mediate
    deadline = next(line for line in mediate.splitlines() if "mediate deadline" in line)
    assert deadline.rstrip().endswith("have to answer its text")
    assert "sets the minutes" in help_text(("mediate", "deadline"), KNOWN)

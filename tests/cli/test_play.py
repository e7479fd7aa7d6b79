"""`detente play` driven through its standard input, as a pipe."""

from __future__ import annotations

import json
import re

from tests.cli.conftest import Detente

DB = ("--db", "play.db", "--name", "Ana")


def events_of(detente: Detente, game: str = "play-1") -> list[dict]:
    result = detente("export", game, "--db", "play.db", "--format", "json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)["events"]


def test_join_table_accept_leave_and_resume(detente: Detente) -> None:
    first = detente(
        "play", *DB, input="game join aldmark\ngame start\npropose cbm contact-point borova\nquit\n"
    )
    assert first.returncode == 0, first.stderr
    out = first.stdout
    assert "[public] Ana sits for 🔷 Republic of Aldmark" in out
    assert "[to you] Briefing — 🔷 Republic of Aldmark" in out
    assert "[to you] P1 · Confidence-building measure — on the table" in out
    assert "Briefing — 🔶 Borova Federation" not in out  # another delegation's secrets
    assert "[moderator]" not in out
    assert "saved in play.db" in out

    # The computer delegation tabled something for us to answer.
    tabled = re.findall(
        r"\[to you\] (P\d+) · .* — on the table\n    🔶 Borova Federation tables", out
    )
    proposal = tabled[0] if tabled else "P1"

    second = detente("play", *DB, input=f"respond accept {proposal}\ngame leave\nquit\n")
    assert second.returncode == 0, second.stderr
    assert "Resuming game play-1" in second.stderr
    assert "✗" not in second.stdout.split("> respond accept")[1].split("> game leave")[0]
    assert "> game leave\n✓" in second.stdout

    third = detente("play", *DB, input="game join aldmark\nme proposals\nquit\n")
    assert third.returncode == 0, third.stderr
    assert "Resuming game play-1" in third.stderr
    assert "Ana sits for 🔷 Republic of Aldmark" in third.stdout
    assert "P1 v1" in third.stdout
    kinds = [e["type"] for e in events_of(detente)]
    assert kinds.count("player_left") == 1 and kinds.count("game_started") == 1
    assert "proposal_tabled" in kinds


def test_bad_commands_get_a_message_and_change_nothing(detente: Detente) -> None:
    setup = detente("play", *DB, "--as", "aldmark", input="quit\n")
    assert setup.returncode == 0, setup.stderr
    before = events_of(detente)
    bad = detente(
        "play",
        *DB,
        input="propse cbm hotline borova\naccept P1\nrespond accept P99\nforum vote P1 maybe\n"
        "propose cbm contact-point narnia\n42\nquit\n",
    )
    assert bad.returncode == 0, bad.stderr
    out = bad.stdout
    assert "✗ Unknown command 'propse'." in out and "Did you mean `propose`?" in out
    assert "Type `respond accept P1`" in out
    assert "✗ " in out.split("> respond accept P99")[1]
    assert "Vote yes, no or abstain" in out
    assert "No state 'narnia'" in out
    assert "There is no action 42" in out
    assert events_of(detente) == before


def test_help_works_everywhere(detente: Detente) -> None:
    result = detente(
        "play",
        *DB,
        "--as",
        "borova",
        input="help\nhelp propose\nhelp respond accept\nhelp acept\nquit\n",
    )
    assert result.returncode == 0, result.stderr
    assert "Commands (type `help VERB`" in result.stdout
    assert "propose cbm <cbm> <state>…" in result.stdout
    assert "Usage: respond accept <proposal>" in result.stdout
    assert "Did you mean `help respond accept`?" in result.stdout


def test_moderator_sees_moderator_notices(detente: Detente) -> None:
    result = detente(
        "play", *DB, "--moderator", "--scenario", "harbour-ransom", input="game advance\nquit\n"
    )
    assert result.returncode == 0, result.stderr
    assert "[moderator]" in result.stdout


def test_player_text_cannot_ping_and_leaving_says_how_to_come_back(detente: Detente) -> None:
    result = detente(
        "play",
        *DB,
        "--as",
        "aldmark",
        input="talk say Listen @everyone and @here <@123>\n"
        "talk backchannel open borova\ngame status\ngame leave\nquit\n",
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "[public] Ana (🔷 Republic of Aldmark): Listen @\u200beveryone and @\u200bhere" in out
    assert "@everyone" not in out and "@here" not in out and "<@123>" not in out
    status = out.split("> game status")[1].split("> game leave")[0]
    assert "Your back-channels:\n  B1 Republic of Aldmark – Borova Federation" in status
    assert "✓ You left Republic of Aldmark's seat" in out
    assert "`game join aldmark` takes it back" in out


def test_the_counter_syntax_is_discoverable_from_the_notice_and_help(detente: Detente) -> None:
    result = detente(
        "play",
        *DB,
        "--as",
        "aldmark",
        input="propose agreement borova spare-energy-grid=statement\n"
        "help respond counter\nrespond counter P1 1 spare-energy-grid=nothing\nquit\n",
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    tabled = out.split("> propose agreement")[1].split("> help respond counter")[0]
    assert "Counter  →  respond counter P1 1 spare-energy-grid=statement" in tabled
    assert "change any term as name=option; the options:" in tabled
    assert "spare-energy-grid=statement | no-disruption | no-intrusion (now statement)" in tabled
    helped = out.split("> help respond counter")[1].split("> respond counter")[0]
    assert "Usage: respond counter <proposal>" in helped
    assert "Clauses and their options" in helped and "sanctions-relief" in helped
    bad = out.split("> respond counter P1 1 spare-energy-grid=nothing")[1]
    assert "✗ No option of spare-energy-grid 'nothing'" in bad
    assert "`help propose agreement` lists every clause and its options" in bad


def test_status_does_not_call_an_agreed_deal_in_force_before_the_resolution(
    detente: Detente,
) -> None:
    result = detente(
        "play", *DB, "--as", "aldmark", input="propose cbm hotline borova\ngame status\nquit\n"
    )
    assert result.returncode == 0, result.stderr
    assert "agreed — in force from the next resolution" in result.stdout
    status = result.stdout.split("> game status")[1]
    assert "Agreed, in force from the next resolution: P1" in status
    assert "In force: P1" not in status

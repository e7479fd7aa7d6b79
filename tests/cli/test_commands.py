"""`detente games`, `export`, `content check`, `run`, settings errors, --help."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.conftest import Detente

ROOT = Path(__file__).resolve().parents[2]
# A seed whose game plays all four rounds (seed 5 now ends in conflict in round 3).
GAME = "demo-harbour-ransom-4"


@pytest.fixture
def played(detente: Detente) -> Detente:
    result = detente("demo", "--scenario", "harbour-ransom", "--seed", "4", "--db", "g.db", "-q")
    assert result.returncode == 0, result.stderr
    return detente


def test_games_lists_the_games(played: Detente) -> None:
    result = played("games", "--db", "g.db")
    assert result.returncode == 0, result.stderr
    header, rule, row = result.stdout.splitlines()[:3]
    assert header.split()[:4] == ["game", "scenario", "round", "status"]
    assert row.split()[:4] == [GAME, "harbour-ransom", "4", "ended"]


def test_games_on_a_missing_database_says_so(detente: Detente, tmp_path: Path) -> None:
    result = detente("games", "--db", "nowhere.db")
    assert result.returncode == 2
    assert "No database at nowhere.db" in result.stderr
    assert not (tmp_path / "nowhere.db").exists()


def test_export_markdown_has_debrief_transcript_and_log(played: Detente, tmp_path: Path) -> None:
    result = played("export", GAME, "--db", "g.db", "--out", "game.md")
    assert result.returncode == 0, result.stderr
    text = (tmp_path / "game.md").read_text()
    for part in (
        "## Debrief",
        "## Transcript",
        "## Event log",
        "[public]",
        "[moderator]",
        "game_created",
    ):
        assert part in text


def test_export_json_has_every_event_and_notice(played: Detente) -> None:
    result = played("export", GAME, "--db", "g.db", "--format", "json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["game_id"] == GAME and document["status"] == "ended"
    seqs = [e["seq"] for e in document["events"]]
    assert seqs == list(range(1, len(seqs) + 1))
    assert document["events"][-1]["type"] == "game_ended"
    audiences = {n["audience"]["kind"] for n in document["transcript"]}
    assert {"public", "delegation", "moderator"} <= audiences


def test_export_unknown_game_lists_the_games(played: Detente) -> None:
    result = played("export", "nope", "--db", "g.db")
    assert result.returncode == 2
    assert f"No game 'nope' in g.db. Games: {GAME}." in result.stderr


def test_content_check_good_and_broken(detente: Detente, tmp_path: Path) -> None:
    good = detente("content", "check", str(ROOT / "content" / "scenarios" / "harbour-ransom.toml"))
    assert good.returncode == 0, good.stdout + good.stderr
    assert "harbour-ransom" in good.stdout
    broken = tmp_path / "broken.toml"
    broken.write_text('id = "broken"\ntitle = "Broken"\nrounds = 99\n[[states]]\nid = "x"\n')
    bad = detente("content", "check", str(broken))
    assert bad.returncode == 1
    assert "broken.toml" in bad.stdout
    assert "Traceback" not in bad.stderr


def test_run_with_no_platform_says_what_to_set(detente: Detente) -> None:
    result = detente("run")
    assert result.returncode == 2
    for name in (
        "DETENTE_DISCORD_TOKEN",
        "DETENTE_SLACK_BOT_TOKEN",
        "DETENTE_SLACK_APP_TOKEN",
        "detente demo",
        "detente play",
    ):
        assert name in result.stderr


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"DETENTE_ROUND_MINUTES": "soon"}, "DETENTE_ROUND_MINUTES"),
        ({"DETENTE_SLACK_BOT_TOKEN": "xoxb-1"}, "DETENTE_SLACK_APP_TOKEN"),
        ({"DETENTE_CONFIG": "missing.toml"}, "missing.toml"),
    ],
)
def test_invalid_settings_stop_start_up_naming_the_setting(
    detente: Detente, env: dict[str, str], named: str
) -> None:
    result = detente("games", env=env)
    assert result.returncode == 2
    assert named in result.stderr
    assert "Traceback" not in result.stderr


def test_help_lists_the_subcommands_and_settings(detente: Detente) -> None:
    result = detente("--help")
    assert result.returncode == 0
    for word in ("demo", "play", "games", "export", "content", "run", "DETENTE_DB"):
        assert word in result.stdout
    assert "--report-dir" in detente("demo", "--help").stdout


def test_content_balance_shows_progress_on_stderr(detente: Detente) -> None:
    result = detente("content", "balance", "--scenario", "harbour-ransom", "--games", "2")
    assert result.returncode == 0, result.stderr
    assert "harbour-ransom" in result.stdout
    assert "2/2" in result.stderr


def test_content_balance_good_play_prints_the_comparison(detente: Detente) -> None:
    result = detente("content", "balance", "--good-play", "--games", "1")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("twin-grids: mean score per delegation, 1 seeded games")
    for play in ("full play", "no back-channels", "no mediation", "no forum"):
        assert play in result.stdout
    assert "full play minus play without" in result.stdout
    # Progress, game by game over the six plays, on stderr only.
    assert "good play (games played): 6/6" in result.stderr
    assert "games played" not in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("demo", "--db", "/dev/null/x.db"),
            "Cannot use /dev/null/x.db as the database: /dev/null",
        ),
        (("play", "--db", "."), "Cannot use . as the database: it is a folder"),
        (("play", "--db", "p.db", "--game", "nope"), "No game 'nope' in p.db"),
    ],
)
def test_an_unusable_database_or_game_is_one_message_and_exit_2(
    detente: Detente, args: tuple[str, ...], message: str
) -> None:
    result = detente(*args, input="quit\n")
    assert result.returncode == 2, result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr

"""Settings: environment and TOML into one model; bad values name the setting."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import SettingsError, load_settings


def test_defaults_put_the_database_in_the_current_folder() -> None:
    settings = load_settings(environ={})
    assert settings.db_path == Path("detente.db")
    assert settings.platforms == []


def test_data_dir_holds_the_database_unless_db_is_given(tmp_path: Path) -> None:
    assert load_settings(environ={"DETENTE_DATA_DIR": str(tmp_path)}).db_path == (
        tmp_path / "detente.db"
    )
    env = {"DETENTE_DATA_DIR": str(tmp_path), "DETENTE_DB": "x.db"}
    assert load_settings(environ=env).db_path == Path("x.db")


def test_environment_wins_over_the_toml_file(tmp_path: Path) -> None:
    config = tmp_path / "detente.toml"
    config.write_text('db = "file.db"\nscenario = "classroom"\n[timers]\nround_minutes = 7\n')
    settings = load_settings(config, environ={"DETENTE_DB": "env.db"})
    assert settings.db_path == Path("env.db")
    assert settings.scenario == "classroom"
    assert settings.timers.as_dict() == {"round_minutes": 7}


def test_config_file_can_come_from_detente_config(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text('[slack]\nbot_token = "xoxb-1"\napp_token = "xapp-1"\n')
    settings = load_settings(environ={"DETENTE_CONFIG": str(config)})
    assert settings.platforms == ["slack"]
    assert settings.slack.mode == "socket"


def test_platform_tokens_are_secret() -> None:
    settings = load_settings(environ={"DETENTE_DISCORD_TOKEN": "very-secret"})
    assert "very-secret" not in repr(settings)
    assert settings.platforms == ["discord"]


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"DETENTE_ROUND_MINUTES": "soon"}, "DETENTE_ROUND_MINUTES"),
        ({"DETENTE_ROUND_MINUTES": "0"}, "DETENTE_ROUND_MINUTES"),
        ({"DETENTE_LOG_LEVEL": "LOUD"}, "DETENTE_LOG_LEVEL"),
        (
            {"DETENTE_SLACK_BOT_TOKEN": "nope", "DETENTE_SLACK_APP_TOKEN": "xapp-1"},
            "DETENTE_SLACK_BOT_TOKEN",
        ),
        ({"DETENTE_SLACK_BOT_TOKEN": "xoxb-1"}, "DETENTE_SLACK_APP_TOKEN"),
        ({"DETENTE_SLACK_APP_TOKEN": "xapp-1"}, "DETENTE_SLACK_BOT_TOKEN"),
        ({"DETENTE_DISCORD_GUILD_ID": "my server"}, "DETENTE_DISCORD_GUILD_ID"),
    ],
)
def test_invalid_environment_names_the_variable(env: dict[str, str], named: str) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings(environ=env)
    assert named in caught.value.message


def test_invalid_toml_names_the_key_and_file(tmp_path: Path) -> None:
    config = tmp_path / "bad.toml"
    config.write_text("[timers]\nround_minutes = -3\ncolour = 'blue'\n")
    with pytest.raises(SettingsError) as caught:
        load_settings(config, environ={})
    message = caught.value.message
    assert f"timers.round_minutes in {config}" in message
    assert "timers.colour" in message and "unknown setting" in message


def test_toml_syntax_error_and_missing_file_are_explained(tmp_path: Path) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text("db = \n")
    with pytest.raises(SettingsError, match="not valid TOML"):
        load_settings(broken, environ={})
    with pytest.raises(SettingsError, match="not found"):
        load_settings(tmp_path / "missing.toml", environ={})

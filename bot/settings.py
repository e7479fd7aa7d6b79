"""Détente's configuration: one pydantic model, read from an optional TOML
file and from `DETENTE_*` environment variables (the environment wins).

Every setting has exactly one environment variable and one TOML key, listed
in `SETTINGS` below, so an error can always name the setting the way the
person wrote it ("DETENTE_ROUND_MINUTES: must be a whole number …" or
"timers.round_minutes in detente.toml: …"). Invalid settings raise
`SettingsError`; the CLI prints it and exits 2, with no traceback.

Precedence, lowest first: defaults < TOML file < environment < command-line
flags (the CLI applies its flags on top with `Settings.with_overrides`).
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, model_validator

DEFAULT_DB_NAME = "detente.db"


class _Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class TimerOverrides(_Section):
    """Replace a scenario's timer defaults for every game this process creates."""

    round_minutes: int | None = Field(None, ge=1, le=24 * 60)
    proposal_deadline_minutes: int | None = Field(None, ge=1, le=24 * 60)
    reminder_minutes_before: int | None = Field(None, ge=0, le=60)

    def as_dict(self) -> dict[str, int]:
        return {k: v for k, v in self.model_dump().items() if v is not None}


class DiscordSettings(_Section):
    token: SecretStr | None = None
    # A guild (server) id to sync commands to instantly while testing; empty: global sync.
    guild_id: int | None = None
    # Point discord.py at a fake Discord (tests, local rehearsal). Empty: the real one.
    api_base: str | None = None

    @property
    def configured(self) -> bool:
        return self.token is not None


class SlackSettings(_Section):
    bot_token: SecretStr | None = None  # xoxb-…
    app_token: SecretStr | None = None  # xapp-… (Socket Mode)
    signing_secret: SecretStr | None = None  # HTTP mode
    port: int = Field(3000, ge=1, le=65535)  # HTTP mode
    api_url: str | None = None  # a fake Slack Web API (tests)

    @property
    def configured(self) -> bool:
        return self.bot_token is not None

    @property
    def mode(self) -> Literal["socket", "http"]:
        return "socket" if self.app_token is not None else "http"

    @model_validator(mode="after")
    def _tokens_fit(self) -> SlackSettings:
        if self.bot_token is not None:
            if not self.bot_token.get_secret_value().startswith("xoxb-"):
                raise ValueError("bot_token: a Slack bot token starts with 'xoxb-'")
            if self.app_token is None and self.signing_secret is None:
                raise ValueError(
                    "app_token: with a bot token, give an app-level token (xapp-…, Socket Mode) "
                    "or a signing secret (HTTP mode)"
                )
        if self.app_token is not None:
            if not self.app_token.get_secret_value().startswith("xapp-"):
                raise ValueError("app_token: a Slack app-level token starts with 'xapp-'")
            if self.bot_token is None:
                raise ValueError("bot_token: an app token needs the bot token (xoxb-…) too")
        return self


class Settings(_Section):
    # Where games are kept. Empty: `data_dir/detente.db`, or ./detente.db.
    db: Path | None = None
    data_dir: Path | None = None
    scenario: str | None = None  # default scenario id (or a path to a scenario file)
    snapshot_every: int = Field(100, ge=1, le=100_000)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "WARNING"
    timers: TimerOverrides = TimerOverrides()
    discord: DiscordSettings = DiscordSettings()
    slack: SlackSettings = SlackSettings()
    # Where the settings came from (for messages); not a setting.
    source: str = Field("defaults", exclude=True)

    @property
    def db_path(self) -> Path:
        if self.db is not None:
            return self.db
        if self.data_dir is not None:
            return self.data_dir / DEFAULT_DB_NAME
        return Path(DEFAULT_DB_NAME)

    @property
    def platforms(self) -> list[str]:
        return [
            name
            for name, configured in (
                ("discord", self.discord.configured),
                ("slack", self.slack.configured),
            )
            if configured
        ]

    def with_overrides(self, **values: Any) -> Settings:
        """Command-line flags on top (None means 'not given')."""
        given = {k: v for k, v in values.items() if v is not None}
        if not given:
            return self
        return self.model_copy(update=given)


@dataclass(frozen=True)
class SettingSpec:
    path: tuple[str, ...]  # where it lives in `Settings` (also its TOML key, dotted)
    env: str
    help: str

    @property
    def toml_key(self) -> str:
        return ".".join(self.path)


SETTINGS: tuple[SettingSpec, ...] = (
    SettingSpec(("db",), "DETENTE_DB", "SQLite database file (default: ./detente.db)"),
    SettingSpec(("data_dir",), "DETENTE_DATA_DIR", "folder for the database and debriefs"),
    SettingSpec(("scenario",), "DETENTE_SCENARIO", "default scenario id or file"),
    SettingSpec(("snapshot_every",), "DETENTE_SNAPSHOT_EVERY", "events between state snapshots"),
    SettingSpec(("log_level",), "DETENTE_LOG_LEVEL", "DEBUG, INFO, WARNING or ERROR"),
    SettingSpec(("timers", "round_minutes"), "DETENTE_ROUND_MINUTES", "override every round timer"),
    SettingSpec(
        ("timers", "proposal_deadline_minutes"),
        "DETENTE_PROPOSAL_DEADLINE_MINUTES",
        "override every proposal deadline",
    ),
    SettingSpec(
        ("timers", "reminder_minutes_before"),
        "DETENTE_REMINDER_MINUTES_BEFORE",
        "override when reminders go out",
    ),
    SettingSpec(("discord", "token"), "DETENTE_DISCORD_TOKEN", "Discord bot token"),
    SettingSpec(("discord", "guild_id"), "DETENTE_DISCORD_GUILD_ID", "sync commands to one server"),
    SettingSpec(("discord", "api_base"), "DETENTE_DISCORD_API_BASE", "a fake Discord's URL"),
    SettingSpec(("slack", "bot_token"), "DETENTE_SLACK_BOT_TOKEN", "Slack bot token (xoxb-…)"),
    SettingSpec(
        ("slack", "app_token"), "DETENTE_SLACK_APP_TOKEN", "Slack app-level token (xapp-…)"
    ),
    SettingSpec(
        ("slack", "signing_secret"),
        "DETENTE_SLACK_SIGNING_SECRET",
        "Slack signing secret (HTTP mode)",
    ),
    SettingSpec(("slack", "port"), "DETENTE_SLACK_PORT", "HTTP mode port"),
    SettingSpec(("slack", "api_url"), "DETENTE_SLACK_API_URL", "a fake Slack Web API's URL"),
)
CONFIG_ENV = "DETENTE_CONFIG"


class SettingsError(Exception):
    """Start-up cannot go on; `message` names the setting and says what to do."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def load_settings(
    config: Path | str | None = None, environ: Mapping[str, str] | None = None
) -> Settings:
    """Read the TOML file (`config`, else $DETENTE_CONFIG, else none) and the
    environment into one validated `Settings`."""
    env = os.environ if environ is None else environ
    config_path = (
        Path(config) if config else (Path(env[CONFIG_ENV]) if env.get(CONFIG_ENV) else None)
    )

    data: dict[str, Any] = {}
    origin: dict[tuple[str, ...], str] = {}
    source = "defaults"
    if config_path is not None:
        data, origin = _read_toml(config_path)
        source = str(config_path)
    for spec in SETTINGS:
        raw = env.get(spec.env)
        if raw is None or raw.strip() == "":
            continue
        _put(data, spec.path, raw.strip())
        origin[spec.path] = spec.env
    data["source"] = source
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        raise SettingsError(_explain(exc, origin, config_path)) from None


def _read_toml(path: Path) -> tuple[dict[str, Any], dict[tuple[str, ...], str]]:
    if not path.is_file():
        raise SettingsError(
            f"Config file {path} not found (from --config or {CONFIG_ENV}). "
            "Give the path of an existing TOML file, or leave it out."
        )
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"{path}: not valid TOML: {exc}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SettingsError(f"{path}: cannot be read: {exc}") from None
    data.pop("source", None)
    origin: dict[tuple[str, ...], str] = {}
    for spec in SETTINGS:
        if _get(data, spec.path) is not None:
            origin[spec.path] = f"{spec.toml_key} in {path}"
    return data, origin


def _put(data: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    node = data
    for part in path[:-1]:
        child = node.get(part)
        if not isinstance(child, dict):
            child = {}
            node[part] = child
        node = child
    node[path[-1]] = value


def _get(data: Mapping[str, Any], path: tuple[str, ...]) -> Any:
    node: Any = data
    for part in path:
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node


def _explain(
    exc: ValidationError, origin: dict[tuple[str, ...], str], config_path: Path | None
) -> str:
    lines = []
    for error in exc.errors():
        loc = tuple(str(p) for p in error["loc"])
        message = error["msg"].removeprefix("Value error, ")
        # A section validator names the field in its message ("app_token: …").
        if error["type"] == "value_error" and ": " in message:
            field, _, message = message.partition(": ")
            loc = (*loc, field)
        name = origin.get(loc)
        if name is None:
            spec = next((s for s in SETTINGS if s.path == loc), None)
            if spec is None and error["type"] == "extra_forbidden":
                where = f" in {config_path}" if config_path else ""
                known = ", ".join(s.toml_key for s in SETTINGS)
                lines.append(f"{'.'.join(loc)}{where}: unknown setting. Known settings: {known}")
                continue
            name = f"{spec.env} (or {spec.toml_key})" if spec else ".".join(loc)
        lines.append(f"{name}: {message}")
    return "Invalid settings:\n  " + "\n  ".join(lines)


def describe_settings() -> str:
    """A table of every setting, for `--help` epilogues and docs."""
    width = max(len(s.env) for s in SETTINGS)
    return "\n".join(f"  {s.env:<{width}}  {s.help}" for s in SETTINGS)

"""The `detente` console script: play, watch, inspect and serve games.

    detente demo      watch a whole game of computer delegations, then its debrief
    detente play      play a game in this terminal (one seat, or as moderator)
    detente games     the games in a database
    detente export    a game's transcript and event log (Markdown or JSON)
    detente content   check a scenario file; balance report of a scenario
    detente run       serve the configured chat platforms (Discord, Slack)
    detente settings  the settings in effect and where each can be set

Transcripts go to stdout; progress and diagnostics go to stderr, so
`detente demo > game.txt` keeps a clean transcript. A user's mistake
(bad settings, an unknown game or scenario) is one clear message and exit
code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from bot.settings import Settings, SettingsError, describe_settings, load_settings

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


class CliError(Exception):
    """A mistake the user can fix; printed as is, exit code 2 (or `code`)."""

    def __init__(self, message: str, code: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def err(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


class Progress:
    """A one-line progress report on stderr (redrawn in place on a terminal,
    one line per step otherwise, so logs stay readable)."""

    def __init__(self, label: str, total: int | None = None, *, quiet: bool = False) -> None:
        self.label = label
        self.total = total
        self.quiet = quiet
        self.tty = sys.stderr.isatty()
        self._last = ""

    def __call__(self, done: int, total: int | None = None, note: str = "") -> None:
        if self.quiet:
            return
        total = total if total is not None else self.total
        count = f"{done}/{total}" if total else f"{done}"
        line = f"{self.label}: {count}{' ' + note if note else ''}"
        if line == self._last:
            return
        self._last = line
        if self.tty:
            sys.stderr.write("\r\x1b[2K" + line)
            sys.stderr.flush()
        else:
            err(line)

    def done(self, note: str = "done") -> None:
        if self.quiet:
            return
        if self.tty:
            sys.stderr.write("\r\x1b[2K")
        err(f"{self.label}: {note}")


# --- the parser -----------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="detente",
        description=(
            "Détente: a multi-party cyber-diplomacy negotiation game. Watch a whole game "
            "with `detente demo`, play one with `detente play`."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=(
            "examples:\n"
            "  detente demo                     watch a game of computer delegations\n"
            "  detente demo --seed 7 > game.txt  the same game every time\n"
            "  detente play --as arcadia        play one delegation yourself\n"
            "  detente play --moderator         run a session as its moderator\n"
            "  detente games                    games kept in ./detente.db\n"
            "\n"
            "settings (environment variables, or the same keys in a TOML file given\n"
            "with --config / DETENTE_CONFIG):\n" + describe_settings()
        ),
    )
    parser.add_argument(
        "--config", metavar="PATH", help="a TOML settings file (default: $DETENTE_CONFIG)"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    def add(name: str, help_text: str, description: str) -> argparse.ArgumentParser:
        return sub.add_parser(
            name,
            help=help_text,
            description=description,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )

    def db_option(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--db",
            metavar="PATH",
            type=Path,
            help="SQLite database file (default: $DETENTE_DB, else DATA_DIR/detente.db, "
            "else ./detente.db)",
        )

    demo = add(
        "demo",
        "watch a whole game of computer delegations, then its debrief",
        "Plays a whole game of computer delegations and the built-in mediator through the "
        "real service, on a simulated clock (round timers are fast-forwarded), and prints "
        "the chat as the players would see it, every audience labelled, then the debrief.\n\n"
        "The same --seed gives the same transcript. Interrupted (Ctrl-C, or even killed) "
        "and started again with the same --db and --seed, it resumes the same game.",
    )
    demo.add_argument("--scenario", metavar="ID", help="scenario id or file (see: --list)")
    demo.add_argument("--seed", type=int, default=1, metavar="N", help="random seed (default 1)")
    db_option(demo)
    demo.add_argument(
        "--report-dir",
        metavar="DIR",
        type=Path,
        help="write the debrief (Markdown + tension chart PNG) here",
    )
    demo.add_argument("--list", action="store_true", help="list the scenarios and exit")
    demo.add_argument("--quiet", "-q", action="store_true", help="no progress on stderr")
    demo.set_defaults(handler=cmd_demo)

    play = add(
        "play",
        "play a game in this terminal",
        "An interactive game in this terminal: you hold one delegation's seat (--as) or "
        "moderate (--moderator); computer delegations hold every other seat. Type `help` for "
        "the commands, `help COMMAND` for one, `quit` to leave: the game is saved as you go "
        "and `detente play` with the same --db resumes it.",
    )
    play.add_argument("--scenario", metavar="ID", help="scenario id or file")
    seat = play.add_mutually_exclusive_group()
    seat.add_argument("--as", dest="as_state", metavar="STATE", help="the state you play")
    seat.add_argument(
        "--moderator", action="store_true", help="moderate: computer delegations play every state"
    )
    play.add_argument("--game", metavar="GAME", help="resume this game id (default: your last)")
    play.add_argument("--new", action="store_true", help="start a new game even if one is open")
    play.add_argument("--seed", type=int, metavar="N", help="random seed of a new game")
    play.add_argument("--name", metavar="NAME", help="your name in the game (default: $USER)")
    db_option(play)
    play.set_defaults(handler=cmd_play)

    games = add("games", "the games in a database", "Lists the games kept in a database.")
    db_option(games)
    games.set_defaults(handler=cmd_games)

    export = add(
        "export",
        "a game's transcript and event log",
        "Writes a game's full transcript (every audience, labelled) and its event log.",
    )
    export.add_argument("game", metavar="GAME", help="game id (see: detente games)")
    export.add_argument("--format", choices=("md", "json"), default="md", help="default: md")
    export.add_argument("--out", metavar="FILE", type=Path, help="write here (default: stdout)")
    db_option(export)
    export.set_defaults(handler=cmd_export)

    content = add(
        "content", "check scenarios; balance report", "Scenario and catalog tools for authors."
    )
    content_sub = content.add_subparsers(dest="content_command", metavar="ACTION")
    content_sub.required = True
    check = content_sub.add_parser(
        "check",
        help="validate a scenario file or folder",
        description="Validates scenario and catalog files without running a game: a line per "
        "valid scenario, or every error (file, entry, field, what is wrong). Exit 1 on errors.",
    )
    check.add_argument("path", metavar="PATH", type=Path)
    check.set_defaults(handler=cmd_content_check)
    balance = content_sub.add_parser(
        "balance",
        help="play N seeded games of computer delegations and report",
        description="Plays N seeded games of computer delegations per scenario and prints how "
        "often each ends in conflict, agreements and mediations per game, and the score spread. "
        "With --good-play: plays the same N seeds again with the delegations denied each good "
        "move (back-channel talks, mediation, joint incident reporting, an agreement, forum "
        "norms) and prints the mean scores, to show whether the scoring rewards good play.",
    )
    balance.add_argument(
        "--scenario",
        metavar="ID",
        help="one scenario (default: every one; with --good-play, twin-grids)",
    )
    balance.add_argument("--games", type=int, default=200, metavar="N", help="default 200")
    balance.add_argument(
        "--good-play",
        action="store_true",
        help="compare full play with play denied each good move, seed by seed",
    )
    balance.set_defaults(handler=cmd_content_balance)

    run = add(
        "run",
        "serve the configured chat platforms",
        "Serves Détente on the chat platforms that are configured (Discord, Slack).",
    )
    db_option(run)
    run.set_defaults(handler=cmd_run)

    settings = add(
        "settings",
        "the settings in effect",
        "Prints the settings in effect (secrets masked) and every variable that sets them.",
    )
    settings.set_defaults(handler=cmd_settings)
    return parser


# --- commands -------------------------------------------------------------------


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    from adapters.console.watch import run_demo

    if args.list:
        print(_scenario_table())
        return EXIT_OK
    return asyncio.run(
        run_demo(
            settings,
            scenario=_scenario_arg(args.scenario, settings),
            seed=args.seed,
            report_dir=args.report_dir,
            progress=Progress("demo", quiet=args.quiet),
        )
    )


def cmd_play(args: argparse.Namespace, settings: Settings) -> int:
    from adapters.console.play import run_play

    return asyncio.run(
        run_play(
            settings,
            scenario=_scenario_arg(args.scenario, settings) if args.scenario else None,
            as_state=args.as_state,
            moderator=args.moderator,
            game_id=args.game,
            new=args.new,
            seed=args.seed,
            name=args.name,
        )
    )


def cmd_games(args: argparse.Namespace, settings: Settings) -> int:
    from bot.export import games_table

    print(asyncio.run(games_table(settings.db_path)))
    return EXIT_OK


def cmd_export(args: argparse.Namespace, settings: Settings) -> int:
    from bot.export import export_game

    progress = Progress(f"export {args.game}")
    text = asyncio.run(export_game(settings.db_path, args.game, args.format, progress=progress))
    if args.out is None:
        sys.stdout.write(text)
        if not text.endswith("\n"):
            sys.stdout.write("\n")
    else:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text, encoding="utf-8")
        err(f"Wrote {args.out}")
    return EXIT_OK


def cmd_content_check(args: argparse.Namespace, settings: Settings) -> int:
    content = _content_module()
    text, code = content.check_command(args.path)
    print(text)
    return code


def cmd_content_balance(args: argparse.Namespace, settings: Settings) -> int:
    try:
        from bot import balance
    except ImportError:
        raise CliError(
            "The balance report is not available in this version (bot/balance.py is missing).",
            code=EXIT_FAILED,
        ) from None
    if args.games < 1:
        raise CliError("--games must be at least 1.")
    scenario = _scenario_arg(args.scenario, settings) if args.scenario else None
    if args.good_play:
        progress = Progress("good play (games played)")
        report = balance.good_play_report(
            scenario or "twin-grids", games=args.games, progress=progress
        )
    else:
        progress = Progress("balance (games played)")
        report = balance.balance_report(scenario, games=args.games, progress=progress)
    progress.done()
    print(report)
    return EXIT_OK


PLATFORM_HELP = """\
No chat platform is configured, so there is nothing to serve.

To serve Discord, set:
  DETENTE_DISCORD_TOKEN      the bot token (Developer Portal → your app → Bot → Reset Token)
  DETENTE_DISCORD_GUILD_ID   optional: a server id, to register the commands there at once

To serve Slack, set:
  DETENTE_SLACK_BOT_TOKEN    the bot token, xoxb-… (OAuth & Permissions)
  and either
  DETENTE_SLACK_APP_TOKEN    an app-level token, xapp-…, with connections:write (Socket Mode)
  or
  DETENTE_SLACK_SIGNING_SECRET  the signing secret (HTTP mode; DETENTE_SLACK_PORT, default 3000)

Set them in the environment, or as discord.token / slack.bot_token / … in a TOML
file given with --config PATH (or DETENTE_CONFIG). `detente settings` lists them all.

To play without any chat platform, in this terminal:
  detente demo                  watch a whole game of computer delegations
  detente play --as STATE       play one delegation yourself"""


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    platforms = settings.platforms
    if not platforms:
        err(PLATFORM_HELP)
        return EXIT_USAGE
    runners: dict[str, Callable[[Settings], object]] = {}
    missing = []
    for platform in platforms:
        try:
            module = __import__(f"adapters.{platform}.app", fromlist=["serve"])
            runners[platform] = module.serve
        except ImportError:
            missing.append(platform)
    if missing:
        raise CliError(
            f"{', '.join(p.capitalize() for p in missing)} is configured, but this version of "
            "Détente has no adapter for it yet. Unset its settings, or play locally with "
            "`detente demo` / `detente play`.",
            code=EXIT_FAILED,
        )
    err(f"Serving {', '.join(platforms)} on {settings.db_path} (Ctrl-C stops).")

    async def serve_all() -> None:
        await asyncio.gather(*(runner(settings) for runner in runners.values()))  # type: ignore[misc]

    try:
        asyncio.run(serve_all())
    except KeyboardInterrupt:
        err("Stopped.")
    return EXIT_OK


def cmd_settings(args: argparse.Namespace, settings: Settings) -> int:
    print(f"Settings from: {settings.source} and the environment")
    print(f"  database: {settings.db_path.resolve()}")
    print(f"  default scenario: {settings.scenario or '(the content default)'}")
    print(f"  timer overrides: {settings.timers.as_dict() or 'none'}")
    print(f"  platforms configured: {', '.join(settings.platforms) or 'none'}")
    print("\nEvery setting:")
    print(describe_settings())
    return EXIT_OK


# --- helpers ----------------------------------------------------------------------


def _content_module():  # noqa: ANN202 - a module
    try:
        from bot import content
    except ImportError:
        raise CliError(
            "Scenario content is not available in this version (bot/content.py is missing).",
            code=EXIT_FAILED,
        ) from None
    return content


def _scenario_arg(requested: str | None, settings: Settings) -> str | None:
    """The scenario a command should use: the flag, the setting, or the
    content's default (None). Unknown ids are refused with the known list."""
    scenario = requested or settings.scenario
    if scenario is None:
        return None
    if Path(scenario).suffix == ".toml" or Path(scenario).exists():
        return scenario
    known = _scenario_ids()
    if known and scenario not in known:
        raise CliError(
            f"No scenario '{scenario}'. Scenarios: {', '.join(known)} "
            "(or give the path of a scenario file)."
        )
    return scenario


def _scenario_ids() -> list[str]:
    content = _content_module()
    return [s.id for s in content.list_scenarios()]


def _scenario_table() -> str:
    content = _content_module()
    rows = [
        f"  {s.id:<20} {len(s.states)} states, {s.rounds} rounds  {s.title}"
        for s in content.list_scenarios()
    ]
    return "Scenarios:\n" + "\n".join(rows)


def _usable_db(path: Path) -> None:
    """A database path the commands that create games can use: its folder
    exists or can be made, and it is not a folder itself."""
    hint = "Give another --db PATH (or set DETENTE_DB)."
    if path.is_dir():
        raise CliError(f"Cannot use {path} as the database: it is a folder. {hint}")
    for folder in path.parents:
        if folder.exists():
            if not folder.is_dir():
                raise CliError(
                    f"Cannot use {path} as the database: {folder} is not a folder. {hint}"
                )
            break
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise CliError(
            f"Cannot use {path} as the database: {reason} ({exc.filename}). {hint}"
        ) from None


def _user_error_message(exc: Exception) -> str | None:
    """The message of an error that is the user's to fix (an unknown game, a
    broken scenario file), or None for a bug."""
    from adapters.console.play import PlayError
    from bot.export import GameNotFound

    if isinstance(exc, GameNotFound | PlayError):
        return exc.message
    try:
        from bot.content import ContentError
    except ImportError:
        return None
    if isinstance(exc, ContentError):
        return str(exc)
    return None


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings = load_settings(args.config)
        db = getattr(args, "db", None)
        settings = settings.with_overrides(db=db)
        if args.handler in (cmd_demo, cmd_play, cmd_run):
            _usable_db(settings.db_path)
        return args.handler(args, settings)
    except SettingsError as exc:
        err(exc.message)
        return EXIT_USAGE
    except CliError as exc:
        err(exc.message)
        return exc.code
    except Exception as exc:  # a user's mistake raised deeper down: no traceback
        message = _user_error_message(exc)
        if message is None:
            raise
        err(message)
        return EXIT_USAGE
    except KeyboardInterrupt:
        err("Interrupted.")
        return 130
    except BrokenPipeError:
        # `detente demo | head`: the reader left; not an error worth a traceback.
        # Point stdout at devnull so the interpreter's final flush stays quiet.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())

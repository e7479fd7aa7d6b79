"""Loading and validating content: the shipped catalogs, shipped and
moderators' scenarios, and the checker behind `detente content check`.

Content is TOML, read with the standard library (`docs/scenarios.md` says why
and describes the format). Loading turns it into the pydantic models of
`game/scenario.py`; a scenario names catalog entries by id and gets them
resolved into `Scenario.catalogs`, so a game embeds everything it needs.

Validation never stops at the first problem: every problem found in a file is
reported as a `ContentProblem` (file, entry, field, message), and the message
says what is wrong and what is allowed, for an author who is not a programmer.
This module only reads files; it holds no game rules.
"""

from __future__ import annotations

import difflib
import functools
import os
import re
import tomllib
import types
import typing
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

import content as _content_package
from game.scenario import (
    CBM,
    SECTORS,
    Actor,
    Catalogs,
    Clause,
    DiplomaticResponse,
    EvidenceTemplate,
    IncidentTemplate,
    Norm,
    Scenario,
)

__all__ = [
    "DEFAULT_SCENARIO_ID",
    "CatalogKind",
    "CheckReport",
    "ContentError",
    "ContentProblem",
    "check_command",
    "check_path",
    "load_catalogs",
    "load_scenario",
    "list_scenarios",
    "scenario_summary",
]

# The folder of the `content` package. Read through `__path__`, which works
# even where an older editable install sees `content` as a namespace package.
CONTENT_DIR = Path(next(iter(_content_package.__path__))).resolve()
CATALOGS_DIR = CONTENT_DIR / "catalogs"
SCENARIOS_DIR = CONTENT_DIR / "scenarios"

# The founding example of DESIGN.md section 4: what `detente demo` plays
# when no scenario is named.
DEFAULT_SCENARIO_ID = "twin-grids"


# --- Problems ----------------------------------------------------------------


@dataclass(frozen=True)
class ContentProblem:
    """One thing wrong in a content file, worded for the author.

    `entry` says which entry (`state "bravo"`, `cbm "osce-1106-contact-point"`,
    `inject #3 (round 2)`), `field` which field inside it (`interests.foo`);
    either may be None when the problem is about the whole file or entry.
    `line` and `column` are set for TOML syntax errors.
    """

    file: str
    entry: str | None
    field: str | None
    message: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        where: list[str] = []
        if self.line is not None:
            where.append(f"line {self.line}, column {self.column}")
        if self.entry:
            where.append(self.entry)
        if self.field:
            where.append(f'field "{self.field}"')
        prefix = f"{self.file}: " + (", ".join(where) + ": " if where else "")
        return prefix + self.message


class ContentError(Exception):
    """Content could not be loaded. `problems` lists every problem found."""

    def __init__(self, problems: Iterable[ContentProblem]) -> None:
        self.problems: list[ContentProblem] = list(problems)
        super().__init__(str(self))

    def __str__(self) -> str:
        n = len(self.problems)
        head = f"{n} problem{'s' if n != 1 else ''} in the content:"
        return "\n".join([head, *(f"  {p}" for p in self.problems)])


@dataclass
class CheckReport:
    """What `check_path` found: a summary per valid file, every problem."""

    path: str
    summaries: list[str] = field(default_factory=list)
    problems: list[ContentProblem] = field(default_factory=list)
    scenarios: list[Scenario] = field(default_factory=list)
    files_checked: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    def text(self) -> str:
        lines = list(self.summaries)
        lines.extend(str(p) for p in self.problems)
        if self.problems:
            n = len(self.problems)
            bad_files = len({p.file for p in self.problems})
            lines.append(
                f"{n} problem{'s' if n != 1 else ''} in {bad_files} "
                f"file{'s' if bad_files != 1 else ''} ({self.files_checked} checked)."
            )
        else:
            n = len(self.scenarios)
            lines.append(
                f"All good: {n} scenario{'s' if n != 1 else ''} valid "
                f"({self.files_checked} file{'s' if self.files_checked != 1 else ''} checked)."
            )
        return "\n".join(lines)


# --- Catalog kinds ---------------------------------------------------------------


@dataclass(frozen=True)
class CatalogKind:
    """One catalog: its `Catalogs` field, its shipped file, the TOML array
    name of its entries, its model, and how to name an entry in a message."""

    field: str
    file: str
    table: str
    model: type[BaseModel]
    label: str


CATALOG_KINDS: tuple[CatalogKind, ...] = (
    CatalogKind("cbms", "cbms.toml", "cbm", CBM, "cbm"),
    CatalogKind("norms", "norms.toml", "norm", Norm, "norm"),
    CatalogKind("clauses", "clauses.toml", "clause", Clause, "clause"),
    CatalogKind("incidents", "incidents.toml", "incident", IncidentTemplate, "incident template"),
    CatalogKind("evidence", "evidence.toml", "evidence", EvidenceTemplate, "evidence template"),
    CatalogKind("actors", "actors.toml", "actor", Actor, "actor"),
    CatalogKind("responses", "responses.toml", "response", DiplomaticResponse, "response"),
)
_KIND_BY_FIELD = {k.field: k for k in CATALOG_KINDS}
_KIND_BY_TABLE = {k.table: k for k in CATALOG_KINDS}

# Entries of every catalog, by catalog field then id.
Pool = dict[str, dict[str, Any]]


# --- Public API ----------------------------------------------------------------


@functools.cache
def _shipped_pool() -> tuple[Pool, tuple[ContentProblem, ...]]:
    problems: list[ContentProblem] = []
    pool = _read_catalog_folder(CATALOGS_DIR, problems)
    return pool, tuple(problems)


def load_catalogs() -> Catalogs:
    """Every shipped catalog entry. Raises ContentError if a catalog is broken."""
    pool, problems = _shipped_pool()
    if problems:
        raise ContentError(problems)
    return Catalogs(**{k.field: dict(pool[k.field]) for k in CATALOG_KINDS})


def load_scenario(ref: str | os.PathLike[str]) -> Scenario:
    """A shipped scenario by id, or a scenario file anywhere on disk.

    Raises ContentError listing every problem (an unknown id, a missing file,
    a syntax error, every invalid field)."""
    path = _scenario_path(ref)
    scenario, problems = _load_scenario_file(path)
    if problems or scenario is None:
        raise ContentError(problems)
    return scenario


def list_scenarios() -> list[Scenario]:
    """The shipped scenarios, the default one first, then by id."""
    problems: list[ContentProblem] = []
    scenarios: list[Scenario] = []
    for path in _shipped_scenario_files():
        scenario, found = _load_scenario_file(path)
        problems.extend(found)
        if scenario is not None:
            scenarios.append(scenario)
    if problems:
        raise ContentError(problems)
    return sorted(scenarios, key=lambda s: (s.id != DEFAULT_SCENARIO_ID, s.id))


def check_path(path: str | os.PathLike[str]) -> CheckReport:
    """Validate a scenario or catalog file, or every .toml file in a folder
    (recursively), without running a game."""
    root = Path(path)
    report = CheckReport(path=_display(root))
    if not root.exists():
        report.problems.append(
            ContentProblem(_display(root), None, None, "no such file or folder.")
        )
        return report
    files = sorted(root.rglob("*.toml")) if root.is_dir() else [root]
    if not files:
        report.problems.append(
            ContentProblem(
                _display(root), None, None, "no .toml files in this folder; nothing to check."
            )
        )
        return report
    for file in files:
        report.files_checked += 1
        _check_file(file, report)
    return report


def check_command(path: str | os.PathLike[str]) -> tuple[str, int]:
    """`detente content check PATH`: the text to print and the exit code
    (0 when everything is valid, 1 on any problem)."""
    report = check_path(path)
    return report.text(), 0 if report.ok else 1


def scenario_summary(scenario: Scenario) -> str:
    """One line about a valid scenario, for listings and the checker."""
    incidents = sum(1 for i in scenario.injects if i.kind == "incident")
    players = (
        _count(scenario.min_players, "player")
        if scenario.min_players == scenario.max_players
        else f"{scenario.min_players}-{scenario.max_players} players"
    )
    return (
        f'{scenario.id} "{scenario.title}": {_count(len(scenario.states), "state")}, '
        f"{_count(len(scenario.groups), 'group')}, {_count(scenario.rounds, 'round')} of "
        f"{scenario.timers.round_minutes} min, {players}, "
        f"{_count(len(scenario.injects), 'inject')} ({_count(incidents, 'incident')}), "
        f"{_catalog_counts(scenario.catalogs)}"
    )


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


# --- Reading files ------------------------------------------------------------------


def _display(path: Path) -> str:
    """A path as the author knows it: relative to the working folder if under it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


_TOML_POSITION = re.compile(r"\s*\(at line (\d+), column (\d+)\)$")


def _read_toml(path: Path, problems: list[ContentProblem]) -> dict[str, Any] | None:
    shown = _display(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        problems.append(ContentProblem(shown, None, None, f"cannot read the file: {exc.strerror}."))
        return None
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        problems.append(
            ContentProblem(
                shown, None, None, f"not UTF-8 text (byte {exc.start}); save it as UTF-8."
            )
        )
        return None
    except tomllib.TOMLDecodeError as exc:
        text = str(exc)
        match = _TOML_POSITION.search(text)
        line = column = None
        if match:
            line, column = int(match.group(1)), int(match.group(2))
            text = text[: match.start()]
        elif text.endswith("(at end of document)"):
            source = raw.decode("utf-8")
            line = source.count("\n") + 1
            column = len(source.rsplit("\n", 1)[-1]) + 1
            text = text.removesuffix("(at end of document)").rstrip() + " at the end of the file"
        problems.append(
            ContentProblem(
                shown,
                None,
                None,
                f"TOML syntax error: {text[:1].lower()}{text[1:]}. {_toml_hint(text)}".rstrip(),
                line=line,
                column=column,
            )
        )
        return None


def _toml_hint(text: str) -> str:
    lowered = text.lower()
    if "end of the file" in lowered:
        return "A bracket, brace or quote opened earlier is never closed."
    if "invalid value" in lowered:
        return 'Text values need double quotes, e.g. name = "Aldmark".'
    if "cannot overwrite" in lowered or "cannot declare" in lowered:
        return "A key or table appears twice; each key once per table, use [[...]] for lists."
    if "expected '=' " in lowered or "expected '='" in lowered:
        return "Each line is key = value."
    return ""


def _is_catalog_file(data: Mapping[str, Any]) -> bool:
    return bool(data) and all(key in _KIND_BY_TABLE for key in data)


def _read_catalog_folder(folder: Path, problems: list[ContentProblem]) -> Pool:
    pool: Pool = {k.field: {} for k in CATALOG_KINDS}
    origin: dict[tuple[str, str], str] = {}
    for kind in CATALOG_KINDS:
        path = folder / kind.file
        shown = _display(path)
        data = _read_toml(path, problems)
        if data is None:
            continue
        entries = _catalog_file_entries(data, shown, problems, expect=kind)
        for found_kind, entry_id, entry in entries:
            key = (found_kind.field, entry_id)
            if key in origin:
                problems.append(
                    ContentProblem(
                        shown,
                        f'{found_kind.label} "{entry_id}"',
                        "id",
                        f'duplicate id: "{entry_id}" is already used in {origin[key]}; '
                        "every id must be unique within its catalog.",
                    )
                )
                continue
            origin[key] = shown
            pool[found_kind.field][entry_id] = entry
    return pool


def _catalog_file_entries(
    data: Mapping[str, Any],
    shown: str,
    problems: list[ContentProblem],
    expect: CatalogKind | None = None,
) -> list[tuple[CatalogKind, str, Any]]:
    """The valid entries of a catalog file (or of a scenario's [custom] table),
    reporting every invalid one."""
    found: list[tuple[CatalogKind, str, Any]] = []
    for table, raw_entries in data.items():
        kind = _KIND_BY_TABLE.get(table)
        if kind is None or (expect is not None and kind is not expect):
            allowed = [expect.table] if expect else list(_KIND_BY_TABLE)
            problems.append(
                ContentProblem(
                    shown,
                    None,
                    table,
                    f'unknown table "{table}"{_did_you_mean(table, allowed)}; '
                    f"this file may hold {_join(f'[[{t}]]' for t in allowed)} entries.",
                )
            )
            continue
        found.extend(_catalog_entries(kind, raw_entries, shown, problems, prefix=""))
    return found


def _catalog_entries(
    kind: CatalogKind,
    raw_entries: Any,
    shown: str,
    problems: list[ContentProblem],
    prefix: str,
) -> list[tuple[CatalogKind, str, Any]]:
    if not isinstance(raw_entries, list) or not all(isinstance(e, dict) for e in raw_entries):
        problems.append(
            ContentProblem(
                shown,
                None,
                prefix + kind.table,
                f"must be a list of entries, each starting with a [[{prefix}{kind.table}]] line.",
            )
        )
        return []
    found: list[tuple[CatalogKind, str, Any]] = []
    seen: set[str] = set()
    for index, raw in enumerate(raw_entries):
        entry_id = raw.get("id")
        label = (
            f'{kind.label} "{entry_id}"'
            if isinstance(entry_id, str)
            else f"{kind.label} #{index + 1}"
        )
        before = len(problems)
        try:
            entry = kind.model.model_validate(raw)
        except ValidationError as exc:
            problems.extend(
                _pydantic_problems(exc, kind.model, raw, shown, lambda _loc, label=label: label)
            )
            continue
        _check_catalog_entry(entry, shown, label, problems)
        if len(problems) > before:
            continue
        if entry.id in seen:
            problems.append(
                ContentProblem(
                    shown,
                    label,
                    "id",
                    f'duplicate id: another {kind.label} in this file is already "{entry.id}"; '
                    "every id must be unique within its catalog.",
                )
            )
            continue
        seen.add(entry.id)
        found.append((kind, entry.id, entry))
    return found


def _check_catalog_entry(
    entry: Any, shown: str, label: str, problems: list[ContentProblem]
) -> None:
    """Rules a single entry must follow that its model does not express."""

    def problem(field_name: str, message: str) -> None:
        problems.append(ContentProblem(shown, label, field_name, message))

    if isinstance(entry, Clause):
        if len(entry.options) > 4:
            problem("options", f"has {len(entry.options)} options; a clause offers 2 to 4.")
        for dup in _duplicates(o.id for o in entry.options):
            problem("options", f'two options have the id "{dup}"; option ids must be unique.')
        if entry.effect == "spare_sector" and not entry.sectors:
            problem(
                "sectors", f"a spare_sector clause must list the sectors spared: {_join(SECTORS)}."
            )
    elif isinstance(entry, CBM):
        if "critical_infrastructure_cooperation" in entry.effects and not entry.sectors:
            problem(
                "sectors",
                "critical_infrastructure_cooperation needs the sectors it protects: "
                f"{_join(SECTORS)}.",
            )
    elif isinstance(entry, Norm):
        needs = {"protect_critical_infrastructure", "protect_own_infrastructure"}
        if entry.effect in needs and not entry.sectors:
            problem("sectors", f"the {entry.effect} effect needs its sectors: {_join(SECTORS)}.")
    elif isinstance(entry, IncidentTemplate):
        low, high = entry.severity
        if low > high:
            problem("severity", f"[{low}, {high}] is upside down; write [lowest, highest].")


# --- Scenarios ----------------------------------------------------------------------


def _shipped_scenario_files() -> list[Path]:
    return sorted(SCENARIOS_DIR.glob("*.toml"))


def _scenario_path(ref: str | os.PathLike[str]) -> Path:
    if isinstance(ref, os.PathLike):
        return Path(ref)
    text = str(ref)
    if text.endswith(".toml") or os.sep in text or "/" in text or Path(text).is_file():
        return Path(text)
    shipped = {p.stem: p for p in _shipped_scenario_files()}
    if text in shipped:
        return shipped[text]
    raise ContentError(
        [
            ContentProblem(
                text,
                None,
                None,
                f'no shipped scenario "{text}"{_did_you_mean(text, shipped)}; '
                f"shipped: {_join(sorted(shipped))}. Or give the path of a .toml file.",
            )
        ]
    )


def _load_scenario_file(path: Path) -> tuple[Scenario | None, list[ContentProblem]]:
    problems: list[ContentProblem] = []
    pool, pool_problems = _shipped_pool()
    problems.extend(pool_problems)
    if not path.is_file():
        problems.append(
            ContentProblem(
                _display(path), None, None, "no such file; give the path of a .toml file."
            )
        )
        return None, problems
    data = _read_toml(path, problems)
    if data is None:
        return None, problems
    if _is_catalog_file(data):
        problems.append(
            ContentProblem(
                _display(path),
                None,
                None,
                "this is a catalog file, not a scenario (a scenario has id, title, states...).",
            )
        )
        return None, problems
    scenario = _build_scenario(data, _display(path), pool, problems)
    return scenario, problems


_SCENARIO_KEYS = [*Scenario.model_fields, "custom"]


def _build_scenario(
    data: dict[str, Any], shown: str, pool: Pool, problems: list[ContentProblem]
) -> Scenario | None:
    before = len(problems)
    for key in data:
        if key not in _SCENARIO_KEYS:
            problems.append(
                ContentProblem(
                    shown,
                    None,
                    key,
                    f'unknown key "{key}"{_did_you_mean(key, _SCENARIO_KEYS)}; '
                    f"a scenario may have: {_join(_SCENARIO_KEYS)}.",
                )
            )

    available = _with_custom_entries(data.get("custom"), shown, pool, problems)
    catalogs = _select_catalogs(data.get("catalogs"), shown, pool, available, problems)
    shaped = {k: v for k, v in data.items() if k in Scenario.model_fields and k != "catalogs"}
    shaped["catalogs"] = catalogs
    _cross_check(shaped, shown, catalogs, pool, problems)

    try:
        scenario = Scenario.model_validate(shaped)
    except ValidationError as exc:
        problems.extend(
            _pydantic_problems(
                exc, Scenario, shaped, shown, functools.partial(_scenario_entry, shaped)
            )
        )
        return None
    return scenario if len(problems) == before else None


def _with_custom_entries(
    custom: Any, shown: str, pool: Pool, problems: list[ContentProblem]
) -> Pool:
    """The shipped pool plus the scenario's own entries ([[custom.<kind>]])."""
    available: Pool = {f: dict(entries) for f, entries in pool.items()}
    if custom is None:
        return available
    if not isinstance(custom, dict):
        problems.append(
            ContentProblem(shown, None, "custom", "must be a table of [[custom.<kind>]] entries.")
        )
        return available
    for table, raw_entries in custom.items():
        kind = _KIND_BY_TABLE.get(table)
        if kind is None:
            problems.append(
                ContentProblem(
                    shown,
                    None,
                    f"custom.{table}",
                    f'unknown catalog "{table}"{_did_you_mean(table, _KIND_BY_TABLE)}; '
                    f"custom entries may be: {_join(f'[[custom.{t}]]' for t in _KIND_BY_TABLE)}.",
                )
            )
            continue
        for _, entry_id, entry in _catalog_entries(kind, raw_entries, shown, problems, "custom."):
            if entry_id in available[kind.field]:
                problems.append(
                    ContentProblem(
                        shown,
                        f'custom {kind.label} "{entry_id}"',
                        "id",
                        f'duplicate id: "{entry_id}" is already a shipped {kind.label}; '
                        "reuse it by id in [catalogs], or give yours another id.",
                    )
                )
                continue
            available[kind.field][entry_id] = entry
    return available


def _select_catalogs(
    selection: Any, shown: str, pool: Pool, available: Pool, problems: list[ContentProblem]
) -> Catalogs:
    """Resolve [catalogs] ("all" or a list of ids per catalog; a catalog left
    out means "all"). The scenario's own custom entries are always included."""
    chosen: dict[str, dict[str, Any]] = {}
    if selection is None:
        selection = {}
    if not isinstance(selection, dict):
        problems.append(
            ContentProblem(
                shown, None, "catalogs", 'must be a table: [catalogs] with lines like cbms = "all".'
            )
        )
        selection = {}
    for key in selection:
        if key not in _KIND_BY_FIELD:
            problems.append(
                ContentProblem(
                    shown,
                    "[catalogs]",
                    key,
                    f'unknown catalog "{key}"{_did_you_mean(key, _KIND_BY_FIELD)}; '
                    f"catalogs are: {_join(_KIND_BY_FIELD)}.",
                )
            )
    for kind in CATALOG_KINDS:
        entries = available[kind.field]
        custom_ids = [i for i in entries if i not in pool[kind.field]]
        wanted = selection.get(kind.field, "all")
        if wanted == "all":
            chosen[kind.field] = dict(entries)
            continue
        if not isinstance(wanted, list) or not all(isinstance(i, str) for i in wanted):
            problems.append(
                ContentProblem(
                    shown,
                    "[catalogs]",
                    kind.field,
                    f'must be "all" or a list of {kind.label} ids in brackets, '
                    f'e.g. {kind.field} = ["{next(iter(entries), "some-id")}"].',
                )
            )
            chosen[kind.field] = {}
            continue
        for dup in _duplicates(wanted):
            problems.append(
                ContentProblem(
                    shown, "[catalogs]", kind.field, f'"{dup}" is listed twice; list each id once.'
                )
            )
        picked: dict[str, Any] = {}
        for entry_id in [*wanted, *custom_ids]:
            if entry_id in entries:
                picked[entry_id] = entries[entry_id]
            else:
                problems.append(
                    ContentProblem(
                        shown,
                        "[catalogs]",
                        kind.field,
                        f'unknown {kind.label} id "{entry_id}"{_did_you_mean(entry_id, entries)}.',
                    )
                )
        chosen[kind.field] = picked
    return Catalogs(**chosen)


def _cross_check(
    data: dict[str, Any],
    shown: str,
    catalogs: Catalogs,
    pool: Pool,
    problems: list[ContentProblem],
) -> None:
    """References between parts of a scenario, checked on the raw data so that
    they are reported together with the field errors. Malformed parts are
    skipped here; the model validation reports them."""

    def problem(entry: str | None, field_name: str | None, message: str) -> None:
        problems.append(ContentProblem(shown, entry, field_name, message))

    states = [s for s in _list(data.get("states")) if isinstance(s, dict)]
    groups = [g for g in _list(data.get("groups")) if isinstance(g, dict)]
    state_ids = [s["id"] for s in states if isinstance(s.get("id"), str)]
    group_ids = [g["id"] for g in groups if isinstance(g.get("id"), str)]
    group_by_id = {g["id"]: g for g in groups if isinstance(g.get("id"), str)}
    rounds = data.get("rounds") if isinstance(data.get("rounds"), int) else None
    issues = sorted({c.issue for c in catalogs.clauses.values()})

    for dup in _duplicates(state_ids):
        problem(
            f'state "{dup}"',
            "id",
            f'duplicate id: two states are "{dup}"; state ids must be unique.',
        )
    for dup in _duplicates(group_ids):
        problem(
            f'group "{dup}"',
            "id",
            f'duplicate id: two groups are "{dup}"; group ids must be unique.',
        )
    for clash in sorted(set(state_ids) & set(group_ids)):
        problem(
            f'group "{clash}"',
            "id",
            f'"{clash}" is already a state id; an inject\'s author names a state or a group, '
            "so group ids must differ from state ids.",
        )

    def state_ref(entry: str, field_name: str, value: Any, *, not_self: str | None = None) -> None:
        if not isinstance(value, str):
            return
        if value not in state_ids:
            problem(
                entry,
                field_name,
                f'no state "{value}" in this scenario{_did_you_mean(value, state_ids)}; '
                f"states are: {_join(state_ids)}.",
            )
        elif value == not_self:
            problem(entry, field_name, f'names its own state "{value}"; name another state.')

    def catalog_ref(entry: str, field_name: str, catalog: str, value: Any) -> None:
        if not isinstance(value, str):
            return
        kind = _KIND_BY_FIELD[catalog]
        selected = getattr(catalogs, catalog)
        if value in selected:
            return
        if value in pool[catalog]:
            problem(
                entry,
                field_name,
                f'{kind.label} "{value}" exists but this scenario does not use it; '
                f"add it to {catalog} under [catalogs].",
            )
        else:
            problem(
                entry,
                field_name,
                f'unknown {kind.label} id "{value}"'
                f"{_did_you_mean(value, [*selected, *pool[catalog]])}.",
            )

    # States: interests and objectives.
    for state in states:
        sid = state.get("id")
        entry = f'state "{sid}"' if isinstance(sid, str) else "a state"
        interests = state.get("interests")
        if isinstance(interests, dict):
            for issue in interests:
                if issue not in issues:
                    problem(
                        entry,
                        f"interests.{issue}",
                        f'"{issue}" is not an issue of this scenario\'s clauses'
                        f"{_did_you_mean(issue, issues)}; issues are: {_join(issues)}.",
                    )
        objectives = [o for o in _list(state.get("objectives")) if isinstance(o, dict)]
        for dup in _duplicates(o.get("id") for o in objectives if isinstance(o.get("id"), str)):
            problem(entry, "objectives", f'two objectives have the id "{dup}"; make them unique.')
        for objective in objectives:
            oentry = f'{entry}, objective "{objective.get("id")}"'
            kind = objective.get("kind")
            state_ref(oentry, "with_state", objective.get("with_state"), not_self=sid)
            if kind in ("agreement_in_force", "clause_avoided"):
                catalog_ref(oentry, "clause", "clauses", objective.get("clause"))
            elif kind == "cbm_in_force":
                catalog_ref(oentry, "cbm", "cbms", objective.get("cbm"))
            elif kind in ("norm_adopted", "norm_not_adopted"):
                catalog_ref(oentry, "norm", "norms", objective.get("norm"))

    for group in groups:
        gentry = f'group "{group.get("id")}"'
        state_ref(gentry, "state", group.get("state"))

    # Injects: rounds, states, authors, templates.
    for index, inject in enumerate(_list(data.get("injects"))):
        if not isinstance(inject, dict):
            continue
        ientry = _inject_label(index, inject)
        when = inject.get("round")
        if rounds is not None and isinstance(when, int) and when > rounds:
            problem(
                ientry,
                "round",
                f"round {when} is after the last round; this scenario has {rounds} rounds "
                f"(allowed: 1 to {rounds}).",
            )
        kind = inject.get("kind")
        if kind == "incident":
            _check_incident_inject(inject, ientry, catalogs, pool, state_ids, group_by_id, problem)
        elif kind == "technology":
            for norm in _list(inject.get("covered_by_norms")):
                catalog_ref(ientry, "covered_by_norms", "norms", norm)
            for cbm in _list(inject.get("covered_by_cbms")):
                catalog_ref(ientry, "covered_by_cbms", "cbms", cbm)
        elif kind == "domestic":
            state_ref(ientry, "state", inject.get("state"))
            tension_with = inject.get("tension_with")
            if isinstance(tension_with, dict):
                for other in tension_with:
                    state_ref(ientry, f"tension_with.{other}", other, not_self=inject.get("state"))

    # Whole-scenario coherence.
    lo, hi = data.get("min_players"), data.get("max_players")
    if isinstance(lo, int) and isinstance(hi, int) and lo > hi:
        problem(None, "min_players", f"min_players ({lo}) is more than max_players ({hi}).")
    rules = data.get("rules")
    if isinstance(rules, dict):
        crisis, conflict = rules.get("crisis_at", 80), rules.get("conflict_at", 100)
        start = rules.get("starting_tension", 30)
        if all(isinstance(v, int) for v in (crisis, conflict, start)):
            if crisis >= conflict:
                problem(
                    "[rules]",
                    "crisis_at",
                    f"crisis_at ({crisis}) must be below conflict_at ({conflict}).",
                )
            if start >= crisis:
                problem(
                    "[rules]",
                    "starting_tension",
                    f"starting_tension ({start}) must be below crisis_at ({crisis}), "
                    "or the game opens in crisis.",
                )


def _check_incident_inject(
    inject: dict[str, Any],
    entry: str,
    catalogs: Catalogs,
    pool: Pool,
    state_ids: list[str],
    group_by_id: dict[str, dict[str, Any]],
    problem: Callable[[str | None, str | None, str], None],
) -> None:
    victim, author = inject.get("victim"), inject.get("author")
    if isinstance(victim, str) and victim not in state_ids:
        problem(
            entry,
            "victim",
            f'no state "{victim}" in this scenario{_did_you_mean(victim, state_ids)}; '
            f"the victim must be one of: {_join(state_ids)}.",
        )
    author_kind: str | None = None
    author_state: str | None = None
    if isinstance(author, str):
        if author in state_ids:
            author_kind, author_state = "state", author
        elif author in group_by_id:
            group = group_by_id[author]
            author_kind, author_state = group.get("kind"), group.get("state")
        else:
            known = [*state_ids, *group_by_id]
            problem(
                entry,
                "author",
                f'no state or group "{author}" in this scenario{_did_you_mean(author, known)}; '
                f"the author must be one of: {_join(known)}.",
            )
        if author == victim:
            problem(entry, "author", "the author is also the victim; name another author.")
    template_id = inject.get("template")
    template = catalogs.incidents.get(template_id) if isinstance(template_id, str) else None
    if isinstance(template_id, str) and template is None:
        if template_id in pool["incidents"]:
            problem(
                entry,
                "template",
                f'incident template "{template_id}" exists but this scenario does not use it; '
                "add it to incidents under [catalogs].",
            )
        else:
            problem(
                entry,
                "template",
                f'unknown incident template "{template_id}"'
                f"{_did_you_mean(template_id, [*catalogs.incidents, *pool['incidents']])}.",
            )
    if template is not None:
        severity = inject.get("severity")
        low, high = template.severity
        if isinstance(severity, int) and not low <= severity <= high:
            problem(
                entry,
                "severity",
                f'{severity} is outside the range of template "{template.id}": allowed {low} to {high}.',
            )
        if author_kind is not None and author_kind not in template.plausible_authors:
            problem(
                entry,
                "author",
                f'"{author}" is a {author_kind}, but template "{template.id}" is plausible only '
                f"for: {_join(template.plausible_authors)}.",
            )
    flagged = inject.get("false_flag_against")
    if isinstance(flagged, str):
        if flagged not in state_ids:
            problem(
                entry,
                "false_flag_against",
                f'no state "{flagged}" in this scenario{_did_you_mean(flagged, state_ids)}; '
                f"false evidence must point at one of: {_join(state_ids)}.",
            )
        elif flagged == author_state:
            problem(
                entry,
                "false_flag_against",
                f'"{flagged}" is behind this incident; a false flag points at someone else.',
            )
        if not any(e.false_flag for e in catalogs.evidence.values()):
            problem(
                entry,
                "false_flag_against",
                "this scenario's evidence catalog has no false-flag template; "
                'add one (e.g. "false-flag-planted-strings") to evidence under [catalogs].',
            )


def _inject_label(index: int, inject: Mapping[str, Any]) -> str:
    details = []
    if isinstance(inject.get("round"), int):
        details.append(f"round {inject['round']}")
    if isinstance(inject.get("kind"), str):
        details.append(inject["kind"])
    return f"inject #{index + 1}" + (f" ({', '.join(details)})" if details else "")


def _scenario_entry(data: Mapping[str, Any], loc: tuple[Any, ...]) -> tuple[str | None, int]:
    """Which entry a validation error is in, and how many loc items name it."""
    if len(loc) >= 2 and loc[0] in ("states", "groups", "injects") and isinstance(loc[1], int):
        items = _list(data.get(loc[0]))
        item = items[loc[1]] if loc[1] < len(items) and isinstance(items[loc[1]], dict) else {}
        if loc[0] == "injects":
            return _inject_label(loc[1], item), 2
        noun = "state" if loc[0] == "states" else "group"
        name = (
            f'{noun} "{item["id"]}"' if isinstance(item.get("id"), str) else f"{noun} #{loc[1] + 1}"
        )
        if (
            loc[0] == "states"
            and len(loc) >= 4
            and loc[2] == "objectives"
            and isinstance(loc[3], int)
        ):
            objectives = _list(item.get("objectives"))
            obj = objectives[loc[3]] if loc[3] < len(objectives) else {}
            oid = obj.get("id") if isinstance(obj, dict) else None
            label = f'objective "{oid}"' if isinstance(oid, str) else f"objective #{loc[3] + 1}"
            return f"{name}, {label}", 4
        return name, 2
    if loc and loc[0] == "mediator":
        return "[mediator]", 1
    if loc and loc[0] in ("timers", "rules"):
        return f"[{loc[0]}]", 1
    return None, 0


# --- Translating pydantic errors -------------------------------------------------------

_ID_RULE = "lowercase letters, digits, '-' and '_', starting with a letter or digit"


def _pydantic_problems(
    exc: ValidationError,
    model: type[BaseModel],
    data: Any,
    shown: str,
    entry_of: Callable[[tuple[Any, ...]], Any],
) -> list[ContentProblem]:
    problems = []
    for error in exc.errors():
        loc = tuple(error["loc"])
        named = entry_of(loc)
        if isinstance(named, tuple):
            entry, consumed = named
        else:
            entry, consumed = named, 0
        rest = _strip_tags(model, loc, data, consumed)
        field_name = _field_path(rest) or None
        problems.append(ContentProblem(shown, entry, field_name, _describe(error, model, data)))
    return problems


def _strip_tags(
    model: type[BaseModel], loc: tuple[Any, ...], data: Any, consumed: int
) -> list[Any]:
    """The loc after the entry, without pydantic's union tags and '[key]' markers."""
    out = []
    for position, token in enumerate(loc):
        if token == "[key]":
            continue
        if (
            isinstance(token, str)
            and position > 0
            and _is_union_tag(model, loc[:position], token, data)
        ):
            continue
        if position >= consumed:
            out.append(token)
    return out


def _is_union_tag(model: type[BaseModel], prefix: tuple[Any, ...], token: str, data: Any) -> bool:
    tp, _ = _walk(model, prefix, data)
    return tp is not None and _member_by_kind(_union_members(tp), token) is not None


def _field_path(tokens: list[Any]) -> str:
    text = ""
    for token in tokens:
        if isinstance(token, int):
            text += f"[{token}]"
        else:
            text += ("." if text else "") + str(token)
    return text


def _describe(error: Mapping[str, Any], model: type[BaseModel], data: Any) -> str:
    kind = error["type"]
    loc = tuple(error["loc"])
    value = error.get("input")
    ctx = error.get("ctx") or {}
    if kind == "extra_forbidden":
        parent, _ = _walk(model, loc[:-1], data)
        allowed = list(parent.model_fields) if _is_model(parent) else []
        key = str(loc[-1])
        hint = f"; allowed keys here: {_join(allowed)}" if allowed else ""
        return f'unknown key "{key}"{_did_you_mean(key, allowed)}{hint}.'
    if kind == "missing":
        return "is required but missing."
    if kind == "literal_error":
        if loc and loc[-1] == "[key]":
            tp, _ = _walk(model, loc[:-2], data)
            key_type = get_args(tp)[0] if get_origin(tp) is dict else None
            choices = _literal_values(key_type)
            value = loc[-2]
            return (
                f'"{value}" is not allowed as a key{_did_you_mean(str(value), choices)}; '
                f"allowed: {_join(choices)}."
            )
        tp, _ = _walk(model, loc, data)
        choices = _literal_values(tp) or [
            c.strip(" '") for c in re.split(r",| or ", ctx.get("expected", ""))
        ]
        return f'"{value}" is not allowed{_did_you_mean(str(value), choices)}; allowed: {_join(choices)}.'
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        tp, _ = _walk(model, loc, data)
        tags = [_kind_of(m) for m in _union_members(tp)] if tp is not None else []
        tags = [t for t in tags if t] or [
            t.strip(" '") for t in str(ctx.get("expected_tags", "")).split(",") if t.strip()
        ]
        if kind == "union_tag_not_found":
            return f'needs a "kind": one of {_join(tags)}.'
        tag = str(ctx.get("tag"))
        return f'kind "{tag}" is not known{_did_you_mean(tag, tags)}; allowed: {_join(tags)}.'
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        _, metadata = _walk(model, loc, data)
        lo, hi, lo_strict = _bounds(metadata)
        if lo is None:
            lo, lo_strict = ctx.get("ge", ctx.get("gt")), "gt" in ctx
        if hi is None:
            hi = ctx.get("le", ctx.get("lt"))
        return f"{value!r} is out of range; {_range_text(lo, hi, lo_strict)}."
    if kind == "string_pattern_mismatch":
        return f'"{value}" is not a valid id: use {_ID_RULE}.'
    if kind == "string_too_short":
        return "must not be empty."
    if kind == "too_short":
        return f"needs at least {ctx.get('min_length')} item(s), has {ctx.get('actual_length')}."
    if kind == "too_long":
        return f"allows at most {ctx.get('max_length')} item(s), has {ctx.get('actual_length')}."
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return f"{value!r} is not a whole number; write a number without quotes, e.g. 3."
    if kind in ("float_type", "float_parsing"):
        return f"{value!r} is not a number; write a number without quotes, e.g. 0.5."
    if kind in ("string_type",):
        return f'{value!r} is not text; put it in double quotes, e.g. "..."'
    if kind in ("bool_type", "bool_parsing"):
        return f"{value!r} is not true or false."
    if kind in ("list_type", "tuple_type"):
        return f"{value!r} is not a list; write it in brackets, e.g. [1, 3]."
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return f"{value!r} is not a table; write it as a [table] or {{ key = value }}."
    return f"{error['msg']}."


def _range_text(lo: Any, hi: Any, lo_strict: bool) -> str:
    if lo is not None and hi is not None:
        return f"allowed: {'more than ' + str(lo) if lo_strict else lo} to {hi}"
    if lo is not None:
        return f"must be {'more than' if lo_strict else 'at least'} {lo}"
    return f"must be at most {hi}"


# --- Walking a model along an error location -------------------------------------------


def _unwrap(tp: Any) -> tuple[Any, list[Any]]:
    metadata: list[Any] = []
    while get_origin(tp) is typing.Annotated:
        args = get_args(tp)
        tp = args[0]
        for extra in args[1:]:
            metadata.extend(extra.metadata if isinstance(extra, FieldInfo) else [extra])
    return tp, metadata


def _union_members(tp: Any) -> list[Any]:
    if tp is None or get_origin(tp) not in (Union, types.UnionType):
        return []
    return [m for m in get_args(tp) if m is not type(None)]


def _kind_of(member: Any) -> str | None:
    member, _ = _unwrap(member)
    if _is_model(member) and "kind" in member.model_fields:
        default = member.model_fields["kind"].default
        return default if isinstance(default, str) else None
    return None


def _member_by_kind(members: list[Any], kind: Any) -> Any:
    for member in members:
        if kind is not None and _kind_of(member) == kind:
            return _unwrap(member)[0]
    return None


def _is_model(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, BaseModel)


def _walk(model: Any, loc: tuple[Any, ...], data: Any) -> tuple[Any, list[Any]]:
    """The type at `loc` inside `model` (following the input `data` to pick
    union members) and the constraints attached to it; (None, []) if lost."""
    tp, metadata = model, []
    for token in loc:
        tp, more = _unwrap(tp)
        metadata = more
        members = _union_members(tp)
        if members:
            tagged = _member_by_kind(members, token) if isinstance(token, str) else None
            if tagged is not None:
                tp, metadata = tagged, []
                continue
            by_data = _member_by_kind(members, data.get("kind") if isinstance(data, dict) else None)
            if by_data is None and len(members) == 1:
                by_data = members[0]
            if by_data is None:
                return None, []
            tp, metadata = _unwrap(by_data)
        origin = get_origin(tp)
        if _is_model(tp) and isinstance(token, str):
            info = tp.model_fields.get(token)
            if info is None:
                return None, []
            tp, metadata = info.annotation, list(info.metadata)
            data = data.get(token) if isinstance(data, dict) else None
        elif origin in (list, tuple) and isinstance(token, int):
            args = get_args(tp)
            if origin is tuple and args and args[-1] is not Ellipsis:
                tp = args[token] if token < len(args) else None
            else:
                tp = args[0] if args else None
            data = data[token] if isinstance(data, list) and token < len(data) else None
        elif origin is dict and token != "[key]":
            tp = get_args(tp)[1]
            data = data.get(token) if isinstance(data, dict) else None
        elif token == "[key]":
            continue
        else:
            return None, []
    tp, more = _unwrap(tp)
    members = _union_members(tp)
    if members and not _kind_of(members[0]):
        tp, extra = _unwrap(members[0])
        more += extra
    return tp, metadata + more


def _bounds(metadata: list[Any]) -> tuple[Any, Any, bool]:
    lo = hi = None
    lo_strict = False
    for item in metadata:
        if getattr(item, "ge", None) is not None:
            lo = item.ge
        if getattr(item, "gt", None) is not None:
            lo, lo_strict = item.gt, True
        if getattr(item, "le", None) is not None:
            hi = item.le
        if getattr(item, "lt", None) is not None:
            hi = item.lt
    return lo, hi, lo_strict


def _literal_values(tp: Any) -> list[str]:
    tp, _ = _unwrap(tp) if tp is not None else (None, [])
    if get_origin(tp) is Literal:
        return [str(v) for v in get_args(tp)]
    return []


# --- Checking files -------------------------------------------------------------------


def _check_file(path: Path, report: CheckReport) -> None:
    problems: list[ContentProblem] = []
    data = _read_toml(path, problems)
    shown = _display(path)
    if data is None:
        report.problems.extend(problems)
        return
    if _is_catalog_file(data):
        entries = _catalog_file_entries(data, shown, problems)
        if problems:
            report.problems.extend(problems)
        else:
            counts = {}
            for kind, _, _ in entries:
                counts[kind.field] = counts.get(kind.field, 0) + 1
            report.summaries.append(
                f"ok  {shown}: catalog, " + ", ".join(f"{n} {f}" for f, n in counts.items())
            )
        return
    scenario, problems = _load_scenario_file(path)
    if problems or scenario is None:
        # Problems of the shipped catalogs come with every scenario; list them once.
        report.problems.extend(p for p in problems if p not in report.problems)
        return
    report.scenarios.append(scenario)
    report.summaries.append(f"ok  {shown}: {scenario_summary(scenario)}")


# --- Small helpers -------------------------------------------------------------------------


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _duplicates(values: Iterable[Any]) -> list[Any]:
    seen: set[Any] = set()
    dups: list[Any] = []
    for value in values:
        if value in seen and value not in dups:
            dups.append(value)
        seen.add(value)
    return dups


def _join(items: Iterable[Any]) -> str:
    items = [str(i) for i in items]
    return ", ".join(items) if items else "(none)"


def _did_you_mean(value: str, known: Iterable[str]) -> str:
    """' (did you mean "x"?)' with the closest known values, or ''."""
    known = list(dict.fromkeys(known))
    scored = sorted(
        ((difflib.SequenceMatcher(None, value, k).ratio(), k) for k in known), reverse=True
    )
    # Ids share long prefixes ("osce-1106-"), so also compare the distinctive tails.
    tails = sorted(
        (
            (difflib.SequenceMatcher(None, value, k.split("-", 2)[-1]).ratio(), k)
            for k in known
            if "-" in k
        ),
        reverse=True,
    )
    best = max(scored[:1] + tails[:1], default=(0.0, ""))
    if best[0] < 0.6:
        return ""
    close = [k for r, k in [*scored, *tails] if r >= best[0] - 0.05]
    close = list(dict.fromkeys(close))[:3]
    return " (did you mean " + " or ".join(f'"{c}"' for c in close) + "?)"


def _catalog_counts(catalogs: Catalogs) -> str:
    parts = []
    for kind in CATALOG_KINDS:
        n = len(getattr(catalogs, kind.field))
        parts.append(f"{n} {kind.field}")
    return ", ".join(parts)

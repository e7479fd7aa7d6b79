"""A moderator's own scenario file: it loads when it reuses catalog ids, and
each kind of mistake gets a specific message naming file, entry and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.content import ContentError, ContentProblem, check_path, load_scenario

# A small scenario a moderator might write: two states, catalog entries reused by id.
MODERATOR_SCENARIO = """
id = "my-class"
title = "My class"
summary = "Two states and a ransomware gang."
briefing = "Talk before you blame."
rounds = 3

[timers]
round_minutes = 10

[catalogs]
cbms = ["osce-1106-contact-point", "us-ru-2013-coordinators-hotline"]
norms = ["gge-2015-f-critical-infrastructure"]
clauses = ["joint-incident-reporting", "sanctions-relief"]
incidents = ["hospital-ransomware", "grid-substation-outage"]
evidence = ["malware-code-reuse", "false-flag-planted-strings"]

[mediator]
name = "A neutral friend"
kind = "neutral_state"

[[states]]
id = "alpha"
name = "Alpha"
flag = "🅰️"
description = "A state."
briefing = "You are Alpha."
[states.interests]
incident_reporting = 0.8
sanctions = -0.5
[[states.objectives]]
id = "reporting"
kind = "agreement_in_force"
clause = "joint-incident-reporting"
with_state = "bravo"
points = 10
description = "Joint reporting with Bravo."

[[states]]
id = "bravo"
name = "Bravo"
flag = "🅱️"
description = "Another state."
briefing = "You are Bravo."
[states.interests]
sanctions = 0.9
[[states.objectives]]
id = "hotline"
kind = "cbm_in_force"
cbm = "us-ru-2013-coordinators-hotline"
with_state = "alpha"
points = 10
description = "A hotline with Alpha."

[[groups]]
id = "gang"
name = "The Gang"
kind = "criminal"
state = "alpha"

[[injects]]
round = 1
kind = "incident"
template = "hospital-ransomware"
victim = "alpha"
author = "gang"
severity = 3
false_flag_against = "bravo"
headline = "Hospitals down in Alpha"

[[injects]]
round = 2
kind = "domestic"
state = "bravo"
headline = "Elections in Bravo"
tension_with = { alpha = 5 }
"""


def write(tmp_path: Path, text: str, name: str = "my-class.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(path: Path) -> list[ContentProblem]:
    with pytest.raises(ContentError) as caught:
        load_scenario(path)
    return caught.value.problems


def only_problem(path: Path) -> ContentProblem:
    problems = problems_of(path)
    assert len(problems) == 1, "\n".join(map(str, problems))
    return problems[0]


def test_moderator_scenario_reusing_catalog_ids_loads(tmp_path):
    scenario = load_scenario(write(tmp_path, MODERATOR_SCENARIO))
    assert scenario.id == "my-class"
    assert set(scenario.catalogs.cbms) == {
        "osce-1106-contact-point",
        "us-ru-2013-coordinators-hotline",
    }
    assert scenario.catalogs.clauses["sanctions-relief"].options
    # A catalog left out of [catalogs] means all of it.
    assert len(scenario.catalogs.actors) >= 3
    assert scenario.injects[0].author == "gang"


def test_moderator_scenario_may_add_its_own_entries(tmp_path):
    text = (
        MODERATOR_SCENARIO
        + """
[[custom.incident]]
id = "ferry-booking-outage"
name = "Ferry bookings down"
description = "The ferry company's booking system is encrypted."
sector = "transport"
severity = [1, 2]
plausible_authors = ["criminal"]
source = "Council of Europe Convention on Cybercrime (Budapest, 2001)"

[[injects]]
round = 3
kind = "incident"
template = "ferry-booking-outage"
victim = "bravo"
author = "gang"
severity = 2
headline = "Ferries stuck"
"""
    )
    scenario = load_scenario(write(tmp_path, text))
    assert "ferry-booking-outage" in scenario.catalogs.incidents
    assert "hospital-ransomware" in scenario.catalogs.incidents


def test_problem_prints_file_entry_and_field():
    problem = ContentProblem("content/scenarios/x.toml", 'state "bravo"', "interests.foo", "bad.")
    assert str(problem) == 'content/scenarios/x.toml: state "bravo", field "interests.foo": bad.'


def test_unknown_catalog_id_suggests_the_closest(tmp_path):
    path = write(
        tmp_path,
        MODERATOR_SCENARIO.replace('"osce-1106-contact-point"', '"osce-1106-contact-pont"'),
    )
    problem = only_problem(path)
    assert problem.entry == "[catalogs]" and problem.field == "cbms"
    assert 'unknown cbm id "osce-1106-contact-pont"' in problem.message
    assert 'did you mean "osce-1106-contact-point"' in problem.message


def test_objective_naming_a_missing_state(tmp_path):
    path = write(
        tmp_path, MODERATOR_SCENARIO.replace('with_state = "bravo"', 'with_state = "brovo"')
    )
    problem = only_problem(path)
    assert problem.entry == 'state "alpha", objective "reporting"'
    assert problem.field == "with_state"
    assert 'no state "brovo"' in problem.message and '"bravo"' in problem.message


def test_objective_naming_a_clause_the_scenario_does_not_use(tmp_path):
    path = write(
        tmp_path,
        MODERATOR_SCENARIO.replace(
            'clause = "joint-incident-reporting"', 'clause = "points-of-contact-24-7"'
        ),
    )
    problem = only_problem(path)
    assert problem.field == "clause"
    assert "add it to clauses under [catalogs]" in problem.message


@pytest.mark.parametrize(
    ("old", "new", "field", "expected"),
    [
        ('author = "gang"', 'author = "gnag"', "author", 'no state or group "gnag"'),
        ('victim = "alpha"', 'victim = "alfa"', "victim", 'no state "alfa"'),
        (
            'template = "hospital-ransomware"',
            'template = "hospital-ransom"',
            "template",
            'unknown incident template "hospital-ransom" (did you mean "hospital-ransomware"?)',
        ),
        (
            'template = "hospital-ransomware"',
            'template = "water-utility-ransomware"',
            "template",
            "exists but this scenario does not use it",
        ),
        ("severity = 3", "severity = 5", "severity", "allowed 2 to 4"),
        (
            'false_flag_against = "bravo"',
            'false_flag_against = "alpha"',
            "false_flag_against",
            "a false flag points at someone else",
        ),
    ],
)
def test_incident_inject_references(tmp_path, old, new, field, expected):
    path = write(tmp_path, MODERATOR_SCENARIO.replace(old, new, 1))
    problems = problems_of(path)
    assert any(p.field == field and expected in p.message for p in problems), "\n".join(
        map(str, problems)
    )
    assert all(p.entry and p.entry.startswith("inject #1 (round 1, incident)") for p in problems)


def test_false_flag_needs_evidence_that_can_lie(tmp_path):
    path = write(
        tmp_path,
        MODERATOR_SCENARIO.replace(
            'evidence = ["malware-code-reuse", "false-flag-planted-strings"]',
            'evidence = ["malware-code-reuse"]',
        ),
    )
    problem = only_problem(path)
    assert problem.field == "false_flag_against"
    assert "no false-flag template" in problem.message


def test_criminal_author_must_be_plausible_for_the_template(tmp_path):
    path = write(
        tmp_path,
        MODERATOR_SCENARIO.replace(
            'template = "hospital-ransomware"', 'template = "grid-substation-outage"'
        ),
    )
    problems = problems_of(path)
    assert any(
        p.field == "author" and "plausible only for: state, proxy" in p.message for p in problems
    )


def test_inject_round_beyond_the_last(tmp_path):
    path = write(tmp_path, MODERATOR_SCENARIO.replace("round = 2", "round = 4"))
    problem = only_problem(path)
    assert problem.entry == "inject #2 (round 4, domestic)"
    assert "this scenario has 3 rounds (allowed: 1 to 3)" in problem.message


def test_domestic_inject_naming_a_missing_state(tmp_path):
    path = write(
        tmp_path,
        MODERATOR_SCENARIO.replace(
            "tension_with = { alpha = 5 }", "tension_with = { charlie = 5 }"
        ),
    )
    problem = only_problem(path)
    assert problem.field == "tension_with.charlie"
    assert 'no state "charlie"' in problem.message


def test_group_naming_a_missing_state(tmp_path):
    path = write(
        tmp_path,
        MODERATOR_SCENARIO.replace(
            'state = "alpha"\n\n[[injects]]', 'state = "delta"\n\n[[injects]]'
        ),
    )
    problem = only_problem(path)
    assert problem.entry == 'group "gang"' and problem.field == "state"


def test_value_out_of_range_names_entry_field_and_range(tmp_path):
    path = write(tmp_path, MODERATOR_SCENARIO.replace("sanctions = 0.9", "sanctions = 1.5"))
    problem = only_problem(path)
    assert str(problem).endswith(
        'my-class.toml: state "bravo", field "interests.sanctions": 1.5 is out of range; allowed: -1 to 1.'
    )


def test_objective_points_out_of_range(tmp_path):
    path = write(tmp_path, MODERATOR_SCENARIO.replace("points = 10", "points = 99", 1))
    problem = only_problem(path)
    assert problem.entry == 'state "alpha", objective "reporting"'
    assert problem.field == "points"
    assert problem.message == "99 is out of range; allowed: 1 to 50."


def test_unknown_interest_issue(tmp_path):
    path = write(
        tmp_path, MODERATOR_SCENARIO.replace("sanctions = 0.9", "sanctions = 0.9\nfoo = 0.2")
    )
    problem = only_problem(path)
    assert (problem.entry, problem.field) == ('state "bravo"', "interests.foo")
    assert "issues are: incident_reporting, sanctions" in problem.message


def test_unknown_key_lists_the_allowed_keys(tmp_path):
    path = write(tmp_path, MODERATOR_SCENARIO.replace('flag = "🅱️"', 'flag = "🅱️"\ncolour = "blue"'))
    problem = only_problem(path)
    assert problem.entry == 'state "bravo"' and problem.field == "colour"
    assert 'unknown key "colour"' in problem.message and "allowed keys here:" in problem.message
    assert "briefing" in problem.message


def test_unknown_top_level_key_suggests(tmp_path):
    path = write(tmp_path, MODERATOR_SCENARIO.replace("rounds = 3", "rounds = 3\nround = 3"))
    problem = only_problem(path)
    assert problem.field == "round" and 'did you mean "rounds"' in problem.message


def test_unknown_kind_of_objective(tmp_path):
    path = write(
        tmp_path, MODERATOR_SCENARIO.replace('kind = "cbm_in_force"', 'kind = "cbm_in_place"')
    )
    problems = problems_of(path)
    assert any(
        'kind "cbm_in_place" is not known (did you mean "cbm_in_force"?)' in p.message
        and p.entry == 'state "bravo", objective "hotline"'
        for p in problems
    )


def test_sector_typo_in_a_key(tmp_path):
    path = write(
        tmp_path,
        MODERATOR_SCENARIO.replace(
            "[states.interests]\nsanctions",
            "[states.resilience]\nenrgy = 3\n[states.interests]\nsanctions",
        ),
    )
    problem = only_problem(path)
    assert problem.field == "resilience.enrgy"
    assert 'did you mean "energy"' in problem.message


def test_duplicate_state_ids(tmp_path):
    path = write(tmp_path, MODERATOR_SCENARIO.replace('id = "bravo"', 'id = "alpha"'))
    problems = problems_of(path)
    assert any(
        p.entry == 'state "alpha"' and p.field == "id" and "duplicate id" in p.message
        for p in problems
    )


def test_duplicate_objective_ids(tmp_path):
    path = write(
        tmp_path,
        MODERATOR_SCENARIO.replace('id = "hotline"', 'id = "reporting"').replace(
            'id = "reporting"\nkind = "agreement_in_force"',
            'id = "reporting"\nkind = "agreement_in_force"',
        ),
    )
    text = path.read_text()
    text = text.replace(
        "[[groups]]",
        '[[states.objectives]]\nid = "reporting"\nkind = "no_conflict"\npoints = 5\ndescription = "Peace."\n\n[[groups]]',
    )
    path.write_text(text)
    problems = problems_of(path)
    assert any('two objectives have the id "reporting"' in p.message for p in problems)


def test_duplicate_custom_entry_clashes_with_shipped(tmp_path):
    text = (
        MODERATOR_SCENARIO
        + """
[[custom.cbm]]
id = "osce-1106-contact-point"
name = "Mine"
description = "Mine."
effects = ["dialogue"]
source = "me"
"""
    )
    problem = only_problem(write(tmp_path, text))
    assert "already a shipped cbm" in problem.message


def test_toml_syntax_error_has_line_and_column(tmp_path):
    path = write(tmp_path, 'id = "x"\ntitle = My class\n')
    problem = only_problem(path)
    assert (problem.line, problem.column) == (2, 9)
    assert str(problem).startswith(f"{path}: line 2, column 9: TOML syntax error")
    assert "double quotes" in problem.message


def test_every_problem_is_reported_at_once(tmp_path):
    text = (
        MODERATOR_SCENARIO.replace("sanctions = 0.9", "sanctions = 2")
        .replace('author = "gang"', 'author = "nobody"')
        .replace("round = 2", "round = 9")
    )
    assert len(problems_of(write(tmp_path, text))) == 3


def test_unknown_shipped_scenario_id_suggests():
    with pytest.raises(ContentError) as caught:
        load_scenario("twin-grid")
    assert 'did you mean "twin-grids"' in str(caught.value)


def test_catalog_file_problems(tmp_path):
    path = write(
        tmp_path,
        """
[[cbm]]
id = "a"
name = "A"
description = "a"
effects = ["hotlines"]
source = "x"

[[cbm]]
id = "b"
name = "B"
description = "b"
effects = ["dialogue"]
tension_relief = 50
source = "x"
""",
        name="cbms.toml",
    )
    report = check_path(path)
    messages = [str(p) for p in report.problems]
    assert any(
        'cbm "a", field "effects[0]"' in m and 'did you mean "hotline"' in m for m in messages
    )
    assert any(
        'cbm "b", field "tension_relief": 50 is out of range; allowed: 0 to 20.' in m
        for m in messages
    )

"""Every correct implementation gets full points, in the public and in the hidden tier."""
import re

import pytest

from course import run
from tests.conftest import ROOT, by_id, target_with
from tests.right import all_cases

CASES = all_cases()


def with_hidden_checks() -> set[str]:
    """The exercises the hidden tier checks (autograder/hidden/), read from its @exercise marks."""
    text = "".join(p.read_text() for p in (ROOT / "autograder" / "hidden").glob("test_*.py"))
    return set(re.findall(r'@exercise\("([^"]+)"\)', text))


HIDDEN = with_hidden_checks()


def params():
    for case in CASES:
        exercise_id, name, code = case[:3]
        marks = [pytest.mark.xfail(reason=case[3], strict=False)] if len(case) > 3 else []
        yield pytest.param(exercise_id, name, code, marks=marks, id=f"{exercise_id}: {name}")


@pytest.mark.parametrize("exercise_id, name, code", list(params()))
def test_right_version_gets_full_points(tmp_path, course, exercise_id, name, code):
    module, function = exercise_id.split(".")
    target = target_with(tmp_path, module, code)
    scores, output = run.graders(target, keyword=function, course=course)
    row = by_id(scores).get(exercise_id)
    assert row is not None, f"{name}: {exercise_id} was not graded\n{output}"
    assert row["status"] == "passed" and row["points"] == row["max_points"], \
        f"{name}: {row['points']}/{row['max_points']} {row['status']}: {row['message']}"
    names = [c["name"] for c in row["checks"]]
    assert any(not n.startswith("test_hidden_") for n in names), f"{name}: no public check ran: {names}"
    if exercise_id in HIDDEN:
        assert any(n.startswith("test_hidden_") for n in names), f"{name}: no hidden check ran: {names}"


def test_every_exercise_has_three_right_versions(course):
    counts = {}
    for case in CASES:
        counts[case[0]] = counts.get(case[0], 0) + 1
    graded = [ex.id for ex in course.exercises if not ex.notebook]
    few = {ex: counts.get(ex, 0) for ex in graded if counts.get(ex, 0) < 3}
    assert not few, f"exercises with fewer than three correct variants: {few}"

"""Every correct implementation gets full points, in the public and in the hidden tier.

The variants of tests/variants/right/ are graded in rounds: round r plants the r-th variant of every
exercise of a module into one copy of solutions/ and grades the module once (a run costs a
pytest start and a runner; one per variant would take three times as long). All variants are
correct, so any mix of them is too; a failure names the exercise and the variant. A variant
expected to fail for now (right/cases.toml gives its reason) gets a round of its own, marked xfail.
"""
import pytest

from course import selection
from course.grading import run
from course.manifest import load
from tests.conftest import ROOT, by_id, target_with
from tests.variants import SAVED_MODELS, right

CASES = [(v.exercise, v.name, v.code) + ((v.xfail,) if v.xfail else ()) for v in right()]
PLANTED = [case for case in CASES if case[0] not in SAVED_MODELS]      # tests/test_challenge.py runs the rest


def with_hidden_checks() -> set[str]:
    """The exercises the hidden tier checks (autograder/hidden/), as its files declare them."""
    course = load(ROOT)
    return {ex_id for g in selection.read_graders(ROOT).values() if not g.public for ex_id in g.declares(course)}


HIDDEN = with_hidden_checks()


def rounds():
    by_module: dict[str, dict[str, list]] = {}
    solo = []
    for case in PLANTED:
        if len(case) > 3:
            solo.append(case)
            continue
        module = case[0].split(".")[0]
        by_module.setdefault(module, {}).setdefault(case[0], []).append(case)
    for module, exercises in by_module.items():
        for r in range(max(len(v) for v in exercises.values())):
            picked = [cases[r] for cases in exercises.values() if r < len(cases)]
            yield pytest.param(module, picked, id=f"{module} round {r + 1}")
    for case in solo:
        yield pytest.param(case[0].split(".")[0], [case], id=f"{case[0]}: {case[1]}",
                           marks=pytest.mark.xfail(reason=case[3], strict=False))


@pytest.mark.parametrize("module, picked", list(rounds()))
def test_right_versions_get_full_points(tmp_path, course, shared_runner, module, picked):
    target = target_with(tmp_path, module, "\n".join(code for _, _, code, *_ in picked))
    # the exercises by name (pytest's -k), wherever their checks live (record_gradients has a file of its own)
    keyword = " or ".join(sorted({exercise_id.split(".")[1] for exercise_id, *_ in picked}))
    scores, output = run.graders(target, keyword=keyword, course=course, runner=shared_runner)
    rows = by_id(scores)
    wrong = []
    for exercise_id, name, *_ in picked:
        row = rows.get(exercise_id)
        if row is None:
            wrong.append(f"{exercise_id} ({name}): not graded")
            continue
        if row["status"] != "passed" or row["points"] != row["max_points"]:
            wrong.append(f"{exercise_id} ({name}): {row['points']}/{row['max_points']} {row['status']}: "
                         f"{row['message']}")
            continue
        names = [c["name"] for c in row["checks"]]
        if not any(not n.startswith("test_hidden_") for n in names):
            wrong.append(f"{exercise_id} ({name}): no public check ran: {names}")
        if exercise_id in HIDDEN and not any(n.startswith("test_hidden_") for n in names):
            wrong.append(f"{exercise_id} ({name}): no hidden check ran: {names}")
    missing = any(w.endswith(": not graded") for w in wrong)
    assert not wrong, "correct versions rejected:\n" + "\n".join(wrong) + ("\n" + output if missing else "")


def test_every_exercise_has_three_right_versions(course):
    counts = {}
    for case in CASES:
        counts[case[0]] = counts.get(case[0], 0) + 1
    graded = [ex.id for ex in course.exercises if not ex.notebook]
    few = {ex: counts.get(ex, 0) for ex in graded if counts.get(ex, 0) < 3}
    assert not few, f"exercises with fewer than three correct variants: {few}"

"""Every common wrong version (tests/variants/wrong/) is rejected by its grader, with the hint
that names the mistake."""
import pytest

from course.grading import run
from tests.conftest import by_id, target_with
from tests.variants import SAVED_MODELS, wrong

# (a saved model's recipes are run and graded by tests/test_challenge.py)
CASES = [(v.exercise, v.name, v.code, v.hint) for v in wrong() if v.exercise not in SAVED_MODELS]


@pytest.mark.parametrize("exercise_id, name, code, hint", CASES, ids=[f"{c[0]}: {c[1]}" for c in CASES])
def test_wrong_version_is_rejected_with_its_hint(tmp_path, course, shared_runner, exercise_id, name, code, hint):
    module, function = exercise_id.split(".")
    target = target_with(tmp_path, module, code)
    scores, output = run.graders(target, keyword=function, course=course, runner=shared_runner)
    row = by_id(scores)[exercise_id]
    assert row["status"] == "failed", f"{name}: graded {row['status']}\n{output}"
    assert row["points"] == 0
    # "other.exercise:key": the fault lies in another exercise's code, and the message names its hint
    owner, key = hint.rsplit(":", 1) if ":" in hint else (exercise_id, hint)
    assert course.exercise(owner).hint(key) in row["message"], \
        f"{name}: expected hint {hint!r}, message was:\n{row['message']}"

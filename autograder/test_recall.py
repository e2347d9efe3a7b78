"""Graders for the recall test (05-recall.ipynb, an nbgrader notebook).

The questions are answered and tested inside the notebook: this file runs the target's copy
of it once, in a fresh kernel, and reports each question's tests as one row of the score
table. A learner's copy holds only the visible tests, so this is the self-check
(`pytest autograder -k recall`, `course check recall`); the instructor's grade adds the hidden
tests through nbgrader (course.notebooks.autograde_notebook).
"""
from pathlib import Path

import pytest

from course.checks import fail
from course.manifest import load

NOTEBOOK = "05-recall.ipynb"


@pytest.fixture(scope="module")
def recall_notebook(request):
    """Exercise id -> (status, message), from running the target's notebook once.
    (A fixture runs in the grader's process; the notebook runs in its own kernel.)"""
    from course.notebooks import visible_tests
    course = load()
    target = Path(request.config.getoption("target"))
    if not target.is_absolute() and not target.exists():
        target = course.root / target
    return visible_tests(course, target / NOTEBOOK)


def verdict(outcomes: dict, exercise_id: str) -> None:
    status, message = outcomes[exercise_id]
    if status == "not started":
        raise NotImplementedError(message)
    if status == "failed":
        fail(message)
    if status == "error":      # "NameError: text": raise the same kind here, for the same report
        name, _, text = message.partition(": ")
        raise type(name if name.isidentifier() else "Error", (Exception,), {})(text)


def _question(exercise_id: str):
    @pytest.mark.exercise(exercise_id)
    def check(recall_notebook):
        verdict(recall_notebook, exercise_id)
    check.__name__ = f"test_{exercise_id.split('.', 1)[1]}"
    return check


# One check per question of course.toml, in its order.
for _ex in load().exercises:
    if _ex.notebook == NOTEBOOK:
        globals()[f"test_{_ex.function}"] = _question(_ex.id)

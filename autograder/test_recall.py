"""Graders for the recall test (05-recall.ipynb, an nbgrader notebook).

The questions are answered and tested inside the notebook. Each check here runs the target's
copy of the notebook's code cells in order, in the check's own process (so a learner's
endless loop or crash costs one question, and no Jupyter kernel has to start), and reports
the question from what its answer cell and its test cell did. A learner's copy holds only the
visible tests: this is the self-check (`pytest autograder -k recall`, `course check recall`).
The instructor's grade adds the hidden tests through nbgrader
(course.notebooks.autograde_notebook).
"""
import json

import pytest

from course.checks import fail
from course.manifest import load

NOTEBOOK = "05-recall.ipynb"


QUESTIONS = [ex.function for ex in load().exercises if ex.notebook == NOTEBOOK]


def run_cells(path, question: str) -> dict[str, BaseException | None]:
    """grade_id -> what the cell raised (None: it ran), for the code cells of `question` and
    the cells shared by all questions (set-up), in order, all in one namespace, as a kernel
    with `allow_errors` would run them. The other questions' cells are left out: they cost
    time and cannot change this question's outcome."""
    others = {f"{q}{suffix}" for q in QUESTIONS if q != question for suffix in ("", "_answer")}
    # A notebook is JSON; reading it directly spares the seconds that importing nbformat costs.
    cells = json.loads(path.read_text())["cells"]
    namespace = {"__name__": "__main__"}
    outcomes = {}
    for index, cell in enumerate(c for c in cells if c["cell_type"] == "code"):
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", f"cell-{index}")
        if grade_id in others:
            continue
        text = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
        source = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith(("%", "!")))
        try:
            exec(compile(source, f"{NOTEBOOK}, cell {grade_id}", "exec"), namespace)
            outcomes[grade_id] = None
        except Exception as exc:  # noqa: BLE001 - recorded, as the notebook would show it
            outcomes[grade_id] = exc
    return outcomes


def verdict(question: str, target) -> None:
    path = target / NOTEBOOK
    if not path.exists():
        raise NotImplementedError(f"{NOTEBOOK} is not in {target}")
    outcomes = run_cells(path, question)
    if question not in outcomes:
        fail(f"the test cell of question {question} is missing from the notebook; copy it back from a fresh release")
    answer, tests = outcomes.get(f"{question}_answer"), outcomes[question]
    for raised in (answer, tests):
        if isinstance(raised, NotImplementedError):
            raise NotImplementedError()
    if answer is not None:
        raise answer
    if isinstance(tests, AssertionError):
        fail(str(tests) or "a test of this question failed")
    if tests is not None:
        raise tests


def _question(exercise_id: str):
    @pytest.mark.exercise(exercise_id)
    def check(target_folder):
        verdict(exercise_id.split(".", 1)[1], target_folder)
    check.__name__ = f"test_{exercise_id.split('.', 1)[1]}"
    return check


# One check per question of course.toml, in its order.
for _ex in load().exercises:
    if _ex.notebook == NOTEBOOK:
        globals()[f"test_{_ex.function}"] = _question(_ex.id)

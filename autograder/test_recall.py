"""Graders for the recall test (05-recall.ipynb, an nbgrader notebook).

Each question has an answer cell (the learner's) and a test cell (the course's). The answer
cells, and the notebook's set-up cell, run beside the learner's code (in the runner), in
order, in one namespace, as a kernel would run them; nothing of the learner's notebook runs
here. The test cells come from the course's own copy of the notebook: the instructor's
source (solutions/) when the course has it, and run here, each in a fresh namespace: the
course's own set-up cell, Python's builtins, and the question's declared answers (`answers` in
course.toml) bound to what the runner holds (numbers and tensors as copies, functions as
handles that call into the runner). No other name of the learner's reaches a test cell: an
answer cell that defines `torch`, `abs` or `isinstance` changes only the runner's own names.
Its hidden tests run when the instructor grades (`course grade`, Gradescope: the
`--instructor-grade` option); a self-check runs the visible ones, so its recall points are
provisional. A learner's release has no source: there, the visible
test cells of the learner's own notebook run in the runner too (a learner can only fool
themselves), and the instructor's grade adds the hidden tests.
"""
import json

from course.grading.judge.api import check, exercise, fail, runner_answer, runner_exec
from course import regions
from course.manifest import load

NOTEBOOK = "05-recall.ipynb"

QUESTIONS = [ex.function for ex in load().exercises if ex.notebook == NOTEBOOK]


def code_cells(path) -> dict[str, str]:
    """grade_id -> source of the notebook's code cells, in order (a notebook is JSON; reading it
    directly spares the seconds that importing nbformat costs)."""
    cells = {}
    for index, cell in enumerate(c for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "code"):
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", f"cell-{index}")
        text = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
        cells[grade_id] = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith(("%", "!")))
    return cells


def verdict(question: str, target, hidden: bool = False, declared: tuple[str, ...] = ()) -> None:
    path = target / NOTEBOOK
    if not path.exists():
        fail(f"{NOTEBOOK} is missing from {target.name}/: copy it back from a fresh release")
    learner = code_cells(path)
    others = {f"{q}{suffix}" for q in QUESTIONS if q != question for suffix in ("", "_answer")}
    cells = [gid for gid in learner if gid not in others and gid != question]
    check(f"{question}_answer" in learner,
          f"the answer cell of question {question} is missing from the notebook; copy it back from a fresh release")
    for gid in cells:                     # set-up and this question's answer, in the runner
        runner_exec(learner[gid], f"{NOTEBOOK}, cell {gid}")
    root = load().root
    # The course's copy: its tests alone where a grading was given them (course grade, Gradescope),
    # or the instructor's source notebook.
    source = next((p for p in (root / "autograder" / "notebooks" / NOTEBOOK, root / "solutions" / NOTEBOOK)
                   if p.exists()), None)
    if source is None:                 # a learner's release: its visible tests, in the runner too
        check(question in learner,
              f"the test cell of question {question} is missing from the notebook; copy it back from a fresh release")
        try:
            runner_exec(learner[question], f"{NOTEBOOK}, cell {question}")
        except AssertionError as exc:
            fail(str(exc) or "a test of this question failed")
        return
    course_cells = code_cells(source)
    # A namespace the learner never writes: the course's set-up cell and the builtins, then the
    # question's declared answers alone, each a copy or a handle.
    namespace = {"__name__": "__main__"}
    exec(compile(course_cells.get("setup", ""), f"{NOTEBOOK}, cell setup", "exec"), namespace)
    for name in declared:
        namespace[name] = runner_answer(name)
    # The instructor's grade runs the hidden tests too; the self-check the visible ones, as the
    # learner's own notebook shows them.
    cell = course_cells[question]
    test = regions.without_markers(cell, regions.HIDDEN_TESTS) if hidden else regions.without_regions(cell)
    try:
        exec(compile(test, f"{NOTEBOOK}, cell {question}", "exec"), namespace)
    except AssertionError as exc:
        fail(str(exc) or "a test of this question failed")


def _question(ex):
    @exercise(ex.id)
    def test(target_folder, instructor_grade):
        verdict(ex.function, target_folder, hidden=instructor_grade, declared=ex.answers)
    test.__name__ = f"test_{ex.function}"
    return test


# One check per question of course.toml, in its order.
for _ex in load().exercises:
    if _ex.notebook == NOTEBOOK:
        globals()[f"test_{_ex.function}"] = _question(_ex)

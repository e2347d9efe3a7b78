"""The course's notebooks through nbgrader.

- `generate(course)` releases the notebooks of `solutions/` into `exercises/` (`course
  notebooks`); `check=True` only compares (`course notebooks --check`). A notebook with nbgrader
  cells (the recall test) goes through `nbgrader generate_assignment`; a lecture notebook has
  none, and needs its modules beside it to run, so it is not given to nbgrader: it is copied
  with its outputs cleared (byte for byte what nbgrader's release would make of it). Like the
  stubs, a released notebook the learner has changed is never overwritten: the new one goes
  beside it as `<name>.ipynb.new`; nor is a source notebook edited in `.nbgrader/source/`.
- `point_problems(course)` compares the points of the notebooks' nbgrader cells with course.toml.
- `autograde_notebook(path, workdir)` grades one submission for real (nbgrader autograde, hidden
  tests included) and returns the points per question: what `course grade` uses.

nbgrader's own folders live in `.nbgrader/` (see nbgrader_config.py for the mapping).
Questions and cells are tied by name: the question `recall.mlp_shapes` of course.toml is graded
by the test cell whose nbgrader grade_id is `mlp_shapes`; its code to complete is the cell
`mlp_shapes_answer`, its written part `mlp_shapes_written` (points in [assignment.manual]).
"""
from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import nbformat

from course.files import Record, write_unless_edited
from course.manifest import Assignment, Course, CourseError
from course.regions import SOLUTION, cell_source, contains

RECORD = ".notebooks.json"        # in exercises/: sha256 of every notebook as it was released
STUDENT = "learner"               # the student id autograde_notebook files a submission under


def _bin_on_path() -> None:
    """nbgrader runs `alembic` by name: put this environment's bin first on PATH."""
    bin_dir = str(Path(sys.executable).parent)
    if bin_dir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bin_dir + os.pathsep + os.environ.get("PATH", "")


def notebook_assignments(course: Course) -> list[tuple[Assignment, str]]:
    """(assignment, notebook file name) for every notebook of course.toml, in course order."""
    return [(a, nb) for a in course.assignments for nb in a.notebooks]


def assignment_of(course: Course, notebook: str) -> Assignment:
    for a, nb in notebook_assignments(course):
        if nb == notebook:
            return a
    raise CourseError(f"course.toml lists no notebook {notebook!r}")


# ------------------------------------------------------------------ nbgrader, from Python
def nbgrader_config(course: Course, work: Path):
    """The course's nbgrader_config.py, with nbgrader's folders, gradebook and exchange in `work`."""
    from traitlets.config.loader import PyFileConfigLoader
    path = course.root / "nbgrader_config.py"
    if not path.exists():
        raise CourseError(f"{path}: missing (nbgrader's configuration)")
    config = PyFileConfigLoader(path.name, path=str(course.root)).load_config()
    work = Path(work).resolve()
    config.CourseDirectory.root = str(work)
    config.CourseDirectory.db_url = f"sqlite:///{work / 'gradebook.db'}"
    config.Exchange.root = str(work / "exchange")
    config.Exchange.cache = str(work / "exchange-cache")
    return config


def nbgrader_api(course: Course, work: Path):
    """nbgrader's Python API (NbGraderAPI) working in `work`."""
    _bin_on_path()
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory
    config = nbgrader_config(course, work)
    return NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)


def _succeeded(result: dict, what: str) -> None:
    if not result.get("success"):
        text = (result.get("error") or result.get("log") or "").strip().splitlines()[-12:]
        raise CourseError(f"nbgrader {what} failed:\n  " + "\n  ".join(text))


STAGED = "staged.json"     # in nbgrader's folder: sha256 of every source notebook as staged there


def uses_nbgrader(path: Path) -> bool:
    """A notebook with nbgrader cells (graded, solution or locked) or solution regions: released
    through nbgrader. The lecture notebooks have none; they are copied, outputs cleared."""
    return any(cell.get("metadata", {}).get("nbgrader") or contains(cell_source(cell), SOLUTION)
               for cell in json.loads(Path(path).read_text())["cells"])


def nbgrader_notebooks(course: Course, assignment: Assignment) -> list[str]:
    """The notebooks of an assignment that go through nbgrader (the recall test's, not the lectures')."""
    return [nb for nb in assignment.notebooks if uses_nbgrader(_source(course, assignment, nb))]


def _source(course: Course, assignment: Assignment, nb: str) -> Path:
    src = course.root / "solutions" / nb
    if not src.exists():
        raise CourseError(f"solutions/{nb}: missing; course.toml lists it for assignment {assignment.id!r}")
    return src


def stage_sources(course: Course, work: Path, assignment: Assignment, force: bool = False) -> list[Path]:
    """Copy the assignment's nbgrader notebooks from solutions/ to nbgrader's source/<assignment>/.

    solutions/ is the source of truth, but the formgrader's edit links open the copies in
    source/: a copy edited there is kept (unless `force`), solutions/' version goes beside it as
    `<name>.ipynb.new` (nbgrader_config.py tells nbgrader to ignore *.new), and it is returned,
    so that nothing is generated from a source that disagrees with solutions/."""
    work = Path(work)
    folder = work / "source" / assignment.id
    folder.mkdir(parents=True, exist_ok=True)
    record = Record(work / STAGED)
    kept = [folder / nb for nb in nbgrader_notebooks(course, assignment)
            if write_unless_edited(folder / nb, _source(course, assignment, nb).read_bytes(), record,
                                   f"{assignment.id}/{nb}", force=force) == "kept"]
    record.save()
    return kept


def kept_message(course: Course, kept: list[Path]) -> str:
    """One line for source notebooks kept because they were edited in nbgrader's folder."""
    shown = [str(p.relative_to(course.root)) if p.is_relative_to(course.root) else str(p) for p in kept]
    return (f"{', '.join(shown)}: edited there (the formgrader's edit links lead there), so kept, and "
            f"solutions/' version is beside it as .new; copy your edit into solutions/ (the source of truth), "
            "or run `course notebooks --force` to drop it")


def generate_assignment(course: Course, work: Path, assignment: Assignment, force: bool = False) -> Path:
    """`nbgrader generate_assignment` for the nbgrader notebooks of one assignment; returns
    release/<assignment>/. Refuses while a source notebook edited in `work` is kept."""
    kept = stage_sources(course, work, assignment, force=force)
    if kept:
        raise CourseError(kept_message(course, kept))
    return _generate(course, work, assignment)


def _generate(course: Course, work: Path, assignment: Assignment) -> Path:
    _succeeded(nbgrader_api(course, work).generate_assignment(assignment.id), f"generate_assignment {assignment.id}")
    return Path(work) / "release" / assignment.id


def lecture_release(path: Path) -> str:
    """A lecture notebook as learners get it: the source with its outputs cleared (what nbgrader's
    release does to a notebook without nbgrader cells, byte for byte)."""
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    return nbformat.writes(nb) + "\n"


# ------------------------------------------------------------------ releasing into exercises/
@dataclass
class Outcome:
    path: Path
    action: str   # created | updated | unchanged | kept | stale | source kept

    def __str__(self) -> str:
        text = {"created": "created", "updated": "updated (it was untouched)", "unchanged": "up to date",
                "kept": f"kept: you have changed it; the new one is beside it as {self.path.name}.new",
                "stale": "out of date: run `course notebooks`",
                "source kept": "not released: its source in .nbgrader/source/ was edited there (see below)",
                }[self.action]
        return f"{self.path.name:<30} {text}"


def released_texts(course: Course, work: Path, force: bool = False) -> tuple[dict[str, str], list[Path]]:
    """notebook -> its released text, for every notebook of course.toml: the recall test's through
    nbgrader (working in `work`), the lectures' copied with their outputs cleared; and the
    source notebooks kept because they were edited in `work` (their notebooks are left out)."""
    texts, kept = {}, []
    for assignment in course.assignments:
        graded = nbgrader_notebooks(course, assignment)
        for nb in assignment.notebooks:
            if nb not in graded:
                texts[nb] = lecture_release(_source(course, assignment, nb))
        if graded:
            held = stage_sources(course, work, assignment, force=force)
            if held:
                kept += held
                continue
            released = _generate(course, work, assignment)
            for nb in graded:
                texts[nb] = (released / nb).read_text()
    return texts, kept


def generate(course: Course, check: bool = False, force: bool = False) -> list[Outcome]:
    """Release every notebook of course.toml into exercises/ (or, with `check`, only compare).
    nbgrader works in .nbgrader/, or in a temporary folder for a check. `force` overwrites
    notebooks changed in exercises/ and source notebooks edited in .nbgrader/source/."""
    out_dir = course.root / "exercises"
    record, outcomes = Record(out_dir / RECORD), []
    with tempfile.TemporaryDirectory(prefix="course-nbgrader-") as tmp:
        work = Path(tmp) if check else course.root / ".nbgrader"
        texts, _ = released_texts(course, work, force=force)
    for _, nb in notebook_assignments(course):
        dest = out_dir / nb
        action = "source kept" if nb not in texts else \
            write_unless_edited(dest, texts[nb], record, nb, force=force, check=check)
        outcomes.append(Outcome(dest, action))
    if not check:
        record.save()
    return outcomes


def grade_cells(nb) -> dict[str, dict]:
    """grade_id -> nbgrader metadata of every graded cell (autograded tests and written answers)."""
    cells = {}
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade"):
            cells[meta["grade_id"]] = dict(meta, cell_type=cell.cell_type)
    return cells


def expected_points(course: Course, assignment: Assignment, notebook: str) -> dict[str, int]:
    """grade_id -> points, as course.toml gives them, for the graded cells of one notebook."""
    points = {ex.function: ex.points for ex in course.exercises if ex.notebook == notebook}
    if points or assignment.manual:
        points.update(assignment.manual)
    return points


def point_problems(course: Course) -> list[str]:
    """Where the points of the source notebooks' nbgrader cells disagree with course.toml."""
    problems = []
    for assignment, nb in notebook_assignments(course):
        path = course.root / "solutions" / nb
        if not path.exists():
            problems.append(f"solutions/{nb}: missing; course.toml lists it for assignment {assignment.id!r}")
            continue
        cells = {gid: m.get("points", 0) for gid, m in grade_cells(nbformat.read(path, as_version=4)).items()}
        expected = expected_points(course, assignment, nb)
        for gid in sorted(cells.keys() | expected.keys()):
            if gid not in cells:
                problems.append(f"solutions/{nb}: course.toml gives {gid!r} {expected[gid]} points, but the "
                                "notebook has no graded cell of that grade_id; add the cell, or fix course.toml")
            elif gid not in expected:
                problems.append(f"solutions/{nb}: graded cell {gid!r} is not in course.toml "
                                f"(add it as a question of assignment {assignment.id!r} or to its `manual`)")
            elif cells[gid] != expected[gid]:
                problems.append(f"solutions/{nb}: cell {gid!r} is worth {cells[gid]} points in the notebook "
                                f"but {expected[gid]} in course.toml; make them agree")
    return problems


# ------------------------------------------------------------------ a learner's visible tests
def _error(cell) -> dict | None:
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            return output
    return None


def question_status(nb, question: str) -> tuple[str, str]:
    """(status, message) of one question of an executed notebook, from its cells' outputs:
    `not started` while the answer cell still raises NotImplementedError, `failed` when a test
    asserts (or the cells are missing), `error` when the code raised something else (the
    message is then "Name: text (in ...)"), `passed` otherwise."""
    by_id = {c.metadata.get("nbgrader", {}).get("grade_id"): c for c in nb.cells}
    answer, tests = by_id.get(f"{question}_answer"), by_id.get(question)
    if tests is None:
        return "failed", (f"the test cell of question {question} is missing from the notebook; "
                         "copy it back from a fresh release")
    if answer is not None:
        err = _error(answer)
        if err and err.get("ename") == "NotImplementedError":
            return "not started", ""
        if err:
            return "error", f"{err['ename']}: {err.get('evalue', '')} (in the answer cell)"
    err = _error(tests)
    if err and err.get("ename") == "NotImplementedError":     # the stub's function, called by the tests
        return "not started", ""
    if err is None:
        if not tests.get("outputs") and tests.get("execution_count") is None:
            return "failed", "the test cell did not run (a cell before it stopped the notebook)"
        return "passed", ""
    if err.get("ename") == "AssertionError":
        return "failed", err.get("evalue") or "a test failed"
    return "error", f"{err['ename']}: {err.get('evalue', '')} (in the tests)"




def execute(*args, **kwargs):
    """course/grading/run.py's `execute` (a notebook top to bottom in a fresh kernel), imported when used:
    it imports torch, which nbgrader's processes (they load this module) need not."""
    from course.grading.run import execute as run
    return run(*args, **kwargs)


# ------------------------------------------------------------------ grading one submission
def autograde_notebook(notebook_path, workdir) -> dict:
    """Autograde one learner's notebook with nbgrader, hidden tests included.

    `notebook_path` is a submitted notebook; its file name says which notebook of course.toml it
    is (e.g. 05-recall.ipynb). `workdir` is a folder for nbgrader's tree and gradebook; it may be
    reused between calls (the assignment is generated from solutions/ once), but not by two
    calls at the same time. Needs the instructor's tree (solutions/ holds the source notebook).
    This is nbgrader's own autograde, in a Jupyter kernel of this machine, for instructors who
    grade with nbgrader; `course grade` grades the notebook through the sandboxed runner
    instead (autograder/test_recall.py), and a test checks that both give the same points.

    Returns a dict:

        notebook, assignment     e.g. "05-recall.ipynb", "recall"
        questions                exercise id -> {"points", "max_points", "status", "message"}:
                                 the autograded part of each question, in course.toml order;
                                 status as in the score table (passed, failed, not started, error)
        autograded, max_autograded   their totals
        manual_pending           cell grade_id -> points, for the written parts and the
                                 reflection that the instructor grades by hand (in nbgrader's
                                 formgrader, or by reading the notebook)
        max_manual               their total
        error                    only when the notebook could not be graded at all (then every
                                 question has 0 points and status "error")
    """
    from course.manifest import load
    course = load()
    path, work = Path(notebook_path), Path(workdir).resolve()
    notebook = path.name
    assignment = assignment_of(course, notebook)
    questions = [ex for ex in course.exercises if ex.notebook == notebook]
    result = {"notebook": notebook, "assignment": assignment.id,
              "max_autograded": sum(ex.points for ex in questions),
              "manual_pending": dict(assignment.manual), "max_manual": sum(assignment.manual.values())}

    def give_up(message: str) -> dict:
        result.update(error=message, autograded=0, questions={
            ex.id: {"points": 0, "max_points": ex.points, "status": "error", "message": message}
            for ex in questions})
        return result

    try:
        nbformat.read(path, as_version=4)
    except Exception as exc:  # noqa: BLE001 - not JSON, not a notebook, not there
        return give_up(f"{notebook} is not a notebook that can be read ({type(exc).__name__})")
    outcome = _autograde(course, work, assignment, path)
    if not outcome.get("success"):
        lines = (outcome.get("error") or outcome.get("log") or "").strip().splitlines()
        return give_up(f"nbgrader could not autograde {notebook}: {lines[-1] if lines else 'no reason given'}")
    result["questions"] = _question_results(work, assignment, notebook, questions)
    result["autograded"] = sum(q["points"] for q in result["questions"].values())
    return result


def _autograde(course: Course, work: Path, assignment: Assignment, path: Path) -> dict:
    """nbgrader's autograde of the notebook at `path`, submitted by STUDENT in `work` (the
    assignment generated there first, unless its release is there and up to date)."""
    notebook = path.name
    source = course.root / "solutions" / notebook
    staged = work / "source" / assignment.id / notebook
    if not (staged.exists() and staged.read_bytes() == source.read_bytes()
            and (work / "release" / assignment.id / notebook).exists()):
        generate_assignment(course, work, assignment)
    submitted = work / "submitted" / STUDENT / assignment.id
    if submitted.exists():
        shutil.rmtree(submitted)
    submitted.mkdir(parents=True)
    shutil.copy(path, submitted / notebook)
    return nbgrader_api(course, work).autograde(assignment.id, STUDENT)


def _question_results(work: Path, assignment: Assignment, notebook: str, questions: list) -> dict:
    """exercise id -> points, max_points, status and message, from nbgrader's gradebook and the
    autograded notebook's outputs."""
    from nbgrader.api import Gradebook
    graded = nbformat.read(work / "autograded" / STUDENT / assignment.id / notebook, as_version=4)
    with Gradebook(f"sqlite:///{work / 'gradebook.db'}") as gb:
        sub = gb.find_submission_notebook(Path(notebook).stem, assignment.id, STUDENT)
        scores = {g.name: (g.score, g.max_score) for g in sub.grades}
    results = {}
    for ex in questions:
        score, max_score = scores.get(ex.function, (0, ex.points))
        status, message = question_status(graded, ex.function)
        if status == "passed" and score < max_score:    # only a hidden cell can tell more
            status, message = "failed", "a test failed"
        results[ex.id] = {"points": score, "max_points": max_score, "status": status, "message": message}
    return results


# ------------------------------------------------------------------ feedback for students
def _short_tracebacks():
    from nbgrader.preprocessors import NbGraderPreprocessor

    class ShortTracebacks(NbGraderPreprocessor):
        """Feedback: a failed test shows its message, not the traceback, which quotes the failing
        line, and that line may be a hidden test (ClearHiddenTests only clears cell sources)."""

        def preprocess_cell(self, cell, resources, index):
            if cell.get("metadata", {}).get("nbgrader", {}).get("grade") and cell.cell_type == "code":
                for output in cell.get("outputs", []):
                    if output.get("output_type") == "error":
                        output["traceback"] = [f"{output.get('ename', 'Error')}: {output.get('evalue', '')}"]
            return cell, resources

    return ShortTracebacks


def __getattr__(name):
    # `course.authoring.notebooks.ShortTracebacks` (named in nbgrader_config.py) is built on first use, so
    # that importing this module for a learner's self-check does not import nbgrader.
    if name == "ShortTracebacks":
        globals()[name] = _short_tracebacks()
        return globals()[name]
    raise AttributeError(name)


# ------------------------------------------------------------------ the `course` commands
def cmd_notebooks(args) -> int:
    from course.manifest import load
    course = load()
    problems = point_problems(course)
    for problem in problems:
        print(problem, file=sys.stderr)
    outcomes = generate(course, check=args.check, force=args.force)
    for outcome in outcomes:
        print(f"exercises/{outcome}")
    if any(o.action == "stale" for o in outcomes):
        print("released notebooks are out of date with solutions/: run `course notebooks`", file=sys.stderr)
        return 1
    if any(o.action == "kept" for o in outcomes):
        print("changed notebooks were left as they are; compare them with the .new ones beside them")
    held = [course.root / ".nbgrader" / "source" / assignment_of(course, o.path.name).id / o.path.name
            for o in outcomes if o.action == "source kept"]
    if held:
        print(kept_message(course, held), file=sys.stderr)
        return 1
    return 1 if problems else 0


def add_parser(sub) -> None:
    p = sub.add_parser("notebooks")
    p.add_argument("--check", action="store_true", help="only check; exit 1 if exercises/ is out of date "
                                                        "or the notebooks' points disagree with course.toml")
    p.add_argument("--force", action="store_true", help="overwrite released notebooks even where they were changed, "
                                                        "and source notebooks edited in .nbgrader/source/")
    p.set_defaults(run=cmd_notebooks)

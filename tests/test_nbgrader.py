"""The recall test through nbgrader, for real, in a temporary folder: generate the assignment,
autograde three submissions, validate, generate feedback, export the grades."""
import csv
import html
import re
import shutil
from pathlib import Path

import nbformat
import pytest

from course import regions
from course.authoring import notebooks
from tests.conftest import ROOT

NB = "05-recall.ipynb"
# nbgrader's own gradebook code trips SQLAlchemy 2's autoflush warnings; they are not ours to fix
pytestmark = pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning")


def cell(nb, grade_id):
    return next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def hidden_test_lines(nb) -> list[str]:
    """Every non-blank line between BEGIN and END HIDDEN TESTS in the notebook's cells."""
    return [line.strip() for c in nb.cells for block in regions.cell_parts(c).hidden for line in block if line.strip()]


def hardcoded(source, release):
    """A learner's release, answered from the source, except that mlp_shapes knows only the
    lecture's sizes: it passes every visible test and fails a hidden one."""
    nb = nbformat.reads(nbformat.writes(release), as_version=4)
    for c in nb.cells:
        meta = c.metadata.get("nbgrader", {})
        if meta.get("solution"):
            c.source = regions.without_markers(cell(source, meta["grade_id"]).source)
    c = cell(nb, "mlp_shapes_answer")
    c.source = c.source.replace("block_size * n_embd", "30").replace("n_hidden)", "200)").replace(
        "(n_hidden,)", "(200,)")
    return nb


@pytest.fixture(scope="module")
def graded(tmp_path_factory, course):
    """The round trip, once: nbgrader's tree in a temporary folder, three students autograded."""
    work = tmp_path_factory.mktemp("nbgrader")
    assignment = notebooks.assignment_of(course, NB)
    api = notebooks.nbgrader_api(course, work)
    release = notebooks.generate_assignment(course, work, assignment)
    source = nbformat.read(ROOT / "solutions" / NB, as_version=4)
    released = nbformat.read(release / NB, as_version=4)
    submissions = {
        "solution": source,                                       # the source notebook, as handed in
        "untouched": released,                                    # the release, not even started
        "hardcoded": hardcoded(source, released),                 # one question wrong
    }
    for student, nb in submissions.items():
        folder = work / "submitted" / student / assignment.id
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / NB)
        result = api.autograde(assignment.id, student)
        assert result["success"], result.get("error") or result.get("log")
    from nbgrader.api import Gradebook
    with Gradebook(f"sqlite:///{work / 'gradebook.db'}") as gb:
        scores = {s: {g.name: g.score for g in gb.find_submission_notebook(Path(NB).stem, assignment.id, s).grades}
                  for s in submissions}
    return dict(work=work, api=api, assignment=assignment, release=release, scores=scores, source=source,
                released=released)


def autograded_points(course, scores: dict) -> dict[str, float]:
    return {ex.function: scores[ex.function] for ex in course.exercises if ex.notebook == NB}


def test_the_release_is_what_is_in_exercises(graded):
    assert (graded["release"] / NB).read_text() == (ROOT / "exercises" / NB).read_text(), \
        "exercises/05-recall.ipynb is out of date: run `course notebooks`"


def test_every_released_notebook_is_in_sync(course):
    outcomes = notebooks.generate(course, check=True)
    assert {o.action for o in outcomes} == {"unchanged"}, [str(o) for o in outcomes]
    assert {o.path.name for o in outcomes} == {nb for a in course.assignments for nb in a.notebooks}


def test_notebook_points_agree_with_course_toml(course):
    assert notebooks.point_problems(course) == []
    cells = notebooks.grade_cells(nbformat.read(ROOT / "solutions" / NB, as_version=4))
    assert {gid for gid, m in cells.items() if m["solution"]} == set(notebooks.assignment_of(course, NB).manual)


def test_a_wrong_point_value_is_caught(tmp_path, course):
    from course.manifest import load
    shutil.copytree(ROOT / "solutions", tmp_path / "solutions", ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    toml = (ROOT / "course.toml").read_text()
    (tmp_path / "course.toml").write_text(toml.replace("reflection = 5", "reflection = 6"))
    assert notebooks.point_problems(load(tmp_path)) == [
        "solutions/05-recall.ipynb: cell 'reflection' is worth 5 points in the notebook but 6 in course.toml; "
        "make them agree"]


def test_the_release_has_no_solution_and_no_hidden_test(graded):
    released = nbformat.read(graded["release"] / NB, as_version=4)
    text = "\n".join(c.source for c in released.cells)
    assert "BEGIN SOLUTION" not in text and "HIDDEN TESTS" not in text
    for line in hidden_test_lines(graded["source"]):
        assert line not in text
    assert cell(released, "mlp_shapes_answer").source.endswith("raise NotImplementedError()")


def test_the_solution_earns_every_autograded_point(graded, course):
    got = autograded_points(course, graded["scores"]["solution"])
    assert got == {ex.function: ex.points for ex in course.exercises if ex.notebook == NB}


def test_the_untouched_release_earns_nothing(graded, course):
    assert set(autograded_points(course, graded["scores"]["untouched"]).values()) == {0}


def test_one_wrong_answer_loses_exactly_that_question(graded, course):
    got = autograded_points(course, graded["scores"]["hardcoded"])
    full = {ex.function: ex.points for ex in course.exercises if ex.notebook == NB}
    assert got == {**full, "mlp_shapes": 0}


def test_validate_passes_the_visible_tests_and_fails_the_release(graded, course):
    # `nbgrader validate` exits 0 either way: its verdict is read through the Python API.
    from nbgrader.validator import Validator
    validator = Validator(config=notebooks.nbgrader_config(course, graded["work"]))
    assert "failed" in validator.validate(str(graded["release"] / NB))
    hard = graded["work"] / "submitted" / "hardcoded" / "recall" / NB
    assert validator.validate(str(hard)) == {}      # visible tests pass; only the hidden ones catch it


def test_feedback_shows_scores_but_no_hidden_test(graded):
    assignment = graded["assignment"].id
    for student in ("solution", "hardcoded"):
        result = graded["api"].generate_feedback(assignment, student)
        assert result["success"], result.get("error") or result.get("log")
        page = (graded["work"] / "feedback" / student / assignment / "05-recall.html").read_text()
        text = html.unescape(re.sub(r"<[^>]+>", "", page))      # syntax highlighting splits tokens
        assert "Visible tests" in text
        for line in hidden_test_lines(graded["source"]):
            assert line not in text, f"the feedback of {student} shows a hidden test: {line}"
    # the hidden test's message (for learners) does show: it says what went wrong
    assert "with (B, block_size, vocab_size, n_embd, n_hidden)" in text


def test_export_grades(graded, course):
    from nbgrader.api import Gradebook
    from nbgrader.plugins.export import CsvExportPlugin
    out = graded["work"] / "grades.csv"
    with Gradebook(f"sqlite:///{graded['work'] / 'gradebook.db'}") as gb:
        CsvExportPlugin(to=str(out)).export(gb)
    rows = {r["student_id"]: r for r in csv.DictReader(out.open())}
    assignment = notebooks.assignment_of(course, NB)
    autograded = sum(ex.points for ex in course.exercises if ex.notebook == NB)
    total = autograded + sum(assignment.manual.values())
    assert {s: float(rows[s]["score"]) for s in rows} == {"solution": autograded, "untouched": 0,
                                                          "hardcoded": autograded - 3}
    assert {float(r["max_score"]) for r in rows.values()} == {total}


def test_autograde_notebook_reports_per_question(graded, course, tmp_path):
    path = tmp_path / NB
    nbformat.write(hardcoded(graded["source"], graded["released"]), path)
    result = notebooks.autograde_notebook(path, graded["work"])        # reuses the generated assignment
    q = result["questions"]
    assert list(q) == [ex.id for ex in course.exercises if ex.notebook == NB]
    assert q["recall.mlp_shapes"]["points"] == 0 and q["recall.mlp_shapes"]["status"] == "failed"
    assert "n_hidden" in q["recall.mlp_shapes"]["message"]
    assert all(v["status"] == "passed" and v["points"] == v["max_points"] for k, v in q.items()
               if k != "recall.mlp_shapes")
    assert result["autograded"] == result["max_autograded"] - 3
    assert result["manual_pending"] == dict(notebooks.assignment_of(course, NB).manual)


def test_the_runner_grades_the_notebook_as_nbgrader_does(graded, course, tmp_path):
    """`course grade` grades the recall notebook through the sandboxed runner; nbgrader's own
    autograde (a Jupyter kernel, hidden tests injected) gives every question the same points."""
    from course.grading import run
    target = tmp_path / "target"
    target.mkdir()
    nbformat.write(hardcoded(graded["source"], graded["released"]), target / NB)
    kernel = notebooks.autograde_notebook(target / NB, graded["work"])
    scores, output = run.graders(target, keyword="recall", course=course, extra=["--instructor-grade"])
    ours = {row["id"]: row["points"] for row in scores["exercises"]}
    assert ours == {ex_id: q["points"] for ex_id, q in kernel["questions"].items()}, output
    assert sum(ours.values()) == kernel["max_autograded"] - 3


def test_autograde_notebook_survives_a_broken_file(course, tmp_path):
    path = tmp_path / NB
    path.write_text("{ this is not a notebook")
    result = notebooks.autograde_notebook(path, tmp_path / "work")
    assert result["autograded"] == 0 and "error" in result
    assert {q["status"] for q in result["questions"].values()} == {"error"}


def test_nbgrader_writes_nothing_outside_the_course(course):
    from traitlets.config.loader import PyFileConfigLoader
    config = PyFileConfigLoader("nbgrader_config.py", path=str(ROOT)).load_config()
    for value in (config.CourseDirectory.root, config.CourseDirectory.db_url.removeprefix("sqlite:///"),
                  config.Exchange.root, config.Exchange.cache):
        assert Path(value).resolve().is_relative_to(ROOT), value
    assert config.CourseDirectory.course_id == course.about.name


def test_nbgrader_knows_every_option_of_the_config():
    """An option nbgrader does not know (like the stale `db_assignments`) makes every nbgrader
    command warn; each one set in nbgrader_config.py must be a configurable trait."""
    from nbgrader.converters import GenerateFeedback
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.exchange.default import Exchange
    from nbgrader.preprocessors import Execute
    from traitlets.config.loader import PyFileConfigLoader
    config = PyFileConfigLoader("nbgrader_config.py", path=str(ROOT)).load_config()
    classes = {cls.__name__: cls for cls in (CourseDirectory, Exchange, Execute, GenerateFeedback)}
    assert set(config) <= set(classes), f"options for classes the test does not know: {set(config) - set(classes)}"
    for section, options in config.items():
        unknown = set(options) - set(classes[section].class_trait_names(config=True))
        assert not unknown, f"nbgrader_config.py sets {section}.{unknown}, which nbgrader does not know"


def copy_course(tmp_path) -> Path:
    """What `course notebooks` needs, copied: solutions/, exercises/, course.toml, nbgrader_config.py."""
    dest = tmp_path / "course"
    skip = shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints", "*.new")
    for name in ("solutions", "exercises"):
        shutil.copytree(ROOT / name, dest / name, ignore=skip)
    for name in ("course.toml", "nbgrader_config.py"):
        shutil.copy(ROOT / name, dest / name)
    return dest


def test_lecture_notebooks_are_copied_and_only_the_graded_ones_go_through_nbgrader(course):
    """A lecture notebook imports the modules beside it, which nbgrader's release would not have:
    it is copied to exercises/ with its outputs cleared. Only notebooks with nbgrader cells are
    nbgrader assignments."""
    for assignment, nb in notebooks.notebook_assignments(course):
        source = nbformat.read(ROOT / "solutions" / nb, as_version=4)
        graded = any(c.metadata.get("nbgrader") for c in source.cells)
        assert (nb in notebooks.nbgrader_notebooks(course, assignment)) == graded, nb
        if not graded:
            released = nbformat.read(ROOT / "exercises" / nb, as_version=4)
            assert [c.source for c in released.cells] == [c.source for c in source.cells]
            assert not any(c.get("outputs") for c in released.cells)
            assert released.metadata.get("nbgrader") is None


def test_course_notebooks_keeps_a_source_edited_in_nbgrader_folder(tmp_path, capsys, monkeypatch):
    from course.cli import main
    from course.manifest import load
    root = copy_course(tmp_path)
    course = load(root)
    notebooks.generate(course)                                  # stages .nbgrader/source/recall/
    staged = root / ".nbgrader" / "source" / "recall" / NB
    edited = staged.read_text().replace("Recall test", "Recall test (edited in the formgrader)", 1)
    assert edited != staged.read_text()
    staged.write_text(edited)
    solution = root / "solutions" / NB
    solution.write_text(solution.read_text().replace("Recall test", "Recall test (revised)", 1))
    released_before = (root / "exercises" / NB).read_text()

    outcomes = {o.path.name: o.action for o in notebooks.generate(course)}
    assert outcomes[NB] == "source kept"
    assert staged.read_text() == edited                         # the edit is kept
    assert (staged.parent / (NB + ".new")).read_text() == solution.read_text()
    assert (root / "exercises" / NB).read_text() == released_before   # nothing made from either
    monkeypatch.setenv("COURSE_ROOT", str(root))
    assert main(["notebooks"]) == 1
    assert f".nbgrader/source/recall/{NB}: edited there" in capsys.readouterr().err
    assert main(["notebooks", "--force"]) == 0
    assert staged.read_text() == solution.read_text()
    assert "Recall test (revised)" in (root / "exercises" / NB).read_text()
    release = root / ".nbgrader" / "release" / "recall"
    assert not list(release.glob("*.new")), "solutions/' waiting copy must never reach nbgrader's release"


def test_the_self_check_reports_each_question_from_its_visible_tests(graded, course, tmp_path):
    """`pytest autograder -k recall` (and `course check recall`) on a learner's notebook: one row
    per question, from the visible tests only."""
    from course.grading import run
    nb = hardcoded(graded["source"], graded["released"])      # passes every visible test
    cell(nb, "kaiming_relu_answer").source = cell(graded["released"], "kaiming_relu_answer").source  # not started
    bn = cell(nb, "batchnorm_modes_answer")
    bn.source = bn.source.replace("unbiased=False", "unbiased=True")      # normalises with the wrong variance
    ce = cell(nb, "softmax_ce_grad_answer")
    ce.source = ce.source.replace("probs / len(targets)", "probs / undefined_name")
    target = tmp_path / "target"
    target.mkdir()
    nbformat.write(nb, target / NB)
    scores, output = run.graders(target, keyword="recall", course=course)
    rows = {r["id"]: r for r in scores["exercises"]}
    assert {k: r["status"] for k, r in rows.items()} == {
        "recall.mlp_shapes": "passed", "recall.kaiming_relu": "not started",
        "recall.batchnorm_modes": "failed", "recall.softmax_ce_grad": "error"}, output
    assert "in training, the output should be gamma" in rows["recall.batchnorm_modes"]["message"]
    assert "NameError" in rows["recall.softmax_ce_grad"]["message"]
    assert "Total: 3/12 points" in output and "Next: recall.kaiming_relu (" in output


def test_the_visible_recall_tests_catch_a_batchnorm_that_never_updates_its_statistics(graded, course, tmp_path):
    from course.grading import run
    nb = hardcoded(graded["source"], graded["released"])
    bn = cell(nb, "batchnorm_modes_answer")
    assert "running_mean.mul_" in bn.source or "running_mean" in bn.source
    # the reference updates the running statistics in place inside `with torch.no_grad():`; drop that block
    lines, kept, skipping = bn.source.splitlines(), [], None
    for line in lines:
        indent = len(line) - len(line.lstrip())
        if skipping is not None and line.strip() and indent <= skipping:
            skipping = None
        if skipping is None and line.strip().startswith("with torch.no_grad()"):
            skipping = indent
            continue
        if skipping is None:
            kept.append(line)
    bn.source = "\n".join(kept)
    target = tmp_path / "target"
    target.mkdir()
    nbformat.write(nb, target / NB)
    scores, output = run.graders(target, keyword="recall.batchnorm_modes", course=course)
    row = scores["exercises"][0]
    assert row["status"] == "failed" and "running statistics should move" in row["message"], output


NBGRADER_OUTPUTS = ["grades.csv", "gradebook.db", ".nbgrader/gradebook.db",
                    "release/recall/05-recall.ipynb",
                    "submitted/ann/recall/05-recall.ipynb", "autograded/ann/recall/05-recall.ipynb",
                    "feedback/ann/recall/05-recall.html", "downloaded/recall/archive/ann_05-recall.ipynb",
                    "source/recall/05-recall.ipynb", "exchange/makemore/inbound/x", ".nbgrader/release/recall/x"]


@pytest.mark.skipif(shutil.which("git") is None or not (ROOT / ".git").exists(), reason="not a git checkout")
@pytest.mark.parametrize("path", NBGRADER_OUTPUTS)
def test_nbgrader_outputs_stay_out_of_the_repository(path):
    """What nbgrader writes (export's grades.csv in the current folder, the gradebook, the
    release/submitted/autograded/feedback folders) is ignored by git; the course's own files are not."""
    import subprocess
    assert subprocess.run(["git", "check-ignore", "-q", path], cwd=ROOT).returncode == 0, f"{path} is not ignored"


@pytest.mark.skipif(shutil.which("git") is None or not (ROOT / ".git").exists(), reason="not a git checkout")
def test_the_course_s_own_files_are_not_ignored():
    import subprocess
    for path in ("solutions/05-recall.ipynb", "exercises/05-recall.ipynb", "autograder/test_recall.py",
                 "docs/instructor.md", "nbgrader_config.py", "data/names.txt"):
        assert subprocess.run(["git", "check-ignore", "-q", path], cwd=ROOT).returncode == 1, path

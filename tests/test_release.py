"""`course release OUT`: a student copy with no solution and no hidden test, that still grades."""
import os
import subprocess
import sys
import tomllib

import nbformat
import pytest

from course.authoring import leaks, release
from course.manifest import load
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def out(tmp_path_factory, course):
    """One release for the whole file (exercises/ is checked to be in sync by test_stubs and
    test_nbgrader, so the release skips that slower check here)."""
    folder = tmp_path_factory.mktemp("release") / "makemore"
    written = release.release(course, folder, check_sync=False)
    assert {w.action for w in written} == {"created"}
    return folder


def test_what_goes_in_and_what_stays_out(out, course):
    for path in ["README.md", "course.toml", "pyproject.toml", "Makefile", "data/names.txt",
                 "autograder/conftest.py", "autograder/test_bigram.py", "autograder/test_recall.py",
                 "autograder/fixtures/bigram.json", "course/grading/judge/plugin.py", "exercises/.stubs.json"]:
        assert (out / path).is_file(), path
    for module in (m for a in course.assignments for m in a.modules):
        assert (out / "exercises" / f"{module}.py").read_text() == (ROOT / "exercises" / f"{module}.py").read_text()
    for nb in (nb for a in course.assignments for nb in a.notebooks):
        assert (out / "exercises" / nb).read_text() == (ROOT / "exercises" / nb).read_text()
    for absent in ["solutions", "autograder/hidden", "tests", "nbgrader_config.py", ".nbgrader", ".ci", "bench"]:
        assert not (out / absent).exists(), absent
    assert not list(out.rglob("*.py.new")) and not list(out.rglob("__pycache__"))


def test_course_toml_keeps_the_course_and_drops_the_instructor_tables(out, course):
    student, instructor = (tomllib.loads((root / "course.toml").read_text()) for root in (out, ROOT))
    assert "release" not in student
    for table in course.release.instructor_only:
        assert table not in student
    assert student["exercise"] == instructor["exercise"] and student["assignment"] == instructor["assignment"]
    assert student["data"] == instructor["data"] and student["format"] == instructor["format"]
    copy = load(out)                                  # and the manifest reads it as the same course
    assert (copy.exercises, copy.assignments, copy.data) == (course.exercises, course.assignments, course.data)


def test_no_solution_and_no_hidden_test_leaks(out, course):
    assert leaks.leaks(course, out) == []


def test_the_leak_check_finds_a_planted_solution_and_a_hidden_test(out, course, tmp_path):
    secrets = leaks.secrets(course)
    solution = next(line for line, src in secrets.items() if src == "solutions/bigram.py")
    hidden = next(line for line, src in secrets.items() if src == "solutions/05-recall.ipynb"
                  and line.startswith("assert"))
    copy = tmp_path / "copy"
    (copy / "exercises").mkdir(parents=True)
    (copy / "exercises" / "bigram.py").write_text(f"def build_vocab(words):\n    {solution}\n")
    nb = nbformat.read(out / "exercises" / "05-recall.ipynb", as_version=4)
    nb.cells[-1].source += "\n" + hidden
    nbformat.write(nb, copy / "exercises" / "05-recall.ipynb")
    found = leaks.leaks(course, copy)
    assert any(f.startswith("exercises/bigram.py") and solution in f for f in found), found
    assert any(f.startswith("exercises/05-recall.ipynb") and hidden in f for f in found), found
    # the hidden graders count too
    for path in (ROOT / "autograder" / "hidden").glob("*.py"):
        assert any(src == f"autograder/hidden/{path.name}" for src in secrets.values()), path.name


def test_pytest_autograder_runs_in_the_release_and_scores_zero(out, course):
    env = {k: v for k, v in os.environ.items() if k not in ("COURSE_ROOT", "PYTEST_ADDOPTS")}
    env.update(PYTHONPATH=str(out), OMP_NUM_THREADS="1")      # the release's own `course` package
    proc = subprocess.run([sys.executable, "-m", "pytest", "autograder", "-p", "no:cacheprovider"], cwd=out,
                          env=env, capture_output=True, text=True, timeout=600)
    assert f"Total: 0/{course.total_points} points" in proc.stdout, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert "makemore course: exercises" in proc.stdout
    assert "Traceback" not in proc.stdout and " error" not in proc.stdout.split("makemore course:")[1]


def test_the_release_installs(out, tmp_path):
    # what `make setup` / `pip install -e .` rely on: the project builds from the copy alone
    copy = tmp_path / "copy"
    subprocess.run(["cp", "-r", str(out), str(copy)], check=True)
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                           "-w", str(tmp_path / "wheel"), str(copy)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert list((tmp_path / "wheel").glob("makemore_course-*.whl"))
    makefile = (out / "Makefile").read_text()
    assert "torch==" in makefile and "pip install --quiet -e ." in makefile and "solutions" not in makefile


def test_the_student_readme(out, course):
    readme = (out / "README.md").read_text()
    for text in ["make setup", "pytest autograder", "course check recall", f"Total: 0/{course.total_points}",
                 "05-recall.ipynb", "course update"]:
        assert text in readme, text
    assert "solutions/" not in readme


def test_releasing_again_keeps_the_learners_work(course, tmp_path):
    folder = tmp_path / "mine"
    release.release(course, folder, check_sync=False)
    mine = folder / "exercises" / "bigram.py"
    mine.write_text(mine.read_text().replace("def build_vocab", "# my notes\ndef build_vocab"))
    notes = folder / "exercises" / "notes.md"
    notes.write_text("my own file")
    edited = mine.read_text()
    written = {w.path: w.action for w in release.release(course, folder, check_sync=False)}
    assert written["exercises/bigram.py"] == "kept"
    assert set(written.values()) == {"unchanged", "kept"}
    assert mine.read_text() == edited and notes.read_text() == "my own file"
    assert (folder / "exercises" / "bigram.py.new").read_text() == (ROOT / "exercises" / "bigram.py").read_text()
    written = {w.path: w.action for w in release.release(course, folder, force=True, check_sync=False)}
    assert written["exercises/bigram.py"] == "updated" and notes.exists()


def test_a_folder_that_is_not_a_release_is_refused(course, tmp_path):
    (tmp_path / "thesis.tex").write_text("years of work")
    with pytest.raises(release.CourseError, match="not empty and not a release"):
        release.release(course, tmp_path, check_sync=False)
    with pytest.raises(release.CourseError, match="outside the course folder"):
        release.release(course, ROOT / "build" / "release", check_sync=False)

"""Selecting part of the course: the words that name exercises and the grader files that check
them (course/selection.py), and what a run of part of the course says: a -k that picks some
checks of an exercise earns it nothing ("partly checked"), and a run of one exercise does not
congratulate on the course."""
import textwrap
from pathlib import Path

import pytest

from course import selection
from course.grading import run
from course.manifest import CourseError
from tests.conftest import by_id, target_with


def test_some_checks_of_an_exercise_earn_nothing(tmp_path, course, shared_runner):
    target = target_with(tmp_path, "layers", "")
    scores, output = run.graders(target, keyword="test_linear_matches_torch", course=course, runner=shared_runner)
    row = by_id(scores)["layers.Linear"]
    assert (row["status"], row["points"]) == ("partly checked", 0), output
    assert "Well done" not in output
    assert "only some of layers.Linear's ran" in output and "pytest autograder -k Linear" in output


def test_one_whole_exercise_passes_without_the_courses_praise(tmp_path, course, shared_runner):
    target = target_with(tmp_path, "layers", "")
    scores, output = run.graders(target, keyword="Tanh", course=course, runner=shared_runner)
    row = by_id(scores)["layers.Tanh"]
    assert (row["status"], row["points"]) == ("passed", row["max_points"]), output
    assert "Well done" not in output
    assert f"every exercise that ran passes (1 of {len(course.exercises)})" in output


# ------------------------------------------------------------------------------ course/selection.py
def ids(exercises) -> list[str]:
    return [ex.id for ex in exercises]


def test_each_kind_of_word_selects_its_exercises(course):
    assert ids(selection.named(course, "mlp.train")) == ["mlp.train"]                  # an id
    assert ids(selection.named(course, "train")) == ["mlp.train"]                      # a function
    assert ids(selection.named(course, "kaiming")) == [ex.id for ex in course.exercises if ex.module == "kaiming"]
    assert "recall.batchnorm_modes" not in ids(selection.named(course, "batchnorm"))   # a module, not a question
    assert ids(selection.named(course, "mlp.py")) == [ex.id for ex in course.exercises if ex.module == "mlp"]
    assert "sampling.generate" in ids(selection.named(course, "mlp"))                  # the assignment mlp too
    assert ids(selection.named(course, "05-recall.ipynb")) == ids(selection.named(course, "recall")) \
        == [ex.id for ex in course.exercises if ex.notebook]
    assert selection.named(course, "no_such_thing") == []


def test_words_select_in_course_order_and_none_select_everything(course):
    assert ids(selection.exercises(course)) == ids(course.exercises)
    chosen = ids(selection.exercises(course, ["recall", "bigram.nll", "bigram"]))
    assert chosen == [ex.id for ex in course.exercises if ex.assignment in ("bigram", "recall")]


def test_a_word_that_names_nothing_stops_in_one_line(course):
    with pytest.raises(CourseError) as e:
        selection.exercises(course, ["bigram", "bigramm"], flag="--only")
    assert str(e.value).startswith("--only bigramm: not an exercise, module, notebook or assignment")
    assert "init-batchnorm" in str(e.value) and "\n" not in str(e.value)


def test_a_grader_file_belongs_to_the_exercises_it_declares_not_to_its_name(course):
    files = [p.as_posix() for p in selection.grader_files(course, selection.exercises(course, ["diagnostics"]))]
    assert "autograder/test_record_gradients.py" in files and "autograder/hidden/test_diagnostics_hidden.py" in files
    assert "autograder/test_bigram.py" not in files
    questions = selection.grader_files(course, selection.named(course, "recall"))
    assert [p.as_posix() for p in questions] == ["autograder/test_recall.py"]     # it names the notebook


def grader(folder: Path, name: str, text: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(textwrap.dedent(text))


def test_helpers_are_the_public_files_a_chosen_grader_imports_from(course, tmp_path):
    grader(tmp_path / "autograder", "test_shared.py", '''
        from course.grading.judge.api import exercise
        def helper():
            return 1
        @exercise("mlp.embed")
        def test_embed(mlp):
            pass
        ''')
    grader(tmp_path / "autograder", "test_odd_name.py", '''
        from course.grading.judge.api import exercise
        @exercise("bigram.nll")
        def test_nll(bigram):
            pass
        ''')
    grader(tmp_path / "autograder" / "hidden", "test_more_hidden.py", '''
        from test_shared import helper
        @pytest.mark.exercise("bigram.nll")
        def test_hidden_nll(bigram):
            pass
        ''')
    chosen = selection.named(course, "nll")
    assert [p.as_posix() for p in selection.grader_files(course, chosen, tmp_path)] == [
        "autograder/hidden/test_more_hidden.py", "autograder/test_odd_name.py"]
    assert "autograder/test_shared.py" in [p.as_posix() for p in
                                           selection.grader_files(course, chosen, tmp_path, helpers=True)]
    declared = selection.read_graders(tmp_path)[Path("autograder/test_shared.py")]
    assert declared.public and declared.checks == (("test_embed", "mlp.embed", 5),)


def test_a_grader_that_is_not_python_is_one_line(course, tmp_path):
    grader(tmp_path / "autograder", "test_broken.py", "def test_x(:\n")
    with pytest.raises(CourseError, match=r"^autograder/test_broken.py:1: not valid Python"):
        selection.read_graders(tmp_path)

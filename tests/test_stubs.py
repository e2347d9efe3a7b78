"""exercises/ is exactly what the stub generator makes from solutions/, and it never loses work."""
import shutil

import pytest

from course.authoring import stubs
from course.manifest import CourseError, load
from course.regions import SOLUTION
from tests.conftest import ROOT


def test_exercises_are_in_sync_with_solutions(course):
    outcomes = stubs.generate(course, check=True)
    assert {o.action for o in outcomes} == {"unchanged"}, [str(o) for o in outcomes]


def test_stubs_keep_signatures_and_docstrings_and_drop_solutions(course):
    for module in stubs.stub_modules(course):
        stub = (ROOT / "exercises" / f"{module}.py").read_text()
        assert SOLUTION.begin not in stub and SOLUTION.end not in stub
        for ex in course.exercises:
            if ex.module == module:
                assert f"TODO ({ex.id})" in stub, f"{ex.id} has no TODO in its stub"
                assert stubs.not_started_message(ex.id) in stub


def copy_course(tmp_path):
    dest = tmp_path / "course"
    for name in ("solutions", "exercises", "autograder"):
        shutil.copytree(ROOT / name, dest / name)
    shutil.copy(ROOT / "course.toml", dest / "course.toml")
    return load(dest)


def test_regenerating_updates_untouched_stubs_and_keeps_edited_ones(tmp_path):
    course = copy_course(tmp_path)
    solution = course.root / "solutions" / "bigram.py"
    solution.write_text(solution.read_text().replace("Lecture 2 — the bigram language model.",
                                                     "Lecture 2 — the bigram language model (revised)."))
    outcomes = {o.path.name: o.action for o in stubs.generate(course)}
    assert outcomes["bigram.py"] == "updated"
    assert "(revised)" in (course.root / "exercises" / "bigram.py").read_text()

    learner = course.root / "exercises" / "bigram.py"
    edited = learner.read_text().replace('raise NotImplementedError("bigram.build_vocab',
                                         'return {}, {}  # my work\n    raise NotImplementedError("bigram.build_vocab')
    learner.write_text(edited)
    solution.write_text(solution.read_text().replace("(revised)", "(revised twice)"))
    outcomes = {o.path.name: o.action for o in stubs.generate(course)}
    assert outcomes["bigram.py"] == "kept"
    assert learner.read_text() == edited                       # the learner's work is untouched
    assert "(revised twice)" in (course.root / "exercises" / "bigram.py.new").read_text()
    assert {o.path.name: o.action for o in stubs.generate(course, check=True)}["bigram.py"] == "stale"


def test_a_region_outside_any_exercise_is_refused(tmp_path):
    course = copy_course(tmp_path)
    solution = course.root / "solutions" / "bigram.py"
    solution.write_text(solution.read_text() + "\n\ndef helper():\n    ### BEGIN SOLUTION\n    pass\n"
                                               "    ### END SOLUTION\n")
    with pytest.raises(CourseError, match="helper, which is not an exercise"):
        stubs.generate(course)


def test_an_unclosed_region_is_reported_at_its_opening_line(tmp_path):
    course = copy_course(tmp_path)
    solution = course.root / "solutions" / "bigram.py"
    lines = solution.read_text().splitlines(keepends=True)
    begins = [n for n, line in enumerate(lines, 1) if line.strip() == SOLUTION.begin]
    first_end = next(n for n, line in enumerate(lines, 1) if line.strip() == SOLUTION.end)
    del lines[first_end - 1]                                   # the first region loses its end
    solution.write_text("".join(lines))
    with pytest.raises(CourseError) as caught:
        stubs.generate(course)
    assert str(caught.value) == (f"solutions/bigram.py:{begins[0]}: {SOLUTION.begin} is not closed; "
                                 f"add {SOLUTION.end} before line {begins[1] - 1}")

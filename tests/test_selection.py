"""What a run of part of the course says: a -k that picks some checks of an exercise earns it
nothing ("partly checked"), and a run of one exercise does not congratulate on the course."""
from course import run
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

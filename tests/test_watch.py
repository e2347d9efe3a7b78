"""`course watch`: a save of a module grades that module's exercises again, with the verdicts
`pytest autograder -k <module>.py` gives (bench/watch.py times it)."""
import shutil

import pytest

from course.grading import run
from course.cli import build_parser
from course.learner.watch import Watcher, report_of
from tests.conftest import ROOT, by_id


@pytest.fixture
def watched(tmp_path, tmp_path_factory, course):
    tmp_path_factory.getbasetemp().chmod(0o711)     # the runner's unprivileged user may pass through
    tmp_path.chmod(0o711)
    target = tmp_path / "exercises"
    shutil.copytree(ROOT / "exercises", target, ignore=shutil.ignore_patterns("*.ipynb", "__pycache__", ".*"))
    watcher = Watcher(course, target)
    yield watcher, target
    watcher.close()


def test_a_save_grades_that_module_again_as_pytest_does(watched, course):
    watcher, target = watched
    scores, output = watcher.grade("mlp")
    ids = {row["id"] for row in scores["exercises"]}
    assert ids == {ex.id for ex in course.exercises if ex.module == "mlp"}, ids   # the file's, not the assignment's
    assert all(row["status"] == "not started" for row in scores["exercises"])
    assert watcher.changed() == []
    shutil.copy(ROOT / "solutions" / "kaiming.py", target / "kaiming.py")     # the learner saves kaiming.py
    assert watcher.changed() == ["kaiming"]
    scores, output = watcher.grade("kaiming")
    rows = by_id(scores)
    assert set(rows) == {ex.id for ex in course.exercises if ex.module == "kaiming"}
    assert all(row["status"] == "passed" for row in rows.values()), output
    assert "Total: " in report_of(output) and "Next:" in report_of(output)
    same, _ = run.graders(target, keyword="kaiming.py", course=course, runner=watcher.runner)   # -k kaiming.py
    assert {r["id"]: (r["status"], r["points"]) for r in same["exercises"]} == \
        {i: (r["status"], r["points"]) for i, r in rows.items()}


def test_watch_is_a_learners_command():
    args = build_parser("watch").parse_args(["watch", "bigram", "--interval", "0.5"])
    assert (args.module, args.interval, args.target) == ("bigram", 0.5, "exercises")

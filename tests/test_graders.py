"""The graders against the reference and against the untouched stubs."""
import os
import re
import subprocess
import sys

from course.grading import run
from tests.conftest import ROOT


def test_solutions_earn_every_point(course):
    scores, output = run.graders(ROOT / "solutions", course=course)
    failing = [(r["id"], r["status"], r["message"]) for r in scores["exercises"] if r["status"] != "passed"]
    assert not failing, output
    assert [r["id"] for r in scores["exercises"]] == [ex.id for ex in course.exercises]
    assert scores["total"] == scores["max_total"] == course.total_points
    assert f"Total: {course.total_points}/{course.total_points} points" in output


def test_untouched_stubs_are_not_started(course):
    scores, output = run.graders(ROOT / "exercises", course=course)
    assert {r["status"] for r in scores["exercises"]} == {"not started"}, output
    assert len(scores["exercises"]) == len(course.exercises)
    assert scores["total"] == 0
    assert f"Total: 0/{course.total_points} points" in output
    first = course.exercises[0]
    assert f"Next: {first.id}" in output and next(iter(first.hints.values())) in output
    assert "Traceback" not in output and "NotImplementedError" not in output


def test_one_exercise_by_keyword(course):
    scores, output = run.graders(ROOT / "solutions", keyword="count_bigrams", course=course)
    assert [r["id"] for r in scores["exercises"]] == ["bigram.count_bigrams"]
    assert "Total: 3/3 points" in output


def test_a_stub_that_calls_another_unfinished_stub_says_so(tmp_path, course):
    from tests.conftest import target_with
    # count_bigrams done the reference way, but on top of the stubbed bigram_pairs
    target = target_with(tmp_path, "bigram", '''
def count_bigrams(words, stoi):
    V = len(stoi)
    xs, ys = bigram_pairs(words, stoi)
    return torch.bincount(xs * V + ys, minlength=V * V).view(V, V)
''', base="exercises")
    scores, _ = run.graders(target, keyword="count_bigrams", course=course)
    row = scores["exercises"][0]
    assert row["status"] == "failed"
    assert "bigram.bigram_pairs, which is not started yet" in row["message"]


def test_selection_by_exercise_module_or_assignment_is_exact(course, tmp_path, shared_runner):
    from tests.conftest import target_with
    target = target_with(tmp_path, "mlp", "")                       # a copy of solutions/
    for word, expected in (("mlp.train", ["mlp.train"]),
                           ("batchnorm", ["batchnorm.BatchNorm1d", "batchnorm.calibrate"]),   # not recall's
                           ("recall", [ex.id for ex in course.exercises if ex.assignment == "recall"])):
        scores, output = run.graders(target, keyword=word, course=course, runner=shared_runner)
        assert [r["id"] for r in scores["exercises"]] == expected, output
    scores, output = run.graders(target, keyword="no_such_thing", course=course, runner=shared_runner)
    assert scores["exercises"] == []
    assert "-k no_such_thing: no exercise, module or assignment" in output and "mlp.train" in output


def test_next_shows_the_hint_the_failure_named(course, tmp_path, shared_runner):
    from tests.conftest import target_with
    target = target_with(tmp_path, "bigram", '''
def bigram_probs(counts, smoothing=1.0):
    P = counts.float() + smoothing
    return P / P.sum(1)                   # keepdim forgotten
''')
    scores, output = run.graders(target, keyword="bigram_probs", course=course, runner=shared_runner)
    hints = list(course.exercise("bigram.bigram_probs").hints)
    number = hints.index("keepdim") + 1
    assert number > 1 and f"hint {number} of {len(hints)}: {course.exercise('bigram.bigram_probs').hint('keepdim')}" \
        in output.split("Next:")[1]


def test_the_self_checks_recall_points_are_provisional(course):
    _, output = run.graders(ROOT / "solutions", keyword="recall", course=course)
    assert "passed *" in output and "* provisional" in output
    _, graded = run.graders(ROOT / "solutions", keyword="recall", course=course, extra=["--instructor-grade"])
    assert "provisional" not in graded


def test_an_error_inside_a_helper_names_the_helper(course, tmp_path, shared_runner):
    """generate() fails because sample_next() raises: the message names sample_next."""
    from tests.conftest import target_with
    target = target_with(tmp_path, "sampling", '''
def sample_next(logits, temperature=1.0, top_k=None, generator=None):
    return 1 // 0
''')
    scores, output = run.graders(target, keyword="sampling.generate", course=course, runner=shared_runner)
    row = scores["exercises"][0]
    assert row["status"] == "error" and "in sample_next" in row["message"], output


def test_pytest_autograder_exits_with_pytest_s_status_and_its_whole_report(tmp_path):
    # A finished `pytest autograder` leaves without the interpreter's teardown (plugin._exit_now):
    # its exit status and its output must still be pytest's own.
    env = {k: v for k, v in os.environ.items() if k not in ("COURSE_ROOT", "PYTEST_ADDOPTS")} | {"OMP_NUM_THREADS": "1"}
    for target, status, total in (("solutions", 0, "Total: 2/2 points"), ("exercises", 1, "Total: 0/2 points")):
        done = subprocess.run([sys.executable, "-m", "pytest", "autograder", "--target", target, "-k", "build_vocab",
                               "--results", str(tmp_path / f"{target}.json")],
                              cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == status, done.stdout[-2000:] + done.stderr[-2000:]
        last = done.stdout.rstrip().splitlines()[-1]              # pytest's summary line, flushed
        assert re.fullmatch(r"=+ .*(passed|not started).* in [0-9.]+s =+", last), last
        assert total in done.stdout
        assert (tmp_path / f"{target}.json").is_file()

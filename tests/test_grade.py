"""`course grade`: a class of real bad submissions, each costing only what it breaks.

One grading run covers every hostile case of the issue (one student each), so the whole file
stays fast. It grades a copy of the course made at the start (bigram and the recall notebook),
so that it does not depend on work in progress elsewhere, and so that a submission writing to
"the course's" files writes to that copy.
"""
from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import nbformat
import pytest

from course.classgrade import grade
from course.manifest import load
from tests.conftest import ROOT

ONLY = ("bigram", "recall")
OPTIONS = dict(check_timeout=2, submission_timeout=90, only=ONLY)
NOTEBOOK = "05-recall.ipynb"

# Each student: (code appended to solutions/bigram.py, or None for no bigram.py; notebook or None)
PLANTED = {
    "loop_in_function": "def build_vocab(words):\n    while True:\n        pass\n",
    "loop_at_import": "while True:\n    pass\n",
    "recursion": "def nll(probs, words, stoi):\n    return nll(probs, words, stoi)\n",
    "exit_at_import": "import sys\nsys.exit(0)\n",
    "os_exit_at_import": "import os\nos._exit(0)\n",
    "exits_in_functions": ("import os, sys\n"
                           "def sample_names(probs, itos, n, generator=None):\n    sys.exit(1)\n"
                           "def build_vocab(words):\n    os._exit(3)\n"),
    "segfault": "import ctypes\ndef count_bigrams(words, stoi):\n    return ctypes.string_at(0)\n",
    "alloc_20gb": ("def train_neural_bigram(xs, ys, vocab_size, steps=100, lr=50.0, reg=0.01, generator=None):\n"
                   "    return torch.empty(5 * 2**30)      # 20 GB of float32\n"),
    "prints_1e7_lines": ("def bigram_probs(counts, smoothing=1.0):\n    for i in range(10**7):\n"
                         "        print('line', i)\n"),
    "syntax_error": "def broken(:\n",
    "monkeypatches": '''
import sys, pytest
def nll(probs, words, stoi):
    torch.allclose = lambda *a, **k: True            # torch
    return 0.0
def bigram_probs(counts, smoothing=1.0):
    pytest.fail = lambda *a, **k: None                # pytest
    P = counts.float() + smoothing
    return P / P.sum(1, keepdim=True)
def sample_names(probs, itos, n, generator=None):
    for name, module in list(sys.modules.items()):    # the graders
        if name.startswith(("test_bigram", "course.grading.judge.api")):
            module.check = lambda *a, **k: None
            module.expect = lambda *a, **k: type("E", (), {"__getattr__": lambda s, n: lambda *a, **k: s})()
    return ["x"] * n
''',
    "writes_grader_files": '''
import os
def count_bigrams(words, stoi):
    for root in (os.environ["COURSE_ROOT"], os.environ["COURSE_ORIGINAL_ROOT"]):
        path = os.path.join(root, "autograder", "fixtures", "bigram.json")
        os.chmod(path, 0o644)
        with open(path, "w") as f:
            f.write('{"values": {"total_bigrams": 0, "cells": {}, "nll_smoothing_1": 0.0}}')
    V = len(stoi)
    xs, ys = bigram_pairs(words, stoi)
    return torch.bincount(xs * V + ys, minlength=V * V).view(V, V)
''',
    "hard_coded": '''
def build_vocab(words):
    # answers for the public checks' inputs; anything else in order of appearance (wrong)
    known = {("zoe", "xy", "oz", "yoyo"): ".eoxyz", ("jo-ann", "o'neil"): ".'-aeijlno", ("a.b", "ba"): ".ab"}
    chars = known.get(tuple(words)) or ("." + "".join(sorted(set("".join(words))))
                                        if len(words) > 1000 else "." + "".join(dict.fromkeys("".join(words))))
    stoi = {c: i for i, c in enumerate(chars)}
    return stoi, {i: c for c, i in stoi.items()}
''',
}


def course_copy(tmp: Path):
    """The course's grading files for bigram and the recall notebook, in `tmp`."""
    root = tmp / "course"
    for rel in ["course.toml", "pyproject.toml", "nbgrader_config.py", "data", "autograder/conftest.py",
                "autograder/test_bigram.py", "autograder/hidden/test_bigram_hidden.py",
                "autograder/fixtures/bigram.json", "autograder/test_recall.py", f"solutions/{NOTEBOOK}"]:
        src, dest = ROOT / rel, root / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        (shutil.copytree if src.is_dir() else shutil.copy)(src, dest)
    return load(root)


def recall(edit=None) -> nbformat.NotebookNode:
    nb = nbformat.read(ROOT / "solutions" / NOTEBOOK, as_version=4)
    if edit:
        edit(nb)
    return nb


def grade_id(cell) -> str | None:
    return (cell.metadata.get("nbgrader") or {}).get("grade_id")


def altered_test_cell(nb):
    """A wrong answer to mlp_shapes, and its test cell replaced so that it would pass."""
    for cell in nb.cells:
        if grade_id(cell) == "mlp_shapes_answer":
            cell.source = "def mlp_shapes(*args, **kwargs):\n    return None\n"
        if grade_id(cell) == "mlp_shapes":
            cell.source = "assert True  # the tests are gone"


def deleted_test_cell(nb):
    nb.cells = [cell for cell in nb.cells if grade_id(cell) != "kaiming_relu"]


def make_class(folder: Path) -> None:
    solution = (ROOT / "solutions" / "bigram.py").read_text()
    notebooks = {"good": recall(), "syntax_error": recall(altered_test_cell),
                 "missing_module": recall(deleted_test_cell)}
    students = {"good": "", "stubs": None, **PLANTED, "missing_module": None}
    for student, planted in students.items():
        d = folder / student
        d.mkdir(parents=True)
        if student == "stubs":
            shutil.copy(ROOT / "exercises" / "bigram.py", d / "bigram.py")
        elif planted is not None:
            (d / "bigram.py").write_text(solution + "\n\n# --- planted ---\n" + planted)
        if student in notebooks:
            nbformat.write(notebooks[student], d / NOTEBOOK)
    (folder / "good" / "notes.txt").symlink_to(ROOT / "solutions" / "bigram.py")   # a link is never followed


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("grade")
    course = course_copy(tmp)
    make_class(tmp / "submissions")
    fixture_before = (course.root / "autograder" / "fixtures" / "bigram.json").read_bytes()
    out = tmp / "results"
    progress = io.StringIO()
    records = grade.grade_class(course, tmp / "submissions", out, jobs=2, options=grade.Options(**OPTIONS),
                                progress=grade.Progress(len(PLANTED) + 3, stream=progress))
    return dict(course=course, tmp=tmp, out=out, records={r.student: r.to_json() for r in records}, typed=records,
                progress=progress.getvalue(), fixture_before=fixture_before)


def rows(record) -> dict[str, dict]:
    return {r["id"]: r for r in record["exercises"]}


BIGRAM = ["bigram.build_vocab", "bigram.count_bigrams", "bigram.bigram_probs", "bigram.nll",
          "bigram.sample_names", "bigram.bigram_pairs", "bigram.train_neural_bigram"]
RECALL = ["recall.mlp_shapes", "recall.kaiming_relu", "recall.batchnorm_modes", "recall.softmax_ce_grad"]


def only_these_break(record, broken: dict[str, str]) -> None:
    """`broken` exercises score 0 with a status and a message part; every other bigram one passes."""
    got = rows(record)
    for ex_id in BIGRAM:
        if ex_id in broken:
            status, words = broken[ex_id]
            assert got[ex_id]["points"] == 0 and got[ex_id]["status"] == status, (ex_id, got[ex_id])
            assert words in got[ex_id]["message"], (ex_id, got[ex_id]["message"])
        else:
            assert got[ex_id]["status"] == "passed", (ex_id, got[ex_id])


def test_a_correct_submission_earns_every_point_and_manual_parts_are_pending(graded):
    record = graded["records"]["good"]
    assert record["ended"] == "completed"
    assert record["total"] == record["max_total"] == 32
    assert record["manual_pending"] == sum(load(graded["course"].root).assignments[-1].manual.values())


def test_untouched_stubs_are_not_started_and_a_missing_notebook_says_so(graded):
    got = rows(graded["records"]["stubs"])
    assert {got[i]["status"] for i in BIGRAM} == {"not started"}
    assert all(f"{NOTEBOOK} is missing" in got[i]["message"] for i in RECALL)


@pytest.mark.parametrize("student, broken", [
    ("loop_in_function", {"bigram.build_vocab": ("timed out", "used 2.0 s of CPU")}),
    ("recursion", {"bigram.nll": ("error", "recursed without end")}),
    ("exits_in_functions", {"bigram.sample_names": ("error", "called exit()"),
                            "bigram.build_vocab": ("error", "exit code 3")}),
    ("segfault", {"bigram.count_bigrams": ("error", "segmentation fault")}),
    ("alloc_20gb", {"bigram.train_neural_bigram": ("error", "memory")}),
    ("prints_1e7_lines", {"bigram.bigram_probs": ("error", "printed more than")}),
    # Patching torch, pytest or the graders changes only the runner: its honest outputs are judged.
    ("monkeypatches", {"bigram.nll": ("failed", ""), "bigram.sample_names": ("failed", "")}),
    # The runner has no path to the course (its environment is empty): its honest code raises.
    ("writes_grader_files", {"bigram.count_bigrams": ("error", "KeyError")}),
    ("hard_coded", {"bigram.build_vocab": ("failed", "")}),
])
def test_a_bad_function_costs_only_its_exercise(graded, student, broken):
    record = graded["records"][student]
    assert record["ended"] == "completed"
    only_these_break(record, broken)


@pytest.mark.parametrize("student, status, words", [
    ("loop_at_import", "timed out", "used 2.0 s of CPU"),
    ("exit_at_import", "error", "calls exit() when imported"),
    ("os_exit_at_import", "error", "exit code 0"),
    ("syntax_error", "error", "does not import: invalid syntax"),
    ("missing_module", "error", "bigram.py is missing"),
])
def test_a_module_that_does_not_import_costs_its_exercises_and_nothing_else(graded, student, status, words):
    got = rows(graded["records"][student])
    assert all(got[i]["status"] == status and words in got[i]["message"] for i in BIGRAM), got
    notebook = {i: got[i]["points"] for i in RECALL}
    if student == "syntax_error":      # its notebook is graded all the same: 3 questions of 4
        assert notebook == {"recall.mlp_shapes": 0, "recall.kaiming_relu": 3, "recall.batchnorm_modes": 3,
                            "recall.softmax_ce_grad": 3}
    if student == "missing_module":    # a deleted test cell changes nothing: the course's own cells test
        assert notebook == {"recall.mlp_shapes": 3, "recall.kaiming_relu": 3, "recall.batchnorm_modes": 3,
                            "recall.softmax_ce_grad": 3}


def test_hidden_checks_catch_answers_hard_coded_for_the_public_ones(graded):
    row = rows(graded["records"]["hard_coded"])["bigram.build_vocab"]
    assert [c["status"] for c in row["checks"] if "hidden" not in c["name"]] == ["passed"] * 4
    assert any("hidden" in c["name"] and c["status"] == "failed" for c in row["checks"])
    feedback = (graded["out"] / "students" / "hard_coded" / "feedback.md").read_text()
    assert "a hidden check" in feedback
    hidden_source = (ROOT / "autograder" / "hidden" / "test_bigram_hidden.py").read_text()
    assert "ALPHABET" not in feedback and "words_from" not in feedback and hidden_source[:200] not in feedback


def test_the_course_files_are_untouched(graded):
    assert (graded["course"].root / "autograder" / "fixtures" / "bigram.json").read_bytes() == \
        graded["fixture_before"]


def test_grades_csv_feedback_and_gradescope_results(graded):
    out, records = graded["out"], graded["records"]
    table = list(csv.DictReader((out / "grades.csv").open()))
    assert [r["student"] for r in table] == sorted(records)
    assert list(table[0])[1:-8] == BIGRAM + RECALL
    assert list(table[0])[-8:] == ["total", "max_total", "manual", "manual_pending", "manual_max", "combined",
                                   "combined_max", "grading"]
    by_student = {r["student"]: r for r in table}
    assert by_student["good"]["total"] == "32" and by_student["stubs"]["total"] == "0"
    assert by_student["segfault"]["bigram.count_bigrams"] == "0" and by_student["segfault"]["total"] == "17"
    for student in records:
        results = json.loads((out / "students" / student / "results.json").read_text())
        assert results["score"] == records[student]["total"]
        assert sum(t["score"] for t in results["tests"]) == results["score"]
        assert {tuple(sorted(t)) for t in results["tests"]} == {
            ("max_score", "name", "output", "score", "status", "visibility")}
        feedback = (out / "students" / student / "feedback.md").read_text()
        assert f"| bigram.build_vocab | {rows(records[student])['bigram.build_vocab']['points']} / 2 |" in feedback
    seg = json.loads((out / "students" / "segfault" / "results.json").read_text())
    assert "segmentation fault" in next(t["output"] for t in seg["tests"] if t["name"] == "bigram.count_bigrams")
    assert "def " not in (out / "students" / "monkeypatches" / "feedback.md").read_text()


def test_progress_counts_students_and_failures(graded):
    last = graded["progress"].strip().splitlines()[-1]
    total = len(graded["records"])
    troubled = sum(r.troubled for r in graded["typed"])
    assert f"{total}/{total} students, {troubled} with errors or timeouts" in last


def test_running_again_resumes_and_gives_the_same_grades(graded):
    out = graded["out"]
    before = (out / "grades.csv").read_text()
    (out / "students" / "good" / "scores.json").unlink()             # as if the grader had died there
    (out / "grades.csv").unlink()
    records = grade.grade_class(graded["course"], graded["tmp"] / "submissions", out, jobs=2,
                                options=grade.Options(**OPTIONS), progress=grade.Progress(99, stream=io.StringIO()))
    assert (out / "grades.csv").read_text() == before                # only "good" was graded again
    assert {r.student: r.total for r in records} == {s: r["total"] for s, r in graded["records"].items()}


def test_a_crash_of_the_grader_leaves_partial_results_that_resume(tmp_path):
    course = course_copy(tmp_path)
    subs = tmp_path / "submissions"
    for student in ("ann", "ben", "cat"):
        (subs / student).mkdir(parents=True)
        shutil.copy(ROOT / "exercises" / "bigram.py", subs / student / "bigram.py")

    class Crash(grade.Progress):
        def update(self, done, failures):
            super().update(done, failures)
            if done == 1:
                raise RuntimeError("the grader crashed")

    options = grade.Options(check_timeout=2, only=("bigram",))
    with pytest.raises(RuntimeError):
        grade.grade_class(course, subs, tmp_path / "out", jobs=1, options=options, progress=Crash(3, io.StringIO()))
    partial = list(csv.DictReader((tmp_path / "out" / "grades.csv").open()))
    assert [r["student"] for r in partial] == ["ann"]
    records = grade.grade_class(course, subs, tmp_path / "out", jobs=1, options=options,
                                progress=grade.Progress(3, io.StringIO()))
    assert [r.student for r in records] == ["ann", "ben", "cat"]
    assert len(list(csv.DictReader((tmp_path / "out" / "grades.csv").open()))) == 3

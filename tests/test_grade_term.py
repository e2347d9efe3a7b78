"""An instructor's term with `course grade` (issue 18): hand-graded points merged from nbgrader's
gradebook survive every later run; grades.csv carries the combined total; the exit status speaks
of the students graded; every submission layout is found by one rule (shared with Gradescope's
runner), and a submission with nothing to grade says so once; the class report keeps broken
submissions apart from wrong answers.

Two small classes (bigram and the recall notebook, 2 s a check) are graded once each for the
module. Run with `-s` to see the tables the closing note of the issue quotes.
"""
from __future__ import annotations

import argparse
import csv
import io
import os
import shutil
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest

from course.classgrade import classreport, command, grade, roster
from course.classgrade.records import StudentRecord
from tests.conftest import ROOT
from tests.test_grade import NOTEBOOK, PLANTED, course_copy, recall
from tests.test_grade_output import make_gradebook

FAST = dict(check_timeout=2, submission_timeout=90)
SOLUTION = (ROOT / "solutions" / "bigram.py").read_text()
BOTH = ("bigram", "recall")
# What the formgrader holds: ann 11.5, eve 2, lee 1.5 points of written answers (13 possible).
MANUAL = {"ann": {"mlp_shapes_written": 2, "kaiming_relu_written": 2, "batchnorm_modes_written": 2,
                  "softmax_ce_grad_written": 0.5, "reflection": 5},
          "eve": {"reflection": 2, "mlp_shapes_written": None},
          "lee": {"mlp_shapes_written": 1.5}}


def table(out: Path) -> dict[str, dict]:
    return {r["student"]: r for r in csv.DictReader((out / "grades.csv").open())}


def manual_columns(out: Path) -> dict[str, tuple]:
    return {s: (r["manual"], r["manual_pending"], r["manual_max"], r["combined"], r["combined_max"])
            for s, r in table(out).items()}


def show(title: str, path: Path) -> None:
    print(f"\n--- {title}: {path.name}\n{path.read_text()}")


@pytest.fixture(scope="module")
def term(tmp_path_factory):
    """Four students with bigram.py and the recall notebook (ann, eve, lee, max), a stray file
    beside them, graded with the gradebook merged."""
    tmp = tmp_path_factory.mktemp("term")
    course = course_copy(tmp)
    subs, out = tmp / "submissions", tmp / "results"
    for student in ("ann", "eve", "lee", "max"):
        (subs / student).mkdir(parents=True)
        (subs / student / "bigram.py").write_text(SOLUTION)
        nbformat.write(recall(), subs / student / NOTEBOOK)
    (subs / "grading-notes.txt").write_text("an instructor's note, not a submission")
    path = os.environ.get("PATH", "")
    os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{path}"   # nbgrader runs alembic
    try:
        book = make_gradebook(tmp / "gradebook.db", course, MANUAL)
        records = grade.grade_class(course, subs, out, jobs=2, options=grade.Options(**FAST, only=BOTH),
                                    gradebook=book, progress=grade.Progress(4, io.StringIO()))
        yield dict(course=course, tmp=tmp, subs=subs, out=out, book=book, records=records,
                   merged=manual_columns(out))
    finally:
        os.environ["PATH"] = path


def test_the_gradebook_merge_gives_manual_points_a_maximum_and_a_combined_total(term):
    got = term["merged"]
    assert got["ann"] == ("11.5", "0", "13", "43.5", "45")          # 32 automatic + 11.5 of 13 by hand
    assert got["eve"] == ("2", "8", "13", "34", "45")               # reflection graded, 8 points pending
    assert got["lee"] == ("1.5", "11", "13", "33.5", "45")
    assert got["max"] == ("0", "13", "13", "32", "45")              # nothing graded by hand yet
    summary = (term["out"] / "summary.md").read_text()
    assert "3 students with written answers in the gradebook" in summary
    feedback = (term["out"] / "students" / "ann" / "feedback.md").read_text()
    assert "11.5 points of written answers graded" in feedback and "in all 43.5 / 45 points" in feedback


def test_a_regrade_of_one_student_without_the_gradebook_keeps_every_manual_point(term, monkeypatch):
    out = term["out"]
    before = {s: (out / "students" / s / "feedback.md").read_text() for s in MANUAL}
    show("grades.csv after the gradebook merge", out / "grades.csv")
    (term["subs"] / "eve" / "bigram.py").write_text(SOLUTION + "\n\n" + PLANTED["hard_coded"])   # eve resubmits
    code = cmd_grade(term, monkeypatch, student="eve")
    assert code == 0
    show("grades.csv after `course grade ... --student eve` (no --gradebook)", out / "grades.csv")
    show("summary.md", out / "summary.md")
    after = manual_columns(out)
    assert {s: after[s][:3] for s in after} == {s: term["merged"][s][:3] for s in term["merged"]}
    assert table(out)["eve"]["bigram.build_vocab"] == "0" and after["eve"][3] == "32"   # 30 automatic + 2
    for student in ("ann", "lee"):
        assert (out / "students" / student / "feedback.md").read_text() == before[student]
    eve = (out / "students" / "eve" / "feedback.md").read_text()
    assert "2 points of written answers graded" in eve and "8 more points" in eve
    assert "3 students with written answers in the gradebook" in (out / "summary.md").read_text()


def test_a_whole_class_run_of_one_assignment_without_the_gradebook_keeps_them_too(term):
    grade.grade_class(term["course"], term["subs"], term["out"], jobs=2,
                      options=grade.Options(**FAST, only=("bigram",)), fresh=True,
                      progress=grade.Progress(4, io.StringIO()))
    after = manual_columns(term["out"])
    assert {s: after[s][:3] for s in after} == {s: term["merged"][s][:3] for s in term["merged"]}


def test_the_gradebook_given_again_is_read_again(term, tmp_path):
    book = make_gradebook(tmp_path / "gradebook.db", term["course"],
                          {**MANUAL, "lee": {"mlp_shapes_written": 2, "reflection": 4}})
    grade.grade_class(term["course"], term["subs"], term["out"], jobs=1, options=grade.Options(**FAST, only=BOTH),
                      gradebook=book, progress=grade.Progress(4, io.StringIO()))
    after = manual_columns(term["out"])
    assert after["lee"][:2] == ("6", "6") and after["ann"] == term["merged"]["ann"]


def cmd_grade(term, monkeypatch, **extra) -> int:
    """`course grade` itself (its exit status), on the module's course copy."""
    from course.authoring import preflight
    monkeypatch.setattr(preflight, "require", lambda course, command: None)   # a copy of two assignments
    monkeypatch.setenv("COURSE_ROOT", str(term["course"].root))
    values = dict(submissions=str(term["subs"]), out=str(term["out"]), jobs=1, check_timeout=2,
                  submission_timeout=90.0, fresh=False, no_notebooks=False, unsafe_no_sandbox=False,
                  only=list(BOTH), student=None, gradebook=None)
    values.update(extra)
    return command.cmd_grade(argparse.Namespace(**values))


def test_the_exit_status_speaks_of_the_student_graded_not_of_a_stray_file(term, monkeypatch, capsys):
    (term["subs"] / "lee" / "bigram.py").write_text(SOLUTION + "\n# lee's second try\n")
    assert cmd_grade(term, monkeypatch, student="lee") == 0             # grading-notes.txt is not lee's
    assert "skipped grading-notes.txt" in capsys.readouterr().err      # still said
    assert cmd_grade(term, monkeypatch) == command.INCOMPLETE           # the class: it was skipped
    records = grade.Graded([StudentRecord("lee", "completed", [])])
    records.skipped, records.student = [("lee.zip", "the folder lee/ is graded instead")], "lee"
    assert not records.complete                                         # a skipped file of lee's does count


# ------------------------------------------------------------------------------ layouts and the report
def whole_course(folder: Path) -> None:
    """What a student's whole course folder holds: exercises/ among the course's own files."""
    (folder / "exercises").mkdir(parents=True)
    (folder / "exercises" / "bigram.py").write_text(SOLUTION)
    shutil.copytree(ROOT / "autograder", folder / "autograder", ignore=shutil.ignore_patterns("hidden", "__pycache__"))
    shutil.copy(ROOT / "course.toml", folder / "course.toml")
    (folder / "README.md").write_text("# makemore\n")


def broken_class(subs: Path) -> None:
    def module(student: str, code: str | None, where: str = "") -> Path:
        folder = subs / student / where
        folder.mkdir(parents=True, exist_ok=True)
        if code is not None:
            (folder / "bigram.py").write_text(code)
        return folder

    module("good", SOLUTION)
    module("in_exercises", SOLUTION, "exercises")                          # uploaded their exercises/ folder
    whole_course(subs / "nested_course" / "makemore-student")              # the whole course folder, in a folder
    whole_course(subs.parent / "zipped" / "makemore-student")
    with zipfile.ZipFile(subs / "zipped_course.zip", "w") as zf:          # ... and zipped
        for path in sorted((subs.parent / "zipped").rglob("*")):
            if path.is_file():
                zf.write(path, path.relative_to(subs.parent / "zipped").as_posix())
    (subs / "empty").mkdir()                                               # an empty folder
    with zipfile.ZipFile(subs / "empty_zip.zip", "w"):                     # an empty .zip
        pass
    misfiled = module("misfiled", None, "my-work")                         # no course file anywhere
    (misfiled / "answers.py").write_text(SOLUTION)
    (misfiled / "report.pdf").write_bytes(b"%PDF-1.4")
    module("syntax_error", SOLUTION + "\ndef broken(:\n")
    module("loop_at_import", SOLUTION + "\n" + PLANTED["loop_at_import"])
    module("hard_coded", SOLUTION + "\n" + PLANTED["hard_coded"])
    module("stubs", (ROOT / "exercises" / "bigram.py").read_text())
    notebook_only = module("notebook_only", None)
    nbformat.write(recall(), notebook_only / NOTEBOOK)


@pytest.fixture(scope="module")
def broken(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("broken")
    course = course_copy(tmp)
    subs, out = tmp / "submissions", tmp / "results"
    subs.mkdir()
    broken_class(subs)
    records = grade.grade_class(course, subs, out, jobs=2, options=grade.Options(**FAST, only=BOTH),
                                progress=grade.Progress(12, io.StringIO()))
    return dict(course=course, subs=subs, out=out, records=records, by={r.student: r.to_json() for r in records},
                typed={r.student: r for r in records})


def test_every_layout_is_found_by_one_rule(broken):
    by, rows = broken["by"], table(broken["out"])
    for student in ("good", "in_exercises", "nested_course", "zipped_course"):
        assert by[student]["ended"] == "completed", student
        assert rows[student]["total"] == "20", (student, rows[student])               # every bigram point
    feedback = (broken["out"] / "students" / "nested_course" / "feedback.md").read_text()
    assert "is missing" not in feedback.replace(f"{NOTEBOOK} is missing", "")


@pytest.mark.parametrize("student, status, words", [
    ("empty", "empty submission", "empty submission"),
    ("empty_zip", "empty submission", "empty submission"),
    ("misfiled", "no course files found", "no course files found (looked in the top level, exercises/, my-work/ "
                                          "for bigram.py"),
])
def test_a_submission_with_nothing_to_grade_says_so_once(broken, student, status, words):
    record = broken["by"][student]
    assert record["ended"] == status and record["total"] == 0
    assert {r["status"] for r in record["exercises"]} == {"not submitted"}
    assert table(broken["out"])[student]["grading"] == status
    feedback = (broken["out"] / "students" / student / "feedback.md").read_text()
    assert feedback.count(words) == 1 and "is missing" not in feedback and "## bigram" not in feedback
    assert "Hand in the files of your exercises/ folder" in feedback


def test_nothing_to_grade_is_graded_and_not_an_error(broken):
    assert broken["records"].complete
    assert not any(broken["typed"][s].troubled for s in ("empty", "empty_zip", "misfiled", "notebook_only"))


def test_the_class_report_separates_broken_from_wrong(broken):
    out = broken["out"]
    show("summary.md of a class with broken submissions", out / "summary.md")
    stats = {s["id"]: s for s in classreport.exercise_stats(broken["course"], broken["records"])}
    vocab = stats["bigram.build_vocab"]
    assert vocab["graded"] == 12
    assert (vocab["passed"], vocab["public"], vocab["hidden"], vocab["error"], vocab["timed out"],
            vocab["not started"], vocab["not submitted"]) == (4, 0, 1, 1, 1, 1, 4)
    # a wrong answer is counted where a check said no: nobody answered count_bigrams wrong
    assert stats["bigram.count_bigrams"]["public"] + stats["bigram.count_bigrams"]["hidden"] == 0
    summary = (out / "summary.md").read_text()
    assert ("| exercise | pass rate | passed | wrong (public) | wrong (hidden) | error | timed out | not started | "
            "not submitted |") in summary
    assert "| bigram.build_vocab | 33% | 4 / 12 | 0 | 1 | 1 | 1 | 1 | 4 |" in summary
    errors = summary[summary.index("## Errors and timeouts"):]
    assert "| syntax_error | bigram.build_vocab, bigram.count_bigrams, bigram.bigram_probs and 4 more |" in errors
    assert "| loop_at_import |  | bigram.build_vocab" in errors
    for student in ("good", "hard_coded", "stubs", "empty", "notebook_only"):
        assert f"| {student} |" not in errors
    nothing = summary[summary.index("**Nothing to grade (3)**"):]
    assert "- empty: empty submission" in nothing and "- misfiled: no course files found (looked in" in nothing


def test_the_box_plot_shows_each_student_of_a_small_class(broken, tmp_path):
    from matplotlib.figure import Figure
    drawn = []
    original = Figure.savefig

    def keep(self, *args, **kwargs):
        drawn.append(self)
        return original(self, *args, **kwargs)
    Figure.savefig = keep
    try:
        classreport.picture(broken["course"], broken["records"][:3], tmp_path / "small.png")
    finally:
        Figure.savefig = original
    sub = drawn[0].axes[1]
    dots = [c for c in sub.collections if len(c.get_offsets())]
    assert sum(len(c.get_offsets()) for c in dots) == 3 + 3          # 3 students, on bigram and on recall
    assert "students" in sub.get_title() or "dots" in sub.get_title()
    assert (tmp_path / "small.png").read_bytes()[:4] == b"\x89PNG"


def test_locate_is_the_rule_gradescope_follows(broken, tmp_path):
    from course.classgrade import gradescope
    course = broken["course"]
    assert "submission_folder" not in vars(gradescope)                 # no rule of its own
    whole_course(tmp_path / "sub" / "makemore")
    got, problem = roster.locate(tmp_path / "sub", course)
    assert problem is None and got == tmp_path / "sub" / "makemore" / "exercises"
    (tmp_path / "flat").mkdir()
    (tmp_path / "flat" / "bigram.py").write_text("x")
    (tmp_path / "flat" / "exercises").mkdir()
    assert roster.locate(tmp_path / "flat", course) == (tmp_path / "flat", None)   # the top level first
    (tmp_path / "linked").mkdir()
    (tmp_path / "linked" / "exercises").symlink_to(tmp_path / "sub" / "makemore" / "exercises")
    assert roster.locate(tmp_path / "linked", course)[1] == "empty submission"    # a link is never followed

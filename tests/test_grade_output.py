"""`course grade`'s output: merged selections, a safe --out, students' .zip files, checked options,
the exit status, the class report, --student, what learner code printed, nbgrader's manual points,
and the tqdm progress bar.

One small class (bigram only, 2 s a check) is graded once for the module; the tests that need a
grading of their own grade one or two students.
"""
from __future__ import annotations

import csv
import io
import os
import shutil
import stat
import sys
import zipfile
from dataclasses import replace
from pathlib import Path

import nbformat
import pytest

from course.classgrade import classreport, command, grade, manual, outputs, pool, records as records_, roster
from course.classgrade.plan import Plan, check_options, check_out
from course.classgrade.records import CheckRow, ExerciseRow, StudentRecord
from course.manifest import CourseError
from tests.conftest import ROOT
from tests.test_grade import NOTEBOOK, PLANTED, course_copy, recall

FAST = dict(check_timeout=2, submission_timeout=90)
SOLUTION = (ROOT / "solutions" / "bigram.py").read_text()
CHATTY = '''
def nll(probs, words, stoi):
    print("nll of", len(words), "words")
    print("x" * 5000)
    logp = 0.0
    n = 0
    for w in words:
        chs = ['.'] + list(w) + ['.']
        for a, b in zip(chs, chs[1:]):
            logp += torch.log(probs[stoi[a], stoi[b]]).item()
            n += 1
    return -logp / n
'''


def planted(code: str) -> str:
    return SOLUTION + "\n\n# --- planted ---\n" + code


def table(out: Path) -> dict[str, dict]:
    return {r["student"]: r for r in csv.DictReader((out / "grades.csv").open())}


def zip_of(path: Path, files: dict[str, str | bytes], links: dict[str, str] | None = None) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for name, text in files.items():
            zf.writestr(name, text)
        for name, target in (links or {}).items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            zf.writestr(info, target)
    return path


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """good (with the recall notebook) graded --only recall first; then the class --only bigram."""
    tmp = tmp_path_factory.mktemp("grade-output")
    course = course_copy(tmp)
    subs, out = tmp / "submissions", tmp / "results"
    for student, code in {"good": "", "chatty": CHATTY, "hard_coded": PLANTED["hard_coded"]}.items():
        (subs / student).mkdir(parents=True)
        (subs / student / "bigram.py").write_text(planted(code) if code else SOLUTION)
    nbformat.write(recall(), subs / "good" / NOTEBOOK)
    (subs / "stubs").mkdir()
    shutil.copy(ROOT / "exercises" / "bigram.py", subs / "stubs" / "bigram.py")
    zip_of(subs / "zipped.zip", {"zipped/bigram.py": SOLUTION, "zipped/__MACOSX/._bigram.py": "junk"})
    zip_of(subs / "evil.zip", {"bigram.py": SOLUTION, "../../escaped.py": "print('out')"})
    (subs / "late.tar.gz").write_bytes(b"not graded")
    first = grade.grade_class(course, subs, out, jobs=1, options=grade.Options(**FAST, only=("recall",)),
                              student="good", progress=grade.Progress(1, io.StringIO()))
    stream = io.StringIO()
    records = grade.grade_class(course, subs, out, jobs=2, options=grade.Options(**FAST, only=("bigram",)),
                                progress=grade.Progress(5, stream))
    return dict(course=course, tmp=tmp, subs=subs, out=out, first=first, records=records,
                by_student={r.student: r.to_json() for r in records}, progress=stream.getvalue())


# ------------------------------------------------------------------------------ merged selections
def test_a_selection_keeps_the_rows_of_another_selection(graded):
    good = table(graded["out"])["good"]
    assert good["recall.mlp_shapes"] == "3" and good["bigram.build_vocab"] == "2"   # both runs' rows
    assert good["total"] == good["max_total"] == "32"
    ids = [r["id"] for r in graded["by_student"]["good"]["exercises"]]
    assert ids[:7] == [ex.id for ex in graded["course"].exercises if ex.assignment == "bigram"]
    assert "recall.mlp_shapes" in ids
    feedback = (graded["out"] / "students" / "good" / "feedback.md").read_text()
    assert "| recall.mlp_shapes | 3 / 3 |" in feedback and "| bigram.nll | 3 / 3 |" in feedback
    # students never graded on recall have only bigram's columns filled
    assert table(graded["out"])["stubs"]["recall.mlp_shapes"] == ""


def test_running_a_selection_again_grades_nobody_and_keeps_every_row(graded, monkeypatch):
    monkeypatch.setattr(pool, "start", lambda *a, **k: pytest.fail("nobody should be graded again"))
    before = (graded["out"] / "grades.csv").read_text()
    grade.grade_class(graded["course"], graded["subs"], graded["out"], jobs=1,
                      options=grade.Options(**FAST, only=("bigram",)), progress=grade.Progress(5, io.StringIO()))
    assert (graded["out"] / "grades.csv").read_text() == before


def test_merge_replaces_only_the_selected_rows(graded):
    course = graded["course"]
    old = StudentRecord.from_json(graded["by_student"]["good"])
    new = StudentRecord("good", "timed out", [ExerciseRow("bigram.build_vocab", 0, 2, "timed out", ended="timed out")],
                        seconds=1.0)
    merged = records_.merge(course, old, new, Plan.of(course, grade.Options(only=("bigram",))))
    rows = {r.id: r for r in merged.exercises}
    assert rows["bigram.build_vocab"].status == "timed out" and rows["recall.mlp_shapes"].points == 3
    assert merged.total == 30 and merged.ended == "timed out"
    assert merged.manual == old.manual != {}                # recall's written parts: not of this selection


# ------------------------------------------------------------------------------ --out, options, exit status
def test_an_out_inside_the_submissions_folder_is_refused(graded, tmp_path):
    for out in (graded["subs"] / "results", graded["subs"], graded["subs"] / "good" / "r"):
        with pytest.raises(CourseError, match="inside the submissions folder") as e:
            grade.grade_class(graded["course"], graded["subs"], out, options=grade.Options(**FAST))
        assert "\n" not in str(e.value)
        assert not (graded["subs"] / "results").exists()
    check_out(graded["subs"], tmp_path / "results")            # beside it: fine


@pytest.mark.parametrize("jobs, options, words", [
    (0, {}, "--jobs 0"), (-2, {}, "--jobs -2"),
    (1, {"check_timeout": 0}, "--check-timeout 0"), (1, {"check_timeout": -1.0}, "--check-timeout -1"),
    (1, {"submission_timeout": float("nan")}, "--submission-timeout nan"),
    (1, {"submission_timeout": 0.0}, "--submission-timeout 0"),
])
def test_numeric_options_are_checked_in_one_line(jobs, options, words):
    with pytest.raises(CourseError) as e:
        check_options(jobs, grade.Options(**options))
    assert str(e.value).startswith(words) and "\n" not in str(e.value)


def test_the_command_says_a_bad_number_in_one_line_and_exits_2(graded, capsys):
    from course import cli
    code = cli.main(["grade", str(graded["subs"]), "--out", str(graded["tmp"] / "elsewhere"), "--jobs", "0"])
    err = capsys.readouterr().err
    assert code == 2 and err.strip() == "course: --jobs 0: grade at least one submission at a time (--jobs 1 or more)"
    code = cli.main(["grade", str(graded["subs"]), "--out", str(graded["subs"] / "out")])
    err = capsys.readouterr().err.strip()
    assert code == 2 and err.startswith("course: --out") and "inside the submissions folder" in err
    assert len(err.splitlines()) == 1


def test_the_exit_status_says_whether_every_submission_was_graded_to_completion(graded, monkeypatch, capsys):
    from course.authoring import preflight
    from course.grading import sandbox
    monkeypatch.setattr(preflight, "require", lambda course, command: None)
    monkeypatch.setattr(sandbox, "level", lambda: "bwrap")
    monkeypatch.setattr(pool, "warm_up", lambda: None)
    record = StudentRecord.from_json(graded["by_student"]["good"])
    outcomes = {}
    for name, ended, skipped in [("all", "completed", []), ("timeout", "timed out", []),
                                 ("skipped", "completed", [("x.zip", "not graded: it holds a link")])]:
        def fake(*args, ended=ended, skipped=skipped, **kwargs):
            records = grade.Graded([replace(record, ended=ended)])
            records.skipped = skipped
            return records
        monkeypatch.setattr(grade, "grade_class", fake)
        outcomes[name] = command.cmd_grade(grade_args(graded))
    assert outcomes == {"all": 0, "timeout": command.INCOMPLETE, "skipped": command.INCOMPLETE}
    assert command.INCOMPLETE == 3
    err = capsys.readouterr().err
    assert "1 not graded to the end (good" in err and "1 skipped (x.zip" in err


def grade_args(graded, **extra):
    import argparse
    values = dict(submissions=str(graded["subs"]), out=str(graded["tmp"] / "status-out"), jobs=1, check_timeout=2,
                  submission_timeout=90.0, fresh=False, no_notebooks=False, unsafe_no_sandbox=False, only=None,
                  student=None, gradebook=None)
    values.update(extra)
    return argparse.Namespace(**values)


def test_the_class_is_not_complete_when_something_was_skipped(graded):
    assert not graded["records"].complete                      # evil.zip, late.tar.gz
    assert all(r.ended == "completed" for r in graded["records"])


# ------------------------------------------------------------------------------ .zip submissions
def test_a_zip_is_graded_as_a_folder_and_an_unsafe_one_is_skipped_loudly(graded):
    assert graded["by_student"]["zipped"]["total"] == 20        # every bigram exercise
    skipped = dict(graded["records"].skipped)
    assert "evil" not in graded["by_student"]
    assert "leaves its folder" in skipped["evil.zip"] and "not a folder or a .zip" in skipped["late.tar.gz"]
    summary = (graded["out"] / "summary.md").read_text()
    assert "**Skipped (2)**" in summary and "`evil.zip`" in summary
    assert not (graded["tmp"] / "escaped.py").exists() and not (graded["subs"].parent / "escaped.py").exists()


@pytest.mark.parametrize("files, links, words", [
    ({"/etc/bigram.py": "x"}, None, "absolute path"),
    ({"a/../../bigram.py": "x"}, None, "leaves its folder"),
    ({"bigram.py": "x"}, {"data.txt": "/etc/passwd"}, "a link"),
    ({"big.py": "x" * 3000}, None, "larger than"),
    ({f"f{i}.py": "" for i in range(12)}, None, r"files \(at most"),
])
def test_unsafe_zips_are_refused(tmp_path, monkeypatch, files, links, words):
    monkeypatch.setattr(roster, "MAX_FILE_BYTES", 2048)
    monkeypatch.setattr(roster, "MAX_ZIP_FILES", 10)
    archive = zip_of(tmp_path / "s.zip", files, links)
    with pytest.raises(roster.UnsafeZip, match=words):
        roster.unpack_zip(archive, tmp_path / "into")
    assert list((tmp_path / "into").iterdir()) == []


def test_a_zip_bomb_stops_at_the_cap(tmp_path, monkeypatch):
    monkeypatch.setattr(roster, "MAX_ZIP_BYTES", 3 * 2**20)
    with zipfile.ZipFile(tmp_path / "bomb.zip", "w", zipfile.ZIP_DEFLATED) as zf:
        for i in range(4):
            zf.writestr(f"part{i}.py", b"\0" * 2**20)
    assert (tmp_path / "bomb.zip").stat().st_size < 50_000
    with pytest.raises(roster.UnsafeZip, match="more than 3 MB"):
        roster.unpack_zip(tmp_path / "bomb.zip", tmp_path / "into")


def test_a_zip_with_one_folder_around_it_is_unpacked_without_it(tmp_path):
    zip_of(tmp_path / "ann.zip", {"ann/bigram.py": "a", "ann/sub/x.txt": "b"})
    got = roster.unpack_zip(tmp_path / "ann.zip", tmp_path / "into")
    assert sorted(p.relative_to(got).as_posix() for p in got.rglob("*") if p.is_file()) == ["bigram.py", "sub/x.txt"]


# ------------------------------------------------------------------------------ the class report
def test_the_class_report_lists_exercises_most_failed_first_with_hidden_failures(graded):
    course, records = graded["course"], graded["records"]
    stats = classreport.exercise_stats(course, records)
    rates = [s["pass_rate"] for s in stats]
    assert rates == sorted(rates)
    vocab = next(s for s in stats if s["id"] == "bigram.build_vocab")
    assert vocab["graded"] == 5 and vocab["not started"] == 1 and vocab["hidden"] == 1 and vocab["public"] == 0
    assert stats[0]["id"] == "bigram.build_vocab"               # failed by two: hard_coded and the stubs
    summary = (graded["out"] / "summary.md").read_text()
    assert "| bigram.build_vocab | 60% | 3 / 5 | 0 | 1 | 0 | 0 | 1 | 0 |" in summary
    assert summary.index("bigram.build_vocab") < summary.index("bigram.nll")
    assert "| bigram | 5 | " in summary and "| recall | 1 | 12.0 / 12 |" in summary
    assert "5 students graded" in summary and "of up to 32 points" in summary and "![" in summary


def test_the_class_report_picture_is_a_png(graded):
    png = graded["out"] / "summary.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 20_000


def test_a_failure_is_hidden_only_when_every_failed_check_is_hidden():
    def row(status: str, checks=(), missing: bool = False) -> ExerciseRow:
        return ExerciseRow("e", 0, 1, status, checks=[CheckRow(name, s) for name, s in checks], missing=missing)
    assert classreport.outcome(row("failed", [("test_a", "passed"), ("test_hidden_b", "failed")])) == "hidden"
    assert classreport.outcome(row("failed", [("test_a", "failed"), ("test_hidden_b", "failed")])) == "public"
    assert classreport.outcome(row("error")) == "error"
    assert classreport.outcome(row("timed out")) == "timed out"
    assert classreport.outcome(row("error", missing=True)) == "not submitted"
    assert classreport.outcome(row("not submitted")) == "not submitted"
    assert classreport.outcome(row("not started")) == "not started"


# ------------------------------------------------------------------------------ what the code printed
def test_what_the_code_printed_is_kept_capped_beside_the_feedback(graded):
    record = graded["by_student"]["chatty"]
    checks = [c for r in record["exercises"] if r["id"] == "bigram.nll" for c in r["checks"]]
    assert checks and all("nll of" in c["printed"] for c in checks)
    assert all(len(c["printed"]) <= records_.PRINTED_PER_CHECK for c in checks)
    text = (graded["out"] / "students" / "chatty" / "output.txt").read_text()
    assert "## bigram.nll: test_" in text and "nll of" in text and "(hidden check)" in text
    assert "[... cut: the first 2,000 characters are kept]" in text
    assert "(nothing printed)" in (graded["out"] / "students" / "good" / "output.txt").read_text()
    assert "nll of" not in (graded["out"] / "students" / "chatty" / "feedback.md").read_text()


def test_the_printed_output_of_a_student_is_capped_as_a_whole(monkeypatch):
    monkeypatch.setattr(outputs, "PRINTED_PER_STUDENT", 1500)
    checks = [CheckRow(f"test_{i}", "passed", printed="y" * 1000) for i in range(3)]
    text = outputs.printed_output(StudentRecord("s", "completed", [ExerciseRow("e", 1, 1, "passed", checks=checks)]))
    assert text.count("y" * 1000) == 1 and "the rest is not kept" in text


# ------------------------------------------------------------------------------ --student
def test_student_regrades_one_student_and_keeps_the_others(graded, tmp_path):
    out = tmp_path / "results"
    shutil.copytree(graded["out"], out)
    subs = tmp_path / "submissions"
    shutil.copytree(graded["subs"], subs)
    (subs / "stubs" / "bigram.py").write_text(SOLUTION)                    # the stubs student finished
    others = {s: (out / "students" / s / "scores.json").read_text() for s in ("good", "chatty", "hard_coded")}
    records = grade.grade_class(graded["course"], subs, out, jobs=1, options=grade.Options(**FAST, only=("bigram",)),
                                student="stubs", progress=grade.Progress(1, io.StringIO()))
    assert {r.student: r.total for r in records}["stubs"] == 20
    assert {s: (out / "students" / s / "scores.json").read_text() for s in others} == others
    rows = table(out)
    assert rows["stubs"]["total"] == "20" and rows["good"]["total"] == "32" and len(rows) == 5
    with pytest.raises(CourseError, match="--student nobody: no folder or .zip of that name"):
        grade.grade_class(graded["course"], subs, out, options=grade.Options(**FAST), student="nobody")


# ------------------------------------------------------------------------------ nbgrader's manual points
def make_gradebook(path: Path, course, scores: dict[str, dict[str, float | None]]) -> Path:
    """A gradebook as nbgrader's formgrader leaves it: manual cells of recall, some graded."""
    from nbgrader.api import Gradebook
    recall_assignment = next(a for a in course.assignments if a.id == "recall")
    with Gradebook(f"sqlite:///{path}") as gb:
        gb.update_or_create_assignment("recall")
        gb.update_or_create_notebook(Path(NOTEBOOK).stem, "recall")
        for cell, points in recall_assignment.manual.items():
            gb.update_or_create_grade_cell(cell, Path(NOTEBOOK).stem, "recall", max_score=points, cell_type="markdown")
        for student, cells in scores.items():
            gb.add_student(student)
            gb.add_submission("recall", student)
            for cell, score in cells.items():
                g = gb.find_grade(cell, Path(NOTEBOOK).stem, "recall", student)
                g.needs_manual_grade = score is None
                g.manual_score = score
            gb.db.commit()
    return path


def test_manual_points_come_from_nbgrader_s_gradebook_and_pending_ones_stay_marked(graded, tmp_path, monkeypatch):
    out = tmp_path / "results"
    shutil.copytree(graded["out"], out)
    # nbgrader runs alembic
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    book = make_gradebook(tmp_path / "gradebook.db", graded["course"],
                          {"good": {"mlp_shapes_written": 2, "reflection": 4, "kaiming_relu_written": None},
                           "stubs": {"reflection": 5}})
    before = book.read_bytes()
    monkeypatch.setattr(pool, "start", lambda *a, **k: pytest.fail("nobody should be graded again"))
    records = grade.grade_class(graded["course"], graded["subs"], out, jobs=1,
                                options=grade.Options(**FAST, only=("bigram",)), gradebook=book,
                                progress=grade.Progress(5, io.StringIO()))
    rows = table(out)
    assert rows["good"]["manual"] == "6" and rows["good"]["manual_pending"] == "6"   # 3 cells of 2 not graded yet
    assert rows["stubs"]["manual"] == "0" and rows["stubs"]["manual_pending"] == "0"   # no notebook handed in
    good = {r.student: r for r in records}["good"]
    assert "recall/kaiming_relu_written" in good.manual_pending_cells
    assert "recall/reflection" not in good.manual_pending_cells
    assert book.read_bytes() == before                                                  # read, never written
    feedback = (out / "students" / "good" / "feedback.md").read_text()
    assert "6 points of written answers graded" in feedback and "6 more points" in feedback
    summary = (out / "summary.md").read_text()
    assert "1 student with points still pending: good (6)" in summary


def test_without_a_gradebook_manual_points_stay_pending(graded):
    rows = table(graded["out"])
    assert rows["good"]["manual"] == "" and rows["good"]["manual_pending"] == "13"


def test_a_gradebook_that_is_not_one_is_refused_in_one_line(graded, tmp_path):
    (tmp_path / "notes.db").write_text("not sqlite")
    for path, words in ((tmp_path / "missing.db", "no such file"),
                        (tmp_path / "notes.db", "not an nbgrader gradebook")):
        with pytest.raises(CourseError, match=words) as e:
            manual.read_gradebook(graded["course"], path)
        assert "\n" not in str(e.value)
    assert not (tmp_path / "missing.db").exists()


# ------------------------------------------------------------------------------ progress
def test_the_progress_bar_is_tqdm_counting_students_and_failures(graded):
    from tqdm import tqdm
    bar = grade.Progress(3, io.StringIO())
    assert isinstance(bar.bar.bar, tqdm)                  # course/progress.py, over tqdm
    bar.close()
    last = graded["progress"].strip().splitlines()[-1]
    troubled = sum(r.troubled for r in graded["records"])
    assert f"5/5 students, {troubled} with errors or timeouts" in last and "#" in last
    assert os.environ.get("TQDM_DISABLE") is None


def test_course_experiments_draws_its_bar_with_tqdm():
    from tqdm import tqdm

    from course.learner.experiments import Progress as ExperimentProgress

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    for stream, drawn in ((io.StringIO(), False), (Terminal(), True)):
        bar = ExperimentProgress("Kaiming", 10, stream=stream)
        assert isinstance(bar.bar, tqdm) and bar.bar.disable is not drawn
        for step in range(1, 11):
            bar.update(step, 2.5)
        bar.close("loss 3.30 -> 2.50")
        assert stream.getvalue().endswith("loss 3.30 -> 2.50  (0.0 s)\n") or "loss 3.30 -> 2.50" in stream.getvalue()
        assert ("[" in stream.getvalue()) is drawn

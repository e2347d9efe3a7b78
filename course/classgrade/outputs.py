"""The files a class grading writes from its records: per student `scores.json` (the record),
`feedback.md` (for the learner: statuses, points, messages, no test source), `output.txt` (what
their code printed, for the instructor) and Gradescope's `results.json`; `grades.csv` for the class.
Each is written through a temporary file and a rename: a crash never leaves half a file."""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from course.classgrade.records import PRINTED_PER_CHECK, StudentRecord, tidy
from course.classgrade.roster import course_file_names
from course.files import atomic_write
from course.manifest import Course, CourseError

PRINTED_PER_STUDENT = 50_000       # characters of output.txt, at most


def write_student(out: Path, course: Course, record: StudentRecord, hidden: set[str]) -> None:
    folder = out / "students" / record.student
    atomic_write(folder / "results.json", json.dumps(gradescope_results(record, hidden), indent=1) + "\n")
    atomic_write(folder / "feedback.md", feedback(course, record, hidden))
    atomic_write(folder / "output.txt", printed_output(record))
    atomic_write(folder / "scores.json", json.dumps(record.to_json(), indent=1) + "\n")   # last: marks it done


def printed_output(record: StudentRecord) -> str:
    """What the student's code printed, check by check (each capped at PRINTED_PER_CHECK
    characters, the whole at PRINTED_PER_STUDENT). For the instructor: code can print what a
    hidden check gave it, so this file is not handed out as feedback.md is."""
    lines = [f"# What {record.student}'s code printed while it was graded (for the instructor: it may "
             "show the inputs of hidden checks)", ""]
    size, cut = 0, False
    for r in record.exercises:
        for c in r.checks:
            if not c.printed:
                continue
            tier = " (hidden check)" if c.name.startswith("test_hidden_") else ""
            if size + len(c.printed) > PRINTED_PER_STUDENT:
                cut = True
                break
            size += len(c.printed)
            lines += [f"## {r.id}: {c.name}{tier}, {c.status}",
                      c.printed.rstrip("\n") + ("\n[... cut: the first {:,} characters are kept]".format(PRINTED_PER_CHECK)
                                                if len(c.printed) >= PRINTED_PER_CHECK else ""), ""]
        if cut:
            lines.append(f"[... the rest is not kept: {PRINTED_PER_STUDENT:,} characters at most a student]")
            break
    if not size:
        lines.append("(nothing printed)")
    return "\n".join(lines) + "\n"


def write_csv(out: Path, course: Course, records: list[StudentRecord]) -> None:
    """grades.csv: a row per student, a column per exercise graded (course order), the totals."""
    graded = {r.id for record in records for r in record.exercises}
    ids = [ex.id for ex in course.exercises if ex.id in graded]
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["student", *ids, "total", "max_total", "manual", "manual_pending", "manual_max",
                     "combined", "combined_max", "grading"])
    for record in records:
        points = {r.id: r.points for r in record.exercises}
        manual = record.manual_points
        writer.writerow([record.student, *(points.get(i, "") for i in ids), record.total, record.max_total,
                         "" if manual is None else manual, record.manual_pending, record.manual_max,
                         tidy(record.total + (manual or 0)), tidy(record.max_total + record.manual_max), record.ended])
    atomic_write(out / "grades.csv", buf.getvalue())


def summary(record: StudentRecord) -> str:
    """The student's grade in one paragraph."""
    if record.problem:
        return f"Nothing of your submission could be graded: {record.problem}. 0 / {record.max_total} points."
    text = f"{record.total} / {record.max_total} points, graded automatically"
    by_hand = record.manual_points is not None and record.manual
    if by_hand:
        text += f"; {record.manual_points:g} points of written answers graded by your instructor"
    if record.manual_pending:
        text += f"; {record.manual_pending:g} more points of written answers are read by your instructor"
    if by_hand:
        text += (f"; in all {record.total + record.manual_points:g} / "
                 f"{record.max_total + record.manual_max:g} points so far")
    if record.ended == "timed out":
        text += ". The grading of your submission ran out of time; what was not graded scores 0"
    elif record.ended == "crashed":
        text += ". The grading of your submission stopped unexpectedly; what was not graded scores 0"
    return text + "."


def feedback(course: Course, record: StudentRecord, hidden: set[str]) -> str:
    """The learner's report: each exercise's status, points and message; no test source."""
    lines = [f"# Feedback: {record.student}", "", summary(record), ""]
    if record.problem:
        lines += [f"Hand in the files of your exercises/ folder ({', '.join(course_file_names(course)[:3])}, ...): "
                  "at the top level of your submission, in its exercises/ folder, or in one folder around them.", ""]
    lines += ["| exercise | points | status |", "|---|---:|---|"]
    lines += [f"| {r.id} | {r.points} / {r.max_points} | {r.status} |" for r in record.exercises]
    for r in record.exercises:
        if (r.status == "passed" and not r.message) or r.status == "not submitted":
            continue
        lines += ["", f"## {r.id}: {r.status}, {r.points} / {r.max_points}", ""]
        if r.status == "not started":
            lines.append("Not started yet.")
        if r.message:
            lines += ["```", r.message.rstrip(), "```"]
        failed = [c for c in r.checks if c.status not in ("passed", "")]
        for c in failed[:1]:
            tier = "a hidden check (inputs you have not seen)" if c.name in hidden else f"check `{c.name}`"
            lines.append(f"\nFrom {tier}.")
        if r.status != "not started":
            try:
                lines.append(f"\nHint: {next(iter(course.exercise(r.id).hints.values()))}")
            except CourseError:
                pass
    return "\n".join(lines) + "\n"


def gradescope_results(record: StudentRecord, hidden: set[str], visibility: str = "visible") -> dict:
    """Gradescope's results.json: the score and one test per exercise, shown to the student as
    `visibility` says (Gradescope's field: visible, hidden, after_due_date, after_published)."""
    tests = []
    for r in record.exercises:
        output = f"{r.status}" + (f": {r.message}" if r.message else "")
        if any(c.name in hidden and c.status != "passed" for c in r.checks):
            output += "\n(from a hidden check: inputs you have not seen)"
        tests.append({"name": r.id, "score": r.points, "max_score": r.max_points,
                      "status": "passed" if r.status == "passed" else "failed",
                      "output": output, "visibility": visibility})
    return {"score": record.total, "max_score": record.max_total, "output": summary(record),
            "visibility": visibility, "stdout_visibility": "hidden",
            "execution_time": record.seconds, "tests": tests}

"""`course grade` as a pipeline: roster -> stage -> pool -> records -> outputs.

- roster (course/classgrade/roster.py): the class, one folder or .zip per student, and where each
  submission's course files are (the one rule Gradescope's runner follows too);
- stage: every submission copied (a .zip unpacked, with checks) before the first one runs, and
  sorted against what RESULTS holds (course/classgrade/results.py): graded already, nothing to
  grade, to grade;
- pool (course/classgrade/pool.py): each submission graded by its own judge, a fork of this
  process, with a job file of what to grade (course/grading/job.py); learner code runs in the
  judge's sandboxed runner, never in the judge; every check has its deadline, memory and output
  caps, the whole submission a wall-time limit;
- records (course/classgrade/records.py): what a judge left, read and checked once into a typed
  record, merged with the student's earlier one, the written answers' points set (manual.py);
- outputs (course/classgrade/outputs.py, classreport.py): per student scores.json, feedback.md,
  output.txt and Gradescope's results.json, grades.csv for the class, the class report.

Only this process writes RESULTS. The exit status of the command (course/classgrade/command.py)
speaks of the submissions the run was asked to grade.
"""
from __future__ import annotations

import os
from pathlib import Path

from course.classgrade import pool, records
from course.classgrade.manual import read_gradebook
from course.classgrade.plan import Options, Plan, check_options, check_out
from course.classgrade.progress import Progress
from course.classgrade.records import StudentRecord
from course.classgrade.results import ClassResults, Graded
from course.classgrade.roster import Roster, Staged, private_folder
from course.classgrade.snapshot import compiled_graders, course_snapshot
from course.manifest import Course

__all__ = ["Graded", "Options", "Progress", "grade_class", "grade_submission"]


def grade_class(course: Course, submissions: Path, out: Path, jobs: int | None = None,
                options: Options | None = None, fresh: bool = False, progress: Progress | None = None,
                student: str | None = None, gradebook: Path | None = None) -> Graded:
    """Grade every student of `submissions` into `out` (only `student`, when given, and always
    again); returns the records of the whole class, by student id, with what was skipped.

    What `out` holds already is merged, not overwritten: a grading of some exercises (`--only`)
    replaces those exercises' rows of each student and keeps the others; a student not graded
    this time keeps their record."""
    options = options or Options()
    check_options(jobs, options)
    check_out(submissions, out)
    roster = Roster.read(submissions, student)
    plan = Plan.of(course, options)                   # an unknown --only stops here, before any work
    manual = read_gradebook(course, gradebook) if gradebook is not None else None
    results = ClassResults(course, plan, out, roster, student, manual)
    if student is None:
        pool.warm_graders(course)                     # what every judge would compute alike, once
    compiled_graders(course)                          # the graders compiled once, for every judge
    with private_folder("course-submissions-") as staging, \
            pool.Pool(course, plan, options, jobs or len(os.sched_getaffinity(0))) as judges:
        unsubmitted, todo = results.triage(staging, fresh)
        with results.progress(progress, len(unsubmitted) + len(todo)):
            for submission in unsubmitted:            # nothing to grade: no judge, the status says why
                results.conclude(submission, lambda s=submission: records.unsubmitted(plan, s.student, s.problem))
            for submission, make in judges.run(todo):
                results.conclude(submission, make)
    return results.close()


def grade_submission(course: Course, folder: Path, student: str = "submission",
                     options: Options | None = None) -> StudentRecord:
    """Grade one submission in its own process (as `course gradescope`'s run_autograder does)."""
    options = options or Options()
    plan = Plan.of(course, options)
    course_snapshot(course)                           # read before any learner code runs
    compiled_graders(course)
    with pool.Pool(course, plan, options, 1) as judges:
        for _, make in judges.run([Staged(student, folder, "")]):
            return make()
    raise RuntimeError("the grading of the submission did not end")     # never: one job ends once

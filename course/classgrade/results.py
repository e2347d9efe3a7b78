"""RESULTS (`course grade --out`): the records it holds, merged and written as the class is graded.

What RESULTS holds is merged, never overwritten: a grading of some exercises (`--only`) or of one
student (`--student`) replaces those rows (records.merge) and keeps the rest; the written answers'
points are set in each record (course/classgrade/manual.py) and kept. A student's files and
grades.csv are written as soon as their grading ends, so that a run cut short keeps every student
it finished; a student whose handling fails in this grader gets a record that says so, and the
class goes on. At the end every record is written again, with the class report.
"""
from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from course.classgrade import classreport, manual, outputs, records
from course.classgrade.plan import Plan
from course.classgrade.progress import Progress
from course.classgrade.records import StudentRecord
from course.classgrade.roster import PROBLEMS, Roster, Staged, UnsafeZip, stage
from course.classgrade.snapshot import graders_digest, hidden_checks
from course.grading.seam import safe_text
from course.manifest import Course


class Graded(list):
    """The records of a class grading (a list, by student id), with what was skipped and why.
    `student`: the one student this run graded (`--student`), or None for the class."""
    skipped: list[tuple[str, str]]
    student: str | None = None

    def concerned(self) -> tuple[list[StudentRecord], list[tuple[str, str]]]:
        """The records and the skipped entries the run speaks of: all of them, or with `--student`
        that student's alone (a stray file beside the submissions is not theirs)."""
        if self.student is None:
            return list(self), list(self.skipped)
        return ([r for r in self if r.student == self.student],
                [(n, why) for n, why in self.skipped if n == self.student or Path(n).stem == self.student])

    @property
    def complete(self) -> bool:
        """Whether every submission concerned was graded to completion (nothing of it skipped, timed
        out or crashed; a submission with nothing to grade is graded: it says so)."""
        records, skipped = self.concerned()
        return not skipped and all(r.ended in ("completed", *PROBLEMS) for r in records)


class ClassResults:
    """The records of `out`, for a grading of `plan` (of `student` alone, when given); `gradebook`:
    the manual points read from nbgrader's gradebook, when given."""

    def __init__(self, course: Course, plan: Plan, out: Path, roster: Roster, student: str | None = None,
                 gradebook: manual.Gradebook | None = None):
        self.course, self.plan, self.out, self.roster = course, plan, out, roster
        self.student, self.gradebook = student, gradebook
        self.graders = graders_digest(course)          # the graders every submission is graded with
        self.hidden = hidden_checks(course)
        self.olds: dict[str, StudentRecord | None] = {}
        self.records: dict[str, StudentRecord] = {}
        self.fresh: list[StudentRecord] = []            # the records of this run
        self.bar = None
        out.mkdir(parents=True, exist_ok=True)

    def triage(self, staging: Path, fresh: bool = False) -> tuple[list[Staged], list[Staged]]:
        """Copy every submission into `staging` before the first one runs (nothing a grading does,
        or anyone does meanwhile, changes what the others hand in), and sort the class: records
        kept as they are (not this run's student; or graded already on the same files with the
        same graders, unless `fresh`), submissions with nothing to grade, submissions to grade."""
        unsubmitted, todo = [], []
        for sid, path in self.roster.entries:
            old = self.olds[sid] = StudentRecord.load(self.out / "students" / sid / "scores.json")
            if self.student is not None and sid != self.student:
                self._keep(sid, old)                    # not graded this time
                continue
            try:
                submission = stage(self.course, sid, path, staging)
            except (UnsafeZip, OSError) as exc:         # one student's files: the class goes on
                self.roster.skip(path, exc)
                self._keep(sid, old)
                continue
            if not fresh and self.student is None and old is not None \
                    and old.up_to_date(self.plan.ids, submission.fingerprint, self.graders):
                self._keep(sid, old)                    # graded already, and nothing has changed since
            elif submission.problem:
                unsubmitted.append(submission)
            else:
                todo.append(submission)
        self.roster.say_skipped()
        return unsubmitted, todo

    @contextmanager
    def progress(self, bar: Progress | None, todo: int) -> Iterator[None]:
        """Show the grading's progress on `bar` (default: a new one for `todo` students and those
        kept) while the context lasts; closed at its end."""
        kept = sum(1 for sid, _ in self.roster.entries
                   if sid in self.records and (self.student is None or sid == self.student))
        self.bar = bar or Progress(todo + kept)
        try:
            self._show()
            yield
        finally:
            self.bar.close()

    def conclude(self, submission: Staged, make: Callable[[], StudentRecord]) -> None:
        """The student's record from `make()`, merged with what `out` held, written. A failure
        here is this student's, not the class's."""
        sid, old = submission.student, self.olds.get(submission.student)
        try:
            record = make().stamped(submission.fingerprint, self.graders)
            record = records.merge(self.course, old, record, self.plan)
            record = manual.apply(self.course, record, self.gradebook)
        except Exception as exc:  # noqa: BLE001 - recorded for the student
            record = records.failed(self.plan, sid, exc)
            try:                                        # what it did not grade again is kept
                record = records.merge(self.course, old, record, self.plan)
                record = manual.apply(self.course, record, self.gradebook)
            except Exception:  # noqa: BLE001 - the failed record alone, then
                pass
        record = self._written(record)
        self.records[sid] = record
        self.fresh.append(record)
        outputs.write_csv(self.out, self.course, self._in_order())
        self._show()

    def close(self) -> Graded:
        """Every record written again (the outputs of students kept from an earlier run too), with
        grades.csv and the class report; the records of the class, by student id."""
        graded = Graded(self._in_order())
        graded.skipped, graded.student = self.roster.skipped, self.student
        for i, record in enumerate(graded):
            try:
                record = manual.apply(self.course, record, self.gradebook)
            except Exception as exc:  # noqa: BLE001 - recorded for the student
                record = records.merge(self.course, record, records.failed(self.plan, record.student, exc), self.plan)
            graded[i] = self._written(record)
        outputs.write_csv(self.out, self.course, graded)
        classreport.write(self.out, self.course, graded, self.roster.skipped)
        return graded

    def _keep(self, sid: str, old: StudentRecord | None) -> None:
        if old is not None:
            self.records[sid] = old

    def _in_order(self) -> list[StudentRecord]:
        return [self.records[sid] for sid, _ in self.roster.entries if sid in self.records]

    def _show(self) -> None:
        shown = self.fresh if self.student is not None else list(self.records.values())
        self.bar.update(len(shown), sum(r.troubled for r in shown))

    def _written(self, record: StudentRecord) -> StudentRecord:
        """Write the student's files; when that fails, their record says so (and is written in its
        place, as far as it can be): the class goes on."""
        try:
            outputs.write_student(self.out, self.course, record, self.hidden)
            return record
        except Exception as exc:  # noqa: BLE001 - recorded for the student
            failed = records.failed(self.plan, record.student, exc)
            try:
                outputs.write_student(self.out, self.course, failed, self.hidden)
            except Exception as again:  # noqa: BLE001 - said on the terminal; grades.csv still has the row
                print(f"course grade: the results of {failed.student} cannot be written "
                      f"({safe_text(again, 200)})", file=sys.stderr)
            return failed

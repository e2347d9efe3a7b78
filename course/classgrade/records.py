"""The records of a class grading, typed: a StudentRecord per student, an ExerciseRow per exercise
graded, a CheckRow per check that ran.

What enters a record is checked once, where it is read, as any input is: the judge's results
(`judged`: a known status, points only for a pass and never above the exercise's, short and
safe strings) and an earlier run's scores.json (`StudentRecord.load`: a record written by an
older grader, or edited by hand, cannot stop this one). From there on, the pipeline passes these
types; `to_json` writes the scores.json a record is kept in.
"""
from __future__ import annotations

import json
import math
import traceback
from dataclasses import dataclass, field, replace
from pathlib import Path

from course.classgrade.plan import Plan
from course.classgrade.roster import EMPTY, NO_COURSE_FILES, PROBLEMS, course_file_names
from course.grading.seam import safe_text
from course.manifest import Course, Exercise

STATUSES = ("passed", "failed", "not started", "error", "timed out")   # what the judge may say of an exercise
ENDINGS = ("crashed", "timed out", "completed")     # a merged record ends as the worst of its rows
# What learner code printed, kept per check in scores.json (and in students/<id>/output.txt).
PRINTED_PER_CHECK = 2000


class Invalid(ValueError):
    """A record read back from a file that cannot be used."""


@dataclass
class CheckRow:
    name: str
    status: str
    message: str = ""
    printed: str = ""          # what learner code printed during the check (capped); for the instructor

    def to_json(self) -> dict:
        data = {"name": self.name, "status": self.status, "message": self.message}
        if self.printed:
            data["printed"] = self.printed
        return data

    @classmethod
    def from_json(cls, data: dict, limit: int | None = None) -> CheckRow:
        return cls(_text(data.get("name", ""), limit), _text(data.get("status", ""), limit),
                   _text(data.get("message", ""), limit), _text(data.get("printed") or "", PRINTED_PER_CHECK))


@dataclass
class ExerciseRow:
    id: str
    points: int | float
    max_points: int | float
    status: str
    message: str = ""
    checks: list[CheckRow] = field(default_factory=list)
    ended: str | None = None               # how the grading that made this row ended
    missing: bool = False                  # its file was not handed in: "not submitted" in the report
    submission_sha256: str | None = None   # what it was graded on: a row graded on other files, or
    graders_sha256: str | None = None      # with other graders, is graded again

    def to_json(self) -> dict:
        data = {"id": self.id, "points": self.points, "max_points": self.max_points, "status": self.status,
                "message": self.message, "checks": [c.to_json() for c in self.checks]}
        if self.ended is not None:
            data["ended"] = self.ended
        if self.missing:
            data["missing"] = True
        for key in ("submission_sha256", "graders_sha256"):
            if getattr(self, key) is not None:
                data[key] = getattr(self, key)
        return data

    @classmethod
    def from_json(cls, data) -> ExerciseRow:
        """A row of an earlier run's scores.json; raises Invalid."""
        if not isinstance(data, dict) or not isinstance(data.get("id"), str) or not isinstance(data.get("status"), str) \
                or not (is_number(data.get("points")) and is_number(data.get("max_points"))):
            raise Invalid("a row without an id, a status or its points")
        checks = data.get("checks")
        return cls(_text(data["id"]), data["points"], data["max_points"],
                   _text(data["status"]), _text(data.get("message", "")),
                   [CheckRow.from_json(c) for c in checks if isinstance(c, dict)] if isinstance(checks, list) else [],
                   _optional_text(data.get("ended")), data.get("missing") is True,
                   _optional_text(data.get("submission_sha256")), _optional_text(data.get("graders_sha256")))

    @classmethod
    def from_judge(cls, ex: Exercise, got: dict, printed: dict, planned: list | None, ended: str) -> ExerciseRow:
        """A row of the judge's results, checked as any input is: known status, points only for a
        pass and never above the exercise's, short and safe strings. `printed`: check name -> what
        learner code printed in it. A pass counts only when every check the judge `planned` for
        the exercise ran and passed: a grading cut short (`ended`) in the middle of an exercise
        keeps none of it."""
        status = got.get("status") if isinstance(got.get("status"), str) and got["status"] in STATUSES else "error"
        points = ex.points if status == "passed" and got.get("points") == ex.points else 0
        message = safe_text(got.get("message", ""))
        raw = [c for c in got.get("checks", []) if isinstance(c, dict)] if isinstance(got.get("checks"), list) else []
        checks = [CheckRow.from_json({k: c.get(k, "") for k in ("name", "status", "message")}, 4000) for c in raw][:200]
        for check, source in zip(checks, raw):
            text = printed.get(source.get("name")) if isinstance(source.get("name"), str) else None
            check.printed = safe_text(text, PRINTED_PER_CHECK) if isinstance(text, str) else ""
        passed = {c.name for c in checks if c.status == "passed"}
        wanted = [name for name in planned or [] if isinstance(name, str)]
        if status == "passed" and (not wanted or not set(wanted) <= passed):
            ran = len(set(wanted) & passed)
            status, points = ("timed out" if ended == "timed out" else "error"), 0
            message = (f"only {ran} of the {len(wanted) or '?'} checks of this exercise ran before the grading of the "
                       + ("submission ran out of time" if ended == "timed out" else "submission stopped")
                       + ": an exercise counts only when every one of its checks ran and passed")
        return cls(ex.id, points, ex.points, status, message, checks)


@dataclass
class StudentRecord:
    student: str
    ended: str                             # completed, timed out, crashed, or a problem (PROBLEMS)
    exercises: list[ExerciseRow]
    seconds: float = 0.0
    manual: dict[str, int | float] = field(default_factory=dict)   # assignment -> points read by hand
    manual_pending: int | float = 0        # of those, the points not graded yet
    problem: str | None = None             # why nothing of the submission could be graded
    grader_error: str | None = None        # the grader's own failure while handling this student
    # Set by course/classgrade/manual.py: the gradebook's cells (assignment -> cell -> points, or
    # None while pending), kept once a gradebook gave them; the points they come to.
    manual_scores: dict[str, dict[str, float | None]] | None = None
    manual_points: int | float | None = None
    manual_pending_cells: list[str] = field(default_factory=list)
    manual_graded_cells: int = 0

    @property
    def total(self) -> int | float:
        return sum(r.points for r in self.exercises)

    @property
    def max_total(self) -> int | float:
        return sum(r.max_points for r in self.exercises)

    @property
    def manual_max(self) -> int | float:
        return tidy(sum(self.manual.values()))

    @property
    def troubled(self) -> bool:
        """Whether its grading met an error or a timeout (a submission with nothing to grade is not
        one: its status says so)."""
        return self.ended in ("crashed", "timed out") or any(
            r.status in ("error", "timed out") and not r.missing for r in self.exercises)

    def up_to_date(self, ids: list[str], fingerprint: str, graders: str) -> bool:
        """Whether it has a row for each of `ids` graded to completion on this submission with these
        graders (a grading that timed out or crashed is done again)."""
        rows = {r.id: r for r in self.exercises}
        return all(i in rows and rows[i].submission_sha256 == fingerprint and rows[i].graders_sha256 == graders
                   and rows[i].ended == "completed" for i in ids)

    def stamped(self, fingerprint: str, graders: str) -> StudentRecord:
        """Each row marked with the submission and the graders it was graded on."""
        return replace(self, exercises=[replace(r, submission_sha256=fingerprint, graders_sha256=graders)
                                        for r in self.exercises])

    def to_json(self) -> dict:
        """The record as students/<id>/scores.json keeps it."""
        data = {"student": self.student, "ended": self.ended}
        if self.problem is not None:
            data["problem"] = self.problem
        data.update(seconds=self.seconds, total=self.total, max_total=self.max_total,
                    manual_pending=self.manual_pending, manual=self.manual,
                    exercises=[r.to_json() for r in self.exercises])
        if self.grader_error is not None:
            data["grader_error"] = self.grader_error
        if self.manual_scores is not None:
            data["manual_scores"] = self.manual_scores
        data.update(manual_points=self.manual_points, manual_pending_cells=self.manual_pending_cells,
                    manual_graded_cells=self.manual_graded_cells, manual_max=self.manual_max)
        return data

    @classmethod
    def from_json(cls, data) -> StudentRecord:
        """A record of an earlier run; raises Invalid. Rows that cannot be read are left out."""
        if not isinstance(data, dict) or not isinstance(data.get("student"), str) \
                or not isinstance(data.get("exercises"), list):
            raise Invalid("not a student's record")
        rows = []
        for row in data["exercises"]:
            try:
                rows.append(ExerciseRow.from_json(row))
            except Invalid:
                continue
        manual = data.get("manual") if isinstance(data.get("manual"), dict) else {}
        cells = data.get("manual_pending_cells") if isinstance(data.get("manual_pending_cells"), list) else []
        return cls(_text(data["student"]), _text(data.get("ended") or "completed"), rows, _number(data.get("seconds")),
                   {_text(k): _number(v) for k, v in manual.items()}, _number(data.get("manual_pending")),
                   _optional_text(data.get("problem")), _optional_text(data.get("grader_error")),
                   _scores(data.get("manual_scores")),
                   data["manual_points"] if is_number(data.get("manual_points")) else None,
                   [_text(c) for c in cells], int(_number(data.get("manual_graded_cells"))))

    @classmethod
    def load(cls, path: Path) -> StudentRecord | None:
        """The record kept in `path` (scores.json), or None (none there, or none that can be read)."""
        try:
            return cls.from_json(json.loads(path.read_text()))
        except (OSError, ValueError, RecursionError):
            return None


# ------------------------------------------------------------------------------ records made here
def judged(course: Course, plan: Plan, student: str, folder: Path, files: Path, ended: str, seconds: float,
           time_limit: float) -> StudentRecord:
    """The record of one grading of the submission in `folder`, from what its judge left in
    `files`: results.json (its rows), printed.json (what learner code printed, exercise -> check
    -> text) and planned.json (the checks collected for each exercise), each read and checked
    here, once. `ended`: how the grading ended (completed, timed out, crashed)."""
    results, printed, planned = (_json_object(files / name) for name in ("results.json", "printed.json",
                                                                          "planned.json"))
    found = results.get("exercises") if isinstance(results.get("exercises"), list) else []
    by_id = {r["id"]: r for r in found if isinstance(r, dict) and isinstance(r.get("id"), str)}
    rows = []
    for ex in plan.exercises:
        if ex.id in by_id:
            rows.append(ExerciseRow.from_judge(
                ex, by_id[ex.id], printed.get(ex.id) if isinstance(printed.get(ex.id), dict) else {},
                planned.get(ex.id) if isinstance(planned.get(ex.id), list) else None, ended))
        elif ended == "timed out":
            rows.append(ExerciseRow(ex.id, 0, ex.points, "timed out", f"the submission's time ({time_limit:g} s) "
                                    "ran out before this exercise was graded"))
        else:
            rows.append(ExerciseRow(ex.id, 0, ex.points, "error", "this exercise could not be graded: the grading "
                                    "of the submission stopped unexpectedly" if ended == "crashed" else
                                    "this exercise was not graded"))
    handed_in = {name for name in course_file_names(course) if (folder / name).is_file()}
    rows = [replace(r, ended=ended, missing=_file_of(course.exercise(r.id)) not in handed_in) for r in rows]
    # The written parts of the notebooks handed in wait for the instructor (nbgrader's formgrader):
    # assignment -> the points read by hand (a gradebook, when given, says which are graded).
    manual = {a.id: sum(a.manual.values()) for a in course.assignments
              if a.manual and a.id in plan.assignments and any((folder / nb).is_file() for nb in a.notebooks)}
    return StudentRecord(student, ended, rows, round(seconds, 1), manual, sum(manual.values()))


def failed(plan: Plan, student: str, exc: BaseException) -> StudentRecord:
    """The record of a student whose handling failed in this grader (not in their code): every
    exercise of the selection an error, the grading `crashed`; the class goes on."""
    why = safe_text(f"{type(exc).__name__}: {exc}", 300)
    rows = [ExerciseRow(ex.id, 0, ex.points, "error", f"this exercise could not be graded: the grader failed while "
                        f"handling this submission ({why}); please tell your instructor", ended="crashed")
            for ex in plan.exercises]
    return StudentRecord(student, "crashed", rows,
                         grader_error=safe_text("".join(traceback.format_exception(exc)), 8000))


def unsubmitted(plan: Plan, student: str, problem: str) -> StudentRecord:
    """The record of a submission with nothing to grade (roster.locate: EMPTY or NO_COURSE_FILES):
    every exercise of the selection "not submitted", the problem said once, as the grading's status."""
    ended = NO_COURSE_FILES if problem.startswith(NO_COURSE_FILES) else EMPTY
    rows = [ExerciseRow(ex.id, 0, ex.points, "not submitted", ended=ended, missing=True) for ex in plan.exercises]
    return StudentRecord(student, ended, rows, problem=problem)


def merge(course: Course, old: StudentRecord | None, new: StudentRecord, plan: Plan) -> StudentRecord:
    """The student's record after grading `plan`: the new rows replace the old ones of the same
    exercises; rows of exercises outside it are kept as they were, and so are the manual points
    of the assignments it does not name and the gradebook's cells (`manual_scores`)."""
    if old is None:
        return new
    rows = {r.id: r for r in old.exercises}
    rows.update({r.id: r for r in new.exercises})
    ordered = [rows[ex.id] for ex in course.exercises if ex.id in rows]
    manual = {k: v for k, v in old.manual.items() if k not in plan.assignments}
    manual.update(new.manual)
    if new.ended in PROBLEMS:                         # nothing handed in now: said as the grading's status
        ending = new.ended
    else:                                             # rows kept from a grading of nothing are not failures
        endings = {r.ended or old.ended for r in ordered} | {new.ended}
        ending = next((e for e in ENDINGS if e in endings), "completed")
    scores = new.manual_scores if new.manual_scores is not None else old.manual_scores   # never dropped here
    return replace(new, ended=ending, exercises=ordered, manual=manual, manual_pending=sum(manual.values()),
                   manual_scores=scores)


# ------------------------------------------------------------------------------ reading
def tidy(value: float) -> int | float:
    """A whole number as an int (`2`, not `2.0`), any other as it is."""
    return int(value) if value == int(value) else value


def is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _number(value) -> int | float:
    return value if is_number(value) else 0


def _text(value, limit: int | None = None) -> str:
    return safe_text(value, limit)


def _optional_text(value) -> str | None:
    return None if value is None else safe_text(value, None)


def _scores(value) -> dict[str, dict[str, float | None]] | None:
    """The gradebook's cells kept in a record: assignment -> cell -> points (None: pending)."""
    if not isinstance(value, dict):
        return None
    return {_text(a): {_text(c): (v if is_number(v) else None) for c, v in cells.items()}
            for a, cells in value.items() if isinstance(cells, dict)}


def _json_object(path: Path) -> dict:
    """The JSON object in `path`, or {} (no file, not JSON, not an object)."""
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError, RecursionError):
        return {}
    return data if isinstance(data, dict) else {}


def _file_of(ex: Exercise) -> str:
    return ex.notebook or f"{ex.module}.py"

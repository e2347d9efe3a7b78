"""A job file: what `course grade` asks of one judge, as one typed file.

The class grader writes a JobSpec (JSON) beside a grading's private files; the judge reads it once,
through pytest's `--job PATH`, checks it, and takes its values as the options a person would type
(`--target`, `--results`, `--check-timeout`, `--instructor-grade`), which keep working by hand. A
file that is not a job of this format stops the judge in one line.
"""
from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass
from pathlib import Path

import pytest

FORMAT = 1


class JobError(ValueError):
    """A job file that cannot be used; the message says why, in one line."""


@dataclass(frozen=True)
class JobSpec:
    course: Path                          # the judge's copy of the course: manifest, graders, fixtures, data
    target: Path                          # the submission's copy, the folder the runner shows learner code
    results: Path                         # where the judge writes its rows (course/grading/report.py)
    exercises: tuple[str, ...] = ()       # the exercises to grade, by id (none: all that are collected)
    check_timeout: float | None = None    # CPU seconds a check may use (None: course.toml's budgets)
    instructor: bool = True               # the instructor's grade: the notebooks' hidden tests run too

    def write(self, path: Path) -> Path:
        """Write the job to `path` (readable by this user alone); returns `path`."""
        data = {"format": FORMAT, "course": str(self.course), "target": str(self.target),
                "results": str(self.results), "exercises": list(self.exercises),
                "check_timeout": self.check_timeout, "instructor": self.instructor}
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(json.dumps(data, indent=1) + "\n")
        return path

    @classmethod
    def read(cls, path: Path) -> JobSpec:
        """The job in `path`, every field checked; raises JobError."""
        try:
            data = json.loads(Path(path).read_text())
        except (OSError, ValueError) as exc:
            raise JobError(f"--job {path}: cannot be read ({type(exc).__name__})") from None
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise JobError(f"--job {path}: not a job file of format {FORMAT}")
        known = {"format", "course", "target", "results", "exercises", "check_timeout", "instructor"}
        unknown = sorted(set(data) - known)
        if unknown:
            raise JobError(f"--job {path}: unknown field {unknown[0]!r}")
        return cls(course=_folder(data, "course", path), target=_folder(data, "target", path),
                   results=_folder(data, "results", path), exercises=_names(data, path),
                   check_timeout=_seconds(data, path), instructor=_flag(data, path))


def _folder(data: dict, key: str, path: Path) -> Path:
    value = data.get(key)
    if not isinstance(value, str) or not os.path.isabs(value):
        raise JobError(f"--job {path}: `{key}` should be an absolute path, not {value!r}")
    return Path(value)


def _names(data: dict, path: Path) -> tuple[str, ...]:
    value = data.get("exercises", [])
    if not isinstance(value, list) or not all(isinstance(name, str) for name in value):
        raise JobError(f"--job {path}: `exercises` should be a list of exercise ids")
    return tuple(value)


def _seconds(data: dict, path: Path) -> float | None:
    value = data.get("check_timeout")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
        raise JobError(f"--job {path}: `check_timeout` should be a number of seconds above 0, not {value!r}")
    return float(value)


def _flag(data: dict, path: Path) -> bool:
    value = data.get("instructor", True)
    if not isinstance(value, bool):
        raise JobError(f"--job {path}: `instructor` should be true or false, not {value!r}")
    return value


# ------------------------------------------------------------------------------ the judge's side
JOB = pytest.StashKey[JobSpec]()


def configure(config) -> JobSpec | None:
    """Read `--job`, if given, once: its values become the options they stand for, and
    $COURSE_ROOT the job's course (the graders find theirs through manifest.load())."""
    path = config.getoption("job", None)
    if not path:
        return None
    try:
        job = JobSpec.read(Path(path))
    except JobError as exc:
        raise pytest.UsageError(str(exc)) from None
    config.option.target, config.option.results = str(job.target), str(job.results)
    config.option.check_timeout, config.option.instructor_grade = job.check_timeout, job.instructor
    os.environ["COURSE_ROOT"] = str(job.course)
    config.stash[JOB] = job
    return job


def deselect(config, items: list, exercise_of) -> None:
    """Leave out the checks of the exercises the job does not grade (`exercise_of(item)`: the
    exercise a check declares)."""
    job = config.stash.get(JOB, None)
    if job is None or not job.exercises:
        return
    wanted = set(job.exercises)
    dropped = [item for item in items if exercise_of(item) not in wanted]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = [item for item in items if exercise_of(item) in wanted]

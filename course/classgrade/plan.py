"""What a class grading covers: the options an instructor gives (`Options`, each checked in one
line), and what they select (`Plan`): the exercises that get a row, and the assignments whose
written answers the run reads again."""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from course import selection
from course.manifest import Course, CourseError, Exercise


@dataclass
class Options:
    check_timeout: float | None = None       # seconds per check (default: course.toml's [grading] timeout)
    submission_timeout: float = 300.0        # seconds for the whole submission, notebooks included
    notebooks: bool = True                   # grade the notebooks' autograded parts too
    only: tuple[str, ...] = ()               # selection words: assignments, modules, notebooks, exercises


@dataclass(frozen=True)
class Plan:
    """What one run grades: `exercises`, a row each, in course order; `assignments`, those the
    selection names (their written answers' points are read again)."""
    exercises: tuple[Exercise, ...]
    assignments: frozenset[str]

    @classmethod
    def of(cls, course: Course, options: Options) -> Plan:
        """The plan of `options` (an unknown --only word stops here, in one line)."""
        chosen = selection.exercises(course, options.only)
        return cls(tuple(ex for ex in chosen if options.notebooks or not ex.notebook),
                   frozenset(ex.assignment for ex in chosen))

    @property
    def ids(self) -> list[str]:
        return [ex.id for ex in self.exercises]


def check_options(jobs: int | None, options: Options) -> None:
    """Numbers an instructor typed: one line when one cannot work."""
    if jobs is not None and (not isinstance(jobs, int) or jobs < 1):
        raise CourseError(f"--jobs {jobs}: grade at least one submission at a time (--jobs 1 or more)")
    for flag, value in (("--check-timeout", options.check_timeout),
                        ("--submission-timeout", options.submission_timeout)):
        number = isinstance(value, (int, float))
        if value is not None and not (number and math.isfinite(value) and value > 0):
            shown = f"{value:g}" if number else f"{value}"
            raise CourseError(f"{flag} {shown}: a time limit is a number of seconds above 0")


def check_out(submissions: Path, out: Path) -> None:
    """`out` inside the submissions folder would be graded as a student by the next run."""
    sub, where = submissions.resolve(), out.resolve()
    if where == sub or sub in where.parents:
        raise CourseError(f"--out {out} is inside the submissions folder, where the next run would take it for "
                          f"a student; put it beside that folder instead (e.g. --out {sub.parent / 'results'})")

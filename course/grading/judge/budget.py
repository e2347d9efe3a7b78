"""A check's time limits: CPU time of the worker, so that a verdict does not depend on how busy
the machine is, with an idle limit and a wall-clock backstop for code that sleeps or blocks."""
from __future__ import annotations

import json

from course.manifest import Course


class Budget:
    """A check's limits: `cpu` seconds of the worker's CPU, `wall` seconds in all (a backstop for
    code that sleeps or blocks), `idle` seconds in a row without using the CPU, and what the
    reference solution needs (`reference`, if known)."""

    def __init__(self, cpu: float, wall: float, reference: float | None, idle: float = float("inf")):
        self.cpu, self.wall, self.reference, self.idle = cpu, wall, reference, idle


def check_budget(course: Course, reference: float | None, given: float | None) -> Budget:
    """`cpu_factor` times what the reference needed (autograder/fixtures/budgets.json, measured
    by `course fixtures`), at least `cpu_floor` seconds; `given` (--check-timeout) sets it outright."""
    if given:
        cpu = float(given)
    else:
        cpu = max(float(course.grading("cpu_floor")), float(course.grading("cpu_factor")) * (reference or 0.0))
    idle = min(cpu, float(course.grading("idle_limit")))      # a blocked check waits no longer than it may compute
    return Budget(cpu, cpu * float(course.grading("wall_factor")), reference, idle)


def read_references(course: Course) -> dict[str, float]:
    """The reference's CPU seconds per exercise (autograder/fixtures/budgets.json); none if unreadable."""
    try:
        data = json.loads((course.root / "autograder" / "fixtures" / "budgets.json").read_text())
        return {k: float(v) for k, v in data["cpu_seconds"].items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}

"""Stored expected values for the graders, made from the reference solutions.

Each grader file may define `make_fixtures(solution) -> dict`; `course fixtures` runs it on
the module of solutions/ and writes autograder/fixtures/<module>.json with the values and a
record of how they were made. The graders read them with `course.checks.fixture(module)` and
never import solutions/ (a student release has none).
"""
from __future__ import annotations

import importlib.util
import json
import math
import os
import sys
from pathlib import Path

from course.files import atomic_write, sha256
from course.manifest import Course, load


def _load(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _close(a, b) -> bool:
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_close(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_close(x, y) for x, y in zip(a, b))
    if isinstance(a, float) or isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-9)
    return a == b


def make(course: Course, check: bool = False) -> list[tuple[str, str]]:
    """(file, what happened) for every grader file that makes fixtures."""
    import torch
    torch.set_num_threads(1)
    solutions = course.root / "solutions"
    sys.path.insert(0, str(solutions))
    outcomes = []
    try:
        for grader in sorted((course.root / "autograder").glob("test_*.py")):
            module = grader.stem.removeprefix("test_")
            recipe = getattr(_load(grader, f"_fixtures_{module}"), "make_fixtures", None)
            if recipe is None:
                continue
            source = solutions / f"{module}.py"
            values = recipe(_load(source, module))
            out = course.root / "autograder" / "fixtures" / f"{module}.json"
            stored = json.loads(out.read_text()) if out.exists() else None
            if stored is not None and _close(stored["values"], values):
                outcomes.append((out.name, "up to date"))
                continue
            if check:
                outcomes.append((out.name, "out of date: run `course fixtures`"))
                continue
            atomic_write(out, json.dumps({
                "made_by": f"course fixtures: make_fixtures() of autograder/{grader.name} "
                           f"run on solutions/{source.name}",
                "solution_sha256": sha256(source.read_bytes()),
                "torch": torch.__version__,
                "values": values,
            }, indent=1) + "\n")
            outcomes.append((out.name, "written"))
    finally:
        sys.path.remove(str(solutions))
    return outcomes


def stale(course: Course) -> list[str]:
    """One line per fixture out of date with solutions/ (the pre-flight check's part)."""
    return [f"autograder/fixtures/{name}: out of date with solutions/; run `course fixtures`"
            for name, what in make(course, check=True) if what != "up to date"]


BUDGETS = "budgets.json"


def measure_budgets(course: Course, check: bool = False) -> tuple[str, str]:
    """(file, what happened) for autograder/fixtures/budgets.json: the CPU seconds the reference
    solution's checks take, exercise by exercise (the most of its checks), measured by grading
    solutions/ once. A check's CPU budget is a multiple of it (course.toml's [grading]). With
    `check`, only whether every exercise has a figure: the figures themselves vary by machine."""
    import tempfile
    out = course.root / "autograder" / "fixtures" / BUDGETS
    if check:
        try:
            have = json.loads(out.read_text())["cpu_seconds"]
        except (OSError, ValueError, KeyError):
            return BUDGETS, "out of date: run `course fixtures`"
        missing = [ex.id for ex in course.exercises if ex.id not in have]
        return BUDGETS, f"out of date: no figure for {', '.join(missing)}; run `course fixtures`" if missing \
            else "up to date"
    from course.grading import run
    with tempfile.TemporaryDirectory(prefix="course-budgets-") as tmp:
        log = Path(tmp) / "cpu.json"
        run.graders(course.root / "solutions", course=course, extra=["--cpu-log", str(log)])
        measured = json.loads(log.read_text()) if log.exists() else {}
    import platform
    atomic_write(out, json.dumps({
        "made_by": "course fixtures: the CPU seconds of each exercise's most costly check, "
                   "graded on solutions/ (a check's budget is [grading] cpu_factor times this, "
                   "at least cpu_floor)",
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "cpu_seconds": {ex.id: round(float(measured.get(ex.id, 0.0)), 3) for ex in course.exercises},
    }, indent=1) + "\n")
    return BUDGETS, "written"


def cmd_fixtures(args) -> int:
    course = load()
    outcomes = make(course, check=args.check)
    if not outcomes:
        print("no grader in autograder/ defines make_fixtures(): no fixture to make")
    outcomes.append(measure_budgets(course, check=args.check))
    for name, what in outcomes:
        print(f"autograder/fixtures/{name}: {what}")
    return 1 if any(what.startswith("out of date") for _, what in outcomes) else 0


def add_parser(sub) -> None:
    p = sub.add_parser("fixtures")
    p.add_argument("--check", action="store_true", help="only check; exit 1 if a fixture is out of date")
    p.set_defaults(run=cmd_fixtures)

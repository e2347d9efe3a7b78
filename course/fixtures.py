"""Stored expected values for the graders, made from the reference solutions.

Each grader file may define `make_fixtures(solution) -> dict`; `course fixtures` runs it on
the module of solutions/ and writes autograder/fixtures/<module>.json with the values and a
record of how they were made. The graders read them with `course.checks.fixture(module)` and
never import solutions/ (a student release has none).
"""
from __future__ import annotations

import hashlib
import importlib.util
import json
import math
import sys
from pathlib import Path

from course.manifest import Course


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
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(json.dumps({
                "made_by": f"course fixtures: make_fixtures() of autograder/{grader.name} "
                           f"run on solutions/{source.name}",
                "solution_sha256": hashlib.sha256(source.read_bytes()).hexdigest(),
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

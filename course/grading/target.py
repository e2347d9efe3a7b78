"""The folder of modules a command works on (`--target`: exercises, solutions, or a path), and
how its modules are imported and tried before a long job starts (`course train`,
`course experiments`)."""
from __future__ import annotations

import importlib
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Callable, Iterable

from course.manifest import Course, CourseError


class NotReady(Exception):
    """The target's modules cannot do this yet; the text says why, for a person."""


def resolve(course: Course, value: str) -> Path:
    """`value` as a folder: as given, or relative to the course."""
    path = Path(value)
    if not path.is_absolute() and not path.exists():
        path = course.root / value
    path = path.resolve()
    if not path.is_dir():
        raise CourseError(f"--target {value}: no such folder (try exercises or solutions)")
    return path


def import_modules(target: Path, names: Iterable[str]) -> SimpleNamespace:
    """Import the modules `names` from `target`, and from nowhere else."""
    names = list(names)
    missing = [name for name in names if not (target / f"{name}.py").is_file()]
    if missing:
        raise NotReady(f"{target} has no {', '.join(f'{n}.py' for n in missing)}")
    sys.path.insert(0, str(target))
    modules = {}
    try:
        for name in names:
            sys.modules.pop(name, None)          # a module of the same name from elsewhere would shadow it
            try:
                modules[name] = importlib.import_module(name)
            except Exception as exc:  # noqa: BLE001 - a learner's file that does not import
                raise NotReady(f"{name}.py does not import: {type(exc).__name__}: {exc}") from None
    finally:
        sys.path.remove(str(target))
    return SimpleNamespace(**modules)


def unfinished(tries: Iterable[tuple[str, Callable[[], object]]], course: Course) -> tuple[list[str], list[str]]:
    """Call each (exercise id, call) on a tiny input: the exercises not started yet, and a line
    for each that raised something else."""
    known = {ex.id for ex in course.exercises}
    not_started, broken = [], []
    for ex_id, call in tries:
        try:
            call()
        except NotImplementedError as exc:
            named = str(exc).split(" ", 1)[0]         # a stub names its exercise (it may wait for another)
            not_started.append(named if named in known else ex_id)
        except Exception as exc:  # noqa: BLE001
            text = str(exc).splitlines()[0] if str(exc) else ""
            broken.append(f"{ex_id} raised {type(exc).__name__}{': ' + text if text else ''}")
    return list(dict.fromkeys(not_started)), broken

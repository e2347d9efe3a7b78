"""Read and check `course.toml`, the one list of assignments, exercises, points and hints."""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:                      # Python 3.10 (Gradescope's default image): the same parser, from PyPI
    import tomli as tomllib


class CourseError(Exception):
    """A problem a person must fix (a file, a setting); its text is shown as one line."""


@dataclass(frozen=True)
class Exercise:
    id: str                      # "module.function", e.g. "bigram.count_bigrams"
    assignment: str
    points: int
    hints: dict[str, str]        # key -> text, gentlest first
    timeout: float | None = None
    notebook: str | None = None  # set for a question of a notebook (the recall test): its file
    answers: tuple[str, ...] = ()  # a notebook question's answer names: all its test cells get of the learner's
    # Arguments (positions) that the contract has learner code change in place besides parameters
    # (tensors that require grad), `name_` functions and modules, e.g. running statistics: the
    # judge adopts what learner code left in these, and in no other argument.
    inplace_args: tuple[int, ...] = ()

    @property
    def module(self) -> str:
        return self.id.split(".", 1)[0]

    @property
    def function(self) -> str:
        return self.id.split(".", 1)[1]

    def hint(self, key: str) -> str:
        if key not in self.hints:
            raise KeyError(f"{self.id} has no hint {key!r} in course.toml (it has {list(self.hints)})")
        return self.hints[key]


@dataclass(frozen=True)
class Assignment:
    id: str
    title: str
    modules: tuple[str, ...]
    notebooks: tuple[str, ...] = ()
    manual: dict[str, int] = field(default_factory=dict)   # notebook cell grade_id -> points read by hand


@dataclass(frozen=True)
class Course:
    root: Path
    raw: dict = field(repr=False)
    assignments: tuple[Assignment, ...]
    exercises: tuple[Exercise, ...]

    def exercise(self, exercise_id: str) -> Exercise:
        for ex in self.exercises:
            if ex.id == exercise_id:
                return ex
        raise CourseError(f"course.toml: no exercise {exercise_id!r}")

    def find(self, name: str) -> Exercise:
        """An exercise by its id or by its function name alone (`count_bigrams`)."""
        matches = [ex for ex in self.exercises if name in (ex.id, ex.function)]
        if len(matches) != 1:
            known = ", ".join(ex.function for ex in self.exercises)
            raise CourseError(f"no exercise called {name!r}; try one of: {known}")
        return matches[0]

    @property
    def modules(self) -> list[str]:
        return list(dict.fromkeys(ex.module for ex in self.exercises))

    def grading(self, key: str):
        return self.raw.get("grading", {})[key]

    @property
    def data_path(self) -> Path:
        return self.root / self.raw["data"]["path"]

    @property
    def total_points(self) -> int:
        return sum(ex.points for ex in self.exercises)


def find_root(start: Path | None = None) -> Path:
    """The course directory: $COURSE_ROOT, or the nearest folder upwards holding course.toml."""
    if os.environ.get("COURSE_ROOT"):
        return Path(os.environ["COURSE_ROOT"]).resolve()
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "course.toml").is_file():
            return folder
    # Fall back to the checkout this package lives in (an editable install).
    pkg_root = Path(__file__).resolve().parent.parent
    if (pkg_root / "course.toml").is_file():
        return pkg_root
    raise CourseError("no course.toml here or above: run this from inside the course folder")


def _need(table: dict, key: str, kind, where: str):
    if key not in table:
        raise CourseError(f"course.toml: {where} has no `{key}`")
    if not isinstance(table[key], kind):
        raise CourseError(f"course.toml: {where}.{key} should be a {kind.__name__}, not {table[key]!r}")
    return table[key]


def parse(root: Path, raw: dict) -> Course:
    for key in ("course", "data", "grading"):
        _need(raw, key, dict, "the file")
    _need(raw["data"], "path", str, "[data]")
    _need(raw["data"], "sha256", str, "[data]")
    assignments = []
    for a in _need(raw, "assignment", list, "the file"):
        where = f"[[assignment]] {a.get('id', '?')}"
        assignments.append(Assignment(
            id=_need(a, "id", str, where), title=_need(a, "title", str, where),
            modules=tuple(_need(a, "modules", list, where)),
            notebooks=tuple(a.get("notebooks", ())),
            manual={k: int(v) for k, v in a.get("manual", {}).items()}))
    known = {a.id for a in assignments}
    exercises, seen = [], set()
    for e in _need(raw, "exercise", list, "the file"):
        where = f"[[exercise]] {e.get('id', '?')}"
        ex_id = _need(e, "id", str, where)
        if "." not in ex_id:
            raise CourseError(f"course.toml: exercise id {ex_id!r} should be 'module.function'")
        if ex_id in seen:
            raise CourseError(f"course.toml: exercise {ex_id!r} is listed twice")
        seen.add(ex_id)
        assignment = _need(e, "assignment", str, where)
        if assignment not in known:
            raise CourseError(f"course.toml: {where} names assignment {assignment!r}, which is not listed")
        points = _need(e, "points", int, where)
        hints = _need(e, "hints", dict, where)
        if not hints:
            raise CourseError(f"course.toml: {where} needs at least one hint")
        answers = e.get("answers", [])
        if not (isinstance(answers, list) and all(isinstance(a, str) and a.isidentifier() for a in answers)):
            raise CourseError(f"course.toml: {where}.answers should be a list of names, not {answers!r}")
        exercises.append(Exercise(id=ex_id, assignment=assignment, points=points,
                                  hints={k: str(v) for k, v in hints.items()},
                                  timeout=e.get("timeout"), notebook=e.get("notebook"), answers=tuple(answers),
                                  inplace_args=tuple(int(i) for i in e.get("inplace_args", ()))))
    return Course(root=root, raw=raw, assignments=tuple(assignments), exercises=tuple(exercises))


@lru_cache(maxsize=None)
def _load_cached(root: Path) -> Course:
    path = root / "course.toml"
    try:
        raw = tomllib.loads(path.read_text())
    except FileNotFoundError:
        raise CourseError(f"{path}: not found") from None
    except tomllib.TOMLDecodeError as e:
        raise CourseError(f"{path}: not valid TOML ({e})") from None
    return parse(root, raw)


def load(root: Path | None = None) -> Course:
    """The course of `root` (default: found from the current folder)."""
    return _load_cached((root or find_root()).resolve())

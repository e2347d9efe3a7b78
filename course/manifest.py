"""Read and check `course.toml`, the one list of assignments, exercises, points and hints.

Every table of the file has a typed record here, and every key a type and, where it may be left
out, a default: [course] -> About, [data] -> Data, [grading] -> Grading, [release] -> Release,
[[assignment]] -> Assignment, [[exercise]] -> Exercise, all held by one Course. A key of the
wrong type, a key missing or a key no record knows (a typo) is refused with one line that names
the file, the table, the key and what to write instead. `format` says which version of this
layout the file is written in; this code reads FORMAT.
"""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field, fields
from functools import lru_cache
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:                      # Python 3.10 (Gradescope's default image): the same parser, from PyPI
    import tomli as tomllib

FORMAT = 1


class CourseError(Exception):
    """A problem a person must fix (a file, a setting); its text is shown as one line."""


# ------------------------------------------------------------------ the records
@dataclass(frozen=True)
class About:
    """[course]: what the course is called."""
    name: str
    title: str                   # default: the name
    version: str | None = None


@dataclass(frozen=True)
class Data:
    """[data]: the bundled data set, and the sha256 the code checks it against."""
    path: str                    # relative to the course folder
    sha256: str
    source: str = ""             # where it comes from, for people


@dataclass(frozen=True)
class Grading:
    """[grading]: the budgets of a check (course.toml explains each; these are the defaults)."""
    cpu_floor: float = 10        # CPU seconds a check may always use
    cpu_factor: float = 20       # times the reference solution's CPU time
    wall_factor: float = 6       # a check waiting this many times its CPU budget is stopped
    idle_limit: float = 10       # seconds in a row without using the CPU, then stopped
    memory_mb: int = 4096        # memory a check may allocate on top of the grader's own
    output_limit: int = 20000    # characters a check may print before it is stopped

    def __call__(self, key: str):
        """One budget by name, `course.grading("cpu_floor")`, as the graders ask for it."""
        if key not in {f.name for f in fields(self)}:
            raise CourseError(f"course.toml: [grading] has no key {key!r}; it has {_names(Grading)}")
        return getattr(self, key)


@dataclass(frozen=True)
class Release:
    """[release]: what `course release` leaves out of a student copy, and what its leak check ignores."""
    instructor_only: tuple[str, ...] = ()   # tables of course.toml not in a student copy
    not_secret: tuple[str, ...] = ()        # lines of a solution region that are common code


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
    format: int
    about: About
    data: Data
    grading: Grading
    release: Release
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

    @property
    def data_path(self) -> Path:
        return self.root / self.data.path

    @property
    def total_points(self) -> int:
        return sum(ex.points for ex in self.exercises)


# ------------------------------------------------------------------ reading a table
def _names(record) -> str:
    return ", ".join(f.name for f in fields(record))


# What each kind of value is called in a message, and an example of it.
KINDS = {
    "int": ("an integer", "3"),
    "number": ("a number", "10"),
    "str": ("a string", '"text"'),
    "strs": ("a list of strings", '["a", "b"]'),
    "names": ("a list of Python names", '["mlp_shapes"]'),
    "ints": ("a list of integers", "[3, 4]"),
    "texts": ("a table of strings", '{ key = "text" }'),
    "points": ("a table of integers", "{ reflection = 5 }"),
    "table": ("a table", "{ ... }, or a [table] of its own"),
    "tables": ("a list of tables", "[[table]] entries"),
}


def _integer(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)      # TOML's true is no number


def _is(value, kind: str) -> bool:
    if kind in ("strs", "names", "ints", "tables"):
        return isinstance(value, list) and all(_is(v, {"strs": "str", "names": "name", "ints": "int",
                                                       "tables": "table"}[kind]) for v in value)
    if kind in ("texts", "points"):
        return isinstance(value, dict) and all(_is(v, "str" if kind == "texts" else "int") for v in value.values())
    return {"int": _integer(value), "number": _integer(value) or isinstance(value, float),
            "str": isinstance(value, str), "name": isinstance(value, str) and value.isidentifier(),
            "table": isinstance(value, dict)}[kind]


class _Table:
    """One table of course.toml as it is read: each key taken once with its type checked, and
    the keys left over refused (a typo would otherwise be silently ignored)."""

    def __init__(self, file: str, where: str, table: dict):
        self.file, self.where, self.table, self.taken = file, where, table, set()

    def error(self, text: str) -> CourseError:
        return CourseError(f"{self.file}: {text}")

    def need(self, key: str, kind: str):
        if key not in self.table:
            raise self.error(f"{self.where} has no `{key}`; add a line `{key} = {KINDS[kind][1]}`")
        return self.get(key, kind, None)

    def get(self, key: str, kind: str, default):
        self.taken.add(key)
        if key not in self.table:
            return default
        value = self.table[key]
        if not _is(value, kind):
            what, example = KINDS[kind]
            raise self.error(f"{self.where} {key} should be {what} (e.g. `{key} = {example}`), not {value!r}")
        return value

    def done(self) -> None:
        extra = sorted(set(self.table) - self.taken)
        if extra:
            raise self.error(f"{self.where} has no key `{extra[0]}` (a typo?); the keys it may have: "
                             f"{', '.join(sorted(self.taken))}")


def _read(reader, file: str, where: str, table: dict, *args):
    """`reader`'s record of one table, every key of the table read."""
    t = _Table(file, where, table)
    record = reader(t, *args)
    t.done()
    return record


# ------------------------------------------------------------------ reading the file
def _about(t: _Table) -> About:
    name = t.need("name", "str")
    return About(name=name, title=t.get("title", "str", name), version=t.get("version", "str", None))


def _data(t: _Table) -> Data:
    return Data(path=t.need("path", "str"), sha256=t.need("sha256", "str"), source=t.get("source", "str", ""))


def _grading(t: _Table) -> Grading:
    kinds = {"memory_mb": "int", "output_limit": "int"}
    return Grading(**{f.name: t.get(f.name, kinds.get(f.name, "number"), f.default) for f in fields(Grading)})


def _release(t: _Table) -> Release:
    return Release(instructor_only=tuple(t.get("instructor_only", "strs", [])),
                   not_secret=tuple(t.get("not_secret", "strs", [])))


def _assignment(t: _Table) -> Assignment:
    return Assignment(id=t.need("id", "str"), title=t.need("title", "str"), modules=tuple(t.need("modules", "strs")),
                      notebooks=tuple(t.get("notebooks", "strs", [])), manual=dict(t.get("manual", "points", {})))


def _exercise(t: _Table, assignments: list[str]) -> Exercise:
    ex_id, assignment = t.need("id", "str"), t.need("assignment", "str")
    if "." not in ex_id:
        raise t.error(f"exercise id {ex_id!r} should be 'module.function', e.g. id = \"bigram.nll\"")
    if assignment not in assignments:
        raise t.error(f"{t.where} names assignment {assignment!r}, which is not listed; "
                      f"use one of: {', '.join(assignments)}")
    hints = t.need("hints", "texts")
    if not hints:
        raise t.error(f"{t.where} needs at least one hint, under [exercise.hints]")
    return Exercise(id=ex_id, assignment=assignment, points=t.need("points", "int"), hints=dict(hints),
                    timeout=t.get("timeout", "number", None), notebook=t.get("notebook", "str", None),
                    answers=tuple(t.get("answers", "names", [])), inplace_args=tuple(t.get("inplace_args", "ints", [])))


def _format(top: _Table) -> int:
    if "format" not in top.table:
        raise top.error(f"the file has no `format`; add `format = {FORMAT}` at its top, before any table")
    version = top.get("format", "int", FORMAT)
    if version != FORMAT:
        raise top.error(f"the file is written in format {version}, but this copy of the course's code reads format "
                        f"{FORMAT}; use the course.toml and the code of one release together")
    return version


def parse(root: Path, raw: dict, file: str = "course.toml") -> Course:
    """The Course that `raw` (course.toml, as tomllib reads it) describes, checked key by key."""
    top = _Table(file, "the file", raw)
    version = _format(top)
    about = _read(_about, file, "[course]", top.need("course", "table"))
    data = _read(_data, file, "[data]", top.need("data", "table"))
    grading = _read(_grading, file, "[grading]", top.get("grading", "table", {}))
    release = _read(_release, file, "[release]", top.get("release", "table", {}))
    assignments = [_read(_assignment, file, f"[[assignment]] {a.get('id', '?')}", a)
                   for a in top.need("assignment", "tables")]
    ids, exercises = [a.id for a in assignments], []
    for e in top.need("exercise", "tables"):
        exercises.append(_read(_exercise, file, f"[[exercise]] {e.get('id', '?')}", e, ids))
        if any(ex.id == exercises[-1].id for ex in exercises[:-1]):
            raise CourseError(f"{file}: exercise {exercises[-1].id!r} is listed twice; keep one [[exercise]] of that id")
    top.done()
    return Course(root=root, format=version, about=about, data=data, grading=grading, release=release,
                  assignments=tuple(assignments), exercises=tuple(exercises))


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


def _shown(path: Path) -> str:
    """A path as a message shows it: relative to the current folder when it lies inside it."""
    try:
        return str(path.relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


@lru_cache(maxsize=None)
def _load_cached(root: Path) -> Course:
    path = root / "course.toml"
    try:
        raw = tomllib.loads(path.read_text())
    except FileNotFoundError:
        raise CourseError(f"{path}: not found") from None
    except tomllib.TOMLDecodeError as e:
        raise CourseError(f"{_shown(path)}: not valid TOML ({e})") from None
    return parse(root, raw, _shown(path))


def load(root: Path | None = None) -> Course:
    """The course of `root` (default: found from the current folder)."""
    return _load_cached((root or find_root()).resolve())

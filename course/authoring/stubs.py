"""Make the learner's stubs in `exercises/` from the reference code in `solutions/`.

Every region between `### BEGIN SOLUTION` and `### END SOLUTION` is replaced by its leading
`# TODO` comment (tagged with the exercise it belongs to) and a `raise NotImplementedError`
that names the exercise and where its hints are. Signatures, docstrings and everything outside
the regions are kept as they are.

A file the learner has edited is never overwritten: `exercises/.stubs.json` records the sha256
of every stub as it was generated, so an edited file is told apart from a stale stub. The new
stub then goes beside it as `<module>.py.new`.
"""
from __future__ import annotations

import ast
import sys
from dataclasses import dataclass
from pathlib import Path

from course.files import Record, write_unless_edited
from course.grading.report import not_started_message
from course.manifest import Course, CourseError, load
from course.regions import find, problems

RECORD = ".stubs.json"


def _owner(tree: ast.Module, lineno: int) -> str | None:
    """The name of the top-level function or class around line `lineno`."""
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and node.lineno <= lineno <= node.end_lineno:
            return node.name
    return None


def make_stub(source: str, module: str, course: Course, filename: str = "?") -> str:
    """The stub text for one module of solutions/."""
    tree = ast.parse(source, filename)
    lines = source.splitlines(keepends=True)
    slips = problems(lines, filename)
    if slips:
        raise CourseError(slips[0])
    ids = {ex.function: ex.id for ex in course.exercises if ex.module == module}
    out, done = [], 0                            # done: lines (0-based) already handled
    for region in find(lines, keepends=True):
        owner = _owner(tree, region.begin)
        if owner not in ids:
            raise CourseError(f"{filename}:{region.begin}: this solution region is inside {owner or 'no function'}, "
                              f"which is not an exercise of course.toml (module {module!r}); move the "
                              "region into an exercise's function, or add the exercise to course.toml")
        marker = lines[region.begin - 1]
        out += lines[done:region.begin - 1]
        out += _todo(region.body, ids[owner])
        out.append(f'{marker[:len(marker) - len(marker.lstrip())]}raise NotImplementedError('
                   f'"{not_started_message(ids[owner])}")\n')
        done = region.end
    return "".join(out + lines[done:])


def leading_comment(body: tuple[str, ...]) -> list[str]:
    """The comment lines a region starts with: the stub keeps them, as its TODO."""
    comment = []
    for text in body:
        if not text.strip().startswith("#"):
            break
        comment.append(text)
    return comment


def _todo(body: tuple[str, ...], exercise_id: str) -> list[str]:
    """The region's leading comment, tagged with the exercise it belongs to: the stub's TODO."""
    todo = leading_comment(body)
    return [todo[0].replace("# TODO:", f"# TODO ({exercise_id}):", 1), *todo[1:]] if todo else []


@dataclass
class Outcome:
    path: Path
    action: str   # created | updated | unchanged | kept | stale

    def __str__(self) -> str:
        text = {
            "created": "created",
            "updated": "updated (it was an untouched stub)",
            "unchanged": "up to date",
            "kept": f"kept: you have edited it; the new stub is beside it as {self.path.name}.new",
            "stale": "out of date: run `course stubs`",
        }[self.action]
        return f"{self.path.name:<20} {text}"


def stub_modules(course: Course) -> list[str]:
    return [m for a in course.assignments for m in a.modules]


def generate(course: Course, check: bool = False, force: bool = False) -> list[Outcome]:
    """Write (or, with `check`, only compare) every stub of exercises/."""
    src_dir, out_dir = course.root / "solutions", course.root / "exercises"
    record, outcomes = Record(out_dir / RECORD), []
    for module in stub_modules(course):
        src = src_dir / f"{module}.py"
        if not src.exists():
            raise CourseError(f"{src}: missing; course.toml lists module {module!r}")
        stub = make_stub(src.read_text(), module, course, f"solutions/{src.name}")
        dest = out_dir / f"{module}.py"
        outcomes.append(Outcome(dest, write_unless_edited(dest, stub, record, dest.name, force=force, check=check)))
    if not check:
        record.save()
    return outcomes


def cmd_stubs(args) -> int:
    course = load()
    outcomes = generate(course, check=args.check, force=args.force)
    for outcome in outcomes:
        print(f"exercises/{outcome}")
    stale = [o for o in outcomes if o.action == "stale"]
    kept = [o for o in outcomes if o.action == "kept"]
    if stale:
        print(f"{len(stale)} stub(s) out of date with solutions/: run `course stubs`", file=sys.stderr)
        return 1
    if kept:
        print("edited files were left as they are; compare them with the .new stubs beside them")
    return 0


def add_parser(sub) -> None:
    p = sub.add_parser("stubs")
    p.add_argument("--check", action="store_true", help="only check; exit 1 if exercises/ is out of date")
    p.add_argument("--force", action="store_true", help="overwrite stubs even where they were edited")
    p.set_defaults(run=cmd_stubs)

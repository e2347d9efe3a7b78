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
import hashlib
import json
import sys
from dataclasses import dataclass
from pathlib import Path

from course.grading.report import not_started_message
from course.manifest import Course, CourseError, load

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
RECORD = ".stubs.json"


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def region_problems(lines: list[str], where: str, begin: str = BEGIN, end: str = END) -> list[str]:
    """One line per badly marked region of `lines` (a file, or a notebook cell): an end without
    a beginning, or a beginning never closed, reported at its own line with the fix. `where`
    names the place: "solutions/bigram.py" (then ":<line>" follows), or a text with `{line}`."""
    def at(n: int) -> str:
        return where.format(line=n) if "{line}" in where else f"{where}:{n}"

    problems, opened = [], None
    for n, line in enumerate(lines, 1):
        marker = line.strip()
        if marker == begin:
            if opened is not None:
                problems.append(f"{at(opened)}: {begin} is not closed; add {end} before line {n}")
            opened = n
        elif marker == end:
            if opened is None:
                problems.append(f"{at(n)}: {end} without a {begin} before it; remove it or add the {begin}")
            opened = None
    if opened is not None:
        problems.append(f"{at(opened)}: {begin} is never closed; add {end} where the region ends")
    return problems


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
    problems = region_problems(lines, filename)
    if problems:
        raise CourseError(problems[0])
    ids = {ex.function: ex.id for ex in course.exercises if ex.module == module}
    out, i = [], 0
    while i < len(lines):
        line = lines[i]
        if line.strip() != BEGIN:
            out.append(line)
            i += 1
            continue
        indent = line[: len(line) - len(line.lstrip())]
        owner = _owner(tree, i + 1)
        if owner not in ids:
            raise CourseError(f"{filename}:{i + 1}: this solution region is inside {owner or 'no function'}, "
                              f"which is not an exercise of course.toml (module {module!r}); move the "
                              "region into an exercise's function, or add the exercise to course.toml")
        exercise_id = ids[owner]
        j = i + 1
        while lines[j].strip() != END:           # region_problems found every region closed
            j += 1
        body = lines[i + 1:j]
        todo = []
        for k, text in enumerate(body):           # the region's leading comment is the TODO
            if not text.strip().startswith("#"):
                break
            text = text.replace("# TODO:", f"# TODO ({exercise_id}):", 1) if k == 0 else text
            todo.append(text)
        out.extend(todo)
        out.append(f'{indent}raise NotImplementedError("{not_started_message(exercise_id)}")\n')
        i = j + 1
    return "".join(out)


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
    record_path = out_dir / RECORD
    record = json.loads(record_path.read_text()) if record_path.exists() else {}
    outcomes, new_record = [], dict(record)
    for module in stub_modules(course):
        src = src_dir / f"{module}.py"
        if not src.exists():
            raise CourseError(f"{src}: missing; course.toml lists module {module!r}")
        stub = make_stub(src.read_text(), module, course, f"solutions/{src.name}")
        dest = out_dir / f"{module}.py"
        current = dest.read_text() if dest.exists() else None
        if current == stub and record.get(dest.name) == sha256(stub):
            outcomes.append(Outcome(dest, "unchanged"))
            continue
        if check:
            outcomes.append(Outcome(dest, "stale"))
            continue
        edited = current is not None and sha256(current) != record.get(dest.name) and current != stub
        if edited and not force:
            dest.with_name(dest.name + ".new").write_text(stub)
            outcomes.append(Outcome(dest, "kept"))
            continue
        out_dir.mkdir(exist_ok=True)
        dest.write_text(stub)
        new_record[dest.name] = sha256(stub)
        outcomes.append(Outcome(dest, "created" if current is None else "updated"))
    if not check and new_record != record:
        record_path.write_text(json.dumps(new_record, indent=1, sort_keys=True) + "\n")
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

"""`course check-course`: the authoring checks, run before `release`, `gradescope` and `grade`.

A slip in the course's own files, found here, costs the instructor one line to read; found
later it costs a class: a hint key a grader names but course.toml lacks is reported as the
learner's KeyError, an exercise without a grader drops out of every total, a notebook worth
other points than course.toml's skews every grade. `preflight(course)` finds them all and
returns one line per problem, naming the file and the fix:

- every solution region is closed (reported at its opening line), in modules and notebooks;
- every exercise of course.toml has a public grader, and every grader's exercise is in it;
- every hint key a grader names (`hint="key"`) is a hint of that exercise in course.toml;
- the notebooks' nbgrader points equal course.toml's;
- each notebook question declares its answers (`answers`: the names its answer cell binds, its
  test cell uses, and neither the set-up cell nor Python's builtins define);
- exercises/ (the stubs) and autograder/fixtures/ are up to date with solutions/.

(What grader files a selection needs is course/selection.py's; `course gradescope` checks the
bundle it builds holds them.)

The graders are read with `ast`, never imported; only the fixture check runs code (the
graders' `make_fixtures` on solutions/, as `course fixtures --check` does).
"""
from __future__ import annotations

import ast
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

from course import regions as marked
from course import selection
from course.manifest import Course, CourseError



def preflight(course: Course) -> list[str]:
    """Every authoring problem of the course, one line each (empty when it is ready)."""
    problems: list[str] = []
    for check in (regions, graders, hint_keys, notebook_points, notebook_answers, stubs_current, fixtures_current):
        try:
            problems += check(course)
        except CourseError as exc:
            problems.append(str(exc))
    return list(dict.fromkeys(problems))       # a broken region is found by two checks: say it once


def require(course: Course, command: str) -> None:
    """Stop `command` (release, gradescope, grade) when the course has problems; print them."""
    problems = preflight(course)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        raise CourseError(f"{len(problems)} problem(s) in the course's own files (above): fix them, then run "
                          f"`course {command}` again; `course check-course` checks without doing anything")


# ------------------------------------------------------------------ solution regions
def regions(course: Course) -> list[str]:
    solutions = course.root / "solutions"
    problems = []
    for path in sorted(solutions.glob("*.py")):
        problems += marked.problems(path.read_text().splitlines(), f"solutions/{path.name}")
    for path in sorted(solutions.glob("*.ipynb")):
        for index, cell in enumerate(json.loads(path.read_text())["cells"], 1):
            source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
            name = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") or index
            where = f"solutions/{path.name}, cell {name}, line {{line}}"
            for markers in (marked.SOLUTION, marked.HIDDEN_TESTS):
                problems += marked.problems(source.splitlines(), where, markers)
    return problems


# ------------------------------------------------------------------ the graders, read with ast
@dataclass
class Definition:
    """A top-level function or class of a grader file: the hint keys it names, the names it uses."""
    file: str                                                  # e.g. autograder/test_bigram.py
    keys: list[tuple[str, int]] = field(default_factory=list)  # (hint key, line)
    uses: set[str] = field(default_factory=set)


@dataclass
class Grader:
    path: str                                    # relative to the course, e.g. autograder/test_bigram.py
    public: bool
    checks: list[tuple[str, str, int]]          # (function, exercise id, line) of every @exercise("id")
    definitions: dict[str, Definition]
    imports: dict[str, str]                      # name -> the grader module it is imported from
    strings: set[str]                           # every string constant (a notebook's name, say)
    loose_keys: list[tuple[str, int]]           # hint keys named at module level


def _hint_keys(node: ast.AST) -> list[tuple[str, int]]:
    """Hint keys named in `node`: hint="key" arguments, and hint_text("key") / _hint("key") calls."""
    keys = []
    for call in ast.walk(node):
        if not isinstance(call, ast.Call):
            continue
        for kw in call.keywords:
            if kw.arg == "hint" and isinstance(kw.value, ast.Constant) and isinstance(kw.value.value, str):
                keys.append((kw.value.value, kw.value.lineno))
        name = call.func.id if isinstance(call.func, ast.Name) else getattr(call.func, "attr", "")
        if (name.endswith("hint") or name == "hint_text") and call.args and isinstance(call.args[0], ast.Constant) \
                and isinstance(call.args[0].value, str):
            keys.append((call.args[0].value, call.lineno))
    return keys


def read_grader(path: Path, rel: str, public: bool) -> Grader:
    """What a grader file declares (course/selection.py reads it), with its top-level definitions."""
    tree = selection.parse(path, rel)
    declared = selection.declarations(tree, rel, public)
    grader = Grader(rel, public, list(declared.checks), {}, dict(declared.imports), set(declared.strings), [])
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            grader.definitions[node.name] = Definition(
                rel, _hint_keys(node), {n.id for n in ast.walk(node) if isinstance(n, ast.Name)} - {node.name})
        elif not (isinstance(node, ast.ImportFrom) and (node.module or "").startswith("test_")):
            grader.loose_keys += _hint_keys(node)
    return grader


def read_graders(course: Course) -> list[Grader]:
    folder = course.root / "autograder"
    found = [read_grader(p, f"autograder/{p.name}", True) for p in sorted(folder.glob("test_*.py"))]
    found += [read_grader(p, f"autograder/hidden/{p.name}", False)
              for p in sorted((folder / "hidden").glob("test_*.py"))]
    return found


def graders(course: Course) -> list[str]:
    """Every exercise of course.toml has a public grader; every grader's exercise is in course.toml."""
    found = read_graders(course)
    known = {ex.id for ex in course.exercises}
    problems = []
    for g in found:
        for _, ex_id, line in g.checks:
            if ex_id not in known:
                problems.append(f"{g.path}:{line}: @exercise(\"{ex_id}\") is not an exercise of course.toml; "
                                "fix the id, or add the exercise to course.toml")
    public = {ex_id for g in found if g.public for _, ex_id, _ in g.checks}
    named = set().union(*(g.strings for g in found if g.public))
    for ex in course.exercises:
        if ex.notebook:      # graded by the notebook's own test cell (see notebook_points), run by a grader
            if ex.notebook not in named:
                problems.append(f"course.toml: exercise {ex.id!r} is a question of {ex.notebook}, which no grader "
                                "in autograder/ runs; add one (like autograder/test_recall.py), or remove the "
                                "exercise")
        elif ex.id not in public:
            problems.append(f"course.toml: exercise {ex.id!r} has no grader, so it drops out of every total; "
                            f"add a check with @exercise(\"{ex.id}\") to autograder/test_{ex.module}.py, "
                            "or remove the exercise")
    return problems


def _reachable(grader: Grader, name: str, by_module: dict[str, Grader]) -> list[Definition]:
    """The definitions a check may run: itself, and what it uses, within its file and the grader
    files it imports from (hidden graders reuse the public ones' helpers), transitively."""
    seen, todo, out = set(), [(grader, name)], []
    while todo:
        g, n = todo.pop()
        if n in g.imports and g.imports[n] in by_module:
            g = by_module[g.imports[n]]
        if (g.path, n) in seen or n not in g.definitions:
            continue
        seen.add((g.path, n))
        out.append(g.definitions[n])
        todo += [(g, used) for used in g.definitions[n].uses]
    return out


def hint_keys(course: Course) -> list[str]:
    """Every hint key a check can name is a hint of its exercise in course.toml."""
    found = read_graders(course)
    by_module = {Path(g.path).stem: g for g in found if g.public}
    exercises = {ex.id: ex for ex in course.exercises}
    problems, checked = [], set()
    for g in found:
        for function, ex_id, _ in g.checks:
            if ex_id not in exercises:
                continue                          # reported by graders()
            hints = exercises[ex_id].hints
            for definition in _reachable(g, function, by_module):
                checked.add(id(definition))
                for key, line in definition.keys:
                    if key not in hints:
                        problems.append(f"{definition.file}:{line}: hint {key!r} is not a hint of {ex_id} in "
                                        f"course.toml; add it to that exercise's hints, or use one of: "
                                        f"{', '.join(hints)}")
    for g in found:                               # keys no check reaches: some exercise of the file must have them
        own = {key for _, ex_id, _ in g.checks if ex_id in exercises for key in exercises[ex_id].hints}
        loose = g.loose_keys + [k for d in g.definitions.values() if id(d) not in checked for k in d.keys]
        for key, line in loose:
            if key not in own:
                problems.append(f"{g.path}:{line}: hint {key!r} is not a hint of any exercise this file checks; "
                                "add it to course.toml, or fix the key")
    return list(dict.fromkeys(problems))


# ------------------------------------------------------------------ notebooks, stubs, fixtures
def notebook_points(course: Course) -> list[str]:
    from course.authoring.notebooks import point_problems
    return point_problems(course)


def _bound(source: str) -> set[str]:
    """The names a cell binds at its top level (def, class, assignment, import, for, with)."""
    names = set()
    for node in ast.parse(source).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names}
        else:
            names |= {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    return names


def notebook_answers(course: Course) -> list[str]:
    """A notebook question's test cell sees only the names course.toml declares as its answers
    (autograder/test_recall.py): each must be bound by the question's answer cell of the source
    notebook and used by its test cell, and none may be a name of the set-up cell or a builtin,
    which the test cell takes from the course."""
    import builtins
    problems = []
    for ex in course.exercises:
        if not ex.notebook:
            continue
        path = course.root / "solutions" / ex.notebook
        if not path.is_file():
            continue
        cells = {c.get("metadata", {}).get("nbgrader", {}).get("grade_id"):
                 c["source"] if isinstance(c["source"], str) else "".join(c["source"])
                 for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "code"}
        where = f"course.toml: exercise {ex.id!r}"
        if not ex.answers:
            problems.append(f"{where} declares no `answers`: list the names its answer cell defines for the test "
                            f"cell, e.g. answers = [\"{ex.function}\"]")
            continue
        try:
            bound = _bound(cells.get(f"{ex.function}_answer") or "")
            used = {n.id for n in ast.walk(ast.parse(cells.get(ex.function) or "")) if isinstance(n, ast.Name)}
            setup = _bound(cells.get("setup") or "")
        except SyntaxError as exc:
            problems.append(f"solutions/{ex.notebook}: a cell of {ex.function} is not valid Python ({exc.msg})")
            continue
        for name in ex.answers:
            if hasattr(builtins, name) or name in setup:
                problems.append(f"{where}: answer {name!r} is a name the test cell takes from the course "
                                "(a builtin or the set-up cell's); rename it in the notebook")
            elif name not in bound:
                problems.append(f"{where}: answer {name!r} is not defined by the answer cell {ex.function}_answer "
                                f"of solutions/{ex.notebook}")
            elif name not in used:
                problems.append(f"{where}: answer {name!r} is not used by the test cell {ex.function}")
    return problems


def stubs_current(course: Course) -> list[str]:
    from course.authoring.stubs import generate
    return [f"exercises/{o.path.name}: out of date with solutions/{o.path.name}; run `course stubs`"
            for o in generate(course, check=True) if o.action != "unchanged"]


def fixtures_current(course: Course) -> list[str]:
    from course.authoring import fixtures
    try:
        return fixtures.stale(course)
    except CourseError:
        raise
    except Exception as exc:  # noqa: BLE001 - a grader's make_fixtures or a solution that fails
        return [f"autograder/fixtures/: making them from solutions/ failed ({type(exc).__name__}: {exc}); "
                "run `course fixtures` to see where"]


# ------------------------------------------------------------------ the command
def cmd_check_course(args) -> int:
    from course.manifest import load
    course = load()
    problems = preflight(course)
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} problem(s): fix them before `course release`, `course gradescope` or `course grade`",
              file=sys.stderr)
        return 1
    print(f"the course is consistent: {len(course.exercises)} exercises with graders and hints, points, "
          "solution regions, stubs and fixtures all agree")
    return 0


def add_parser(sub) -> None:
    p = sub.add_parser("check-course")
    p.set_defaults(run=cmd_check_course)

"""The layout shows the architecture (README, "Layout"): course/ holds a small core and a package
per role, and imports run one way, from the instructor's packages down to the core, never up.
Modules stay small enough to read: no module over 500 lines, no function over 60."""
import ast
import subprocess
import sys

from tests.conftest import ROOT

PACKAGE = ROOT / "course"
# Each role, and the roles it may import (the core: course/*.py; grading/ is what `pytest
# autograder` needs, learner/ the learner's commands; authoring/ and classgrade/ are not in a
# student copy; grading a class runs the course's pre-flight, authoring knows nothing of grading a
# class). cli.py reaches every command through its table, by name (importlib).
MAY_IMPORT = {
    "grading": {"core", "grading"},
    "core": {"core", "grading"},
    "learner": {"core", "grading", "learner"},
    "authoring": {"core", "grading", "learner", "authoring"},
    "classgrade": {"core", "grading", "learner", "authoring", "classgrade"},
}


def role(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 2 else "core"


def imports() -> dict[str, set[str]]:
    """course module -> the course modules it imports (at the top or inside a function)."""
    found = {}
    for path in PACKAGE.rglob("*.py"):
        name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        targets = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("course"):
                targets |= {node.module} | {f"{node.module}.{a.name}" for a in node.names}
            elif isinstance(node, ast.Import):
                targets |= {a.name for a in node.names if a.name.startswith("course")}
        found[name] = targets
    return {name: {t for t in targets if t in found and t != name} for name, targets in found.items()}


# Modules of the core that the target layout moves into a role's package (ARCHITECTURE.md, 4.1):
# the graders' API into grading/, the in-process test driver into tests/, the target's loader into
# learner/. They do not count against the core's eight; take a name off when its module moves.
LEAVING_THE_CORE = {"checks.py", "run.py", "target.py"}
MAX_LINES, MAX_FUNCTION_LINES = 500, 60
CORE_MODULES_WITHOUT_TORCH = ("regions", "files", "progress", "manifest")


def test_at_most_eight_modules_directly_in_course():
    modules = sorted(p.name for p in PACKAGE.glob("*.py") if p.name not in {"__init__.py", *LEAVING_THE_CORE})
    assert len(modules) <= 8, modules
    assert {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()} == \
        {"grading", "learner", "authoring", "classgrade"}


def test_no_import_goes_up_a_layer():
    wrong = [(a, b) for a, targets in imports().items() for b in targets
             if role(b) not in MAY_IMPORT[role(a)]]
    assert wrong == [], wrong


def test_what_a_learner_runs_needs_no_instructor_package():
    """A student copy has no authoring/ or classgrade/: nothing it ships may import them."""
    graph = imports()
    shipped = [m for m in graph if role(m) in ("core", "grading", "learner") and m != "course.cli"]
    wrong = [(m, t) for m in shipped for t in graph[m] if role(t) in ("authoring", "classgrade")]
    assert wrong == [], wrong


def measured() -> list:
    """The modules whose size is held down: every module of course/ but grading/'s (for now, the job file only)."""
    return sorted([p for p in PACKAGE.rglob("*.py") if "grading" not in p.relative_to(PACKAGE).parts[:-1]]
                  + [PACKAGE / "grading" / "job.py"])


def long_modules(paths) -> dict[str, int]:
    return {p.name: n for p in paths if (n := len(p.read_text().splitlines())) > MAX_LINES}


def long_functions(paths) -> dict[str, int]:
    """"file:line name" -> lines of every function over the limit, its decorators included."""
    long = {}
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
                if node.end_lineno - first + 1 > MAX_FUNCTION_LINES:
                    long[f"{path.name}:{node.lineno} {node.name}"] = node.end_lineno - first + 1
    return long


def test_no_module_over_500_lines():
    assert long_modules(measured()) == {}, f"split these modules by job (at most {MAX_LINES} lines each)"


def test_no_function_over_60_lines():
    assert long_functions(measured()) == {}, f"split these functions (at most {MAX_FUNCTION_LINES} lines each)"


def test_the_size_checks_see_a_long_module_and_a_long_function(tmp_path):
    fits, too_long = tmp_path / "fits.py", tmp_path / "too_long.py"
    fits.write_text("def f():\n" + "    x = 1\n" * (MAX_FUNCTION_LINES - 1) + "\n" * (MAX_LINES - MAX_FUNCTION_LINES))
    too_long.write_text("@decorated\ndef g():\n" + "    x = 1\n" * (MAX_FUNCTION_LINES - 1) + "\n" * MAX_LINES)
    assert long_modules([fits, too_long]) == {"too_long.py": MAX_LINES + MAX_FUNCTION_LINES + 1}
    assert long_functions([fits, too_long]) == {"too_long.py:2 g": MAX_FUNCTION_LINES + 1}


def test_the_new_core_modules_import_no_torch():
    """Shared by every command, `course --help` included: torch (seconds to import) stays out."""
    for name in CORE_MODULES_WITHOUT_TORCH:
        tree = ast.parse((PACKAGE / f"{name}.py").read_text())
        imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names} | \
            {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
        assert not {m for m in imported if m.split(".")[0] == "torch"}, name
    code = ("import sys\n" + "".join(f"import course.{name}\n" for name in CORE_MODULES_WITHOUT_TORCH)
            + "print(sorted(m for m in ('torch', 'nbformat', 'numpy') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]", f"importing the core modules imported {done.stdout.strip()}"


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The import circles of `graph`: each group of modules that reach one another (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        for target in sorted(graph[module]):
            if target not in index:
                visit(target)
                low[module] = min(low[module], low[target])
            elif target in stack:
                low[module] = min(low[module], index[target])
        if low[module] == index[module]:
            group = stack[stack.index(module):]
            del stack[stack.index(module):]
            if len(group) > 1:
                found.append(sorted(group))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return found


def test_no_import_circle():
    """No module of course/ reaches itself through its imports (at the top or inside a function)."""
    assert circles(imports()) == []


def test_the_circle_finder_finds_one():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert circles(graph) == [["a", "b", "c"]]
    assert circles({"a": {"b"}, "b": set()}) == []


def test_grade_class_is_a_short_pipeline():
    tree = ast.parse((PACKAGE / "classgrade" / "grade.py").read_text())
    grade_class = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "grade_class")
    assert grade_class.end_lineno - grade_class.lineno + 1 < 40

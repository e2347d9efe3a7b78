"""The layout shows the architecture (README, "Layout"): course/ holds a small core and a package
per role, and imports run one way, from the instructor's packages down to the core, never up."""
import ast

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


def test_at_most_eight_modules_directly_in_course():
    modules = sorted(p.name for p in PACKAGE.glob("*.py") if p.name != "__init__.py")
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


# The parts the measures are kept on so far: course grade's package and the selection.
MEASURED = [*sorted((PACKAGE / "classgrade").glob("*.py")), PACKAGE / "selection.py", PACKAGE / "grading" / "job.py"]


def test_no_module_over_500_lines_and_no_function_over_60():
    long_modules = {p.name: n for p in MEASURED if (n := len(p.read_text().splitlines())) > 500}
    long_functions = {f"{p.name}:{node.name}": node.end_lineno - node.lineno + 1
                      for p in MEASURED for node in ast.walk(ast.parse(p.read_text()))
                      if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
                      and node.end_lineno - node.lineno + 1 > 60}
    assert long_modules == {} and long_functions == {}


def test_grade_class_is_a_short_pipeline():
    tree = ast.parse((PACKAGE / "classgrade" / "grade.py").read_text())
    grade_class = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "grade_class")
    assert grade_class.end_lineno - grade_class.lineno + 1 < 40

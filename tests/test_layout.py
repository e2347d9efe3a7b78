"""The layout shows the architecture (README, "Layout"): course/ holds a small core and a package
per role, and imports run one way, from the instructor's packages down to the core, never up."""
import ast

from tests.conftest import ROOT

PACKAGE = ROOT / "course"
# Each role, and the roles it may import (the core: course/*.py; grading/ is what `pytest
# autograder` needs, learner/ the learner's commands; authoring/ and classgrade/ are not in a
# student copy). cli.py reaches every command through its table, by name (importlib).
MAY_IMPORT = {
    "grading": {"core", "grading"},
    "core": {"core", "grading"},
    "learner": {"core", "grading", "learner"},
    "classgrade": {"core", "grading", "learner", "classgrade", "authoring"},
    "authoring": {"core", "grading", "learner", "authoring", "classgrade"},
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


# The learner's commands are read by learners too (and copied into their repositories): each
# module does one job and reads top to bottom, so none grows past these limits.
LEARNER_MODULE_LINES = 500
LEARNER_FUNCTION_LINES = 60


def test_the_learners_modules_and_functions_stay_short():
    long_modules, long_functions = [], []
    for path in sorted((PACKAGE / "learner").glob("*.py")):
        text = path.read_text()
        if len(text.splitlines()) > LEARNER_MODULE_LINES:
            long_modules.append((path.name, len(text.splitlines())))
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = node.end_lineno - node.lineno + 1
                if length > LEARNER_FUNCTION_LINES:
                    long_functions.append((f"{path.name}: {node.name}", length))
    assert long_modules == [], f"over {LEARNER_MODULE_LINES} lines: {long_modules}"
    assert long_functions == [], f"over {LEARNER_FUNCTION_LINES} lines: {long_functions}"

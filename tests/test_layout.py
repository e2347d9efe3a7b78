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
MAX_LINES, MAX_FUNCTION_LINES = 500, 60
CORE_MODULES_WITHOUT_TORCH = ("regions", "files", "progress", "manifest")


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


def measured() -> list:
    """The modules whose size is held down: every module of course/."""
    return sorted(PACKAGE.rglob("*.py"))


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


# ------------------------------------------------------------------------------ grading/: two sides, one seam
GRADING = PACKAGE / "grading"
# What both sides of grading share: the wire format, the protocol and its field rules.
SHARED = {"course.grading.seam", "course.grading.protocol", "course.grading.rules"}
PACKAGES = {"course", "course.grading", "course.grading.judge", "course.grading.runner"}   # docstrings only


def test_the_runner_side_imports_nothing_but_the_seam_and_the_protocol():
    """Learner code runs in the runner: nothing of the judge (graders' helpers, verdicts, pytest's
    plugin, the manifest) may be imported there, so none of it is in a runner's memory."""
    graph = imports()
    runner = [m for m in graph if m.startswith("course.grading.runner")]
    assert runner, "no runner side found"
    wrong = [(m, t) for m in runner for t in graph[m]
             if not (t in SHARED or t in PACKAGES or t.startswith("course.grading.runner."))]
    assert wrong == [], wrong


def test_the_shared_modules_import_neither_side_and_the_judge_imports_no_runner_module():
    graph = imports()
    wrong = [(m, t) for m in SHARED for t in graph[m] if not (t in SHARED or t in PACKAGES)]
    wrong += [(m, t) for m in graph if m.startswith("course.grading.judge")
              for t in graph[m] if t.startswith("course.grading.runner")]
    assert wrong == [], wrong


def test_a_runner_process_loads_no_course_module_but_its_own_and_the_shared_ones():
    """The same, at run time: what importing the runner's entry point brings into its memory."""
    from course.grading import sandbox
    code = f"import sys, {sandbox.RUNNER_MODULE}; print(' '.join(m for m in sys.modules if m.startswith('course')))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    loaded = set(done.stdout.split())
    assert sandbox.RUNNER_MODULE in loaded
    assert all(m in SHARED | PACKAGES or m.startswith("course.grading.runner.") for m in loaded), loaded


# ------------------------------------------------------------------------------ names given as strings
def _entry_points() -> list[tuple[str, str | None, str]]:
    """(module, attribute or None, where it is named) for every module named by a string."""
    import re

    from course.classgrade import gradescope
    from course.grading import sandbox
    from course.manifest import tomllib
    found = []
    tree = ast.parse((ROOT / "autograder" / "conftest.py").read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "pytest_plugins" for t in node.targets):
            found += [(plugin, None, "autograder/conftest.py") for plugin in ast.literal_eval(node.value)]
    assert sandbox.RUNNER == f"from {sandbox.RUNNER_MODULE} import main; main()"
    found.append((sandbox.RUNNER_MODULE, "main", "sandbox.RUNNER"))
    for dotted in re.findall(r'"(course\.\w+\.[\w.]+)"', (ROOT / "nbgrader_config.py").read_text()):
        module, name = dotted.rsplit(".", 1)
        found.append((module, name, "nbgrader_config.py"))
    found += [(module, "main", "gradescope's run_autograder") for module in re.findall(r"-m (course[\w.]+)", gradescope.RUN)]
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    found += [(*target.split(":"), "pyproject's scripts") for target in scripts.values()]
    return found


def test_every_module_named_by_a_string_is_there():
    """pytest's plugin list, the runner the sandbox starts, nbgrader's preprocessors, the module
    Gradescope runs, the console script: each names a module (and what it needs of it) that exists."""
    import importlib
    points = _entry_points()
    assert {where for _, _, where in points} == {"autograder/conftest.py", "sandbox.RUNNER", "nbgrader_config.py",
                                                  "gradescope's run_autograder", "pyproject's scripts"}
    for module, name, where in points:
        imported = importlib.import_module(module)
        assert name is None or callable(getattr(imported, name, None)), f"{where}: {module} has no {name}"


def test_a_student_copy_ships_every_module_of_grading_and_no_instructor_package(course):
    from course.authoring import release
    shipped = set(release.contents(course))
    grading = {p.relative_to(ROOT).as_posix() for p in GRADING.rglob("*.py") if "__pycache__" not in p.parts}
    assert grading <= shipped, sorted(grading - shipped)
    assert not [f for f in shipped if f.split("/")[:2] in (["course", p] for p in release.INSTRUCTOR_PACKAGES)]

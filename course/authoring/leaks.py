"""The release's leak check: no line of a solution or a hidden test in a student copy.

`leaks(course, out)` scans every file of the copy at `out` for two kinds of secret:

- a line of a solution region or of a hidden test, as written (`secrets`): every line of every
  solution region of solutions/ (modules and notebooks), of every hidden-test region and of the
  hidden graders, left out those too short to say anything and those the public sources show;
- a few statements of a solution region, whatever their names, comments and layout
  (`body_leaks`): a solution re-written in the course's machinery is found too.

`course release` runs it after writing the copy, and fails when it finds anything.
"""
from __future__ import annotations

import ast
import builtins
import copy
import json
from pathlib import Path

import nbformat

from course import regions
from course.files import CACHES, NEW
from course.manifest import Course
from course.regions import SOLUTION

MIN_SECRET = 20      # shorter lines (`return x`, `while True:`) say nothing about a solution


# ------------------------------------------------------------------ secret lines
def secrets(course: Course) -> dict[str, str]:
    """Secret line -> where it comes from: every line of every solution region (modules and
    notebooks), of every hidden test region and of the hidden graders.

    Left out: lines shorter than MIN_SECRET characters (`return x`, `else:`, `plt.close(fig)`
    say nothing about a solution), and lines that the instructor's public sources show anyway:
    the solution modules outside their regions, the leading comment of each region (it becomes
    the stub's TODO), the notebooks outside their regions, course.toml (the hints), the
    public graders, and the lines course.toml's [release] `not_secret` lists. The course's
    machinery (course/**/*.py) is not public in this sense: a solution copied there is a leak like
    any other (but a line a hidden grader shares with it is not a secret of the grader)."""
    found: dict[str, str] = {}
    public = _solution_secrets(course, found) + _notebook_secrets(course, found)
    public.append((course.root / "course.toml").read_text())
    public += [path.read_text() for path in sorted((course.root / "autograder").glob("*.py"))]
    _hidden_grader_secrets(course, found)
    shown, common = "\n".join(public), set(course.release.not_secret)
    return {line: where for line, where in found.items() if line not in shown and line not in common}


def _note(found: dict[str, str], lines, where: str) -> None:
    for line in lines:
        if len(line.strip()) >= MIN_SECRET:
            found.setdefault(line.strip(), where)


def _solution_secrets(course: Course, found: dict[str, str]) -> list[str]:
    """Note the secret lines of the solution modules; return the lines they show (outside their
    regions, and each region's leading comment, which the stub keeps as its TODO)."""
    from course.authoring.stubs import leading_comment
    public: list[str] = []
    for path in sorted((course.root / "solutions").glob("*.py")):
        parts = regions.parts(path.read_text())
        public += parts.outside
        for region in parts.solutions:
            comment = leading_comment(region)
            public += comment
            _note(found, region[len(comment):], f"solutions/{path.name}")
    return public


def _notebook_secrets(course: Course, found: dict[str, str]) -> list[str]:
    """Note the secret lines of the source notebooks (solution regions, solution cells nbgrader
    clears whole, hidden tests); return the lines they show."""
    public: list[str] = []
    for path in sorted((course.root / "solutions").glob("*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            parts = regions.cell_parts(cell)
            public += parts.outside
            for region in parts.solutions + parts.hidden:
                _note(found, region, f"solutions/{path.name}")
    return public


def _hidden_grader_secrets(course: Course, found: dict[str, str]) -> None:
    """Note the lines of the hidden graders. A hidden grader's secrets are its inputs and its
    checks, not the Python it shares with the course's machinery (`from collections import
    OrderedDict`, `def forward(self, x):`)."""
    machinery = "\n".join(path.read_text() for path in sorted((course.root / "course").rglob("*.py")))
    for path in sorted((course.root / "autograder" / "hidden").rglob("*.py")):
        _note(found, [line for line in path.read_text().splitlines() if line.strip() not in machinery],
              f"autograder/hidden/{path.name}")


# ------------------------------------------------------------------ scanning the copy
def _texts(out: Path):
    """(relative path, text) of every readable file of the copy; a notebook as its cells and outputs."""
    for path in sorted(out.rglob("*")):
        if not path.is_file() or CACHES & set(path.parts):
            continue
        rel = str(path.relative_to(out))
        if path.suffix == ".ipynb" or path.name.endswith(f".ipynb{NEW}"):
            try:
                nb = nbformat.read(path, as_version=4)
            except Exception:  # noqa: BLE001 - scanned as plain text below
                pass
            else:
                yield rel, "\n".join([c.source for c in nb.cells] + [json.dumps(c.get("outputs", []))
                                                                      for c in nb.cells])
                continue
        try:
            yield rel, path.read_text()
        except (UnicodeDecodeError, OSError):
            continue


def leaks(course: Course, out: Path) -> list[str]:
    """One line per secret found in the copy at `out`: where, what, and where it came from.
    Two kinds: a line of a solution region or a hidden test, as written; and a few statements
    of a solution region, whatever their names, comments and layout (`body_leaks`)."""
    hidden = secrets(course)
    found = []
    for rel, text in _texts(Path(out)):
        for line, source in hidden.items():
            if line in text:
                found.append(f"{rel}: {line!r} (from {source})")
    return found + body_leaks(course, out)


# ------------------------------------------------------------------ statements, renamed
# A solution re-written in the course's machinery (a `make_data` that splits and slides a
# context window like mlp.split_words and mlp.build_dataset) shares no line of 20 characters
# with it once its names change. So solution code is also compared as syntax: every run of up
# to BODY_WINDOW consecutive statements (of any block: a function body, a loop's body) with
# every name that is not a builtin or a module renamed by its order of appearance, comments,
# docstrings and layout gone. A run counts when it is big enough to say something
# (BODY_MIN_NODES syntax nodes: `loss.backward()` alone is common code) and computes
# something: calls alone (`fig.tight_layout(); fig.savefig(path); plt.close(fig)`) are
# boilerplate, a run needs an assignment, a return or a block; and data alone (a dict of the
# contract's shapes) is no secret, a run needs a call or a loop.
BODY_WINDOW = 3
BODY_MIN_NODES = 25
_KEPT_NAMES = set(dir(builtins)) | {"torch", "F", "nn", "math", "random", "np", "plt", "self"}


def _statement_runs(tree, sizes=range(1, BODY_WINDOW + 1)):
    """(first line, last line, statements) for every run of consecutive statements of every block."""
    for node in ast.walk(tree):
        for field in ("body", "orelse", "finalbody", "handlers"):
            block = getattr(node, field, None)
            if not isinstance(block, list) or not block or not isinstance(block[0], ast.stmt):
                continue
            block = [st for st in block if not (isinstance(st, ast.Expr) and isinstance(st.value, ast.Constant)
                                                and isinstance(st.value.value, str))]      # docstrings
            for size in sizes:
                for i in range(len(block) - size + 1):
                    run = block[i:i + size]
                    yield run[0].lineno, run[-1].end_lineno, run


def _size(st, sizes: dict) -> int:
    """Syntax nodes of a statement, remembered (runs overlap)."""
    if id(st) not in sizes:
        sizes[id(st)] = sum(1 for _ in ast.walk(st))
    return sizes[id(st)]


def _fingerprint(run, sizes: dict, wanted: set | None = None) -> str | None:
    """The run's syntax with its own names numbered; None when it is too small to count (or,
    with `wanted`, when no secret run has its size: renaming keeps the size)."""
    if all(isinstance(st, ast.Expr) for st in run):
        return None
    if not any(isinstance(n, (ast.Call, ast.For, ast.While, ast.comprehension)) for st in run for n in ast.walk(st)):
        return None              # data, not computation: a contract's shapes spelled out
    size = sum(_size(st, sizes) for st in run)
    if size < BODY_MIN_NODES or (wanted is not None and size not in wanted):
        return None
    names: dict[str, str] = {}

    class Rename(ast.NodeTransformer):
        def rename(self, name):
            return name if name in _KEPT_NAMES else names.setdefault(name, f"v{len(names)}")

        def visit_Name(self, node):
            return ast.copy_location(ast.Name(id=self.rename(node.id), ctx=node.ctx), node)

        def visit_arg(self, node):
            return ast.copy_location(ast.arg(arg=self.rename(node.arg)), node)

    module = ast.Module(body=[Rename().visit(copy.deepcopy(st)) for st in run], type_ignores=[])
    return f"{size}:" + ast.dump(module, annotate_fields=False)


def _python_sources(text: str, suffix: str) -> list[str]:
    if suffix == ".ipynb":
        return [c.source for c in nbformat.reads(text, as_version=4).cells if c.cell_type == "code"]
    return [text]


def _runs_of(source: str, wanted: set | None = None):
    try:
        tree = ast.parse(source)
    except SyntaxError:              # a notebook cell with a magic, a stub in the making
        return
    sizes: dict = {}
    for first, last, run in _statement_runs(tree):
        print_ = _fingerprint(run, sizes, wanted)
        if print_ is not None:
            yield first, last, print_


def secret_bodies(course: Course) -> dict[str, str]:
    """Fingerprint -> "solutions/<file>, function": every run of statements that lies inside a
    solution region of solutions/ (modules and notebooks), minus the runs that the solution
    modules also show outside their regions."""
    found: dict[str, str] = {}
    shown: set[str] = set()
    for path in sorted((course.root / "solutions").glob("*.py")) + sorted((course.root / "solutions").glob("*.ipynb")):
        for source in _python_sources(path.read_text(), path.suffix):
            solved = regions.find(source, SOLUTION)
            for first, last, print_ in _runs_of(source):
                if any(region.holds(first, last) for region in solved):
                    found.setdefault(print_, f"solutions/{path.name}, line {first}")
                else:
                    shown.add(print_)
    return {k: v for k, v in found.items() if k not in shown}


def body_leaks(course: Course, out: Path) -> list[str]:
    """One line per place in the copy at `out` where statements of a solution region reappear
    (renamed, re-commented or re-laid-out): the file and line, and the solution's file and line."""
    secret = secret_bodies(course)
    wanted = {int(k.split(":", 1)[0]) for k in secret}
    found = []
    for path in sorted(Path(out).rglob("*")):
        if not path.is_file() or CACHES & set(path.parts) or path.suffix not in (".py", ".ipynb"):
            continue
        rel = str(path.relative_to(out))
        try:
            sources = _python_sources(path.read_text(), path.suffix)
        except Exception:  # noqa: BLE001 - unreadable: the line check above still scans it
            continue
        seen_here = set()
        for source in sources:
            for first, _last, print_ in _runs_of(source, wanted):
                if print_ in secret and (secret[print_], first) not in seen_here:
                    seen_here.add((secret[print_], first))
                    found.append(f"{rel}, line {first}: statements of {secret[print_]} (renamed or re-laid-out)")
    return found

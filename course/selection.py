"""Selection words -> exercises -> grader files: the one place that knows both steps.

A word names exercises of course.toml by their exercise id (`mlp.train`), their function
(`train`), their module (`batchnorm`; `batchnorm.py` names the module alone where the same word
is an assignment too), their notebook (`05-recall.ipynb`) or their assignment
(`init-batchnorm`). `pytest autograder -k WORD`, `course grade --only WORD` and
`course gradescope --only WORD` all read their words here.

A grader file belongs to the exercises it declares, read with `ast` (never imported, never
guessed from its name): each `@exercise("id")` of it, and every question of a notebook whose
name it holds (autograder/test_recall.py runs the questions of 05-recall.ipynb). A grader that
takes helpers from a public one (`from test_mlp import ...`) needs that file beside it.
"""
from __future__ import annotations

import ast
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from course.manifest import Course, CourseError, Exercise


# ------------------------------------------------------------------------------ words -> exercises
def names(ex: Exercise) -> set[str]:
    """The words that select `ex`."""
    words = {ex.id, ex.function, ex.module, f"{ex.module}.py", ex.assignment}
    if ex.notebook:
        words.add(ex.notebook)
    return words


def named(course: Course, word: str) -> list[Exercise]:
    """The exercises `word` names, in course order (none: it names no exercise)."""
    return [ex for ex in course.exercises if word in names(ex)]


def exercises(course: Course, words: Iterable[str] = (), flag: str = "--only") -> list[Exercise]:
    """The exercises `words` select, in course order; no words select every exercise. A word that
    names nothing stops here, in one line that starts with `flag`."""
    words = list(words)
    if not words:
        return list(course.exercises)
    for word in words:
        if not named(course, word):
            raise CourseError(f"{flag} {word}: not an exercise, module, notebook or assignment of course.toml "
                              f"(try one of: {', '.join(coarse_words(course))}, or an exercise id)")
    return [ex for ex in course.exercises if names(ex) & set(words)]


def coarse_words(course: Course) -> list[str]:
    """The words that name groups of exercises: assignments, modules and notebooks."""
    notebooks = {ex.notebook for ex in course.exercises if ex.notebook}
    return sorted({a.id for a in course.assignments} | set(course.modules) | notebooks)


# ------------------------------------------------------------------------------ grader files
@dataclass(frozen=True)
class GraderFile:
    """What a grader file declares, read with `ast`."""
    path: str                                  # relative to the course, e.g. autograder/test_bigram.py
    public: bool                               # False for autograder/hidden/ (the instructor-only tier)
    checks: tuple[tuple[str, str, int], ...]   # (function, exercise id, line) of each @exercise("id")
    imports: dict[str, str]                    # name -> the grader module it is imported from
    strings: frozenset[str]                    # every string constant (a notebook's name, say)

    def declares(self, course: Course) -> set[str]:
        """The ids of the exercises this file checks."""
        questions = {ex.id for ex in course.exercises if ex.notebook and ex.notebook in self.strings}
        return {ex_id for _, ex_id, _ in self.checks} | questions


def parse(path: Path, rel: str) -> ast.Module:
    """A grader file's syntax tree; a file that is not Python stops here, in one line."""
    try:
        return ast.parse(path.read_text(), rel)
    except SyntaxError as exc:
        raise CourseError(f"{rel}:{exc.lineno}: not valid Python ({exc.msg}); fix the grader") from None


def exercise_id(decorator: ast.expr) -> str | None:
    """"id" of @exercise("id") or @pytest.mark.exercise("id")."""
    if isinstance(decorator, ast.Call) and decorator.args and isinstance(decorator.args[0], ast.Constant):
        func = decorator.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
        if name == "exercise" and isinstance(decorator.args[0].value, str):
            return decorator.args[0].value
    return None


def declarations(tree: ast.Module, rel: str, public: bool) -> GraderFile:
    """What the grader file of `tree` (at `rel`) declares."""
    checks, imports = [], {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            checks += [(node.name, ex_id, d.lineno) for d in node.decorator_list if (ex_id := exercise_id(d))]
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("test_"):
            imports.update({alias.asname or alias.name: node.module for alias in node.names})
    strings = frozenset(n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str))
    return GraderFile(rel, public, tuple(checks), imports, strings)


_READ: dict[tuple, GraderFile] = {}


def read_graders(root: Path) -> dict[Path, GraderFile]:
    """The grader files of the course at `root`: autograder/test_*.py (public) and
    autograder/hidden/test_*.py, relative path -> what it declares. A file is parsed once while
    it is unchanged."""
    graders = {}
    for folder, public in ((root / "autograder", True), (root / "autograder" / "hidden", False)):
        for path in sorted(folder.glob("test_*.py")):
            rel, info = path.relative_to(root), path.stat()
            key = (str(path), info.st_mtime_ns, info.st_size, public)
            if key not in _READ:
                _READ[key] = declarations(parse(path, rel.as_posix()), rel.as_posix(), public)
            graders[rel] = _READ[key]
    return graders


def grader_files(course: Course, chosen: Iterable[Exercise], root: Path | None = None,
                 helpers: bool = False) -> list[Path]:
    """The grader files (relative to the course root) that check the `chosen` exercises. With
    `helpers`, also the public grader files they take helpers from, transitively: what a copy of
    the graders must hold for them to run. `root`: a copy of the course's files (default: the
    course itself)."""
    wanted = {ex.id for ex in chosen}
    graders = read_graders(root or course.root)
    files = [rel for rel, g in graders.items() if wanted & g.declares(course)]
    if helpers:
        public = {rel.stem: rel for rel, g in graders.items() if g.public}
        todo = list(files)
        while todo:
            for module in graders[todo.pop()].imports.values():
                dep = public.get(module)
                if dep is not None and dep not in files:
                    files.append(dep)
                    todo.append(dep)
    return sorted(files)

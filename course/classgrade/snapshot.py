"""What of the course every judge gets: the manifest, the graders (public and hidden), their
fixtures, the data and the graded notebooks' test cells, read once, before any submission runs;
their digest, and the names of the hidden checks."""
from __future__ import annotations

import ast
import importlib.util
import json
import marshal
from pathlib import Path

from course.classgrade.roster import SKIPPED, digest, graded_notebooks
from course.manifest import Course


def grading_files(course: Course) -> list[Path]:
    """The course's files a grading needs (relative to its root): manifest, graders, fixtures, data
    (the graded notebooks' tests come from `notebook_tests`)."""
    root = course.root
    files = [Path("course.toml"), Path("pyproject.toml"), course.data_path.relative_to(root)]
    for path in sorted((root / "autograder").rglob("*")):
        if path.is_file() and not SKIPPED & set(path.parts):
            files.append(path.relative_to(root))
    return [f for f in files if (root / f).is_file()]


def notebook_tests(course: Course) -> dict[Path, bytes]:
    """The graded notebooks' test cells (visible and hidden) and set-up cells, without a single
    answer cell: what grading a notebook needs of solutions/, at autograder/notebooks/<name>
    (where autograder/test_recall.py looks first)."""
    made = {}
    for name in graded_notebooks(course):
        source = course.root / "solutions" / name
        if not source.is_file():
            continue
        nb = json.loads(source.read_text())
        nb["cells"] = [c for c in nb["cells"] if c["cell_type"] == "code"
                       and not c.get("metadata", {}).get("nbgrader", {}).get("solution", False)]
        made[Path("autograder") / "notebooks" / name] = (json.dumps(nb, indent=1) + "\n").encode()
    return made


_SNAPSHOTS: dict[Path, dict[Path, bytes]] = {}


def course_snapshot(course: Course) -> dict[Path, bytes]:
    """The grading files' bytes, read once by the grader before any submission runs: every
    submission's copy is made from them, so a submission that wrote to the course's own files
    (which it could find) cannot change how the ones after it are graded."""
    if course.root not in _SNAPSHOTS:
        _SNAPSHOTS[course.root] = {**{rel: (course.root / rel).read_bytes() for rel in grading_files(course)},
                                   **notebook_tests(course)}
    return _SNAPSHOTS[course.root]


_COMPILED: dict[Path, dict[Path, bytes]] = {}


def compiled_graders(course: Course) -> dict[Path, bytes]:
    """The snapshot's Python files compiled once, as checked-hash .pyc files where Python looks
    for them (`__pycache__/`), so that no judge compiles the graders again. Made from the
    snapshot's bytes; Python still compiles a file whose bytes differ from those (PEP 552)."""
    if course.root not in _COMPILED:
        made = {}
        for rel, blob in course_snapshot(course).items():
            if rel.suffix == ".py":
                code = compile(blob, str(course.root / rel), "exec", dont_inherit=True)
                pyc = Path(importlib.util.cache_from_source(str(rel)))
                made[pyc] = _checked_hash_pyc(code, importlib.util.source_hash(blob))
        _COMPILED[course.root] = made
    return _COMPILED[course.root]


def _checked_hash_pyc(code, source_hash: bytes) -> bytes:
    """A .pyc that Python checks against its source's hash, not its time stamp (flags 0b11)."""
    return importlib.util.MAGIC_NUMBER + (3).to_bytes(4, "little") + source_hash + marshal.dumps(code)


def graders_digest(course: Course) -> str:
    """The digest of the snapshot: a row graded with other graders is graded again."""
    snapshot = course_snapshot(course)
    return digest(course.root, list(snapshot), snapshot)


def hidden_checks(course: Course) -> set[str]:
    """Names of the checks of autograder/hidden/ (the instructor-only tier)."""
    names = set()
    for path in sorted((course.root / "autograder" / "hidden").glob("test_*.py")):
        tree = ast.parse(path.read_text())
        names |= {n.name for n in tree.body if isinstance(n, ast.FunctionDef) and n.name.startswith("test")}
    return names

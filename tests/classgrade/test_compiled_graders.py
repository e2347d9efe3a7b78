"""Every judge of a class gets the graders compiled once (course/classgrade/snapshot.py): Python
loads them from the .pyc files the copy carries, and compiles a grader whose bytes changed."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from course.classgrade.snapshot import compiled_graders, course_snapshot
from course.manifest import load
from tests.conftest import ROOT


def _copy(folder: Path) -> Path:
    course = load(ROOT)
    for rel, blob in {**course_snapshot(course), **compiled_graders(course)}.items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_bytes(blob)
    return folder / "autograder"


def _loaded_from_pyc(graders: Path, module: str) -> bool:
    """Whether Python took `module`'s code from its .pyc (`python -v` says where code comes from)."""
    run = subprocess.run([sys.executable, "-B", "-v", "-c", f"import {module}"], cwd=graders,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    return f"code object from '{graders / '__pycache__' / module}." in run.stderr


def test_every_grader_file_is_compiled():
    course = load(ROOT)
    sources = {rel for rel in course_snapshot(course) if rel.suffix == ".py"}
    assert sources and len(compiled_graders(course)) == len(sources)


def test_a_judge_imports_the_compiled_graders(tmp_path):
    assert _loaded_from_pyc(_copy(tmp_path), "test_kaiming")


def test_a_changed_grader_is_compiled_again(tmp_path):
    graders = _copy(tmp_path)
    source = graders / "test_kaiming.py"
    source.write_text(source.read_text() + "\nCHANGED = True\n")
    assert not _loaded_from_pyc(graders, "test_kaiming")

"""Run the graders on a folder from Python and get the scores back, as `pytest autograder` would.

The run happens in a forked child, so every run starts clean (its own sys.path and imported
modules) and costs no new torch import. Used by the project's tests, `course watch`, `course week`
and `course fixtures`.
"""
from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

import torch  # noqa: F401 - imported once here, so that every forked run inherits it

from course import selection
from course.manifest import Course, load


def graders(target: Path | str, keyword: str | None = None, course: Course | None = None,
            check_timeout: float | None = None, extra: list[str] | None = None,
            runner=None) -> tuple[dict, str]:
    """(scores as in --results JSON, the printed report) of the graders run on `target`.
    `runner` (course.grading.judge.process.Runner, shared=True, its sandbox showing `target`) saves
    starting one: the project's tests grade hundreds of small folders with one."""
    course = course or load()
    if runner is not None and not (runner.alive() and runner.shows(Path(target))):
        runner = None                  # taken down by an earlier run's learner code: start afresh
    if runner is not None:
        runner.ready()                 # here, once: the runs forked from this process share what it read
    with tempfile.TemporaryDirectory(prefix="course-run-") as tmp:
        results, output = Path(tmp) / "results.json", Path(tmp) / "output.txt"
        argv = [*map(str, grader_files(course, keyword)), "--target", str(target), "--results", str(results),
                "-p", "no:cacheprovider", "--assert=plain",      # graders use check/expect, not bare assert
                "--rootdir", str(course.root), "-c", str(course.root / "pyproject.toml")]
        if keyword:
            argv += ["-k", keyword]
        if check_timeout:
            argv += ["--check-timeout", str(check_timeout)]
        argv += extra or []
        pid = os.fork()
        if pid == 0:
            try:
                fd = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
                os.dup2(fd, 1)
                os.dup2(fd, 2)
                sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__   # not a caller's capture
                import pytest
                os.environ["COURSE_ROOT"] = str(course.root)
                if runner is not None:
                    from course.grading.judge import process
                    process.use_runner(runner)
                code = pytest.main(argv)
            finally:
                os._exit(int(code) if "code" in locals() else 99)
        os.waitpid(pid, 0)
        text = output.read_text() if output.exists() else ""
        scores = json.loads(results.read_text()) if results.exists() else {"exercises": [], "total": 0,
                                                                             "max_total": 0}
        return scores, text


def grader_files(course: Course, keyword: str | None) -> list[Path]:
    """The grader files a run needs: for a keyword naming exercises of the course
    (course/selection.py), only the files that check them (collecting all of them costs a second
    a run); otherwise the whole autograder/ folder."""
    chosen = selection.named(course, keyword) if keyword else []
    files = [course.root / rel for rel in selection.grader_files(course, chosen)]
    return files or [course.root / "autograder"]


def execute(path: Path, timeout: float = 60, env: dict | None = None, allow_errors: bool = False,
            cwd: Path | None = None):
    """Run a notebook top to bottom in a fresh kernel, in its own folder; return it executed."""
    import nbformat
    from nbclient import NotebookClient
    nb = nbformat.read(path, as_version=4)
    # The kernel inherits this process's environment, but draws inline: a backend this process
    # chose for itself (MPLBACKEND=Agg, set by a class grading) would leave the notebook no figures.
    saved = {k: os.environ.get(k) for k in [*(env or {}), "MPLBACKEND"]}
    os.environ.pop("MPLBACKEND", None)
    os.environ.update(env or {})
    try:
        client = NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=allow_errors,
                                interrupt_on_timeout=allow_errors,
                                resources={"metadata": {"path": str(cwd or Path(path).parent)}})
        client.execute()
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return nb

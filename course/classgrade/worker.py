"""One grading, in the process course/classgrade/pool.py forks for it: the judge of one submission.

It copies the graders and the submission into its private folder (`prepare`), writes the job it
gives the judge (course/grading/job.py: its course, target, results file, exercises, check time
limit), limits its own processes, and runs pytest with the graders; it never runs learner code
(the runner does, in its sandbox). What it leaves in the private folder: results.json (the
judge's rows), printed.json (what learner code printed, check by check), planned.json (the checks
collected for each exercise) and pytest.log.
"""
from __future__ import annotations

import ctypes
import json
import os
import resource
import signal
import sys
import tempfile
from pathlib import Path

from course.classgrade.plan import Options, Plan
from course.classgrade.records import PRINTED_PER_CHECK
from course.classgrade.roster import copy_files, empty
from course.classgrade.snapshot import compiled_graders, course_snapshot
from course.grading.job import JobSpec
from course.manifest import Course
from course.selection import grader_files
from course.files import atomic_write


def judge(course: Course, plan: Plan, options: Options, folder: Path, private: Path, runner=None) -> int:
    """Grade the submission in `folder`; results go to files in `private`. With `runner` (a slot's,
    made clean for this submission) the copy goes where it looks. Returns pytest's exit code."""
    root, work = prepare(course, folder, private, runner.target if runner is not None else None)
    if runner is not None:
        from course.grading.judge import process
        process.use_runner(runner)
    job = JobSpec(course=root, target=work, results=private / "results.json", exercises=tuple(plan.ids),
                  check_timeout=options.check_timeout, instructor=True).write(private / "job.json")
    _enter(private, options, course)
    graders = [root / "autograder"] if len(plan.exercises) == len(course.exercises) else \
        [root / rel for rel in grader_files(course, plan.exercises, root)]
    if not graders:
        return 0
    argv = [*map(str, graders), "--job", str(job), "--assert=plain", "-q", "-p", "no:cacheprovider",
            "--rootdir", str(root), "-c", str(root / "pyproject.toml"), "--basetemp", str(private / "tmp" / "pytest")]
    import pytest
    # The notebooks' questions are graded by autograder/test_recall.py like every exercise: the
    # answer cells run in the runner, the course's own test cells (hidden ones included) here.
    return int(pytest.main(argv, plugins=[PrintedLog(private / "printed.json", private / "planned.json")]))


def prepare(course: Course, folder: Path, private: Path, work: Path | None = None) -> tuple[Path, Path]:
    """Copy the graders and the submission into `private` (the submission into `work` instead,
    when given: the folder a reused runner shows); the graders' copy is made read-only."""
    root = private / "course"
    for rel, blob in {**course_snapshot(course), **compiled_graders(course)}.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(blob)
    if work is None:
        work = private / "submission"
    elif work.exists():
        empty(work)
    copy_files(folder, work)
    for path in [root, *root.rglob("*")]:
        path.chmod(0o555 if path.is_dir() else 0o444)
    root.chmod(0o700)              # the graders' copy: the judge's alone
    for name in ("home", "tmp", "scratch"):
        (private / name).mkdir(mode=0o700)
    private.chmod(0o711)           # the runner's user may reach the submission's copy, and nothing else
    return root, work


def _enter(private: Path, options: Options, course: Course) -> None:
    """Become the judge: its own home, temporary files and folder, one thread, its limits, and
    its output to pytest.log."""
    os.environ.update(HOME=str(private / "home"), TMPDIR=str(private / "tmp"), OMP_NUM_THREADS="1",
                      MKL_NUM_THREADS="1", MPLBACKEND="Agg", PYTHONDONTWRITEBYTECODE="1",
                      PYTEST_DISABLE_PLUGIN_AUTOLOAD="1")     # the graders' conftest names the one plugin needed
    tempfile.tempdir = None
    os.chdir(private / "scratch")
    _limit_process(options, course)
    log = os.open(private / "pytest.log", os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    os.dup2(log, 1)
    os.dup2(log, 2)
    sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__
    import torch
    torch.set_num_threads(1)


def _limit_process(options: Options, course: Course) -> None:
    """Limits the submission's processes inherit: no core dumps, bounded files and CPU time."""
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_FSIZE, (256 * 2**20, 256 * 2**20))
    cpu = int(options.submission_timeout) + 30
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))
    # A cap on the whole address space as well, above what the checks may each allocate.
    memory = course.grading("memory_mb")
    with open("/proc/self/statm") as f:
        mapped = int(f.read().split()[0]) * resource.getpagesize()
    limit = mapped + (memory + 2048) * 2**20
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    try:    # end with the grader that started it (Linux), rather than run on as an orphan
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)
    except (OSError, AttributeError):
        pass


class PrintedLog:
    """A pytest plugin of the judge: after each check, what learner code printed during it (the
    judge's Result.printed, already capped there) goes to a JSON file, exercise -> check -> text.
    Written after every check that printed, so a grading cut short keeps what it had. Before the
    first check, the checks collected for each exercise go to `planned` (exercise -> check
    names): an exercise counts as passed only when every one of them ran and passed."""

    def __init__(self, path: Path, planned: Path | None = None):
        self.path, self.printed, self.planned = path, {}, planned

    def pytest_collection_finish(self, session):       # after the plugin's selection and order
        if self.planned is None:
            return
        plan: dict[str, list[str]] = {}
        for item in session.items:
            marker = item.get_closest_marker("exercise")
            if marker and marker.args:
                plan.setdefault(marker.args[0], []).append(item.name)
        atomic_write(self.planned, json.dumps(plan))

    def pytest_runtest_teardown(self, item, nextitem):
        result, marker = getattr(item, "course_result", None), item.get_closest_marker("exercise")
        text = getattr(result, "printed", "")
        if marker and isinstance(text, str) and text:
            self.printed.setdefault(marker.args[0], {})[item.name] = text[:PRINTED_PER_CHECK]
            atomic_write(self.path, json.dumps(self.printed))

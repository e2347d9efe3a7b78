"""Gradings on the cores: each submission is graded by a judge forked from this process (torch
and the graders' shared work are imported and computed once, here: `warm_up`, `warm_graders`),
in its own session so that everything it starts can be killed together; at most `jobs` at a time,
each with the runner of its slot (`RunnerSlots`), each within the submission's wall-time limit.
A grading that ends becomes the student's record (`finish`, course/classgrade/records.py)."""
from __future__ import annotations

import os
import signal
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import torch  # noqa: F401 - imported once here, so that every forked grading inherits it

from course.classgrade import records, worker
from course.classgrade.plan import Options, Plan
from course.classgrade.records import StudentRecord
from course.classgrade.roster import Staged, remove
from course.manifest import Course


@dataclass
class Job:
    submission: Staged
    private: Path              # the grading's own folder: the graders' copy, the submission's, its outputs
    pid: int                   # the judge's process (and process group)
    started: float
    deadline: float
    slot: int = 0


class Pool:
    """At most `jobs` gradings at once, each in a slot with its runner; a context that stops what is
    still running when it ends (interrupted, or failed)."""

    def __init__(self, course: Course, plan: Plan, options: Options, jobs: int):
        self.course, self.plan, self.options, self.jobs = course, plan, options, jobs
        self.slots = RunnerSlots(course)
        self.running: dict[int, Job] = {}

    def run(self, todo: list[Staged]) -> Iterator[tuple[Staged, Callable[[], StudentRecord]]]:
        """Grade `todo` in order; yield each submission as its grading ends, with what makes its
        record (called by the caller, so that a failure there is that student's alone)."""
        todo = list(todo)
        while todo or self.running:
            while todo and len(self.running) < self.jobs:
                slot = min(set(range(self.jobs)) - {j.slot for j in self.running.values()})
                job = start(self.course, self.plan, self.options, todo.pop(0), slot, self.slots.runner(slot))
                self.running[job.pid] = job
            for job, status in wait(self.running):
                self.slots.release(job.slot)
                yield job.submission, partial(finish, self.course, self.plan, self.options, job, status)
                break                                 # start the next one while the others run

    def __enter__(self) -> Pool:
        return self

    def __exit__(self, *exc) -> None:
        for pid, job in self.running.items():       # interrupted: stop what is still running
            try:
                os.killpg(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass
            remove(job.private)
        self.running.clear()
        self.slots.close()


def start(course: Course, plan: Plan, options: Options, submission: Staged, slot: int = 0, runner=None) -> Job:
    """Fork the process that grades one submission (the judge of it; its runner is sandboxed:
    `runner`, a slot's runner made clean for it, or one the judge starts)."""
    private = Path(tempfile.mkdtemp(prefix="course-grade-"))
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:
        code = 70
        try:
            os.setsid()            # its own process group: it and all it starts are killed as one
            code = worker.judge(course, plan, options, submission.folder, private, runner)
        except BaseException:  # noqa: BLE001 - reported to the parent through the file below
            try:
                (private / "worker-error.txt").write_text(traceback.format_exc())
            except OSError:
                pass
        finally:
            os._exit(code)
    now = time.monotonic()
    return Job(submission, private, pid, now, now + options.submission_timeout, slot)


def wait(jobs: dict[int, Job]) -> Iterator[tuple[Job, int | None]]:
    """Yield (job, wait status or None when it ran out of time) as the gradings end."""
    while jobs:
        ended = False
        for pid, job in list(jobs.items()):
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                del jobs[pid]
                ended = True
                yield job, status
            elif time.monotonic() > job.deadline:
                try:
                    os.killpg(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                os.waitpid(pid, 0)
                del jobs[pid]
                ended = True
                yield job, None
        if not ended:
            time.sleep(0.02)


def finish(course: Course, plan: Plan, options: Options, job: Job, wait_status: int | None) -> StudentRecord:
    """The student's record, from what the grading left in its private folder; then clean up
    (whatever happens)."""
    try:
        try:
            os.killpg(job.pid, signal.SIGKILL)     # whatever the submission left running
        except (ProcessLookupError, PermissionError):
            pass
        if wait_status is None:
            ended = "timed out"
        elif os.WIFEXITED(wait_status) and os.WEXITSTATUS(wait_status) in (0, 1, 2, 5):
            ended = "completed"
        else:
            ended = "crashed"
        return records.judged(course, plan, job.submission.student, job.submission.folder, job.private, ended,
                              time.monotonic() - job.started, options.submission_timeout)
    finally:
        remove(job.private)


class RunnerSlots:
    """One runner per concurrent grading (slot), started by this process (so that whatever
    happens to a grading, its runner is closed here), and used for one submission after another
    where it can be made clean: starting one costs a Python, torch and matplotlib import, making
    it clean tens of milliseconds. When a grading ends, its runner throws away the cell the
    submission ran in (fresh namespaces: every process, file and IPC object the submission could
    touch) and makes a new one around its warm zygote; the next submission is copied in only after
    that. A runner without cells (no user namespaces here), or one that cannot be made sure of, is
    closed (its user's processes and files removed with it), and the next grading of its slot
    starts a new one. Each runner runs as a user of its own (as root)."""

    def __init__(self, course: Course):
        self.course = course
        self.base = Path(tempfile.mkdtemp(prefix="course-slots-"))
        self.base.chmod(0o711)            # each runner sees its own slot's folder, and nothing else
        self.runners: dict = {}

    def release(self, slot: int) -> None:
        """The grading in `slot` has ended: nothing it started may live on (its runner is made
        clean now, or closed)."""
        runner = self.runners.get(slot)
        if runner is not None and not runner.reset():
            runner.close()
            del self.runners[slot]

    def runner(self, slot: int):
        """The slot's runner, clean (release() made it so), or a new one."""
        runner = self.runners.pop(slot, None)
        if runner is not None and not runner.alive():
            runner.close()
            runner = None
        if runner is None:
            runner = self._new(slot)
        self.runners[slot] = runner
        return runner

    def _new(self, slot: int):
        from course.grading.judge.process import Runner
        target = self.base / f"slot{slot}" / "submission"
        if target.exists():
            remove(target)
        target.mkdir(parents=True)
        target.parent.chmod(0o711)
        runner = Runner(target, [self.course.data_path.parent], shared=True)
        runner.ready()                # here: the gradings forked from this process share what it read
        if os.geteuid() == 0:         # its own user's alone: no other runner may read this submission
            os.chown(target, runner.run_as, runner.run_as)
            target.chmod(0o700)
        else:
            target.chmod(0o755)
        return runner

    def close(self) -> None:
        for runner in self.runners.values():
            runner.close()
        self.runners.clear()
        remove(self.base)


# ------------------------------------------------------------------------------ this process, warm
def warm_up() -> None:
    """Import here what every grading needs, once, so that the forks inherit it."""
    import pytest  # noqa: F401

    import course.grading.judge.api  # noqa: F401
    import course.grading.judge.plugin  # noqa: F401
    os.environ.setdefault("MPLBACKEND", "Agg")
    try:
        import matplotlib.pyplot  # noqa: F401
    except ImportError:
        pass


def warm_graders(course: Course) -> None:
    """Let each grader file that has a `warm_up()` compute, once, here, what every student's judge
    would otherwise compute alike from nothing a learner gives (course/checks.py: `share`), so
    that the judges forked from this process inherit it. The graders are loaded as the judge
    loads them (a hidden twin finds its public twin by name) and leave no module or path behind."""
    import importlib.util
    graders = course.root / "autograder"
    files = [p for p in sorted(graders.glob("test_*.py")) if "def warm_up(" in p.read_text()]
    if not files:
        return
    torch.set_num_threads(1)
    modules, path = dict(sys.modules), list(sys.path)
    try:
        loaded = []
        for file in files + [p for p in sorted((graders / "hidden").glob("test_*.py"))
                             if any(f"from {f.stem} import" in p.read_text() for f in files)]:
            spec = importlib.util.spec_from_file_location(file.stem, file)
            module = importlib.util.module_from_spec(spec)
            sys.modules[file.stem] = module
            spec.loader.exec_module(module)
            loaded.append(module)
        for module in loaded:
            if hasattr(module, "warm_up"):
                module.warm_up()
    finally:                  # the graders go; what they imported (torch's modules, the course's) stays
        for name, module in list(sys.modules.items()):
            where = getattr(module, "__file__", None) or ""
            if name not in modules and Path(where).is_relative_to(graders):
                del sys.modules[name]
        sys.modules.update({name: module for name, module in modules.items() if name.startswith("test_")})
        sys.path[:] = path

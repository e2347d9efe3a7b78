"""`course watch`: grade a module again each time you save it, with the verdict in about a second.

A learner checks after every edit; `pytest autograder -k bigram` costs a few seconds, most of
them two torch imports (the judge's and the runner's). Here both stay up: this process imports
torch, pytest and the grading plugin once, and one warm runner (launch.Runner, shared) serves
every run. On each save of `exercises/<module>.py` (file times polled: no extra dependency),
the exercises of that module are graded again exactly as `pytest autograder -k <module>` grades
them: a run forked from this process (course.grading.run.graders), on a fresh worker of the runner, with
the same graders, deadlines and report. The screen then shows the score table and the next step.
"""
from __future__ import annotations

import signal
import sys
import time
from pathlib import Path

from course.manifest import Course, CourseError, load
from course.grading.target import resolve


class Watcher:
    """The modules of `target`, the times they were last saved, and a warm runner to grade them."""

    def __init__(self, course: Course, target: Path):
        self.course, self.target = course, Path(target)
        self.modules = [m for m in course.modules if (self.target / f"{m}.py").is_file()]
        if not self.modules:
            raise CourseError(f"{self.target}: none of the course's modules is there to watch")
        self.seen = self._times()
        self._warm()
        self._import_graders()
        from course.grading.judge.process import Runner
        self.runner = Runner(self.target, [course.data_path.parent], shared=True)

    @staticmethod
    def _warm() -> None:
        """What every graded run needs, imported once here so that each forked run has it."""
        import pytest  # noqa: F401
        import torch  # noqa: F401

        import course.grading.judge.api  # noqa: F401
        import course.grading.judge.client  # noqa: F401
        import course.grading.judge.plugin  # noqa: F401
        import course.grading.run  # noqa: F401

    def _import_graders(self) -> None:
        """The grader files, imported here under the names pytest gives them (their folder on
        sys.path, the file's stem), so that a run finds them imported; one that fails to import
        is left for pytest to report."""
        import importlib
        for path in sorted((self.course.root / "autograder").rglob("test_*.py")):
            folder = str(path.parent)
            if folder not in sys.path:
                sys.path.insert(0, folder)
            try:
                importlib.import_module(path.stem)
            except Exception:  # noqa: BLE001 - pytest will say what is wrong with it
                sys.modules.pop(path.stem, None)

    def _times(self) -> dict[str, int]:
        times = {}
        for module in self.modules:
            try:
                times[module] = (self.target / f"{module}.py").stat().st_mtime_ns
            except FileNotFoundError:
                times[module] = 0
        return times

    def changed(self) -> list[str]:
        """The modules saved since the last call, in the course's order."""
        now = self._times()
        saved = [m for m in self.modules if now[m] != self.seen.get(m)]
        self.seen = now
        return saved

    def grade(self, module: str | None = None) -> tuple[dict, str]:
        """(scores, report) of one module's exercises, or of every exercise."""
        from course.grading import run
        if not (self.runner.alive() and self.runner.shows(self.target)):
            from course.grading.judge.process import Runner  # learner code took it down: a new one
            self.runner.close()
            self.runner = Runner(self.target, [self.course.data_path.parent], shared=True)
        # "mlp.py": that file's exercises alone ("mlp" is also the name of an assignment)
        keyword = f"{module}.py" if module in self.modules else module
        return run.graders(self.target, keyword=keyword, course=self.course, runner=self.runner)

    def close(self) -> None:
        self.runner.close()


def report_of(output: str) -> str:
    """The part of a run's output a learner reads: the course's section (messages, the table,
    the next step), without pytest's progress lines; the whole output when there is none."""
    lines = output.splitlines()
    start = next((i for i, line in enumerate(lines) if "makemore course:" in line), None)
    if start is None:
        return output.rstrip()
    end = next((i for i in range(len(lines) - 1, start, -1) if lines[i].startswith("=")), len(lines))
    return "\n".join(lines[start + 1:end if end > start + 1 else len(lines)]).rstrip()


def cmd_watch(args) -> int:
    course = load()
    target = resolve(course, args.target)
    # a `kill` ends the watch as Ctrl-C does: the runner is closed, not left behind
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    watcher = Watcher(course, target)
    clear = "\033[2J\033[H" if sys.stdout.isatty() and not args.no_clear else ""
    shown = target.name if target.parent == course.root else str(target)
    try:
        _, output = watcher.grade(args.module)
        print(clear + report_of(output), flush=True)
        print(f"\nWatching {shown}/*.py: save a module to grade it again (Ctrl-C to stop).", flush=True)
        while True:
            time.sleep(args.interval)
            for module in watcher.changed():
                start = time.perf_counter()
                _, output = watcher.grade(module)
                took = time.perf_counter() - start
                print(clear + f"{module}.py saved: graded in {took:.1f} s\n", flush=True)
                print(report_of(output), flush=True)
                print(f"\nWatching {shown}/*.py (Ctrl-C to stop).", flush=True)
    except KeyboardInterrupt:
        print("\ncourse watch: stopped", flush=True)
        return 0
    finally:
        watcher.close()


def add_parser(sub) -> None:
    p = sub.add_parser("watch")
    p.add_argument("module", nargs="?", default=None,
                   help="grade only this module (or exercise) at the start; default: every exercise")
    p.add_argument("--target", default="exercises", help="exercises (default), solutions, or a folder")
    p.add_argument("--interval", type=float, default=0.2, help="seconds between looks at the files (default 0.2)")
    p.add_argument("--no-clear", action="store_true", help="do not clear the screen between runs")
    p.set_defaults(run=cmd_watch)

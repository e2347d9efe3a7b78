"""The judge's pytest plugin: how `pytest autograder` runs the graders and reports.

- `--target exercises|solutions|PATH` picks the folder of modules to grade (default exercises);
  `course grade` gives its judges a job file instead (`--job`, course/grading/job.py).
- Graders run here, in pytest's own process, and never run learner code: each course module
  is a fixture (`def test_x(bigram): ...`) whose functions are remote (handles.py, client.py).
  The runner (grading/runner/) starts in its sandbox (sandbox.py, process.py) when pytest starts,
  before any grader is collected, and gives each exercise a worker process of its own.
- Every check has a deadline; a worker that passes it is killed. The first check of an
  exercise that does not pass ends it: its remaining checks are reported as not run.
- Each target module is first imported once, before the first check that uses it: a module that
  hangs, crashes or fails at import costs its exercises one deadline, not one per check.
- At the end: a score table per exercise of course.toml, the total, and what to do next,
  instead of a wall of tracebacks (`-v` shows them). What a check that did not pass comes to is
  decided in verdict.py, its time limits in budget.py.
"""
from __future__ import annotations

import atexit
import os
import sys
import time
import traceback
import types
from pathlib import Path

import pytest

from course import selection
from course.grading import job, protocol, report
from course.grading.judge import context, process
from course.grading.judge.budget import Budget, check_budget, read_references
from course.grading.judge.handles import RemoteModule
from course.grading.judge.process import Runner, RunnerBroken
from course.grading.report import Result
from course.manifest import Course, CourseError, find_root, load
from course.grading.target import resolve as resolve_target

# The judge's torch-heavy modules, imported in pytest_configure once the runner is starting, so
# that the runner's interpreter and this one import torch at the same time (on two cores).
client = verdict = None

_state: dict = {}
SKIPPED = "already failed an earlier check"
RESULTS_EVERY = 0.5                   # seconds between two writes of --results while checks run


def pytest_addoption(parser):
    group = parser.getgroup("course", "makemore course graders")
    group.addoption("--target", default="exercises",
                    help="folder of modules to grade: exercises (default), solutions, or a path")
    group.addoption("--results", default=None, help="also write the scores as JSON to this file")
    group.addoption("--check-timeout", type=float, default=None,
                    help="CPU seconds one check may use (default: course.toml's [grading] budget, relative "
                         "to the reference's measured cost); it may wait wall_factor times as long")
    group.addoption("--cpu-log", default=None,
                    help="write the CPU seconds each exercise's checks used to this JSON file (course fixtures)")
    group.addoption("--instructor-grade", action="store_true",
                    help="the instructor's grade: the notebooks' hidden tests run too (course grade sets it)")
    group.addoption("--job", default=None, help="a job file of `course grade` (course/grading/job.py)")


def pytest_configure(config):
    job.configure(config)                 # --job: the options it stands for, read once
    config.addinivalue_line("markers", "exercise(id): the course exercise a grader checks")
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    try:
        root = Path(os.environ["COURSE_ROOT"]) if os.environ.get("COURSE_ROOT") else None
        if root is None:
            rp = Path(str(config.rootpath))
            root = rp if (rp / "course.toml").is_file() else find_root()
        course = load(root)
        target = resolve_target(course, config.getoption("target"))
    except CourseError as e:
        raise pytest.UsageError(str(e)) from None
    _state.update(course=course, target=target, results={}, config=config, imports={}, cpu={})
    context.instructor.set(bool(config.getoption("instructor_grade")))
    if config.getoption("verbose") <= 0:
        config.option.tbstyle = "no"      # the score table says it all; -v brings tracebacks back
        config.option.reportchars = ""
    fixtures = types.ModuleType("course_target_modules")
    for name in course.modules:
        setattr(fixtures, name, pytest.fixture(name=name)(lambda name=name: RemoteModule(name)))
    config.pluginmanager.register(fixtures, "course_target_modules")
    # The runner starts now, before this process imports torch and collects the graders: it is
    # its own interpreter, and never sees a grader.
    if not getattr(config.option, "collectonly", False):
        _state["runner"] = _start_runner()
    global client, verdict
    from course.grading.judge import client, verdict
    import torch
    torch.set_num_threads(1)          # small models: one thread is several times faster here


def _start_runner() -> Runner:
    course: Course = _state["course"]
    given = process.given_runner(_state["target"])      # one a caller started for many runs (course.grading.run)
    if given is not None:
        return given
    try:
        return Runner(_state["target"], [course.data_path.parent])
    except (RunnerBroken, RuntimeError, OSError) as exc:
        raise pytest.UsageError(f"the process that runs your code could not start: {exc}") from None


def pytest_sessionfinish(session, exitstatus):
    _state["exitstatus"] = int(exitstatus)
    path = session.config.getoption("cpu_log")
    if path and _state.get("cpu"):
        import json
        Path(path).write_text(json.dumps({k: round(v, 4) for k, v in _state["cpu"].items()}, indent=1))


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config):
    _end_session()
    runner = _state.pop("runner", None)
    if runner is not None and not runner.shared:
        runner.close()
    if "exitstatus" in _state and _whole_process(config):
        atexit.register(_exit_now, _state["exitstatus"])


def _whole_process(config) -> bool:
    """Whether this process is nothing but this pytest run (`pytest ...`, `python -m pytest ...`,
    not a pytest.main() called by some other program or test)."""
    spec = getattr(sys.modules.get("__main__"), "__spec__", None)
    command = getattr(spec, "name", None) == "pytest.__main__" or Path(sys.argv[0]).name in ("pytest", "py.test")
    return command and list(config.invocation_params.args) == sys.argv[1:]


def _exit_now(status: int) -> None:
    """Leave as soon as pytest is done: tearing down an interpreter that imported torch takes
    about 0.4 s, and nothing is left to tidy (the report is written, the runner is gone)."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)


def _exercise_id(item) -> str | None:
    marker = item.get_closest_marker("exercise")
    return marker.args[0] if marker else None


def _select(config, items, course: Course) -> None:
    """`-k NAME` with one name of the course selects exactly: an exercise id (mlp.train), an
    exercise's function (train), a module (batchnorm: its exercises, not recall.batchnorm_modes;
    mlp.py: the file's alone, where mlp also names the assignment) or an assignment
    (init-batchnorm). Another single name that no check's name contains is a one-line error
    listing the ids; anything else is pytest's own -k."""
    word = (config.option.keyword or "").strip()
    if not word or any(c in word for c in " ()") or word.startswith("not"):
        return
    matches = {ex.id for ex in selection.named(course, word)}
    if not matches:
        if any(word in item.name for item in items):
            return                               # the name of a check: pytest's -k finds it
        ids = ", ".join(ex.id for ex in course.exercises)
        raise pytest.UsageError(f"-k {word}: no exercise, module or assignment of course.toml is called that; "
                                f"the exercises are: {ids}")
    keep = [item for item in items if _exercise_id(item) in matches]
    dropped = [item for item in items if _exercise_id(item) not in matches]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
    items[:] = keep
    config.option.keyword = ""                   # selected: pytest's own -k has nothing left to do


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(session, config, items):
    course: Course = _state["course"]
    known = {ex.id for ex in course.exercises}
    for item in items:
        ex_id = _exercise_id(item)
        if ex_id is None:
            raise pytest.UsageError(f"{item.nodeid}: a grader needs @exercise(\"module.function\")")
        if ex_id not in known:
            raise pytest.UsageError(f"{item.nodeid}: exercise {ex_id!r} is not in course.toml")
        # `-k count_bigrams` selects an exercise's checks by its function name, `-k init-batchnorm`
        # a whole assignment
        item.extra_keyword_matches.update({ex_id.split(".", 1)[1], course.exercise(ex_id).assignment})
    job.deselect(config, items, _exercise_id)
    _state["planned"] = _checks_per_exercise(items)     # before any -k: every check of each exercise
    _select(config, items, course)
    # In the course's order (course.toml), each exercise's checks together, the instructors'
    # hidden ones (autograder/hidden/) after its public ones: one worker serves them all.
    order = {ex.id: i for i, ex in enumerate(course.exercises)}
    items.sort(key=lambda item: (order[_exercise_id(item)], "hidden" in Path(str(item.path)).parts))


def _checks_per_exercise(items) -> dict[str, int]:
    counts: dict[str, int] = {}
    for item in items:
        counts[_exercise_id(item)] = counts.get(_exercise_id(item), 0) + 1
    return counts


def pytest_collection_finish(session):
    """Exercises of which -k selected only some checks: partly checked, never their points."""
    selected, planned = _checks_per_exercise(session.items), _state.get("planned", {})
    _state["partial"] = {ex for ex, n in selected.items() if n < planned.get(ex, n)}
    _state["expected"] = selected      # an exercise earns its points when all of these ran and passed


def _score(course: Course, results) -> list:
    return report.score(course, results, _state.get("expected"), _state.get("partial", set()))


# ------------------------------------------------------------------------------ sessions
def _end_session() -> None:
    session = _state.pop("session", None)
    context.session.set(None)
    _state.pop("session_exercise", None)
    if session is not None:
        session.close()


def _session_for(ex_id: str, limits: dict):
    """The worker of exercise `ex_id`: the current one, or a new one."""
    if _state.get("session_exercise") == ex_id and not _state["session"].dead:
        return _state["session"]
    _end_session()
    course: Course = _state["course"]
    runner: Runner = _state.get("runner") or _state.setdefault("runner", _start_runner())
    config = protocol.WorkerConfig(str(_state["target"]), limits["memory_mb"], limits["output_limit"])
    try:
        session = client.Session(runner, *runner.spawn(config))
    except (RunnerBroken, OSError, RuntimeError):
        # Learner code took the runner down (it may kill its own processes): start a new one.
        runner.close()
        runner = _state["runner"] = _start_runner()
        try:
            session = client.Session(runner, *runner.spawn(config))
        except (RunnerBroken, OSError, RuntimeError) as exc:
            pytest.exit(f"the process that runs your code could not start: {exc}", returncode=4)
    session.inplace_args = course.exercise(ex_id).inplace_args
    _state.update(session=session, session_exercise=ex_id)
    context.session.set(session)
    del course
    return session


def _import_result(name: str, ex_id: str, budget: Budget, limits: dict) -> Result:
    """Import the target's module `name` in the worker of `ex_id`, before its first check: once
    per module, the result kept (a module that hangs or fails at import costs one deadline)."""
    imports = _state["imports"]
    if name not in imports:
        session = _session_for(ex_id, limits)
        session.start_check(budget.cpu, budget.wall, budget.idle)
        start = time.perf_counter()
        try:
            session.request(protocol.Import(name))
            imports[name] = Result("passed")
        except BaseException as exc:   # noqa: BLE001 - classified below
            imports[name] = Result(*verdict.classify(exc, budget), seconds=time.perf_counter() - start)
            _end_session()
        finally:
            session.end_check()
    return imports[name]


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem):
    course: Course = _state["course"]
    ex_id = _exercise_id(pyfuncitem)
    earlier = _state["results"].get(ex_id, [])
    if any(r.status != "passed" for _, r in earlier):
        # The exercise has lost its points already; its remaining checks would only cost time.
        pytest.skip(f"{ex_id} {SKIPPED}")
    args = {name: pyfuncitem.funcargs[name] for name in pyfuncitem._fixtureinfo.argnames}
    budget = _budget(pyfuncitem.config, course, ex_id)
    limits = dict(memory_mb=course.grading("memory_mb"), output_limit=course.grading("output_limit"))
    modules = [name for name in args if name in course.modules]
    try:
        result = next((r for r in (_import_result(name, ex_id, budget, limits) for name in modules)
                       if r.status != "passed"), None)
        if result is None:
            result = _run_check(pyfuncitem, ex_id, args, budget, limits)
    except (KeyboardInterrupt, pytest.exit.Exception):
        raise
    except BaseException as exc:   # noqa: BLE001 - the judge's own trouble is this check's failure, never a pass
        result = Result("error", f"this check could not be completed ({type(exc).__name__}); "
                                 "it counts as not passed", "".join(traceback.format_exception(exc))[-4000:])
        _end_session()
    _state["results"].setdefault(ex_id, []).append((pyfuncitem.name, result))
    path = pyfuncitem.config.getoption("results")
    if path and time.monotonic() >= _state.get("results_due", 0.0):
        # Written as the checks go (at most every RESULTS_EVERY seconds, and at the end), so that
        # a run stopped half-way still tells what it graded; a check whose row was not written
        # yet counts as not graded.
        report.write_json(Path(path), str(_state["target"]), _score(course, _state["results"]))
        _state["results_due"] = time.monotonic() + RESULTS_EVERY
    pyfuncitem.course_result = result
    if result.status != "passed":
        text = f"[{result.status}] {result.message}".rstrip()
        if pyfuncitem.config.getoption("verbose") > 0 and result.detail:
            text += "\n" + result.detail
        pytest.fail(text, pytrace=False)
    return True


def _run_check(item, ex_id: str, args: dict, budget: Budget, limits: dict) -> Result:
    session = _session_for(ex_id, limits)
    session.printed.clear()
    start = time.perf_counter()
    session.start_check(budget.cpu, budget.wall, budget.idle)
    running = context.exercise.set(ex_id)
    try:
        item.obj(**args)
        status, message, detail = "passed", "", ""
    except BaseException as exc:     # noqa: BLE001 - every outcome becomes a verdict
        if isinstance(exc, (KeyboardInterrupt,)):
            raise
        status, message = verdict.classify(exc, budget)
        detail = exc.info.get("detail", "") if isinstance(exc, client.LearnerRaised) else \
            "".join(traceback.format_exception(exc))[-4000:]
    finally:
        context.exercise.reset(running)
        cpu = session.end_check()
    _state["cpu"][ex_id] = max(_state["cpu"].get(ex_id, 0.0), cpu)
    if status != "passed":
        _end_session()
    return Result(status, message[:4000], detail, time.perf_counter() - start, "".join(session.printed)[:4000])


def _budget(config, course: Course, ex_id: str) -> Budget:
    """The check's time limits (budget.py): from the reference's measured CPU time, or --check-timeout."""
    references = _state.setdefault("references", read_references(course))
    return check_budget(course, references.get(ex_id), config.getoption("check_timeout"))


# ------------------------------------------------------------------------------ the report
LETTERS = {"not started": "n", "timed out": "T", "error": "E"}


def pytest_report_teststatus(report, config):
    status = getattr(report, "course_status", None)
    if report.when == "call" and status in LETTERS:
        return status, LETTERS[status], status.upper()
    if report.skipped and isinstance(report.longrepr, tuple) and SKIPPED in report.longrepr[2]:
        return "not run", "-", "NOT RUN"      # the check of an exercise that has lost its points


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    if rep.when == "call" and hasattr(item, "course_result"):
        rep.course_status = item.course_result.status
    # A fixture that failed (rare: the graders' own set-up) still shows up in the table.
    if rep.when == "setup" and rep.failed:
        ex_id = _exercise_id(item)
        if ex_id:
            _state["results"].setdefault(ex_id, []).append(
                (item.name, Result("error", f"the grader's set-up failed: {call.excinfo.value}")))


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    results = _state.get("results")
    if not results:
        return
    course: Course = _state["course"]
    rows = _score(course, results)
    tr = terminalreporter
    try:
        shown = _state["target"].relative_to(course.root)
    except ValueError:
        shown = _state["target"]
    tr.section(f"makemore course: {shown}", sep="=", bold=True)
    for text, colour in report.lines(course, rows, str(shown), verbose=config.getoption("verbose") > 0,
                                     provisional=not config.getoption("instructor_grade")):
        tr.write_line(text, **({colour: True} if colour else {}))
    path = config.getoption("results")
    if path:
        report.write_json(Path(path), str(_state["target"]), rows)


@pytest.fixture(scope="session")
def names() -> list[str]:
    """The bundled data set (data/names.txt), checked against course.toml's sha256."""
    from course.data import load_words
    return load_words(_state["course"])


@pytest.fixture(scope="session")
def instructor_grade(request) -> bool:
    """Whether this run is the instructor's grade (the notebooks' hidden tests run too)."""
    return bool(request.config.getoption("instructor_grade"))


@pytest.fixture(scope="session")
def target_folder() -> Path:
    """The folder being graded (--target)."""
    return _state["target"]

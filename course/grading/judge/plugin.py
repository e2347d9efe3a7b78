"""The judge's pytest plugin: how `pytest autograder` runs the graders and reports.

- `--target exercises|solutions|PATH` picks the folder of modules to grade (default exercises);
  `course grade` gives its judges a job file instead (`--job`, course/grading/job.py).
- Graders run here, in pytest's own process, and never run learner code: each course module
  is a fixture (`def test_x(bigram): ...`) whose functions are remote (judge.py). The runner
  (runner.py) starts in its sandbox (sandbox.py) when pytest starts, before any grader is
  collected, and gives each exercise a worker process of its own.
- Every check has a deadline; a worker that passes it is killed. The first check of an
  exercise that does not pass ends it: its remaining checks are reported as not run.
- Each target module is first imported once, before the first check that uses it: a module that
  hangs, crashes or fails at import costs its exercises one deadline, not one per check.
- At the end: a score table per exercise of course.toml, the total, and what to do next,
  instead of a wall of tracebacks (`-v` shows them).
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
from course.grading import job, report
from course.grading.judge import context, process
from course.grading.judge.process import Runner, RunnerBroken
from course.grading.report import Result, not_started_message
from course.manifest import Course, CourseError, find_root, load
from course.target import resolve as resolve_target

# The judge's torch-heavy modules, imported in pytest_configure once the runner is starting, so
# that the runner's interpreter and this one import torch at the same time (on two cores).
checks = judge = None

_state: dict = {}
SKIPPED = "already failed an earlier check"
RESULTS_EVERY = 0.5                   # seconds between two writes of --results while checks run


class RemoteModule:
    """Stands for a learner's module: its functions run in the runner."""

    def __init__(self, name: str):
        self._name = name

    def __getattr__(self, attr):
        if attr.startswith("__"):
            raise AttributeError(attr)
        return judge.RemoteFunction(current_session, self._name, attr)

    def __repr__(self) -> str:
        return f"<module {self._name} of the target>"


current_session = context.current_session


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
    global checks, judge
    from course.grading.judge import api as checks
    from course.grading.judge import client as judge
    import torch
    torch.set_num_threads(1)          # small models: one thread is several times faster here


def _start_runner() -> Runner:
    course: Course = _state["course"]
    given = process.given_runner(_state["target"])      # one a caller started for many runs (course.run)
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
    config = {"target": str(_state["target"]), "memory_mb": limits["memory_mb"],
              "output_limit": limits["output_limit"]}
    try:
        session = judge.Session(runner, *runner.spawn(config))
    except (RunnerBroken, OSError, RuntimeError):
        # Learner code took the runner down (it may kill its own processes): start a new one.
        runner.close()
        runner = _state["runner"] = _start_runner()
        try:
            session = judge.Session(runner, *runner.spawn(config))
        except (RunnerBroken, OSError, RuntimeError) as exc:
            pytest.exit(f"the process that runs your code could not start: {exc}", returncode=4)
    session.inplace_args = course.exercise(ex_id).inplace_args
    _state.update(session=session, session_exercise=ex_id)
    context.session.set(session)
    del course
    return session


def _import_result(name: str, ex_id: str, budget: "Budget", limits: dict) -> Result:
    """Import the target's module `name` in the worker of `ex_id`, before its first check: once
    per module, the result kept (a module that hangs or fails at import costs one deadline)."""
    imports = _state["imports"]
    if name not in imports:
        session = _session_for(ex_id, limits)
        session.start_check(budget.cpu, budget.wall, budget.idle)
        start = time.perf_counter()
        try:
            session.request("import", module=name)
            imports[name] = Result("passed")
        except BaseException as exc:   # noqa: BLE001 - classified below
            imports[name] = Result(*classify(exc, budget), seconds=time.perf_counter() - start)
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


def _run_check(item, ex_id: str, args: dict, budget: "Budget", limits: dict) -> Result:
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
        status, message = classify(exc, budget)
        detail = exc.info.get("detail", "") if isinstance(exc, judge.LearnerRaised) else \
            "".join(traceback.format_exception(exc))[-4000:]
    finally:
        context.exercise.reset(running)
        cpu = session.end_check()
    _state["cpu"][ex_id] = max(_state["cpu"].get(ex_id, 0.0), cpu)
    if status != "passed":
        _end_session()
    return Result(status, message[:4000], detail, time.perf_counter() - start, "".join(session.printed)[:4000])


# ------------------------------------------------------------------------------ time limits
class Budget:
    """A check's limits: `cpu` seconds of the worker's CPU, `wall` seconds in all (a backstop for
    code that sleeps or blocks), `idle` seconds in a row without using the CPU, and what the
    reference solution needs (`reference`, if known)."""

    def __init__(self, cpu: float, wall: float, reference: float | None, idle: float = float("inf")):
        self.cpu, self.wall, self.reference, self.idle = cpu, wall, reference, idle


def _budget(config, course: Course, ex_id: str) -> Budget:
    """CPU time, not wall-clock time, so that a verdict does not depend on how busy the machine
    is: `cpu_factor` times what the reference needed (autograder/fixtures/budgets.json, measured
    by `course fixtures`), at least `cpu_floor` seconds; --check-timeout sets it outright."""
    references = _state.setdefault("references", _read_budgets(course))
    reference = references.get(ex_id)
    given = config.getoption("check_timeout")
    if given:
        cpu = float(given)
    else:
        cpu = max(float(course.grading("cpu_floor")), float(course.grading("cpu_factor")) * (reference or 0.0))
    idle = min(cpu, float(course.grading("idle_limit")))      # a blocked check waits no longer than it may compute
    return Budget(cpu, cpu * float(course.grading("wall_factor")), reference, idle)


def _read_budgets(course: Course) -> dict[str, float]:
    import json
    try:
        data = json.loads((course.root / "autograder" / "fixtures" / "budgets.json").read_text())
        return {k: float(v) for k, v in data["cpu_seconds"].items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}


# ------------------------------------------------------------------------------ verdicts
def classify(exc: BaseException, budget: "Budget | None" = None) -> tuple[str, str]:
    """(status, message) for what a check raised: never a pass, and never an exception of its
    own (anything it cannot read is an error of the check)."""
    try:
        return _classify(exc, budget)
    except Exception as trouble:  # noqa: BLE001
        return "error", f"your code failed in a way the course could not describe ({type(trouble).__name__})"


def _classify(exc: BaseException, budget: "Budget | None") -> tuple[str, str]:
    ex_id = context.exercise.get() or "?"
    if isinstance(exc, checks.NotStarted):
        return "not started", judge._text(str(exc))
    if isinstance(exc, checks.GraderFailure):
        return "failed", judge._text(str(exc))
    if isinstance(exc, judge.CheckTimedOut):
        return "timed out", timeout_message(exc, budget)
    if isinstance(exc, judge.WorkerDied):
        return "error", judge._text(str(exc))
    if isinstance(exc, RunnerBroken):
        return "error", f"the process running your code broke the connection ({judge._text(str(exc), 300)})"
    if isinstance(exc, judge.LearnerRaised):
        return _learner_verdict(judge.exception_info(exc.info), ex_id)
    if isinstance(exc, KeyError) and "has no hint" in str(exc):
        return "error", f"the course's grader is broken, not your code ({exc}); please tell your instructor"
    # The grader itself raised while looking at a result (a type it did not expect, say): its own
    # exception means nothing to a learner (-v shows it); say what to compare with the docstring.
    text = judge._text(str(exc))
    if "dtype" in text or "Double" in text or "Half" in text:
        return "failed", ("your result could not be checked: a tensor of it has another dtype than the docstring "
                          "asks for (float32 unless it says otherwise; a numpy array becomes float64: .float())")
    return "failed", ("your result could not be checked: is it of the type, shape and dtype the docstring asks "
                      "for? (`pytest autograder -v` shows where the check stopped)")


def timeout_message(exc, budget: "Budget | None") -> str:
    """Which limit a check ran into, in the learner's terms: CPU it used, or time it waited."""
    reference = ""
    if budget is not None and budget.reference is not None:
        reference = (f" (the reference needs {budget.reference:.2g} s)" if budget.reference >= 0.01
                     else " (the reference needs less than 0.01 s)")
    if exc.kind == "cpu":
        return (f"used {exc.cpu:.1f} s of CPU{reference}: look for a loop that never ends "
                "(or a recursion that never reaches its base case), or vectorise")
    if exc.kind == "idle":
        return (f"waited {exc.waited:.0f} s without using the CPU: is it blocked on input(), a sleep, "
                "a lock or a pipe?")
    used = f" while using {exc.cpu:.1f} s of CPU" if exc.cpu is not None else ""
    return (f"waited {exc.waited:.0f} s{used} without finishing: is it blocked (input(), a sleep, a lock), "
            "or is the machine very busy?")


def _learner_verdict(info: dict, ex_id: str) -> tuple[str, str]:
    types_ = info.get("types") or []
    name = types_[0] if types_ else "Exception"
    text = info.get("message") or ""
    kind = info.get("kind")
    if kind == "import":
        module = info.get("module") or "your module"
        if "SyntaxError" in types_ or "IndentationError" in types_:
            line = f" (line {info.get('lineno')})" if info.get("lineno") and "line " not in text else ""
            return "error", f"{module}.py does not import: {text}{line}"
        if "SystemExit" in types_:
            return "error", f"{module}.py calls exit() when imported; remove it"
        if "ModuleNotFoundError" in types_ and f"'{module}'" in text:
            return "error", f"{module}.py is missing: keep every module of exercises/, even unfinished"
        if {"OutputFlood", "MemoryError", "RecursionError"} & set(types_):
            status, message = _learner_verdict({**info, "kind": "raised"}, ex_id)
            return status, f"{module}.py, when imported: {message}"
        return "error", f"{module}.py does not import: {name}: {text}"
    if kind == "missing":
        return "failed", f"{text}: keep the names and signatures of the stubs (course.toml lists them)"
    if kind == "unsendable":
        return "failed", (f"your code returned something that cannot be graded ({text}); return tensors, "
                          "numbers, strings, lists, tuples or dicts, as the docstring says")
    if "NotImplementedError" in types_:
        if text == not_started_message(ex_id) or not text:
            return "not started", ""
        other = text.split(" ", 1)[0]
        if text == not_started_message(other):
            return "failed", f"this uses {other}, which is not started yet: finish it first"
        return "not started", text
    if "OutputFlood" in types_:
        return "error", text
    if "SystemExit" in types_:
        return "error", "your code called exit(); an exercise must return its result instead"
    if "RecursionError" in types_:
        return "error", "your code recursed without end (RecursionError): check the base case"
    if "MemoryError" in types_ or ("allocate" in text.lower() and "memory" in text.lower()):
        return "error", "your code ran out of memory: is a tensor much larger than it needs to be?"
    if "AssertionError" in types_:
        return "failed", text or "an assertion in your code failed"
    first = text.splitlines()[0] if text else ""
    where = f" ({info['where']})" if info.get("where") else ""
    return "error", f"your code raised {name}{': ' + first if first else ''}{where}"


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

"""The graders' harness: how `pytest autograder` runs and reports.

- `--target exercises|solutions|PATH` picks the folder of modules to grade (default exercises).
- Each course module is a fixture (`def test_x(bigram): ...`). It imports the target's module
  lazily, so the import happens inside the check's own process.
- Learner code runs in a forked child with a memory cap and an output cap
  (course/isolation.py); whatever it does, the run goes on. The checks of one exercise share
  a child, one after the other, each with its own deadline; the first that does not pass ends
  it, and the exercise's remaining checks are reported as not run (its points are lost).
- Each target module is first imported once on its own (a probe): a module that hangs,
  crashes or fails at import costs its exercises one deadline, not one per check.
- Learner code must not change what the checks rely on: a check that patched torch, pytest
  or the graders, or wrote to the graders' files, is an error (the files are put back).
- At the end: a score table per exercise of course.toml, the total, and what to do next,
  instead of a wall of tracebacks (`-v` shows them).
"""
from __future__ import annotations

import builtins
import importlib
import json
import os
import sys
import types
from pathlib import Path

import pytest

from course import isolation, report
from course.checks import GraderFailure, _current
from course.isolation import OutputFlood, Result
from course.manifest import Course, CourseError, find_root, load
from course.stubs import not_started_message
from course.target import resolve as resolve_target

_state: dict = {}


class ModuleImportFailed(Exception):
    pass


class TargetModule:
    """Stands for a learner's module; the real import happens on first use, in the child."""

    def __init__(self, name: str):
        self._name = name

    def __getattr__(self, attr):
        if attr.startswith("__"):
            raise AttributeError(attr)
        module = sys.modules.get(self._name)
        if module is None:
            try:
                module = importlib.import_module(self._name)
            except BaseException as exc:  # noqa: BLE001 - a syntax error, exit() at import, ...
                raise ModuleImportFailed(self._name) from exc
        try:
            return getattr(module, attr)
        except AttributeError:
            raise GraderFailure(f"{self._name}.py has no `{attr}`: keep the names and signatures "
                                f"of the stubs (course.toml lists them)") from None

    def __repr__(self) -> str:
        return f"<module {self._name} of the target>"


def pytest_addoption(parser):
    group = parser.getgroup("course", "makemore course graders")
    group.addoption("--target", default="exercises",
                    help="folder of modules to grade: exercises (default), solutions, or a path")
    group.addoption("--results", default=None, help="also write the scores as JSON to this file")
    group.addoption("--check-timeout", type=float, default=None,
                    help="seconds one check may take (default: course.toml's [grading] timeout)")
    group.addoption("--protect-files", action="store_true",
                    help="put back the graders' files (autograder/, data/, course.toml) after any check "
                         "that wrote to them, and fail that check (`course grade` uses it on its copy)")


def pytest_configure(config):
    config.addinivalue_line("markers", "exercise(id): the course exercise a grader checks")
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    import torch
    torch.set_num_threads(1)          # small models: one thread is several times faster here
    try:
        root = Path(os.environ["COURSE_ROOT"]) if os.environ.get("COURSE_ROOT") else None
        if root is None:
            rp = Path(str(config.rootpath))
            root = rp if (rp / "course.toml").is_file() else find_root()
        course = load(root)
    except CourseError as e:
        raise pytest.UsageError(str(e)) from None
    os.environ["COURSE_ROOT"] = str(course.root)
    try:
        target = resolve_target(course, config.getoption("target"))
    except CourseError as e:
        raise pytest.UsageError(str(e)) from None
    sys.path.insert(0, str(target))
    for name in course.modules:          # a module of the same name imported earlier would shadow it
        sys.modules.pop(name, None)
    _state.update(course=course, target=target, results={}, config=config)
    if config.getoption("verbose") <= 0:
        config.option.tbstyle = "no"      # the score table says it all; -v brings tracebacks back
        config.option.reportchars = ""
    fixtures = types.ModuleType("course_target_modules")
    for name in course.modules:
        setattr(fixtures, name, pytest.fixture(name=name)(lambda name=name: TargetModule(name)))
    config.pluginmanager.register(fixtures, "course_target_modules")


def pytest_unconfigure(config):
    target = _state.get("target")
    if target and str(target) in sys.path:
        sys.path.remove(str(target))


def _exercise_id(item) -> str | None:
    marker = item.get_closest_marker("exercise")
    return marker.args[0] if marker else None


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
    # The instructors' hidden checks (autograder/hidden/) come after the public ones.
    items.sort(key=lambda item: "hidden" in Path(str(item.path)).parts)


def classify(exc: BaseException) -> tuple[str, str]:
    """Turn what a check raised into (status, message), inside the check's process."""
    ex_id = _current[-1] if _current else "?"
    if isinstance(exc, GraderFailure):
        return "failed", str(exc)
    if isinstance(exc, ModuleImportFailed):
        cause = exc.__cause__
        module = exc.args[0]
        if isinstance(cause, SyntaxError):
            return "error", f"{module}.py does not import: {cause.msg} (line {cause.lineno})"
        if isinstance(cause, SystemExit):
            return "error", f"{module}.py calls exit() when imported; remove it"
        if isinstance(cause, ModuleNotFoundError) and cause.name == module:
            return "error", f"{module}.py is missing: keep every module of exercises/, even unfinished"
        if isinstance(cause, (OutputFlood, MemoryError, RecursionError)):
            return classify(cause)[0], f"{module}.py, when imported: {classify(cause)[1]}"
        return "error", f"{module}.py does not import: {type(cause).__name__}: {cause}"
    if isinstance(exc, NotImplementedError):
        text = str(exc)
        if text == not_started_message(ex_id) or not text:
            return "not started", ""
        other = text.split(" ", 1)[0]
        if text == not_started_message(other):
            return "failed", f"this uses {other}, which is not started yet: finish it first"
        return "not started", text
    if isinstance(exc, OutputFlood):
        return "error", str(exc)
    if isinstance(exc, SystemExit):
        return "error", "your code called exit(); an exercise must return its result instead"
    if isinstance(exc, RecursionError):
        return "error", "your code recursed without end (RecursionError): check the base case"
    if isinstance(exc, MemoryError) or "allocate" in str(exc).lower() and "memory" in str(exc).lower():
        return "error", "your code ran out of memory: is a tensor much larger than it needs to be?"
    if isinstance(exc, AssertionError):
        return "failed", str(exc) or "an assertion failed"
    text = str(exc).splitlines()[0] if str(exc) else ""
    return "error", f"your code raised {type(exc).__name__}{': ' + text if text else ''}{_where(exc)}"


def _where(exc: BaseException) -> str:
    target = str(_state.get("target", ""))
    tb, place = exc.__traceback__, ""
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if target and filename.startswith(target):
            place = f" ({Path(filename).name}, line {tb.tb_lineno})"
        tb = tb.tb_next
    return place


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem):
    course: Course = _state["course"]
    ex_id = _exercise_id(pyfuncitem)
    ex = course.exercise(ex_id)
    earlier = _state["results"].get(ex_id, [])
    if any(r.status != "passed" for _, r in earlier):
        # The exercise has lost its points already; its remaining checks would only cost time.
        pytest.skip(f"{ex_id} {SKIPPED}")
    args = {name: pyfuncitem.funcargs[name] for name in pyfuncitem._fixtureinfo.argnames}
    timeout = pyfuncitem.config.getoption("check_timeout") or ex.timeout or course.grading("timeout")
    limits = dict(timeout=timeout, memory_mb=course.grading("memory_mb"),
                  output_limit=course.grading("output_limit"))
    guard = _state.get("guard") or _state.setdefault("guard", TamperGuard(course, pyfuncitem.session))
    modules = [name for name in args if name in course.modules]
    result = _state.setdefault("ahead", {}).pop(pyfuncitem.nodeid, None)   # run with an earlier check
    if result is None:
        result = next((r for r in (_probe_import(name, guard, limits) for name in modules)
                       if r.status != "passed"), None)
    if result is None:
        batch = _batch(pyfuncitem, course)
        bodies = [_body(ex_id, item, args if item is pyfuncitem else _ready_args(item, pyfuncitem, course))
                  for item in batch]
        results = isolation.run_many(bodies, classify, verify=guard.patched, **limits)
        # A check that wrote to the graders' files said so itself and ended the batch: it is the
        # last one. Put the files back (and blame it, had it died before it could say so).
        results[-1] = guard.restore_files(results[-1])
        result = results[0]
        for item, ahead in zip(batch[1:], results[1:]):
            _state["ahead"][item.nodeid] = ahead
    _state["results"].setdefault(ex_id, []).append((pyfuncitem.name, result))
    path = pyfuncitem.config.getoption("results")
    if path:    # written after every check, so that a run stopped half-way still tells what it graded
        report.write_json(Path(path), str(_state["target"]), report.score(course, _state["results"]))
    pyfuncitem.course_result = result
    if result.status != "passed":
        text = f"[{result.status}] {result.message}".rstrip()
        if pyfuncitem.config.getoption("verbose") > 0 and result.detail:
            text += "\n" + result.detail
        pytest.fail(text, pytrace=False)
    return True


def _body(ex_id: str, item, args: dict):
    def body():
        _current.append(ex_id)
        item.obj(**args)
    return body


def _batch(item, course: Course) -> list:
    """`item`, and the checks of the same exercise after it that can share its process:
    those that need nothing but the course's modules and session-wide fixtures, which are
    ready before the process starts."""
    items = item.session.items
    batch = [item]
    for later in items[items.index(item) + 1:]:     # the hidden checks, last, included
        if _exercise_id(later) != _exercise_id(item):
            continue
        if _ready_args(later, item, course) is None:
            break
        batch.append(later)
    return batch


def _ready_args(later, item, course: Course) -> dict | None:
    """The arguments of the check `later`, made now through `item`'s fixtures; None when one
    of them must be made for `later` alone (a function-scoped fixture such as tmp_path)."""
    info, args = later._fixtureinfo, {}
    for name in info.argnames:
        if name in course.modules:
            args[name] = TargetModule(name)
        elif info.name2fixturedefs[name][-1].scope == "session":
            args[name] = item._request.getfixturevalue(name)
        else:
            return None
    return args


def _probe_import(name: str, guard: "TamperGuard", limits: dict) -> Result:
    """Import the target's module `name` once on its own, in a child; the result is kept."""
    probes = _state.setdefault("imports", {})
    if name not in probes:
        def load():
            try:
                importlib.import_module(name)
            except BaseException as exc:  # noqa: BLE001 - as TargetModule does
                raise ModuleImportFailed(name) from exc
        probes[name] = guard.restore_files(isolation.run(load, classify, verify=guard.patched, **limits))
    return probes[name]


def _same_bytes(path: Path, blob: bytes) -> bool:
    try:
        return path.read_bytes() == blob
    except OSError:
        return False


class TamperGuard:
    """What the checks rely on, recorded before any learner code runs, and checked after it.

    A check runs in its own child, so learner code that patches torch or the graders only
    fools the check it runs in; `patched` (run in that child) catches it. Files outlive the
    child: with --protect-files the graders' files are compared after every check and put back.
    """

    def __init__(self, course: Course, session):
        import math

        import torch
        import torch.nn
        import torch.nn.functional

        from course import checks
        modules = [torch, torch.nn, torch.nn.functional, math, builtins, json, os, pytest, checks, isolation,
                   report, sys.modules[__name__]]
        modules += list({id(i.module): i.module for i in session.items if getattr(i, "module", None)}.values())
        # Only callables are compared: they are what a patch replaces, and a grader's data may change.
        self.saved = [(m.__name__, m.__dict__, {k: v for k, v in vars(m).items() if callable(v)}) for m in modules]
        self.saved.append(("torch.Tensor", vars(torch.Tensor), dict(vars(torch.Tensor))))
        self.files: dict[Path, bytes] = {}
        if _state["config"].getoption("protect_files"):
            # The graded copy, and the course it was copied from ($COURSE_ORIGINAL_ROOT, set by
            # `course grade`), which learner code could find through this package's own path.
            roots = {course.root, *(Path(r) for r in [os.environ.get("COURSE_ORIGINAL_ROOT")] if r)}
            for root in roots:
                paths = [root / "course.toml", root / course.data_path.relative_to(course.root),
                         *sorted((root / "autograder").rglob("*"))]
                self.files.update({p: p.read_bytes() for p in paths if p.is_file() and "__pycache__" not in p.parts})
        self.modes = {p: p.stat().st_mode & 0o7777 for p in self.files}

    def patched(self) -> str | None:
        """A message naming what learner code replaced, or None (called in the check's child)."""
        import torch
        for label, live, saved in self.saved:
            changed = [k for k, v in saved.items() if live.get(k) is not v]
            if label == "torch.Tensor":
                changed += [k for k in vars(torch.Tensor) if k not in saved]
            if changed:
                return (f"your code changed {label}.{changed[0]}, which the graders rely on; an exercise must "
                        "not patch torch, pytest or the graders")
        written = [path.name for path in self.files if not _same_bytes(path, self.files[path])]
        if written:
            return (f"your code wrote to the graders' files ({', '.join(written[:3])}); they were put back. "
                    "An exercise must only return its result")
        return None

    def restore_files(self, result: Result) -> Result:
        """Put back any grader file a check changed; such a check is an error."""
        changed = []
        for path, blob in self.files.items():
            if not _same_bytes(path, blob):
                try:
                    path.parent.mkdir(parents=True, exist_ok=True)
                    if path.exists():
                        path.chmod(0o644)
                    path.write_bytes(blob)
                    path.chmod(self.modes[path])
                except OSError:
                    pass
                changed.append(path.name)
        if not changed:
            return result
        return Result("error", f"your code wrote to the graders' files ({', '.join(changed[:3])}); they were "
                      "put back. An exercise must only return its result", seconds=result.seconds)


LETTERS = {"not started": "n", "timed out": "T", "error": "E"}
SKIPPED = "already failed an earlier check"


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
    rows = report.score(course, results)
    tr = terminalreporter
    try:
        shown = _state["target"].relative_to(course.root)
    except ValueError:
        shown = _state["target"]
    tr.section(f"makemore course: {shown}", sep="=", bold=True)
    for text, colour in report.lines(course, rows, str(shown), verbose=config.getoption("verbose") > 0):
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
def target_folder() -> Path:
    """The folder being graded (--target)."""
    return _state["target"]

"""Verdicts: what a check that did not pass comes to, in the learner's terms.

Computed here, on the judge's side, from what the judge itself saw: the grader's own failure,
a time limit, a worker that died, or what learner code raised as the runner described it (read
through protocol.Failure, so that no exception of any shape can make the verdict code fail).
"""
from __future__ import annotations

from course.grading import seam
from course.grading.judge import api, client, context
from course.grading.judge.budget import Budget
from course.grading.judge.process import RunnerBroken
from course.grading.report import not_started_message


def _text(value, limit: int = 4000) -> str:
    """Text the judge may keep, print and store; a value that is not text becomes empty."""
    return seam.safe_text(value, limit) if isinstance(value, str) else ""


def classify(exc: BaseException, budget: Budget | None = None) -> tuple[str, str]:
    """(status, message) for what a check raised: never a pass, and never an exception of its
    own (anything it cannot read is an error of the check)."""
    try:
        return _classify(exc, budget)
    except Exception as trouble:  # noqa: BLE001
        return "error", f"your code failed in a way the course could not describe ({type(trouble).__name__})"


def _classify(exc: BaseException, budget: Budget | None) -> tuple[str, str]:
    ex_id = context.exercise.get() or "?"
    if isinstance(exc, api.NotStarted):
        return "not started", _text(str(exc))
    if isinstance(exc, api.GraderFailure):
        return "failed", _text(str(exc))
    if isinstance(exc, client.CheckTimedOut):
        return "timed out", timeout_message(exc, budget)
    if isinstance(exc, client.WorkerDied):
        return "error", _text(str(exc))
    if isinstance(exc, RunnerBroken):
        return "error", f"the process running your code broke the connection ({_text(str(exc), 300)})"
    if isinstance(exc, client.LearnerRaised):
        return _learner_verdict(client.exception_info(exc.info), ex_id)
    if isinstance(exc, KeyError) and "has no hint" in str(exc):
        return "error", f"the course's grader is broken, not your code ({exc}); please tell your instructor"
    # The grader itself raised while looking at a result (a type it did not expect, say): its own
    # exception means nothing to a learner (-v shows it); say what to compare with the docstring.
    text = _text(str(exc))
    if "dtype" in text or "Double" in text or "Half" in text:
        return "failed", ("your result could not be checked: a tensor of it has another dtype than the docstring "
                          "asks for (float32 unless it says otherwise; a numpy array becomes float64: .float())")
    return "failed", ("your result could not be checked: is it of the type, shape and dtype the docstring asks "
                      "for? (`pytest autograder -v` shows where the check stopped)")


def timeout_message(exc, budget: Budget | None) -> str:
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
        other = text.split(" ", 1)[0]           # another exercise's stub, called from this one?
        if "." in other and text == not_started_message(other):
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

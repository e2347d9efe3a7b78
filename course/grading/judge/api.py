"""What a grader file imports: `exercise`, `expect`, `check`, `fixture`.

A grader is a plain pytest test that names its exercise and states expectations:

    @exercise("bigram.bigram_probs")
    def test_rows_sum_to_one(bigram):
        P = bigram.bigram_probs(torch.tensor([[0, 3], [1, 1]]))
        expect(P.sum(1)).close_to(torch.ones(2), why="rows of P must each sum to 1", hint="keepdim")

A failed expectation stops the check with a short message for the learner: what was expected,
what came back, and the exercise's hint named by `hint` (a key of its hints in course.toml).
"""
from __future__ import annotations

import json
import math
import numbers
from pathlib import Path
from typing import Any, Callable

import pytest
import torch

from course.grading import protocol
from course.grading.judge import context
from course.manifest import load


class GraderFailure(AssertionError):
    """A check failed; the text is for the learner."""


class NotStarted(GraderFailure):
    """What the check grades is not there yet (a file the learner makes, say): the exercise is
    not started, and the text says how to start it."""


def exercise(exercise_id: str):
    """Mark a test as a check of `exercise_id` (an id of course.toml)."""
    def mark(fn):
        return pytest.mark.exercise(exercise_id)(fn)
    return mark


def current_exercise() -> str | None:
    return context.exercise.get()


def hint_text(key: str | None) -> str:
    if key is None:
        return ""
    ex_id = current_exercise()
    if ex_id is None:
        return key
    return load().exercise(ex_id).hint(key)


def fail(why: str, got: str = "", hint: str | None = None):
    text = why.rstrip(".")
    if got:
        text += f"; {got}"
    text += "."
    if hint:
        text += f"\nhint: {hint_text(hint)}"
    raise GraderFailure(text)


def not_started(why: str) -> None:
    """Stop the check: the learner has not started this exercise yet (`why` says how to)."""
    raise NotStarted(why.rstrip(".") + ".")


def check(condition: bool, why: str, got: str = "", hint: str | None = None) -> None:
    """Fail with `why` (and the learner's `got`) unless `condition` holds."""
    if not condition:
        fail(why, got, hint)


def describe(value: Any) -> str:
    """A short description of a value for a message: shape and range of a tensor."""
    if isinstance(value, torch.Tensor):
        shape = tuple(value.shape)
        if value.numel() == 0:
            return f"an empty tensor of shape {shape}"
        if value.numel() <= 6:
            return f"{value.tolist()}"
        if value.dtype == torch.bool:
            return f"a bool tensor of shape {shape}"
        v = value.detach().double()
        return f"values {v.min().item():.4g} … {v.max().item():.4g} (shape {shape})"
    if isinstance(value, float):
        return f"{value:.6g}"
    text = repr(value)
    return text if len(text) <= 120 else text[:117] + "..."


# ---------------------------------------------------------------- what the contracts accept
# Stated once in the docstrings of solutions/ and honoured by every grader, public and hidden:
# "a number" is an int or float (not a bool) or a 0-d tensor without a graph; "a sequence" is a
# list or a tuple. (A 0-d tensor that requires grad keeps its whole graph alive in whatever
# stores it, a log of diagnostics say: .item() or .detach() it.)

def is_number(value: Any) -> bool:
    """A number as the contracts define it: an int or a float (numpy's scalars too), or a 0-d
    tensor that holds no graph (detached, or computed without one)."""
    if isinstance(value, torch.Tensor):
        return (value.dim() == 0 and not value.requires_grad and not value.dtype.is_complex
                and value.dtype != torch.bool)
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def not_a_number(value: Any) -> str:
    """Why `value` is not a number as the contracts define it, for a message ("" when it is one)."""
    if is_number(value):
        return ""
    if isinstance(value, torch.Tensor) and value.dim() == 0 and value.requires_grad:
        return (f"yours is a 0-d tensor ({value.item():.4g}) that still holds its graph: compute it under "
                "torch.no_grad(), or return .item()")
    return f"got {describe(value)}"


def number(value: Any) -> float:
    """The float of a number (see is_number); call it after checking is_number."""
    return float(value.detach().item()) if isinstance(value, torch.Tensor) else float(value)


def is_sequence(value: Any, length: int | None = None) -> bool:
    """A sequence as the contracts define it: a list or a tuple (of `length` items where given)."""
    return isinstance(value, (list, tuple)) and (length is None or len(value) == length)


FLOAT32_EPS = torch.finfo(torch.float32).eps      # 1.19e-7: the gap between 1 and the next float32


def float32_slack(magnitude, per: float = 1.0) -> float:
    """How far two correct float32 computations of one result may differ when they round an
    intermediate value of size `magnitude` differently (torch.logsumexp against subtracting the
    max by hand, say): about one unit in the last place of that value, eps * magnitude, carried
    into the result with the factor `per` (1/N when the result is divided by N rows). At logits
    of 1e4 that is 1.2e-3 for a log-normaliser, and 1.7e-4 for the gradient of a mean over 7 rows."""
    return float(magnitude) * FLOAT32_EPS * per


def _shape(shape) -> str:
    return "(" + ", ".join(map(str, shape)) + ("," if len(shape) == 1 else "") + ")"


class expect:
    """expect(value).close_to(...), .equals(...), .tensor(...), .raises(...)."""

    def __init__(self, value: Any):
        self.value = value

    def tensor(self, shape=None, dtype=None, what: str = "the result", hint: str | None = None) -> "expect":
        """The value is a torch tensor, of `shape` and `dtype` where given; finite if float."""
        v = self.value
        if not isinstance(v, torch.Tensor):
            fail(f"{what} should be a torch tensor", f"yours is a {type(v).__name__}", hint)
        if shape is not None and tuple(v.shape) != tuple(shape):
            fail(f"{what} should have shape {_shape(shape)}", f"yours has shape {_shape(tuple(v.shape))}", hint)
        if dtype is not None and v.dtype != dtype:
            fail(f"{what} should have dtype {dtype}", f"yours is {v.dtype}", hint)
        if v.is_floating_point() and not torch.isfinite(v).all():
            fail(f"{what} should hold finite numbers", "yours holds NaN or inf", hint)
        return self

    def close_to(self, expected, atol: float = 1e-5, rtol: float = 1e-4, why: str = "",
                 hint: str | None = None) -> "expect":
        v = self.value
        if isinstance(expected, torch.Tensor):
            self.tensor(shape=expected.shape, what=why or "the result")
            ok = torch.allclose(v.detach().double(), expected.detach().double(), atol=atol, rtol=rtol)
            if not ok:
                diff = (v.detach().double() - expected.double()).abs().max().item()
                fail(why or "the result is not what it should be",
                     f"expected {describe(expected)}, got {describe(v)} (largest difference {diff:.3g})", hint)
        else:
            if not is_number(v):
                kind = ("a 0-d tensor that still holds its graph (detach it, or use .item())"
                        if isinstance(v, torch.Tensor) and v.dim() == 0 else "not a number (a float or a 0-d tensor)")
                fail(why or "expected a number", f"got {describe(v)}, {kind}", hint)
            value = number(v)
            if not (math.isfinite(value) and abs(value - expected) <= atol + rtol * abs(expected)):
                fail(why or "the number is not what it should be", f"expected {expected:.6g}, got {value:.6g}", hint)
        return self

    def equals(self, expected, why: str = "", hint: str | None = None) -> "expect":
        v = self.value
        if isinstance(expected, torch.Tensor):
            self.tensor(shape=expected.shape, what=why or "the result")
            same = torch.equal(v.to(expected.dtype), expected)
        elif is_sequence(expected) and is_sequence(v):
            same = list(v) == list(expected)     # a list or a tuple: the contracts accept either
        else:
            same = v == expected
        if not same:
            fail(why or "the result is not what it should be",
                 f"expected {describe(expected)}, got {describe(v)}", hint)
        return self

    def raises(self, kind: type[BaseException], why: str, hint: str | None = None) -> BaseException:
        """`self.value` is a callable that must raise `kind`; returns the exception."""
        fn: Callable[[], Any] = self.value
        try:
            fn()
        except kind as exc:
            return exc
        except NotImplementedError:
            raise
        except Exception as exc:  # noqa: BLE001
            fail(why, f"it raised {type(exc).__name__} instead of {kind.__name__}", hint)
        fail(why, "it raised nothing", hint)


# Values a grader computed on the judge's side, from nothing the learner gave (such as the
# mystery lab's runs), shared by the judges that a class grading forks from one process: it
# computes them once (`warm_up` in the grader file, called by course/classgrade/grade.py before the first
# fork) and every student's judge finds them here. Keys name their source file's digest.
_shared: dict = {}


def cache_folder() -> Path | None:
    """Where a learner's own check may keep what graders computed from nothing the learner gives
    (the mystery lab's runs), for the next run: the user's cache folder, per course. None in an
    instructor's grading (`--instructor-grade`: its judges share through `share` instead, and
    read nothing a learner's process could have written)."""
    import os
    if context.instructor.get() is not False or os.environ.get("COURSE_NO_CACHE"):
        return None
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "makemore-course"


def shared(key):
    """The value a grader stored under `key` before this judge was forked, or None."""
    return _shared.get(key)


def share(key, value) -> None:
    _shared[key] = value


def fixture(module: str) -> dict:
    """The stored expected values of autograder/fixtures/<module>.json (see `course fixtures`)."""
    path = load().root / "autograder" / "fixtures" / f"{module}.json"
    return json.loads(path.read_text())["values"]


# ---------------------------------------------------------------- across the seam
# Learner code runs in another process (the runner); a grader holds plain copies of what it
# returned. These two helpers are how a grader reaches back into the runner when it must.

def _session():
    return context.current_session()


def backward(tensor, gradient=None, create_graph: bool = False) -> None:
    """`tensor.backward(gradient, create_graph=...)`, run where `tensor` was computed. Afterwards
    `.grad` of every tensor the grader passed to learner code (with requires_grad) holds its
    gradient. `create_graph=True` gives the gradients a graph of their own, as higher-order
    training does: a stored gradient that was not detached then shows it."""
    _session().backward(tensor, gradient, create_graph)


def changed_arguments() -> list[str]:
    """Where the last call of learner code changed the arguments it was given: places like "0"
    (the first argument itself) or "1['W1']". The grader's own arguments keep what the grader
    gave (its expected values come from them), but for the outputs of a contract: parameters
    that require grad, a function that works in place by name, a module's state."""
    return list(_session().changed)


def remote(obj):
    """A copy of `obj` (a torch.nn.Module the grader built) that lives beside the learner's code,
    so that learner code can hook into it: call the returned handle, not `obj`, from then on."""
    return _session().request(protocol.Build(obj))


def fetch(value):
    """A plain copy of an object that lives beside the learner's code (a dict that learner code
    fills, say); plain values are returned as they are."""
    from course.grading.judge.handles import fetch as fetch_remote
    return fetch_remote(value)


def runner_path(name: str) -> str:
    """A path in the private folder of the process that runs learner code, for files it writes."""
    return _session().request(protocol.Tmp(name))


def runner_file(path: str) -> bytes:
    """The bytes of a file that learner code wrote (at a `runner_path`): data to decode and check
    on the judge's side (a PNG with Pillow, under size caps), never a description to believe."""
    return _session().request(protocol.Read(str(path)))


def runner_exec(source: str, name: str) -> None:
    """Run notebook code (a learner's cell) beside the learner's code, in one namespace per check."""
    _session().request(protocol.Exec(source, name))


def runner_answer(name: str):
    """What notebook code bound to `name` there (one of a question's declared answers): a number,
    a string, a tensor or a container of them as a copy, anything else (a function defined in an
    answer cell) as a handle that calls where it was defined."""
    return _session().request(protocol.Lookup(name))

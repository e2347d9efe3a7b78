"""The judge side of the seam: how graders reach learner code without ever running it.

The runner (runner.py, started by launch.py in its sandbox) gives one worker per exercise,
a `Session` here. Graders hold `RemoteModule`s: calling `bigram.count_bigrams(...)`
sends the arguments as plain data, waits (with the check's deadline) and returns plain data.
Objects that stay in the runner come back as `Handle`s; the grader's own functions (a learning
rate schedule, a toy model) become callbacks the runner may call; an `nn.Module` the grader
built is described and rebuilt there. After each call the arguments are mirrored: a list the
learner's code changed, or a tensor it trained in place, is changed here too, so graders can
check what learner code did to its inputs.
"""
from __future__ import annotations

import builtins
import math
import select
import signal
import socket
import time
import types
import weakref
from pathlib import PurePath

import torch

from course.grading import seam
from course.grading.judge.process import Runner, RunnerBroken


class CheckTimedOut(BaseException):
    """The check ran out of time while learner code was running (BaseException: a grader's
    `except Exception` must not swallow it). `kind` is "cpu" (it used its CPU budget), "idle"
    (it used no CPU for its idle limit: blocked) or "wall" (it waited past the wall-clock
    backstop); `cpu` the CPU seconds it used, `waited` the seconds it took, `budget` its CPU
    budget."""

    def __init__(self, kind: str = "wall", cpu: float | None = None, waited: float = 0.0, budget: float = 0.0):
        super().__init__(kind)
        self.kind, self.cpu, self.waited, self.budget = kind, cpu, waited, budget


MAX_ANSWER_HEADER = 8 * 2**20       # the judge reads no larger answer header (a list of 32,000 names is 0.3 MB)
MAX_ANSWER_BYTES = 512 * 2**20      # nor more tensor bytes in one answer
POLL = 0.5                          # seconds between two looks at a running check's CPU time
IDLE_CPU = 0.05                     # CPU seconds below which a stretch of waiting counts as idle


class WorkerDied(BaseException):
    """The worker process ended in the middle of a request; the text says how."""


class LearnerRaised(Exception):
    """Learner code raised; `info` holds its type names, message and place, as plain strings.
    The judge-side exception is also an instance of the matching built-in exception class
    (ValueError, NotImplementedError, ...), so graders can `except ValueError`."""

    info: dict = {}

    def __str__(self) -> str:
        return self.info.get("message", "")


_raised_classes: dict[str, type] = {}


EXCEPTION_KINDS = ("raised", "import", "missing", "unsendable")


def _text(value, limit: int = 4000) -> str:
    """A string the judge may keep, print and store (seam.safe_text); a runner's field that
    should be text and is not becomes empty."""
    return seam.safe_text(value, limit) if isinstance(value, str) else ""


def exception_info(raw) -> dict:
    """What the runner said of an exception, in the one shape the judge reads: every field of
    its type, missing ones empty; nothing else kept. Whatever the runner sent (lists of numbers,
    huge texts, a missing field), classification reads only this."""
    raw = raw if isinstance(raw, dict) else {}
    names = raw.get("types") if isinstance(raw.get("types"), list) else []
    types_ = [n for n in (_text(x, 100) for x in names[:12]) if n.isidentifier()]
    lineno = raw.get("lineno")
    kind = raw.get("kind") if raw.get("kind") in EXCEPTION_KINDS else "raised"
    return {"kind": kind, "types": types_ or ["Exception"], "message": _text(raw.get("message")),
            "where": _text(raw.get("where"), 300), "detail": _text(raw.get("detail")),
            "module": _text(raw.get("module"), 100),
            "lineno": lineno if isinstance(lineno, int) and not isinstance(lineno, bool) else None}


def learner_exception(info: dict) -> LearnerRaised:
    info = exception_info(info)
    base = next((getattr(builtins, name) for name in info.get("types", [])
                 if isinstance(getattr(builtins, name, None), type)
                 and issubclass(getattr(builtins, name), Exception)), Exception)
    cls = _raised_classes.get(base.__name__)
    if cls is None:
        cls = type(base.__name__, (LearnerRaised, base), {"__module__": "learner"})
        _raised_classes[base.__name__] = cls
    exc = cls(info.get("message", ""))
    exc.info = info
    return exc


# ------------------------------------------------------------------------------ one worker
class Session:
    """A worker of the runner, for the checks of one exercise."""

    def __init__(self, runner: Runner, sock: socket.socket, pid: int):
        self.runner, self.sock, self.pid = runner, sock, pid
        self.deadline = float("inf")
        self.callbacks: dict[int, object] = {}
        self.tensors: dict[int, weakref.ref] = {}     # our reference -> the grader's tensor
        # the runner's reference -> our copy of it, kept while the session lives: a grader that
        # changes it (gamma.copy_(...)) and lets go of it must still have its change sent
        self.remote_tensors: dict[int, object] = {}
        self.versions: dict[tuple, tuple] = {}        # what each shared tensor was when last in sync
        self.sent: list = []                          # the tensors of the request being made, in order
        self.sent_modules: list = []                  # and its modules
        self.printed: list[str] = []
        self.changed: list[str] = []                  # the argument places the last call changed
        self.inplace_args: tuple[int, ...] = ()       # positions the exercise's contract changes in place
        self.dead: str | None = None
        self.cpu = 0.0                                # the worker's CPU seconds, as of its last answer
        self.cpu_at_start = 0.0                       # ... when the running check began
        self.cpu_budget = float("inf")
        self.idle_limit = float("inf")
        self.started = time.monotonic()

    def start_check(self, cpu_budget: float, backstop: float, idle: float = float("inf")) -> None:
        """The next requests belong to a check that may use `cpu_budget` seconds of the worker's
        CPU, take `backstop` seconds of wall-clock time in all, and wait at most `idle` seconds in
        a row for a worker that uses no CPU (blocked: on a busy machine a runnable process still
        gets some)."""
        self.cpu_at_start, self.cpu_budget, self.idle_limit = self.cpu, cpu_budget, idle
        self.started = time.monotonic()
        self.deadline = self.started + backstop

    def end_check(self) -> float:
        """The CPU seconds the check used; no deadline until the next."""
        self.deadline, self.cpu_budget, self.idle_limit = float("inf"), float("inf"), float("inf")
        return max(0.0, self.cpu - self.cpu_at_start)

    # ---- encoding what we send
    def _other(self, obj, enc):
        if isinstance(obj, Handle):
            if obj._session is not self:
                raise TypeError("an object of another check's process cannot be sent")
            return {"$h": obj._id}
        if isinstance(obj, torch.Generator):
            return {"$gen": enc(obj.get_state())}
        if isinstance(obj, PurePath):
            return {"$path": str(obj)}
        if isinstance(obj, torch.nn.Module):
            self.sent_modules.append(obj)
            return {"$module": describe_module(obj, enc)}
        if isinstance(obj, type) and issubclass(obj, torch.nn.Module) and getattr(torch.nn, obj.__name__, None) is obj:
            return {"$nn": obj.__name__}
        if isinstance(obj, types.GeneratorType) or type(obj).__name__.endswith("iterator"):
            return enc(list(obj))                     # named_parameters(), iter(...): their items
        if callable(obj):
            ident = len(self.callbacks) + 1
            self.callbacks[ident] = obj
            return {"$cb": ident}
        raise TypeError(f"a {type(obj).__name__} cannot be sent to learner code")

    def _tensor_extra(self, t, enc):
        extra = {}
        self.sent.append(t)
        owner = getattr(t, "_seam_rref", None)
        if owner is not None and owner[0] is self:
            extra["rref"] = owner[1]                  # the runner's own tensor, coming back
        elif t.requires_grad and t.is_leaf:
            ref = getattr(t, "_seam_ref", None)
            if ref is None:
                ref = len(self.tensors) + 1
                t._seam_ref = ref
            self.tensors[ref] = weakref.ref(t)
            extra["ref"] = ref
        if t.is_leaf and t.grad is not None:
            extra["grad"] = enc(t.grad)
        return extra

    # ---- decoding what comes back
    def _resolve(self, tagged, dec):
        if "$h" in tagged:
            return make_handle(self, tagged)
        if "$gen" in tagged:
            g = torch.Generator()
            g.set_state(dec(tagged["$gen"]))
            return g
        if "$same" in tagged:
            return SAME
        if "$sent_module" in tagged:
            index = tagged["$sent_module"]
            if not isinstance(index, int) or not 0 <= index < len(self.sent_modules):
                raise seam.SeamError("bad module reference")
            return self.sent_modules[index]
        if "$module_after" in tagged:
            return ModuleState(dec(tagged["$module_after"]))
        if "$after" in tagged:
            parts = seam._list(tagged["$after"])
            if len(parts) not in (2, 3):
                raise seam.SeamError("bad argument state")
            return After(dec(parts[0]), dec(parts[1]), len(parts) == 3 and parts[2] is True)
        raise seam.SeamError(f"unexpected reference {sorted(tagged)[:2]}")

    def _tensor_hook(self, entry, t, dec):
        if isinstance(entry.get("arg"), int) and 0 <= entry["arg"] < len(self.sent):
            return self.sent[entry["arg"]]            # the grader's own tensor, returned by learner code
        if "grad" in entry:
            t.grad = dec(entry["grad"])
        if entry.get("leaf") is False and t.is_floating_point():
            t = t.detach().requires_grad_(True).clone()     # computed there: not a leaf here either
        rref = entry.get("rref")
        if not isinstance(rref, int):
            return t
        mine = self.remote_tensors.get(rref)
        if mine is not None and mine.shape == t.shape and mine.dtype == t.dtype:
            if not torch.equal(mine.detach(), t.detach()):
                with torch.no_grad():
                    mine.copy_(t)                     # the same runner tensor: the same object here
            if mine.is_leaf and t.is_leaf and ((mine.grad is None) != (t.grad is None) or (
                    t.grad is not None and not (mine.grad.shape == t.grad.shape and torch.equal(mine.grad, t.grad)))):
                mine.grad = t.grad
            return mine
        t._seam_rref = (self, rref)
        self.remote_tensors[rref] = t
        return t

    def _shared(self):
        for ref, alive in list(self.tensors.items()):
            t = alive()
            if t is not None:
                yield ("judge", ref), t
        for ref, t in self.remote_tensors.items():
            yield ("runner", ref), t

    @staticmethod
    def _state_of(t):
        grad = t.grad if t.is_leaf else None
        return (t._version, id(grad), grad._version if grad is not None else None)

    def _changed_since_sync(self) -> list:
        """The shared tensors the grader changed since the runner last saw them."""
        return [t for key, t in self._shared() if self.versions.get(key) != self._state_of(t)]

    def _synced(self) -> None:
        self.versions = {key: self._state_of(t) for key, t in self._shared()}

    # ---- one request
    def request(self, op: str, **request):
        if self.dead:
            raise WorkerDied(self.dead)
        changed = self._changed_since_sync()
        self.sent, self.sent_modules = [], []
        data, blobs = seam.encode({**request, "sync": changed} if changed else request,
                                  self._other, self._tensor_extra)
        try:
            frame = {"op": op, "request": data}
            if self.cpu_budget != float("inf"):           # the worker stops itself past it (RLIMIT_CPU)
                frame["cpu_limit"] = self.cpu_at_start + self.cpu_budget
            seam.send(self.sock, *seam.message(frame, blobs))
        except OSError:
            self._died()
        while True:
            header, blobs = self._receive()
            if header.get("op") == "callback":
                self._answer_callback(header, blobs)
                continue
            printed = _text(header.get("printed"))
            if printed:
                self.printed.append(printed)
            if "error" in header:
                raise learner_exception(header["error"])
            try:
                reply = seam.decode(header.get("ok"), blobs, self._resolve, self._tensor_hook)
            except seam.SeamError as exc:
                raise RunnerBroken(f"a malformed answer ({exc})") from None
            if not isinstance(reply, dict):
                raise RunnerBroken("a malformed answer")
            if op in ("call", "call_counting_saved"):
                function = request.get("function")
                inplace = isinstance(function, dict) and str(function.get("name", "")).endswith("_")
                args, after = request.get("args", []), reply.get("after")
                self.changed = [] if after is SAME or not isinstance(after, list) or len(after) != len(args) else [
                    place for i, (o, a) in enumerate(zip(args, after))
                    for place in mirror(o, a, inplace or i in self.inplace_args, str(i))]
            self._synced()
            return reply.get("value")

    def _receive(self):
        """The worker's next frame, within the check's limits: its CPU budget (looked at every
        POLL seconds while it computes) and the wall-clock backstop, which also bounds a frame
        that stalls half-sent. A frame larger than the judge reads ends the worker."""
        watching = self.cpu_budget != float("inf") or self.idle_limit != float("inf")
        quiet_since, quiet_cpu = time.monotonic(), None       # since when the worker used no CPU
        while True:
            left = self.deadline - time.monotonic()
            if left <= 0:
                self._timed_out("wall")
            ready, _, _ = select.select([self.sock], [], [], min(left, POLL, 3600))
            if ready:
                break
            if watching:
                now = self.runner.cpu(self.pid)
                if now is None:
                    continue
                if now - self.cpu_at_start > self.cpu_budget:
                    self.cpu = now
                    self._timed_out("cpu")
                if quiet_cpu is None or now - quiet_cpu > IDLE_CPU:
                    quiet_since, quiet_cpu = time.monotonic(), now
                elif time.monotonic() - quiet_since > self.idle_limit:
                    self.cpu = max(self.cpu, now)
                    self._timed_out("idle")
        # A frame comes whole within the idle limit: one that stalls half-sent is a blocked worker.
        deadline = min(self.deadline, time.monotonic() + self.idle_limit)
        try:
            header, blobs = seam.receive(self.sock, deadline=deadline, max_header=MAX_ANSWER_HEADER,
                                         max_bytes=MAX_ANSWER_BYTES)
        except EOFError:
            self._died()
        except seam.SeamTimeout:
            self._timed_out("wall" if deadline >= self.deadline else "idle")
        except (OSError, seam.SeamError) as exc:
            self.dead = f"the process sent a malformed answer ({_text(str(exc), 200)})"
            self.runner.kill(self.pid)
            self.close()
            raise WorkerDied(self.dead) from None
        cpu = header.get("cpu")
        if isinstance(cpu, (int, float)) and not isinstance(cpu, bool) and math.isfinite(cpu):
            self.cpu = max(self.cpu, float(cpu))      # a worker that says less is bounded by the backstop
        return header, blobs

    def _answer_callback(self, header: dict, blobs) -> None:
        fn = self.callbacks.get(header.get("id"))
        try:
            args, kwargs = seam.decode(header.get("args"), blobs, self._resolve, self._tensor_hook)
            value = fn(*args, **kwargs)
            data, out = seam.encode(value, self._other, self._tensor_extra)
            seam.send(self.sock, *seam.message({"ok": data}, out))
        except (CheckTimedOut, WorkerDied):
            raise
        except Exception as exc:  # noqa: BLE001 - reported to learner code as an exception
            seam.send(self.sock, {"error": f"{type(exc).__name__}: {exc}"[:500]})

    def _timed_out(self, kind: str):
        self.dead = "timed out"
        waited = time.monotonic() - self.started
        used = max(0.0, self.cpu - self.cpu_at_start)
        budget = self.cpu_budget
        self.runner.kill(self.pid)
        self.close()
        raise CheckTimedOut(kind, used, waited, budget)

    def _died(self):
        status = self.runner.exit_status(self.pid)
        if status.get("status") == "signal" and status.get("signal") == signal.SIGXCPU:
            self.cpu = max(self.cpu, self.cpu_at_start + self.cpu_budget)
            self._timed_out("cpu")                    # its CPU budget, enforced by the kernel
        self.dead = describe_death(status)
        self.close()
        raise WorkerDied(self.dead)

    def close(self) -> None:
        try:
            if not self.dead:
                seam.send(self.sock, {"op": "bye"})
        except OSError:
            pass
        self.dead = self.dead or "closed"
        try:
            self.sock.close()
        except OSError:
            pass

    def backward(self, tensor: torch.Tensor, gradient=None, create_graph: bool = False) -> None:
        owner = getattr(tensor, "_seam_rref", None)
        if owner is None or owner[0] is not self:
            seam.backward(tensor, gradient, create_graph)     # the grader's own tensor: here, as usual
            return
        grads = self.request("backward", tensor=Handle._raw(self, owner[1]), gradient=gradient,
                             create_graph=create_graph)
        if not isinstance(grads, dict):
            raise RunnerBroken("a malformed answer to backward()")
        for kind, table in (("judge", self.tensors), ("runner", self.remote_tensors)):
            for ref, grad in (grads.get(kind) or {}).items():
                t = table.get(ref)
                t = t() if isinstance(t, weakref.ref) else t
                if t is not None and isinstance(grad, torch.Tensor) and grad.shape == t.shape:
                    t.grad = grad.to(t.dtype)
        self._synced()


def describe_death(status: dict) -> str:
    if status.get("status") == "signal":
        sig = status.get("signal")
        name = signal.Signals(sig).name if sig in signal.Signals._value2member_map_ else str(sig)
        what = {"SIGSEGV": "a segmentation fault", "SIGKILL": "being killed (out of memory?)",
                "SIGABRT": "an abort", "SIGXCPU": "running out of CPU time"}.get(name, name)
        return f"the process crashed with {what} (signal {sig})"
    if status.get("status") == "exit":
        return (f"your code ended the process (exit code {status.get('code')}); "
                "do not call os._exit() or exit() in an exercise")
    return "the process running your code stopped answering"


# ------------------------------------------------------------------------------ mirroring
class _Same:
    def __repr__(self):
        return "SAME"


SAME = _Same()


class After:
    def __init__(self, data, grad, cleared: bool = False):
        self.data, self.grad, self.cleared = data, grad, cleared


class ModuleState:
    def __init__(self, state):
        self.state = state


def mirror(orig, after, inplace: bool = False, path: str = "") -> list[str]:
    """Bring what learner code did to the grader's arguments `orig` back here, where the
    contracts make it an output: parameters (tensors that require grad) trained in place, every
    tensor of a function that works in place by name (`kaiming_normal_`), an nn.Module's state,
    a generator's state. Nothing else is adopted: a grader's input stays what the grader made it
    (its expected values come from it), whatever learner code did to its copy. Returns the
    places (argument paths like "0", "1['W1']") learner code changed, for graders to observe."""
    changed: list[str] = []
    if after is SAME or after is None:
        return changed
    if isinstance(orig, torch.Tensor) and isinstance(after, After):
        changed.append(path)
        if not (inplace or (orig.is_leaf and orig.requires_grad)):
            return changed
        with torch.no_grad():
            if isinstance(after.data, torch.Tensor) and after.data.shape == orig.shape:
                orig.copy_(after.data.to(orig.dtype))
        if isinstance(after.grad, torch.Tensor) and orig.is_leaf and after.grad.shape == orig.shape:
            orig.grad = after.grad.to(orig.dtype)
        elif after.cleared and orig.is_leaf:
            orig.grad = None
        return changed
    if isinstance(orig, torch.nn.Module) and isinstance(after, ModuleState) and isinstance(after.state, dict):
        own = orig.state_dict()
        with torch.no_grad():
            for key, value in after.state.items():
                if key in own and isinstance(value, torch.Tensor) and value.shape == own[key].shape:
                    if not torch.equal(own[key], value.to(own[key].dtype)):
                        changed.append(f"{path}.{key}")
                    own[key].copy_(value.to(own[key].dtype))
        return changed
    if isinstance(orig, torch.Generator) and isinstance(after, torch.Generator):
        orig.set_state(after.get_state())
        return changed
    if isinstance(orig, (list, tuple)) and isinstance(after, (list, tuple)):
        if len(orig) != len(after):
            return [path]
        for i, (o, a) in enumerate(zip(orig, after)):
            if _container(o) or isinstance(a, (After, _Same, ModuleState)):
                changed += mirror(o, a, inplace, f"{path}[{i}]")
            elif not (type(o) is type(a) and o == a):
                changed.append(f"{path}[{i}]")
        return changed
    if isinstance(orig, dict) and isinstance(after, dict):
        if list(orig) != list(after):
            changed.append(path)
        for key, o in orig.items():
            if key not in after:
                continue
            a = after[key]
            if _container(o) or isinstance(a, (After, _Same, ModuleState)):
                changed += mirror(o, a, inplace, f"{path}[{key!r}]")
            elif not (type(o) is type(a) and o == a):
                changed.append(f"{path}[{key!r}]")
        return changed
    if not isinstance(after, (After, _Same, ModuleState)) and not (type(orig) is type(after) and orig == after):
        changed.append(path)
    return changed


def _container(v) -> bool:
    return isinstance(v, (list, dict, tuple, torch.Tensor, torch.Generator, torch.nn.Module))


# ------------------------------------------------------------------------------ proxies
_handle_classes: dict[str, type] = {}


def make_handle(session: Session, tagged: dict) -> "Handle":
    name = tagged.get("type") if isinstance(tagged.get("type"), str) and tagged["type"].isidentifier() else "object"
    cls = _handle_classes.get(name)
    if cls is None:
        cls = type(name, (Handle,), {"__module__": "learner"})
        _handle_classes[name] = cls
    return cls(session, int(tagged["$h"]), bool(tagged.get("callable")))


class Handle:
    """An object that lives in the runner. Reading an attribute, calling it or a method of it
    goes over the seam; what comes back is plain data or another handle."""

    def __init__(self, session: Session, ident: int, is_callable: bool = True):
        object.__setattr__(self, "_session", session)
        object.__setattr__(self, "_id", ident)
        object.__setattr__(self, "_callable", is_callable)

    @classmethod
    def _raw(cls, session, ident):
        return Handle(session, ident)

    def __getattr__(self, name):
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        return self._session.request("method", obj=self, name="__getattr__", args=[name])

    def __setattr__(self, name, value):
        self._session.request("method", obj=self, name="__setattr__", args=[name, value])

    def __call__(self, *args, **kwargs):
        return self._session.request("call", function=self, args=list(args), kwargs=kwargs)

    def __enter__(self):
        return self._session.request("enter", obj=self)

    def __exit__(self, kind, exc, tb):
        """The learner's __exit__ runs there; what it returns is never honoured here: a `with`
        block of the grader's never has its own failures swallowed by learner code."""
        error = None if kind is None else [kind.__name__, _text(str(exc), 500)]
        self._session.request("exit", obj=self, error=error)
        return False

    def __iter__(self):
        return iter(self._session.request("method", obj=self, name="__iter__"))

    def __len__(self):
        return self._session.request("method", obj=self, name="__len__")

    def __getitem__(self, key):
        return self._session.request("method", obj=self, name="__getitem__", args=[key])

    def __contains__(self, key):
        return self._session.request("method", obj=self, name="__contains__", args=[key])

    def __repr__(self):
        return f"<{type(self).__name__} from your code>"


def fetch(value):
    """A plain copy of what a handle stands for (a dict filled by learner code, say)."""
    if isinstance(value, Handle):
        return value._session.request("method", obj=value, name="__value__")
    return value


class RemoteFunction:
    def __init__(self, session_of, module: str, name: str):
        self.session_of, self.module, self.name = session_of, module, name

    def __call__(self, *args, **kwargs):
        session = self.session_of()
        return session.request("call", function={"module": self.module, "name": self.name},
                               args=list(args), kwargs=kwargs)

    def counting_saved(self, *args, **kwargs):
        """(what the call returns, how many tensors autograd saved for backward during it)."""
        session = self.session_of()
        value, saved = session.request("call_counting_saved", function={"module": self.module, "name": self.name},
                                       args=list(args), kwargs=kwargs)
        return value, saved

    def __repr__(self):
        return f"<{self.module}.{self.name} of your code>"


def describe_module(module: torch.nn.Module, enc) -> dict:
    """An nn.Module as torch.nn classes, their arguments, children and state: the runner builds
    its own copy from this (only torch.nn's own classes can be described)."""
    cls = type(module)
    if getattr(torch.nn, cls.__name__, None) is not cls:
        raise TypeError(f"only torch.nn's own layers can be sent to learner code, not {cls.__name__}")
    args, kwargs = _constructor(module)
    own_state = {k: v for k, v in module.state_dict(keep_vars=False).items() if "." not in k}
    return {"class": cls.__name__, "args": enc(args), "kwargs": enc(kwargs),
            "children": [[name, describe_module(child, enc)] for name, child in module.named_children()],
            "state": enc(own_state), "training": module.training}


def _constructor(m: torch.nn.Module) -> tuple[list, dict]:
    nn = torch.nn
    if isinstance(m, nn.Linear):
        return [m.in_features, m.out_features], {"bias": m.bias is not None}
    if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
        return [m.num_features], {"eps": m.eps, "momentum": m.momentum, "affine": m.affine,
                                  "track_running_stats": m.track_running_stats}
    if isinstance(m, nn.Embedding):
        return [m.num_embeddings, m.embedding_dim], {}
    if isinstance(m, (nn.Sequential, nn.ModuleList, nn.ModuleDict)):
        return [], {}
    if isinstance(m, (nn.Tanh, nn.ReLU, nn.Sigmoid, nn.Identity, nn.GELU)):
        return [], {}
    if isinstance(m, nn.Flatten):
        return [], {"start_dim": m.start_dim, "end_dim": m.end_dim}
    if isinstance(m, nn.LeakyReLU):
        return [], {"negative_slope": m.negative_slope}
    if isinstance(m, nn.Dropout):
        return [], {"p": m.p}
    raise TypeError(f"the course cannot describe a {type(m).__name__} to learner code yet")

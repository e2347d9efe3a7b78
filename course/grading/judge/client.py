"""The judge's end of a worker: how graders reach learner code without ever running it.

The runner (runner/, started by process.py in its sandbox) gives one worker per exercise, a
`Session` here. A grader's call (handles.py) becomes a protocol request: its arguments go as
plain data (references.py), the session waits within the check's limits (its CPU budget, an
idle limit, a wall-clock backstop, a size cap on every answer) and returns plain data. While it
waits, the worker may call one of the grader's functions back. After each call the arguments are
mirrored (mirror.py), so that graders can check what learner code did to its inputs.
"""
from __future__ import annotations

import builtins
import select
import signal
import socket
import time
import weakref
from dataclasses import asdict

import torch

from course.grading import protocol, seam
from course.grading.judge.handles import Handle
from course.grading.judge.mirror import mirror
from course.grading.judge.process import Runner, RunnerBroken
from course.grading.judge.references import References


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


def exception_info(raw) -> dict:
    """What the runner said of an exception, in the one shape the judge reads (protocol.Failure):
    every field of its type, missing ones empty; nothing else kept. Whatever the runner sent
    (lists of numbers, huge texts, a missing field), classification reads only this."""
    return asdict(protocol.Failure.read(raw))


def learner_exception(failure: protocol.Failure) -> LearnerRaised:
    info = exception_info(asdict(failure))
    base = next((getattr(builtins, name) for name in info["types"]
                 if isinstance(getattr(builtins, name, None), type)
                 and issubclass(getattr(builtins, name), Exception)), Exception)
    cls = _raised_classes.get(base.__name__)
    if cls is None:
        cls = type(base.__name__, (LearnerRaised, base), {"__module__": "learner"})
        _raised_classes[base.__name__] = cls
    exc = cls(info["message"])
    exc.info = info
    return exc


# ------------------------------------------------------------------------------ one worker
class Session(References):
    """A worker of the runner, for the checks of one exercise."""

    def __init__(self, runner: Runner, sock: socket.socket, pid: int):
        super().__init__()
        self.runner, self.sock, self.pid = runner, sock, pid
        self.deadline = float("inf")
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

    # ---- one request
    def request(self, request: protocol.Request):
        """Send `request` to the worker and return the value of its answer (answering, meanwhile,
        the worker's calls of the grader's functions)."""
        if self.dead:
            raise WorkerDied(self.dead)
        self._send(request)
        while True:
            header, blobs = self._receive()
            if header.get("op") == protocol.CALLBACK:
                self._answer_callback(protocol.Callback.read(header), blobs)
                continue
            return self._value(request, protocol.Answer.read(header), blobs)

    def _send(self, request: protocol.Request) -> None:
        changed = self._changed_since_sync()
        self.sent, self.sent_modules = [], []
        fields = request.to_wire()
        data, blobs = self.encode({**fields, protocol.SYNC: changed} if changed else fields)
        frame = {"op": request.op.value, "request": data}
        if self.cpu_budget != float("inf"):               # the worker stops itself past it (RLIMIT_CPU)
            frame["cpu_limit"] = self.cpu_at_start + self.cpu_budget
        try:
            seam.send(self.sock, *seam.message(frame, blobs))
        except OSError:
            self._died()

    def _value(self, request: protocol.Request, answer: protocol.Answer, blobs):
        if answer.cpu is not None:
            self.cpu = max(self.cpu, answer.cpu)      # a worker that says less is bounded by the backstop
        if answer.printed:
            self.printed.append(answer.printed)
        if answer.error is not None:
            raise learner_exception(answer.error)
        try:
            reply = self.decode(answer.ok, blobs)
        except seam.SeamError as exc:
            raise RunnerBroken(f"a malformed answer ({exc})") from None
        if not isinstance(reply, dict):
            raise RunnerBroken("a malformed answer")
        if isinstance(request, protocol.Call):
            self._mirror(request, reply.get("after"))
        self._synced()
        return reply.get("value")

    def _mirror(self, call: protocol.Call, after) -> None:
        """What the call did to its arguments: mirrored where the contract says, every change noted."""
        inplace = isinstance(call.function, protocol.FunctionRef) and call.function.name.endswith("_")
        args = call.args
        if after is protocol.SAME or not isinstance(after, list) or len(after) != len(args):
            self.changed = []
            return
        self.changed = [place for i, (o, a) in enumerate(zip(args, after))
                        for place in mirror(o, a, inplace or i in self.inplace_args, str(i))]

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
            self.dead = f"the process sent a malformed answer ({seam.safe_text(str(exc), 200)})"
            self.runner.kill(self.pid)
            self.close()
            raise WorkerDied(self.dead) from None
        return header, blobs

    def _answer_callback(self, callback: protocol.Callback, blobs) -> None:
        fn = self.callbacks.get(callback.id)
        try:
            if fn is None:
                raise LookupError("the grader has no such function")
            args, kwargs = self.decode(callback.args, blobs)
            value = fn(*args, **kwargs)
            data, out = self.encode(value)
            seam.send(self.sock, *seam.message(protocol.CallbackReply(ok=data).to_header(), out))
        except (CheckTimedOut, WorkerDied):
            raise
        except Exception as exc:  # noqa: BLE001 - reported to learner code as an exception
            seam.send(self.sock, protocol.CallbackReply(error=f"{type(exc).__name__}: {exc}"[:500]).to_header())

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
        if status.status == "signal" and status.signal == signal.SIGXCPU:
            self.cpu = max(self.cpu, self.cpu_at_start + self.cpu_budget)
            self._timed_out("cpu")                    # its CPU budget, enforced by the kernel
        self.dead = describe_death(status)
        self.close()
        raise WorkerDied(self.dead)

    def close(self) -> None:
        try:
            if not self.dead:
                seam.send(self.sock, {"op": protocol.Op.BYE.value})
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
        grads = self.request(protocol.Backward(Handle._raw(self, owner[1]), gradient, create_graph is True))
        if not isinstance(grads, dict):
            raise RunnerBroken("a malformed answer to backward()")
        for kind, table in (("judge", self.tensors), ("runner", self.remote_tensors)):
            for ref, grad in (grads.get(kind) or {}).items():
                t = table.get(ref)
                t = t() if isinstance(t, weakref.ref) else t
                if t is not None and isinstance(grad, torch.Tensor) and grad.shape == t.shape:
                    t.grad = grad.to(t.dtype)
        self._synced()



def describe_death(status: protocol.ExitStatus) -> str:
    """How the worker ended, in the learner's terms."""
    if status.status == "signal":
        sig = status.signal
        name = signal.Signals(sig).name if sig in signal.Signals._value2member_map_ else str(sig)
        what = {"SIGSEGV": "a segmentation fault", "SIGKILL": "being killed (out of memory?)",
                "SIGABRT": "an abort", "SIGXCPU": "running out of CPU time"}.get(name, name)
        return f"the process crashed with {what} (signal {sig})"
    if status.status == "exit":
        return (f"your code ended the process (exit code {status.code}); "
                "do not call os._exit() or exit() in an exercise")
    return "the process running your code stopped answering"

"""A worker: the only place where learner code executes, for one exercise of one submission.

The zygote (zygote.py) forks it ahead of its request; it waits for its configuration, imports
the learner's modules from the target folder and answers the judge's requests over its own
socket, each parsed by the protocol (protocol.py) before anything acts on it:

    import a module · call a function · get/set an attribute or call a method of an object
    that lives here (a handle) · build an nn.Module from a description · backward() ·
    read a file it wrote · run a notebook cell · look up a name it defined

Every answer is plain data (seam.py). What the learner's code does to this process (patching
torch, rebinding builtins, lying objects) changes only what it answers; the judge decides.

Nothing of the course is imported here but the seam, the protocol and the runner's own modules.
"""
from __future__ import annotations

import math
import os
import resource
import socket
import sys
import traceback
from dataclasses import asdict
from pathlib import Path

from course.grading import protocol, seam
from course.grading.protocol import Op
from course.grading.runner import arguments
from course.grading.runner.references import Live, References

PRINTED_LIMIT = 4000           # characters of printed output sent back with one answer


class OutputFlood(Exception):
    """Raised in the worker when learner code prints more than it may."""


class CappedStream:
    """Stands in for stdout/stderr: keeps what is printed (up to a limit) for the judge."""

    def __init__(self, limit: int):
        self.limit, self.written, self.pending = limit, 0, []

    def write(self, text) -> int:
        text = str(text)
        self.written += len(text)
        if self.written > self.limit:
            raise OutputFlood(f"your code printed more than {self.limit:,} characters; "
                              "remove the print() calls inside loops")
        if sum(map(len, self.pending)) < PRINTED_LIMIT:
            self.pending.append(text)
        return len(text)

    def take(self) -> str:
        text, self.pending = "".join(self.pending)[:PRINTED_LIMIT], []
        return text

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False


class Worker(References):
    """Serves one judge connection: one exercise of one submission."""

    def __init__(self, sock: socket.socket, config: protocol.WorkerConfig):
        super().__init__()
        self.sock = sock
        self.target = config.target
        self.namespace: dict = {"__name__": "__main__"}   # for notebook cells
        self.out = CappedStream(config.output_limit)

    def callback(self, ident: int):
        worker = self

        def call_the_judge(*args, **kwargs):
            data, blobs = worker.encode([list(args), kwargs])
            seam.send(worker.sock, *seam.message(protocol.Callback(ident, data).to_header(), blobs))
            header, blobs = seam.receive(worker.sock)
            reply = protocol.CallbackReply.read(header)
            if reply.error is not None:
                raise RuntimeError(f"the grader's function raised {reply.error}")
            return worker.decode(reply.ok, blobs)
        return call_the_judge

    # ---- the requests
    def serve(self) -> None:
        while True:
            try:
                header, blobs = seam.receive(self.sock)
            except (EOFError, OSError, seam.SeamError):
                return
            if header.get("op") == Op.BYE.value:
                return
            self.answer(header, blobs)

    def answer(self, header: dict, blobs: list[bytes]) -> None:
        limit_cpu(header.get("cpu_limit"))
        try:
            self.sent, self.sent_modules = [], []
            op = protocol.worker_op(header.get("op"))        # an unknown op: refused before anything is decoded
            fields = self.decode(header.get("request"), blobs)
            if isinstance(fields, dict):
                fields.pop(protocol.SYNC, None)           # the judge's changes to shared tensors: applied
            request = protocol.parse_request(op, fields)
            calls = isinstance(request, protocol.Call)
            before = arguments.snapshot(request.args) if calls else None
            value = self.HANDLERS[op](self, request)
            after = arguments.changed(request.args, before) if calls else None
        except BaseException as exc:   # noqa: BLE001 - whatever learner code raises is reported
            ok, error, out_blobs = None, describe_exception(exc, self.target), []
        else:
            try:
                ok, out_blobs = self.encode({"value": value, "after": after})
                error = None
            except BaseException as exc:   # noqa: BLE001 - a result that cannot be sent
                ok, error, out_blobs = None, describe_exception(exc, self.target, sending=True), []
        answer = protocol.Answer(ok=ok, error=error, printed=self.out.take(),
                                 cpu=sum(os.times()[:4]))    # this process's CPU seconds, its waited-for children's too
        try:
            seam.send(self.sock, *seam.message(answer.to_header(), out_blobs))
        except BaseException:          # noqa: BLE001 - the answer itself cannot be sent
            os._exit(70)

    def op_import(self, request: protocol.Import):
        load(request.module)
        return True

    def op_call(self, request: protocol.Call):
        if isinstance(request.function, protocol.FunctionRef):
            module = load(request.function.module)
            try:
                fn = getattr(module, request.function.name)
            except AttributeError:
                raise MissingName(request.function.module, request.function.name) from None
        else:
            fn = request.function
        return fn(*request.args, **request.kwargs)

    def op_call_counting_saved(self, request: protocol.CallCountingSaved):
        """The call, and how many tensors autograd saved for a backward pass during it (0 when
        no graph was recorded)."""
        import torch
        saved = []
        with torch.autograd.graph.saved_tensors_hooks(lambda t: saved.append(1) or t, lambda t: t):
            value = self.op_call(request)
        return [value, len(saved)]

    def op_method(self, request: protocol.Method):
        obj, args = request.obj, request.args
        if request.name == "__getattr__":
            return getattr(obj, args[0])
        if request.name == "__setattr__":
            setattr(obj, args[0], args[1])
            return None
        if request.name == "__iter__":
            return list(obj)
        if request.name == "__len__":
            return len(obj)
        if request.name == "__contains__":
            return args[0] in obj
        if request.name == "__getitem__":
            return obj[args[0]]
        if request.name == "__value__":
            return obj
        return getattr(obj, request.name)(*args, **request.kwargs)

    def op_enter(self, request: protocol.Enter):
        value = request.obj.__enter__()
        # What a `with` block yields is often filled later (a dict of recorded outputs): keep it here.
        return Live(value) if isinstance(value, (dict, list)) else value

    def op_exit(self, request: protocol.Exit):
        if request.error is None:
            return request.obj.__exit__(None, None, None)
        import builtins
        cls = getattr(builtins, request.error[0], None)
        if not (isinstance(cls, type) and issubclass(cls, Exception)):
            cls = RuntimeError
        exc = cls(request.error[1])
        return request.obj.__exit__(cls, exc, None)

    def op_backward(self, request: protocol.Backward):
        seam.backward(request.tensor, request.gradient, request.create_graph)
        import torch
        mine = {ident: t.grad for ident, t in self.objects.items()
                if isinstance(t, torch.Tensor) and t.is_leaf and t.grad is not None}
        return {"judge": {ref: t.grad for ref, t in self.judge_tensors.items() if t.grad is not None},
                "runner": mine}

    def op_build(self, request: protocol.Build):
        return Live(request.module)

    def op_tmp(self, request: protocol.Tmp):
        folder = Path(os.environ.get("TMPDIR", "/tmp")) / f"course-{os.getpid()}"
        folder.mkdir(exist_ok=True)
        return str(folder / Path(request.name).name)

    def op_read(self, request: protocol.Read):
        with open(request.path, "rb") as f:
            return f.read(request.limit)

    def op_exec(self, request: protocol.Exec):
        exec(compile(request.source, request.name, "exec"), self.namespace)
        return True

    def op_lookup(self, request: protocol.Lookup):
        if request.name in self.namespace:
            return self.namespace[request.name]
        import builtins
        if hasattr(builtins, request.name):
            raise KeyError(request.name)                     # the judge's own builtins
        raise NameError(f"name {request.name!r} is not defined")

    HANDLERS = {Op.IMPORT: op_import, Op.CALL: op_call, Op.CALL_COUNTING_SAVED: op_call_counting_saved,
                Op.METHOD: op_method, Op.ENTER: op_enter, Op.EXIT: op_exit, Op.BACKWARD: op_backward,
                Op.BUILD: op_build, Op.TMP: op_tmp, Op.READ: op_read, Op.EXEC: op_exec, Op.LOOKUP: op_lookup}


def limit_cpu(limit) -> None:
    """The check's CPU budget, as this process's total: past it the kernel stops the process
    (SIGXCPU), which the judge reports as a check out of CPU time."""
    if not isinstance(limit, (int, float)) or isinstance(limit, bool) or not limit < 1e9:
        return
    used = sum(os.times()[:2])
    soft = max(math.ceil(limit), math.ceil(used) + 1)
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    try:
        resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))
    except (ValueError, OSError):
        pass


class MissingName(AttributeError):
    def __init__(self, module: str, name: str):
        super().__init__(f"{module}.py has no `{name}`")
        self.module, self.name = module, name


class ImportFailed(Exception):
    pass


def load(module: str):
    import importlib
    if module in sys.modules:
        return sys.modules[module]
    try:
        return importlib.import_module(module)
    except BaseException as exc:  # noqa: BLE001 - a syntax error, exit() at import, ...
        raise ImportFailed(module) from exc


def describe_exception(exc: BaseException, target: str, sending: bool = False) -> protocol.Failure:
    """What the judge needs to classify an exception, as plain strings."""
    cause = exc
    kind = "raised"
    if isinstance(exc, ImportFailed):
        kind, cause = "import", exc.__cause__ or exc
    elif isinstance(exc, MissingName):
        kind = "missing"
    elif sending:
        kind = "unsendable"
    try:
        message = str(cause)
    except BaseException:  # noqa: BLE001 - an exception whose __str__ raises
        message = ""
    where = ""
    tb = cause.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename.startswith(target):      # the innermost place in learner code
            where = (f"{Path(tb.tb_frame.f_code.co_filename).name}, line {tb.tb_lineno}, "
                     f"in {tb.tb_frame.f_code.co_name}")
        tb = tb.tb_next
    try:
        detail = "".join(traceback.format_exception(cause))[-4000:]
    except BaseException:  # noqa: BLE001
        detail = ""
    return protocol.Failure(
        kind=kind, types=[c.__name__ for c in type(cause).__mro__][:12], message=message[:4000], where=where,
        detail=detail, module=getattr(exc, "args", [""])[0] if kind == "import" else "",
        lineno=getattr(cause, "lineno", None) if isinstance(cause, SyntaxError) else None)


# ------------------------------------------------------------------------------ a spare worker's life
def _limit(config: protocol.WorkerConfig) -> None:
    try:
        with open("/proc/self/statm") as f:
            mapped = int(f.read().split()[0]) * resource.getpagesize()
    except OSError:                  # a sandbox without /proc: what torch maps here, with room to spare
        mapped = 2 * 2**30
    limits = {resource.RLIMIT_AS: mapped + config.memory_mb * 2**20,
              resource.RLIMIT_FSIZE: 64 * 2**20,        # no file larger than 64 MB
              resource.RLIMIT_CORE: 0}
    for which, value in limits.items():
        _, hard = resource.getrlimit(which)
        if hard != resource.RLIM_INFINITY:
            value = min(value, hard)
        resource.setrlimit(which, (value, hard))


def main(sock: socket.socket) -> None:
    """A spare worker: it waits for its configuration (the first frame), then serves; it never returns."""
    code = 0
    try:
        header, _ = seam.receive(sock)
        config = protocol.WorkerConfig.from_wire(header.get("config"))
        import faulthandler
        faulthandler.disable()
        devnull = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(devnull, fd)
        worker = Worker(sock, config)
        sys.stdout = sys.stderr = worker.out
        sys.path.insert(0, config.target)
        os.chdir(os.environ.get("TMPDIR", "/tmp"))
        _limit(config)
        worker.serve()
    except BaseException:  # noqa: BLE001
        code = 71
    finally:
        os._exit(code)


def config_frame(config: protocol.WorkerConfig) -> dict:
    """The first frame a spare worker reads."""
    return {"config": asdict(config)}

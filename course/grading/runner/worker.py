"""The runner side: the only place where learner code executes.

It starts as its own interpreter (inside the sandbox, see sandbox.py), imports torch once and
becomes a *zygote*: it holds no grader, no fixture, no hidden test, no solution, and it never
will. For each exercise the judge asks it for a *worker*, a fork (made ahead, while the judge
is busy with the previous one) that imports the learner's modules and answers the judge's requests over its own socket:

    import a module · call a function · get/set an attribute or call a method of an object
    that lives here (a handle) · build an nn.Module from a description · backward() ·
    read a file it wrote · run a notebook cell · look up a name it defined

Every answer is plain data (seam.py). What the learner's code does to this process (patching
torch, rebinding builtins, lying objects) changes only what it answers; the judge decides.

Nothing from the course's own package is imported here but the seam.
"""
from __future__ import annotations

import os
import resource
import signal
import socket
import sys
import time
import traceback
from pathlib import Path

from course.grading import seam

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


# ------------------------------------------------------------------------------ the worker
class Worker:
    """Serves one judge connection: one exercise of one submission."""

    def __init__(self, sock: socket.socket, config: dict):
        self.sock = sock
        self.target = config["target"]
        self.objects: dict[int, object] = {}      # handle id -> object living here
        self.judge_tensors: dict[int, object] = {}  # the judge's reference -> our copy of its tensor
        self.next_id = 1
        self.kept_ids: dict[int, int] = {}         # id(tensor) -> its handle, so it keeps one name
        self.sent: list = []                       # the tensors of the request being answered, in order
        self.sent_modules: list = []               # the modules built from its descriptions
        self.namespace: dict = {"__name__": "__main__"}   # for notebook cells
        self.out = CappedStream(config.get("output_limit", 20_000))

    # ---- encoding what goes back
    def keep(self, obj) -> int:
        ident = self.next_id
        self.next_id += 1
        self.objects[ident] = obj
        return ident

    def _other(self, obj, enc):
        import torch
        if isinstance(obj, torch.Generator):
            return {"$gen": enc(obj.get_state())}
        if type(obj).__module__ == "numpy" and hasattr(obj, "item") and getattr(obj, "shape", None) == ():
            return enc(obj.item())                     # a numpy scalar is a number
        if isinstance(obj, Same):
            return {"$same": 1}
        if isinstance(obj, TensorAfter):
            return {"$after": [enc(obj.data), enc(obj.grad), obj.cleared]}
        if isinstance(obj, ModuleAfter):
            return {"$module_after": enc(obj.state)}
        for i, module in enumerate(self.sent_modules):
            if module is obj:
                return {"$sent_module": i}             # the grader's module, returned: its own object
        if isinstance(obj, Live):
            obj = obj.value
        return {"$h": self.keep(obj), "type": type(obj).__name__, "callable": callable(obj)}

    def _tensor_extra(self, t, enc):
        extra = {}
        for i, sent in enumerate(self.sent):
            if sent is t:
                extra["arg"] = i                       # the very tensor the judge sent: it keeps its identity
                return extra
        if not t.is_leaf:
            extra["leaf"] = False                      # computed: the judge's copy is made a non-leaf too
        if t.requires_grad:                            # one name per tensor, so that the judge can ask
            ident = self.kept_ids.get(id(t))           # for backward() and keep `p is bn.gamma` true
            if ident is None:
                ident = self.kept_ids[id(t)] = self.keep(t)
            extra["rref"] = ident
        if t.is_leaf and t.grad is not None:
            extra["grad"] = enc(t.grad)
        return extra

    def encode(self, value):
        return seam.encode(value, self._other, self._tensor_extra)

    # ---- decoding what the judge sent
    def _resolve(self, tagged, dec):
        import torch
        if "$h" in tagged:
            ident = tagged["$h"]
            if ident not in self.objects:
                raise seam.SeamError("unknown handle")
            return self.objects[ident]
        if "$gen" in tagged:
            g = torch.Generator()
            g.set_state(dec(tagged["$gen"]))
            return g
        if "$path" in tagged and isinstance(tagged["$path"], str):
            return Path(tagged["$path"])
        if "$cb" in tagged:
            return self._callback(tagged["$cb"])
        if "$nn" in tagged:
            return getattr(torch.nn, _nn_name(tagged["$nn"]))
        if "$module" in tagged:
            module = build_module(tagged["$module"], dec)
            self.sent_modules.append(module)
            return module
        raise seam.SeamError(f"unknown reference {sorted(tagged)[:2]}")

    def _tensor_hook(self, entry, t, dec):
        index = len(self.sent)
        self.sent.append(None)                         # its place, before its gradient's
        t = self.sent[index] = self._tensor_from_judge(entry, t, dec)
        return t

    def _tensor_from_judge(self, entry, t, dec):
        import torch
        rref = entry.get("rref")
        if isinstance(rref, int) and isinstance(self.objects.get(rref), torch.Tensor):
            mine = self.objects[rref]                  # ours, sent back (maybe changed by the judge)
            if mine.shape == t.shape and mine.dtype == t.dtype:
                _update(mine, t, dec(entry["grad"]) if "grad" in entry else None)
                return mine
        ref = entry.get("ref")
        if ref is None:
            if "grad" in entry:
                t.grad = dec(entry["grad"])
            return t
        mine = self.judge_tensors.get(ref)
        if mine is None or mine.shape != t.shape or mine.dtype != t.dtype:
            mine = t.detach().clone().requires_grad_(t.requires_grad)
            self.judge_tensors[ref] = mine
        else:                                          # the same tensor again, maybe updated by the judge
            _update(mine, t, dec(entry["grad"]) if "grad" in entry else None)
            return mine
        mine.grad = dec(entry["grad"]) if "grad" in entry else None
        return mine

    def decode(self, data, blobs):
        return seam.decode(data, blobs, self._resolve, self._tensor_hook)

    def _callback(self, ident: int):
        worker = self

        def call_the_judge(*args, **kwargs):
            data, blobs = worker.encode([list(args), kwargs])
            seam.send(worker.sock, *seam.message({"op": "callback", "id": ident, "args": data}, blobs))
            header, blobs = seam.receive(worker.sock)
            if "error" in header:
                raise RuntimeError(f"the grader's function raised {header['error']}")
            return worker.decode(header.get("ok"), blobs)
        return call_the_judge

    # ---- the requests
    def serve(self) -> None:
        while True:
            try:
                header, blobs = seam.receive(self.sock)
            except (EOFError, OSError, seam.SeamError):
                return
            op = header.get("op")
            if op == "bye":
                return
            self.answer(op, header, blobs)

    def answer(self, op: str, header: dict, blobs: list[bytes]) -> None:
        limit_cpu(header.get("cpu_limit"))
        try:
            self.sent, self.sent_modules = [], []
            request = self.decode(header.get("request"), blobs)
            call = getattr(self, f"op_{op}", None)
            if not isinstance(request, dict) or call is None:
                raise seam.SeamError(f"unknown request {op!r}")
            request.pop("sync", None)                  # the judge's changes to shared tensors: applied
            calls = op in ("call", "call_counting_saved")
            snapshot = _snapshot(request.get("args", ())) if calls else None
            value = call(**request)
            after = _changed(request["args"], snapshot) if calls else None
        except BaseException as exc:   # noqa: BLE001 - whatever learner code raises is reported
            head, out_blobs = {"error": describe_exception(exc, self.target)}, []
        else:
            try:
                data, out_blobs = self.encode({"value": value, "after": after})
                head = {"ok": data}
            except BaseException as exc:   # noqa: BLE001 - a result that cannot be sent
                head, out_blobs = {"error": describe_exception(exc, self.target, sending=True)}, []
        head["printed"] = self.out.take()
        head["cpu"] = sum(os.times()[:4])              # this process's CPU seconds, its waited-for children's too
        try:
            seam.send(self.sock, *seam.message(head, out_blobs))
        except BaseException:          # noqa: BLE001 - the answer itself cannot be sent
            os._exit(70)

    def op_import(self, module: str):
        load(module)
        return True

    def op_call(self, function, args=(), kwargs=None):
        if isinstance(function, dict):       # {"module": ..., "name": ...}
            module = load(function["module"])
            try:
                fn = getattr(module, function["name"])
            except AttributeError:
                raise MissingName(function["module"], function["name"]) from None
        else:
            fn = function
        return fn(*args, **(kwargs or {}))

    def op_method(self, obj, name: str, args=(), kwargs=None):
        if name == "__getattr__":
            return getattr(obj, args[0])
        if name == "__setattr__":
            setattr(obj, args[0], args[1])
            return None
        if name == "__iter__":
            return list(obj)
        if name == "__len__":
            return len(obj)
        if name == "__contains__":
            return args[0] in obj
        if name == "__getitem__":
            return obj[args[0]]
        if name == "__value__":
            return obj
        return getattr(obj, name)(*args, **(kwargs or {}))

    def op_call_counting_saved(self, function, args=(), kwargs=None):
        """The call, and how many tensors autograd saved for a backward pass during it (0 when
        no graph was recorded)."""
        import torch
        saved = []
        with torch.autograd.graph.saved_tensors_hooks(lambda t: saved.append(1) or t, lambda t: t):
            value = self.op_call(function, args, kwargs)
        return [value, len(saved)]

    def op_enter(self, obj):
        value = obj.__enter__()
        # What a `with` block yields is often filled later (a dict of recorded outputs): keep it here.
        return Live(value) if isinstance(value, (dict, list)) else value

    def op_exit(self, obj, error=None):
        if error is None:
            return obj.__exit__(None, None, None)
        import builtins
        cls = getattr(builtins, str(error[0]), None)
        if not (isinstance(cls, type) and issubclass(cls, Exception)):
            cls = RuntimeError
        exc = cls(str(error[1]))
        return obj.__exit__(cls, exc, None)

    def op_backward(self, tensor, gradient=None, create_graph=False):
        seam.backward(tensor, gradient, create_graph is True)
        import torch
        mine = {ident: t.grad for ident, t in self.objects.items()
                if isinstance(t, torch.Tensor) and t.is_leaf and t.grad is not None}
        return {"judge": {ref: t.grad for ref, t in self.judge_tensors.items() if t.grad is not None},
                "runner": mine}

    def op_build(self, module):
        return Live(module)

    def op_tmp(self, name: str):
        folder = Path(os.environ.get("TMPDIR", "/tmp")) / f"course-{os.getpid()}"
        folder.mkdir(exist_ok=True)
        return str(folder / Path(name).name)

    def op_read(self, path: str, limit: int = 20 * 2**20):
        with open(path, "rb") as f:
            return f.read(limit)

    def op_exec(self, source: str, name: str):
        exec(compile(source, name, "exec"), self.namespace)
        return True

    def op_lookup(self, name: str):
        if name in self.namespace:
            return self.namespace[name]
        import builtins
        if hasattr(builtins, name):
            raise KeyError(name)                       # the judge's own builtins
        raise NameError(f"name {name!r} is not defined")


def limit_cpu(limit) -> None:
    """The check's CPU budget, as this process's total: past it the kernel stops the process
    (SIGXCPU), which the judge reports as a check out of CPU time."""
    if not isinstance(limit, (int, float)) or isinstance(limit, bool) or not limit < 1e9:
        return
    import math
    used = sum(os.times()[:2])
    soft = max(math.ceil(limit), math.ceil(used) + 1)
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    try:
        resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))
    except (ValueError, OSError):
        pass


def _update(mine, new, grad) -> None:
    """Make our tensor `mine` hold what the judge sent, touching it only where it changed (an
    in-place change would break a graph it is part of)."""
    import torch
    if not torch.equal(mine.detach(), new):
        with torch.no_grad():
            mine.copy_(new)
    if mine.is_leaf:
        same = (grad is None and mine.grad is None) or (
            grad is not None and mine.grad is not None and mine.grad.shape == grad.shape
            and torch.equal(mine.grad, grad))
        if not same:
            mine.grad = grad


class Live:
    """Marks a value the judge should get as a handle, not as a copy."""

    def __init__(self, value):
        self.value = value


class MissingName(AttributeError):
    def __init__(self, module: str, name: str):
        super().__init__(f"{module}.py has no `{name}`")
        self.module, self.name = module, name


def load(module: str):
    import importlib
    if module in sys.modules:
        return sys.modules[module]
    try:
        return importlib.import_module(module)
    except BaseException as exc:  # noqa: BLE001 - a syntax error, exit() at import, ...
        raise ImportFailed(module) from exc


class ImportFailed(Exception):
    pass


def _snapshot(args):
    """What learner code may change among `args`, to tell afterwards what it changed: clones of
    the tensors, and copies of the lists and dicts of plain values (a list of 32,000 words is
    then compared at C speed instead of being sent back)."""
    import torch
    found = {}

    def walk(v, depth=0):
        if depth > 8:
            return
        if isinstance(v, torch.Tensor):
            found[id(v)] = v.detach().clone()
            found[("grad", id(v))] = v.is_leaf and v.grad is not None
        elif isinstance(v, (list, tuple)):
            if type(v) is list and all(type(x) in seam.FLAT for x in v):
                found[id(v)] = v[:]
                return
            for x in v:
                walk(x, depth + 1)
        elif isinstance(v, dict):
            if type(v) is dict and all(type(x) in seam.FLAT for x in (*v, *v.values())):
                found[id(v)] = dict(v)
                return
            for x in v.values():
                walk(x, depth + 1)
    walk(args)
    return found


def _changed(args, snapshot):
    """The arguments as they are after the call, for the judge to mirror what learner code
    did to them (it must see a mutated list or a trained parameter as the learner left it).
    Unchanged tensors, lists and dicts are sent as a marker."""
    import torch

    def walk(v, depth=0):
        if isinstance(v, torch.Tensor):
            before = snapshot.get(id(v))
            same = before is not None and before.shape == v.shape and before.dtype == v.dtype \
                and torch.equal(before, v.detach())
            grad = v.grad if v.is_leaf and v.grad is not None else None
            cleared = grad is None and snapshot.get(("grad", id(v))) is True      # `p.grad = None`
            if same and grad is None and not cleared:
                return Same()
            # copies: a gradient the judge sent, changed in place, must travel as its new values
            # (not as "your own tensor", which the judge would take back unchanged)
            return TensorAfter(None if same else v.detach().clone(), None if grad is None else grad.detach().clone(),
                               cleared)
        if v is None or isinstance(v, (bool, int, float, str, bytes)):
            return v                                   # a value: what it is now
        if depth > 8:
            return Same()
        if type(v) in (list, dict):
            before = snapshot.get(id(v))
            if type(before) is type(v) and _plain_equal(before, v):
                return Same()
        if isinstance(v, (list, tuple)):
            return (list if isinstance(v, list) else tuple)(walk(x, depth + 1) for x in v)
        if isinstance(v, dict):
            return {k: walk(x, depth + 1) for k, x in v.items()}
        if isinstance(v, torch.Generator):
            return v
        if isinstance(v, torch.nn.Module):
            return ModuleAfter({k: t.detach().clone() for k, t in v.state_dict().items()})
        return Same()
    return walk(list(args))


def _plain_equal(before, now) -> bool:
    """Whether a list or dict of plain values is as it was: the same items (keys, in order) of
    the same exact types (1, True and 1.0 are told apart)."""
    def columns(v):
        return [[*v], [*v.values()]] if type(v) is dict else [v]
    return all(len(a) == len(b) and a == b and [*map(type, a)] == [*map(type, b)]
               for a, b in zip(columns(before), columns(now)))


class ModuleAfter:
    """A module the grader sent, as learner code left it (its state)."""

    def __init__(self, state):
        self.state = state


class Same:
    """An argument the call left as it was."""


class TensorAfter:
    def __init__(self, data, grad, cleared=False):
        self.data, self.grad, self.cleared = data, grad, cleared


def _nn_name(name) -> str:
    import torch
    if not isinstance(name, str) or not name.isidentifier() or not isinstance(getattr(torch.nn, name, None), type):
        raise seam.SeamError(f"torch.nn has no class {name!r}")
    return name


def build_module(desc, dec):
    """An nn.Module from the judge's description: torch.nn classes, their arguments, children, state."""
    import torch
    if not isinstance(desc, dict):
        raise seam.SeamError("bad module description")
    cls = getattr(torch.nn, _nn_name(desc.get("class")))
    args = dec(desc.get("args", []))
    kwargs = dec(desc.get("kwargs", {"$dict": []}))
    module = cls(*args, **kwargs)
    for name, child in desc.get("children", []):
        if not isinstance(name, str):
            raise seam.SeamError("bad child name")
        module.add_module(name, build_module(child, dec))
    state = dec(desc.get("state", {"$dict": []}))
    if state:
        module.load_state_dict(state)
    module.train(bool(desc.get("training", True)))
    return module


def describe_exception(exc: BaseException, target: str, sending: bool = False) -> dict:
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
    return {"kind": kind, "types": [c.__name__ for c in type(cause).__mro__][:12],
            "message": message[:4000], "where": where, "detail": detail,
            "module": getattr(exc, "args", [""])[0] if kind == "import" else "",
            "lineno": getattr(cause, "lineno", None) if isinstance(cause, SyntaxError) else None}


# ------------------------------------------------------------------------------ the zygote
def _limit(config: dict) -> None:
    try:
        with open("/proc/self/statm") as f:
            mapped = int(f.read().split()[0]) * resource.getpagesize()
    except OSError:                  # a sandbox without /proc: what torch maps here, with room to spare
        mapped = 2 * 2**30
    limits = {resource.RLIMIT_AS: mapped + config.get("memory_mb", 4096) * 2**20,
              resource.RLIMIT_FSIZE: 64 * 2**20,        # no file larger than 64 MB
              resource.RLIMIT_CORE: 0}
    if config.get("cpu_seconds"):
        limits[resource.RLIMIT_CPU] = int(config["cpu_seconds"])
    for which, value in limits.items():
        _, hard = resource.getrlimit(which)
        if hard != resource.RLIM_INFINITY:
            value = min(value, hard)
        resource.setrlimit(which, (value, hard))


def _worker_main(sock: socket.socket) -> None:
    """A spare worker: it waits for its configuration (the first frame), then serves."""
    code = 0
    try:
        header, _ = seam.receive(sock)
        config = header.get("config")
        if not isinstance(config, dict) or not isinstance(config.get("target"), str):
            raise seam.SeamError("a worker needs its configuration first")
        import faulthandler
        faulthandler.disable()
        devnull = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(devnull, fd)
        worker = Worker(sock, config)
        sys.stdout = sys.stderr = worker.out
        sys.path.insert(0, config["target"])
        os.chdir(os.environ.get("TMPDIR", "/tmp"))
        _limit(config)
        worker.serve()
    except BaseException:  # noqa: BLE001
        code = 71
    finally:
        os._exit(code)


def _not_dumpable() -> None:
    """PR_SET_DUMPABLE 0: no process of our user may ptrace this one or open its /proc files
    (its memory, its sockets). The workers inherit it."""
    import ctypes
    try:
        ctypes.CDLL(None, use_errno=True).prctl(4, 0, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def cpu_seconds(pid: int) -> float | None:
    """CPU time (user + system) of process `pid` and of its children it has waited for; None
    where this process cannot see it (no /proc)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    ticks = sum(int(fields[i]) for i in (11, 12, 13, 14))      # utime stime cutime cstime
    return ticks / os.sysconf("SC_CLK_TCK")


def _cell_cpu(cell: int, inner: int) -> float | None:
    """CPU seconds of the process that cell `cell` (its pid 1, as seen from here) knows as
    `inner`, read through this process's /proc: where the cell may not mount a /proc of its own,
    it cannot tell its workers' CPU time itself. None where no such process is found."""
    try:
        names = [n for n in os.listdir("/proc") if n.isdigit()]
    except OSError:
        return None
    for name in names:
        try:
            with open(f"/proc/{name}/status") as f:
                ns = next((line.split()[1:] for line in f if line.startswith("NSpid:")), [])
        except OSError:
            continue
        if len(ns) >= 2 and ns[1] == str(inner) and _in_cell(int(name), cell):
            return cpu_seconds(int(name))
    return None


def _in_cell(pid: int, cell: int) -> bool:
    """Whether process `pid` descends from `cell` (both as seen from here)."""
    for _ in range(64):
        if pid == cell:
            return True
        try:
            with open(f"/proc/{pid}/stat") as f:
                pid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            return False
        if pid <= 1:
            return False
    return False


def _import_matplotlib() -> None:
    """matplotlib, which the graders of figures (and many a learner's module) use: imported once
    here, so that workers do not each pay for it (about 0.4 s)."""
    if "matplotlib.pyplot" not in sys.modules:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot  # noqa: F401


def serve(control: socket.socket) -> None:
    """The zygote's loop: a worker per request (forked ahead), killed or waited for on request.
    In a cell (pid 1 of its own namespace) it also reaps the orphans learner code leaves."""
    import gc
    statuses: dict[int, int] = {}
    children: set[int] = set()

    def reap():
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if not pid:
                break
            if pid in children:
                children.discard(pid)
                statuses[pid] = status
        if len(statuses) > 10_000:
            statuses.clear()

    def fork_spare() -> tuple[int, socket.socket]:
        """A worker forked ahead of its request, so that a spawn costs the judge no fork: it
        waits for its configuration (and is killed with the runner if it never gets one)."""
        mine, theirs = socket.socketpair()
        gc.freeze()
        pid = os.fork()
        if pid == 0:
            control.close()
            theirs.close()
            _worker_main(mine)
        mine.close()
        children.add(pid)
        return pid, theirs

    spare = fork_spare()                                   # the first worker: it needs no matplotlib yet
    while True:
        try:
            header, _ = seam.receive(control)
        except (EOFError, OSError, seam.SeamError):
            return
        op, ident = header.get("op"), header.get("id")    # every answer names its request
        reap()
        if op == "spawn":
            if spare[0] not in children:                   # it died waiting (killed by learner code)
                spare[1].close()
                spare = fork_spare()
            pid, theirs = spare
            config = header.get("config")
            seam.send(theirs, {"config": config if isinstance(config, dict) else {}})
            seam.send(control, {"id": ident, "pid": pid})
            socket.send_fds(control, [b"\0"], [theirs.fileno()])
            theirs.close()
            _import_matplotlib()                           # once, after the first spawn: while the
            spare = fork_spare()                           # judge talks to this one (so do the rest)
        elif op == "kill":
            pid = header.get("pid")
            if pid in children:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            seam.send(control, {"id": ident, "killed": pid})
        elif op == "cpu":
            pid = header.get("pid")
            seam.send(control, {"id": ident, "cpu": cpu_seconds(pid) if pid in children else None})
        elif op == "status":
            pid, deadline = header.get("pid"), time.monotonic() + float(header.get("wait", 1.0))
            while pid in children and time.monotonic() < deadline:
                reap()
                time.sleep(0.005)
            status = statuses.get(pid)
            if status is None:
                seam.send(control, {"id": ident, "status": None})
            elif os.WIFSIGNALED(status):
                seam.send(control, {"id": ident, "status": "signal", "signal": os.WTERMSIG(status)})
            else:
                seam.send(control, {"id": ident, "status": "exit", "code": os.waitstatus_to_exitcode(status)})
        else:
            return


def _new_cell() -> tuple[int, socket.socket] | None:
    """A cell (cell.py) with the zygote's loop in its pid 1: (its pid, our end of its control
    socket), or None where the kernel makes none."""
    import gc
    from course.grading.runner import cell
    mine, theirs = socket.socketpair()
    report_r, report_w = os.pipe()
    gc.freeze()
    pid = os.fork()
    if pid == 0:                                          # single-threaded: may make namespaces
        code = 0
        try:
            os.close(report_r)
            mine.close()
            inner = cell.enter([p for p in SETTINGS.get("COURSE_RUNNER_KEEP", "").split("\n") if p],
                               int(SETTINGS.get("COURSE_RUNNER_MAX_PROCESSES", "256")))
            if inner:                                     # the cell is made: say its pid 1, and go
                os.write(report_w, str(inner).encode())
            else:
                os.close(report_w)
                serve(theirs)
        except BaseException as exc:  # noqa: BLE001 - no cell here: the parent hears nothing
            print(f"no cell: {exc!r}", file=sys.__stderr__, flush=True)
            code = 72
        finally:
            os._exit(code)
    os.close(report_w)
    theirs.close()
    with os.fdopen(report_r, "rb") as f:
        said = f.read(32)
    os.waitpid(pid, 0)
    if not said.isdigit():
        mine.close()
        return None
    return int(said), mine


def zygote(control: socket.socket) -> None:
    """The runner's first process: torch imported once; then, per submission, a cell around a
    zygote forked from it (or, where no cell can be made, the zygote's loop itself)."""
    import ctypes
    _not_dumpable()
    try:                                                  # a cell's pid 1 is our child again when its maker exits
        ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)      # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        pass
    import torch
    torch.set_num_threads(1)
    import torch.nn  # noqa: F401
    current = _new_cell() if SETTINGS.get("COURSE_RUNNER_CELLS") == "1" else None
    seam.send(control, {"ready": True, "pid": os.getpid(), "uid": os.getuid(), "cells": current is not None})
    if current is None:
        serve(control)
        return
    while True:
        pid, ours = current
        socket.send_fds(control, [b"\0"], [ours.fileno()])
        ours.close()
        while True:
            try:
                header, _ = seam.receive(control)
            except (EOFError, OSError, seam.SeamError):
                return
            if header.get("op") != "cpu":
                break
            inner = header.get("pid")                     # a worker's CPU, read from out here
            cpu = _cell_cpu(pid, inner) if isinstance(inner, int) else None
            seam.send(control, {"id": header.get("id"), "cpu": cpu})
        if header.get("op") != "cell":
            return
        _import_matplotlib()                              # for this cell and those to come (a class)
        try:                                              # the last submission's cell, all of it
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        try:
            os.waitpid(pid, 0)
        except ChildProcessError:
            pass
        while True:                                       # and any other child (none expected)
            try:
                if os.waitpid(-1, os.WNOHANG)[0] == 0:
                    break
            except ChildProcessError:
                break
        current = _new_cell()
        seam.send(control, {"id": header.get("id"), "clean": current is not None})
        if current is None:
            return


SETTINGS: dict[str, str] = {}    # the judge's COURSE_RUNNER_* words to this runner (none reaches learner code)


def main() -> None:
    for name in [n for n in os.environ if n.startswith("COURSE_")]:
        SETTINGS[name] = os.environ.pop(name)
    fd = int(SETTINGS.get("COURSE_RUNNER_FD", "3"))
    seam.fds_closed_except({fd})
    # Never import from the working folder (the workers work in /tmp, which learner code writes):
    # the learner's modules come from the target folder alone (the worker puts it first), the
    # rest from Python's own folders.
    sys.path[:] = [p for p in sys.path if p and p != "." and os.path.abspath(p) != os.getcwd()]
    zygote(seam.socket_from_fd(fd))
    os._exit(0)


if __name__ == "__main__":
    main()

"""The protocol between the judge and the runner: every request, listed once, and its answer.

Two conversations cross the seam (seam.py: frames of a JSON header and raw tensor bytes).

**With the zygote**, the runner's warm process that forks one worker per exercise. A request is
a plain JSON header, `{"op": "kill", "id": 7, "pid": 12}`; its answer names the same id.

    spawn(config)       -> Spawned(pid), then the worker's socket (passed as a file descriptor)
    kill(pid)           -> Killed(killed)
    cpu(pid)            -> CpuTime(cpu)        a worker's CPU seconds (None: cannot tell)
    status(pid, wait)   -> ExitStatus(...)     how a worker ended (waiting up to `wait` seconds)
    cell()              -> Cleaned(clean)      a fresh cell, then its zygote's socket

The runner's first process says `Ready(pid, uid, cells)` once, when it has imported torch. Where
it makes cells, it answers `cpu` and `cell` itself, and the zygote of the current cell the rest.

**With a worker**, where learner code runs. A request is `{"op": "call", "request": <its fields,
seam-encoded>, "cpu_limit": <seconds>}`: its fields may hold tensors, handles to objects that
live in the worker, the grader's own functions (callbacks) and nn.Modules to build there.

    import(module) · call(function, args, kwargs) · call_counting_saved(function, args, kwargs) ·
    method(obj, name, args, kwargs) · enter(obj) · exit(obj, error) · backward(tensor, gradient,
    create_graph) · build(module) · tmp(name) · read(path, limit) · exec(source, name) ·
    lookup(name) · bye

The worker answers with an `Answer`: a value (for a call, also what it did to its arguments:
`Same`, `TensorAfter`, `ModuleAfter`) or a `Failure`; what learner code printed; its CPU seconds.
While it works it may call one of the grader's functions (`Callback`, `CallbackReply`).

A request is parsed into its dataclass before anything acts on it: an unknown op, a missing or
unknown field, a value of the wrong type or out of bounds (rules.py) is a ProtocolError, answered
as an error, and the process goes on serving. The judge reads answers through these classes too,
and believes them no further than their types: a field of the wrong type reads as "unknown".
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from enum import Enum
from typing import Any, ClassVar

from course.grading import rules, seam
from course.grading.rules import MAX_PID, ProtocolError

MAX_NAME = 1_000                 # characters of a module, attribute or exception name
MAX_PATH = 4_096                 # characters of a path or a file name
MAX_MESSAGE = 10_000             # characters of an exception's message sent to learner code
MAX_SOURCE = 16 * 2**20          # characters of a notebook cell's source
MAX_READ = 64 * 2**20            # bytes of a file read back (the worker writes none larger)
MAX_WAIT = 30.0                  # seconds the zygote may wait for a worker to end
MAX_ID = 2**63                   # request ids

SYNC = "sync"           # a worker request's extra field: the judge's shared tensors changed since the
                        # worker last saw them (decoding them there applies the change)
CALLBACK = "callback"   # the op of a worker's call to one of the grader's functions


# ------------------------------------------------------------------------------ a worker's requests
class Op(str, Enum):
    """What a worker can be asked to do."""
    IMPORT = "import"
    CALL = "call"
    CALL_COUNTING_SAVED = "call_counting_saved"
    METHOD = "method"
    ENTER = "enter"
    EXIT = "exit"
    BACKWARD = "backward"
    BUILD = "build"
    TMP = "tmp"
    READ = "read"
    EXEC = "exec"
    LOOKUP = "lookup"
    BYE = "bye"


class Request:
    """A request to a worker; its fields are checked against their rules when it is made, on either side."""
    op: ClassVar[Op]

    def __post_init__(self) -> None:
        rules.check_fields(self)

    def to_wire(self) -> dict:
        """The fields, for seam.encode (which turns tensors, handles and callbacks into references)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_wire(cls, data: dict) -> Request:
        return rules.build(cls, data, cls.op.value)


@dataclass(frozen=True)
class FunctionRef:
    """A function of a learner's module, by name."""
    module: str = field(metadata=rules.text(MAX_NAME))
    name: str = field(metadata=rules.text(MAX_NAME))

    def __post_init__(self) -> None:
        rules.check_fields(self)


FUNCTION = rules.rule(lambda v: isinstance(v, FunctionRef) or callable(v),       # callable() runs no learner code
                "a function of a module or a callable object")
EXCEPTION = rules.rule(lambda v: v is None or (isinstance(v, (list, tuple)) and len(v) == 2 and type(v[0]) is str
                                         and len(v[0]) <= MAX_NAME and type(v[1]) is str and len(v[1]) <= MAX_MESSAGE),
                 "None or [its type's name, its message]")


@dataclass(frozen=True)
class Import(Request):
    """Import the learner's module (once, before the first check that uses it)."""
    op: ClassVar[Op] = Op.IMPORT
    module: str = field(metadata=rules.text(MAX_NAME))


@dataclass(frozen=True)
class Call(Request):
    """Call `function`: a function of a learner's module, or an object that lives in the worker."""
    op: ClassVar[Op] = Op.CALL
    function: Any = field(metadata=FUNCTION)
    args: list = field(default_factory=list, metadata=rules.ITEMS)
    kwargs: dict = field(default_factory=dict, metadata=rules.KEYWORDS)

    def to_wire(self) -> dict:
        function = asdict(self.function) if isinstance(self.function, FunctionRef) else self.function
        return {"function": function, "args": self.args, "kwargs": self.kwargs}

    @classmethod
    def from_wire(cls, data: dict) -> Call:
        if isinstance(data, dict) and isinstance(data.get("function"), dict):
            data = {**data, "function": rules.build(FunctionRef, data["function"], f"{cls.op.value}'s function")}
        return rules.build(cls, data, cls.op.value)


@dataclass(frozen=True)
class CallCountingSaved(Call):
    """The call, and how many tensors autograd saved for a backward pass during it."""
    op: ClassVar[Op] = Op.CALL_COUNTING_SAVED


@dataclass(frozen=True)
class Method(Request):
    """Call method `name` of an object that lives in the worker; a dunder name reads it instead
    (`__getattr__`, `__setattr__`, `__iter__`, `__len__`, `__contains__`, `__getitem__`, and
    `__value__` for a plain copy of the object itself)."""
    op: ClassVar[Op] = Op.METHOD
    obj: Any = field(metadata=rules.PRESENT)
    name: str = field(metadata=rules.text(MAX_NAME))
    args: list = field(default_factory=list, metadata=rules.ITEMS)
    kwargs: dict = field(default_factory=dict, metadata=rules.KEYWORDS)


@dataclass(frozen=True)
class Enter(Request):
    """`obj.__enter__()` of a context manager that lives in the worker."""
    op: ClassVar[Op] = Op.ENTER
    obj: Any = field(metadata=rules.PRESENT)


@dataclass(frozen=True)
class Exit(Request):
    """`obj.__exit__(...)`, with the grader's exception as [type name, message] (None: none)."""
    op: ClassVar[Op] = Op.EXIT
    obj: Any = field(metadata=rules.PRESENT)
    error: list | None = field(default=None, metadata=EXCEPTION)


@dataclass(frozen=True)
class Backward(Request):
    """`tensor.backward(gradient, create_graph=...)`, where the tensor was computed."""
    op: ClassVar[Op] = Op.BACKWARD
    tensor: Any = field(metadata=rules.PRESENT)
    gradient: Any = None
    create_graph: bool = field(default=False, metadata=rules.FLAG)


@dataclass(frozen=True)
class Build(Request):
    """Build a copy of the grader's nn.Module in the worker; answered by a handle to it."""
    op: ClassVar[Op] = Op.BUILD
    module: Any = field(metadata=rules.PRESENT)


@dataclass(frozen=True)
class Tmp(Request):
    """A path for a file called `name` in the worker's private folder."""
    op: ClassVar[Op] = Op.TMP
    name: str = field(metadata=rules.text(MAX_PATH))


@dataclass(frozen=True)
class Read(Request):
    """The first `limit` bytes of a file learner code wrote."""
    op: ClassVar[Op] = Op.READ
    path: str = field(metadata=rules.text(MAX_PATH))
    limit: int = field(default=20 * 2**20, metadata=rules.whole(0, MAX_READ))


@dataclass(frozen=True)
class Exec(Request):
    """Run notebook code (a learner's cell) in the worker's namespace."""
    op: ClassVar[Op] = Op.EXEC
    source: str = field(metadata=rules.text(MAX_SOURCE))
    name: str = field(metadata=rules.text(MAX_PATH))


@dataclass(frozen=True)
class Lookup(Request):
    """What notebook code bound to `name` in the worker's namespace."""
    op: ClassVar[Op] = Op.LOOKUP
    name: str = field(metadata=rules.text(MAX_NAME))


@dataclass(frozen=True)
class Bye(Request):
    """The judge is done with this worker: it ends."""
    op: ClassVar[Op] = Op.BYE


REQUESTS: dict[Op, type[Request]] = {cls.op: cls for cls in (
    Import, Call, CallCountingSaved, Method, Enter, Exit, Backward, Build, Tmp, Read, Exec, Lookup, Bye)}


def worker_op(name) -> Op:
    """The op a worker request names; ProtocolError for one the protocol does not know."""
    try:
        return Op(name)
    except ValueError:
        raise ProtocolError(f"unknown request {str(name)[:100]!r}") from None


def parse_request(op: Op, data) -> Request:
    """The request `op` with the (decoded) fields `data`; ProtocolError unless they are its own."""
    return REQUESTS[op].from_wire(data)


@dataclass(frozen=True)
class WorkerConfig:
    """What a worker is told first: the folder it imports learner modules from, and its limits."""
    target: str = field(metadata=rules.text(MAX_PATH))
    memory_mb: int = field(default=4096, metadata=rules.whole(1, 2**20))
    output_limit: int = field(default=20_000, metadata=rules.whole(0, 2**30))     # characters a check may print

    def __post_init__(self) -> None:
        rules.check_fields(self)

    @classmethod
    def from_wire(cls, data) -> WorkerConfig:
        return rules.build(cls, data, "a worker's configuration")


# ------------------------------------------------------------------------------ a worker's answers
class Same:
    """An argument that a call left as it was (the worker sends this marker instead of the value)."""

    def __repr__(self) -> str:
        return "SAME"


SAME = Same()


@dataclass
class TensorAfter:
    """A tensor argument as a call left it: its data (None: unchanged), its gradient, whether
    learner code set the gradient to None (`cleared`)."""
    data: Any
    grad: Any
    cleared: bool = False


@dataclass
class ModuleAfter:
    """An nn.Module argument as a call left it: its state."""
    state: Any


EXCEPTION_KINDS = ("raised", "import", "missing", "unsendable")


@dataclass(frozen=True)
class Failure:
    """What learner code raised, as plain text: what the judge classifies. `kind`: "raised", or
    "import" (its module did not import), "missing" (no such name in it), "unsendable" (its result
    cannot cross the seam)."""
    kind: str = "raised"
    types: list = field(default_factory=lambda: ["Exception"])   # its class and bases, its own first
    message: str = ""
    where: str = ""                  # the innermost place in learner code: "mlp.py, line 3, in train"
    detail: str = ""                 # the traceback
    module: str = ""                 # the module that did not import
    lineno: int | None = None        # of a SyntaxError

    @classmethod
    def read(cls, raw) -> Failure:
        """The judge's reading of what a worker said: every field of its type, the texts made safe
        and capped, anything else replaced by its default; never an exception of its own."""
        raw = raw if isinstance(raw, dict) else {}

        def safe(value, limit: int = 4000) -> str:
            return seam.safe_text(value, limit) if isinstance(value, str) else ""
        names = raw.get("types") if isinstance(raw.get("types"), list) else []
        types_ = [n for n in (safe(x, 100) for x in names[:12]) if n.isidentifier()]
        kind = raw.get("kind") if raw.get("kind") in EXCEPTION_KINDS else "raised"
        return cls(kind=kind, types=types_ or ["Exception"], message=safe(raw.get("message")),
                   where=safe(raw.get("where"), 300), detail=safe(raw.get("detail")),
                   module=safe(raw.get("module"), 100), lineno=rules.whole_or_none(raw.get("lineno")))


@dataclass(frozen=True)
class Answer:
    """A worker's answer to a request: `ok` (the seam-encoded {"value", "after"}, which only the
    judge's session can decode) or `error`; what learner code printed; the worker's CPU seconds."""
    ok: Any = None
    error: Failure | None = None
    printed: str = ""
    cpu: float | None = None

    def to_header(self) -> dict:
        head = {"ok": self.ok} if self.error is None else {"error": asdict(self.error)}
        return {**head, "printed": self.printed, "cpu": self.cpu}

    @classmethod
    def read(cls, header: dict) -> Answer:
        printed = header.get("printed")
        return cls(ok=header.get("ok"), error=Failure.read(header["error"]) if "error" in header else None,
                   printed=seam.safe_text(printed) if isinstance(printed, str) else "",
                   cpu=rules.seconds(header.get("cpu")))


@dataclass(frozen=True)
class Callback:
    """A worker's call of the grader's function `id`, with the seam-encoded [args, kwargs]."""
    id: int | None
    args: Any

    def to_header(self) -> dict:
        return {"op": CALLBACK, "id": self.id, "args": self.args}

    @classmethod
    def read(cls, header: dict) -> Callback:
        return cls(rules.whole_or_none(header.get("id")), header.get("args"))


@dataclass(frozen=True)
class CallbackReply:
    """The judge's answer to a callback: the seam-encoded value, or what the function raised."""
    ok: Any = None
    error: str | None = None

    def to_header(self) -> dict:
        return {"ok": self.ok} if self.error is None else {"error": self.error}

    @classmethod
    def read(cls, header: dict) -> CallbackReply:
        if "error" in header:
            return cls(error=seam.safe_text(header["error"], 500))
        return cls(ok=header.get("ok"))


# ------------------------------------------------------------------------------ the zygote's requests
class ControlOp(str, Enum):
    """What the zygote (or the runner's first process) can be asked to do."""
    SPAWN = "spawn"
    KILL = "kill"
    CPU = "cpu"
    STATUS = "status"
    CELL = "cell"


class ControlRequest:
    """A request to the zygote; its fields are checked against their rules when it is made."""
    op: ClassVar[ControlOp]

    def __post_init__(self) -> None:
        rules.check_fields(self)

    def header(self, ident: int) -> dict:
        return {"op": self.op.value, "id": ident, **asdict(self)}

    @classmethod
    def from_header(cls, data: dict) -> ControlRequest:
        return rules.build(cls, data, cls.op.value)


CONFIG = rules.rule(lambda v: isinstance(v, WorkerConfig), "a worker's configuration")


@dataclass(frozen=True)
class Spawn(ControlRequest):
    op: ClassVar[ControlOp] = ControlOp.SPAWN
    config: WorkerConfig = field(metadata=CONFIG)

    @classmethod
    def from_header(cls, data: dict) -> Spawn:
        return rules.build(cls, {**data, "config": WorkerConfig.from_wire(data.get("config"))}, cls.op.value)


@dataclass(frozen=True)
class Kill(ControlRequest):
    op: ClassVar[ControlOp] = ControlOp.KILL
    pid: int = field(metadata=rules.whole(1, MAX_PID))


@dataclass(frozen=True)
class Cpu(ControlRequest):
    op: ClassVar[ControlOp] = ControlOp.CPU
    pid: int = field(metadata=rules.whole(1, MAX_PID))


@dataclass(frozen=True)
class Status(ControlRequest):
    op: ClassVar[ControlOp] = ControlOp.STATUS
    pid: int = field(metadata=rules.whole(1, MAX_PID))
    wait: float = field(default=1.0, metadata=rules.number(0.0, MAX_WAIT))


@dataclass(frozen=True)
class Cell(ControlRequest):
    op: ClassVar[ControlOp] = ControlOp.CELL


CONTROL_REQUESTS: dict[ControlOp, type[ControlRequest]] = {cls.op: cls for cls in (Spawn, Kill, Cpu, Status, Cell)}


def parse_control(header, answered: frozenset[ControlOp] | set[ControlOp]) -> ControlRequest:
    """The request in `header`, one of the ops this process `answered`; ProtocolError for anything else."""
    if not isinstance(header, dict):
        raise ProtocolError("a request must be a JSON object")
    try:
        op = ControlOp(header.get("op"))
    except ValueError:
        raise ProtocolError(f"unknown request {str(header.get('op'))[:100]!r}") from None
    if op not in answered:
        raise ProtocolError(f"this process does not answer {op.value!r} "
                            f"(it answers {', '.join(sorted(o.value for o in answered))})")
    return CONTROL_REQUESTS[op].from_header({k: v for k, v in header.items() if k not in ("op", "id", "n")})


def request_id(header) -> int | None:
    """The id a request names (None where it names none that could be one)."""
    ident = header.get("id") if isinstance(header, dict) else None
    return ident if type(ident) is int and 0 <= ident < MAX_ID else None


def refusal(header, error: ProtocolError) -> dict:
    """The zygote's answer to a request it refuses (it goes on serving)."""
    return {"id": request_id(header), "error": seam.safe_text(str(error), 500)}


# ------------------------------------------------------------------------------ the zygote's answers
class Reply:
    """The zygote's answer to a request: `{"id": ..., field: value, ...}`."""

    def to_header(self, ident: int | None) -> dict:
        return {"id": ident, **asdict(self)}

    @classmethod
    def read(cls, header: dict):
        return rules.read(cls, header)


@dataclass(frozen=True)
class Spawned(Reply):
    pid: int | None = field(metadata={"read": rules.pid})          # the new worker's; its socket follows


@dataclass(frozen=True)
class Killed(Reply):
    killed: int | None = field(metadata={"read": rules.pid})


@dataclass(frozen=True)
class CpuTime(Reply):
    cpu: float | None = field(metadata={"read": rules.seconds})    # None: this process cannot tell


@dataclass(frozen=True)
class ExitStatus(Reply):
    """How a worker ended: `status` "signal" (with its `signal`), "exit" (with its `code`), or None."""
    status: str | None = field(default=None, metadata={"read": lambda v: v if v in ("signal", "exit") else None})
    signal: int | None = field(default=None, metadata={"read": rules.whole_or_none})
    code: int | None = field(default=None, metadata={"read": rules.whole_or_none})


@dataclass(frozen=True)
class Cleaned(Reply):
    clean: bool = field(metadata={"read": rules.true})             # a fresh cell; its zygote's socket follows


@dataclass(frozen=True)
class Ready(Reply):
    """The runner's first words, once it has imported torch: its pid, its user, whether it makes cells."""
    ready: bool = field(metadata={"read": rules.true})
    pid: int | None = field(default=None, metadata={"read": rules.pid})
    uid: int | None = field(default=None, metadata={"read": rules.whole_or_none})
    cells: bool = field(default=False, metadata={"read": rules.true})


REPLIES: dict[ControlOp, type[Reply]] = {ControlOp.SPAWN: Spawned, ControlOp.KILL: Killed, ControlOp.CPU: CpuTime,
                                         ControlOp.STATUS: ExitStatus, ControlOp.CELL: Cleaned}

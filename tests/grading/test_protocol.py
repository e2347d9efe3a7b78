"""The protocol (course/grading/protocol.py): every request and answer crosses the seam as itself,
and whatever is malformed (an unknown op, a missing or unknown field, a wrong type, a huge value)
is refused with a clear error, by a runner that goes on serving and a judge that does not crash."""
import math
import socket
import threading
import time
from dataclasses import fields

import pytest
import torch

from course.grading import protocol, seam
from course.grading.judge import references as judge_side
from course.grading.judge.client import Session, WorkerDied
from course.grading.judge.handles import Handle
from course.grading.judge.process import Runner, RunnerBroken
from course.grading.protocol import ControlOp, Op, ProtocolError
from course.grading.runner import references as runner_side
from tests.conftest import ROOT


def same(a, b) -> bool:
    """Equality that compares tensors by value (and dataclasses field by field)."""
    if isinstance(a, torch.Tensor) or isinstance(b, torch.Tensor):
        return isinstance(a, torch.Tensor) and isinstance(b, torch.Tensor) and torch.equal(a, b)
    if hasattr(a, "__dataclass_fields__") and type(a) is type(b):
        return all(same(getattr(a, f.name), getattr(b, f.name)) for f in fields(a))
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return a == b


def across(header: dict, blobs=()) -> tuple[dict, list[bytes]]:
    """`header` and `blobs` sent through a socket and received on the other end, as the seam does."""
    left, right = socket.socketpair()
    try:
        seam.send(left, *seam.message(header, list(blobs)))
        return seam.receive(right, deadline=time.monotonic() + 5)
    finally:
        left.close()
        right.close()


# ------------------------------------------------------------------------------ round trips
class Context:
    """A context manager that lives in the runner, for enter/exit."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return None


PLAIN = {   # a request of each op, with plain values where the runner's objects would be
    Op.IMPORT: protocol.Import("bigram"),
    Op.CALL: protocol.Call(protocol.FunctionRef("mlp", "train"), [torch.ones(2, 3), [1, 2], "x"], {"lr": 0.1}),
    Op.CALL_COUNTING_SAVED: protocol.CallCountingSaved(protocol.FunctionRef("mlp", "forward"), [{"W": torch.zeros(2)}]),
    Op.METHOD: protocol.Method([1, 2, 3], "__len__"),
    Op.ENTER: protocol.Enter({"a": 1}),
    Op.EXIT: protocol.Exit({"a": 1}, ["AssertionError", "the grader's own failure"]),
    Op.BACKWARD: protocol.Backward(torch.ones(3), torch.full((3,), 2.0), True),
    Op.BUILD: protocol.Build([1]),
    Op.TMP: protocol.Tmp("hist.png"),
    Op.READ: protocol.Read("/tmp/course-1/hist.png", 1024),
    Op.EXEC: protocol.Exec("x = 1\n", "cell 3"),
    Op.LOOKUP: protocol.Lookup("answer"),
    Op.BYE: protocol.Bye(),
}


def test_every_op_has_its_request_and_the_worker_answers_every_op_but_bye():
    from course.grading.runner.worker import Worker
    assert set(protocol.REQUESTS) == set(Op) == set(PLAIN)
    assert set(Worker.HANDLERS) == set(Op) - {Op.BYE}
    assert set(protocol.CONTROL_REQUESTS) == set(ControlOp) == set(protocol.REPLIES)


@pytest.mark.parametrize("op", list(Op), ids=lambda op: op.value)
def test_every_worker_request_crosses_the_seam_as_itself(op):
    request = PLAIN[op]
    data, blobs = seam.encode(request.to_wire())
    header, blobs = across({"op": request.op.value, "request": data}, blobs)
    parsed = protocol.parse_request(protocol.worker_op(header["op"]), seam.decode(header["request"], blobs))
    assert type(parsed) is type(request) and same(parsed, request)


def test_requests_with_the_runners_objects_cross_through_both_sides_references():
    """Handles, the grader's functions and nn.Modules, through the two References tables."""
    judge, runner = judge_side.References(), runner_side.References()
    runner.callback = lambda ident: ("callback", ident)
    context, learner_fn = Context(), (lambda x: x)
    runner.objects = {7: context, 8: learner_fn}
    handle, fn_handle = Handle(judge, 7), Handle(judge, 8)
    layer = torch.nn.Linear(3, 2)
    requests = [protocol.Enter(handle), protocol.Exit(handle, None), protocol.Method(handle, "__enter__"),
                protocol.Call(fn_handle, [len], {}), protocol.Build(layer)]
    for request in requests:
        data, blobs = judge.encode(request.to_wire())
        header, blobs = across({"op": request.op.value, "request": data}, blobs)
        parsed = protocol.parse_request(protocol.worker_op(header["op"]), runner.decode(header["request"], blobs))
        assert type(parsed) is type(request)
        if isinstance(request, protocol.Build):
            assert isinstance(parsed.module, torch.nn.Linear) and torch.equal(parsed.module.weight, layer.weight)
        elif isinstance(request, protocol.Call):
            assert parsed.function is learner_fn and parsed.args == [("callback", 1)]
        else:
            assert parsed.obj is context


def test_every_zygote_request_and_reply_crosses_the_seam_as_itself():
    requests = [protocol.Spawn(protocol.WorkerConfig("/srv/target", 2048, 100)), protocol.Kill(12),
                protocol.Cpu(12), protocol.Status(12, 2.5), protocol.Cell()]
    for request in requests:
        header, _ = across(request.header(2**40))
        assert protocol.request_id(header) == 2**40
        assert protocol.parse_control(header, frozenset(ControlOp)) == request
    replies = [protocol.Spawned(42), protocol.Killed(42), protocol.CpuTime(1.25), protocol.ExitStatus("signal", signal=9),
               protocol.ExitStatus("exit", code=3), protocol.ExitStatus(), protocol.Cleaned(True),
               protocol.Ready(True, 1, 0, True)]
    for reply in replies:
        header, _ = across(reply.to_header(5))
        assert header["id"] == 5 and type(reply).read(header) == reply


def test_answers_and_callbacks_cross_the_seam_as_themselves():
    failure = protocol.Failure("import", ["SyntaxError", "Exception"], "bad", "mlp.py, line 3, in f", "tb", "mlp", 3)
    for answer in (protocol.Answer(ok=[1, 2], printed="hi", cpu=0.5), protocol.Answer(error=failure, cpu=1.0)):
        header, _ = across(answer.to_header())
        assert protocol.Answer.read(header) == answer
    header, _ = across(protocol.Callback(3, [[1], {"$dict": []}]).to_header())
    assert header["op"] == protocol.CALLBACK and protocol.Callback.read(header) == protocol.Callback(3, [[1], {"$dict": []}])
    for reply in (protocol.CallbackReply(ok=4), protocol.CallbackReply(error="ValueError: no")):
        header, _ = across(reply.to_header())
        assert protocol.CallbackReply.read(header) == reply


# ------------------------------------------------------------------------------ refusals
MALFORMED = [   # (op, fields, what the refusal says)
    ("frobnicate", {}, "unknown request 'frobnicate'"),
    (None, {}, "unknown request"),
    ({"op": "call"}, {}, "unknown request"),                  # not even hashable
    ("import", [], "must be a dict"),
    ("import", {1: "bigram"}, "must be a dict with text keys"),
    ("import", {}, "missing 1 required"),
    ("import", {"module": "bigram", "evil": 1}, "unexpected keyword argument 'evil'"),
    ("import", {"module": 5}, "import's module must be text"),
    ("import", {"module": "x" * (protocol.MAX_NAME + 1)}, "at most 1,000 characters"),
    ("call", {"function": {"module": "m"}}, "missing 1 required"),
    ("call", {"function": {"module": "m", "name": ["f"]}}, "functionref's name must be text"),
    ("call", {"function": 5}, "call's function must be a function of a module"),
    ("call", {"function": {"module": "m", "name": "f"}, "args": {"a": 1}}, "call's args must be a list"),
    ("call", {"function": {"module": "m", "name": "f"}, "kwargs": [1]}, "call's kwargs must be a dict"),
    ("method", {"obj": None, "name": "x"}, "method's obj must be given"),
    ("method", {"obj": 1, "name": None}, "method's name must be text"),
    ("exit", {"obj": 1, "error": ["ValueError"]}, "exit's error must be None or"),
    ("exit", {"obj": 1, "error": ["ValueError", "x" * (protocol.MAX_MESSAGE + 1)]}, "exit's error must be None or"),
    ("backward", {"tensor": 1, "create_graph": 1}, "backward's create_graph must be True or False"),
    ("read", {"path": "/tmp/x", "limit": 10**12}, "read's limit must be a whole number"),
    ("read", {"path": "/tmp/x", "limit": True}, "read's limit must be a whole number"),
    ("read", {"path": "/tmp/x", "limit": -1}, "read's limit must be a whole number"),
    ("tmp", {"name": "a" * (protocol.MAX_PATH + 1)}, "tmp's name must be text of at most"),
    ("exec", {"source": "x" * (protocol.MAX_SOURCE + 1), "name": "cell"}, "exec's source must be text of at most"),
    ("lookup", {"name": b"answer"}, "lookup's name must be text"),
]


@pytest.mark.parametrize("op, data, says", MALFORMED, ids=[f"{m[0]}-{m[2][:30]}" for m in MALFORMED])
def test_a_malformed_worker_request_is_refused_with_a_clear_error(op, data, says):
    with pytest.raises(ProtocolError, match=says.replace("(", r"\(").replace("[", r"\[")):
        protocol.parse_request(protocol.worker_op(op), data)


MALFORMED_CONTROL = [
    ({"op": "explode", "id": 1}, "unknown request 'explode'"),
    ([1, 2], "must be a JSON object"),
    ({"op": "kill", "id": 1}, "missing 1 required"),
    ({"op": "kill", "id": 1, "pid": "12"}, "kill's pid must be a whole number"),
    ({"op": "kill", "id": 1, "pid": 10**30}, "kill's pid must be a whole number"),
    ({"op": "kill", "id": 1, "pid": 0}, "kill's pid must be a whole number"),
    ({"op": "cpu", "id": 1, "pid": 3, "extra": True}, "unexpected keyword argument 'extra'"),
    ({"op": "status", "id": 1, "pid": 3, "wait": 1e9}, "status's wait must be a number from 0 to 30"),
    ({"op": "status", "id": 1, "pid": 3, "wait": math.nan}, "status's wait must be a number"),
    ({"op": "spawn", "id": 1}, "configuration: its fields must be a dict"),
    ({"op": "spawn", "id": 1, "config": {"target": "/t", "memory_mb": 10**9}}, "memory_mb must be a whole number"),
    ({"op": "spawn", "id": 1, "config": {"target": 7}}, "workerconfig's target must be text"),
    ({"op": "spawn", "id": 1, "config": {"target": "/t", "user": "root"}}, "unexpected keyword argument 'user'"),
]


@pytest.mark.parametrize("header, says", MALFORMED_CONTROL, ids=[m[1][:30] for m in MALFORMED_CONTROL])
def test_a_malformed_zygote_request_is_refused_with_a_clear_error(header, says):
    with pytest.raises(ProtocolError, match=says.replace("(", r"\(")) as refused:
        protocol.parse_control(header, frozenset(ControlOp))
    refusal = protocol.refusal(header, refused.value)
    assert refusal["id"] == (1 if isinstance(header, dict) else None) and says.split("(")[0] in refusal["error"]


def test_a_process_refuses_the_ops_it_does_not_answer():
    with pytest.raises(ProtocolError, match="does not answer 'spawn' \\(it answers cell, cpu\\)"):
        protocol.parse_control(protocol.Spawn(protocol.WorkerConfig("/t")).header(1), {ControlOp.CPU, ControlOp.CELL})


def test_the_judge_cannot_build_a_request_that_breaks_the_rules():
    with pytest.raises(ProtocolError):
        protocol.Kill(-5)
    with pytest.raises(ProtocolError):
        protocol.WorkerConfig("/t", memory_mb=4096.0)
    with pytest.raises(ProtocolError):
        protocol.Read("/x", limit=protocol.MAX_READ + 1)


# ------------------------------------------------------------------------------ the judge reads answers by type
def test_replies_of_the_wrong_types_read_as_unknown_never_as_an_exception():
    for header in ({}, {"pid": "1"}, {"pid": True}, {"pid": 10**40}, {"pid": -3}):
        assert protocol.Spawned.read(header).pid is None
    for cpu in ("1", True, math.inf, math.nan, -1.0, 10**400, [1]):
        assert protocol.CpuTime.read({"cpu": cpu}).cpu is None
        assert protocol.Answer.read({"ok": 1, "cpu": cpu}).cpu is None
    assert protocol.ExitStatus.read({"status": "signal", "signal": "KILL"}) == protocol.ExitStatus("signal")
    assert protocol.ExitStatus.read({"status": ["exit"], "code": 3}).status is None
    assert protocol.Cleaned.read({"clean": 1}).clean is False
    assert protocol.Ready.read({"ready": "yes", "cells": 1}) == protocol.Ready(False)
    answer = protocol.Answer.read({"error": [1, 2], "printed": {"a": 1}})
    assert answer.error == protocol.Failure() and answer.printed == ""
    assert protocol.Callback.read({"op": "callback", "id": [1]}).id is None
    assert protocol.CallbackReply.read({"error": "\ud800" * 1000}).error.encode("utf-8")


class NoRunner:
    """Stands for the runner where a test plays the worker itself."""

    def cpu(self, pid):
        return None

    def kill(self, pid):
        pass

    def exit_status(self, pid):
        return protocol.ExitStatus()


def test_the_judge_answers_a_malformed_callback_and_goes_on():
    judge_end, worker_end = socket.socketpair()
    session = Session(NoRunner(), judge_end, 1)
    session.deadline = time.monotonic() + 10
    heard = []

    def worker():
        seam.receive(worker_end)                                           # the request
        seam.send(worker_end, {"op": "callback", "id": [1, 2], "args": 5})  # an id no callback has
        heard.append(seam.receive(worker_end)[0])
        data, blobs = seam.encode({"value": 3, "after": None})
        seam.send(worker_end, *seam.message(protocol.Answer(ok=data, cpu=0.1).to_header(), blobs))
    thread = threading.Thread(target=worker)
    thread.start()
    assert session.request(protocol.Import("bigram")) == 3
    thread.join(5)
    assert "no such function" in heard[0]["error"]
    worker_end.close()
    session.close()


def test_a_malformed_answer_ends_the_worker_not_the_judge():
    judge_end, worker_end = socket.socketpair()
    session = Session(NoRunner(), judge_end, 1)
    session.deadline = time.monotonic() + 10
    seam.send(worker_end, {"ok": {"$t": 0, "dtype": "float32", "shape": [10**6]}, "n": 0})
    with pytest.raises(RunnerBroken, match="malformed answer"):
        session.request(protocol.Lookup("x"))
    seam.send(worker_end, {"error": {"types": "not a list"}, "printed": 5, "cpu": "x"})
    with pytest.raises(Exception) as raised:
        session.request(protocol.Lookup("x"))
    assert raised.value.info["types"] == ["Exception"] and session.printed == []
    worker_end.close()
    with pytest.raises(WorkerDied):
        session.request(protocol.Lookup("x"))
    session.close()


# ------------------------------------------------------------------------------ a live runner refuses and goes on
@pytest.fixture(scope="module")
def runner(tmp_path_factory):
    target = tmp_path_factory.mktemp("protocol") / "target"
    target.mkdir()
    (target / "m.py").write_text("def double(x):\n    return 2 * x\n")
    target.parent.chmod(0o755)
    target.chmod(0o755)
    (target / "m.py").chmod(0o644)
    runner = Runner(target, [ROOT / "data"])
    runner.target_folder = target
    yield runner
    runner.close()


def test_a_zygote_refuses_a_malformed_request_and_goes_on_serving(runner):
    runner.ready()
    for header in ({"op": "kill", "id": 11, "pid": "all"}, {"op": "explode", "id": 12},
                   {"op": "status", "id": 13, "pid": 5, "wait": 1e12}, {"op": "spawn", "id": 14, "config": {}}):
        seam.send(runner.zygote, header)
        with pytest.raises(RunnerBroken, match="refused"):
            runner._reply(runner.zygote, 10, header["id"])
    if runner.cells:                     # the first process: it answers cpu and cell alone
        seam.send(runner.control, {"op": "spawn", "id": 15, "config": {"target": "/"}})
        with pytest.raises(RunnerBroken, match="does not answer 'spawn'"):
            runner._reply(runner.control, 10, 15)
    session = Session(runner, *runner.spawn(protocol.WorkerConfig(str(runner.target_folder))))
    session.deadline = time.monotonic() + 60
    assert session.request(protocol.Call(protocol.FunctionRef("m", "double"), [21])) == 42
    session.close()


def test_a_worker_refuses_a_malformed_request_and_goes_on_serving(runner):
    session = Session(runner, *runner.spawn(protocol.WorkerConfig(str(runner.target_folder))))
    session.deadline = time.monotonic() + 60
    for frame in ({"op": "frobnicate", "request": None}, {"op": "call", "request": {"$dict": [["function", 5]]}},
                  {"op": "read", "request": {"$dict": [["path", "/etc/hostname"], ["limit", 10**15]]}},
                  {"op": "import", "request": [1, 2]}):
        seam.send(session.sock, frame)
        answer = protocol.Answer.read(session._receive()[0])
        assert answer.error is not None and "ProtocolError" in answer.error.types, answer
    assert "unknown request 'frobnicate'" not in answer.error.message     # each says its own trouble
    assert session.request(protocol.Call(protocol.FunctionRef("m", "double"), [4])) == 8
    session.close()

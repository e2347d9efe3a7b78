"""The judge's side of the seam with hostile answers: exceptions of every shape, context managers
that would swallow the grader's failures, arguments rewritten by learner code, frames that stall
or are too large. Nothing learner code sends may steer the judge's own logic."""
import json
import socket
import struct
import threading
import time

import pytest
import torch

from course.grading import protocol, seam
from course.grading.judge import client, verdict
from course.grading.judge.client import Session
from course.grading.judge.handles import RemoteFunction
from course.grading.judge.process import Runner
from tests.conftest import ROOT

HOSTILE = '''
import torch

class Swallow:
    def __enter__(self):
        return {}
    def __exit__(self, *exc):
        return True                    # would swallow whatever the with block raised

def swallow():
    return Swallow()

def rewrite(x, p):
    with torch.no_grad():
        x.zero_()                      # an input, rewritten
        p.add_(1.0)                    # a parameter, trained in place
    return None

def shuffle(words):
    words.reverse()

def clear_grads(p, q):
    p.grad.zero_()
    q.grad = None

class Unprintable(Exception):
    def __str__(self):
        raise RuntimeError("no")

def raise_unprintable():
    raise Unprintable()

def raise_odd_args():
    raise NotImplementedError(12345, [1, 2], {"a": 1})

def raise_surrogate():
    raise ValueError("\\ud800" * 10)
'''


@pytest.fixture(scope="module")
def remote(tmp_path_factory):
    tmp_path_factory.getbasetemp().chmod(0o711)
    target = tmp_path_factory.mktemp("verdict") / "target"
    target.mkdir()
    (target / "hostile.py").write_text(HOSTILE)
    target.parent.chmod(0o755)
    target.chmod(0o755)
    (target / "hostile.py").chmod(0o644)
    runner = Runner(target, [ROOT / "data"])
    session = Session(runner, *runner.spawn(protocol.WorkerConfig(str(target))))
    session.deadline = time.monotonic() + 120

    def call(name, *args):
        return RemoteFunction(lambda: session, "hostile", name)(*args)
    call.session = session
    yield call
    session.close()
    runner.close()


def test_an_exit_that_returns_true_never_swallows_the_graders_failure(remote):
    with pytest.raises(AssertionError, match="the grader's own"):
        with remote("swallow"):
            raise AssertionError("the grader's own failed check")


def test_an_input_rewritten_by_learner_code_stays_the_graders_and_is_reported(remote):
    x = torch.ones(4)
    p = torch.zeros(3, requires_grad=True)
    remote("rewrite", x, p)
    assert torch.equal(x, torch.ones(4))                       # never adopted
    assert torch.equal(p.detach(), torch.ones(3))              # a parameter: trained in place, adopted
    assert remote.session.changed == ["0", "1"]
    words = ["a", "b", "c"]
    remote("shuffle", words)
    assert words == ["a", "b", "c"] and remote.session.changed == ["0[0]", "0[2]"]


@pytest.mark.parametrize("name", ["raise_unprintable", "raise_odd_args", "raise_surrogate"])
def test_exceptions_of_any_shape_are_classified_as_not_passed(remote, name):
    with pytest.raises(client.LearnerRaised) as caught:
        remote(name)
    info = caught.value.info
    assert set(info) == {"kind", "types", "message", "where", "detail", "module", "lineno"}
    assert all(isinstance(info[k], str) for k in ("message", "where", "detail", "module"))
    info["message"].encode("utf-8")                           # no lone surrogate left
    status, message = verdict.classify(caught.value)
    assert status in ("error", "not started", "failed") and status != "passed"
    message.encode("utf-8")


@pytest.mark.parametrize("message, says", [("invalid syntax (bigram.py, line 133)", "invalid syntax (bigram.py, line 133)"),
                                           ("invalid syntax", "invalid syntax (line 133)")])
def test_a_syntax_error_names_its_line_once(message, says):
    info = client.exception_info({"kind": "import", "types": ["SyntaxError"], "message": message, "lineno": 133,
                                  "module": "bigram"})
    status, text = verdict._learner_verdict(info, "bigram.build_vocab")
    assert (status, text) == ("error", f"bigram.py does not import: {says}")


@pytest.mark.parametrize("message, verdict_", [
    ("", ("not started", "")),
    ("TODO", ("not started", "TODO")),                 # a learner's own placeholder, of any text
    ("x" * 3_000_000, ("not started", "x" * 4000)),
    ("bigram.nll is not started yet; hints: course.toml, or `course hint nll`",
     ("failed", "this uses bigram.nll, which is not started yet: finish it first")),
])
def test_a_not_implemented_error_of_any_text_is_not_started(message, verdict_):
    info = client.exception_info({"kind": "raised", "types": ["NotImplementedError"], "message": message})
    assert verdict._learner_verdict(info, "bigram.sample_names") == verdict_


def test_exception_info_of_any_shape_takes_one_form():
    for raw in (None, [], {"types": "NotImplementedError"}, {"types": [1, {"a": 2}], "message": ["x"]},
                {"kind": "evil", "lineno": True, "message": "\ud800" * 5000}):
        info = client.exception_info(raw)
        assert info["kind"] in protocol.EXCEPTION_KINDS and info["types"] and info["lineno"] is None
        assert len(info["message"]) <= 4000
        info["message"].encode("utf-8")


def test_a_frame_that_stalls_half_sent_times_out_at_its_deadline():
    judge_end, runner_end = socket.socketpair()
    runner_end.sendall(struct.pack(">I", 1000) + b'{"ok": ')
    start = time.monotonic()
    with pytest.raises(seam.SeamTimeout):
        seam.receive(judge_end, deadline=time.monotonic() + 0.5)
    assert time.monotonic() - start < 3
    judge_end.close()
    runner_end.close()


def test_a_header_larger_than_the_judge_reads_is_refused_before_it_is_read():
    judge_end, runner_end = socket.socketpair()
    size = 60 * 2**20
    runner_end.sendall(struct.pack(">I", size))               # no body follows: it must not be waited for
    with pytest.raises(seam.SeamError, match="larger than"):
        seam.receive(judge_end, deadline=time.monotonic() + 2, max_header=client.MAX_ANSWER_HEADER)
    blob = json.dumps({"n": 2}).encode()
    other_judge, other_runner = socket.socketpair()

    def send():
        other_runner.sendall(struct.pack(">I", len(blob)) + blob + struct.pack(">Q", 400 * 2**20))
    threading.Thread(target=send).start()
    with pytest.raises(seam.SeamError, match="larger than"):
        seam.receive(other_judge, deadline=time.monotonic() + 2, max_bytes=100 * 2**20)
    for s in (judge_end, runner_end, other_judge, other_runner):
        s.close()


def test_gradients_cleared_by_learner_code_are_cleared_here_too(remote):
    p = torch.ones(3, requires_grad=True)
    q = torch.ones(2, requires_grad=True)
    p.grad, q.grad = torch.full((3,), 5.0), torch.full((2,), 7.0)
    remote("clear_grads", p, q)
    assert torch.equal(p.grad, torch.zeros(3))          # zeroed in place
    assert q.grad is None                               # set to None

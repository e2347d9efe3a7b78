"""Run one piece of untrusted learner code in a child process that cannot hurt the grader.

Importing torch takes seconds, so a fresh interpreter per check would be slow. Instead the
grader imports torch once and forks: a child costs about 10 ms and inherits everything. The
parent waits with a deadline and kills the child when it passes. In the child:

- the address space is capped (a 20 GB allocation fails there, not on the machine);
- output goes to a capped sink (a flood of prints stops the check, not the run);
- whatever happens (an exception, sys.exit, os._exit, a segfault, an endless loop) comes
  back to the parent as a `Result`, and the next check runs normally.
"""
from __future__ import annotations

import faulthandler
import gc
import json
import os
import resource
import select
import signal
import sys
import time
import traceback
from dataclasses import dataclass
from typing import Callable

MESSAGE_LIMIT = 4000


@dataclass
class Result:
    status: str          # passed | failed | not started | error | timed out
    message: str = ""    # one short paragraph for a person
    detail: str = ""     # the traceback, shown with -v
    seconds: float = 0.0
    value: object = None  # what the check returned, when it is plain data (JSON)


class OutputFlood(Exception):
    """Raised inside the child when learner code prints more than it may."""


class _CappedStream:
    def __init__(self, limit: int):
        self.limit, self.written = limit, 0

    def write(self, text: str) -> int:
        self.written += len(text)
        if self.written > self.limit:
            raise OutputFlood(f"your code printed more than {self.limit:,} characters; "
                              "remove the print() calls inside loops")
        return len(text)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False


def _limit_memory(extra_mb: int) -> None:
    # The cap is on address space: what the grader already maps (torch maps a lot) plus extra_mb.
    with open("/proc/self/statm") as f:
        mapped = int(f.read().split()[0]) * resource.getpagesize()
    limit = mapped + extra_mb * 2**20
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _child(fns: list[Callable[[], None]], classify, write_fd: int, memory_mb: int, output_limit: int,
           verify: Callable[[], str | None] | None = None) -> None:
    try:
        faulthandler.disable()        # a segfault is reported by the parent, not dumped on the screen
        devnull = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):          # C-level output (and input) go nowhere
            os.dup2(devnull, fd)
        sys.stdout = sys.stderr = _CappedStream(output_limit)
        _limit_memory(memory_mb)
        for fn in fns:
            start = time.perf_counter()
            value = None
            try:
                value = fn()
                status, message, detail = "passed", "", ""
            except BaseException as exc:   # noqa: BLE001 - everything the learner's code can do
                status, message = classify(exc)
                detail = "".join(traceback.format_exception(exc))
            # Learner code may have patched what the check relies on (torch, the graders): a
            # passing check then proves nothing, so tampering outranks whatever the check said.
            try:
                problem = verify() if verify else None
            except BaseException:      # noqa: BLE001 - the check itself was broken by the learner's code
                problem = "your code changed the grading machinery; an exercise must only return its result"
            if problem:
                status, message = "error", problem
            payload = {"status": status, "message": message[:MESSAGE_LIMIT],
                       "detail": detail[-MESSAGE_LIMIT:], "seconds": time.perf_counter() - start,
                       "value": value}
            try:
                data = (json.dumps(payload) + "\n").encode()      # one line per check
            except (TypeError, ValueError):
                data = (json.dumps({**payload, "value": None}) + "\n").encode()
            while data:
                data = data[os.write(write_fd, data):]
            if status != "passed":
                break
    finally:
        os._exit(0)


def _describe_death(wait_status: int) -> str:
    if os.WIFSIGNALED(wait_status):
        sig = os.WTERMSIG(wait_status)
        name = signal.Signals(sig).name if sig in signal.Signals._value2member_map_ else str(sig)
        what = {"SIGSEGV": "a segmentation fault", "SIGKILL": "being killed (out of memory?)",
                "SIGABRT": "an abort"}.get(name, name)
        return f"the process crashed with {what} (signal {sig})"
    code = os.waitstatus_to_exitcode(wait_status)
    return f"your code ended the process (exit code {code}); do not call os._exit() or exit() in an exercise"


_exited: list[int] = []     # children that sent every result and are still exiting


def _reap() -> None:
    for pid in list(_exited):
        try:
            done, _ = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            done = pid
        if done:
            _exited.remove(pid)


def run(fn: Callable[[], None], classify: Callable[[BaseException], tuple[str, str]],
        timeout: float, memory_mb: int = 4096, output_limit: int = 20_000,
        verify: Callable[[], str | None] | None = None) -> Result:
    """Run `fn` in a forked child; `classify` turns an exception into (status, message);
    `verify`, run in the child after `fn`, returns a message when `fn` tampered with something."""
    return run_many([fn], classify, timeout, memory_mb, output_limit, verify)[0]


def run_many(fns: list[Callable[[], None]], classify: Callable[[BaseException], tuple[str, str]],
             timeout: float, memory_mb: int = 4096, output_limit: int = 20_000,
             verify: Callable[[], str | None] | None = None) -> list[Result]:
    """Run the checks `fns` one after the other in one forked child, each with its own deadline
    of `timeout` seconds, and stop at the first that does not pass: the list of results is then
    shorter than `fns`. (A fork costs about 10-20 ms with torch loaded; the checks of one
    exercise share one.)"""
    sys.stdout.flush()
    sys.stderr.flush()
    read_fd, write_fd = os.pipe()
    start = time.perf_counter()
    # Everything the grader has built so far goes to the collector's permanent generation: the
    # child's garbage collections then skip it, instead of touching (and so copying) every page.
    gc.freeze()
    pid = os.fork()
    if pid == 0:
        os.close(read_fd)
        _child(fns, classify, write_fd, memory_mb, output_limit, verify)
    os.close(write_fd)
    results: list[Result] = []
    pending, last, timed_out, ended = b"", start, False, False
    try:
        while len(results) < len(fns) and not ended:
            left = last + timeout - time.perf_counter()
            if left <= 0:
                timed_out = True
                break
            ready, _, _ = select.select([read_fd], [], [], left)
            if not ready:
                continue
            chunk = os.read(read_fd, 65536)
            if not chunk:
                break                      # the child is gone
            pending += chunk
            while b"\n" in pending:
                line, pending = pending.split(b"\n", 1)
                payload, now = json.loads(line), time.perf_counter()
                results.append(Result(payload["status"], payload["message"], payload["detail"], now - last,
                                      payload.get("value")))
                last = now
                ended = payload["status"] != "passed"
    finally:
        os.close(read_fd)
        if timed_out:
            os.kill(pid, signal.SIGKILL)
    complete = len(results) == len(fns) or ended
    if complete and not timed_out:
        # The child has said all it had to say; tearing down its address space takes ~10 ms,
        # which the next check need not wait for. It is reaped later.
        _exited.append(pid)
        _reap()
        wait_status = 0
    else:
        _, wait_status = os.waitpid(pid, 0)
    seconds = time.perf_counter() - last
    if timed_out:
        results.append(Result("timed out", f"stopped after {timeout:g} s: look for a loop that never ends "
                              "(or a recursion that never reaches its base case)", seconds=seconds))
    elif len(results) < len(fns) and not ended:
        results.append(Result("error", _describe_death(wait_status), seconds=seconds))
    return results

"""The runner's process, as the judge sees it: started in the sandbox, asked for workers.

`Runner` starts the runner (runner/zygote.py) in the sandbox (sandbox.py) and asks its zygote
for one worker per exercise (the protocol's control requests); a worker is then spoken to
through a `client.Session`. Nothing here needs torch: the judge starts the runner first, so that
the two interpreters import torch at the same time.
"""
from __future__ import annotations

import os
import re
import select
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from course.grading import protocol, sandbox, seam


class RunnerBroken(BaseException):
    """The runner sent something that is not a well-formed answer."""


class Runner:
    """One sandboxed runner process (a torch-warm zygote) and the workers forked from it, in a
    cell of fresh namespaces where the kernel allows (runner/zygote.py, runner/cell.py)."""

    def __init__(self, target: Path, readable: list[Path], start_timeout: float = 120.0, shared: bool = False,
                 run_as: int | None = None):
        self.target = Path(target)
        self.shared = shared          # used by many runs (course.grading.run): the last of them does not close it
        self.readable = readable
        self.level = sandbox.level()
        self.user = sandbox.claim_user() if run_as is None else sandbox.RunnerUser(run_as, None)
        self.run_as = self.user.uid   # its user, when we are root: its own, claimed for its life
        self.tmp = sandbox.private_tmp(self.run_as) if self.level == "user" else None
        judge_end, runner_end = socket.socketpair()
        self.log = tempfile.TemporaryFile()
        # Under bubblewrap, the pid of the sandbox's first process (see close()).
        self.info, info_end = os.pipe() if self.level == "bwrap" else (None, None)
        argv = sandbox.command(self.target, readable, runner_fd=runner_end.fileno(), uid=self.run_as,
                               info_fd=info_end)
        env = sandbox.environment(runner_end.fileno(), self.tmp, cells=self.level != "none",
                                  keep=sandbox.needed(self.target, readable))
        passed = [runner_end.fileno(), *([info_end] if info_end is not None else [])]
        self.process = subprocess.Popen(argv, pass_fds=passed, stdin=subprocess.DEVNULL,
                                        stdout=subprocess.DEVNULL, stderr=self.log, env=env,
                                        start_new_session=True)
        runner_end.close()
        if info_end is not None:
            os.close(info_end)
        self.control = judge_end      # to the runner's first process (new cells)
        self.cell: socket.socket | None = None     # to the zygote of the current cell (workers)
        self.cells = False
        self.start_timeout, self.uid, self.started = start_timeout, None, False
        # It imports torch while the judge collects the graders; the first spawn waits for it.

    def ready(self) -> None:
        """Wait until the runner has started (once)."""
        if not self.started:
            ready = protocol.Ready.read(self._reply(self.control, self.start_timeout))
            if not ready.ready:
                raise RuntimeError(f"the runner did not start: {self.startup_log()}")
            self.cells = ready.cells
            if self.cells:
                self.cell = self._receive_socket(self.control, 30.0)
            self.started, self.uid = True, ready.uid

    @property
    def zygote(self) -> socket.socket:
        return self.cell if self.cell is not None else self.control

    def startup_log(self) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")[-2000:] or "(no output)"

    def _reply(self, sock: socket.socket, timeout: float, ident: int | None = None) -> dict:
        """The runner's answer to request `ident`; an answer to an older request (one whose
        asker stopped waiting, in this process or in an earlier run sharing the runner) is
        passed over. A request the runner refused is a RunnerBroken."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            ready, _, _ = select.select([sock], [], [], max(0.0, left))
            if not ready:
                raise RunnerBroken("the runner did not answer in time")
            try:
                header, _ = seam.receive(sock, deadline=deadline)
            except (EOFError, OSError, seam.SeamError) as exc:
                raise RunnerBroken(f"the runner stopped answering ({exc}): {self.startup_log()}") from None
            if ident is not None and header.get("id") == ident and "error" in header:
                raise RunnerBroken(f"the runner refused a request: {seam.safe_text(header['error'], 300)}")
            if ident is None or header.get("id") == ident:
                return header

    @staticmethod
    def _receive_socket(sock: socket.socket, timeout: float) -> socket.socket:
        ready, _, _ = select.select([sock], [], [], timeout)
        if not ready:
            raise RunnerBroken("the runner did not send a socket in time")
        _, fds, _, _ = socket.recv_fds(sock, 1, 1)
        if not fds:
            raise RunnerBroken("the runner did not send a socket")
        return socket.socket(fileno=fds[0])

    def _ask(self, sock: socket.socket, request: protocol.ControlRequest) -> int:
        ident = int.from_bytes(os.urandom(6), "big")     # unique across the runs that share a runner
        seam.send(sock, request.header(ident))
        return ident

    def _request(self, request: protocol.ControlRequest, timeout: float, sock: socket.socket | None = None):
        """The answer (a protocol reply, read field by field) of the zygote, or of `sock`, to `request`."""
        self.ready()
        sock = self.zygote if sock is None else sock
        return protocol.REPLIES[request.op].read(self._reply(sock, timeout, self._ask(sock, request)))

    def alive(self) -> bool:
        return self.process.poll() is None

    def shows(self, folder: Path) -> bool:
        """Whether the runner's sandbox shows `folder` (it shows its target and what lies below)."""
        here, there = Path(os.path.realpath(self.target)), Path(os.path.realpath(folder))
        return here == there or here in there.parents

    def spawn(self, config: protocol.WorkerConfig, timeout: float = 30.0) -> tuple[socket.socket, int]:
        """A worker for one exercise (`config`: the target, its limits): the socket to speak to
        it through (a client.Session wraps it) and its pid. The zygote forked it ahead of time:
        this costs a round trip, not a fork."""
        spawned = self._request(protocol.Spawn(config), timeout)
        sock = self._receive_socket(self.zygote, timeout)
        if spawned.pid is None:
            sock.close()
            raise RunnerBroken("the runner did not send a worker")
        return sock, spawned.pid

    def kill(self, pid: int) -> None:
        try:
            self._request(protocol.Kill(pid), 10.0)
        except (RunnerBroken, OSError):
            self.close()          # a runner that cannot kill its worker is taken down whole

    def cpu(self, pid: int) -> float | None:
        """CPU seconds worker `pid` has used (with its children that ended); None where the runner
        cannot tell. Only a worker's time limit rests on it, never a verdict: a runner that says
        too little is still stopped by the check's wall-clock backstop."""
        try:
            cpu = self._request(protocol.Cpu(pid), 10.0).cpu
            if cpu is None and self.cell is not None:        # a cell without a /proc: ask from outside it
                cpu = self._request(protocol.Cpu(pid), 10.0, sock=self.control).cpu
        except (RunnerBroken, OSError):
            return None
        return cpu

    def exit_status(self, pid: int) -> protocol.ExitStatus:
        try:
            return self._request(protocol.Status(pid, wait=5.0), 10.0)
        except (RunnerBroken, OSError):
            return protocol.ExitStatus()

    def reset(self, timeout: float = 10.0) -> bool:
        """Make the runner clean for another submission: its cell (every process, file and IPC
        object the last submission could touch) is thrown away and a fresh one made around the
        warm zygote. True when that was done; a runner without cells, gone or stopped is not
        clean (close it and start another)."""
        if not self.alive():
            return False
        try:
            self.ready()
            if not self.cells:
                return False
            if self.cell is not None:
                self.cell.close()
                self.cell = None
            if not self._request(protocol.Cell(), timeout, sock=self.control).clean:
                return False
            self.cell = self._receive_socket(self.control, timeout)
        except (RunnerBroken, OSError):
            return False
        return True

    def _end_sandbox(self) -> None:
        """Kill the bubblewrap sandbox's first process, which takes every process of its namespace
        with it. Killing bubblewrap alone is not enough while it is still starting: the sandbox
        may not yet die with it, and its processes become the runner's user only after
        `kill_leftovers` has looked for them. bubblewrap says the pid on the info pipe right after
        making it; it is killed only while it is still bubblewrap's child (never a reused pid)."""
        if self.info is None:
            return
        info, self.info = self.info, None
        text = b""
        deadline = time.monotonic() + 5
        try:
            while time.monotonic() < deadline and self.process.poll() is None:
                if not select.select([info], [], [], max(0.0, deadline - time.monotonic()))[0]:
                    break
                chunk = os.read(info, 4096)
                if not chunk:
                    break
                text += chunk
                if b"}" in text:
                    break
        finally:
            os.close(info)
        found = re.search(rb'"child-pid"\s*:\s*(\d+)', text)
        if found is None or self.process.poll() is not None:
            return
        pid = int(found.group(1))
        try:
            pidfd = os.pidfd_open(pid)
        except OSError:
            return
        try:
            with open(f"/proc/{pid}/stat") as f:
                parent = int(f.read().rsplit(")", 1)[1].split()[1])
            if parent == self.process.pid:
                signal.pidfd_send_signal(pidfd, signal.SIGKILL)
        except (OSError, ValueError, IndexError):
            pass
        finally:
            os.close(pidfd)

    def close(self) -> None:
        self._end_sandbox()
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                self.process.kill()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                pass
        sandbox.kill_leftovers(self.run_as)      # whatever left the sandbox's process group (as root)
        if self.tmp is not None:
            shutil.rmtree(self.tmp, ignore_errors=True)
            self.tmp = None
        self.user.release()
        for sock in (self.cell, self.control):
            try:
                if sock is not None:
                    sock.close()
            except OSError:
                pass


_given: list[Runner] = []


def use_runner(runner: Runner) -> None:
    """The next grading in this process uses `runner` (started already, its sandbox showing
    the target) instead of starting one."""
    _given[:] = [runner]


def given_runner(target: Path) -> Runner | None:
    if _given and _given[0].shows(target):
        return _given.pop()
    return None

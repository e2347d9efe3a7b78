"""The judge side of starting the runner: its process, in the sandbox, and the zygote's answers.

`Runner` starts runner.py in the sandbox (sandbox.py) and asks its zygote for one worker per
exercise; a worker is then spoken to through a `judge.Session`. Nothing here needs torch: the
judge starts the runner first, so that the two interpreters import torch at the same time.
"""
from __future__ import annotations

import os
import select
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from course.grading import sandbox, seam


class RunnerBroken(BaseException):
    """The runner sent something that is not a well-formed answer."""


class Runner:
    """One sandboxed runner process (a torch-warm zygote) and the workers forked from it."""

    def __init__(self, target: Path, readable: list[Path], start_timeout: float = 120.0, shared: bool = False,
                 run_as: int | None = None):
        self.target = Path(target)
        self.shared = shared          # used by many runs (course.run): the last of them does not close it
        self.readable = readable
        self.level = sandbox.level()
        self.run_as = sandbox.runner_uid() if run_as is None else run_as    # its user, when we are root
        judge_end, runner_end = socket.socketpair()
        self.log = tempfile.TemporaryFile()
        argv = sandbox.command(self.target, readable, runner_fd=runner_end.fileno(), uid=self.run_as)
        env = sandbox.environment(runner_end.fileno())
        self.process = subprocess.Popen(argv, pass_fds=[runner_end.fileno()], stdin=subprocess.DEVNULL,
                                        stdout=subprocess.DEVNULL, stderr=self.log, env=env,
                                        start_new_session=True)
        runner_end.close()
        self.control = judge_end
        self.start_timeout, self.uid = start_timeout, None
        # It imports torch while the judge collects the graders; the first spawn waits for it.

    def ready(self) -> None:
        """Wait until the runner has started (once)."""
        if self.uid is None:
            header = self._reply(self.start_timeout)
            if not header.get("ready"):
                raise RuntimeError(f"the runner did not start: {self.startup_log()}")
            self.uid = header.get("uid")

    def startup_log(self) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")[-2000:] or "(no output)"

    def _reply(self, timeout: float, ident: int | None = None) -> dict:
        """The runner's answer to request `ident`; an answer to an older request (one whose
        asker stopped waiting, in this process or in an earlier run sharing the runner) is
        passed over."""
        deadline = time.monotonic() + timeout
        while True:
            ready, _, _ = select.select([self.control], [], [], max(0.0, deadline - time.monotonic()))
            if not ready:
                raise RunnerBroken("the runner did not answer in time")
            try:
                header, _ = seam.receive(self.control)
            except (EOFError, OSError, seam.SeamError) as exc:
                raise RunnerBroken(f"the runner stopped answering ({exc}): {self.startup_log()}") from None
            if ident is None or header.get("id") == ident:
                return header

    def _ask(self, header: dict) -> int:
        ident = int.from_bytes(os.urandom(6), "big")     # unique across the runs that share a runner
        seam.send(self.control, {**header, "id": ident})
        return ident

    def alive(self) -> bool:
        return self.process.poll() is None

    def shows(self, folder: Path) -> bool:
        """Whether the runner's sandbox shows `folder` (it shows its target and what lies below)."""
        here, there = Path(os.path.realpath(self.target)), Path(os.path.realpath(folder))
        return here == there or here in there.parents

    def spawn(self, config: dict, timeout: float = 30.0) -> "Session":
        """A worker for one exercise (`config`: the target, its limits), spoken to through a
        judge.Session. The zygote forked it ahead of time: this costs a round trip, not a fork."""
        from course.grading.judge import Session
        self.ready()
        info = self._reply(timeout, self._ask({"op": "spawn", "config": config}))
        ready, _, _ = select.select([self.control], [], [], timeout)
        if not ready:
            raise RunnerBroken("the runner did not start a worker in time")
        data, fds, _, _ = socket.recv_fds(self.control, 1, 1)
        if not fds or not isinstance(info.get("pid"), int):
            raise RunnerBroken("the runner did not send a worker")
        return Session(self, socket.socket(fileno=fds[0]), info["pid"])

    def kill(self, pid: int) -> None:
        try:
            self.ready()
            self._reply(10.0, self._ask({"op": "kill", "pid": pid}))
        except (RunnerBroken, OSError):
            self.close()          # a runner that cannot kill its worker is taken down whole

    def exit_status(self, pid: int) -> dict:
        try:
            self.ready()
            return self._reply(10.0, self._ask({"op": "status", "pid": pid, "wait": 5.0}))
        except (RunnerBroken, OSError):
            return {"status": None}

    def reset(self, timeout: float = 10.0) -> bool:
        """Make the runner clean for another submission (runner.sweep: no process, file or IPC
        object of the last one left, a new spare worker): True when it is; a runner that is
        gone, stopped or cannot be made sure of is not (close it and start another)."""
        if not self.alive():
            return False
        try:
            header = self._reply(timeout, self._ask({"op": "reset"}))
        except (RunnerBroken, OSError):
            return False
        self.uid = header.get("uid")              # started, whichever process read its first words
        return header.get("clean") is True

    def close(self) -> None:
        if self.level == "user":
            sandbox.kill_leftovers(self.run_as)      # no PID namespace ends them for us
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                self.process.kill()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                pass
        try:
            self.control.close()
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

"""The runner's processes that never run learner code: the first one, and the zygote of each cell.

The runner starts as its own interpreter (inside the sandbox, see sandbox.py), imports torch once
and becomes the *zygote*: it holds no grader, no fixture, no hidden test, no solution, and it
never will. For each exercise the judge asks it for a worker (worker.py), forked ahead while the
judge is busy with the previous one. Where the kernel allows, each submission gets a *cell*
(cell.py): fresh namespaces around a zygote forked from the first process, thrown away whole
when the submission is done. Every request is parsed by the protocol (protocol.py); one this
process does not answer is refused, and it goes on serving.
"""
from __future__ import annotations

import os
import signal
import socket
import sys
import threading
import time

from course.grading import protocol, seam
from course.grading.protocol import ControlOp
from course.grading.runner import worker

ZYGOTE_OPS = frozenset({ControlOp.SPAWN, ControlOp.KILL, ControlOp.CPU, ControlOp.STATUS})
FIRST_PROCESS_OPS = frozenset({ControlOp.CPU, ControlOp.CELL})       # where it makes cells
SETTINGS: dict[str, str] = {}    # the judge's COURSE_RUNNER_* words to this runner (none reaches learner code)


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
    here, so that workers do not each pay for it."""
    if "matplotlib.pyplot" not in sys.modules:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot  # noqa: F401


def _requests(control: socket.socket, answered: frozenset[ControlOp]):
    """The well-formed requests that arrive on `control`, one at a time, until it closes; a
    malformed one, or one this process does not answer, is refused on the spot."""
    while True:
        try:
            header, _ = seam.receive(control)
        except (EOFError, OSError, seam.SeamError):
            return
        try:
            yield protocol.request_id(header), protocol.parse_control(header, answered)
        except protocol.ProtocolError as exc:
            seam.send(control, protocol.refusal(header, exc))


# ------------------------------------------------------------------------------ the zygote
class Zygote:
    """Forks a worker per request (ahead of it), and kills, times and waits for its workers.

    Where matplotlib is not imported yet (the first submission), the first workers are forked
    before it, and it is imported in a thread while the judge uses them: no fork happens until
    that thread has ended (a fork while another thread imports would copy its import locks)."""

    EARLY_SPARES = 8              # workers forked before matplotlib: the first exercises need none

    def __init__(self, control: socket.socket):
        self.control = control
        self.statuses: dict[int, int] = {}
        self.children: set[int] = set()
        self.importing: threading.Thread | None = None
        ready = "matplotlib.pyplot" in sys.modules
        self.spares = [self.fork_spare() for _ in range(1 if ready else self.EARLY_SPARES)]
        if not ready:
            self.importing = threading.Thread(target=_import_matplotlib, daemon=True)
            self.importing.start()

    def reap(self) -> None:
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if not pid:
                break
            if pid in self.children:
                self.children.discard(pid)
                self.statuses[pid] = status
        if len(self.statuses) > 10_000:
            self.statuses.clear()

    def fork_spare(self) -> tuple[int, socket.socket]:
        """A worker forked ahead of its request, so that a spawn costs the judge no fork: it
        waits for its configuration (and is killed with the runner if it never gets one)."""
        import gc
        if self.importing is not None:             # never fork beside the importing thread
            self.importing.join()
            self.importing = None
        mine, theirs = socket.socketpair()
        gc.freeze()
        pid = os.fork()
        if pid == 0:
            self.control.close()
            theirs.close()
            worker.main(mine)
        mine.close()
        self.children.add(pid)
        return pid, theirs

    def serve(self) -> None:
        """In a cell (pid 1 of its own namespace) it also reaps the orphans learner code leaves."""
        for ident, request in _requests(self.control, ZYGOTE_OPS):
            self.reap()
            self.HANDLERS[request.op](self, ident, request)

    def spawn(self, ident: int | None, request: protocol.Spawn) -> None:
        for pid, theirs in [s for s in self.spares if s[0] not in self.children]:
            theirs.close()                             # it died waiting (killed by learner code)
            self.spares.remove((pid, theirs))
        if not self.spares:
            self.spares.append(self.fork_spare())
        pid, theirs = self.spares.pop(0)
        seam.send(theirs, worker.config_frame(request.config))
        seam.send(self.control, protocol.Spawned(pid).to_header(ident))
        socket.send_fds(self.control, [b"\0"], [theirs.fileno()])
        theirs.close()
        if not self.spares:                            # the next one, while the judge talks to this one
            self.spares.append(self.fork_spare())

    def kill(self, ident: int | None, request: protocol.Kill) -> None:
        if request.pid in self.children:
            try:
                os.kill(request.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        seam.send(self.control, protocol.Killed(request.pid).to_header(ident))

    def cpu(self, ident: int | None, request: protocol.Cpu) -> None:
        cpu = cpu_seconds(request.pid) if request.pid in self.children else None
        seam.send(self.control, protocol.CpuTime(cpu).to_header(ident))

    def status(self, ident: int | None, request: protocol.Status) -> None:
        deadline = time.monotonic() + request.wait
        while request.pid in self.children and time.monotonic() < deadline:
            self.reap()
            time.sleep(0.005)
        status = self.statuses.get(request.pid)
        if status is None:
            reply = protocol.ExitStatus()
        elif os.WIFSIGNALED(status):
            reply = protocol.ExitStatus("signal", signal=os.WTERMSIG(status))
        else:
            reply = protocol.ExitStatus("exit", code=os.waitstatus_to_exitcode(status))
        seam.send(self.control, reply.to_header(ident))

    HANDLERS = {ControlOp.SPAWN: spawn, ControlOp.KILL: kill, ControlOp.CPU: cpu, ControlOp.STATUS: status}


# ------------------------------------------------------------------------------ cells
def _new_cell() -> tuple[int, socket.socket] | None:
    """A cell (cell.py) with a zygote in its pid 1: (its pid, our end of its control socket), or
    None where the kernel makes none."""
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
                Zygote(theirs).serve()
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


def _end_cell(pid: int) -> None:
    """The last submission's cell, all of it, and any other child (none expected)."""
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass
    while True:
        try:
            if os.waitpid(-1, os.WNOHANG)[0] == 0:
                break
        except ChildProcessError:
            break


def keep_cells(control: socket.socket, current: tuple[int, socket.socket]) -> None:
    """The first process's loop where it makes cells: it hands the judge the socket of the
    current cell's zygote, reads workers' CPU time from out here, and makes a fresh cell for
    each new submission."""
    while current is not None:
        pid, ours = current
        socket.send_fds(control, [b"\0"], [ours.fileno()])
        ours.close()
        for ident, request in _requests(control, FIRST_PROCESS_OPS):
            if request.op is ControlOp.CPU:           # a worker's CPU, read from out here
                seam.send(control, protocol.CpuTime(_cell_cpu(pid, request.pid)).to_header(ident))
                continue
            _import_matplotlib()                      # for this cell and those to come (a class)
            _end_cell(pid)
            current = _new_cell()
            seam.send(control, protocol.Cleaned(current is not None).to_header(ident))
            break
        else:
            return                                    # the judge is gone


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
    ready = protocol.Ready(ready=True, pid=os.getpid(), uid=os.getuid(), cells=current is not None)
    seam.send(control, ready.to_header(None))
    if current is None:
        Zygote(control).serve()
    else:
        keep_cells(control, current)


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

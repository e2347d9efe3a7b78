"""Where the runner lives: the command that starts it, inside the strongest sandbox this
machine offers.

- `bwrap` (bubblewrap, the standard behind Flatpak): own PID, network, IPC and UTS namespaces;
  a file system that shows only Python and its packages, the course's `course/` package, the
  target folder and the public data, all read-only, plus a private /tmp; no environment
  variables from the judge; it dies with the judge. When the judge is root (Gradescope,
  Docker), the runner also drops to an unprivileged user (uid/gid 65534, "nobody") with no
  capabilities.
- `none`: a separate process only. Fine for a learner's own self-check (learner code can only
  fool its author); `course grade` refuses it unless told explicitly.

COURSE_SANDBOX=none|bwrap chooses; by default the strongest that works.
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
RUNNER = "from course.grading.runner import main; main()"


@functools.lru_cache(maxsize=None)
def _bwrap_works() -> bool:
    bwrap = shutil.which("bwrap")
    if not bwrap:
        return False
    try:
        done = subprocess.run([bwrap, *_namespaces(), "--ro-bind", "/", "/", "true"],
                              capture_output=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def level() -> str:
    """'bwrap' or 'none': what this machine gives the runner."""
    wanted = os.environ.get("COURSE_SANDBOX", "")
    if wanted == "none":
        return "none"
    if _bwrap_works():
        return "bwrap"
    return "none"


def drops_privileges() -> bool:
    return os.geteuid() == 0 and level() == "bwrap"


def describe() -> str:
    if level() == "bwrap":
        user = "as the unprivileged user nobody, " if os.geteuid() == 0 else ""
        return f"learner code runs in a bubblewrap sandbox ({user}no network, read-only files, own processes)"
    if os.environ.get("COURSE_SANDBOX") == "none":
        return "learner code runs in a separate process, without a sandbox (COURSE_SANDBOX=none)"
    return ("learner code runs in a separate process, without a sandbox "
            "(install bubblewrap for one: apt-get install bubblewrap)")


def _namespaces() -> list[str]:
    flags = ["--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try"]
    if os.geteuid() != 0:
        flags.append("--unshare-user")
    return flags


def _python_roots() -> list[Path]:
    """The folders Python and its packages live in."""
    roots = {Path(sys.base_prefix), Path(sys.prefix), Path(sys.exec_prefix)}
    for entry in sys.path:
        p = Path(entry)
        if p.name in ("site-packages", "dist-packages") and p.is_dir():
            roots.add(p)
    resolved = {Path(os.path.realpath(sys.executable)).parent.parent}
    return sorted(roots | resolved, key=lambda p: len(p.parts))


def command(target: Path, readable: list[Path], runner_fd: int) -> list[str]:
    """The argv that starts the runner for `target` (its modules), seeing `readable` too."""
    python = sys.executable
    if level() != "bwrap":
        return [python, "-c", RUNNER]
    argv = ["bwrap", "--die-with-parent", "--new-session", *_namespaces(),
            "--proc", "/proc", "--dev", "/dev", "--perms", "1777", "--size", str(256 * 2**20), "--tmpfs", "/tmp"]
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
    argv.append("--")
    if os.geteuid() == 0:
        argv += ["setpriv", f"--reuid={UNPRIVILEGED}", f"--regid={UNPRIVILEGED}", "--clear-groups",
                 "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs"]
    return argv + [python, "-I", "-c", RUNNER]


def environment(runner_fd: int) -> dict[str, str]:
    """The runner's whole environment: nothing of the judge's (no path to the course)."""
    return {"PATH": "/usr/bin:/bin", "HOME": "/tmp", "TMPDIR": "/tmp", "LANG": "C.UTF-8",
            "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "PYTHONDONTWRITEBYTECODE": "1",
            "MPLBACKEND": "Agg", "MPLCONFIGDIR": "/tmp", "COURSE_RUNNER_FD": str(runner_fd),
            **({"PYTHONPATH": str(Path(course.__file__).resolve().parent.parent)} if level() != "bwrap" else {})}

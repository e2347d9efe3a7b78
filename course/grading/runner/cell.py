"""A cell: fresh, cheap namespaces around the warm zygote, one per submission.

The runner imports torch once (seconds); a cell costs a fork and a few system calls
(milliseconds). `enter()` runs in a process forked from the zygote: it makes new user, mount,
PID, IPC, UTS and network namespaces, mounts an empty /tmp, /dev/shm and /dev/mqueue, makes the
rest of the file system read-only, and forks the cell's first process (pid 1 of the new PID
namespace), which mounts a /proc that shows the cell alone, drops every capability and returns.
Everything a submission can touch lives in the cell; when the submission is done the cell's
pid 1 is killed, and with it every process, file and IPC object of the cell: there is nothing
to sweep, so nothing can be missed.

Nothing here trusts the learner: the cell is made before any learner code runs in it.
"""
from __future__ import annotations

import ctypes
import os
import platform
import resource

CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC = 0x00020000, 0x04000000, 0x08000000
CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET = 0x10000000, 0x20000000, 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 0x1, 0x2, 0x4, 0x8
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 0x20, 0x1000, 0x4000, 0x40000
MS_NOATIME, MS_NODIRATIME, MS_RELATIME = 0x400, 0x800, 0x200000
PR_SET_NO_NEW_PRIVS, PR_CAPBSET_DROP, PR_SET_DUMPABLE = 38, 24, 4
KEYCTL_JOIN_SESSION_KEYRING = 1
O_PATH = 0o10000000
SYS_KEYCTL = {"x86_64": 250, "aarch64": 219}.get(platform.machine())

TMP_SIZE = 256 * 2**20
SHM_SIZE = 64 * 2**20

_libc = ctypes.CDLL(None, use_errno=True)


class CellError(OSError):
    """The kernel would not make a cell here (no user namespaces, say)."""


def _check(result: int, what: str) -> None:
    if result != 0:
        errno = ctypes.get_errno()
        raise CellError(errno, f"{what}: {os.strerror(errno)}")


def _mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    _check(_libc.mount(source and source.encode(), target.encode(), fstype and fstype.encode(),
                       ctypes.c_ulong(flags), data and data.encode()), f"mount {target}")


def _write(path: str, text: str) -> None:
    with open(path, "w") as f:
        f.write(text)


def enter(keep: list[str], max_processes: int = 256) -> int:
    """In a freshly forked, single-threaded child of the zygote: make the cell. Returns in the
    cell's pid 1 (0 is returned); the calling process gets the cell's pid (as seen from outside)
    and should tell its parent and exit. Raises CellError where namespaces cannot be made.
    `keep`: folders the runner needs (Python, the course, the target, the data) that may lie
    in a temporary folder: they are shown, read-only, in the cell's fresh one."""
    uid, gid = os.geteuid(), os.getegid()
    # A process that is not dumpable may not write its own uid_map (its /proc files are root's):
    # dumpable for these few calls, while nothing but the runner's own processes can see it.
    _libc.prctl(PR_SET_DUMPABLE, 1, 0, 0, 0)
    _check(_libc.unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWNET),
           "unshare")
    _write("/proc/self/setgroups", "deny")
    _write("/proc/self/uid_map", f"{uid} {uid} 1")        # the same user inside: files read as before
    _write("/proc/self/gid_map", f"{gid} {gid} 1")
    _libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
    _mount(None, "/", None, MS_REC | MS_PRIVATE)           # nothing mounted here shows outside
    # Only the system's folders show as they are; every other folder at the top (/home, /root,
    # /work, /srv, ... : wherever a copy of the course might lie) is an empty one, showing only
    # what the runner needs; the temporary folders are empty and the cell's own.
    hidden = [f"/{name}" for name in os.listdir("/") if name not in SYSTEM and name not in ("tmp", "proc")
              and os.path.isdir(f"/{name}") and not os.path.islink(f"/{name}")]
    fresh = [(folder, size) for folder, size in (("/tmp", TMP_SIZE), ("/var/tmp", TMP_SIZE), ("/dev/shm", SHM_SIZE))
             if os.path.isdir(folder) and not os.path.islink(folder) and not any(
                 folder.startswith(h + "/") for h in hidden)]
    for folder in hidden:
        _renew(folder, keep, "mode=755,size=65536", writable=False)
    for folder, size in fresh:
        _renew(folder, keep, f"size={size},mode=1777", writable=True)
    if os.path.isdir("/dev/mqueue"):
        try:
            _mount("mqueue", "/dev/mqueue", "mqueue", MS_NOSUID | MS_NODEV | MS_NOEXEC)
        except CellError:
            pass                                           # the new IPC namespace has its own queues anyway
    for folder in ("/", "/dev"):                           # the sandbox's own folders: read-only from now
        try:
            _mount(None, folder, None, MS_REMOUNT | MS_BIND | MS_RDONLY | _locked_flags(folder))
        except CellError:
            if folder == "/":
                raise
    pid = os.fork()
    if pid:
        return pid
    _init(max_processes)
    return 0


SYSTEM = ("usr", "bin", "sbin", "lib", "lib32", "lib64", "libx32", "etc", "dev", "sys")


def _renew(folder: str, keep: list[str], options: str, writable: bool) -> None:
    """An empty tmpfs over `folder`, showing again (read-only) what of `keep` lies inside it."""
    inside = _outermost([p for p in keep if p.startswith(folder + "/") and os.path.exists(p)])
    handles = {path: os.open(path, O_PATH | os.O_CLOEXEC) for path in inside}
    _mount("tmpfs", folder, "tmpfs", MS_NOSUID | MS_NODEV, options)
    for path, fd in handles.items():                        # what the runner needs, back in place
        _show(fd, path)
        os.close(fd)
    if not writable:
        _mount(None, folder, None, MS_REMOUNT | MS_BIND | MS_RDONLY | _locked_flags(folder))


def _outermost(paths: list[str]) -> list[str]:
    out: list[str] = []
    for path in sorted(set(paths), key=len):
        if not any(path == o or path.startswith(o + "/") for o in out):
            out.append(path)
    return out


def _show(fd: int, path: str) -> None:
    """Bind what `fd` (opened before a tmpfs hid it) stands for at `path`, read-only."""
    parent = os.path.dirname(path)
    os.makedirs(parent, mode=0o755, exist_ok=True)
    if os.path.isdir(f"/proc/self/fd/{fd}"):
        os.mkdir(path, 0o755)
    else:
        open(path, "w").close()
    _mount(f"/proc/self/fd/{fd}", path, None, MS_BIND | MS_REC)
    _mount(None, path, None, MS_REMOUNT | MS_BIND | MS_RDONLY | _locked_flags(path))


def _locked_flags(folder: str) -> int:
    """The flags a mount already has that a user namespace may not change (nosuid, nodev, noexec, atime)."""
    try:
        st = os.statvfs(folder)
    except OSError:
        return 0
    flags = 0
    for have, bit in ((os.ST_NOSUID, MS_NOSUID), (os.ST_NODEV, MS_NODEV), (os.ST_NOEXEC, MS_NOEXEC),
                      (os.ST_NOATIME, MS_NOATIME), (os.ST_NODIRATIME, MS_NODIRATIME), (os.ST_RELATIME, MS_RELATIME)):
        if st.f_flag & have:
            flags |= bit
    return flags


def _init(max_processes: int) -> None:
    """In the cell's pid 1: its own /proc (or none at all), no capabilities, no new privileges,
    a session keyring of its own, a process limit, and memory no process of the cell may read."""
    try:
        _mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    except CellError:                                      # a /proc we may not replace: show none
        _mount("tmpfs", "/proc", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY, "size=4096,mode=555")
    if SYS_KEYCTL is not None:
        _libc.syscall(SYS_KEYCTL, KEYCTL_JOIN_SESSION_KEYRING, None)
    drop_capabilities()
    _libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
    for name in ("TMPDIR", "HOME", "MPLCONFIGDIR"):         # the cell's own, fresh /tmp
        os.environ[name] = "/tmp"
    try:
        resource.setrlimit(resource.RLIMIT_NPROC, (max_processes, max_processes))
    except (ValueError, OSError):
        pass


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]


def drop_capabilities() -> None:
    """No capability left, none to regain: the bounding set emptied, then every set zeroed."""
    for cap in range(64):
        _libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0)         # EINVAL past the last one: harmless
    header = _CapHeader(0x20080522, 0)                     # _LINUX_CAPABILITY_VERSION_3
    data = (_CapData * 2)()
    _check(_libc.capset(ctypes.byref(header), data), "capset")
    _check(_libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")


def capabilities() -> int:
    """The effective capabilities of this process (0 in a cell)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("CapEff:"):
                return int(line.split()[1], 16)
    return -1

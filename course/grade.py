"""`course grade SUBMISSIONS --out RESULTS`: grade a whole class, one untrusted submission at a time.

SUBMISSIONS holds one folder per student (the folder's name is the student id) with that
learner's files of exercises/: the modules and the notebooks, as the release laid them out.

Every submission is copied before the first one runs. Each is then graded by its own judge, a
fork of this process (torch is imported once, here), in its own session so that everything it
starts can be killed together:

- the judge works on a private copy of the graders (public and hidden), their fixtures, the
  data and the notebooks' test cells, that no learner code can see; it runs pytest with the
  graders and never runs learner code (course/grading/);
- learner code runs in the judge's runner, in the sandbox course/grading/sandbox.py describes,
  which sees the submission's copy read-only and nothing of the course but its package and
  data; a runner of a concurrent grading runs as another user;
- every check has its deadline, memory cap and output cap, every module is imported once on
  its own first, and the whole submission has a wall-time limit.

Only this process writes RESULTS: per student `students/<id>/scores.json` (kept for resuming),
`feedback.md` and Gradescope's `results.json`, and `grades.csv` for the class, rewritten after
every student. Running again skips the students whose submission and graders have not
changed since they were graded (`--fresh` grades everyone again).
"""
from __future__ import annotations

import ast
import csv
import ctypes
import hashlib
import io
import json
import os
import resource
import shutil
import signal
import stat
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass, replace
from pathlib import Path

import torch  # noqa: F401 - imported once here, so that every forked grading inherits it

from course.manifest import Course, CourseError, load

# What a submission may hold: the files of exercises/, nothing huge.
MAX_FILE_BYTES = 20 * 2**20
SKIPPED = {"__pycache__", ".ipynb_checkpoints", ".git"}


@dataclass
class Options:
    check_timeout: float | None = None       # seconds per check (default: course.toml's [grading] timeout)
    submission_timeout: float = 300.0        # seconds for the whole submission, notebooks included
    notebooks: bool = True                   # grade the notebooks' autograded parts too
    only: tuple[str, ...] = ()               # assignment ids, module names or notebooks (default: all)


def graded_exercises(course: Course, options: Options) -> list:
    """The exercises this grading covers, in course order (`only` narrows them down)."""
    if not options.only:
        return list(course.exercises)
    known = {a.id for a in course.assignments} | set(course.modules) | set(graded_notebooks(course))
    unknown = [name for name in options.only if name not in known]
    if unknown:
        raise CourseError(f"--only {unknown[0]}: not an assignment, module or notebook of course.toml "
                          f"(try one of: {', '.join(sorted(known))})")
    return [ex for ex in course.exercises
            if {ex.assignment, ex.notebook or ex.module} & set(options.only)]


# ------------------------------------------------------------------------------ what is graded
def graded_notebooks(course: Course) -> list[str]:
    """The notebooks that have autograded questions (exercises with a `notebook`)."""
    return list(dict.fromkeys(ex.notebook for ex in course.exercises if ex.notebook))


def grading_files(course: Course) -> list[Path]:
    """The course's files a grading needs (relative to its root): manifest, graders, fixtures, data
    (the graded notebooks' tests come from `notebook_tests`)."""
    root = course.root
    files = [Path("course.toml"), Path("pyproject.toml"), course.data_path.relative_to(root)]
    for path in sorted((root / "autograder").rglob("*")):
        if path.is_file() and not SKIPPED & set(path.parts):
            files.append(path.relative_to(root))
    return [f for f in files if (root / f).is_file()]


def notebook_tests(course: Course) -> dict[Path, bytes]:
    """The graded notebooks' test cells (visible and hidden) and set-up cells, without a single
    answer cell: what grading a notebook needs of solutions/, at autograder/notebooks/<name>
    (where autograder/test_recall.py looks first)."""
    made = {}
    for name in graded_notebooks(course):
        source = course.root / "solutions" / name
        if not source.is_file():
            continue
        nb = json.loads(source.read_text())
        nb["cells"] = [c for c in nb["cells"] if c["cell_type"] == "code"
                       and not c.get("metadata", {}).get("nbgrader", {}).get("solution", False)]
        made[Path("autograder") / "notebooks" / name] = (json.dumps(nb, indent=1) + "\n").encode()
    return made


def hidden_checks(course: Course) -> set[str]:
    """Names of the checks of autograder/hidden/ (the instructor-only tier)."""
    names = set()
    for path in sorted((course.root / "autograder" / "hidden").glob("test_*.py")):
        tree = ast.parse(path.read_text())
        names |= {n.name for n in tree.body if isinstance(n, ast.FunctionDef) and n.name.startswith("test")}
    return names


def digest(root: Path, files: list[Path], blobs: dict[Path, bytes] | None = None) -> str:
    """One sha256 over the names and bytes of `files`: what decides whether to grade again."""
    h = hashlib.sha256()
    for rel in files:
        h.update(rel.as_posix().encode() + b"\0")
        h.update(hashlib.sha256(blobs[rel] if blobs else (root / rel).read_bytes()).digest())
    return h.hexdigest()


def submission_files(folder: Path) -> list[Path]:
    """The regular files of a submission. Symbolic links are left out: one could point at solutions/."""
    files = []
    for here, dirs, names in os.walk(folder):           # os.walk does not follow links to folders
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED and not os.path.islink(os.path.join(here, d)))
        for name in sorted(names):
            path = Path(here, name)
            if not path.is_symlink() and path.is_file() and path.stat().st_size <= MAX_FILE_BYTES:
                files.append(path.relative_to(folder))
    return sorted(files)


def students(submissions: Path) -> list[tuple[str, Path]]:
    if not submissions.is_dir():
        raise CourseError(f"{submissions}: no such folder (it should hold one folder per student)")
    found = [(p.name, p) for p in sorted(submissions.iterdir())
             if p.is_dir() and not p.name.startswith((".", "_")) and not p.is_symlink()]
    if not found:
        raise CourseError(f"{submissions}: no student folders in it")
    return found


# ------------------------------------------------------------------------------ one submission
_SNAPSHOTS: dict[Path, dict[Path, bytes]] = {}


def course_snapshot(course: Course) -> dict[Path, bytes]:
    """The grading files' bytes, read once by the grader before any submission runs: every
    submission's copy is made from them, so a submission that wrote to the course's own files
    (which it could find) cannot change how the ones after it are graded."""
    if course.root not in _SNAPSHOTS:
        _SNAPSHOTS[course.root] = {**{rel: (course.root / rel).read_bytes() for rel in grading_files(course)},
                                   **notebook_tests(course)}
    return _SNAPSHOTS[course.root]


def _prepare(course: Course, folder: Path, private: Path) -> tuple[Path, Path]:
    """Copy the graders and the submission into `private`; the graders' copy is made read-only."""
    root, work = private / "course", private / "submission"
    for rel, blob in course_snapshot(course).items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(blob)
    work.mkdir()
    for rel in submission_files(folder):
        (work / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(folder / rel, work / rel)
    for path in [root, *root.rglob("*")]:
        path.chmod(0o555 if path.is_dir() else 0o444)
    root.chmod(0o700)              # the graders' copy: the judge's alone
    for name in ("home", "tmp", "scratch"):
        (private / name).mkdir(mode=0o700)
    private.chmod(0o711)           # the runner's user may reach the submission's copy, and nothing else
    return root, work


def _limit_process(options: Options, course: Course) -> None:
    """Limits the submission's processes inherit: no core dumps, bounded files and CPU time."""
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_FSIZE, (256 * 2**20, 256 * 2**20))
    cpu = int(options.submission_timeout) + 30
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))
    # A cap on the whole address space as well, above what the checks may each allocate.
    memory = course.grading("memory_mb")
    with open("/proc/self/statm") as f:
        mapped = int(f.read().split()[0]) * resource.getpagesize()
    limit = mapped + (memory + 2048) * 2**20
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    try:    # end with the grader that started it (Linux), rather than run on as an orphan
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)
    except (OSError, AttributeError):
        pass


def _worker(course: Course, folder: Path, private: Path, options: Options) -> int:
    """In the forked process: grade the private copy; results go to files in `private`."""
    root, work = _prepare(course, folder, private)
    os.environ.update(COURSE_ROOT=str(root), COURSE_ORIGINAL_ROOT=str(course.root),
                      HOME=str(private / "home"), TMPDIR=str(private / "tmp"),
                      OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", MPLBACKEND="Agg", PYTHONDONTWRITEBYTECODE="1")
    tempfile.tempdir = None
    os.chdir(private / "scratch")
    _limit_process(options, course)
    log = os.open(private / "pytest.log", os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    os.dup2(log, 1)
    os.dup2(log, 2)
    sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__
    torch.set_num_threads(1)
    graders = [root / "autograder"]
    if options.only or not options.notebooks:
        chosen = graded_exercises(course, options)
        modules = dict.fromkeys(ex.module for ex in chosen if not ex.notebook)
        graders = [p for m in modules for p in (root / "autograder" / f"test_{m}.py",
                                                root / "autograder" / "hidden" / f"test_{m}_hidden.py") if p.exists()]
        if options.notebooks and any(ex.notebook for ex in chosen):
            graders.append(root / "autograder" / "test_recall.py")
    argv = [*map(str, graders), "--target", str(work), "--results", str(private / "results.json"),
            "--instructor-grade", "-q", "-p", "no:cacheprovider", "--rootdir", str(root),
            "-c", str(root / "pyproject.toml"), "--basetemp", str(private / "tmp" / "pytest")]
    if options.check_timeout:
        argv += ["--check-timeout", str(options.check_timeout)]
    import pytest
    # The notebooks' questions are graded by autograder/test_recall.py like every exercise: the
    # answer cells run in the runner, the course's own test cells (hidden ones included) here.
    code = pytest.main(argv) if graders else 0
    return int(code)


STATUSES = {"passed", "failed", "not started", "error", "timed out"}


def _checked_row(ex, got: dict) -> dict:
    """A row from the judge's results file, checked as any input is: known status, points only
    for a pass and never above the exercise's, short strings."""
    status = got.get("status") if got.get("status") in STATUSES else "error"
    points = ex.points if status == "passed" and got.get("points") == ex.points else 0
    message = str(got.get("message", ""))[:4000]
    checks = [{k: str(c.get(k, ""))[:4000] for k in ("name", "status", "message")}
              for c in got.get("checks", []) if isinstance(c, dict)][:200]
    return _row(ex.id, points, ex.points, status, message, checks)


def _row(ex_id: str, points, max_points, status: str, message: str = "", checks=None) -> dict:
    return {"id": ex_id, "points": points, "max_points": max_points, "status": status, "message": message,
            "checks": checks or []}


@dataclass
class Job:
    student: str
    folder: Path
    private: Path
    pid: int
    started: float
    deadline: float
    slot: int = 0


RUNNER_UIDS = 61000         # the runner of the grading in slot k runs as user 61000 + k (when root)


def start(course: Course, student: str, folder: Path, options: Options, slot: int = 0) -> Job:
    """Fork the process that grades one submission (the judge of it; its runner is sandboxed)."""
    private = Path(tempfile.mkdtemp(prefix="course-grade-"))
    os.environ["COURSE_RUNNER_UID"] = str(RUNNER_UIDS + slot)
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:
        code = 70
        try:
            os.setsid()            # its own process group: it and all it starts are killed as one
            code = _worker(course, folder, private, options)
        except BaseException:  # noqa: BLE001 - reported to the parent through the file below
            try:
                (private / "worker-error.txt").write_text(traceback.format_exc())
            except OSError:
                pass
        finally:
            os._exit(code)
    now = time.monotonic()
    return Job(student, folder, private, pid, now, now + options.submission_timeout, slot)


def finish(course: Course, job: Job, wait_status: int | None, options: Options) -> dict:
    """The student's record, from what the grading left in its private folder; then clean up."""
    try:
        os.killpg(job.pid, signal.SIGKILL)     # whatever the submission left running
    except (ProcessLookupError, PermissionError):
        pass
    seconds = time.monotonic() - job.started
    if wait_status is None:
        ended = "timed out"
    elif os.WIFEXITED(wait_status) and os.WEXITSTATUS(wait_status) in (0, 1, 2, 5):
        ended = "completed"
    else:
        ended = "crashed"
    try:
        partial = json.loads((job.private / "results.json").read_text())
        by_id = {r["id"]: r for r in partial.get("exercises", []) if isinstance(r, dict) and "id" in r}
    except (OSError, ValueError, AttributeError):
        by_id = {}
    # The written parts of the notebooks handed in wait for the instructor (nbgrader's formgrader).
    notebooks = {"manual_pending": sum(
        sum(a.manual.values()) for a in course.assignments
        if any((job.folder / nb).is_file() for nb in a.notebooks)
        and any(ex.assignment == a.id for ex in graded_exercises(course, options)))}
    rows = []
    for ex in graded_exercises(course, options):
        got = by_id.get(ex.id)
        if got is not None:
            rows.append(_checked_row(ex, got))
        elif ex.notebook and not options.notebooks:
            continue                                  # not graded here (no nbgrader, or --no-notebooks)
        elif ended == "timed out":
            rows.append(_row(ex.id, 0, ex.points, "timed out",
                             f"the submission's time ({options.submission_timeout:g} s) ran out before this "
                             "exercise was graded"))
        else:
            rows.append(_row(ex.id, 0, ex.points, "error", "this exercise could not be graded: the grading of "
                             "the submission stopped unexpectedly" if ended == "crashed" else
                             "this exercise was not graded"))
    _remove(job.private)
    return {"student": job.student, "ended": ended, "seconds": round(seconds, 1),
            "total": sum(r["points"] for r in rows), "max_total": sum(r["max_points"] for r in rows),
            "manual_pending": notebooks.get("manual_pending", 0), "exercises": rows}


def _remove(path: Path) -> None:
    def writable(func, p, _):
        os.chmod(p, stat.S_IRWXU)
        os.chmod(os.path.dirname(p), stat.S_IRWXU)
        func(p)
    for d in [path, *path.rglob("*")]:
        if d.is_dir() and not d.is_symlink():
            try:
                d.chmod(stat.S_IRWXU)
            except OSError:
                pass
    shutil.rmtree(path, onerror=writable)


def _wait(jobs: dict[int, Job], options: Options):
    """Yield (job, wait status or None when it ran out of time) as the gradings end."""
    while jobs:
        ended = False
        for pid, job in list(jobs.items()):
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                del jobs[pid]
                ended = True
                yield job, status
            elif time.monotonic() > job.deadline:
                try:
                    os.killpg(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                os.waitpid(pid, 0)
                del jobs[pid]
                ended = True
                yield job, None
        if not ended:
            time.sleep(0.02)


def grade_submission(course: Course, folder: Path, student: str = "submission",
                     options: Options | None = None) -> dict:
    """Grade one submission in its own process (as `course gradescope`'s run_autograder does)."""
    options = options or Options()
    course_snapshot(course)
    job = start(course, student, folder, options)
    for job, status in _wait({job.pid: job}, options):
        return finish(course, job, status, options)


# ------------------------------------------------------------------------------ the class
def grade_class(course: Course, submissions: Path, out: Path, jobs: int | None = None,
                options: Options | None = None, fresh: bool = False, progress=None) -> list[dict]:
    """Grade every student of `submissions` into `out`; returns the records, by student id."""
    options = options or Options()
    jobs = max(1, jobs or len(os.sched_getaffinity(0)))
    roster = students(submissions)
    graded_exercises(course, options)               # an unknown --only stops here, before any work
    snapshot = course_snapshot(course)
    graders = digest(course.root, list(snapshot), snapshot) + ":" + ",".join(options.only)
    hidden = hidden_checks(course)
    out.mkdir(parents=True, exist_ok=True)
    records, todo = {}, []
    for student, folder in roster:
        fingerprint = digest(folder, submission_files(folder))
        old = _read_record(out, student)
        if not fresh and old and old.get("submission_sha256") == fingerprint and old.get("graders_sha256") == graders:
            records[student] = old                 # graded already, and nothing has changed since
        else:
            todo.append((student, folder, fingerprint))
    bar = progress or Progress(len(roster))
    bar.update(len(records), sum(_troubled(r) for r in records.values()))
    running: dict[int, Job] = {}
    fingerprints = {}
    # Every submission is copied before the first one runs: nothing a grading does (or anyone
    # else does meanwhile) changes what the others hand in.
    staged = Path(tempfile.mkdtemp(prefix="course-submissions-"))
    todo = [(student, _stage(folder, staged / student), fingerprint) for student, folder, fingerprint in todo]
    try:
        while todo or running:
            while todo and len(running) < jobs:
                student, folder, fingerprint = todo.pop(0)
                fingerprints[student] = fingerprint
                slot = min(set(range(jobs)) - {j.slot for j in running.values()})
                job = start(course, student, folder, options, slot)
                running[job.pid] = job
            for job, status in _wait(running, options):
                from course.grading import sandbox
                sandbox.kill_leftovers(RUNNER_UIDS + job.slot)    # a runner without a PID namespace
                record = finish(course, job, status, options)
                record.update(submission_sha256=fingerprints[job.student], graders_sha256=graders)
                records[job.student] = record
                write_student(out, course, record, hidden)
                write_csv(out, course, [records[s] for s, _ in roster if s in records])
                bar.update(len(records), sum(_troubled(r) for r in records.values()))
                break                                 # start the next one while the others run
    finally:
        for pid, job in running.items():            # interrupted: stop what is still running
            try:
                os.killpg(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass
            _remove(job.private)
        shutil.rmtree(staged, ignore_errors=True)
        bar.close()
    ordered = [records[s] for s, _ in roster]
    for record in ordered:                          # outputs of resumed students are rewritten as well
        write_student(out, course, record, hidden)
    write_csv(out, course, ordered)
    return ordered


def _stage(folder: Path, copy: Path) -> Path:
    """A private copy of the submission `folder` (its regular files; links are not followed)."""
    copy.mkdir(parents=True)
    for rel in submission_files(folder):
        (copy / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(folder / rel, copy / rel)
    return copy


def _troubled(record: dict) -> bool:
    return record["ended"] != "completed" or any(r["status"] in ("error", "timed out") for r in record["exercises"])


def _read_record(out: Path, student: str) -> dict | None:
    try:
        return json.loads((out / "students" / student / "scores.json").read_text())
    except (OSError, ValueError):
        return None


class Progress:
    """students done / total and failures so far, on one line of stderr."""

    def __init__(self, total: int, stream=None, width: int = 30):
        self.total, self.stream, self.width = total, stream or sys.stderr, width
        self.tty = getattr(self.stream, "isatty", lambda: False)()
        self.last = None

    def update(self, done: int, failures: int) -> None:
        if (done, failures) == self.last:
            return
        self.last = (done, failures)
        filled = self.width * done // max(self.total, 1)
        text = (f"grading [{'#' * filled}{'.' * (self.width - filled)}] {done}/{self.total} students, "
                f"{failures} with errors or timeouts")
        self.stream.write(("\r" + text) if self.tty else text + "\n")
        self.stream.flush()

    def close(self) -> None:
        if self.tty:
            self.stream.write("\n")


# ------------------------------------------------------------------------------ outputs
def _atomic_write(path: Path, text: str) -> None:
    """Write through a temporary file and a rename: a crash never leaves half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def write_student(out: Path, course: Course, record: dict, hidden: set[str]) -> None:
    folder = out / "students" / record["student"]
    _atomic_write(folder / "results.json", json.dumps(gradescope_results(record, hidden), indent=1) + "\n")
    _atomic_write(folder / "feedback.md", feedback(course, record, hidden))
    _atomic_write(folder / "scores.json", json.dumps(record, indent=1) + "\n")   # last: marks it done


def write_csv(out: Path, course: Course, records: list[dict]) -> None:
    graded = {r["id"] for record in records for r in record["exercises"]}
    ids = [ex.id for ex in course.exercises if ex.id in graded]
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["student", *ids, "total", "max_total", "manual_pending", "grading"])
    for record in records:
        points = {r["id"]: r["points"] for r in record["exercises"]}
        writer.writerow([record["student"], *(points.get(i, "") for i in ids), record["total"],
                         record["max_total"], record.get("manual_pending", 0), record["ended"]])
    _atomic_write(out / "grades.csv", buf.getvalue())


def _summary(record: dict) -> str:
    text = f"{record['total']} / {record['max_total']} points, graded automatically"
    if record.get("manual_pending"):
        text += f"; {record['manual_pending']:g} more points of written answers are read by your instructor"
    if record["ended"] == "timed out":
        text += ". The grading of your submission ran out of time; what was not graded scores 0"
    elif record["ended"] == "crashed":
        text += ". The grading of your submission stopped unexpectedly; what was not graded scores 0"
    return text + "."


def feedback(course: Course, record: dict, hidden: set[str]) -> str:
    """The learner's report: each exercise's status, points and message; no test source."""
    lines = [f"# Feedback: {record['student']}", "", _summary(record), "",
             "| exercise | points | status |", "|---|---:|---|"]
    for r in record["exercises"]:
        lines.append(f"| {r['id']} | {r['points']} / {r['max_points']} | {r['status']} |")
    for r in record["exercises"]:
        if r["status"] == "passed" and not r["message"]:
            continue
        lines += ["", f"## {r['id']}: {r['status']}, {r['points']} / {r['max_points']}", ""]
        if r["status"] == "not started":
            lines.append("Not started yet.")
        if r["message"]:
            lines += ["```", r["message"].rstrip(), "```"]
        failed = [c for c in r.get("checks", []) if c.get("status") not in ("passed", None)]
        for c in failed[:1]:
            tier = "a hidden check (inputs you have not seen)" if c.get("name") in hidden else f"check `{c['name']}`"
            lines.append(f"\nFrom {tier}.")
        if r["status"] != "not started":
            try:
                ex = course.exercise(r["id"])
                lines.append(f"\nHint: {next(iter(ex.hints.values()))}")
            except CourseError:
                pass
    return "\n".join(lines) + "\n"


def gradescope_results(record: dict, hidden: set[str]) -> dict:
    """Gradescope's results.json: the score and one test per exercise."""
    tests = []
    for r in record["exercises"]:
        output = f"{r['status']}" + (f": {r['message']}" if r["message"] else "")
        if any(c.get("name") in hidden and c.get("status") != "passed" for c in r.get("checks", [])):
            output += "\n(from a hidden check: inputs you have not seen)"
        tests.append({"name": r["id"], "score": r["points"], "max_score": r["max_points"],
                      "status": "passed" if r["status"] == "passed" else "failed",
                      "output": output, "visibility": "visible"})
    return {"score": record["total"], "max_score": record["max_total"], "output": _summary(record),
            "visibility": "visible", "stdout_visibility": "hidden",
            "execution_time": record["seconds"], "tests": tests}


# ------------------------------------------------------------------------------ the command
def _warm_up() -> None:
    """Import here what every grading needs, once, so that the forks inherit it."""
    import pytest  # noqa: F401

    import course.checks  # noqa: F401
    import course.grading.plugin  # noqa: F401
    os.environ.setdefault("MPLBACKEND", "Agg")
    try:
        import matplotlib.pyplot  # noqa: F401
    except ImportError:
        pass


def cmd_grade(args) -> int:
    from course.grading import sandbox
    from course.preflight import require
    course = load()
    require(course, "grade")           # authoring slips stop here, not in a class's grades
    if sandbox.level() == "none" and not args.unsafe_no_sandbox:
        raise CourseError("no sandbox for learner code on this machine (bubblewrap is missing or cannot run): "
                          "a submission could read the hidden graders and change results. Install bubblewrap "
                          "(apt-get install bubblewrap), or pass --unsafe-no-sandbox for submissions you trust")
    exposed = sandbox.exposed_secrets(course.root) if sandbox.level() == "user" else []
    if exposed and not args.unsafe_no_sandbox:
        raise CourseError(f"learner code would run as another user who can read {', '.join(map(str, exposed))}: "
                          f"`chmod -R go-rwx {' '.join(map(str, exposed))}`, or install bubblewrap "
                          "(apt-get install bubblewrap)")
    print(sandbox.describe())
    torch.set_num_threads(1)
    _warm_up()
    options = Options(check_timeout=args.check_timeout, submission_timeout=args.submission_timeout,
                      notebooks=not args.no_notebooks, only=tuple(args.only or ()))
    out = Path(args.out)
    records = grade_class(course, Path(args.submissions), out, jobs=args.jobs, options=options, fresh=args.fresh)
    problems = [r["student"] for r in records if _troubled(r)]
    mean = sum(r["total"] for r in records) / len(records)
    print(f"graded {len(records)} submissions: mean {mean:.1f} / {records[0]['max_total']} points")
    if problems:
        print(f"{len(problems)} with errors or timeouts: {', '.join(problems[:10])}"
              + (" ..." if len(problems) > 10 else ""))
    print(f"grades: {out / 'grades.csv'}; feedback and Gradescope results: {out / 'students'}/<id>/")
    return 0


def add_parser(sub) -> None:
    p = sub.add_parser("grade", help="instructors: grade a class's submissions (isolated, time-limited)")
    p.add_argument("submissions", help="a folder with one folder per student (its name is the student id)")
    p.add_argument("--out", required=True, help="where grades.csv and the per-student results go")
    p.add_argument("--jobs", "-j", type=int, default=None, help="submissions graded at once (default: cores)")
    p.add_argument("--check-timeout", type=float, default=None,
                   help="seconds one check may take (default: course.toml's [grading] timeout)")
    p.add_argument("--submission-timeout", type=float, default=300.0,
                   help="seconds one whole submission may take (default 300)")
    p.add_argument("--fresh", action="store_true", help="grade everyone again, even if graded before")
    p.add_argument("--no-notebooks", action="store_true", help="grade the modules only")
    p.add_argument("--unsafe-no-sandbox", action="store_true",
                   help="grade without a sandbox (only for submissions you trust: learner code could read "
                        "the graders and change results)")
    p.add_argument("--only", action="append", metavar="NAME",
                   help="grade only this assignment, module or notebook (repeat for more)")
    p.set_defaults(run=cmd_grade)

"""`course grade SUBMISSIONS --out RESULTS`: grade a whole class, one untrusted submission at a time.

SUBMISSIONS holds one folder (or .zip) per student (its name is the student id) with that
learner's files of exercises/: the modules and the notebooks. They are found by one rule, the
one Gradescope's runner follows too (`locate`): at the top level, in exercises/, or in one nested
folder (a whole course folder handed in); a submission with nothing to grade gets a status of
its own ("empty submission", "no course files found (looked in ...)"), said once.

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
`feedback.md`, `output.txt` (what their code printed) and Gradescope's `results.json`, and
`grades.csv` for the class, rewritten after every student; at the end the class report
(course/classgrade/classreport.py). What RESULTS holds is merged, never overwritten: a grading of some
exercises (`--only`) or of one student (`--student`) replaces those rows and keeps the rest.
Running again skips the students whose rows of the selection were graded on the same
submission and graders (`--fresh` grades everyone again). The written answers' points merged
from nbgrader's gradebook (`--gradebook`) are kept in each record and survive every later run,
with or without the gradebook. A student's `.zip` is unpacked, with checks, into the private
copy. The exit status speaks of the submissions the run was asked to grade (the class, or the
one `--student`): 0 when each was graded to completion, INCOMPLETE (3) when one timed out,
crashed the grading or was skipped.
"""
from __future__ import annotations

import ast
import csv
import ctypes
import hashlib
import io
import json
import math
import os
import resource
import shutil
import signal
import stat
import sys
import tempfile
import time
import traceback
import zipfile
from dataclasses import dataclass
from pathlib import Path

import torch  # noqa: F401 - imported once here, so that every forked grading inherits it

from course import selection
from course.grading.job import JobSpec
from course.grading.seam import safe_text
from course.manifest import Course, CourseError, load

# What a submission may hold: the files of exercises/, nothing huge.
MAX_FILE_BYTES = 20 * 2**20
SKIPPED = {"__pycache__", ".ipynb_checkpoints", ".git", "__MACOSX"}
# A student's .zip: at most this many files, this many bytes unpacked (each file MAX_FILE_BYTES).
MAX_ZIP_FILES = 500
MAX_ZIP_BYTES = 100 * 2**20
# What learner code printed, kept per check in scores.json and in students/<id>/output.txt.
PRINTED_PER_CHECK = 2000
PRINTED_PER_STUDENT = 50_000


@dataclass
class Options:
    check_timeout: float | None = None       # seconds per check (default: course.toml's [grading] timeout)
    submission_timeout: float = 300.0        # seconds for the whole submission, notebooks included
    notebooks: bool = True                   # grade the notebooks' autograded parts too
    only: tuple[str, ...] = ()               # selection words (course/selection.py; default: all)


def graded_exercises(course: Course, options: Options) -> list:
    """The exercises this grading covers, in course order (`only` narrows them down)."""
    return selection.exercises(course, options.only)


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
        h.update(os.fsencode(rel.as_posix()) + b"\0")          # a name need not be UTF-8: its bytes
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


def course_file_names(course: Course) -> list[str]:
    """The files a learner hands in: each module of exercises/ and each graded notebook."""
    return [f"{m}.py" for m in course.modules] + graded_notebooks(course)


EMPTY = "empty submission"
NO_COURSE_FILES = "no course files found"
PROBLEMS = (EMPTY, NO_COURSE_FILES)         # a submission with nothing to grade: a status of its own


def _folders(folder: Path) -> list[Path]:
    return [d for d in sorted(folder.iterdir()) if d.is_dir() and not d.is_symlink()
            and d.name not in SKIPPED and not d.name.startswith(".")]


def locate(folder: Path, course: Course) -> tuple[Path, str | None]:
    """Where a submission's course files are, by the one rule of `course grade` and Gradescope's
    run_autograder: at its top level, else in its `exercises/`, else in one nested folder (a
    learner who zipped or uploaded the whole course folder: `makemore/exercises/`, or a folder
    of their modules: `my-work/`), the one holding most course files. Returns (the folder to
    grade, None), or (`folder`, why nothing can be graded): EMPTY, or NO_COURSE_FILES with the
    places looked in. Links are never followed."""
    names = course_file_names(course)

    def count(d: Path) -> int:
        return sum(1 for n in names if (d / n).is_file() and not (d / n).is_symlink())

    if not folder.is_dir() or not submission_files(folder):
        return folder, EMPTY
    looked = [folder, folder / "exercises"]
    for d in looked:
        if d.is_dir() and not d.is_symlink() and count(d):
            return d, None
    nested = []
    for d in _folders(folder):
        if d.name == "exercises":
            continue
        nested += [d / "exercises", d]
    nested = [d for d in nested if d.is_dir() and not d.is_symlink()]
    best = max(nested, key=count, default=None)
    if best is not None and count(best):
        return best, None
    places = ["the top level", "exercises/"] + [f"{d.relative_to(folder).as_posix()}/" for d in nested[:6]]
    if len(nested) > 6:
        places.append("...")
    return folder, safe_text(f"{NO_COURSE_FILES} (looked in {', '.join(places)} for "
                             f"{', '.join(names[:3])}, ...)", 400)


def students(submissions: Path) -> tuple[list[tuple[str, Path]], list[tuple[str, str]]]:
    """The class: (student id, folder or .zip) in id order, and what is skipped, with why.
    A folder's name is the student id; so is a .zip's name without .zip (a folder wins over a
    .zip of the same name). A name that is not UTF-8 gives the id its escape (safe_text)."""
    if not submissions.is_dir():
        raise CourseError(f"{submissions}: no such folder (it should hold one folder per student)")
    found, skipped = {}, []
    entries = sorted(submissions.iterdir())
    for p in entries:
        if p.name.startswith((".", "_")):
            continue
        if p.is_symlink():
            skipped.append((safe_text(p.name), "a symbolic link (links are never followed: copy the submission in)"))
        elif p.is_dir():
            sid = safe_text(p.name, None)
            if sid in found:
                skipped.append((sid, f"another folder's name reads {sid} too: rename one of them"))
            else:
                found[sid] = p
    for p in entries:
        if p.name.startswith((".", "_")) or p.is_symlink() or p.is_dir():
            continue
        sid = safe_text(p.stem, None)
        if p.suffix.lower() == ".zip":
            if sid in found:
                skipped.append((safe_text(p.name), f"the folder {sid}/ is graded instead (one submission per student)"))
            else:
                found[sid] = p
        else:
            skipped.append((safe_text(p.name), "not a folder or a .zip (unpack it into a folder named after the "
                                               "student)"))
    if not found:
        raise CourseError(f"{submissions}: no student folders or .zip files in it")
    return sorted(found.items()), skipped


class UnsafeZip(Exception):
    """A student's .zip that is not unpacked; the message says why."""


def unpack_zip(archive: Path, dest: Path) -> Path:
    """Unpack a student's .zip into `dest`, refusing anything that could land outside it: absolute
    paths, `..`, links, devices, more than MAX_ZIP_FILES files or MAX_ZIP_BYTES bytes (counted as
    they are read, not as the zip claims). One folder around everything (`ann/bigram.py`) is
    taken away. Raises UnsafeZip; `dest` is then left empty."""
    dest.mkdir(parents=True, exist_ok=True)
    try:
        with zipfile.ZipFile(archive) as zf:
            members = []
            for info in zf.infolist():
                name = info.filename
                parts = [part for part in name.replace("\\", "/").split("/") if part not in ("", ".")]
                if name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":"):
                    raise UnsafeZip(f"it holds an absolute path ({name})")
                if ".." in parts:
                    raise UnsafeZip(f"it holds a path that leaves its folder ({name})")
                kind = stat.S_IFMT(info.external_attr >> 16)
                if kind and kind not in (stat.S_IFREG, stat.S_IFDIR):
                    raise UnsafeZip(f"it holds a link or a special file ({name})")
                if info.is_dir() or not parts or SKIPPED & set(parts) or parts[-1] == ".DS_Store":
                    continue
                members.append((info, parts))
            if len(members) > MAX_ZIP_FILES:
                raise UnsafeZip(f"it holds {len(members)} files (at most {MAX_ZIP_FILES})")
            tops = {parts[0] for _, parts in members}
            strip = 1 if len(tops) == 1 and all(len(parts) > 1 for _, parts in members) else 0
            total = 0
            for info, parts in members:
                target = dest.joinpath(*parts[strip:])
                target.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(info) as src, open(target, "xb") as out:
                    size = 0
                    while chunk := src.read(2**20):
                        size += len(chunk)
                        total += len(chunk)
                        if size > MAX_FILE_BYTES:
                            raise UnsafeZip(f"{'/'.join(parts)} is larger than {MAX_FILE_BYTES // 2**20} MB")
                        if total > MAX_ZIP_BYTES:
                            raise UnsafeZip(f"it unpacks to more than {MAX_ZIP_BYTES // 2**20} MB")
                        out.write(chunk)
    except UnsafeZip:
        _remove(dest)
        dest.mkdir()
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, NotImplementedError, RuntimeError) as exc:
        _remove(dest)
        dest.mkdir()
        raise UnsafeZip(f"it cannot be unpacked ({type(exc).__name__}: {str(exc)[:120]})") from None
    return dest


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


def _prepare(course: Course, folder: Path, private: Path, work: Path | None = None) -> tuple[Path, Path]:
    """Copy the graders and the submission into `private` (the submission into `work` instead,
    when given: the folder a reused runner shows); the graders' copy is made read-only."""
    root = private / "course"
    for rel, blob in course_snapshot(course).items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(blob)
    if work is None:
        work = private / "submission"
        work.mkdir()
    else:
        _empty(work)
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


def _worker(course: Course, folder: Path, private: Path, options: Options, runner=None) -> int:
    """In the forked process: grade the private copy; results go to files in `private`. With
    `runner` (a slot's, made clean for this submission) the copy goes where it looks."""
    root, work = _prepare(course, folder, private, runner.target if runner is not None else None)
    if runner is not None:
        from course.grading import launch
        launch.use_runner(runner)
    chosen = [ex for ex in graded_exercises(course, options) if options.notebooks or not ex.notebook]
    job = JobSpec(course=root, target=work, results=private / "results.json", exercises=tuple(ex.id for ex in chosen),
                  check_timeout=options.check_timeout, instructor=True).write(private / "job.json")
    os.environ.update(HOME=str(private / "home"), TMPDIR=str(private / "tmp"),
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
    if options.only or not options.notebooks:       # the files that declare the chosen exercises
        graders = [root / rel for rel in selection.grader_files(course, chosen, root)]
    argv = [*map(str, graders), "--job", str(job), "--assert=plain", "-q", "-p", "no:cacheprovider",
            "--rootdir", str(root), "-c", str(root / "pyproject.toml"), "--basetemp", str(private / "tmp" / "pytest")]
    import pytest
    # The notebooks' questions are graded by autograder/test_recall.py like every exercise: the
    # answer cells run in the runner, the course's own test cells (hidden ones included) here.
    code = pytest.main(argv, plugins=[PrintedLog(private / "printed.json", private / "planned.json")]) \
        if graders else 0
    return int(code)


def _write_json_atomically(path: Path, value) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(value))
    os.replace(tmp, path)


class PrintedLog:
    """A pytest plugin of the judge: after each check, what learner code printed during it (the
    judge's Result.printed, already capped there) goes to a JSON file, exercise -> check -> text.
    Written after every check that printed, so a grading cut short keeps what it had. Before the
    first check, the checks collected for each exercise go to `planned` (exercise -> check
    names): an exercise counts as passed only when every one of them ran and passed."""

    def __init__(self, path: Path, planned: Path | None = None):
        self.path, self.printed, self.planned = path, {}, planned

    def pytest_collection_finish(self, session):       # after the plugin's selection and order
        if self.planned is None:
            return
        plan: dict[str, list[str]] = {}
        for item in session.items:
            marker = item.get_closest_marker("exercise")
            if marker and marker.args:
                plan.setdefault(marker.args[0], []).append(item.name)
        _write_json_atomically(self.planned, plan)

    def pytest_runtest_teardown(self, item, nextitem):
        result, marker = getattr(item, "course_result", None), item.get_closest_marker("exercise")
        text = getattr(result, "printed", "")
        if marker and isinstance(text, str) and text:
            self.printed.setdefault(marker.args[0], {})[item.name] = text[:PRINTED_PER_CHECK]
            _write_json_atomically(self.path, self.printed)


STATUSES = {"passed", "failed", "not started", "error", "timed out"}
# C0 control characters but tab and newline, and DEL: they garble a terminal, a CSV or Markdown.
def safe_data(value, depth: int = 0):
    """A record read back from a file (JSON: dicts, lists, strings, numbers), its strings made safe
    (safe_text): a record written by an older grader cannot stop this one."""
    if isinstance(value, str):
        return safe_text(value, None)
    if depth > 20:
        return None
    if isinstance(value, dict):
        return {safe_text(k, None): safe_data(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [safe_data(v, depth + 1) for v in value]
    return value


def _checked_row(ex, got: dict, printed: dict | None = None, planned: list | None = None,
                 ended: str = "completed") -> dict:
    """A row from the judge's results file, checked as any input is: known status, points only
    for a pass and never above the exercise's, short and safe strings (safe_text). `printed`:
    check name -> what learner code printed in it. A pass counts only when every check the judge
    `planned` for the exercise ran and passed: a grading cut short (`ended`) in the middle of an
    exercise keeps none of it."""
    status = got.get("status") if got.get("status") in STATUSES else "error"
    points = ex.points if status == "passed" and got.get("points") == ex.points else 0
    message = safe_text(got.get("message", ""))
    checks = [{k: safe_text(c.get(k, "")) for k in ("name", "status", "message")}
              for c in got.get("checks", []) if isinstance(c, dict)][:200]
    passed = {c["name"] for c in checks if c["status"] == "passed"}
    wanted = [name for name in planned or [] if isinstance(name, str)]
    if status == "passed" and (not wanted or not set(wanted) <= passed):
        ran = len(set(wanted) & passed)
        status, points = ("timed out" if ended == "timed out" else "error"), 0
        message = (f"only {ran} of the {len(wanted) or '?'} checks of this exercise ran before the grading of the "
                   + ("submission ran out of time" if ended == "timed out" else "submission stopped")
                   + ": an exercise counts only when every one of its checks ran and passed")
    for c, raw in zip(checks, (c for c in got.get("checks", []) if isinstance(c, dict))):
        text = (printed or {}).get(raw.get("name"))
        if isinstance(text, str) and text:
            c["printed"] = safe_text(text, PRINTED_PER_CHECK)
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


def start(course: Course, student: str, folder: Path, options: Options, slot: int = 0, runner=None) -> Job:
    """Fork the process that grades one submission (the judge of it; its runner is sandboxed:
    `runner`, a slot's runner made clean for it, or one the judge starts)."""
    private = Path(tempfile.mkdtemp(prefix="course-grade-"))
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:
        code = 70
        try:
            os.setsid()            # its own process group: it and all it starts are killed as one
            code = _worker(course, folder, private, options, runner)
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
    """The student's record, from what the grading left in its private folder; then clean up
    (whatever happens)."""
    try:
        return _record_of(course, job, wait_status, options)
    finally:
        _remove(job.private)


def failed_record(course: Course, student: str, options: Options, exc: BaseException) -> dict:
    """The record of a student whose handling failed in this grader (not in their code): every
    exercise of the selection an error, the grading `crashed`; the class goes on."""
    why = safe_text(f"{type(exc).__name__}: {exc}", 300)
    rows = [_row(ex.id, 0, ex.points, "error", f"this exercise could not be graded: the grader failed while "
                 f"handling this submission ({why}); please tell your instructor")
            for ex in graded_exercises(course, options) if options.notebooks or not ex.notebook]
    for r in rows:
        r["ended"] = "crashed"
    return {"student": student, "ended": "crashed", "seconds": 0.0, "total": 0,
            "max_total": sum(r["max_points"] for r in rows), "manual_pending": 0, "manual": {}, "exercises": rows,
            "grader_error": safe_text("".join(traceback.format_exception(exc)), 8000)}


def unsubmitted_record(course: Course, student: str, options: Options, problem: str) -> dict:
    """The record of a submission with nothing to grade (locate: EMPTY or NO_COURSE_FILES): every
    exercise of the selection "not submitted", the problem said once, as the grading's status."""
    rows = [_row(ex.id, 0, ex.points, "not submitted")
            for ex in graded_exercises(course, options) if options.notebooks or not ex.notebook]
    ended = NO_COURSE_FILES if problem.startswith(NO_COURSE_FILES) else EMPTY
    for r in rows:
        r.update(ended=ended, missing=True)
    return {"student": student, "ended": ended, "problem": problem, "seconds": 0.0, "total": 0,
            "max_total": sum(r["max_points"] for r in rows), "manual_pending": 0, "manual": {}, "exercises": rows}


def _record_of(course: Course, job: Job, wait_status: int | None, options: Options) -> dict:
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
    try:
        printed = json.loads((job.private / "printed.json").read_text())
        printed = printed if isinstance(printed, dict) else {}
    except (OSError, ValueError):
        printed = {}
    try:        # the checks the judge collected, exercise -> names: what a complete exercise ran
        planned = json.loads((job.private / "planned.json").read_text())
        planned = planned if isinstance(planned, dict) else {}
    except (OSError, ValueError):
        planned = {}
    # The written parts of the notebooks handed in wait for the instructor (nbgrader's formgrader):
    # assignment -> the points read by hand (a gradebook, when given, says which are graded).
    graded_assignments = {ex.assignment for ex in graded_exercises(course, options)}
    manual = {a.id: sum(a.manual.values()) for a in course.assignments
              if a.manual and a.id in graded_assignments and any((job.folder / nb).is_file() for nb in a.notebooks)}
    rows = []
    for ex in graded_exercises(course, options):
        got = by_id.get(ex.id)
        if got is not None:
            plan = planned.get(ex.id) if isinstance(planned.get(ex.id), list) else None
            rows.append(_checked_row(ex, got, printed.get(ex.id) if isinstance(printed.get(ex.id), dict) else None,
                                     plan, ended))
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
    handed_in = {name for name in course_file_names(course) if (job.folder / name).is_file()}
    of = {ex.id: ex for ex in course.exercises}
    for r in rows:
        r["ended"] = ended                            # how the grading that made this row ended
        if (of[r["id"]].notebook or f"{of[r['id']].module}.py") not in handed_in:
            r["missing"] = True                       # its file was not handed in: "not submitted" in the report
    return {"student": job.student, "ended": ended, "seconds": round(seconds, 1),
            "total": sum(r["points"] for r in rows), "max_total": sum(r["max_points"] for r in rows),
            "manual_pending": sum(manual.values()), "manual": manual, "exercises": rows}


def _empty(folder: Path) -> None:
    for entry in folder.iterdir():
        if entry.is_dir() and not entry.is_symlink():
            _remove(entry)
        else:
            entry.unlink()


class RunnerSlots:
    """One runner per concurrent grading (slot), started by this process (so that whatever
    happens to a grading, its runner is closed here), and used for one submission after another
    where it can be made clean: starting one costs about 1.5 s of CPU (Python, torch,
    matplotlib), making it clean tens of milliseconds. When a grading ends, its runner throws away
    the cell the submission ran in (fresh namespaces: every process, file and IPC object the
    submission could touch) and makes a new one around its warm zygote; the next submission is
    copied in only after that. A runner without cells (no user namespaces here), or one that
    cannot be made sure of, is closed (its user's processes and files removed with it), and the
    next grading of its slot starts a new one. Each runner runs as a user of its own (as root)."""

    def __init__(self, course: Course):
        self.course = course
        self.base = Path(tempfile.mkdtemp(prefix="course-slots-"))
        self.base.chmod(0o711)            # each runner sees its own slot's folder, and nothing else
        self.runners: dict = {}

    def release(self, slot: int) -> None:
        """The grading in `slot` has ended: nothing it started may live on (its runner is made
        clean now, or closed)."""
        runner = self.runners.get(slot)
        if runner is not None and not runner.reset():
            runner.close()
            del self.runners[slot]

    def runner(self, slot: int):
        """The slot's runner, clean (release() made it so), or a new one."""
        from course.grading.launch import Runner
        runner = self.runners.pop(slot, None)
        if runner is not None and not runner.alive():
            runner.close()
            runner = None
        if runner is None:
            target = self.base / f"slot{slot}" / "submission"
            if target.exists():
                _remove(target)
            target.mkdir(parents=True)
            target.parent.chmod(0o711)
            runner = Runner(target, [self.course.data_path.parent], shared=True)
            runner.ready()                # here: the gradings forked from this process share what it read
            if os.geteuid() == 0:         # its own user's alone: no other runner may read this submission
                os.chown(target, runner.run_as, runner.run_as)
                target.chmod(0o700)
            else:
                target.chmod(0o755)
        self.runners[slot] = runner
        return runner

    def close(self) -> None:
        for runner in self.runners.values():
            runner.close()
        self.runners.clear()
        _remove(self.base)


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
    slots = RunnerSlots(course)
    try:
        job = start(course, student, folder, options, 0, slots.runner(0))
        for job, status in _wait({job.pid: job}, options):
            return finish(course, job, status, options)
    finally:
        slots.close()


# ------------------------------------------------------------------------------ the class
class Graded(list):
    """The records of a class grading (a list, by student id), with what was skipped and why.
    `student`: the one student this run graded (`--student`), or None for the class."""
    skipped: list[tuple[str, str]]
    student: str | None = None

    def concerned(self) -> tuple[list[dict], list[tuple[str, str]]]:
        """The records and the skipped entries the run speaks of: all of them, or with `--student`
        that student's alone (a stray file beside the submissions is not theirs)."""
        if self.student is None:
            return list(self), list(self.skipped)
        return ([r for r in self if r["student"] == self.student],
                [(n, why) for n, why in self.skipped if n == self.student or Path(n).stem == self.student])

    @property
    def complete(self) -> bool:
        """Whether every submission concerned was graded to completion (nothing of it skipped, timed
        out or crashed; a submission with nothing to grade is graded: it says so)."""
        records, skipped = self.concerned()
        return not skipped and all(r["ended"] in ("completed", *PROBLEMS) for r in records)


def check_options(jobs: int | None, options: Options) -> None:
    """Numbers an instructor typed: one line when one cannot work."""
    if jobs is not None and (not isinstance(jobs, int) or jobs < 1):
        raise CourseError(f"--jobs {jobs}: grade at least one submission at a time (--jobs 1 or more)")
    for flag, value in (("--check-timeout", options.check_timeout),
                        ("--submission-timeout", options.submission_timeout)):
        number = isinstance(value, (int, float))
        if value is not None and not (number and math.isfinite(value) and value > 0):
            shown = f"{value:g}" if number else f"{value}"
            raise CourseError(f"{flag} {shown}: a time limit is a number of seconds above 0")


def check_out(submissions: Path, out: Path) -> None:
    """`out` inside the submissions folder would be graded as a student by the next run."""
    sub, where = submissions.resolve(), out.resolve()
    if where == sub or sub in where.parents:
        raise CourseError(f"--out {out} is inside the submissions folder, where the next run would take it for "
                          f"a student; put it beside that folder instead (e.g. --out {sub.parent / 'results'})")


def selected_ids(course: Course, options: Options) -> list[str]:
    """The exercises a grading with `options` gives a row to."""
    return [ex.id for ex in graded_exercises(course, options) if options.notebooks or not ex.notebook]


def _up_to_date(old: dict | None, ids: list[str], fingerprint: str, graders: str) -> bool:
    """Whether `old` has a row for each of `ids` graded to completion on this submission with these
    graders (a grading that timed out or crashed is done again)."""
    rows = {r.get("id"): r for r in (old or {}).get("exercises", []) if isinstance(r, dict)}
    return bool(old) and all(i in rows and rows[i].get("submission_sha256") == fingerprint
                             and rows[i].get("graders_sha256") == graders
                             and rows[i].get("ended") == "completed" for i in ids)   # a cut-short one: again


ENDINGS = ("crashed", "timed out", "completed")     # a merged record ends as the worst of its rows


def merge(course: Course, old: dict | None, new: dict, options: Options) -> dict:
    """The student's record after grading `options`' selection: the new rows replace the old ones
    of the same exercises; rows of exercises outside the selection are kept as they were."""
    if not old or not isinstance(old.get("exercises"), list):
        return new
    rows = {r["id"]: r for r in old["exercises"] if isinstance(r, dict) and "id" in r}
    rows.update({r["id"]: r for r in new["exercises"]})
    ordered = [rows[ex.id] for ex in course.exercises if ex.id in rows]
    chosen = {ex.assignment for ex in graded_exercises(course, options)}
    manual = {k: v for k, v in (old.get("manual") or {}).items() if k not in chosen}
    manual.update(new["manual"])
    if new["ended"] in PROBLEMS:                      # nothing handed in now: said as the grading's status
        ending = new["ended"]
    else:                                             # rows kept from a grading of nothing are not failures
        endings = {r.get("ended", old.get("ended", "completed")) for r in ordered} | {new["ended"]}
        ending = next((e for e in ENDINGS if e in endings), "completed")
    kept = {k: old[k] for k in ("manual_scores",) if k in old}    # merged by hand once: never dropped here
    return {**kept, **new, "ended": ending,
            "total": sum(r["points"] for r in ordered), "max_total": sum(r["max_points"] for r in ordered),
            "manual": manual, "manual_pending": sum(manual.values()), "exercises": ordered}


def grade_class(course: Course, submissions: Path, out: Path, jobs: int | None = None,
                options: Options | None = None, fresh: bool = False, progress=None,
                student: str | None = None, gradebook: Path | None = None) -> Graded:
    """Grade every student of `submissions` into `out` (only `student`, when given, and always
    again); returns the records of the whole class, by student id, with what was skipped.

    What `out` holds already is merged, not overwritten: a grading of some exercises (`--only`)
    replaces those exercises' rows of each student and keeps the others; a student not graded
    this time keeps their record."""
    options = options or Options()
    check_options(jobs, options)
    check_out(submissions, out)
    jobs = jobs or len(os.sched_getaffinity(0))
    roster, skipped = students(submissions)
    if student is not None:
        if student not in dict(roster):
            raise CourseError(f"--student {student}: no folder or .zip of that name in {submissions} "
                              f"(students: {', '.join(s for s, _ in roster[:8])}{' ...' if len(roster) > 8 else ''})")
    graded_exercises(course, options)               # an unknown --only stops here, before any work
    manual = read_gradebook(course, gradebook) if gradebook is not None else None
    ids = selected_ids(course, options)
    snapshot = course_snapshot(course)
    graders = digest(course.root, list(snapshot), snapshot)
    hidden = hidden_checks(course)
    if student is None:
        warm_graders(course)                          # what every judge would compute alike, once
    out.mkdir(parents=True, exist_ok=True)
    records, todo, olds, unsubmitted = {}, [], {}, []
    # Every submission is copied (a .zip unpacked) before the first one runs: nothing a grading
    # does (or anyone else does meanwhile) changes what the others hand in.
    staged = Path(tempfile.mkdtemp(prefix="course-submissions-"))
    running: dict[int, Job] = {}
    slots = RunnerSlots(course)
    bar = progress
    try:
        for sid, path in roster:
            old = olds[sid] = _read_record(out, sid)
            if student is not None and sid != student:
                if old:
                    records[sid] = old                # not graded this time: kept as it is
                continue
            try:
                if path.suffix.lower() == ".zip" and not path.is_dir():
                    folder = unpack_zip(path, staged / sid)
                else:
                    folder = _stage(path, staged / sid)
                fingerprint = digest(folder, submission_files(folder))
            except (UnsafeZip, OSError) as exc:          # one student's files: the class goes on
                why = str(exc) if isinstance(exc, UnsafeZip) else f"it cannot be copied ({type(exc).__name__}: {exc})"
                skipped.append((safe_text(path.name), safe_text(why, 300)))
                if old:
                    records[sid] = old
                continue
            located, problem = locate(folder, course)   # the one rule Gradescope's runner follows too
            if not fresh and student is None and _up_to_date(old, ids, fingerprint, graders):
                records[sid] = old                    # graded already, and nothing has changed since
            elif problem:
                unsubmitted.append((sid, problem, fingerprint))
            else:
                todo.append((sid, located, fingerprint))
        for name, why in skipped:
            print(f"skipped {name}: {why}", file=sys.stderr)
        bar = bar or Progress(len(todo) + len(unsubmitted) + sum(1 for sid, _ in roster if sid in records and
                                                                  (student is None or sid == student)))
        done = len(records) if student is None else 0
        bar.update(done, 0 if student is not None else sum(_troubled(r) for r in records.values()))
        fingerprints, fresh_records = {}, []

        def conclude(sid: str, make) -> None:
            """The student's record from `make()`, merged with what `out` held, written."""
            try:                                      # a failure here is this student's, not the class's
                record = make()
                for r in record["exercises"]:
                    r.update(submission_sha256=fingerprints[sid], graders_sha256=graders)
                record = merge(course, olds.get(sid), record, options)
                apply_manual(course, record, manual)
            except Exception as exc:  # noqa: BLE001 - recorded for the student
                record = failed_record(course, sid, options, exc)
                try:                                  # what it did not grade again is kept
                    record = merge(course, olds.get(sid), record, options)
                    apply_manual(course, record, manual)
                except Exception:  # noqa: BLE001 - the failed record alone, then
                    pass
            record = _written(out, course, record, hidden, options)
            records[sid] = record
            fresh_records.append(record)
            write_csv(out, course, [records[s] for s, _ in roster if s in records])
            shown = fresh_records if student is not None else list(records.values())
            bar.update(len(shown) if student is not None else len(records), sum(_troubled(r) for r in shown))

        for sid, problem, fingerprint in unsubmitted:  # nothing to grade: no judge, the status says why
            fingerprints[sid] = fingerprint
            conclude(sid, lambda sid=sid, problem=problem: unsubmitted_record(course, sid, options, problem))
        while todo or running:
            while todo and len(running) < jobs:
                sid, folder, fingerprint = todo.pop(0)
                fingerprints[sid] = fingerprint
                slot = min(set(range(jobs)) - {j.slot for j in running.values()})
                job = start(course, sid, folder, options, slot, slots.runner(slot))
                running[job.pid] = job
            for job, status in _wait(running, options):
                slots.release(job.slot)
                conclude(job.student, lambda job=job, status=status: finish(course, job, status, options))
                break                                 # start the next one while the others run
    finally:
        for pid, job in running.items():            # interrupted: stop what is still running
            try:
                os.killpg(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass
            _remove(job.private)
        slots.close()
        _remove(staged)
        if bar is not None:
            bar.close()
    ordered = Graded(records[s] for s, _ in roster if s in records)
    ordered.skipped, ordered.student = skipped, student
    for i, record in enumerate(ordered):            # outputs of resumed students are rewritten as well
        try:
            apply_manual(course, record, manual)
        except Exception as exc:  # noqa: BLE001 - recorded for the student
            record = merge(course, record, failed_record(course, record.get("student", "?"), options, exc), options)
        ordered[i] = _written(out, course, record, hidden, options)
    write_csv(out, course, ordered)
    from course.classgrade import classreport
    classreport.write(out, course, ordered, skipped)
    return ordered


def _written(out: Path, course: Course, record: dict, hidden: set[str], options: Options) -> dict:
    """Write the student's files; when that fails, their record says so (and is written in its
    place, as far as it can be): the class goes on."""
    try:
        write_student(out, course, record, hidden)
        return record
    except Exception as exc:  # noqa: BLE001 - recorded for the student
        failed = failed_record(course, record.get("student", "?"), options, exc)
        try:
            write_student(out, course, failed, hidden)
        except Exception as again:  # noqa: BLE001 - said on the terminal; grades.csv still has the row
            print(f"course grade: the results of {failed['student']} cannot be written "
                  f"({safe_text(again, 200)})", file=sys.stderr)
        return failed


def _stage(folder: Path, copy: Path) -> Path:
    """A private copy of the submission `folder` (its regular files; links are not followed)."""
    copy.mkdir(parents=True)
    for rel in submission_files(folder):
        (copy / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(folder / rel, copy / rel)
    return copy


def _troubled(record: dict) -> bool:
    """Whether the grading of `record` met an error or a timeout (a submission with nothing to
    grade is not one: its status says so)."""
    return record["ended"] in ("crashed", "timed out") or any(
        r["status"] in ("error", "timed out") and not r.get("missing") for r in record["exercises"])


def _read_record(out: Path, student: str) -> dict | None:
    try:
        record = safe_data(json.loads((out / "students" / student / "scores.json").read_text()))
        return record if isinstance(record, dict) and isinstance(record.get("exercises"), list) else None
    except (OSError, ValueError, RecursionError):
        return None


class Progress:
    """students done / total and failures so far: a tqdm bar on stderr (in place on a terminal;
    elsewhere, a line per student)."""

    def __init__(self, total: int, stream=None, width: int = 30):
        from tqdm import tqdm
        self.stream = stream or sys.stderr
        tty = getattr(self.stream, "isatty", lambda: False)()
        self.last = None

        class Bar(tqdm):
            monitor_interval = 0          # no monitor thread: this process forks the gradings

        self.bar = Bar(total=total, file=self.stream if tty else _Lines(self.stream), ascii=".#",
                       mininterval=0, miniters=1, postfix="0 with errors or timeouts",
                       bar_format=f"grading [{{bar:{width}}}] {{n}}/{{total}} students{{postfix}}")

    def update(self, done: int, failures: int) -> None:
        if (done, failures) == self.last:
            return
        self.last = (done, failures)
        self.bar.set_postfix_str(f"{failures} with errors or timeouts", refresh=done == self.bar.n)
        self.bar.update(done - self.bar.n)

    def close(self) -> None:
        self.bar.close()


class _Lines:
    """A log file or a pipe: each redraw of the bar (tqdm starts one with '\\r') as a line of its own."""

    def __init__(self, stream):
        self.stream, self.last = stream, None

    def write(self, text: str) -> None:
        line = text.replace("\r", "").rstrip()
        if line and line != self.last:         # closing the bar draws its last line again
            self.stream.write(line + "\n")
            self.last = line

    def flush(self) -> None:
        self.stream.flush()


# ------------------------------------------------------------------------------ manual points
def read_gradebook(course: Course, path: Path) -> dict:
    """The manual points of nbgrader's gradebook (read with nbgrader.api.Gradebook, from a copy:
    the instructor's file is never written): student -> assignment -> cell -> points, or None for
    a cell still to be graded by hand."""
    path = Path(path)
    if not path.is_file():
        raise CourseError(f"--gradebook {path}: no such file (nbgrader's gradebook.db, e.g. .nbgrader/gradebook.db)")
    import sqlite3
    try:
        with sqlite3.connect(f"file:{path.resolve()}?mode=ro", uri=True) as db:
            tables = {t for (t,) in db.execute("select name from sqlite_master where type='table'")}
    except sqlite3.Error:
        tables = set()
    if not {"grade", "grade_cells", "submitted_notebook", "student"} <= tables:
        raise CourseError(f"--gradebook {path}: not an nbgrader gradebook (give nbgrader's gradebook.db)")
    from nbgrader.api import Gradebook, MissingEntry
    found: dict = {}
    with tempfile.TemporaryDirectory(prefix="course-gradebook-") as tmp:
        copy = Path(tmp) / "gradebook.db"
        shutil.copyfile(path, copy)
        with Gradebook(f"sqlite:///{copy}") as gb:
            for student in gb.students:
                for a in course.assignments:
                    for nb in a.notebooks:
                        try:
                            sub = gb.find_submission_notebook(Path(nb).stem, a.id, student.id)
                        except MissingEntry:
                            continue
                        cells = found.setdefault(student.id, {}).setdefault(a.id, {})
                        for g in sub.grades:
                            if g.name in a.manual:
                                pending = g.needs_manual_grade or g.score is None
                                cells[g.name] = None if pending else min(float(g.score), a.manual[g.name])
    return found


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _tidy(value: float):
    return int(value) if value == int(value) else value


def apply_manual(course: Course, record: dict, gradebook: dict | None) -> None:
    """Set the record's manual points. The points graded by hand are kept in the record
    (`manual_scores`: assignment -> cell -> points, or None while pending) once a gradebook gave
    them, and survive every later run: a gradebook given again updates the cells it holds for
    the student (re-read), a run without one keeps them as they are. Counted are the cells of the
    assignments whose notebook was handed in (`manual`); the rest of those cells stay pending."""
    stored: dict = {}
    for a in course.assignments:                      # what an earlier merge left, checked as any input is
        cells = (record.get("manual_scores") or {}).get(a.id)
        if isinstance(cells, dict):
            kept = {c: (min(max(float(v), 0.0), a.manual[c]) if _number(v) else None)
                    for c, v in cells.items() if c in a.manual}
            if kept:
                stored[a.id] = kept
    for a_id, cells in ((gradebook or {}).get(record["student"]) or {}).items():
        stored.setdefault(a_id, {}).update(cells)     # re-read: the gradebook's cells replace the kept ones
    points, pending, graded, cells = 0.0, 0.0, 0, []
    for a in course.assignments:
        if a.id not in (record.get("manual") or {}):
            continue                                   # no notebook of it handed in, or not graded
        for cell, worth in a.manual.items():
            got = stored.get(a.id, {}).get(cell)
            if got is None:
                pending += worth
                cells.append(f"{a.id}/{cell}")
            else:
                points += got
                graded += 1
    if stored or gradebook is not None or "manual_scores" in record:
        record["manual_scores"] = stored              # a gradebook was merged once: kept from now on
    record["manual_points"] = _tidy(points) if "manual_scores" in record else None
    record["manual_pending"] = _tidy(pending)
    record["manual_pending_cells"] = cells
    record["manual_graded_cells"] = graded
    record["manual_max"] = _tidy(sum(v for v in (record.get("manual") or {}).values() if _number(v)))


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
    _atomic_write(folder / "output.txt", printed_output(record))
    _atomic_write(folder / "scores.json", json.dumps(record, indent=1) + "\n")   # last: marks it done


def printed_output(record: dict) -> str:
    """What the student's code printed, check by check (each capped at PRINTED_PER_CHECK
    characters, the whole at PRINTED_PER_STUDENT). For the instructor: code can print what a
    hidden check gave it, so this file is not handed out as feedback.md is."""
    lines = [f"# What {record['student']}'s code printed while it was graded (for the instructor: it may "
             "show the inputs of hidden checks)", ""]
    size, cut = 0, False
    for r in record["exercises"]:
        for c in r.get("checks", []):
            text = c.get("printed") or ""
            if not text:
                continue
            tier = " (hidden check)" if c.get("name", "").startswith("test_hidden_") else ""
            if size + len(text) > PRINTED_PER_STUDENT:
                cut = True
                break
            size += len(text)
            lines += [f"## {r['id']}: {c.get('name')}{tier}, {c.get('status')}",
                      text.rstrip("\n") + ("\n[... cut: the first {:,} characters are kept]".format(PRINTED_PER_CHECK)
                                            if len(text) >= PRINTED_PER_CHECK else ""), ""]
        if cut:
            lines.append(f"[... the rest is not kept: {PRINTED_PER_STUDENT:,} characters at most a student]")
            break
    if not size:
        lines.append("(nothing printed)")
    return "\n".join(lines) + "\n"


def write_csv(out: Path, course: Course, records: list[dict]) -> None:
    graded = {r["id"] for record in records for r in record["exercises"]}
    ids = [ex.id for ex in course.exercises if ex.id in graded]
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["student", *ids, "total", "max_total", "manual", "manual_pending", "manual_max",
                     "combined", "combined_max", "grading"])
    for record in records:
        points = {r["id"]: r["points"] for r in record["exercises"]}
        manual = record.get("manual_points")
        manual_max = record.get("manual_max", sum((record.get("manual") or {}).values()))
        writer.writerow([record["student"], *(points.get(i, "") for i in ids), record["total"],
                         record["max_total"], "" if manual is None else manual, record.get("manual_pending", 0),
                         manual_max, _tidy(record["total"] + (manual or 0)), _tidy(record["max_total"] + manual_max),
                         record["ended"]])
    _atomic_write(out / "grades.csv", buf.getvalue())


def _summary(record: dict) -> str:
    if record.get("problem"):
        return f"Nothing of your submission could be graded: {record['problem']}. 0 / {record['max_total']} points."
    text = f"{record['total']} / {record['max_total']} points, graded automatically"
    if record.get("manual_points") is not None and record.get("manual"):
        text += f"; {record['manual_points']:g} points of written answers graded by your instructor"
    if record.get("manual_pending"):
        text += f"; {record['manual_pending']:g} more points of written answers are read by your instructor"
    if record.get("manual_points") is not None and record.get("manual"):
        text += (f"; in all {record['total'] + record['manual_points']:g} / "
                 f"{record['max_total'] + record.get('manual_max', 0):g} points so far")
    if record["ended"] == "timed out":
        text += ". The grading of your submission ran out of time; what was not graded scores 0"
    elif record["ended"] == "crashed":
        text += ". The grading of your submission stopped unexpectedly; what was not graded scores 0"
    return text + "."


def feedback(course: Course, record: dict, hidden: set[str]) -> str:
    """The learner's report: each exercise's status, points and message; no test source."""
    lines = [f"# Feedback: {record['student']}", "", _summary(record), ""]
    if record.get("problem"):
        lines += [f"Hand in the files of your exercises/ folder ({', '.join(course_file_names(course)[:3])}, ...): "
                  "at the top level of your submission, in its exercises/ folder, or in one folder around them.", ""]
    lines += ["| exercise | points | status |", "|---|---:|---|"]
    for r in record["exercises"]:
        lines.append(f"| {r['id']} | {r['points']} / {r['max_points']} | {r['status']} |")
    for r in record["exercises"]:
        if (r["status"] == "passed" and not r["message"]) or r["status"] == "not submitted":
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


def gradescope_results(record: dict, hidden: set[str], visibility: str = "visible") -> dict:
    """Gradescope's results.json: the score and one test per exercise, shown to the student as
    `visibility` says (Gradescope's field: visible, hidden, after_due_date, after_published)."""
    tests = []
    for r in record["exercises"]:
        output = f"{r['status']}" + (f": {r['message']}" if r["message"] else "")
        if any(c.get("name") in hidden and c.get("status") != "passed" for c in r.get("checks", [])):
            output += "\n(from a hidden check: inputs you have not seen)"
        tests.append({"name": r["id"], "score": r["points"], "max_score": r["max_points"],
                      "status": "passed" if r["status"] == "passed" else "failed",
                      "output": output, "visibility": visibility})
    return {"score": record["total"], "max_score": record["max_total"], "output": _summary(record),
            "visibility": visibility, "stdout_visibility": "hidden",
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


def warm_graders(course: Course) -> None:
    """Let each grader file that has a `warm_up()` compute, once, here, what every student's judge
    would otherwise compute alike from nothing a learner gives (course/checks.py: `share`), so
    that the judges forked from this process inherit it. The graders are loaded as the judge
    loads them (a hidden twin finds its public twin by name) and leave no module or path behind."""
    import importlib.util
    graders = course.root / "autograder"
    files = [p for p in sorted(graders.glob("test_*.py")) if "def warm_up(" in p.read_text()]
    if not files:
        return
    torch.set_num_threads(1)
    modules, path = dict(sys.modules), list(sys.path)
    try:
        loaded = []
        for file in files + [p for p in sorted((graders / "hidden").glob("test_*.py"))
                             if any(f"from {f.stem} import" in p.read_text() for f in files)]:
            spec = importlib.util.spec_from_file_location(file.stem, file)
            module = importlib.util.module_from_spec(spec)
            sys.modules[file.stem] = module
            spec.loader.exec_module(module)
            loaded.append(module)
        for module in loaded:
            if hasattr(module, "warm_up"):
                module.warm_up()
    finally:                  # the graders go; what they imported (torch's modules, the course's) stays
        for name, module in list(sys.modules.items()):
            where = getattr(module, "__file__", None) or ""
            if name not in modules and Path(where).is_relative_to(graders):
                del sys.modules[name]
        sys.modules.update({name: module for name, module in modules.items() if name.startswith("test_")})
        sys.path[:] = path


def cmd_grade(args) -> int:
    from course.grading import sandbox
    from course.authoring.preflight import require
    options = Options(check_timeout=args.check_timeout, submission_timeout=args.submission_timeout,
                      notebooks=not args.no_notebooks, only=tuple(args.only or ()))
    check_options(args.jobs, options)  # a typo stops here, in one line, before any work
    check_out(Path(args.submissions), Path(args.out))
    course = load()
    require(course, "grade")           # authoring slips stop here, not in a class's grades
    if sandbox.level() == "none" and not args.unsafe_no_sandbox:
        raise CourseError(f"no sandbox for learner code on this machine ({sandbox.reason()}): a submission could "
                          "read the hidden graders and change results. `course doctor` says more; pass "
                          "--unsafe-no-sandbox only for submissions you trust")
    exposed = sandbox.exposed_secrets(course.root) if sandbox.level() == "user" else []
    if exposed and not args.unsafe_no_sandbox:
        raise CourseError(f"learner code would run as another user who can read {', '.join(map(str, exposed))} "
                          f"(sandbox level user: {sandbox.reason()}): `chmod -R go-rwx "
                          f"{' '.join(map(str, exposed))}`, or run where bubblewrap works (`course doctor`)")
    print(sandbox.describe())
    torch.set_num_threads(1)
    _warm_up()
    out = Path(args.out)
    records = grade_class(course, Path(args.submissions), out, jobs=args.jobs, options=options, fresh=args.fresh,
                          student=args.student, gradebook=Path(args.gradebook) if args.gradebook else None)
    if records:
        mean = sum(r["total"] for r in records) / len(records)
        print(f"graded {len(records)} submissions: mean {mean:.1f} / {records[0]['max_total']} points")
    concerned, skipped = records.concerned()
    problems = [r["student"] for r in concerned if _troubled(r)]
    empty = [f"{r['student']} ({r['ended']})" for r in concerned if r["ended"] in PROBLEMS]
    if empty:
        print(f"{len(empty)} with nothing to grade: {', '.join(empty[:10])}" + (" ..." if len(empty) > 10 else ""))
    if problems:
        print(f"{len(problems)} with errors or timeouts: {', '.join(problems[:10])}"
              + (" ..." if len(problems) > 10 else ""))
    print(f"grades: {out / 'grades.csv'}; class report: {out / 'summary.md'}; "
          f"feedback, output and Gradescope results: {out / 'students'}/<id>/")
    unfinished = [r["student"] for r in concerned if r["ended"] not in ("completed", *PROBLEMS)]
    if records.complete:
        return 0
    what = []
    if unfinished:
        what.append(f"{len(unfinished)} not graded to the end ({', '.join(unfinished[:5])}"
                    f"{' ...' if len(unfinished) > 5 else ''}: see their feedback.md)")
    if skipped:
        what.append(f"{len(skipped)} skipped ({', '.join(n for n, _ in skipped[:5])}"
                    f"{' ...' if len(skipped) > 5 else ''}: see above)")
    print(f"course grade: {' and '.join(what)}; exit status {INCOMPLETE}", file=sys.stderr)
    return INCOMPLETE


INCOMPLETE = 3      # exit status: the grading ran, but not every submission was graded to completion


def add_parser(sub) -> None:
    p = sub.add_parser("grade",
                       epilog="exit status: 0 every submission graded to completion (with --student: that one); "
                              "2 nothing graded (a problem with the command or the course, said in one line); "
                              "3 graded, but some submission timed out, crashed the grading or was skipped "
                              "(listed). The instructor's guide: docs/instructor.md")
    p.add_argument("submissions", help="a folder with one folder (or .zip) per student (its name is the student "
                                       "id); in each, the files of exercises/ at the top, in exercises/ or in one "
                                       "nested folder")
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
                   help="grade only this assignment, module, notebook or exercise (repeat for more); the "
                        "other exercises' grades in --out are kept")
    p.add_argument("--student", metavar="ID", default=None,
                   help="grade this one student again (the others' records are kept)")
    p.add_argument("--gradebook", metavar="PATH", default=None,
                   help="nbgrader's gradebook.db: the written answers' points graded in the formgrader go "
                        "into grades.csv (the rest stay pending), and are kept by every later run")
    p.set_defaults(run=cmd_grade)

"""The class: who handed in what (`Roster`), each submission copied before the first one runs
(`stage`; a student's .zip unpacked with checks, `unpack_zip`), and where its course files are
(`locate`, the one rule Gradescope's run_autograder follows too).

SUBMISSIONS holds one folder (or .zip) per student; its name is the student id. A submission's
course files are at its top level, in its `exercises/`, or in one nested folder (a whole course
folder handed in); one with nothing to grade gets a status of its own (EMPTY, NO_COURSE_FILES).
Links are never followed, and a copy holds regular files only.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import stat
import sys
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from course.grading.seam import safe_text
from course.manifest import Course, CourseError

# What a submission may hold: the files of exercises/, nothing huge.
MAX_FILE_BYTES = 20 * 2**20
SKIPPED = {"__pycache__", ".ipynb_checkpoints", ".git", "__MACOSX"}
# A student's .zip: at most this many files, this many bytes unpacked (each file MAX_FILE_BYTES).
MAX_ZIP_FILES = 500
MAX_ZIP_BYTES = 100 * 2**20

EMPTY = "empty submission"
NO_COURSE_FILES = "no course files found"
PROBLEMS = (EMPTY, NO_COURSE_FILES)         # a submission with nothing to grade: a status of its own


# ------------------------------------------------------------------------------ the class
@dataclass
class Roster:
    """The class: (student id, folder or .zip) in id order, and what is skipped, with why."""
    entries: list[tuple[str, Path]]
    skipped: list[tuple[str, str]] = field(default_factory=list)

    @classmethod
    def read(cls, submissions: Path, student: str | None = None) -> Roster:
        """The class in `submissions`; `student`, when given, must be one of it."""
        roster = cls(*students(submissions))
        ids = [sid for sid, _ in roster.entries]
        if student is not None and student not in ids:
            raise CourseError(f"--student {student}: no folder or .zip of that name in {submissions} "
                              f"(students: {', '.join(ids[:8])}{' ...' if len(ids) > 8 else ''})")
        return roster

    def skip(self, path: Path, exc: Exception) -> None:
        """A submission that cannot be copied: skipped, said once (`say_skipped`); the class goes on."""
        why = str(exc) if isinstance(exc, UnsafeZip) else f"it cannot be copied ({type(exc).__name__}: {exc})"
        self.skipped.append((safe_text(path.name), safe_text(why, 300)))

    def say_skipped(self) -> None:
        for name, why in self.skipped:
            print(f"skipped {name}: {why}", file=sys.stderr)


def students(submissions: Path) -> tuple[list[tuple[str, Path]], list[tuple[str, str]]]:
    """The class: (student id, folder or .zip) in id order, and what is skipped, with why.
    A folder's name is the student id; so is a .zip's name without .zip (a folder wins over a
    .zip of the same name). A name that is not UTF-8 gives the id its escape (safe_text)."""
    if not submissions.is_dir():
        raise CourseError(f"{submissions}: no such folder (it should hold one folder per student)")
    found, skipped = {}, []
    entries = [p for p in sorted(submissions.iterdir()) if not p.name.startswith((".", "_"))]
    for p in entries:
        if p.is_symlink():
            skipped.append((safe_text(p.name), "a symbolic link (links are never followed: copy the submission in)"))
        elif p.is_dir():
            sid = safe_text(p.name, None)
            if sid in found:
                skipped.append((sid, f"another folder's name reads {sid} too: rename one of them"))
            else:
                found[sid] = p
    for p in entries:
        if p.is_symlink() or p.is_dir():
            continue
        sid = safe_text(p.stem, None)
        if p.suffix.lower() != ".zip":
            skipped.append((safe_text(p.name), "not a folder or a .zip (unpack it into a folder named after the "
                                               "student)"))
        elif sid in found:
            skipped.append((safe_text(p.name), f"the folder {sid}/ is graded instead (one submission per student)"))
        else:
            found[sid] = p
    if not found:
        raise CourseError(f"{submissions}: no student folders or .zip files in it")
    return sorted(found.items()), skipped


# ------------------------------------------------------------------------------ a submission
@dataclass(frozen=True)
class Staged:
    """A submission copied for grading: its course files' folder in the copy, the digest of
    what was handed in, and why nothing can be graded (None: something can)."""
    student: str
    folder: Path
    fingerprint: str
    problem: str | None = None


def stage(course: Course, student: str, path: Path, into: Path) -> Staged:
    """A private copy of the submission at `path` (a folder, or a .zip unpacked) in `into`.
    Raises UnsafeZip or OSError: that student is skipped."""
    if path.suffix.lower() == ".zip" and not path.is_dir():
        copy = unpack_zip(path, into / student)
    else:
        copy = copy_files(path, into / student)
    fingerprint = digest(copy, submission_files(copy))
    folder, problem = locate(copy, course)
    return Staged(student, folder, fingerprint, problem)


@contextmanager
def private_folder(prefix: str) -> Iterator[Path]:
    """A temporary folder of this process, removed (whatever its files' modes) when done."""
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield folder
    finally:
        remove(folder)


def graded_notebooks(course: Course) -> list[str]:
    """The notebooks that have autograded questions (exercises with a `notebook`)."""
    return list(dict.fromkeys(ex.notebook for ex in course.exercises if ex.notebook))


def course_file_names(course: Course) -> list[str]:
    """The files a learner hands in: each module of exercises/ and each graded notebook."""
    return [f"{m}.py" for m in course.modules] + graded_notebooks(course)


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


def copy_files(folder: Path, copy: Path) -> Path:
    """Copy the submission `folder`'s regular files (submission_files) into `copy`; returns `copy`."""
    copy.mkdir(parents=True, exist_ok=True)
    for rel in submission_files(folder):
        (copy / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(folder / rel, copy / rel)
    return copy


def digest(root: Path, files: list[Path], blobs: dict[Path, bytes] | None = None) -> str:
    """One sha256 over the names and bytes of `files`: what decides whether to grade again."""
    h = hashlib.sha256()
    for rel in files:
        h.update(os.fsencode(rel.as_posix()) + b"\0")          # a name need not be UTF-8: its bytes
        h.update(hashlib.sha256(blobs[rel] if blobs else (root / rel).read_bytes()).digest())
    return h.hexdigest()


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
    for d in (folder, folder / "exercises"):
        if d.is_dir() and not d.is_symlink() and count(d):
            return d, None
    nested = []
    for d in _folders(folder):
        if d.name != "exercises":
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


# ------------------------------------------------------------------------------ a student's .zip
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
            members = _members(zf)
            tops = {parts[0] for _, parts in members}
            strip = 1 if len(tops) == 1 and all(len(parts) > 1 for _, parts in members) else 0
            total = 0
            for info, parts in members:
                target = dest.joinpath(*parts[strip:])
                target.parent.mkdir(parents=True, exist_ok=True)
                total = _unpack_one(zf, info, parts, target, total)
    except UnsafeZip:
        remove(dest)
        dest.mkdir()
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, NotImplementedError, RuntimeError) as exc:
        remove(dest)
        dest.mkdir()
        raise UnsafeZip(f"it cannot be unpacked ({type(exc).__name__}: {str(exc)[:120]})") from None
    return dest


def _members(zf: zipfile.ZipFile) -> list[tuple[zipfile.ZipInfo, list[str]]]:
    """The files of a zip to unpack, with their path parts; raises UnsafeZip at the first that
    could land outside its folder, and for too many files."""
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
    return members


def _unpack_one(zf: zipfile.ZipFile, info: zipfile.ZipInfo, parts: list[str], target: Path, total: int) -> int:
    """Unpack one member to `target`, counting its bytes as they are read; returns the zip's
    bytes so far (raises UnsafeZip past a cap)."""
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
    return total


# ------------------------------------------------------------------------------ private folders
def empty(folder: Path) -> None:
    """Remove what `folder` holds, and keep it."""
    for entry in folder.iterdir():
        if entry.is_dir() and not entry.is_symlink():
            remove(entry)
        else:
            entry.unlink()


def remove(path: Path) -> None:
    """Remove the folder `path` and all it holds, whatever its files' modes (a grading makes its
    copy of the graders read-only)."""
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

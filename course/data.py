"""The bundled data set, checked against the sha256 that course.toml records."""
from __future__ import annotations

from course.files import sha256
from course.manifest import Course, CourseError, load


def load_words(course: Course | None = None) -> list[str]:
    """The names of data/names.txt, one per line, after checking the file's sha256."""
    course = course or load()
    path = course.data_path
    try:
        blob = path.read_bytes()
    except FileNotFoundError:
        raise CourseError(f"{path}: not found; it ships with the course (see data/README.md)") from None
    digest = sha256(blob)
    expected = course.data.sha256
    if digest != expected:
        raise CourseError(f"{path}: sha256 is {digest[:12]}…, course.toml expects {expected[:12]}…; "
                          "restore the file (git checkout data/names.txt) or rebuild it with data/make_names.py")
    return blob.decode().split()

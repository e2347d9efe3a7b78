"""The written answers' points, graded by hand in nbgrader's formgrader: read from its gradebook
(`read_gradebook`, never written), and set in each student's record (`apply`), where they are
kept from then on: a later run without the gradebook keeps them, a run with it reads them again."""
from __future__ import annotations

import shutil
import sqlite3
import tempfile
from dataclasses import replace
from pathlib import Path

from course.classgrade.records import StudentRecord, is_number, tidy
from course.manifest import Course, CourseError

# student -> assignment -> cell -> points, or None for a cell still to be graded by hand
Gradebook = dict[str, dict[str, dict[str, float | None]]]


def read_gradebook(course: Course, path: Path) -> Gradebook:
    """The manual points of nbgrader's gradebook (read with nbgrader.api.Gradebook, from a copy:
    the instructor's file is never written)."""
    path = Path(path)
    if not path.is_file():
        raise CourseError(f"--gradebook {path}: no such file (nbgrader's gradebook.db, e.g. .nbgrader/gradebook.db)")
    try:
        with sqlite3.connect(f"file:{path.resolve()}?mode=ro", uri=True) as db:
            tables = {t for (t,) in db.execute("select name from sqlite_master where type='table'")}
    except sqlite3.Error:
        tables = set()
    if not {"grade", "grade_cells", "submitted_notebook", "student"} <= tables:
        raise CourseError(f"--gradebook {path}: not an nbgrader gradebook (give nbgrader's gradebook.db)")
    with tempfile.TemporaryDirectory(prefix="course-gradebook-") as tmp:
        copy = Path(tmp) / "gradebook.db"
        shutil.copyfile(path, copy)
        return _cells(course, copy)


def _cells(course: Course, copy: Path) -> Gradebook:
    from nbgrader.api import Gradebook as NbgraderGradebook, MissingEntry
    found: Gradebook = {}
    with NbgraderGradebook(f"sqlite:///{copy}") as gb:
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


def apply(course: Course, record: StudentRecord, gradebook: Gradebook | None) -> StudentRecord:
    """The record with its manual points set. The points graded by hand are kept in the record
    (`manual_scores`: assignment -> cell -> points, or None while pending) once a gradebook gave
    them, and survive every later run: a gradebook given again updates the cells it holds for
    the student (re-read), a run without one keeps them as they are. Counted are the cells of the
    assignments whose notebook was handed in (`manual`); the rest of those cells stay pending."""
    stored: dict = {}
    for a in course.assignments:                      # what an earlier merge left, checked against course.toml
        kept = {c: (min(max(float(v), 0.0), a.manual[c]) if is_number(v) else None)
                for c, v in (record.manual_scores or {}).get(a.id, {}).items() if c in a.manual}
        if kept:
            stored[a.id] = kept
    for a_id, cells in ((gradebook or {}).get(record.student) or {}).items():
        stored.setdefault(a_id, {}).update(cells)     # re-read: the gradebook's cells replace the kept ones
    points, pending, graded, cells = 0.0, 0.0, 0, []
    for a in course.assignments:
        if a.id not in record.manual:
            continue                                   # no notebook of it handed in, or not graded
        for cell, worth in a.manual.items():
            got = stored.get(a.id, {}).get(cell)
            if got is None:
                pending += worth
                cells.append(f"{a.id}/{cell}")
            else:
                points += got
                graded += 1
    scores = stored if stored or gradebook is not None or record.manual_scores is not None else None
    return replace(record, manual_scores=scores, manual_points=tidy(points) if scores is not None else None,
                   manual_pending=tidy(pending), manual_pending_cells=cells, manual_graded_cells=graded)

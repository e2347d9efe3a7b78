"""The progress of a class grading: students done out of the class, and how many of them had errors
or timeouts so far (drawn by course/progress.py: in place on a terminal, a line per student elsewhere)."""
from __future__ import annotations

from course.progress import Progress as Bar

LINE = "grading [{bar:30}] {n}/{total} students, {failures} with errors or timeouts"


class Progress:
    def __init__(self, total: int, stream=None):
        self.bar = Bar(total, LINE, stream, draw_at_start=True, failures=0)

    def update(self, done: int, failures: int) -> None:
        self.bar.update(done, failures=failures)

    def close(self) -> None:
        self.bar.close()

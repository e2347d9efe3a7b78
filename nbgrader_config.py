"""nbgrader's configuration for this course. It reads course.toml rather than repeating it.

Which notebooks go through nbgrader: those with nbgrader cells, the recall test. The lecture
notebooks have none and import the modules beside them (`exercises/02-bigram.ipynb` imports
`exercises/bigram.py`), so `course notebooks` copies them to exercises/ itself, outputs cleared.

How nbgrader's folders map onto the course's. nbgrader wants one folder per assignment
(`source/<assignment>/<notebook>.ipynb`); the course keeps its notebooks flat in solutions/. So
nbgrader works in `.nbgrader/`, inside the course and ignored by git, and `course notebooks`
does the mapping (run it first: nbgrader's own commands need what it stages):

    solutions/<notebook>         ->  .nbgrader/source/<assignment>/<notebook>     (copied in)
    nbgrader generate_assignment ->  .nbgrader/release/<assignment>/<notebook>
    .nbgrader/release/...        ->  exercises/<notebook>                         (copied out)

where <assignment> is the assignment of course.toml that lists the notebook. A source notebook
edited in .nbgrader/source/ (the formgrader's edit links lead there) is never overwritten:
solutions/' version goes beside it as `.ipynb.new`, which nbgrader is told to ignore below.
The gradebook and the exchange live in `.nbgrader/` too: nothing is written outside the course
directory (nbgrader's default exchange is /srv/nbgrader/exchange).

Run nbgrader from the course folder (`nbgrader autograde recall`; the formgrader is a Jupyter
server extension: `jupyter lab` here, then http://localhost:8888/formgrader), or use the course's
commands, which call nbgrader's Python API with this same file: `course notebooks [--check]`,
and course.authoring.notebooks.autograde_notebook for one submission.
Set NBGRADER_ROOT to work in another folder (the tests do, in a temporary directory).
"""
import os
import sys
from pathlib import Path

from course.files import NEW
from course.manifest import load

COURSE = Path(__file__).resolve().parent
MANIFEST = load(COURSE)
WORK = Path(os.environ.get("NBGRADER_ROOT") or COURSE / ".nbgrader").resolve()

# nbgrader calls `alembic` by name: the environment's bin must be on PATH for its subprocesses.
_bin = str(Path(sys.executable).parent)
if _bin not in os.environ.get("PATH", "").split(os.pathsep):
    os.environ["PATH"] = _bin + os.pathsep + os.environ.get("PATH", "")

c = get_config()  # noqa: F821 - provided by traitlets when it loads this file

c.CourseDirectory.course_id = MANIFEST.about.name
c.CourseDirectory.root = str(WORK)
c.CourseDirectory.source_directory = "source"     # filled from solutions/ by `course notebooks`
c.CourseDirectory.release_directory = "release"   # copied to exercises/ by `course notebooks`
c.CourseDirectory.db_url = f"sqlite:///{WORK / 'gradebook.db'}"
c.Exchange.root = str(WORK / "exchange")
c.Exchange.cache = str(WORK / "exchange-cache")
# solutions/' version of a source notebook edited in .nbgrader/source/ waits there as .ipynb.new:
# never copied into a release (it is a solution). Assignments reach the gradebook when
# generated; nbgrader 0.9 has no option that lists them beforehand.
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", f"*{NEW}"]

# A cell may run as long as a grader's check may wait (its CPU budget times the wall factor).
c.Execute.timeout = int(MANIFEST.grading.cpu_floor * MANIFEST.grading.wall_factor)
c.Execute.interrupt_on_timeout = True

# Feedback goes to students: no hidden test may show in it, neither as cell source
# (ClearHiddenTests) nor as the failing line quoted in a traceback (ShortTracebacks).
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.ClearHiddenTests",
    "course.authoring.notebooks.ShortTracebacks",
    "nbgrader.preprocessors.GetGrades",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]

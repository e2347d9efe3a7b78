"""`course gradescope`: the bundle's run_autograder grades one submission on a simulated /autograder;
its setup.sh installs pinned dependencies (the lock, gradescope/requirements-py310.txt), torch from
PyTorch's CPU index with PyPI as the fallback, then the course with --no-deps."""
import importlib.metadata
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
from packaging import tags
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name, parse_wheel_filename
from packaging.version import Version

from course.classgrade import gradescope
from course.manifest import CourseError
from gradescope.lock import GLIBC_MINOR, PYTHON_VERSION, platforms
from tests.conftest import ROOT
from tests.test_grade import course_copy
from tests.test_setup import PY310, index  # noqa: F401 - `index` is a fixture: a stand-in CPU index

LOCK = ROOT / gradescope.LOCK
TORCH = importlib.metadata.version("torch").split("+")[0]
# Gradescope's default image: Ubuntu 22.04, CPython 3.10.12, glibc 2.35, x86_64
GRADESCOPE_ENV = {"python_version": "3.10", "python_full_version": PYTHON_VERSION, "sys_platform": "linux",
                  "platform_system": "Linux", "platform_machine": "x86_64", "os_name": "posix",
                  "implementation_name": "cpython", "platform_python_implementation": "CPython", "extra": ""}


def test_run_autograder_grades_a_submission_on_a_simulated_layout(tmp_path):
    course = course_copy(tmp_path)
    shutil.copytree(ROOT / "course", course.root / "course",       # the package goes into the bundle too
                    ignore=shutil.ignore_patterns("__pycache__"))
    (course.root / "gradescope").mkdir()                           # and the lock setup.sh installs
    shutil.copy(LOCK, course.root / gradescope.LOCK)
    bundle = tmp_path / "gradescope.zip"
    names = gradescope.build(course, bundle, only=("bigram",), check_timeout=2, submission_timeout=120)
    assert {"setup.sh", "run_autograder", "gradescope.json", "autograder/test_bigram.py",
            "autograder/hidden/test_bigram_hidden.py", "autograder/fixtures/bigram.json",
            "course/classgrade/grade.py", "course/grading/runner/zygote.py", "course.toml"} <= set(names)
    assert not any(n.startswith("solutions/") and n.endswith(".py") for n in names)

    root = tmp_path / "autograder"                        # what Gradescope makes of it
    with zipfile.ZipFile(bundle) as zf:
        zf.extractall(root / "source")
    (root / "submission" / "exercises").mkdir(parents=True)    # uploaded as a folder
    code = (ROOT / "solutions" / "bigram.py").read_text()
    (root / "submission" / "exercises" / "bigram.py").write_text(
        code + "\n\ndef bigram_pairs(words, stoi):\n    import ctypes\n    ctypes.string_at(0)\n")
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "COURSE_PYTHON": sys.executable}
    env.pop("COURSE_ROOT", None)
    subprocess.run(["bash", str(root / "source" / "run_autograder")], env=env, check=True, timeout=300,
                   capture_output=True)
    results = json.loads((root / "results" / "results.json").read_text())
    tests = {t["name"]: t for t in results["tests"]}
    assert set(tests) == {ex.id for ex in course.exercises if ex.assignment == "bigram"}
    # bigram_pairs crashes; count_bigrams and nll use it: the other four exercises earn their points
    assert tests["bigram.bigram_pairs"]["score"] == 0
    assert "segmentation fault" in tests["bigram.bigram_pairs"]["output"]
    assert tests["bigram.build_vocab"]["score"] == 2 and tests["bigram.train_neural_bigram"]["score"] == 4
    assert results["score"] == sum(t["score"] for t in tests.values()) == 2 + 3 + 3 + 4
    assert all(t["visibility"] == "visible" and t["max_score"] > 0 for t in tests.values())


def run_autograder(bundle: Path, root: Path, submission: Path) -> dict:
    """Unpack `bundle` as Gradescope does (`root` stands for /autograder), hand in `submission`'s
    files, run run_autograder and return its results.json."""
    with zipfile.ZipFile(bundle) as zf:
        zf.extractall(root / "source")
    shutil.copytree(submission, root / "submission")
    (root / "results").mkdir()
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "COURSE_PYTHON": sys.executable}
    env.pop("COURSE_ROOT", None)
    done = subprocess.run(["bash", str(root / "source" / "run_autograder")], env=env, timeout=600,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads((root / "results" / "results.json").read_text())


@pytest.fixture(scope="module")
def reference_submission(tmp_path_factory) -> Path:
    """What a learner who solved everything uploads: the modules and the recall notebook."""
    folder = tmp_path_factory.mktemp("reference") / "exercises"
    shutil.copytree(ROOT / "solutions", folder, ignore=shutil.ignore_patterns("__pycache__", ".*", "0[234]-*"))
    return folder


def test_the_full_bundle_grades_the_reference_to_full_points(tmp_path, course, reference_submission):
    """Every exercise of course.toml, diagnostics.record_gradients (a grader file of its own) and the
    recall questions included, through run_autograder on a simulated /autograder."""
    names = gradescope.build(course, tmp_path / "all.zip")
    assert {"autograder/test_record_gradients.py", "autograder/hidden/test_record_gradients_hidden.py",
            "autograder/test_recall.py", "autograder/notebooks/05-recall.ipynb"} <= set(names)
    results = run_autograder(tmp_path / "all.zip", tmp_path / "autograder", reference_submission)
    tests = {t["name"]: t for t in results["tests"]}
    assert set(tests) == {ex.id for ex in course.exercises}, results.get("output")
    short = {name: t["output"] for name, t in tests.items() if t["score"] != t["max_score"]}
    assert not short, short
    assert tests["diagnostics.record_gradients"]["score"] == course.exercise("diagnostics.record_gradients").points
    assert results["score"] == results["max_score"] == course.total_points


def test_a_bundle_of_one_module_holds_every_grader_file_of_its_exercises(tmp_path, course, reference_submission):
    """`--only diagnostics`: test_diagnostics.py and test_record_gradients.py (and their hidden
    twins) both declare exercises of diagnostics; the bundle holds both, and grades them all."""
    names = gradescope.build(course, tmp_path / "diagnostics.zip", only=("diagnostics",))
    assert {"autograder/test_diagnostics.py", "autograder/hidden/test_diagnostics_hidden.py",
            "autograder/test_record_gradients.py", "autograder/hidden/test_record_gradients_hidden.py"} <= set(names)
    assert "autograder/test_bigram.py" not in names
    results = run_autograder(tmp_path / "diagnostics.zip", tmp_path / "autograder", reference_submission)
    tests = {t["name"]: t for t in results["tests"]}
    assert set(tests) == {ex.id for ex in course.exercises if ex.module == "diagnostics"}
    assert results["score"] == results["max_score"] == sum(t["max_score"] for t in tests.values()), tests


def test_the_bundle_holds_the_notebook_tests_and_no_solution(tmp_path, course):
    names = gradescope.build(course, tmp_path / "all.zip")
    assert not any(n.startswith("solutions/") for n in names)
    with zipfile.ZipFile(tmp_path / "all.zip") as zf:
        nb = json.loads(zf.read("autograder/notebooks/05-recall.ipynb"))
    kinds = [c.get("metadata", {}).get("nbgrader", {}) for c in nb["cells"]]
    assert kinds and not any(k.get("solution") for k in kinds)
    assert any("BEGIN HIDDEN TESTS" in "".join(c["source"]) for c in nb["cells"])
    only = gradescope.build(course, tmp_path / "bigram.zip", only=("bigram",))
    assert "autograder/test_bigram.py" in only and "autograder/test_mlp.py" not in only
    assert not any(n.startswith("autograder/notebooks/") for n in only)


# ------------------------------------------------------------------ the lock and setup.sh
def locked() -> dict[str, dict]:
    """The lock's entries by name: version, hashes, and its comment (wheel; requires-python; via)."""
    entries, name = {}, None
    for number, line in enumerate(LOCK.read_text().splitlines(), 1):
        text = line.strip()
        if not text or (text.startswith("#") and name is None):
            continue                                                  # the header
        if text.startswith("--hash="):
            entries[name]["hashes"].append(text.removeprefix("--hash="))
        elif text.startswith("#"):
            entries[name]["comment"] = text.lstrip("# ")
        else:
            match = re.fullmatch(r"([A-Za-z0-9._-]+)==([^\s\\]+) \\", text)
            assert match, f"{LOCK.name}:{number}: not `name==version \\`: {line!r}"
            name = match[1]
            assert name not in entries, f"{LOCK.name}:{number}: {name} twice"
            entries[name] = {"version": match[2], "hashes": [], "comment": "", "line": number}
    return entries


def test_every_line_of_the_lock_is_pinned_with_a_hash():
    entries = locked()
    assert len(entries) > 50
    for name, entry in entries.items():
        assert name == canonicalize_name(name), f"{name}: write its normalised name"
        Version(entry["version"])                                     # a version, not a range
        assert entry["hashes"] and all(re.fullmatch(r"sha256:[0-9a-f]{64}", h) for h in entry["hashes"]), name
    assert "torch" not in entries           # setup.sh installs it from PyTorch's CPU index, pinned by version


def test_the_lock_covers_the_project_nbgrader_jupyter_and_what_torch_needs():
    """pyproject.toml's dependencies (as on Python 3.10: tomli too) and build requirement, nbgrader,
    jupyter and the course's torch's own requirements, each at a version its specifier admits.
    A dependency added to pyproject.toml or a newer torch fails here until the lock is written again."""
    entries = locked()
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    wanted = [*project["project"]["dependencies"], *project["build-system"]["requires"], "nbgrader", "jupyter",
              *(r for r in importlib.metadata.requires("torch") if "extra ==" not in r)]
    checked = set()
    for req in map(Requirement, wanted):
        name = canonicalize_name(req.name)
        if name == "torch" or (req.marker and not req.marker.evaluate(GRADESCOPE_ENV)):
            continue
        assert name in entries, f"{req} is not in {LOCK.name}: run `python gradescope/lock.py`"
        assert req.specifier.contains(entries[name]["version"], prereleases=True), \
            f"{LOCK.name} has {name}=={entries[name]['version']}, which {req} does not admit"
        checked.add(name)
    assert {"numpy", "matplotlib", "nbgrader", "jupyter", "tomli", "setuptools", "sympy"} <= checked
    assert f"# torch {TORCH} is not here" in LOCK.read_text(), \
        f"the lock was written for another torch than the course's {TORCH}: run `python gradescope/lock.py`"


def test_the_locked_files_are_wheels_for_cpython_310_on_manylinux_x86_64():
    """Each hash is that of a wheel (named in the entry's comment) of the pinned version, installable
    on Gradescope's Python 3.10 and glibc 2.35: its tags and its requires-python admit them."""
    assert platforms()[0] == f"manylinux_2_{GLIBC_MINOR}_x86_64" and "manylinux2014_x86_64" in platforms()
    supported = {*tags.cpython_tags((3, 10), ["cp310"], platforms()),
                 *tags.compatible_tags((3, 10), "cp310", platforms())}
    for name, entry in locked().items():
        wheel, requires_python, via = entry["comment"].split("; ")
        wheel_name, version, _, wheel_tags = parse_wheel_filename(wheel)
        assert (wheel_name, version) == (name, Version(entry["version"])), f"{name}: the pin and {wheel} disagree"
        assert wheel_tags & supported, f"{wheel} does not install on CPython 3.10, manylinux x86_64"
        spec = requires_python.removeprefix("requires-python ")
        assert spec == "any" or SpecifierSet(spec).contains(PYTHON_VERSION), f"{name} needs Python {spec}"
        assert via.startswith("via ") and len(via) > 4, name
    numpy = locked()["numpy"]["comment"].split(";")[0]
    assert {t.interpreter for t in parse_wheel_filename(numpy)[3]} == {"cp310"}    # numpy: built for 3.10


def test_the_bundle_ships_the_lock_and_setup_installs_from_it(tmp_path, course):
    gradescope.build(course, tmp_path / "b.zip", only=("bigram",))
    with zipfile.ZipFile(tmp_path / "b.zip") as zf:
        assert zf.read(gradescope.LOCK.as_posix()) == LOCK.read_bytes()
        setup = zf.read("setup.sh").decode()
    steps = [line for line in setup.splitlines() if '"$PIP" install' in line]
    assert steps[0].endswith(f"--require-hashes --only-binary=:all: -r {gradescope.LOCK.as_posix()}")
    assert all(f"torch=={TORCH}" in s for s in steps[1:3]) and "--extra-index-url" in steps[1]
    assert "--no-deps" in steps[-1] and steps[-1].endswith('"$ROOT/source"')
    assert "--index-url " not in setup                           # PyPI stays reachable beside the CPU index


def test_no_bundle_without_its_lock(tmp_path):
    course = course_copy(tmp_path)
    with pytest.raises(CourseError, match="requirements-py310.txt is missing"):
        gradescope.build(course, tmp_path / "b.zip", only=("bigram",))


def fake_setup(tmp_path: Path, python: str, torch_index: str | None) -> tuple[subprocess.CompletedProcess, list[str]]:
    """Run the bundle's setup.sh on a simulated /autograder whose apt-get and pip only record their
    arguments: `python3` is `python` (but for `-m venv`, which makes the stand-in venv)."""
    root, bin_, log = tmp_path / "autograder", tmp_path / "bin", tmp_path / "calls.log"
    (root / "source").mkdir(parents=True)
    (root / "source" / "setup.sh").write_text(gradescope.setup_script(TORCH))
    bin_.mkdir()
    venv = root / "venv" / "bin"
    (bin_ / "apt-get").write_text(f"#!/bin/sh\necho \"apt-get $*\" >> {log}\n")
    (bin_ / "python3").write_text(
        f"#!/bin/sh\nif [ \"$1\" = -m ] && [ \"$2\" = venv ]; then\n  mkdir -p {venv}\n"
        f"  printf '#!/bin/sh\\necho \"pip $*\" >> {log}\\n' > {venv}/pip\n  chmod +x {venv}/pip\n"
        f"  ln -s {sys.executable} {venv}/python\n  exit 0\nfi\nexec {python} \"$@\"\n")
    for tool in ("apt-get", "python3"):
        (bin_ / tool).chmod(0o755)
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "PATH": f"{bin_}:{os.environ['PATH']}"}
    env.pop("TORCH_INDEX", None)
    if torch_index is not None:
        env["TORCH_INDEX"] = torch_index
    done = subprocess.run(["bash", str(root / "source" / "setup.sh")], env=env, capture_output=True, text=True,
                          timeout=60)
    calls = log.read_text().splitlines() if log.exists() else []
    return done, [c.removeprefix("pip ") for c in calls if c.startswith("pip ")]


needs_310 = pytest.mark.skipif(PY310 is None, reason="no Python 3.10 interpreter here (set COURSE_PYTHON310): "
                                                    "setup.sh checks that python3 is 3.10")


@needs_310
def test_setup_installs_the_lock_then_torch_from_the_cpu_index_then_the_course(tmp_path, index):  # noqa: F811
    done, calls = fake_setup(tmp_path, PY310, f"{index}/cpu")
    assert done.returncode == 0, done.stderr
    lock = gradescope.LOCK.as_posix()
    assert calls == [f"install --quiet --require-hashes --only-binary=:all: -r {lock}",
                     f"install --quiet --extra-index-url {index}/cpu torch=={TORCH}",
                     f"install --quiet --no-deps --no-build-isolation {tmp_path / 'autograder' / 'source'}",
                     "check"]


@needs_310
def test_setup_takes_torch_from_pypi_when_the_cpu_index_cannot_be_reached(tmp_path, index):  # noqa: F811
    done, calls = fake_setup(tmp_path, PY310, f"{index}/no-such-index")          # a 404
    assert done.returncode == 0, done.stderr
    assert calls[1] == f"install --quiet torch=={TORCH}" and len(calls) == 4
    assert f"torch {TORCH} from PyPI ({index}/no-such-index cannot be reached)" in done.stderr


def test_setup_stops_on_a_python_other_than_3_10(tmp_path):
    assert sys.version_info[:2] != (3, 10)                     # the project's tests run on 3.11
    done, calls = fake_setup(tmp_path, sys.executable, None)
    assert done.returncode == 1 and calls == []
    assert "is for Python 3.10" in done.stderr


def test_a_bundle_that_leaves_a_grader_file_out_is_refused(course, monkeypatch, tmp_path):
    """A bundle that picked its grader files by name (test_<module>.py) would leave
    test_record_gradients.py out: `course gradescope` must refuse to build it."""
    assert gradescope.bundles(course) == []
    whole = gradescope.bundle_files
    monkeypatch.setattr(gradescope, "bundle_files",
                        lambda course, only=(): [p for p in whole(course, only) if "record_gradients" not in p.name])
    problems = gradescope.bundles(course)
    assert any("`course gradescope`: the bundle holds no grader of diagnostics.record_gradients" in p for p in problems)
    assert any("--only diagnostics" in p for p in problems), problems
    with pytest.raises(CourseError, match="the bundle holds no grader of diagnostics.record_gradients"):
        gradescope.build(course, tmp_path / "diagnostics.zip", only=("diagnostics",))
    assert not (tmp_path / "diagnostics.zip").exists()


# ------------------------------------------------------------------ visibility, layouts, a crashed run
def bigram_bundle(tmp_path: Path, **options) -> tuple:
    course = course_copy(tmp_path)
    shutil.copytree(ROOT / "course", course.root / "course", ignore=shutil.ignore_patterns("__pycache__"))
    (course.root / "gradescope").mkdir()
    shutil.copy(LOCK, course.root / gradescope.LOCK)
    bundle = tmp_path / "gradescope.zip"
    gradescope.build(course, bundle, only=("bigram",), check_timeout=2, submission_timeout=120, **options)
    return course, bundle


def run_bundle(bundle: Path, root: Path, submission: Path, **env_extra) -> tuple[dict, subprocess.CompletedProcess]:
    with zipfile.ZipFile(bundle) as zf:
        zf.extractall(root / "source")
    shutil.copytree(submission, root / "submission")
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "COURSE_PYTHON": sys.executable, **env_extra}
    env.pop("COURSE_ROOT", None)
    done = subprocess.run(["bash", str(root / "source" / "run_autograder")], env=env, timeout=600,
                          capture_output=True, text=True)
    return json.loads((root / "results" / "results.json").read_text()), done


def test_results_visibility_is_chosen_when_the_bundle_is_built(tmp_path):
    course, bundle = bigram_bundle(tmp_path, visibility="after_due_date")
    with zipfile.ZipFile(bundle) as zf:
        assert json.loads(zf.read("gradescope.json"))["visibility"] == "after_due_date"
    submission = tmp_path / "upload" / "makemore"                        # the whole course folder, zipped
    (submission / "exercises").mkdir(parents=True)
    (submission / "exercises" / "bigram.py").write_text((ROOT / "solutions" / "bigram.py").read_text())
    shutil.copy(ROOT / "course.toml", submission / "course.toml")
    results, done = run_bundle(bundle, tmp_path / "autograder", tmp_path / "upload")
    assert done.returncode == 0, done.stderr[-2000:]
    assert results["visibility"] == "after_due_date" and {t["visibility"] for t in results["tests"]} == {
        "after_due_date"}
    assert results["score"] == results["max_score"] == 20, results["output"]      # found by course grade's rule
    with pytest.raises(CourseError, match="--visibility sometimes: Gradescope knows visible, after_due_date"):
        gradescope.build(course, tmp_path / "x.zip", only=("bigram",), visibility="sometimes")


def test_the_command_takes_visibility():
    from course.cli import build_parser
    args = build_parser("gradescope").parse_args(["gradescope", "out.zip", "--visibility", "after_published"])
    assert args.visibility == "after_published"
    assert build_parser("gradescope").parse_args(["gradescope", "out.zip"]).visibility == "visible"


def test_an_empty_upload_says_so_once(tmp_path):
    _, bundle = bigram_bundle(tmp_path, visibility="hidden")
    (tmp_path / "upload").mkdir()
    results, done = run_bundle(bundle, tmp_path / "autograder", tmp_path / "upload")
    assert done.returncode == 0 and results["score"] == 0 and results["visibility"] == "hidden"
    assert "empty submission" in results["output"]
    assert {t["output"] for t in results["tests"]} == {"not submitted"}


def test_a_crashed_run_still_writes_a_results_json_that_says_what_happened(tmp_path):
    _, bundle = bigram_bundle(tmp_path, visibility="after_due_date")
    (tmp_path / "upload").mkdir()
    (tmp_path / "upload" / "bigram.py").write_text("x = 1\n")
    results, done = run_bundle(bundle, tmp_path / "autograder", tmp_path / "upload", COURSE_PYTHON="/bin/false")
    assert done.returncode == 0                                          # Gradescope reads the file, not the status
    assert results["score"] == 0 and results["visibility"] == "after_due_date"
    assert "failed before it could grade this submission (exit status 1)" in results["output"]


def test_a_failure_inside_the_runner_is_said_in_results_json(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_ROOT", str(tmp_path / "no-course"))       # course.toml cannot be read
    (tmp_path / "no-course").mkdir()
    assert gradescope.run(tmp_path, tmp_path / "results" / "results.json") == 0
    results = json.loads((tmp_path / "results" / "results.json").read_text())
    assert results["score"] == 0 and results["tests"] == []
    assert results["output"].startswith("The autograder itself failed (")
    assert "tell your instructor" in results["output"]


REAL_SETUP = os.environ.get("COURSE_REAL_SETUP") == "1"


@pytest.mark.skipif(not REAL_SETUP or PY310 is None,
                    reason="set COURSE_REAL_SETUP=1 (and have a Python 3.10): installs ~120 wheels and torch for real")
def test_setup_sh_for_real_in_a_python_310_venv(tmp_path, course):
    """setup.sh as Gradescope runs it, but for apt-get (a stand-in: nothing is installed on the
    machine): a real Python 3.10 venv, the lock with --require-hashes, torch, the course, pip check."""
    gradescope.build(course, tmp_path / "b.zip")
    root, bin_ = tmp_path / "autograder", tmp_path / "bin"
    with zipfile.ZipFile(tmp_path / "b.zip") as zf:
        zf.extractall(root / "source")
    bin_.mkdir()
    (bin_ / "apt-get").write_text("#!/bin/sh\nexit 0\n")
    (bin_ / "apt-get").chmod(0o755)
    (bin_ / "python3").symlink_to(PY310)
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "PATH": f"{bin_}:{os.environ['PATH']}", "TORCH_INDEX": ""}
    done = subprocess.run(["bash", str(root / "source" / "setup.sh")], env=env, capture_output=True, text=True,
                          timeout=3000)
    assert done.returncode == 0, done.stderr[-3000:]
    python = root / "venv" / "bin" / "python"
    out = subprocess.run([str(python), "-c", "import torch, nbgrader, course.classgrade.grade; print(torch.__version__)"],
                         capture_output=True, text=True, cwd=root, env={**env, "COURSE_ROOT": str(root / "source")})
    assert out.returncode == 0 and out.stdout.startswith(TORCH), out.stderr[-2000:]

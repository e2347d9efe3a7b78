"""Set-up on a fresh machine: the Makefiles' torch install (PyTorch's CPU index, PyPI kept as
the fallback), Python 3.10 (Gradescope's default image), and one statement of the versions."""
import functools
import glob
import http.server
import os
import re
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from course.authoring import release
from tests.conftest import ROOT


# ------------------------------------------------------------------ the Makefiles' torch install
def fake_make(tmp_path: Path, makefile: str, torch_index: str | None) -> tuple[str, list[str]]:
    """Run `make setup` with a stand-in venv whose pip only records its arguments: the real
    recipe, the real reachability probe, nothing installed. Returns (make's output, pip calls)."""
    folder = tmp_path / "course"
    folder.mkdir(parents=True)
    (folder / "Makefile").write_text(makefile)
    shutil.copy(ROOT / "pyproject.toml", folder)
    shutil.copy(ROOT / "requirements-sandbox.txt", folder)
    log = tmp_path / "pip.log"
    venv = folder / ".venv"
    python = tmp_path / "python"          # `python -m venv` makes the stand-in venv
    python.write_text(f"#!/bin/sh\nif [ \"$1\" = -m ] && [ \"$2\" = venv ]; then\n  mkdir -p {venv}/bin\n"
                      f"  printf '#!/bin/sh\\necho \"$*\" >> {log}\\n' > {venv}/bin/pip\n  chmod +x {venv}/bin/pip\n"
                      f"  printf '#!/bin/sh\\necho sandbox: stand-in\\n' > {venv}/bin/course\n"
                      f"  chmod +x {venv}/bin/course\n"
                      f"  ln -s {sys.executable} {venv}/bin/python\n  exit 0\nfi\nexec {sys.executable} \"$@\"\n")
    python.chmod(0o755)
    args = ["make", "-s", "setup", f"PYTHON={python}"]
    if torch_index is not None:
        args.append(f"TORCH_INDEX={torch_index}")
    done = subprocess.run(args, cwd=folder, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout + done.stderr, log.read_text().splitlines()


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    """A stand-in for PyTorch's CPU index on the loopback address: <url>/cpu/torch/ answers."""
    folder = tmp_path_factory.mktemp("index")
    (folder / "cpu" / "torch").mkdir(parents=True)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    handler.log_message = lambda *a: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


MAKEFILES = {"the course's": lambda course: (ROOT / "Makefile").read_text(),
             "the student release's": release.student_makefile}


@pytest.fixture(params=list(MAKEFILES))
def makefile(request, course):
    return MAKEFILES[request.param](course)


def torch_install(calls: list[str]) -> str:
    [call] = [c for c in calls if "torch==" in c]
    return call


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_torch_comes_from_the_cpu_index_when_it_answers(tmp_path, makefile, index):
    output, calls = fake_make(tmp_path, makefile, f"{index}/cpu")
    assert calls[0] == "install --quiet --upgrade pip"
    assert torch_install(calls) == f"install --quiet --extra-index-url {index}/cpu torch==2.13.0"
    assert f"CPU build, from {index}/cpu" in output
    assert calls[-1] == "install --quiet -e ."


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_torch_falls_back_to_pypi_when_the_index_cannot_be_reached(tmp_path, makefile, index):
    output, calls = fake_make(tmp_path, makefile, f"{index}/no-such-index")        # a 404
    assert torch_install(calls) == "install --quiet torch==2.13.0"
    assert f"{index}/no-such-index cannot be reached" in output
    output, calls = fake_make(tmp_path / "again", makefile, "")                     # TORCH_INDEX= : PyPI only
    assert torch_install(calls) == "install --quiet torch==2.13.0"


def test_linux_defaults_to_pytorchs_cpu_index(makefile):
    assert "TORCH_INDEX ?= https://download.pytorch.org/whl/cpu" in makefile
    assert "--extra-index-url" in makefile and "--index-url " not in makefile   # PyPI stays reachable


# ------------------------------------------------------------------ Python 3.10
def python310() -> str | None:
    """A Python 3.10 interpreter that runs: $COURSE_PYTHON310, python3.10 on PATH, or pyenv's."""
    candidates = [os.environ.get("COURSE_PYTHON310"), shutil.which("python3.10"), "/usr/bin/python3.10",
                  *sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.10*/bin/python3.10")))]
    for exe in filter(None, candidates):
        try:
            done = subprocess.run([exe, "-c", "import sys; print(sys.version_info[:2])"], capture_output=True,
                                  text=True, timeout=30)
        except OSError:
            continue
        if done.returncode == 0 and done.stdout.strip() == "(3, 10)":
            return exe
    return None


PY310 = python310()
needs_310 = pytest.mark.skipif(PY310 is None, reason="no Python 3.10 interpreter here (set COURSE_PYTHON310)")


def project_files() -> list[str]:
    skip = {".venv", ".git", "build", ".nbgrader", "__pycache__", "runs"}
    return sorted(str(p) for p in ROOT.rglob("*.py") if not skip & set(p.relative_to(ROOT).parts))


@needs_310
def test_every_project_file_compiles_under_python_3_10():
    files = project_files()
    assert len(files) > 30
    # compile() rather than py_compile: no .pyc of another Python is left in the tree
    code = "import sys\nfor f in sys.argv[1:]:\n    compile(open(f, encoding='utf-8').read(), f, 'exec')\n"
    done = subprocess.run([PY310, "-c", code, *files], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


def tomli_path(tmp_path: Path) -> str | None:
    """A folder from which Python 3.10 imports tomli: none needed where it has tomli; else a copy
    of pip's vendored tomli (pure Python, the same package); None when neither exists."""
    if subprocess.run([PY310, "-c", "import tomli"], capture_output=True).returncode == 0:
        return ""
    try:
        import pip._vendor.tomli as vendored
    except ImportError:
        return None
    shutil.copytree(Path(vendored.__file__).parent, tmp_path / "tomli", ignore=shutil.ignore_patterns("__pycache__"))
    return str(tmp_path)


@needs_310
def test_the_course_machinery_without_torch_runs_under_python_3_10(tmp_path, course):
    """The manifest (tomli for tomllib), the stub generator, the pre-flight checks that read the
    graders with ast, and `course hint`, run by Python 3.10 on this course."""
    extra = tomli_path(tmp_path)
    if extra is None:
        pytest.skip("neither Python 3.10 nor pip here has tomli")
    code = """
import json, sys
from pathlib import Path
from course.authoring import preflight, stubs
from course.cli import main
from course.manifest import load
course = load(Path(sys.argv[1]))
problems = preflight.regions(course) + preflight.graders(course) + preflight.hint_keys(course)
stale = [str(o) for o in stubs.generate(course, check=True) if o.action != "unchanged"]
print(json.dumps({"version": list(sys.version_info[:2]), "exercises": len(course.exercises),
                  "points": course.total_points, "problems": problems, "stale": stale}))
main(["hint", "count_bigrams"])
"""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [extra, str(ROOT)])),
           "PYTHONDONTWRITEBYTECODE": "1"}
    done = subprocess.run([PY310, "-c", code, str(ROOT)], capture_output=True, text=True, timeout=120, env=env,
                          cwd=ROOT)
    assert done.returncode == 0, done.stderr
    import json
    report = json.loads(done.stdout.splitlines()[0])
    from course.authoring import preflight, stubs                # the same, here (3.11): the same answers
    assert report == {"version": [3, 10], "exercises": len(course.exercises), "points": course.total_points,
                      "problems": preflight.regions(course) + preflight.graders(course) + preflight.hint_keys(course),
                      "stale": [str(o) for o in stubs.generate(course, check=True) if o.action != "unchanged"]}
    assert "bigram.count_bigrams" in done.stdout and "hint 1 of" in done.stdout


# ------------------------------------------------------------------ one statement of the versions
def test_the_python_versions_agree_everywhere(course):
    pyproject = (ROOT / "pyproject.toml").read_text()
    minimum = re.search(r'requires-python = ">=(3\.\d+)"', pyproject).group(1)
    assert minimum == "3.10"
    assert "tomli" in pyproject and "python_version < '3.11'" in pyproject
    texts = {"README.md": (ROOT / "README.md").read_text(), "Makefile": (ROOT / "Makefile").read_text(),
             "student README": release.student_readme(course), "student Makefile": release.student_makefile(course)}
    for name, text in texts.items():
        stated = set(re.findall(r"Python (3\.\d+)\+", text))
        assert stated == {minimum}, f"{name} states Python {stated or 'nothing'}+, pyproject.toml >= {minimum}"
    for name in ("Makefile", "student Makefile"):      # and an older Python is stopped with one line
        assert "sys.version_info < (3, 10)" in texts[name]

"""Write gradescope/requirements-py310.txt: every package the Gradescope bundle's setup.sh installs,
pinned `name==version` with its sha256, for Gradescope's default image (Ubuntu 22.04: CPython
3.10, glibc 2.35, x86_64).

    .venv/bin/python gradescope/lock.py            # resolve again from PyPI, write the lock, check it
    .venv/bin/python gradescope/lock.py --check    # only check the lock as it is

Refresh it when pyproject.toml's dependencies or the course's torch change (tests/test_gradescope.py
fails until then), or to take newer releases; commit the lock it writes. It needs PyPI and a
Python 3.10 on Linux x86_64 (--python, $COURSE_PYTHON310, python3.10 on PATH or pyenv's): pip runs
under that Python, so that the packages' environment markers are those of Gradescope's.

What is resolved: pyproject.toml's dependencies and build requirement (setuptools: setup.sh builds
the course with --no-build-isolation), nbgrader, jupyter, and what the course's torch requires;
binary wheels only. torch itself is not in the lock: setup.sh installs it pinned to the course's
version from PyTorch's CPU index (PyPI's torch for Linux is a CUDA build with other files, other
hashes), and its dependencies are already installed from the lock by then.
"""
from __future__ import annotations

import argparse
import glob
import importlib.metadata
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

try:
    import tomllib
except ModuleNotFoundError:                      # Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "gradescope" / "requirements-py310.txt"
INDEX = "https://pypi.org/simple"
PYTHON_VERSION = "3.10.12"                       # Ubuntu 22.04's python3
GLIBC_MINOR = 35                                 # Ubuntu 22.04's glibc 2.35
EXTRA = ["nbgrader", "jupyter"]                  # the bundle grades notebooks with these, whatever pyproject.toml says


def platforms(glibc_minor: int = GLIBC_MINOR) -> list[str]:
    """The platform tags pip uses on glibc 2.<glibc_minor> x86_64, most preferred first (as
    packaging's _manylinux.platform_tags lists them), so that the hashed file is the one
    Gradescope's pip picks."""
    legacy = {17: "manylinux2014", 12: "manylinux2010", 5: "manylinux1"}
    tags = []
    for minor in range(glibc_minor, 4, -1):
        tags.append(f"manylinux_2_{minor}_x86_64")
        if minor in legacy:
            tags.append(f"{legacy[minor]}_x86_64")
    return tags


def target_flags(tmp: str) -> list[str]:
    flags = ["--python-version", PYTHON_VERSION, "--implementation", "cp", "--abi", "cp310",
             "--only-binary=:all:", "--target", tmp]
    for tag in platforms():
        flags += ["--platform", tag]
    return flags


def roots() -> dict[str, list[str]]:
    """Who asks for what: requirement strings by the name shown in the lock's `via`."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    name = project["project"]["name"]
    course = [r for r in project["project"]["dependencies"] if canonicalize_name(Requirement(r).name) != "torch"]
    torch = [r for r in importlib.metadata.requires("torch") or [] if "extra ==" not in r]
    return {name: course, f"{name} (build)": project["build-system"]["requires"],
            "gradescope": EXTRA, "torch": torch}


def python310(given: str | None) -> str:
    pyenv = sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.10*/bin/python3.10")))
    candidates = [given] if given else [os.environ.get("COURSE_PYTHON310"), shutil.which("python3.10"), *pyenv]
    probe = ("import platform, sys; print(sys.implementation.name, sys.version_info[:2] == (3, 10), "
             "sys.platform, platform.machine())")
    for exe in filter(None, candidates):
        try:
            out = subprocess.run([exe, "-c", probe], capture_output=True, text=True, timeout=30).stdout.split()
        except OSError:
            continue
        if out == ["cpython", "True", "linux", "x86_64"]:
            return exe
    sys.exit("lock.py: needs CPython 3.10 on Linux x86_64 (Gradescope's environment markers); "
             "give it with --python or $COURSE_PYTHON310")


def pip_report(python: str, args: list[str]) -> dict:
    """`pip install --dry-run --report` under `python`, on PyPI alone: this machine's pip
    configuration (local wheels, other indexes, constraints) stays out of the lock."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("PIP_FIND_LINKS", "PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_CONSTRAINT", "PIP_NO_INDEX")}
    env["PIP_CONFIG_FILE"] = os.devnull
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.json"
        subprocess.run([python, "-m", "pip", "install", "--dry-run", "--ignore-installed", "--quiet",
                        "--index-url", INDEX, "--report", str(report), *target_flags(str(Path(tmp) / "t")), *args],
                       env=env, check=True)
        return json.loads(report.read_text())


def via(report: dict, asked: dict[str, list[str]]) -> dict[str, set[str]]:
    """For each resolved package, the packages (or roots) whose requirements bring it in."""
    env = report["environment"]
    items = {canonicalize_name(i["metadata"]["name"]): i["metadata"] for i in report["install"]}
    parents, extras = defaultdict(set), defaultdict(set)
    for who, reqs in asked.items():
        for req in map(Requirement, reqs):
            if req.marker is None or req.marker.evaluate({**env, "extra": ""}):
                parents[canonicalize_name(req.name)].add(who)
                extras[canonicalize_name(req.name)] |= req.extras
    changed = True
    while changed:                                 # extras asked for by one package add requirements
        changed = False
        for name, meta in items.items():
            for req in map(Requirement, meta.get("requires_dist", [])):
                dep = canonicalize_name(req.name)
                if any(req.marker is None or req.marker.evaluate({**env, "extra": e}) for e in {"", *extras[name]}):
                    if name not in parents[dep] or not req.extras <= extras[dep]:
                        parents[dep].add(name)
                        extras[dep] |= req.extras
                        changed = True
    return parents


def write(python: str) -> None:
    asked = roots()
    report = pip_report(python, [r for reqs in asked.values() for r in reqs])
    parents = via(report, asked)
    torch = importlib.metadata.version("torch").split("+")[0]
    lines = [
        "# The Gradescope bundle's dependencies: CPython 3.10 on manylinux x86_64 (Ubuntu 22.04, glibc 2.35),",
        "# binary wheels from PyPI, each with the sha256 of the file pip picks there.",
        f"# Written by gradescope/lock.py (pip {report['pip_version']}); refresh: .venv/bin/python gradescope/lock.py",
        "# setup.sh: pip install --require-hashes --only-binary=:all: -r gradescope/requirements-py310.txt",
        f"# torch {torch} is not here: setup.sh installs it, pinned, from PyTorch's CPU index (PyPI if",
        "# the index cannot be reached), after this lock, which holds its dependencies.",
        "",
    ]
    for item in sorted(report["install"], key=lambda i: canonicalize_name(i["metadata"]["name"])):
        meta, info = item["metadata"], item["download_info"]
        name = canonicalize_name(meta["name"])
        sha = info["archive_info"]["hashes"]["sha256"]
        wheel = info["url"].rsplit("/", 1)[-1]
        lines += [f"{name}=={meta['version']} \\", f"    --hash=sha256:{sha}",
                  f"    # {wheel}; requires-python {meta.get('requires_python') or 'any'}; "
                  f"via {', '.join(sorted(parents[name], key=str.lower))}"]
    LOCK.write_text("\n".join(lines) + "\n")
    print(f"{LOCK.relative_to(ROOT)}: {len(report['install'])} packages")


def check(python: str) -> None:
    """Install the lock as setup.sh does (dry run, hash-checking mode, for Gradescope's Python and
    platform): it must be complete, consistent, and pick exactly the files whose hashes it holds."""
    report = pip_report(python, ["--require-hashes", "-r", str(LOCK)])
    locked = {}
    for line in LOCK.read_text().splitlines():
        if "==" in line and not line.lstrip().startswith("#"):
            name = line.split("==")[0].strip()
        elif line.strip().startswith("--hash=sha256:"):
            locked[name] = line.strip().removeprefix("--hash=sha256:")
    picked = {canonicalize_name(i["metadata"]["name"]): i["download_info"]["archive_info"]["hashes"]["sha256"]
              for i in report["install"]}
    if picked != locked:
        wrong = sorted(n for n in picked.keys() | locked.keys() if picked.get(n) != locked.get(n))
        sys.exit(f"lock.py: pip would not install the lock's files for: {', '.join(wrong)}; run lock.py again")
    print(f"{LOCK.relative_to(ROOT)}: pip installs its {len(locked)} packages, hashes as locked, on Python 3.10")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only check the existing lock")
    parser.add_argument("--python", help="a CPython 3.10 to run pip under (default: found)")
    args = parser.parse_args()
    python = python310(args.python)
    if not args.check:
        write(python)
    check(python)


if __name__ == "__main__":
    main()

"""Shared helpers for the project's own tests."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config):
    """As root, pytest's temporary folders lie under /tmp/pytest-of-root, which only root may
    enter; a runner without bubblewrap (COURSE_SANDBOX=user) runs as another user and must
    reach the folders it grades. So this session's folders get a base of their own that others
    may pass through (0711: not look around), made afresh and removed at the end."""
    import os
    import tempfile
    if os.geteuid() == 0 and not config.option.basetemp:
        base = Path(tempfile.mkdtemp(prefix="course-tests-"))
        base.chmod(0o711)
        config.option.basetemp = str(base / "t")
        config._course_basetemp = base


@pytest.fixture(scope="session", autouse=True)
def _passable_basetemp(tmp_path_factory):
    tmp_path_factory.getbasetemp().chmod(0o711)


def pytest_unconfigure(config):
    base = getattr(config, "_course_basetemp", None)
    if base is not None:
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="session")
def course():
    from course.manifest import load
    return load(ROOT)


@pytest.fixture(scope="session")
def shared_runner(tmp_path_factory):
    """One runner for the many small folders the tests grade (its sandbox shows pytest's tmp)."""
    from course.grading.judge.process import Runner
    base = tmp_path_factory.getbasetemp()
    base.chmod(0o711)                  # the runner's unprivileged user may pass through, not look around
    runner = Runner(base, [ROOT / "data"], shared=True)
    yield runner
    runner.close()


def target_with(tmp_path: Path, module: str, code: str, base: str = "solutions") -> Path:
    """A copy of `base`'s modules where `code` is appended to `module`: a later `def` of the same
    name replaces the reference one, which is how a wrong version is planted."""
    target = tmp_path / "target"
    tmp_path.chmod(0o711)              # see shared_runner
    if not target.exists():
        shutil.copytree(ROOT / base, target, ignore=shutil.ignore_patterns("*.ipynb", "__pycache__", ".*"))
    path = target / f"{module}.py"
    path.write_text(path.read_text() + "\n\n# --- planted by the test ---\n" + code)
    return target


def by_id(scores: dict) -> dict[str, dict]:
    return {row["id"]: row for row in scores["exercises"]}

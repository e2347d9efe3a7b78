"""Verdicts that do not depend on the machine: on a busy machine, next to other gradings, at
whatever sandbox level this machine gives (CI runs this file at each level: COURSE_SANDBOX,
COURSE_BWRAP)."""
import os
import re
import shutil
import subprocess
import sys
import time

import pytest

from course.grading import run
from course.grading import sandbox
from tests.conftest import ROOT, by_id, target_with
from tests.variants import right

LECTURE_LOOPS = "\n".join(v.code for v in right() if v.exercise in ("bigram.count_bigrams", "bigram.nll")
                          and v.name.startswith("lecture style"))
ENDLESS = '''
def build_vocab(words):
    while True:
        pass
'''
ASLEEP = '''
def sample_names(*args, **kwargs):
    import time
    time.sleep(3600)
'''


def _neighbours(n: int) -> list[subprocess.Popen]:
    """`n` processes that keep a core busy (a load of n on top of ours)."""
    return [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(n)]


def test_slow_correct_loops_keep_their_points_under_load_and_an_endless_one_is_stopped_by_cpu(tmp_path, course):
    """The lecture's own Python loops for count_bigrams and nll, three CPU-bound neighbours on a
    two-core machine: the check's budget is CPU time, so they pass however long they wait for a
    core. An endless loop beside them is stopped when it has used its budget, and a sleeper when
    it has used no CPU for as long, each saying which."""
    target = target_with(tmp_path, "bigram", LECTURE_LOOPS + "\n" + ENDLESS + "\n" + ASLEEP)
    busy = _neighbours(3)
    try:
        start = time.monotonic()
        scores, output = run.graders(target, keyword="bigram", course=course, check_timeout=4)
        waited = time.monotonic() - start
    finally:
        for p in busy:
            p.kill()
            p.wait()
    rows = by_id(scores)
    for ex_id in ("bigram.count_bigrams", "bigram.nll"):
        assert rows[ex_id]["status"] == "passed", (ex_id, rows[ex_id]["message"], output[-2000:])
    endless = rows["bigram.build_vocab"]
    assert endless["status"] == "timed out", endless
    assert "of CPU" in endless["message"] and "look for a loop" in endless["message"], endless["message"]
    asleep = rows["bigram.sample_names"]
    assert asleep["status"] == "timed out", asleep
    assert "without using the CPU" in asleep["message"] and "blocked" in asleep["message"], asleep["message"]
    waited_idle = int(re.search(r"waited (\d+) s", asleep["message"]).group(1))
    assert waited_idle < 4 * 6, asleep         # stopped when idle, before the wall-clock backstop
    assert waited < 4 * 6 * 3, waited          # within the wall-clock backstop: it did stop


SELF_CHECK = [sys.executable, "-m", "pytest", str(ROOT / "autograder"), "--target", "solutions", "-k", "bigram",
              "-q", "-p", "no:cacheprovider"]


def test_two_self_checks_at_once_both_score_full_points():
    """Two learners (or a learner and a class grading) on one machine, as the same user: each
    run has its own runner user (as root) and its own cell, so neither ends the other's runner."""
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    runs = [subprocess.Popen(SELF_CHECK, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                             env=env) for _ in range(2)]
    outputs = [p.communicate(timeout=600)[0] for p in runs]
    for p, out in zip(runs, outputs):
        assert p.returncode == 0, out[-3000:]
        assert "Total: 20/20 points" in out, out[-3000:]


@pytest.mark.skipif(os.geteuid() != 0, reason="runner users of their own are given only when the judge is root")
def test_each_runner_has_a_user_of_its_own_and_gives_it_back():
    """Closed at any moment of its start (here: at once, and a little later), a runner leaves no
    process behind: bubblewrap's sandbox is ended from its first process, not only through
    bubblewrap, which may not yet have told it to die with it."""
    from course.grading.judge.process import Runner
    for pause in (0.0, 0.005, 0.02, 0.05, 0.2):
        first, second = Runner(ROOT / "solutions", []), Runner(ROOT / "solutions", [])
        try:
            assert first.run_as != second.run_as
            assert first.run_as in sandbox.UID_RANGE and second.run_as in sandbox.UID_RANGE
            time.sleep(pause)
        finally:
            first.close()
            second.close()
    # A killed process takes a moment to go (as do those of a run that just ended beside this one).
    deadline = time.monotonic() + 10
    while sandbox.unclaimed_processes() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not sandbox.unclaimed_processes()


def test_doctor_says_the_level_and_why():
    done = subprocess.run([os.path.join(os.path.dirname(sys.executable), "course"), "doctor"],
                          capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert f"sandbox: {sandbox.level()} (" in done.stdout
    if sandbox.level() == "bwrap":
        assert "bubblewrap:" in done.stdout and ("system" in done.stdout or "bundled" in done.stdout)


@pytest.mark.skipif(os.geteuid() != 0, reason="the `user` level, which this falls back to, needs root")
def test_doctor_says_when_the_bubblewrap_asked_for_is_missing(tmp_path):
    """COURSE_BWRAP=system on a machine without a system bubblewrap: the reason names it, rather
    than blaming the kernel."""
    tools = tmp_path / "bin"
    tools.mkdir()
    for name in ("setpriv", "prlimit"):
        found = shutil.which(name)
        if not found:
            pytest.skip(f"{name} (util-linux) is not installed")
        (tools / name).symlink_to(found)
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("COURSE_")},     # whatever level CI runs at
           "PATH": str(tools), "COURSE_BWRAP": "system"}
    done = subprocess.run([os.path.join(os.path.dirname(sys.executable), "course"), "doctor"],
                          capture_output=True, text=True, cwd=ROOT, env=env)
    assert done.returncode == 0, done.stderr
    assert "COURSE_BWRAP=system, and no system bubblewrap works here" in done.stdout, done.stdout

"""The runner's sandbox, seen from inside and from each kind of deployment: root (the runner
drops to an unprivileged user), an unprivileged grader, and a machine without namespaces."""
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from course.grading import run
from course.grading import sandbox
from course.grading.judge.client import Session
from course.grading.judge.handles import RemoteFunction
from course.grading.judge.process import Runner
from course.grading.protocol import WorkerConfig
from tests.conftest import ROOT

PROBE = '''
import os, socket
def who():
    return [os.getuid(), os.getgid(), os.getppid()]
def can_read(path):
    try:
        open(path).read(10)
        return True
    except OSError:
        return False
def environment():
    return dict(os.environ)
def can_connect():
    try:
        socket.create_connection(("127.0.0.1", 22), timeout=1).close()
        return True
    except OSError as e:
        return str(e)
'''

needs_bwrap = pytest.mark.skipif(sandbox.level() != "bwrap",
                                 reason=f"needs the bwrap level; here: {sandbox.level()} ({sandbox.reason()})")


@pytest.fixture
def probe(tmp_path):
    target = tmp_path / "target"
    target.mkdir()
    (target / "probe.py").write_text(PROBE)
    target.chmod(0o755)
    runner = Runner(target, [ROOT / "data"])
    session = Session(runner, *runner.spawn(WorkerConfig(str(target))))
    session.deadline = time.monotonic() + 60
    yield lambda name, *args: RemoteFunction(lambda: session, "probe", name)(*args)
    session.close()
    runner.close()


@needs_bwrap
def test_the_runner_sees_no_secret_no_network_and_no_other_process(probe):
    uid, gid, parent = probe("who")
    if os.geteuid() == 0:
        assert uid == gid and uid in sandbox.UID_RANGE     # not root: a runner user of its own
    assert parent < 10 and parent != os.getpid()   # its own PID namespace: the judge is not there
    for secret in (ROOT / "solutions" / "bigram.py", ROOT / "autograder" / "hidden" / "test_bigram_hidden.py",
                   ROOT / "course.toml", Path("/etc/shadow")):
        assert probe("can_read", str(secret)) is False, secret
    assert probe("can_read", str(ROOT / "data" / "names.txt")) is True   # the public data is there
    assert not any("COURSE" in k for k in probe("environment"))
    assert probe("can_connect") is not True


def test_without_namespaces_the_self_check_works_and_grading_refuses(tmp_path, course, monkeypatch):
    monkeypatch.setenv("COURSE_SANDBOX", "none")
    assert sandbox.level() == "none"
    scores, output = run.graders(ROOT / "solutions", keyword="bigram", course=course)
    assert all(row["status"] == "passed" for row in scores["exercises"]), output
    (tmp_path / "subs" / "someone").mkdir(parents=True)
    shutil.copy(ROOT / "solutions" / "bigram.py", tmp_path / "subs" / "someone")
    course_cmd = [str(Path(sys.executable).parent / "course"), "grade", str(tmp_path / "subs"),
                  "--out", str(tmp_path / "out"), "--only", "bigram"]
    env = {**os.environ, "COURSE_SANDBOX": "none"}
    refused = subprocess.run(course_cmd, capture_output=True, text=True, cwd=ROOT, env=env)
    assert refused.returncode != 0
    assert "--unsafe-no-sandbox" in refused.stdout + refused.stderr
    assert not (tmp_path / "out" / "grades.csv").exists()
    told = subprocess.run(course_cmd + ["--unsafe-no-sandbox"], capture_output=True, text=True, cwd=ROOT, env=env)
    assert told.returncode == 0, told.stdout + told.stderr
    assert "someone" in (tmp_path / "out" / "grades.csv").read_text()


JUDGE = '''
import json, os, sys
from pathlib import Path
from course.classgrade.grade import Options, grade_class
from course.grading import sandbox
from course.manifest import load
records = grade_class(load(Path(sys.argv[1])), Path(sys.argv[2]), Path(sys.argv[3]), jobs=1,
                      options=Options(only=("bigram",)))
print(json.dumps({"uid": os.getuid(), "level": sandbox.level(),
                  "totals": {r.student: [r.total, r.max_total] for r in records}}))
'''


@needs_bwrap
def test_a_grading_run_by_an_unprivileged_user(tmp_path):
    """The grader itself as an ordinary user: its runner then sits in a user namespace."""
    work = tmp_path / "work"
    from tests.test_hostile import ATTACKS, FIND_TRACES, LEAVE_TRACES
    for name, source, extra in (("good", ROOT / "solutions", ""), ("stubs", ROOT / "exercises", ""),
                                ("m_leaves_traces", ROOT / "exercises", LEAVE_TRACES),
                                ("m_reads_secrets", ROOT / "exercises", ATTACKS["read_secrets"]),
                                ("n_finds_traces", ROOT / "solutions", FIND_TRACES)):
        (work / "subs" / name).mkdir(parents=True)
        shutil.copy(source / "bigram.py", work / "subs" / name)
        path = work / "subs" / name / "bigram.py"
        path.write_text(path.read_text() + "\n" + extra)
    (work / "judge.py").write_text(JUDGE)
    for path in [work, *work.rglob("*")]:
        path.chmod(0o777 if path.is_dir() else 0o666)
    python = str(Path(sys.executable))
    seen = work
    if os.geteuid() == 0:
        seen = Path("/tmp/judge")        # where the unprivileged user finds `work` (pytest's tmp is root's)
    argv = [python, str(seen / "judge.py"), str(ROOT), str(seen / "subs"), str(seen / "out")]
    if os.geteuid() == 0:
        if shutil.which("useradd") is None:
            pytest.skip("running as root without useradd: cannot create an unprivileged user")
        if subprocess.run(["id", "makemore-judge"], capture_output=True).returncode != 0:
            subprocess.run(["useradd", "--system", "--no-create-home", "makemore-judge"], check=True)
        uid = int(subprocess.run(["id", "-u", "makemore-judge"], capture_output=True, text=True).stdout)
        # The unprivileged user must reach Python, the virtual environment and the course, which
        # may lie under /root (pyenv) or a private /tmp folder (a CI clone): a mount namespace of
        # its own shows those folders, each under traversable parents, and nothing else of them.
        needed = {Path(os.path.realpath(p)) for p in (sys.base_prefix, sys.prefix, ROOT)}
        needed.add(Path(os.path.realpath(sys.executable)).parents[1])
        view = [sandbox.bwrap()[0], "--bind", "/", "/", "--unshare-pid", "--proc", "/proc", "--dev", "/dev",
                "--perms", "0755", "--tmpfs", "/root", "--perms", "1777", "--tmpfs", "/tmp"]
        made = set()
        for path in sorted(needed | {work}, key=lambda p: len(p.parts)):
            if not (path.is_relative_to("/root") or path.is_relative_to("/tmp")):
                continue
            if any(path.is_relative_to(m) for m in made if m in needed or m == work):
                continue
            target = seen if path == work else path
            for parent in reversed(target.parents):
                if parent not in made and parent not in (Path("/"), Path("/root"), Path("/tmp")):
                    view += ["--perms", "0755" if target != seen else "0777", "--dir", str(parent)]
                    made.add(parent)
            view += ["--bind", str(path), str(target)]
            made.add(path)
        argv = [*view, "--", "setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups",
                "--inh-caps=-all", *argv]
    done = subprocess.run(argv, capture_output=True, text=True, cwd="/", timeout=600,
                          env={**os.environ, "OMP_NUM_THREADS": "1"})
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    import json
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["uid"] != 0 and result["level"] == "bwrap"
    assert result["totals"]["good"][0] == result["totals"]["good"][1] > 0
    # One runner grades them all, one after another: what one leaves (a daemon, files, a full
    # /tmp, IPC objects, an attempt on the sandbox's pid 1) the next one in its slot never finds.
    assert result["totals"]["n_finds_traces"][0] == result["totals"]["n_finds_traces"][1], result
    for name in ("stubs", "m_leaves_traces", "m_reads_secrets"):
        assert result["totals"][name][0] == 0, (name, result)
    out = work / "out"
    texts = [p.read_text(errors="replace") for p in out.rglob("*") if p.is_file()]
    assert any("the runner's memory: refused" in t for t in texts)
    from tests.test_hostile import _secret_lines
    leaked = [line for line in _secret_lines(ROOT) if any(line in t for t in texts)]
    assert not leaked, leaked[:3]

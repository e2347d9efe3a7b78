"""A hostile class: submissions that attack the grading, each built on the untouched stubs plus
a few lines a student who read the README could write. Each must score exactly what its honest
code earns (0: nothing is implemented), its classmates keep full marks, no result file holds a
line of a solution or a hidden grader, no process of the class outlives the run, and the
course's own files are unchanged.

One attack class per submission (issue 9): forging results, getting files loaded by the judge,
changing the grader, defeating checks in-process, reading secrets, attacking classmates.
"""
import hashlib
import shutil
import time
from pathlib import Path

import pytest

from course import regions
from course.classgrade.grade import Options, grade_class
from course.grading import sandbox
from tests.conftest import ROOT

pytestmark = pytest.mark.skipif(sandbox.level() == "none",
                                reason="no sandbox level here (COURSE_SANDBOX=none, or neither bubblewrap nor root): "
                                       "`course grade` refuses untrusted submissions")

# Run when bigram.py is imported, and again from build_vocab during a check.
ATTACKS = {
    "exception_shapes": '''
class Unprintable(NotImplementedError):
    def __str__(self):
        raise RuntimeError("no text for you")
class Odd(AssertionError):
    pass
def build_vocab(words):
    raise NotImplementedError(12345, [1, 2])
def count_bigrams(words, stoi):
    raise Unprintable()
def bigram_probs(counts, smoothing=1.0):
    raise NotImplementedError("x" * 3_000_000)
def nll(probs, words, stoi):
    raise NotImplementedError("\\ud800 lone surrogate")
def sample_names(probs, itos, n, generator=None):
    raise Odd(b"bytes")
def bigram_pairs(words, stoi):
    e = NotImplementedError()
    e.args = (object(),)
    raise e
''',
    "stalled_answers": '''
import os, socket, struct, time
def _judge():
    for fd in range(3, 64):
        try:
            s = socket.socket(fileno=os.dup(fd))
        except OSError:
            continue
        if s.family == socket.AF_UNIX and s.type == socket.SOCK_STREAM:
            return s
def build_vocab(words):                # half an answer, then nothing
    _judge().sendall(struct.pack(">I", 1000) + b'{"ok": {"value": ')
    time.sleep(3600)
def count_bigrams(words, stoi):        # an answer far larger than the judge reads
    big = b'{"ok": {"value": "' + b"x" * (60 * 2**20) + b'"}}'
    _judge().sendall(struct.pack(">I", len(big)) + big)
    time.sleep(3600)
''',
    "forge_fds": '''
import os, json
for fd in range(3, 64):                      # every inherited descriptor: a forged verdict on each
    try:
        os.write(fd, b'{"ok": {"value": 1}, "n": 0}' + json.dumps({"status": "passed"}).encode() * 50)
    except OSError:
        pass
for name in ("results.json", "../results.json", "../../results.json", "/tmp/results.json"):
    try:
        open(name, "w").write('{"exercises": [], "total": 999, "max_total": 1}')
    except OSError:
        pass
''',
    "judge_loads_files": '''
import os
for name, text in {"conftest.py": "def pytest_configure(config):\\n    raise SystemExit(0)\\n",
                   "__init__.py": "", "pdb.py": "raise SystemExit(0)\\n", "code.py": "raise SystemExit(0)\\n"}.items():
    for folder in (os.path.dirname(__file__), os.getcwd()):
        try:
            open(os.path.join(folder, name), "w").write(text)
        except OSError:
            pass
''',
    "change_the_grader": '''
import os, course, course.grading.judge.api
root = os.path.dirname(course.__file__)
for dirpath, _, files in os.walk(root):
    for f in files:
        path = os.path.join(dirpath, f)
        try:
            os.chmod(path, 0o666)
            open(path, "a").write("\\nraise SystemExit('pwned')\\n")
        except OSError:
            pass
course.grading.judge.api.check = lambda *a, **k: None
''',
    "lying_objects": '''
import torch, gc, sys
torch.allclose = lambda *a, **k: True
torch.equal = lambda *a, **k: True
class Liar(torch.Tensor):
    def __eq__(self, other): return True
    def item(self): return 0.0
def build_vocab(words):
    frame = sys._getframe(1)
    found = [o for o in gc.get_objects() if isinstance(o, dict) and "expected" in o][:1]
    return (frame.f_locals.get("expected") or (found[0]["expected"] if found else {"."}), {})
def count_bigrams(words, stoi):
    return torch.zeros(len(stoi), len(stoi), dtype=torch.int64).as_subclass(Liar)
''',
    "read_secrets": '''
import os
loot = []
for start in [os.environ.get("COURSE_ROOT", ""), os.environ.get("COURSE_ORIGINAL_ROOT", ""), "/", "/work", "/tmp",
              "/proc/1/cwd", "/autograder"]:
    for dirpath, dirs, files in os.walk(start or "/nonexistent"):
        if dirpath.count("/") > 6 or dirpath.startswith(("/proc", "/sys", "/usr")):
            dirs[:] = []
            continue
        for f in files:
            if "solution" in dirpath or "hidden" in dirpath or f.endswith("_hidden.py"):
                try:
                    loot.append(open(os.path.join(dirpath, f)).read()[:3000])
                except OSError:
                    pass
for pid in range(1, 200):
    try:
        loot.append(open(f"/proc/{pid}/cmdline").read())
    except OSError:
        pass
print("\\n".join(loot)[:15000])
def build_vocab(words):
    raise ValueError("\\n".join(loot)[:3000] or "nothing found")
''',
    "attack_classmates": '''
import os, signal, time
for sig in (signal.SIGSTOP, signal.SIGKILL):
    for pid in (os.getppid(), -1):
        try:
            os.kill(pid, sig)
        except OSError:
            pass
if os.fork() == 0:                            # a daemon that waits for the grader to leave
    os.setsid()
    if os.fork() == 0:
        time.sleep(20)
        for dirpath, _, files in os.walk("/tmp"):
            for f in files:
                try:
                    open(os.path.join(dirpath, f), "w").write("overwritten")
                except OSError:
                    pass
        os._exit(0)
    os._exit(0)
for i in range(200):
    try:
        if os.fork() == 0:
            time.sleep(60)
            os._exit(0)
    except OSError:
        break
''',
}


def _digest(root: Path) -> str:
    h = hashlib.sha256()
    for folder in ("course", "autograder", "solutions"):
        for path in sorted((root / folder).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                h.update(str(path.relative_to(root)).encode() + path.read_bytes())
    return h.hexdigest()


def _secret_lines(root: Path) -> list[str]:
    """Distinctive lines of the solution regions and of the hidden graders (those that a public
    file also holds, a hint of course.toml say, are no secret)."""
    public = "\n".join(p.read_text() for p in [root / "course.toml", *sorted((root / "exercises").glob("*.py")),
                                                *sorted((root / "autograder").glob("*.py"))])
    lines = []
    for path in sorted((root / "autograder" / "hidden").glob("test_*.py")):
        lines += [ln.strip() for ln in path.read_text().splitlines() if len(ln.strip()) > 50]
    for path in sorted((root / "solutions").glob("*.py")):
        lines += [ln.strip() for region in regions.find(path.read_text()) for ln in region.body if len(ln.strip()) > 40]
    return [ln for ln in lines if ln not in public]


def _runner_processes() -> list[str]:
    """Live processes of runner users that no runner holds now (what a grading left running).
    A zombie is no process: it is dead, only its exit status waits for a parent to read it."""
    return sandbox.unclaimed_processes()


@pytest.fixture(scope="module")
def hostile_class(tmp_path_factory, course):
    base = tmp_path_factory.mktemp("hostile")
    subs = base / "submissions"
    for name in ("a_good", "z_good"):
        folder = subs / name
        folder.mkdir(parents=True)
        for path in [*(ROOT / "solutions").glob("*.py"), ROOT / "solutions" / "beat_217.pt"]:
            shutil.copy(path, folder / path.name)
        shutil.copy(ROOT / "solutions" / "05-recall.ipynb", folder / "05-recall.ipynb")
    for name, attack in ATTACKS.items():
        folder = subs / f"m_{name}"
        shutil.copytree(ROOT / "exercises", folder, ignore=shutil.ignore_patterns(".*", "__pycache__"))
        path = folder / "bigram.py"
        path.write_text(path.read_text() + "\n\n# --- the attack ---\n" + attack)
    # An argument rewritten to fit the answer: calibrate zeroes x and the statistics, so that a
    # grader that adopted x would expect exactly that.
    rewriter = subs / "m_rewritten_inputs"
    shutil.copytree(ROOT / "exercises", rewriter, ignore=shutil.ignore_patterns(".*", "__pycache__"))
    (rewriter / "batchnorm.py").write_text((rewriter / "batchnorm.py").read_text() + REWRITE_INPUTS)
    # Files shipped in the submission itself, for the grading process to load: a conftest.py
    # that would pass every check, modules named like the ones pytest and the stdlib import
    # lazily, configuration files.
    shipped = subs / "m_shipped_files"
    shutil.copytree(ROOT / "exercises", shipped, ignore=shutil.ignore_patterns(".*", "__pycache__"))
    forge = "import pytest\n@pytest.hookimpl(hookwrapper=True)\ndef pytest_runtest_makereport(item, call):\n" \
            "    outcome = yield\n    outcome.get_result().outcome = 'passed'\n"
    for name, text in {"conftest.py": forge, "__init__.py": "", "pdb.py": "raise SystemExit(0)\n",
                       "code.py": "raise SystemExit(0)\n", "sitecustomize.py": "raise SystemExit(0)\n",
                       "pytest.ini": "[pytest]\naddopts = -p no:course\n",
                       "pyproject.toml": "[tool.pytest.ini_options]\naddopts = '-x'\n"}.items():
        (shipped / name).write_text(text)
    before = _digest(ROOT)
    records = grade_class(course, subs, base / "out", jobs=2, options=Options(submission_timeout=300, check_timeout=3))
    return {"records": {r.student: r.to_json() for r in records}, "out": base / "out", "before": before}


def test_a_rewritten_input_is_never_the_graders_expectation(hostile_class):
    record = hostile_class["records"]["m_rewritten_inputs"]
    row = next(r for r in record["exercises"] if r["id"] == "batchnorm.calibrate")
    assert row["points"] == 0 and "running_mean should be the mean of x" in row["message"], row


def test_stalled_and_oversized_answers_cost_their_check_only(hostile_class):
    rows = {r["id"]: r for r in hostile_class["records"]["m_stalled_answers"]["exercises"]}
    assert rows["bigram.build_vocab"]["status"] == "timed out", rows["bigram.build_vocab"]
    assert "waited" in rows["bigram.build_vocab"]["message"]
    assert rows["bigram.count_bigrams"]["status"] == "error", rows["bigram.count_bigrams"]
    assert "larger than" in rows["bigram.count_bigrams"]["message"]
    assert hostile_class["records"]["m_stalled_answers"]["ended"] == "completed"


def slower_than_the_class_budget(seconds: float = 3.0) -> set[str]:
    """The exercises whose reference needs more CPU than the hostile class's check_timeout (3 s)
    (none today: tuning.beat_217's grader reads a saved model). A correct answer would time out
    there by construction; its full marks are proved where the budget is the real one
    (test_graders, test_gradescope)."""
    import json
    data = json.loads((ROOT / "autograder" / "fixtures" / "budgets.json").read_text())
    return {ex for ex, cpu in data["cpu_seconds"].items() if cpu > seconds / 2}


def test_good_classmates_keep_full_marks(hostile_class):
    slow = slower_than_the_class_budget()
    for name in ("a_good", "z_good"):
        record = hostile_class["records"][name]
        rows = [r for r in record["exercises"] if r["id"] not in slow]
        assert all(r["points"] == r["max_points"] for r in rows), (name, record.get("ended"), [
            (r["id"], r["status"], r["message"][:300]) for r in rows if r["points"] != r["max_points"]][:3])
        assert all(r["status"] in ("passed", "timed out") for r in record["exercises"] if r["id"] in slow), \
            [(r["id"], r["status"], r["message"][:300]) for r in record["exercises"] if r["id"] in slow]


REWRITE_INPUTS = '''

def calibrate(bn, x):
    with torch.no_grad():
        x.zero_()
        bn.running_mean.zero_()
        bn.running_var.zero_()
'''


@pytest.mark.parametrize("attack", [*sorted(ATTACKS), "shipped_files", "rewritten_inputs"])
def test_each_attack_earns_only_what_its_honest_code_earns(hostile_class, attack):
    record = hostile_class["records"][f"m_{attack}"]
    assert record["total"] == 0, [r for r in record["exercises"] if r["points"]]


def test_no_secret_reaches_any_result_file(hostile_class):
    secrets = _secret_lines(ROOT)
    assert len(secrets) > 50
    texts = [p.read_text(errors="replace") for p in hostile_class["out"].rglob("*") if p.is_file()]
    leaked = [s for s in secrets if any(s in t for t in texts)]
    assert not leaked, leaked[:3]


def test_nothing_of_the_class_is_left_running_and_the_course_is_unchanged(hostile_class):
    for _ in range(100):                 # the kernel ends a dead namespace's processes in a moment
        if not _runner_processes():
            break
        time.sleep(0.1)
    assert _runner_processes() == []
    assert _digest(ROOT) == hostile_class["before"]


# A runner serves the submissions of its slot one after another (course.classgrade.pool.RunnerSlots),
# made clean in between: what one submission leaves there must be gone for the next.
LEAVE_TRACES = '''
import ctypes, os, time
libc = ctypes.CDLL(None, use_errno=True)
open("/tmp/left-by-the-last-one", "w").write("for the next submission")
os.makedirs("/tmp/locked/inner")
open("/tmp/locked/inner/site.py", "w").write("raise SystemExit('planted')")
os.chmod("/tmp/locked/inner", 0)
os.chmod("/tmp/locked", 0)
try:                                                        # and /tmp filled up
    with open("/tmp/filler", "wb") as f:
        for _ in range(400):
            f.write(bytes(2**20))
except OSError:
    pass
try:
    open("/dev/shm/left-by-the-last-one", "w").write("x")
except OSError:
    pass
libc.shmget(0x1234, 4096, 0o1000 | 0o666)                 # IPC_CREAT: a System V segment
try:
    ctypes.CDLL("librt.so.1").mq_open(b"/course-left", 0o100 | 2, 0o600, None)   # a POSIX message queue
except OSError:
    pass
libc.syscall(248, b"user", b"course-left", b"x", 1, -4)    # add_key to the user keyring (x86_64)
if os.fork() == 0:                                          # a daemon, reparented to the sandbox's init
    os.setsid()
    if os.fork() == 0:
        time.sleep(120)
        os._exit(0)
    os._exit(0)


def build_vocab(words):                                     # and the runner itself, to plant code in it
    outcome = "refused"
    for pid in (1, os.getppid()):
        try:
            open(f"/proc/{pid}/mem", "r+b").close()
            outcome = "opened"
        except OSError:
            pass
    raise RuntimeError(f"the runner's memory: {outcome}")
'''

FIND_TRACES = '''
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)


def _traces():
    found = []
    for path in ("/tmp/left-by-the-last-one", "/tmp/locked", "/tmp/filler", "/dev/shm/left-by-the-last-one"):
        if os.path.lexists(path):
            found.append(path)
    st = os.statvfs("/tmp")
    if st.f_bavail * st.f_frsize < 200 * 2**20:
        found.append("a full /tmp")
    if libc.shmget(0x1234, 0, 0) >= 0:
        found.append("its shared memory segment")
    try:
        if ctypes.CDLL("librt.so.1").mq_open(b"/course-left", 0, 0, None) >= 0:
            found.append("its message queue")
    except OSError:
        pass
    if libc.syscall(249, b"user", b"course-left", None, 0) >= 0:     # request_key (x86_64)
        found.append("its key")
    return found


_build_vocab = build_vocab


def build_vocab(words):
    traces = _traces()
    if traces:
        raise RuntimeError("the submission before left " + ", ".join(traces))
    return _build_vocab(words)
'''


def test_a_runner_keeps_nothing_of_the_submission_it_graded_before(tmp_path, course):
    subs = tmp_path / "submissions"
    leaver = subs / "a_leaves_traces"
    shutil.copytree(ROOT / "exercises", leaver, ignore=shutil.ignore_patterns(".*", "__pycache__"))
    (leaver / "bigram.py").write_text((leaver / "bigram.py").read_text() + "\n" + LEAVE_TRACES)
    finder = subs / "b_finds_traces"
    finder.mkdir()
    for path in (ROOT / "solutions").glob("*.py"):
        shutil.copy(path, finder / path.name)
    (finder / "bigram.py").write_text((finder / "bigram.py").read_text() + "\n" + FIND_TRACES)
    records = {r.student: r.to_json() for r in grade_class(course, subs, tmp_path / "out", jobs=1,
                                                           options=Options(only=("bigram",)))}
    assert records["a_leaves_traces"]["total"] == 0
    planted = next(r for r in records["a_leaves_traces"]["exercises"] if r["id"] == "bigram.build_vocab")
    assert "the runner's memory: refused" in planted["message"]
    vocab = next(r for r in records["b_finds_traces"]["exercises"] if r["id"] == "bigram.build_vocab")
    assert vocab["status"] == "passed", vocab["message"]


# Through Gradescope: the bundle's run_autograder grades one upload on a simulated /autograder,
# where the results file, the bundle's hidden graders and the judge's own folders lie on the same
# machine. The upload looks for all of them, forges every results.json it can reach, steals what
# it can read, and answers with exceptions and output that no JSON file can hold as they are.
GRADESCOPE_ATTACK = '''
import json, os
loot = []
forged = json.dumps({"score": 999, "tests": [{"name": "bigram.build_vocab", "score": 999, "max_score": 2}]})
for top in ("/", "/autograder", "/tmp", os.path.expanduser("~")):
    for dirpath, dirs, files in os.walk(top):
        if dirpath.count("/") > 7 or dirpath.startswith(("/proc", "/sys", "/usr", "/dev")):
            dirs[:] = []
            continue
        dirs[:] = [d for d in dirs if d not in (".venv", "site-packages", ".git", "__pycache__")]
        if os.path.basename(dirpath) == "results" or "results.json" in files:
            try:
                open(os.path.join(dirpath, "results.json"), "w").write(forged)
            except OSError:
                pass
        for f in files:
            if "hidden" in dirpath or "solution" in dirpath or "source" in dirpath or f.endswith("_hidden.py"):
                try:
                    loot.append(open(os.path.join(dirpath, f), errors="replace").read()[:3000])
                except OSError:
                    pass
print("\\ud800", "\\n".join(loot)[:15000])
class Unprintable(NotImplementedError):
    def __str__(self):
        raise RuntimeError("no text for you")
def build_vocab(words):
    raise ValueError("\\n".join(loot)[:3000] + "\\ud800")
def count_bigrams(words, stoi):
    raise Unprintable()
def bigram_probs(counts, smoothing=1.0):
    raise NotImplementedError("x" * 3_000_000)
def nll(probs, words, stoi):
    print("\\udcff" * 10)
    raise AssertionError("\\ud800 lone surrogate")
'''


def test_through_gradescope_an_attack_earns_its_honest_zero_and_results_json_stays_the_judges(tmp_path, course):
    from course.classgrade import gradescope
    from tests.test_gradescope import run_autograder
    bundle = tmp_path / "bigram.zip"
    gradescope.build(course, bundle, only=("bigram",), check_timeout=2, submission_timeout=120)
    upload = tmp_path / "upload"
    shutil.copytree(ROOT / "exercises", upload, ignore=shutil.ignore_patterns(".*", "__pycache__", "*.ipynb"))
    (upload / "bigram.py").write_text((upload / "bigram.py").read_text() + "\n" + GRADESCOPE_ATTACK)
    results = run_autograder(bundle, tmp_path / "autograder", upload)
    text = (tmp_path / "autograder" / "results" / "results.json").read_text(encoding="utf-8")
    tests = {t["name"]: t for t in results["tests"]}
    assert set(tests) == {ex.id for ex in course.exercises if ex.assignment == "bigram"}
    assert results["score"] == 0 and all(t["score"] == 0 for t in tests.values()), text[:3000]
    for t in [results, *tests.values()]:
        t.get("output", "").encode("utf-8")          # no lone surrogate survives, escaped or not
    leaked = [line for line in _secret_lines(ROOT) if line in text]
    assert not leaked, leaked[:3]
    assert not _runner_processes()

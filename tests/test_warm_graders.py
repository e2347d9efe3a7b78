"""A class grading computes once what every student's judge would compute alike (the mystery
lab's runs), before it forks the judges: course/classgrade/pool.py `warm_graders`, course/grading/judge/api.py
`share`/`shared`."""
import subprocess
import sys


from course.grading.judge import api as checks
from course.classgrade import pool
from tests.conftest import ROOT


def test_the_class_grader_makes_the_runs_once_and_leaves_no_grader_module_behind(course):
    modules, path = set(sys.modules), list(sys.path)
    checks._shared.clear()
    pool.warm_graders(course)
    keys = [k for k in checks._shared if k[0] == "mystery"]
    assert {k[2][2] for k in keys} == {False, True}, keys        # the public runs and the hidden tier's
    assert all(v["figures"] and v["run"] for v in checks._shared.values())
    assert not [m for m in set(sys.modules) - modules if m.startswith("test_")]
    assert sys.path == path


def test_a_shared_run_is_the_run_the_judge_would_make(course):
    import importlib.util
    if not checks._shared:
        pool.warm_graders(course)
    key = next(k for k in checks._shared if k[0] == "mystery" and not k[2][2])
    spec = importlib.util.spec_from_file_location("_mystery_again", course.root / "autograder" / "test_mystery.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    fresh = module.make_run(*key[2])
    shared = checks._shared[key]["run"]
    assert module.measure(fresh) == module.measure(shared)
    assert key[1] == module._SOURCE      # shared under the digest of the very file that made it


def test_a_learners_check_keeps_the_runs_and_gets_the_same_run_back(course, tmp_path, monkeypatch):
    """The self-check's cache (never an instructor's grading): a run read back is the run made."""
    import importlib.util
    spec = importlib.util.spec_from_file_location("_mystery_cached", course.root / "autograder" / "test_mystery.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(module, "cache_folder", lambda: tmp_path)
    made = module._made("dead_units", 6, False)
    assert list(tmp_path.glob("mystery-*-dead_units-6-0.pt")), list(tmp_path.iterdir())
    kept = module._kept("dead_units", 6, False)
    assert kept is not None
    assert module.measure(kept["run"]) == made["figures"] == kept["figures"]
    assert all(m.training is False for m in kept["run"]["model"][1])
    (next(tmp_path.glob("mystery-*.pt"))).write_bytes(b"not a tensor file")
    assert module._kept("dead_units", 6, False) is None          # a damaged file: made again


def test_an_instructors_grading_keeps_no_cache(monkeypatch):
    from course.grading.judge import plugin

    class Config:
        def getoption(self, name):
            return name == "instructor_grade"
    monkeypatch.setitem(plugin._state, "config", Config())
    assert checks.cache_folder() is None


def test_warming_keeps_what_the_graders_imported():
    """Only the grader modules go: a second course.grading.judge.api would hold another GraderFailure (a
    grader's failure would read as the grader's own trouble) and an empty store of runs. In a
    fresh process, where the graders are the first to import course.grading.judge.api."""
    code = ("import sys\nfrom course.classgrade import pool\nfrom course.manifest import load\n"
            "assert 'course.grading.judge.api' not in sys.modules\npool.warm_graders(load())\n"
            "import importlib\nchecks = importlib.import_module('course.grading.judge.api')\n"
            "print(sum(k[0] == 'mystery' for k in checks._shared), "
            "sorted(m for m in sys.modules if m.startswith('test_')))")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    count, leftovers = done.stdout.strip().split(" ", 1)
    assert int(count) > 0, "the runs went to a copy of course.grading.judge.api that is gone"
    assert leftovers == "[]", leftovers

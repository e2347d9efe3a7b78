"""A class grading computes once what every student's judge would compute alike (the mystery
lab's runs), before it forks the judges: course/grade.py `warm_graders`, course/checks.py
`share`/`shared`."""
import sys

from course import checks, grade


def test_the_class_grader_makes_the_runs_once_and_leaves_no_grader_module_behind(course):
    modules, path = set(sys.modules), list(sys.path)
    checks._shared.clear()
    grade.warm_graders(course)
    keys = [k for k in checks._shared if k[0] == "mystery"]
    assert {k[2][2] for k in keys} == {False, True}, keys        # the public runs and the hidden tier's
    assert all(v["figures"] and v["run"] for v in checks._shared.values())
    assert not [m for m in set(sys.modules) - modules if m.startswith("test_")]
    assert sys.path == path


def test_a_shared_run_is_the_run_the_judge_would_make(course):
    import importlib.util
    if not checks._shared:
        grade.warm_graders(course)
    key = next(k for k in checks._shared if k[0] == "mystery" and not k[2][2])
    spec = importlib.util.spec_from_file_location("_mystery_again", course.root / "autograder" / "test_mystery.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    fresh = module.make_run(*key[2])
    shared = checks._shared[key]["run"]
    assert module.measure(fresh) == module.measure(shared)
    assert key[1] == module._SOURCE      # shared under the digest of the very file that made it

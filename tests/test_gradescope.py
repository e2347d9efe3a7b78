"""`course gradescope`: the bundle's run_autograder grades one submission on a simulated /autograder."""
import json
import os
import shutil
import subprocess
import sys
import zipfile

from course import gradescope
from tests.conftest import ROOT
from tests.test_grade import course_copy


def test_run_autograder_grades_a_submission_on_a_simulated_layout(tmp_path):
    course = course_copy(tmp_path)
    shutil.copytree(ROOT / "course", course.root / "course",       # the package goes into the bundle too
                    ignore=shutil.ignore_patterns("__pycache__"))
    bundle = tmp_path / "gradescope.zip"
    names = gradescope.build(course, bundle, only=("bigram",), check_timeout=2, submission_timeout=120)
    assert {"setup.sh", "run_autograder", "gradescope.json", "autograder/test_bigram.py",
            "autograder/hidden/test_bigram_hidden.py", "autograder/fixtures/bigram.json",
            "course/grade.py", "course/grading/runner.py", "course.toml"} <= set(names)
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

"""`course update`: a learner with work in progress takes a newer release without losing a line."""
import json
import shutil

from course.learner import update
from course.cli import main
from course.files import sha256
from tests.conftest import ROOT

STUB = (ROOT / "exercises" / "bigram.py").read_text()


def release(folder, stubs: dict[str, str], grader: str, extra: dict[str, str] = None):
    """A release as the course ships it: manifest, graders, stubs and their record."""
    (folder / "exercises").mkdir(parents=True)
    (folder / "autograder").mkdir()
    shutil.copy(ROOT / "course.toml", folder / "course.toml")
    (folder / "autograder" / "test_bigram.py").write_text(grader)
    for name, text in stubs.items():
        (folder / "exercises" / name).write_text(text)
    (folder / "exercises" / ".stubs.json").write_text(json.dumps({n: sha256(t) for n, t in stubs.items()}))
    for rel, text in (extra or {}).items():
        (folder / rel).write_text(text)
    return folder


def test_update_keeps_every_line_the_learner_wrote(tmp_path, capsys):
    old = {"bigram.py": STUB, "kaiming.py": "def gain(n):\n    raise NotImplementedError\n",
           "batchnorm.py": "class BatchNorm1d:\n    pass\n",
           "sampling.py": "def sample_next():\n    raise NotImplementedError\n"}
    new = {"bigram.py": STUB.replace("Lecture 2 — the bigram language model.",
                                     "Lecture 2 — the bigram model (corrected)."),
           "kaiming.py": old["kaiming.py"],                                      # unchanged upstream
           "batchnorm.py": "class BatchNorm1d:\n    '''fixed docstring'''\n",
           "sampling.py": "def sample_next(logits):\n    raise NotImplementedError\n",
           "mlp.py": "def split_words(words, seed=42):\n    raise NotImplementedError\n"}    # a new exercise
    release(tmp_path / "old", old, "# graders v1\n")
    release(tmp_path / "new", new, "# graders v2 (fixed)\n")
    learner = tmp_path / "learner"
    shutil.copytree(tmp_path / "old", learner)
    # the learner's work in progress, in several files
    edits = {
        "exercises/bigram.py": STUB.replace('    raise NotImplementedError("bigram.build_vocab',
                                            '    return {".": 0}, {0: "."}  # my work\n'
                                            '    raise NotImplementedError("bigram.build_vocab'),
        "exercises/kaiming.py": "def gain(n):\n    return {'tanh': 5 / 3}[n]  # mine\n",
        "exercises/notes.md": "what I learned today\n",                         # a file of their own
        "autograder/test_bigram.py": "# graders v1\nprint('my debugging')\n",   # even a course file
    }
    for rel, text in edits.items():
        (learner / rel).write_text(text)

    assert main(["update", str(tmp_path / "new"), "--course", str(learner)]) == 0
    said = capsys.readouterr().out

    # nothing the learner wrote is lost: each edited file is where it was, or backed up, byte for byte
    backups = list((learner / ".course-update").rglob("test_bigram.py"))
    for rel, text in edits.items():
        kept = (learner / rel).read_text() == text
        saved = rel.startswith("autograder/") and len(backups) == 1 and backups[0].read_text() == text
        assert kept or saved, rel
    # untouched stubs are replaced, new ones added, edited ones get the new version beside them
    ex = learner / "exercises"
    assert (ex / "batchnorm.py").read_text() == new["batchnorm.py"]
    assert (ex / "sampling.py").read_text() == new["sampling.py"]
    assert (ex / "mlp.py").read_text() == new["mlp.py"]
    assert (ex / "bigram.py.new").read_text() == new["bigram.py"]
    assert not (ex / "kaiming.py.new").exists()                   # the course did not change it
    assert (learner / "autograder" / "test_bigram.py").read_text() == "# graders v2 (fixed)\n"
    # the record now tells the replaced stubs as untouched, and the edited ones as edited
    record = json.loads((ex / ".stubs.json").read_text())
    assert record["batchnorm.py"] == sha256(new["batchnorm.py"]) and record["mlp.py"] == sha256(new["mlp.py"])
    assert record["bigram.py"] == sha256(old["bigram.py"])
    # and it says exactly what it did
    for line in ["exercises/bigram.py", "bigram.py.new", "exercises/batchnorm.py", "replaced: you had not changed it",
                 "exercises/mlp.py", "added", "exercises/kaiming.py", "kept as you wrote it",
                 "autograder/test_bigram.py", "your previous copy: .course-update/"]:
        assert line in said, line
    assert "notes.md" not in said

    # a second update from the same release changes nothing of the learner's
    actions = update.update(learner, tmp_path / "new")
    assert {a.what for a in actions} <= {"unchanged", "kept", "kept+new"}
    assert (ex / "bigram.py").read_text() == edits["exercises/bigram.py"]


def test_dry_run_changes_nothing(tmp_path, capsys):
    release(tmp_path / "old", {"bigram.py": STUB}, "# v1\n")
    release(tmp_path / "new", {"bigram.py": STUB + "\n# corrected\n"}, "# v2\n")
    before = {p: p.read_bytes() for p in (tmp_path / "old").rglob("*") if p.is_file()}
    assert main(["update", str(tmp_path / "new"), "--course", str(tmp_path / "old"), "--dry-run"]) == 0
    assert "would be exercises/bigram.py" in capsys.readouterr().out
    assert {p: p.read_bytes() for p in (tmp_path / "old").rglob("*") if p.is_file()} == before

"""course/files.py: whole files or none, and never over someone's edit."""
import json
import os

import pytest

from course import files
from course.files import Record, write_unless_edited


def test_atomic_write_replaces_the_file_whole_and_keeps_its_permissions(tmp_path):
    path = tmp_path / "deep" / "notes.txt"
    files.atomic_write(path, "first")
    assert path.read_text() == "first"
    path.chmod(0o751)
    files.atomic_write(path, b"second")
    assert path.read_bytes() == b"second" and path.stat().st_mode & 0o777 == 0o751
    assert sorted(p.name for p in path.parent.iterdir()) == ["notes.txt"]       # no temporary file left


def test_a_save_that_fails_leaves_the_old_file_and_no_temporary_one(tmp_path):
    path = tmp_path / "model.pt"
    path.write_text("the old model")
    with pytest.raises(RuntimeError):
        with files.atomic_save(path) as tmp:
            assert tmp.parent == tmp_path and tmp.suffix == ".pt" and tmp != path
            tmp.write_text("half a mod")
            raise RuntimeError("disk full")
    assert path.read_text() == "the old model" and os.listdir(tmp_path) == ["model.pt"]


def test_a_record_tells_an_edited_file_from_one_as_written(tmp_path):
    record = Record(tmp_path / ".record.json")
    assert record.shas == {}
    record.note("a.py", "print(1)\n")
    assert not record.edited("a.py", b"print(1)\n") and record.edited("a.py", b"print(2)\n")
    assert not record.edited("a.py", None)                       # a file that is not there is not an edit
    assert record.edited("never-recorded.py", b"x")
    record.save()
    assert json.loads((tmp_path / ".record.json").read_text()) == {"a.py": files.sha256("print(1)\n")}
    (tmp_path / "broken.json").write_text("{not json")
    assert Record(tmp_path / "broken.json").shas == {}          # unreadable: every file counts as edited


def test_write_unless_edited_says_what_it_did_and_never_overwrites_an_edit(tmp_path):
    record, dest = Record(tmp_path / ".record.json"), tmp_path / "bigram.py"
    assert write_unless_edited(dest, "v1", record, "bigram.py", check=True) == "stale"
    assert not dest.exists()
    assert write_unless_edited(dest, "v1", record, "bigram.py") == "created"
    assert write_unless_edited(dest, "v1", record, "bigram.py") == "unchanged"
    assert write_unless_edited(dest, "v1", record, "bigram.py", check=True) == "unchanged"
    assert write_unless_edited(dest, "v2", record, "bigram.py") == "updated" and dest.read_text() == "v2"

    dest.write_text("my work")
    assert write_unless_edited(dest, "v3", record, "bigram.py") == "kept"
    assert dest.read_text() == "my work" and files.beside(dest).read_text() == "v3"
    assert files.beside(dest).name == "bigram.py.new"
    assert write_unless_edited(dest, "v3", record, "bigram.py", check=True) == "stale"
    assert write_unless_edited(dest, "v3", record, "bigram.py", force=True) == "updated"
    assert dest.read_text() == "v3"


def test_a_file_already_right_but_not_recorded_is_recorded_not_rewritten(tmp_path):
    record, dest = Record(tmp_path / ".record.json"), tmp_path / "bigram.py"
    dest.write_text("v1")
    assert write_unless_edited(dest, "v1", record, "bigram.py", check=True) == "stale"   # its record is missing
    assert write_unless_edited(dest, "v1", record, "bigram.py") == "unchanged"
    record.save()
    assert Record(tmp_path / ".record.json").shas == {"bigram.py": files.sha256("v1")}

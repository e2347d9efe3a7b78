"""course/grading/job.py: the job file `course grade` gives a judge, read back as written, and
refused in one line when it is anything else."""
from __future__ import annotations

import json
import math
import os
import stat
from pathlib import Path
from types import SimpleNamespace

import pytest

from course.grading import job
from course.grading.job import JobError, JobSpec

SPEC = JobSpec(course=Path("/tmp/g/course"), target=Path("/tmp/g/submission"), results=Path("/tmp/g/results.json"),
               exercises=("bigram.nll", "recall.mlp_shapes"), check_timeout=2.5, instructor=True)


def test_a_job_reads_back_as_it_was_written(tmp_path):
    path = SPEC.write(tmp_path / "job.json")
    assert JobSpec.read(path) == SPEC
    assert stat.S_IMODE(path.stat().st_mode) == 0o600                       # the judge's alone
    defaults = JobSpec(Path("/c"), Path("/t"), Path("/r.json"))
    assert JobSpec.read(defaults.write(tmp_path / "defaults.json")) == defaults
    assert json.loads(path.read_text())["format"] == job.FORMAT


def written(tmp_path: Path, **changes) -> Path:
    data = json.loads(SPEC.write(tmp_path / "job.json").read_text())
    data.update(changes)
    (tmp_path / "job.json").write_text(json.dumps(data))
    return tmp_path / "job.json"


@pytest.mark.parametrize("changes, words", [
    ({"format": 2}, "not a job file of format 1"),
    ({"course": "relative/course"}, "`course` should be an absolute path"),
    ({"target": None}, "`target` should be an absolute path"),
    ({"results": 3}, "`results` should be an absolute path"),
    ({"exercises": "bigram.nll"}, "`exercises` should be a list of exercise ids"),
    ({"exercises": ["bigram.nll", 4]}, "`exercises` should be a list of exercise ids"),
    ({"check_timeout": 0}, "`check_timeout` should be a number of seconds above 0"),
    ({"check_timeout": -1}, "`check_timeout` should be a number of seconds above 0"),
    ({"check_timeout": True}, "`check_timeout` should be a number of seconds above 0"),
    ({"check_timeout": "2"}, "`check_timeout` should be a number of seconds above 0"),
    ({"instructor": "yes"}, "`instructor` should be true or false"),
    ({"target_folder": "/t"}, "unknown field 'target_folder'"),
])
def test_a_malformed_job_is_refused_in_one_line(tmp_path, changes, words):
    with pytest.raises(JobError) as e:
        JobSpec.read(written(tmp_path, **changes))
    assert str(e.value).startswith(f"--job {tmp_path / 'job.json'}: ") and words in str(e.value)
    assert "\n" not in str(e.value)


@pytest.mark.parametrize("text", ["", "not json", "[1, 2]", json.dumps({"course": "/c"}), "NaN"])
def test_what_is_not_a_job_object_is_refused(tmp_path, text):
    (tmp_path / "job.json").write_text(text)
    with pytest.raises(JobError, match="--job .*: (cannot be read|not a job file)"):
        JobSpec.read(tmp_path / "job.json")
    with pytest.raises(JobError, match="cannot be read"):
        JobSpec.read(tmp_path / "missing.json")


def test_an_infinite_time_limit_is_refused(tmp_path):
    (tmp_path / "job.json").write_text(SPEC.write(tmp_path / "j.json").read_text().replace("2.5", "Infinity"))
    assert math.isinf(json.loads((tmp_path / "job.json").read_text())["check_timeout"])
    with pytest.raises(JobError, match="check_timeout"):
        JobSpec.read(tmp_path / "job.json")


class Config:
    """What the judge's plugin hands job.configure: options, a stash, the deselection hook."""

    def __init__(self, path):
        self.option = SimpleNamespace(job=path, target="exercises", results=None, check_timeout=None,
                                      instructor_grade=False)
        self.stash = pytest.Stash()
        self.deselected = []
        self.hook = SimpleNamespace(pytest_deselected=lambda items: self.deselected.extend(items))

    def getoption(self, name, default=None):
        return getattr(self.option, name, default)


def test_the_judge_takes_the_job_as_the_options_it_stands_for(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_ROOT", str(tmp_path))          # so that it is put back afterwards
    config = Config(str(SPEC.write(tmp_path / "job.json")))
    assert job.configure(config) == SPEC
    assert (config.option.target, config.option.results) == ("/tmp/g/submission", "/tmp/g/results.json")
    assert (config.option.check_timeout, config.option.instructor_grade) == (2.5, True)
    assert os.environ["COURSE_ROOT"] == "/tmp/g/course"                   # the graders' manifest.load()
    items = ["bigram.nll", "mlp.train", "recall.mlp_shapes", "mlp.train"]
    job.deselect(config, items, lambda item: item)
    assert items == ["bigram.nll", "recall.mlp_shapes"] and config.deselected == ["mlp.train", "mlp.train"]


def test_without_a_job_the_options_typed_by_hand_stay():
    config = Config(None)
    assert job.configure(config) is None and config.option.target == "exercises"
    items = ["bigram.nll", "mlp.train"]
    job.deselect(config, items, lambda item: item)
    assert items == ["bigram.nll", "mlp.train"]


def test_a_bad_job_stops_the_judge_as_a_usage_error(tmp_path):
    (tmp_path / "job.json").write_text("{}")
    with pytest.raises(pytest.UsageError, match="not a job file"):
        job.configure(Config(str(tmp_path / "job.json")))

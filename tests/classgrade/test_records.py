"""course/classgrade/records.py: a record reads back as it was written, and what enters one (the
judge's results, an earlier run's scores.json) is checked once, where it is read."""
from __future__ import annotations

import json
from dataclasses import replace

import pytest

from course.classgrade import records
from course.classgrade.plan import Options, Plan
from course.classgrade.records import CheckRow, ExerciseRow, Invalid, StudentRecord


@pytest.fixture(scope="module")
def nll(course):
    return course.exercise("bigram.nll")


def a_record() -> StudentRecord:
    rows = [ExerciseRow("bigram.nll", 3, 3, "passed", checks=[CheckRow("test_nll", "passed", printed="hi\n")],
                        ended="completed", submission_sha256="a" * 64, graders_sha256="b" * 64),
            ExerciseRow("recall.mlp_shapes", 0, 3, "not submitted", ended="completed", missing=True)]
    return StudentRecord("ann", "completed", rows, 12.5, {"recall": 13}, 9, manual_scores={"recall": {"reflection": 4.0}},
                         manual_points=4, manual_pending_cells=["recall/mlp_shapes_written"], manual_graded_cells=1)


def test_a_record_reads_back_as_it_was_written():
    record = a_record()
    data = json.loads(json.dumps(record.to_json()))
    assert StudentRecord.from_json(data) == record
    assert (data["total"], data["max_total"], data["manual_max"]) == (3, 6, 13)
    assert list(data)[:9] == ["student", "ended", "seconds", "total", "max_total", "manual_pending", "manual",
                              "exercises", "manual_scores"]
    assert "printed" not in data["exercises"][1] and data["exercises"][1]["missing"] is True
    assert "missing" not in data["exercises"][0]


@pytest.mark.parametrize("data", [None, [], "ann", {"student": "ann"}, {"student": 3, "exercises": []},
                                  {"student": "ann", "exercises": {"bigram.nll": 3}}])
def test_what_is_not_a_record_is_refused(data):
    with pytest.raises(Invalid):
        StudentRecord.from_json(data)


def test_a_file_that_holds_no_record_reads_as_none(tmp_path):
    for text in ("", "{", "[1]", '{"student": "ann"}', "[" * 100_000):
        (tmp_path / "scores.json").write_text(text)
        assert StudentRecord.load(tmp_path / "scores.json") is None
    assert StudentRecord.load(tmp_path / "missing.json") is None


def test_rows_that_cannot_be_read_are_left_out_and_strings_made_safe():
    data = a_record().to_json()
    data["exercises"] += [{"id": "bigram.build_vocab", "status": "passed"},                    # no points
                          {"id": "bigram.bigram_probs", "status": "passed", "points": True, "max_points": 2},
                          {"status": "passed", "points": 2, "max_points": 2}, "bigram.sample_names", None]
    data["exercises"][0]["message"] = "bad \ud800 \x1b[31m"
    data["exercises"][0]["checks"] += [5, {"name": 7}]
    data["manual"]["bigram"] = "lots"
    record = StudentRecord.from_json(data)
    assert [r.id for r in record.exercises] == ["bigram.nll", "recall.mlp_shapes"]
    assert record.exercises[0].message == "bad \\ud800 \ufffd[31m"
    assert [c.name for c in record.exercises[0].checks] == ["test_nll", "7"]
    assert record.manual == {"recall": 13, "bigram": 0}


def test_a_judges_row_is_checked_as_any_input(nll):
    forged = {"status": "passed", "points": 99, "message": "x" * 10_000}
    assert ExerciseRow.from_judge(nll, forged, {}, None, "completed").points == 0        # never above
    row = ExerciseRow.from_judge(nll, {"status": "excellent", "points": 3}, {}, None, "completed")
    assert (row.status, row.points) == ("error", 0)
    row = ExerciseRow.from_judge(nll, {"status": ["passed"], "checks": "all"}, {}, None, "completed")
    assert (row.status, row.checks) == ("error", [])
    assert len(ExerciseRow.from_judge(nll, forged, {}, None, "completed").message) <= 4000


def test_a_pass_counts_only_when_every_planned_check_ran(nll):
    got = {"status": "passed", "points": 3, "checks": [{"name": "test_a", "status": "passed"},
                                                        {"name": "test_b", "status": "passed"}]}
    assert ExerciseRow.from_judge(nll, got, {}, ["test_a", "test_b"], "completed").points == 3
    cut = ExerciseRow.from_judge(nll, got, {}, ["test_a", "test_b", "test_hidden_c"], "timed out")
    assert (cut.status, cut.points) == ("timed out", 0) and "only 2 of the 3 checks" in cut.message
    assert ExerciseRow.from_judge(nll, got, {}, None, "completed").status == "error"       # no plan: no pass


def test_what_learner_code_printed_goes_with_its_check_capped(nll):
    got = {"status": "failed", "checks": [{"name": "test_a", "status": "failed"}, {"name": "test_b"}]}
    row = ExerciseRow.from_judge(nll, got, {"test_a": "y" * 5000, "test_b": 7}, ["test_a"], "completed")
    assert len(row.checks[0].printed) == records.PRINTED_PER_CHECK and row.checks[1].printed == ""


def test_a_judge_that_left_nothing_gives_rows_that_say_why(course, tmp_path):
    plan = Plan.of(course, Options(only=("bigram",)))
    (tmp_path / "submission").mkdir()
    (tmp_path / "submission" / "bigram.py").write_text("")
    (tmp_path / "results.json").write_text('{"exercises": 5}')
    crashed = records.judged(course, plan, "ann", tmp_path / "submission", tmp_path, "crashed", 1.23, 300)
    assert crashed.ended == "crashed" and crashed.seconds == 1.2 and crashed.manual == {}
    assert {r.status for r in crashed.exercises} == {"error"}
    assert all("stopped unexpectedly" in r.message and r.ended == "crashed" and not r.missing
               for r in crashed.exercises)
    late = records.judged(course, plan, "ann", tmp_path / "nothing", tmp_path, "timed out", 300.0, 300)
    assert all(r.status == "timed out" and "(300 s) ran out" in r.message and r.missing for r in late.exercises)


def test_merge_keeps_what_the_grading_did_not_touch(course):
    old = a_record()
    plan = Plan.of(course, Options(only=("bigram",)))
    new = StudentRecord("ann", "timed out", [ExerciseRow("bigram.nll", 0, 3, "timed out", ended="timed out")])
    merged = records.merge(course, old, new, plan)
    assert [r.id for r in merged.exercises] == ["bigram.nll", "recall.mlp_shapes"]
    assert merged.ended == "timed out" and merged.total == 0
    assert merged.manual == {"recall": 13} and merged.manual_scores == old.manual_scores
    assert records.merge(course, None, new, plan) is new
    nothing = records.unsubmitted(plan, "ann", "empty submission")
    assert records.merge(course, old, nothing, plan).ended == "empty submission"


def test_a_record_is_up_to_date_only_for_its_files_graders_and_a_complete_grading():
    record = a_record()
    assert record.up_to_date(["bigram.nll"], "a" * 64, "b" * 64)
    assert not record.up_to_date(["bigram.nll"], "c" * 64, "b" * 64)
    assert not record.up_to_date(["bigram.nll"], "a" * 64, "c" * 64)
    assert not record.up_to_date(["bigram.nll", "bigram.build_vocab"], "a" * 64, "b" * 64)
    cut = replace(record, exercises=[replace(record.exercises[0], ended="timed out")])
    assert not cut.up_to_date(["bigram.nll"], "a" * 64, "b" * 64)


def test_a_failure_of_the_grader_is_the_students_record(course):
    plan = Plan.of(course, Options(only=("bigram",)))
    try:
        raise UnicodeEncodeError("utf-8", "\ud800", 0, 1, "surrogates not allowed")
    except UnicodeEncodeError as exc:
        record = records.failed(plan, "ann", exc)
    assert record.ended == "crashed" and record.troubled and len(record.exercises) == len(plan.exercises)
    assert "UnicodeEncodeError" in record.grader_error and "please tell your instructor" in record.exercises[0].message
    json.dumps(record.to_json())                          # writable: nothing that cannot be encoded

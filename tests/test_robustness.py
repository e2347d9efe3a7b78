"""Learner code that hangs, crashes, floods or misbehaves costs its own exercise, nothing more."""
from course.grading import run
from tests.conftest import by_id, target_with

HOSTILE = '''
import ctypes, os, sys

def build_vocab(words):
    while True:          # hangs
        pass

def count_bigrams(words, stoi):
    os._exit(3)          # ends the process

def bigram_probs(counts, smoothing=1.0):
    for i in range(10 ** 7):
        print("debug", i)

def nll(probs, words, stoi):
    return nll(probs, words, stoi)      # recursion without end

def bigram_pairs(words, stoi):
    ctypes.string_at(0)                 # segmentation fault

def sample_names(probs, itos, n, generator=None):
    sys.exit(1)

def train_neural_bigram(xs, ys, vocab_size, steps=100, lr=50.0, reg=0.01, generator=None):
    return torch.empty(50_000, 50_000, 20)   # 200 GB
'''


def test_hostile_code_is_contained(tmp_path, course):
    target = target_with(tmp_path, "bigram", HOSTILE)
    scores, output = run.graders(target, keyword="bigram", course=course, check_timeout=2)
    rows = by_id(scores)
    assert rows["bigram.build_vocab"]["status"] == "timed out"
    assert "exit code 3" in rows["bigram.count_bigrams"]["message"]
    assert "printed more than" in rows["bigram.bigram_probs"]["message"]
    assert "recursed without end" in rows["bigram.nll"]["message"]
    assert "segmentation fault" in rows["bigram.bigram_pairs"]["message"]
    assert "exit()" in rows["bigram.sample_names"]["message"]
    assert "memory" in rows["bigram.train_neural_bigram"]["message"]
    assert all(r["points"] == 0 for key, r in rows.items() if key.startswith("bigram."))
    assert "Total: 0/20 points" in output                 # the table is still printed


WRONG_OUTPUTS = '''
def bigram_probs(counts, smoothing=1.0):
    return [[0.5, 0.5], [0.5, 0.5]]                     # a list, not a tensor

def nll(probs, words, stoi):
    return float("nan")

def count_bigrams(words, stoi):
    return torch.zeros(len(stoi), len(stoi) + 1, dtype=torch.int64)   # wrong shape

def bigram_pairs(words, stoi):
    words.clear()                                       # mutates its input
    return torch.tensor([0]), torch.tensor([0])

def build_vocab(words):
    words.append("zzz")                                 # mutates its input
    chars = sorted(set("".join(words)))
    stoi = {".": 0, **{c: i + 1 for i, c in enumerate(chars)}}
    return stoi, {i: c for c, i in stoi.items()}
'''


def test_wrong_types_shapes_nan_and_mutation_fail_with_a_message(tmp_path, course):
    target = target_with(tmp_path, "bigram", WRONG_OUTPUTS)
    scores, output = run.graders(target, keyword="bigram", course=course, check_timeout=5)
    rows = by_id(scores)
    assert "should be a torch tensor" in rows["bigram.bigram_probs"]["message"]
    assert rows["bigram.nll"]["status"] == "failed"
    assert "shape (3, 3)" in rows["bigram.count_bigrams"]["message"]
    assert rows["bigram.bigram_pairs"]["status"] == "failed"
    assert rows["bigram.build_vocab"]["status"] == "failed"
    # the exercises left as the reference wrote them still pass
    assert rows["bigram.sample_names"]["status"] == "passed"
    assert rows["bigram.train_neural_bigram"]["status"] == "passed"

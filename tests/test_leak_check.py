"""The release's leak check finds solution code however it is re-written: renamed, re-commented,
re-laid-out, inside another function (course/authoring/leaks.py, body_leaks). The class of leak it
exists for: the course's machinery once held a `make_data` that re-did mlp.split_words and
mlp.build_dataset under other names, and no line of it was 20 characters long and the same."""
import shutil

import pytest

from course.authoring import leaks
from tests.conftest import ROOT

# the leak as it was (course/learner/experiments.py before the labs imported the target's modules)
OLD_MAKE_DATA = '''
import random
import torch

BLOCK_SIZE = 3

def make_data(words, seed=42):
    """The lecture's data: 3-character contexts, an 80/10/10 split of the words."""
    chars = sorted(set("".join(words)))
    stoi = {".": 0, **{c: i + 1 for i, c in enumerate(chars)}}
    words = list(words)
    random.Random(seed).shuffle(words)
    n1, n2 = int(0.8 * len(words)), int(0.9 * len(words))

    def contexts(ws):
        X, Y = [], []
        for w in ws:
            context = [0] * BLOCK_SIZE
            for ch in w + ".":
                X.append(context)
                Y.append(stoi[ch])
                context = context[1:] + [stoi[ch]]
        return torch.tensor(X), torch.tensor(Y)

    return contexts(words[:n1]), contexts(words[n1:n2])
'''


@pytest.fixture(scope="module")
def public_parts(tmp_path_factory):
    """What a release ships of Python: the machinery, the public graders, the stubs and notebooks."""
    out = tmp_path_factory.mktemp("public")
    for folder in ("course", "autograder", "exercises"):
        shutil.copytree(ROOT / folder, out / folder, ignore=shutil.ignore_patterns("hidden", "__pycache__", "*.new"))
    return out


def test_the_shipped_code_holds_no_solution_body(public_parts, course):
    assert leaks.body_leaks(course, public_parts) == []


def test_the_old_make_data_is_found(tmp_path, course):
    (tmp_path / "course" / "learner").mkdir(parents=True)
    (tmp_path / "course" / "learner" / "experiments.py").write_text(OLD_MAKE_DATA)
    found = leaks.body_leaks(course, tmp_path)
    assert any("solutions/mlp.py" in f for f in found), found            # the split of split_words
    assert all(f.startswith("course/learner/experiments.py, line ") for f in found)


def test_a_renamed_and_re_laid_out_solution_is_found(tmp_path, course):
    # build_dataset's loop, every name changed, comments and blank lines added, inside a method
    (tmp_path / "helper.py").write_text('''
class Loader:
    def rows(self, names, table, width):
        inputs, targets = [], []
        for name in names:

            window = [0] * width          # start afresh
            for letter in name + ".":
                k = table[letter]
                inputs.append(window)
                targets.append(k)
                window = window[1:] + [k]
        return inputs, targets
''')
    found = leaks.body_leaks(course, tmp_path)
    assert any("solutions/mlp.py" in f for f in found), found


def test_common_code_is_not_a_leak(tmp_path, course):
    (tmp_path / "plots.py").write_text('''
import matplotlib.pyplot as plt

def save(fig, path, dpi):
    fig.tight_layout()
    fig.savefig(path, dpi=dpi)
    plt.close(fig)

def mean(xs):
    return sum(xs) / len(xs)
''')
    assert leaks.body_leaks(course, tmp_path) == []


def test_leaks_reports_both_kinds(tmp_path, course):
    (tmp_path / "course" / "learner").mkdir(parents=True)
    (tmp_path / "course" / "learner" / "experiments.py").write_text(OLD_MAKE_DATA)
    assert any("renamed or re-laid-out" in f for f in leaks.leaks(course, tmp_path))

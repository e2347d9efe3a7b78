"""Every requirement a check enforces is in its exercise's docstring (the contract).

Two sources: the graders themselves (a dtype that `expect(...).tensor(dtype=...)` demands, read
with `ast` from the public and the hidden tier), and a table of the requirements that a check
enforces in its own words (orders, zero / non-zero, windows, leaves, seeds), each with the words
its docstring must use. A check that starts to enforce something new belongs in this table.
"""
import ast
import re

import pytest

from tests.conftest import ROOT


def docstring(exercise_id: str) -> str:
    module, name = exercise_id.split(".")
    tree = ast.parse((ROOT / "solutions" / f"{module}.py").read_text())
    node = next(n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef)) and n.name == name)
    # a class's contract is its docstring and its methods'
    parts = [node] + [n for n in node.body if isinstance(n, ast.FunctionDef)] if isinstance(node, ast.ClassDef) else [node]
    return " ".join(" ".join(ast.get_docstring(n) or "" for n in parts).split())


def is_expect(node) -> bool:
    """Whether `node` is expect(...), or a chain of checks on one (expect(x).close_to(...))."""
    while isinstance(node, ast.Call):
        if getattr(node.func, "id", "") == "expect":
            return True
        node = getattr(node.func, "value", None)
    return False


def demanded_dtypes() -> dict[str, set[str]]:
    """exercise id -> the dtypes its checks demand with expect(...).tensor(dtype=torch.X)."""
    found: dict[str, set[str]] = {}
    files = sorted((ROOT / "autograder").glob("test_*.py")) + sorted((ROOT / "autograder" / "hidden").glob("test_*.py"))
    for path in files:
        for fn in ast.parse(path.read_text()).body:
            if not isinstance(fn, ast.FunctionDef):
                continue
            ids = [d.args[0].value for d in fn.decorator_list if isinstance(d, ast.Call)
                   and getattr(d.func, "id", "") == "exercise" and d.args and isinstance(d.args[0], ast.Constant)]
            for call in (n for n in ast.walk(fn) if isinstance(n, ast.Call)):
                if getattr(call.func, "attr", "") != "tensor" or not is_expect(call.func.value):
                    continue
                for kw in call.keywords:
                    if kw.arg == "dtype" and isinstance(kw.value, ast.Attribute):
                        for ex in ids:
                            found.setdefault(ex, set()).add(kw.value.attr)
    return found


DTYPES = demanded_dtypes()


@pytest.mark.parametrize("exercise_id", sorted(DTYPES))
def test_every_demanded_dtype_is_in_the_docstring(exercise_id):
    text = docstring(exercise_id)
    missing = sorted(d for d in DTYPES[exercise_id] if d not in text)
    assert not missing, f"{exercise_id}: its checks demand {missing}, its docstring does not say so"


# The requirements checks enforce in their own words: (exercise, what, words the docstring must hold).
REQUIRED = [
    ("bigram.build_vocab", "order: '.' first, the rest sorted", ["index 0", "sorted"]),
    ("bigram.build_vocab", "'.' inside words: one index, none skipped", ["inside the words", "none skipped"]),
    ("bigram.count_bigrams", "start and end counted", ["start", "end"]),
    ("bigram.bigram_probs", "rows sum to 1", ["row"]),
    ("mlp.split_words", "the order of random.Random(seed).shuffle", ["random.Random(seed).shuffle"]),
    ("mlp.split_words", "the cuts", ["int(0.8 * n)", "int(0.9 * n)"]),
    ("mlp.split_words", "the caller's list untouched", ["left as it was"]),
    ("mlp.build_dataset", "padding at the start, newest last", ["padding is at the start", "slides left"]),
    ("mlp.embed", "order of the concatenation", ["oldest character"]),
    ("mlp.init_params", "leaves", ["leaf"]),
    ("mlp.evaluate", "no graph", ["without a graph"]),
    ("mlp.cross_entropy", "finite at large logits", ["1e4"]),
    ("mlp.train", "loss before the update", ["before that step's update"]),
    ("kaiming.kaiming_normal_", "in place, (fan_in, fan_out)", ["in place", "(fan_in, fan_out)"]),
    ("kaiming.gain", "unknown names raise", ["ValueError"]),
    ("batchnorm.BatchNorm1d", "biased variance to normalise, unbiased running", ["biased", "unbiased", "momentum"]),
    ("diagnostics.record_activations", "detached, hooks removed", ["detached", "removed"]),
    ("diagnostics.record_gradients", "detached, hooks removed", ["detached", "removed"]),
    ("layers.fixed_init_params", "leaves", ["leaf"]),
    ("layers.fixed_init_params", "W2 not zero", ["not all zero"]),
    ("layers.fixed_init_params", "saturation and spread", ["a third", "std above 0.2"]),
    ("layers.fixed_init_params", "another seed other parameters", ["another seed"]),
    ("layers.Linear", "the weight's dtype and scale", ["float32", "sqrt(fan_in)"]),
    ("layers.deep_mlp", "leaves", ["leaf"]),
    ("layers.deep_mlp", "gain not on the last Linear", ["last Linear's are not"]),
    ("layers.deep_mlp", "reproducible: C and every layer", ["same seed gives the same network", "another seed"]),
    ("tuning.lr_finder", "rates as given, a fresh minibatch each step", ["not their exponents", "fresh minibatch"]),
    ("tuning.pick_lr", "a centred window", ["centred"]),
    ("tuning.overfit_batch", "plain cross-entropy", ["no regularisation"]),
]


@pytest.mark.parametrize("exercise_id, what, words", REQUIRED, ids=[f"{r[0]}: {r[1]}" for r in REQUIRED])
def test_every_enforced_requirement_is_in_the_docstring(exercise_id, what, words):
    text = docstring(exercise_id)
    missing = [w for w in words if w.lower() not in text.lower()]
    assert not missing, f"{exercise_id} enforces {what}, but its docstring lacks {missing}"


def test_the_table_names_real_exercises(course):
    ids = {ex.id for ex in course.exercises}
    unknown = sorted({r[0] for r in REQUIRED} - ids) + sorted(set(DTYPES) - ids)
    assert not unknown, unknown
    assert all(re.fullmatch(r"\w+\.\w+", r[0]) for r in REQUIRED)


def test_first_hints_are_gentle(course):
    """`Next:` shows an exercise's first hint: a question or a pointer to the lecture, never the
    answer (the formulas come last); the recall test's questions too, answered without notes."""
    blunt = [ex.id for ex in course.exercises
             for first in [next(iter(ex.hints.values()))]
             if ("?" not in first and "lecture" not in first.lower()) or " = " in first]
    assert not blunt, f"first hints that give the answer away: {blunt}"

"""Correct implementations in other styles than the reference, one file per course module.

Each file defines CASES: (exercise id, a short name, code that replaces the reference
function), written from the docstring as different learners would (Python loops, numpy round
trips, torch.optim, the lecture's own idioms, another container type...). A case may carry a
fourth element, the reason it is expected to fail for now (marked xfail, not strict). The
tests plant the code into a copy of solutions/ (as tests/wrong/ does) and grade that exercise
with the public and the hidden tier: every case must get full points
(tests/test_right_versions.py). A later `def` of the same name replaces the reference one.
"""
import importlib
import pkgutil


def all_cases() -> list[tuple]:
    cases = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        cases += importlib.import_module(f"{__name__}.{info.name}").CASES
    return cases

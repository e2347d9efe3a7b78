"""Common wrong implementations, one file per course module, each with the hint its grader must give.

Each file defines CASES: (exercise id, a short name, code that replaces the reference
function, the key of the hint in course.toml that the failure message must contain; "module.Exercise:key"
when the fault lies in another exercise's code, whose hint the message names). The tests
plant the code into a copy of solutions/ and grade that exercise alone
(tests/test_wrong_versions.py). A later `def` of the same name replaces the reference one; a
case may also redefine helpers or classes the same way.
"""
import importlib
import pkgutil


def all_cases() -> list[tuple]:
    cases = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        cases += importlib.import_module(f"{__name__}.{info.name}").CASES
    return cases

"""Right and wrong versions of the exercises, one file each, written as different learners would.

    right/<module>/<function>__<name>.py   a correct implementation in another style than the
                                           reference (Python loops, numpy round trips, torch.optim,
                                           the lecture's own idioms...): it gets full points in the
                                           public and the hidden tier (tests/test_right_versions.py)
    wrong/<module>/<function>__<name>.py   a common mistake: its grader rejects it with the hint
                                           that names the mistake (tests/test_wrong_versions.py)
    wrong/cases.toml                       that hint, per variant
    right/cases.toml                       variants expected to fail for now, with the reason

A variant file is a one-line docstring that says what it is (the tests name it so), then the code
the tests plant: appended to a copy of solutions/<module>.py, where a later `def` or `class` of
the same name replaces the reference one (a wrong variant may redefine a helper the same way).
So a variant uses its module's names (torch, the module's other functions) without importing
them; tests/test_variants.py checks that each such name is one of its module's.
"""
from __future__ import annotations

import ast
import sys
from dataclasses import dataclass
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

HERE = Path(__file__).resolve().parent

# Exercises whose grader reads a model the learner saved, not their code: their variants are
# recipes, which tests/test_challenge.py runs with `course challenge` and then grades; the
# generic right/wrong tests, which plant code and grade it, leave them out.
SAVED_MODELS = {"tuning.beat_217"}


@dataclass(frozen=True)
class Variant:
    exercise: str              # the exercise it is a version of, "bigram.build_vocab"
    name: str                  # what it does, its file's docstring
    code: str                  # what the tests plant: the file after its docstring
    path: Path
    hint: str | None = None    # wrong: the hint its grader's message must contain ("key", or "module.Exercise:key")
    xfail: str | None = None   # right: why it is expected to fail for now

    @property
    def module(self) -> str:
        return self.exercise.split(".", 1)[0]


def cases(kind: str) -> dict[str, dict[str, str]]:
    """<kind>/cases.toml: module -> {file name without .py -> the hint, or the reason}."""
    path = HERE / kind / "cases.toml"
    return tomllib.loads(path.read_text()) if path.exists() else {}


def read(path: Path, expected: dict[str, dict[str, str]], kind: str) -> Variant:
    text = path.read_text()
    docstring = ast.parse(text).body[0]
    name = ast.get_docstring(ast.Module(body=[docstring], type_ignores=[]))
    if not name:
        raise ValueError(f"{path}: a variant starts with a one-line docstring saying what it is")
    code = "".join(text.splitlines(keepends=True)[docstring.end_lineno:])
    module, function = path.parent.name, path.stem.rsplit("__", 1)[0]     # kaiming_normal___a_name
    found = expected.get(module, {}).get(path.stem)
    return Variant(f"{module}.{function}", name, code, path,
                   hint=found if kind == "wrong" else None, xfail=found if kind == "right" else None)


def variants(kind: str) -> list[Variant]:
    """Every variant of `kind` ("right" or "wrong"), by module, then by file name."""
    expected = cases(kind)
    return [read(path, expected, kind) for path in sorted((HERE / kind).glob("*/*.py"))]


def right() -> list[Variant]:
    return variants("right")


def wrong() -> list[Variant]:
    return variants("wrong")

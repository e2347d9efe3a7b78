"""The variant corpora (tests/variants/) are sound before anything is graded: every file is Python
that says what it is and whose exercise it is, uses only names its module has, and every wrong
variant names a hint its exercise has. A slip here shows as a failure that names the file, not
as a grading that fails for another reason."""
import builtins
import re
import symtable

import pytest

from tests.conftest import ROOT
from tests.variants import HERE, cases, right, wrong

ALL = right() + wrong()


def defined_at_top(table: symtable.SymbolTable) -> set[str]:
    """The names a module binds at its top level (a `global` assignment in a function included)."""
    names = {s.get_name() for s in table.get_symbols() if s.is_assigned() or s.is_imported()}
    for child in table.get_children():
        names |= {s.get_name() for s in child.get_symbols() if s.is_declared_global() and s.is_assigned()}
    return names


def looked_up_globally(table: symtable.SymbolTable) -> set[str]:
    """The names a piece of code reads from its module's namespace (or from the builtins)."""
    if table.get_type() == "module":
        names = {s.get_name() for s in table.get_symbols() if s.is_referenced() and not s.is_assigned()
                 and not s.is_imported()}
    else:
        names = {s.get_name() for s in table.get_symbols() if s.is_global() and s.is_referenced()}
    for child in table.get_children():
        names |= looked_up_globally(child)
    return names


def module_names(module: str) -> set[str]:
    path = ROOT / "solutions" / f"{module}.py"
    return defined_at_top(symtable.symtable(path.read_text(), str(path), "exec"))


def test_the_corpora_are_there():
    assert len(right()) >= 140 and len(wrong()) >= 150
    for v in ALL:
        assert re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*__[a-z0-9]+(_[a-z0-9]+)*", v.path.stem), v.path
        assert not v.path.stem.endswith("_test"), f"{v.path.name}: pytest would collect it as a test file"


@pytest.mark.parametrize("variant", ALL, ids=[str(v.path.relative_to(HERE)) for v in ALL])
def test_a_variant_is_a_version_of_an_exercise_using_its_modules_names(course, variant):
    course.exercise(variant.exercise)                       # raises for an exercise course.toml lacks
    assert "\n" not in variant.name and variant.code.strip(), variant.path
    table = symtable.symtable(variant.code, str(variant.path), "exec")
    unknown = looked_up_globally(table) - defined_at_top(table) - module_names(variant.module) - set(dir(builtins))
    assert not unknown, f"{variant.path.name} uses names that solutions/{variant.module}.py does not have: {unknown}"


def test_names_are_unique_per_exercise():
    seen = [(v.exercise, v.name) for v in ALL]
    assert len(seen) == len(set(seen)), "two variants of one exercise share a name (their docstring)"


def test_every_wrong_variant_names_a_hint_of_its_exercise(course):
    for v in wrong():
        assert v.hint, f"{v.path.name}: no hint in wrong/cases.toml [{v.module}]"
        owner, key = v.hint.rsplit(":", 1) if ":" in v.hint else (v.exercise, v.hint)
        assert key in course.exercise(owner).hints, f"{v.path.name}: {owner} has no hint {key!r} in course.toml"


@pytest.mark.parametrize("kind", ["right", "wrong"])
def test_every_entry_of_cases_toml_has_its_variant(kind):
    files = {(p.parent.name, p.stem) for p in (HERE / kind).glob("*/*.py")}
    entries = {(module, stem) for module, table in cases(kind).items() for stem in table}
    assert entries <= files, f"{kind}/cases.toml names variants that are not there: {sorted(entries - files)}"


def test_the_names_check_sees_a_typo():
    table = symtable.symtable("def f(x):\n    return torch.zeros(x) + helpr(x)\n", "typo", "exec")
    assert looked_up_globally(table) - module_names("bigram") - set(dir(builtins)) == {"helpr"}

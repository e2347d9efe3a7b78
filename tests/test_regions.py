"""course/regions.py: where solution regions and hidden tests are, read the same way everywhere."""
from course import regions
from course.regions import HIDDEN_TESTS, SOLUTION, Region

MODULE = """\
def f(x):
    \"\"\"Doubles x.\"\"\"
    ### BEGIN SOLUTION
    # TODO: double it
    return 2 * x
    ### END SOLUTION


def g():
        ### BEGIN SOLUTION   (indented further, and a note after the marker)
    return 1
        ### END SOLUTION
"""


def test_regions_are_found_with_their_marker_lines_and_bodies():
    found = regions.find(MODULE)
    assert found == [Region(3, 6, ("    # TODO: double it", "    return 2 * x")), Region(10, 12, ("    return 1",))]
    assert found[0].holds(4, 5) and not found[0].holds(3, 5) and not found[0].holds(5, 6)
    assert regions.find(MODULE.splitlines(keepends=True), keepends=True)[1].body == ("    return 1\n",)


def test_outside_is_what_everyone_sees():
    assert regions.outside(MODULE) == ["def f(x):", '    """Doubles x."""', "", "", "def g():"]
    assert regions.contains(MODULE) and not regions.contains("\n".join(regions.outside(MODULE)))


def test_a_region_never_closed_runs_to_the_end_and_a_stray_end_is_skipped():
    text = "a\n### END SOLUTION\nb\n### BEGIN SOLUTION\nsecret\nmore"
    assert regions.find(text) == [Region(4, 7, ("secret", "more"))]
    assert regions.outside(text) == ["a", "b"]


def test_problems_name_every_slip_at_its_line():
    lines = ["def f():", "    ### END SOLUTION", "    ### BEGIN SOLUTION", "    return 1"]
    begin, end = SOLUTION.begin, SOLUTION.end
    assert regions.problems(lines, "x.py") == [
        f"x.py:2: {end} without a {begin} before it; remove it or add the {begin}",
        f"x.py:3: {begin} is never closed; add {end} where the region ends"]
    lines = ["### BEGIN HIDDEN TESTS", "assert x", "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"]
    assert regions.problems(lines, "nb, cell t, line {line}", HIDDEN_TESTS) == [
        f"nb, cell t, line 1: {HIDDEN_TESTS.begin} is not closed; add {HIDDEN_TESTS.end} before line 3"]
    assert regions.problems(MODULE.splitlines(), "m.py") == []


def test_markers_or_regions_left_out_of_a_cell():
    cell = "x = 1\n### BEGIN HIDDEN TESTS\nassert x == 1\n### END HIDDEN TESTS\nprint(x)"
    assert regions.without_regions(cell, HIDDEN_TESTS) == "x = 1\nprint(x)"
    answer = "### BEGIN SOLUTION\nI check the loss at step 0.\n### END SOLUTION"
    assert regions.without_markers(answer) == "I check the loss at step 0.\n"      # line ends kept


def test_a_notebook_cell_is_cut_into_what_is_shown_solutions_and_hidden_tests():
    tests = {"source": ["assert f(1) == 2\n", "### BEGIN HIDDEN TESTS\n", "assert f(3) == 6\n",
                        "### END HIDDEN TESTS\n"], "metadata": {"nbgrader": {"grade": True}}}
    parts = regions.cell_parts(tests)
    assert parts.outside == ["assert f(1) == 2"] and parts.solutions == [] and parts.hidden == [("assert f(3) == 6",)]

    marked = {"source": "def f(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION\n",
              "metadata": {"nbgrader": {"solution": True}}}
    assert regions.cell_parts(marked).solutions == [("    return 2 * x",)]
    assert regions.cell_parts(marked).outside == ["def f(x):"]

    # nbgrader clears a solution cell without markers whole: all of it is solution
    whole = {"source": "I check the loss at step 0.", "metadata": {"nbgrader": {"solution": True}}}
    assert regions.cell_parts(whole) == regions.Parts([], [("I check the loss at step 0.",)], [])
    assert regions.cell_parts({"source": "plain", "metadata": {}}).outside == ["plain"]


def test_a_module_is_cut_at_its_solution_regions():
    parts = regions.parts(MODULE)
    assert parts.outside == regions.outside(MODULE) and len(parts.solutions) == 2 and parts.hidden == []

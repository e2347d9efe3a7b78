"""The solution and hidden-test regions of the course's sources: the one reader of their markers.

A solution region lies between a line `### BEGIN SOLUTION` and the next `### END SOLUTION`
(nbgrader's markers), in a module of solutions/ or in a notebook cell; a notebook's hidden tests
lie between `### BEGIN HIDDEN TESTS` and `### END HIDDEN TESTS`. A line is a marker when its text,
indentation aside, starts with the marker. The stub generator, the pre-flight check, the notebooks
and the release's leak check all read regions here, so they agree on where a region is.

Two readings of the same rule:

- `problems` is strict, for authors: an end without a beginning, a beginning never closed.
- `find` and `outside` are tolerant, for the leak check: a region never closed runs to the end
  of the text (so that its lines still count as secret), a stray marker is skipped.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Markers:
    begin: str
    end: str


SOLUTION = Markers("### BEGIN SOLUTION", "### END SOLUTION")
HIDDEN_TESTS = Markers("### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS")


@dataclass(frozen=True)
class Region:
    """One region of a text: the lines of its two markers (1-based, as an editor shows them;
    `end` is one past the last line for a region never closed) and the lines between them."""
    begin: int
    end: int
    body: tuple[str, ...]

    def holds(self, first: int, last: int) -> bool:
        """Whether lines `first`..`last` lie wholly inside the region, between its markers."""
        return self.begin < first and last < self.end


def _lines(text: str | list[str], keepends: bool = False) -> list[str]:
    return text.splitlines(keepends) if isinstance(text, str) else list(text)


def is_marker(line: str, marker: str) -> bool:
    return line.strip().startswith(marker)


def find(text: str | list[str], markers: Markers = SOLUTION, keepends: bool = False) -> list[Region]:
    """The regions of a text (or of its lines), tolerantly: see the module's docstring."""
    lines = _lines(text, keepends)
    found, opened = [], None
    for number, line in enumerate(lines, 1):
        if opened is None and is_marker(line, markers.begin):
            opened = number
        elif opened is not None and is_marker(line, markers.end):
            found.append(Region(opened, number, tuple(lines[opened:number - 1])))
            opened = None
    if opened is not None:
        found.append(Region(opened, len(lines) + 1, tuple(lines[opened:])))
    return found


def outside(text: str | list[str], *markers: Markers, keepends: bool = False) -> list[str]:
    """The lines of a text outside every region of each kind of `markers` (default: solution
    regions), marker lines left out."""
    lines, markers = _lines(text, keepends), markers or (SOLUTION,)
    inside: set[int] = set()
    for kind in markers:
        for region in find(lines, kind):
            inside |= set(range(region.begin, region.end + 1))
    return [line for number, line in enumerate(lines, 1)
            if number not in inside and not any(is_marker(line, m) for kind in markers for m in (kind.begin, kind.end))]


def contains(text: str, markers: Markers = SOLUTION) -> bool:
    """Whether the text has a region of this kind (a beginning marker, at least)."""
    return any(is_marker(line, markers.begin) for line in text.splitlines())


def without_markers(text: str, markers: Markers = SOLUTION) -> str:
    """The text with its marker lines left out and what lies between them kept (the reference's
    answer to a written question, as the learner would have written it)."""
    return "".join(line for line in text.splitlines(keepends=True)
                   if not (is_marker(line, markers.begin) or is_marker(line, markers.end)))


def without_regions(text: str, markers: Markers = HIDDEN_TESTS) -> str:
    """The text with every region of this kind left out, markers and all (a cell without its hidden tests)."""
    return "".join(outside(text, markers, keepends=True))


def problems(lines: list[str], where: str, markers: Markers = SOLUTION) -> list[str]:
    """One line per badly marked region of `lines` (a file, or a notebook cell): an end without
    a beginning, or a beginning never closed, reported at its own line with the fix. `where`
    names the place: "solutions/bigram.py" (then ":<line>" follows), or a text with `{line}`."""
    def at(n: int) -> str:
        return where.format(line=n) if "{line}" in where else f"{where}:{n}"

    begin, end = markers.begin, markers.end
    found, opened = [], None
    for n, line in enumerate(lines, 1):
        if is_marker(line, begin):
            if opened is not None:
                found.append(f"{at(opened)}: {begin} is not closed; add {end} before line {n}")
            opened = n
        elif is_marker(line, end):
            if opened is None:
                found.append(f"{at(n)}: {end} without a {begin} before it; remove it or add the {begin}")
            opened = None
    if opened is not None:
        found.append(f"{at(opened)}: {begin} is never closed; add {end} where the region ends")
    return found


# ------------------------------------------------------------------ notebook cells
def cell_source(cell: dict) -> str:
    """A notebook cell's text, whether the file holds it as one string or as a list of lines."""
    source = cell.get("source", "")
    return source if isinstance(source, str) else "".join(source)


@dataclass(frozen=True)
class Parts:
    """A source cut at its regions: what everyone sees, the solutions, the hidden tests."""
    outside: list[str]
    solutions: list[tuple[str, ...]]
    hidden: list[tuple[str, ...]]


def parts(text: str) -> Parts:
    """A module of solutions/ cut at its solution regions."""
    return Parts(outside(text, SOLUTION), [r.body for r in find(text, SOLUTION)], [])


def cell_parts(cell: dict) -> Parts:
    """A notebook cell cut at its solution regions and hidden tests. A cell that nbgrader marks as
    a solution cell but that has no markers is cleared whole by nbgrader: all of it is solution."""
    source = cell_source(cell)
    if cell.get("metadata", {}).get("nbgrader", {}).get("solution") and not contains(source, SOLUTION):
        return Parts([], [tuple(source.splitlines())], [])
    return Parts(outside(source, SOLUTION, HIDDEN_TESTS), [r.body for r in find(source, SOLUTION)],
                 [r.body for r in find(source, HIDDEN_TESTS)])

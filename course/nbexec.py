"""Execute a notebook's code cells in a forked child of this process, for nbgrader's autograde.

nbgrader runs a notebook in a fresh Jupyter kernel, which must start Python and import torch
again: seconds per notebook, most of the time it takes to grade a submission. `ForkedExecute`
takes the place of nbgrader's `Execute` preprocessor (everything else of nbgrader's autograde
stays: the restored grade cells, the hidden tests, the checksums, the gradebook). The cells run
one after the other in one namespace, in a child of the grading process (which has torch
loaded), under course/isolation.py's limits; each cell gets the outputs a kernel would give it
(its printed text, or the error with its traceback), and a cell that raises does not stop the
next, as with nbgrader's `allow_errors`. A cell that runs past its deadline, or a crash, ends
the run: the cells after it get an error output saying so.
"""
from __future__ import annotations

import io
import sys
import traceback

from nbformat import NotebookNode
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Integer

from course import isolation


class _CellOutput(io.StringIO):
    """A cell's printed text, capped like every check's output."""

    def __init__(self, limit: int):
        super().__init__()
        self.limit = limit

    def write(self, text: str) -> int:
        if self.tell() + len(text) > self.limit:
            raise isolation.OutputFlood(f"the cell printed more than {self.limit:,} characters")
        return super().write(text)


def _cell_runner(source: str, label: str, namespace: dict, output_limit: int):
    # IPython's magics (%matplotlib ...) and shell escapes (!pip ...) mean nothing here.
    code = "\n".join(line for line in source.splitlines() if not line.lstrip().startswith(("%", "!")))

    def run() -> dict:
        out, saved = _CellOutput(output_limit), (sys.stdout, sys.stderr)
        sys.stdout = sys.stderr = out
        error = None
        try:
            exec(compile(code, label, "exec"), namespace)
        except BaseException as exc:  # noqa: BLE001 - shown in the cell, as a kernel would
            lines = traceback.format_exception(exc)
            error = {"ename": type(exc).__name__, "evalue": str(exc), "traceback": [lines[0], *lines[2:]]}
        finally:
            sys.stdout, sys.stderr = saved
        return {"stdout": out.getvalue(), "error": error}
    return run


def _error(ename: str, evalue: str) -> NotebookNode:
    return NotebookNode(output_type="error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"])


def execute_cells(sources: list[str], timeout: float, memory_mb: int = 4096,
                  output_limit: int = 20_000) -> list[list[NotebookNode]]:
    """The outputs of each code cell of `sources`, run in order in one forked child."""
    namespace: dict = {"__name__": "__main__"}
    runners = [_cell_runner(src, f"cell {i + 1}", namespace, output_limit) for i, src in enumerate(sources)]
    results = isolation.run_many(runners, lambda exc: ("error", f"{type(exc).__name__}: {exc}"), timeout=timeout,
                                 memory_mb=memory_mb, output_limit=output_limit)
    outputs = []
    for i in range(len(sources)):
        if i < len(results) and results[i].status == "passed":
            value, cell = results[i].value, []
            if value["stdout"]:
                cell.append(NotebookNode(output_type="stream", name="stdout", text=value["stdout"]))
            if value["error"]:
                cell.append(NotebookNode(output_type="error", **value["error"]))
        elif i < len(results):
            cell = [_error("CellTimeoutError" if results[i].status == "timed out" else "KernelDied",
                           results[i].message)]
        else:
            cell = [_error("NotRun", "an earlier cell stopped the notebook")]
        outputs.append(cell)
    return outputs


class ForkedExecute(NbGraderPreprocessor):
    """nbgrader's Execute step, without a kernel: see the module's docstring."""

    timeout = Integer(30, help="seconds one cell may take").tag(config=True)
    memory_mb = Integer(4096, help="memory the notebook may allocate").tag(config=True)
    output_limit = Integer(20_000, help="characters one cell may print").tag(config=True)

    def preprocess(self, nb, resources):
        cells = [cell for cell in nb.cells if cell.cell_type == "code"]
        outputs = execute_cells([cell.source for cell in cells], self.timeout, self.memory_mb, self.output_limit)
        for count, (cell, cell_outputs) in enumerate(zip(cells, outputs), start=1):
            cell.outputs = cell_outputs
            cell.execution_count = count
        return nb, resources

"""The progress of a class grading on the terminal: students done / total and failures so far."""
from __future__ import annotations

import sys


class Progress:
    """A tqdm bar on stderr (in place on a terminal; elsewhere, a line per student)."""

    def __init__(self, total: int, stream=None, width: int = 30):
        from tqdm import tqdm
        self.stream = stream or sys.stderr
        tty = getattr(self.stream, "isatty", lambda: False)()
        self.last = None

        class Bar(tqdm):
            monitor_interval = 0          # no monitor thread: this process forks the gradings

        self.bar = Bar(total=total, file=self.stream if tty else _Lines(self.stream), ascii=".#",
                       mininterval=0, miniters=1, postfix="0 with errors or timeouts",
                       bar_format=f"grading [{{bar:{width}}}] {{n}}/{{total}} students{{postfix}}")

    def update(self, done: int, failures: int) -> None:
        if (done, failures) == self.last:
            return
        self.last = (done, failures)
        self.bar.set_postfix_str(f"{failures} with errors or timeouts", refresh=done == self.bar.n)
        self.bar.update(done - self.bar.n)

    def close(self) -> None:
        self.bar.close()


class _Lines:
    """A log file or a pipe: each redraw of the bar (tqdm starts one with '\\r') as a line of its own."""

    def __init__(self, stream):
        self.stream, self.last = stream, None

    def write(self, text: str) -> None:
        line = text.replace("\r", "").rstrip()
        if line and line != self.last:         # closing the bar draws its last line again
            self.stream.write(line + "\n")
            self.last = line

    def flush(self) -> None:
        self.stream.flush()

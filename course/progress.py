"""Progress bars: one tqdm bar for every long command (training, experiments, a class's grading).

On a terminal the bar is redrawn in place. Elsewhere (a log file, a pipe, CI) every redraw is a
line of its own, so that the log reads top to bottom: `every` sets how many steps apart those
lines are. A bar with `only_on_terminal` draws nothing elsewhere (its command prints its result
anyway).

The bar's line is a tqdm `bar_format`. Besides tqdm's fields (`{n}`, `{total}`, `{bar:30}`...)
it may use the fields given to `update` (`{loss:.4f}`) and two of its own: `{per_s}`, the mean
steps per second since the clock started, and `{left}`, the time left at that pace ("12s").
"""
from __future__ import annotations

import sys
import time
from typing import TextIO

from tqdm import tqdm


class _Tqdm(tqdm):
    """tqdm with the caller's fields and the mean pace in its format."""
    monitor_interval = 0           # no monitor thread: the callers redraw often enough, and some fork

    fields: dict = {}

    @property
    def format_dict(self):
        d = super().format_dict
        rate = self.n / d["elapsed"] if d["elapsed"] > 0 else 0.0
        d.update(self.fields, per_s=f"{rate:,.0f}", left=f"{(self.total - self.n) / rate:.0f}s" if rate > 0 else "?")
        return d


class _Lines:
    """A log file or a pipe: each redraw of the bar (tqdm starts one with '\\r') as a line of its
    own, a line that repeats the one before left out (closing the bar draws its last line again)."""

    def __init__(self, stream: TextIO):
        self.stream, self.last = stream, None

    def write(self, text: str) -> None:
        line = text.replace("\r", "").rstrip()
        if line and line != self.last:
            self.stream.write(line + "\n")
            self.last = line

    def flush(self) -> None:
        self.stream.flush()


def on_terminal(stream) -> bool:
    return bool(getattr(stream, "isatty", lambda: False)())


class Progress:
    """A progress bar of `total` steps, drawn as `template` on `stream` (default: stderr).

    `update(n, **fields)` moves it to step `n`; reaching `total` closes it. The bar appears at
    the first update, or at once with `draw_at_start`. `restart()` starts the clock again (when
    the steps really start, after the set-up)."""

    def __init__(self, total: int, template: str, stream: TextIO | None = None, *, every: int = 1,
                 only_on_terminal: bool = False, leave: bool = True, draw_at_start: bool = False,
                 redraw_seconds: float = 0.0, **fields):
        self.total, self.template, self.every = total, template, max(1, every)
        self.stream = stream if stream is not None else sys.stderr
        self.live = on_terminal(self.stream)
        self.drawn = self.live or not only_on_terminal
        self.leave, self.redraw_seconds, self.draw_at_start = leave, redraw_seconds, draw_at_start
        self.fields = fields
        self.bar: _Tqdm | None = None
        self.restart()

    def restart(self) -> None:
        """Start the clock (and the bar, with `draw_at_start`)."""
        self.close()
        self.bar, self.start = None, time.time()
        if self.draw_at_start:
            self._open(0)
            self.bar.refresh()

    def _open(self, n: int) -> None:
        """Make the bar at step `n`, not drawn yet (tqdm's `delay` holds its first draw until its
        clock is set)."""
        self.bar = _Tqdm(total=self.total, initial=n, file=self.stream if self.live else _Lines(self.stream),
                         ascii=".#", mininterval=self.redraw_seconds, miniters=1 if self.live else self.every,
                         delay=1e-9, leave=self.leave, disable=not self.drawn, bar_format=self.template)
        self.bar.fields, self.bar.start_t = self.fields, self.start

    def update(self, n: int, **fields) -> None:
        """Move to step `n`, with new values of the template's own fields."""
        changed = any(self.fields.get(k) != v for k, v in fields.items())
        self.fields.update(fields)
        opened = self.bar is None
        if opened:
            self._open(n)
        if n >= self.total:             # closing draws the last line
            self.bar.n = n
            self.close()
        elif opened or (changed and n == self.bar.n):
            self.bar.refresh()
        elif n != self.bar.n:
            self.bar.update(n - self.bar.n)

    def close(self) -> None:
        """Draw the last line and let go of the stream."""
        if self.bar is not None and not self.bar.disable:
            self.bar.close()
